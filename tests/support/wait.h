/* wait.h - time helpers shared by the tests: a monotonic clock for measuring
 * how long a call took, a plain sleep for letting another thread or process
 * get somewhere first, and the CPU time the bench programs report. */
#ifndef ES_TEST_WAIT_H
#define ES_TEST_WAIT_H

#include <stdint.h>

/* Milliseconds on CLOCK_MONOTONIC (only differences mean anything). */
uint64_t es_test_now_ms(void);
/* Seconds on CLOCK_MONOTONIC, with sub-millisecond precision. */
double es_test_now_s(void);
/* Sleeps for ms milliseconds (a signal may end it early). */
void es_test_sleep_ms(long ms);
/* User + system CPU milliseconds so far, from getrusage(who): RUSAGE_SELF
 * (the whole process) or RUSAGE_THREAD (the calling thread). */
double es_test_cpu_ms(int who);

#endif
