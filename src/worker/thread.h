/* thread.h - the scaffolding shared by the worker's single-thread helpers
 * (the delete batcher and the visibility heartbeat): a mutex, a condition
 * variable on CLOCK_MONOTONIC (for es_clock_wait_until), the stop flag the
 * thread watches, and one thread that is started once and joined once. The
 * owner embeds it and reads mu, cv and stopping directly. */
#ifndef ES_WORKER_THREAD_H
#define ES_WORKER_THREAD_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct es_pool_thread {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stopping; /* under mu: set once by es_pool_thread_stop */
    bool started, joined;
    pthread_t thread;
} es_pool_thread;

/* Initialises the mutex and the condition variable; no thread yet. */
void es_pool_thread_init(es_pool_thread *t);
/* Runs fn(arg) on a new thread; false when it could not be created. */
bool es_pool_thread_start(es_pool_thread *t, void *(*fn)(void *), void *arg);
/* Sets stopping, wakes the thread and joins it. Idempotent; a no-op when the
 * thread never started. */
void es_pool_thread_stop(es_pool_thread *t);
/* Stops (if needed) and destroys the mutex and the condition variable. */
void es_pool_thread_destroy(es_pool_thread *t);
/* *counter read under mu. */
uint64_t es_pool_thread_read(es_pool_thread *t, const uint64_t *counter);

#endif
