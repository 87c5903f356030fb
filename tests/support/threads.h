/* threads.h - test helper: call one function from many threads at once and
 * check they all got the same answer (first use of lazily loaded libraries). */
#ifndef ES_TEST_THREADS_H
#define ES_TEST_THREADS_H

/* Starts n (<= 64) threads that each call fn() at the same moment; records a
 * test failure unless every call returned the same non-NULL pointer. Returns
 * that pointer, or NULL on any failure. */
const void *es_test_same_from_threads(const void *(*fn)(void), int n);

#endif
