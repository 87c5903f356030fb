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

#endif
