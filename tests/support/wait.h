/* wait.h - time helpers shared by the tests: a monotonic clock for measuring
 * how long a call took, and a plain sleep for letting another thread or
 * process get somewhere first. */
#ifndef ES_TEST_WAIT_H
#define ES_TEST_WAIT_H

#include <stdint.h>

/* Milliseconds on CLOCK_MONOTONIC (only differences mean anything). */
uint64_t es_test_now_ms(void);
/* Seconds on CLOCK_MONOTONIC, with sub-millisecond precision. */
double es_test_now_s(void);
/* Sleeps for ms milliseconds (a signal may end it early). */
void es_test_sleep_ms(long ms);

#endif
