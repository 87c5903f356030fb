/* fake_clock.c - the worker's test clock (fake_clock.h). Each thread in
 * es_clock_wait_until registers {cv, mu, deadline} under the clock's lock
 * while it still holds mu; advancing time collects the waits that became due
 * and signals each cv with its mu held, so a wait cannot miss its wake-up. */
#include "fake_clock.h"

#include <errno.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include "../harness/test.h"
#include "worker/clock.h"

#define S_MAX_WAITERS 64

typedef struct s_waiter {
    bool used;
    uint64_t id, deadline;
    pthread_cond_t *cv;
    pthread_mutex_t *mu;
} s_waiter;

static struct {
    pthread_mutex_t lk;
    pthread_cond_t changed; /* a thread parked or left a wait */
    uint64_t now, next_id;
    s_waiter w[S_MAX_WAITERS];
    size_t parked;
} s_fc = {.lk = PTHREAD_MUTEX_INITIALIZER, .changed = PTHREAD_COND_INITIALIZER};

static uint64_t s_now(void *ctx)
{
    (void)ctx;
    pthread_mutex_lock(&s_fc.lk);
    uint64_t t = s_fc.now;
    pthread_mutex_unlock(&s_fc.lk);
    return t;
}

static int s_wait_until(void *ctx, pthread_cond_t *cv, pthread_mutex_t *mu, uint64_t deadline)
{
    (void)ctx;
    pthread_mutex_lock(&s_fc.lk);
    if (s_fc.now >= deadline) {
        pthread_mutex_unlock(&s_fc.lk);
        return ETIMEDOUT;
    }
    size_t slot = 0;
    while (slot < S_MAX_WAITERS && s_fc.w[slot].used)
        slot++;
    if (slot == S_MAX_WAITERS) { /* more threads than a unit test should have */
        pthread_mutex_unlock(&s_fc.lk);
        es_test_fail(__FILE__, __LINE__, "fake clock: more than %d waiting threads", S_MAX_WAITERS);
        return ETIMEDOUT;
    }
    s_fc.w[slot] = (s_waiter){true, ++s_fc.next_id, deadline, cv, mu};
    s_fc.parked++;
    pthread_cond_broadcast(&s_fc.changed);
    pthread_mutex_unlock(&s_fc.lk);

    pthread_cond_wait(cv, mu); /* mu held since registration: no wake-up is lost */

    pthread_mutex_lock(&s_fc.lk);
    s_fc.w[slot].used = false;
    s_fc.parked--;
    bool timed_out = s_fc.now >= deadline;
    pthread_cond_broadcast(&s_fc.changed);
    pthread_mutex_unlock(&s_fc.lk);
    return timed_out ? ETIMEDOUT : 0;
}

static const es_clock_source s_source = {s_now, s_wait_until, NULL};

void es_test_clock_install(uint64_t start_ms)
{
    /* A worker thread waiting for a time that never comes would hang the
     * suite: the test program is killed instead (no summary: a failure).
     * Each install re-arms it; uninstall does not disarm it (cheap insurance). */
    alarm(60);
    pthread_mutex_lock(&s_fc.lk);
    s_fc.now = start_ms;
    pthread_mutex_unlock(&s_fc.lk);
    es_clock_set_source(&s_source);
}

void es_test_clock_uninstall(void) { es_clock_set_source(NULL); }

uint64_t es_test_clock_now(void) { return s_now(NULL); }

/* Deadline of a real-time wait of ms from now on CLOCK_REALTIME (the default
 * clock of s_fc.changed). */
static struct timespec s_real_deadline(long ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    return ts;
}

static bool s_any_left(const uint64_t *ids, size_t n)
{
    for (size_t i = 0; i < S_MAX_WAITERS; i++)
        for (size_t j = 0; s_fc.w[i].used && j < n; j++)
            if (s_fc.w[i].id == ids[j])
                return true;
    return false;
}

void es_test_clock_advance(uint64_t ms)
{
    struct {
        pthread_cond_t *cv;
        pthread_mutex_t *mu;
    } due[S_MAX_WAITERS];
    uint64_t ids[S_MAX_WAITERS];
    size_t n = 0;
    pthread_mutex_lock(&s_fc.lk);
    s_fc.now += ms;
    for (size_t i = 0; i < S_MAX_WAITERS; i++)
        if (s_fc.w[i].used && s_fc.w[i].deadline <= s_fc.now) {
            due[n].cv = s_fc.w[i].cv;
            due[n].mu = s_fc.w[i].mu;
            ids[n++] = s_fc.w[i].id;
        }
    pthread_mutex_unlock(&s_fc.lk);
    for (size_t i = 0; i < n; i++) {
        pthread_mutex_lock(due[i].mu);
        pthread_cond_broadcast(due[i].cv);
        pthread_mutex_unlock(due[i].mu);
    }
    /* Return only once those waits have ended, so that a later look at the
     * parked threads does not see them still registered. */
    pthread_mutex_lock(&s_fc.lk);
    for (int tries = 0; s_any_left(ids, n) && tries < 10000; tries++) {
        struct timespec ts = s_real_deadline(1);
        pthread_cond_timedwait(&s_fc.changed, &s_fc.lk, &ts);
    }
    pthread_mutex_unlock(&s_fc.lk);
}

size_t es_test_clock_parked(void)
{
    pthread_mutex_lock(&s_fc.lk);
    size_t n = s_fc.parked;
    pthread_mutex_unlock(&s_fc.lk);
    return n;
}

bool es_test_clock_has_deadline(uint64_t deadline_ms)
{
    bool found = false;
    pthread_mutex_lock(&s_fc.lk);
    for (size_t i = 0; i < S_MAX_WAITERS && !found; i++)
        found = s_fc.w[i].used && s_fc.w[i].deadline == deadline_ms;
    pthread_mutex_unlock(&s_fc.lk);
    return found;
}

bool es_test_await(bool (*pred)(void *ctx), void *ctx, const char *what)
{
    for (int i = 0; i < 10000; i++) {
        if (pred(ctx))
            return true;
        pthread_mutex_lock(&s_fc.lk);
        struct timespec ts = s_real_deadline(1);
        pthread_cond_timedwait(&s_fc.changed, &s_fc.lk, &ts);
        pthread_mutex_unlock(&s_fc.lk);
    }
    if (pred(ctx))
        return true;
    es_test_fail(__FILE__, __LINE__, "timed out (10 s) waiting for: %s", what);
    return false;
}

static bool s_has_deadline(void *ctx) { return es_test_clock_has_deadline(*(const uint64_t *)ctx); }

bool es_test_await_deadline(uint64_t deadline_ms, const char *what)
{
    return es_test_await(s_has_deadline, &deadline_ms, what);
}
