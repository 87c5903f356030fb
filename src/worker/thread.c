/* thread.c - start/stop/teardown of a worker helper thread (thread.h). */
#include "worker/thread.h"

#include "worker/clock.h"

void es_pool_thread_init(es_pool_thread *t)
{
    pthread_mutex_init(&t->mu, NULL);
    es_clock_cond_init(&t->cv);
    t->stopping = t->started = t->joined = false;
}

bool es_pool_thread_start(es_pool_thread *t, void *(*fn)(void *), void *arg)
{
    t->started = pthread_create(&t->thread, NULL, fn, arg) == 0;
    return t->started;
}

void es_pool_thread_stop(es_pool_thread *t)
{
    if (!t->started || t->joined)
        return;
    pthread_mutex_lock(&t->mu);
    t->stopping = true;
    pthread_cond_broadcast(&t->cv);
    pthread_mutex_unlock(&t->mu);
    pthread_join(t->thread, NULL);
    t->joined = true;
}

void es_pool_thread_destroy(es_pool_thread *t)
{
    es_pool_thread_stop(t);
    pthread_cond_destroy(&t->cv);
    pthread_mutex_destroy(&t->mu);
}

uint64_t es_pool_thread_read(es_pool_thread *t, const uint64_t *counter)
{
    pthread_mutex_lock(&t->mu);
    uint64_t v = *counter;
    pthread_mutex_unlock(&t->mu);
    return v;
}
