/* transform_budget.c - a counting budget behind a mutex and a condition
 * variable; waiters re-check the cancel token every 100 ms so a shutdown
 * never hangs on a transform that waits for memory. Bytes are handed out
 * first come, first served: callers that want bytes queue, and while anyone
 * queues a newcomer queues behind (try_reserve fails), so a stream of small
 * shares never starves a big one. Nobody in the queue holds bytes or waits
 * for a slot (bytes first, then the slot), and a running slot is given back
 * without waiting, so the queue cannot deadlock. */
#include "worker/transform_budget.h"

#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "worker/clock.h"
#include "worker/cgroup_limits.h"

/* A caller waiting for bytes, on its own stack; the queue's oldest first. */
typedef struct s_queued {
    struct s_queued *next;
} s_queued;

struct es_transform_budget {
    pthread_mutex_t mu;
    s_queued *head; /* waiting for bytes, oldest first */
    pthread_cond_t cv;
    uint64_t total, used;
    unsigned running, max_running; /* transforms computing; 0: no limit */
};

es_transform_budget *es_transform_budget_new(uint64_t total, unsigned max_running)
{
    es_transform_budget *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    pthread_mutex_init(&b->mu, NULL);
    es_clock_cond_init(&b->cv);
    b->total = total;
    b->max_running = max_running;
    return b;
}

void es_transform_budget_free(es_transform_budget *b)
{
    if (!b)
        return;
    pthread_cond_destroy(&b->cv);
    pthread_mutex_destroy(&b->mu);
    free(b);
}

/* Whether bytes are free now, and whether a running slot is. Locked. */
static bool s_bytes_free(const es_transform_budget *b, uint64_t bytes) { return b->total - b->used >= bytes; }

static bool s_slot_free(const es_transform_budget *b)
{
    return !(b->max_running && b->running >= b->max_running);
}

/* Removes me from the queue (it is in it). Locked. */
static void s_dequeue(es_transform_budget *b, const s_queued *me)
{
    s_queued **p = &b->head;
    while (*p != me)
        p = &(*p)->next;
    *p = me->next;
    pthread_cond_broadcast(&b->cv); /* the next in line may fit now */
}

/* One wait of at most 100 ms; false (nothing waited) once cancelled. Locked. */
static bool s_wait_round(es_transform_budget *b, const atomic_int *cancel)
{
    if (cancel && atomic_load(cancel))
        return false;
    struct timespec until;
    es_clock_deadline(&until, 100);
    pthread_cond_timedwait(&b->cv, &b->mu, &until);
    return true;
}

/* Waits its turn for bytes (first come, first served) and takes them. Locked. */
static bool s_take_bytes(es_transform_budget *b, uint64_t bytes, const atomic_int *cancel)
{
    if (!(s_bytes_free(b, bytes) && !b->head)) {
        s_queued me = {0};
        s_queued **tail = &b->head;
        while (*tail)
            tail = &(*tail)->next;
        *tail = &me;
        while (!(b->head == &me && s_bytes_free(b, bytes)))
            if (!s_wait_round(b, cancel)) {
                s_dequeue(b, &me);
                return false;
            }
        s_dequeue(b, &me);
    }
    b->used += bytes;
    return true;
}

/* Takes bytes (and, with slot, a running slot); without wait only when both
 * are free now and nobody queues for bytes. Waiting, the bytes come first,
 * in turn, and are then held while the caller waits for a slot like any
 * slot-only caller: a slot is never waited for in the queue, so the queue
 * moves whatever runs, and a slot holder never waits for bytes. */
static bool s_take(es_transform_budget *b, uint64_t bytes, bool slot, bool wait, const atomic_int *cancel)
{
    if (bytes > b->total)
        return false;
    pthread_mutex_lock(&b->mu);
    if (!wait) {
        bool ok = s_bytes_free(b, bytes) && !(bytes && b->head) && (!slot || s_slot_free(b));
        if (ok) {
            b->used += bytes;
            b->running += slot;
        }
        pthread_mutex_unlock(&b->mu);
        return ok;
    }
    if (bytes && !s_take_bytes(b, bytes, cancel)) {
        pthread_mutex_unlock(&b->mu);
        return false;
    }
    while (slot && !s_slot_free(b))
        if (!s_wait_round(b, cancel)) {
            b->used -= bytes <= b->used ? bytes : b->used; /* given back: the next in line may fit now */
            pthread_cond_broadcast(&b->cv);
            pthread_mutex_unlock(&b->mu);
            return false;
        }
    b->running += slot;
    pthread_mutex_unlock(&b->mu);
    return true;
}

bool es_transform_budget_acquire(es_transform_budget *b, uint64_t bytes, const atomic_int *cancel)
{
    return s_take(b, bytes, true, true, cancel);
}

bool es_transform_budget_try_reserve(es_transform_budget *b, uint64_t bytes)
{
    return s_take(b, bytes, false, false, NULL);
}

bool es_transform_budget_reserve(es_transform_budget *b, uint64_t bytes, const atomic_int *cancel)
{
    return s_take(b, bytes, false, true, cancel);
}

void es_transform_budget_end_run(es_transform_budget *b)
{
    pthread_mutex_lock(&b->mu);
    if (b->running)
        b->running--;
    pthread_cond_broadcast(&b->cv);
    pthread_mutex_unlock(&b->mu);
}

void es_transform_budget_release(es_transform_budget *b, uint64_t bytes)
{
    pthread_mutex_lock(&b->mu);
    b->used -= bytes <= b->used ? bytes : b->used;
    pthread_cond_broadcast(&b->cv);
    pthread_mutex_unlock(&b->mu);
}

uint64_t es_transform_budget_in_use(es_transform_budget *b, unsigned *running)
{
    pthread_mutex_lock(&b->mu);
    uint64_t used = b->used;
    if (running)
        *running = b->running;
    pthread_mutex_unlock(&b->mu);
    return used;
}

unsigned es_transform_concurrency(unsigned configured) { return configured ? configured : es_usable_cpus(); }

uint64_t es_transform_memory_for_limit(uint64_t limit)
{
    uint64_t half = limit / 2, min = 1024 * 1024;
    if (!limit || half > ES_TRANSFORM_MEMORY_MAX_AUTO)
        return ES_TRANSFORM_MEMORY_MAX_AUTO;
    return half < min ? min : half;
}

uint64_t es_transform_memory_limit(void)
{
    uint64_t limit = es_cgroup_memory_limit();
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    uint64_t ram = pages > 0 && page > 0 ? (uint64_t)pages * (uint64_t)page : 0;
    if (ram && (!limit || ram < limit))
        limit = ram;
    return limit;
}

static pthread_mutex_t s_shared_mu = PTHREAD_MUTEX_INITIALIZER;
static es_transform_budget *s_shared;

es_transform_budget *es_transform_budget_shared(uint64_t total, unsigned max_running)
{
    pthread_mutex_lock(&s_shared_mu);
    if (!s_shared)
        s_shared = es_transform_budget_new(total, es_transform_concurrency(max_running));
    es_transform_budget *b = s_shared;
    pthread_mutex_unlock(&s_shared_mu);
    return b;
}
