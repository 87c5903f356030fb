/* clock.c - the worker's clock (clock.h): CLOCK_MONOTONIC and
 * pthread_cond_timedwait, unless a test installed another source. */
#include "worker/clock.h"

#include <errno.h>
#include <stdatomic.h>
#include <stddef.h>

static _Atomic(const es_clock_source *) s_source;

void es_clock_set_source(const es_clock_source *src) { atomic_store(&s_source, src); }

static uint64_t s_monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

uint64_t es_clock_ms(void)
{
    const es_clock_source *src = atomic_load(&s_source);
    return src ? src->now_ms(src->ctx) : s_monotonic_ms();
}

uint64_t es_clock_since_service_ms(uint64_t answered_ms, uint64_t stamp_ms)
{
    uint64_t now_ms = answered_ms ? answered_ms : es_clock_epoch_ms();
    return now_ms > stamp_ms ? now_ms - stamp_ms : 0;
}

uint64_t es_clock_epoch_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int es_clock_wait_until(pthread_cond_t *cv, pthread_mutex_t *mu, uint64_t deadline_ms)
{
    const es_clock_source *src = atomic_load(&s_source);
    if (src)
        return src->wait_until(src->ctx, cv, mu, deadline_ms);
    if (deadline_ms == ES_CLOCK_NEVER)
        return pthread_cond_wait(cv, mu);
    /* The deadline as a timespec on CLOCK_MONOTONIC (the clock of es_clock_cond_init). */
    struct timespec ts = {.tv_sec = (time_t)(deadline_ms / 1000u),
                          .tv_nsec = (long)(deadline_ms % 1000u) * 1000000L};
    return pthread_cond_timedwait(cv, mu, &ts);
}
