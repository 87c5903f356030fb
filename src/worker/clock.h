/* clock.h - monotonic milliseconds for durations, deadlines and the
 * visibility heartbeat of the worker, and condition variables set to
 * CLOCK_MONOTONIC with absolute deadlines for pthread_cond_timedwait. */
#ifndef ES_WORKER_CLOCK_H
#define ES_WORKER_CLOCK_H

#include <pthread.h>
#include <stdint.h>
#include <time.h>

static inline uint64_t es_clock_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Initialises *cv to measure timed waits on CLOCK_MONOTONIC. */
static inline void es_clock_cond_init(pthread_cond_t *cv)
{
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(cv, &ca);
    pthread_condattr_destroy(&ca);
}

/* Fills *ts with "now + wait_ms" on CLOCK_MONOTONIC. */
static inline void es_clock_deadline(struct timespec *ts, uint64_t wait_ms)
{
    clock_gettime(CLOCK_MONOTONIC, ts);
    ts->tv_sec += (time_t)(wait_ms / 1000u);
    ts->tv_nsec += (long)(wait_ms % 1000u) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

#endif
