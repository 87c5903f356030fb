/* clock.h - monotonic milliseconds for durations, deadlines and the
 * visibility heartbeat of the worker, condition variables set to
 * CLOCK_MONOTONIC, and timed waits against absolute deadlines on that clock.
 * Tests may install another source of time (es_clock_set_source): every
 * reading and every timed wait of the worker goes through here. */
#ifndef ES_WORKER_CLOCK_H
#define ES_WORKER_CLOCK_H

#include <pthread.h>
#include <stdint.h>
#include <time.h>

/* A deadline that never comes: es_clock_wait_until waits for a signal only. */
#define ES_CLOCK_NEVER UINT64_MAX

/* Another source of time (tests): now_ms replaces the monotonic reading;
 * wait_until(cv, mu, deadline_ms) waits on cv (mu held) until it is signalled
 * or now_ms reaches deadline_ms, returning ETIMEDOUT in the latter case. */
typedef struct es_clock_source {
    uint64_t (*now_ms)(void *ctx);
    int (*wait_until)(void *ctx, pthread_cond_t *cv, pthread_mutex_t *mu, uint64_t deadline_ms);
    void *ctx;
} es_clock_source;

/* Installs src (borrowed; NULL restores CLOCK_MONOTONIC). Set it while no
 * worker thread runs. */
void es_clock_set_source(const es_clock_source *src);

/* Milliseconds on the worker's clock (only differences mean anything). */
uint64_t es_clock_ms(void);

/* Wall-clock milliseconds since the Unix epoch (CLOCK_REALTIME, not the test
 * source): for times from elsewhere, such as SQS's SentTimestamp, and EMF
 * timestamps; never for durations. */
uint64_t es_clock_epoch_ms(void);

/* Milliseconds from stamp_ms, a time on a service's clock (SQS's
 * SentTimestamp), to the answer that brought it, answered_ms (its Date
 * header), so the host's clock, which may be off by minutes, plays no part;
 * with no answered_ms the local wall clock stands in. The Date has whole
 * seconds, so the time is up to a second short, never long (a removal is
 * then rather looked at again than settled). 0 when stamp_ms is later. */
uint64_t es_clock_since_service_ms(uint64_t answered_ms, uint64_t stamp_ms);

/* Waits on cv (mu held, as pthread_cond_wait) until signalled or until
 * es_clock_ms() reaches deadline_ms (ES_CLOCK_NEVER: no deadline). Returns 0
 * when woken (possibly spuriously), ETIMEDOUT when the deadline passed. */
int es_clock_wait_until(pthread_cond_t *cv, pthread_mutex_t *mu, uint64_t deadline_ms);

/* Initialises *cv to measure timed waits on CLOCK_MONOTONIC. */
static inline void es_clock_cond_init(pthread_cond_t *cv)
{
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(cv, &ca);
    pthread_condattr_destroy(&ca);
}

/* Fills *ts with "now + wait_ms" on CLOCK_MONOTONIC itself, whatever source
 * is installed: for polls that must keep real time (a cancel token re-checked
 * every 100 ms). */
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
