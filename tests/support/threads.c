/* threads.c - runs one function from many threads behind a barrier and checks
 * that every thread saw the same result (see threads.h). */
#include "threads.h"

#include <pthread.h>

#include "../harness/test.h"

#define S_MAX_THREADS 64

typedef struct s_arg {
    const void *(*fn)(void);
    pthread_barrier_t *barrier;
    const void *result;
} s_arg;

static void *s_thread(void *p)
{
    s_arg *a = p;
    pthread_barrier_wait(a->barrier);
    a->result = a->fn();
    return NULL;
}

const void *es_test_same_from_threads(const void *(*fn)(void), int n)
{
    if (n < 1 || n > S_MAX_THREADS) {
        es_test_fail(__FILE__, __LINE__, "thread count %d out of range", n);
        return NULL;
    }
    pthread_t t[S_MAX_THREADS];
    s_arg args[S_MAX_THREADS];
    pthread_barrier_t barrier;
    if (pthread_barrier_init(&barrier, NULL, (unsigned)n) != 0) {
        es_test_fail(__FILE__, __LINE__, "pthread_barrier_init failed");
        return NULL;
    }
    int started = 0;
    for (; started < n; started++) {
        args[started] = (s_arg){.fn = fn, .barrier = &barrier};
        if (pthread_create(&t[started], NULL, s_thread, &args[started]) != 0)
            break;
    }
    if (started != n) {
        /* Threads already started wait at the barrier forever; fail loudly. */
        es_test_fail(__FILE__, __LINE__, "pthread_create failed after %d threads", started);
        return NULL;
    }
    for (int i = 0; i < n; i++)
        pthread_join(t[i], NULL);
    pthread_barrier_destroy(&barrier);
    const void *first = args[0].result;
    if (!first) {
        es_test_fail(__FILE__, __LINE__, "thread 0 got NULL");
        return NULL;
    }
    for (int i = 1; i < n; i++) {
        if (args[i].result != first) {
            es_test_fail(__FILE__, __LINE__, "thread %d got %p, thread 0 got %p", i, args[i].result, first);
            return NULL;
        }
    }
    return first;
}
