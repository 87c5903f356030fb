/* fake_clock.h - a clock for the worker's unit tests (src/worker/clock.h):
 * time stands still until the test advances it, and every timed wait of the
 * worker's threads ends exactly when the test moves time past its deadline.
 * The test can see how many threads are parked in a wait and await a
 * condition without sleeping for a guessed time. */
#ifndef ES_TEST_FAKE_CLOCK_H
#define ES_TEST_FAKE_CLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Installs the fake clock at start_ms (es_clock_set_source); no worker
 * thread may run. Arms a 60 s alarm: a test that would hang is killed. */
void es_test_clock_install(uint64_t start_ms);
/* Restores the monotonic clock; every thread that used the fake one must have ended. */
void es_test_clock_uninstall(void);
uint64_t es_test_clock_now(void);
/* Moves time forward and returns once every wait whose deadline passed has woken. */
void es_test_clock_advance(uint64_t ms);
/* Threads blocked in es_clock_wait_until right now; one that the code under
 * test signalled counts until it runs again (the clock cannot see that signal). */
size_t es_test_clock_parked(void);
/* True when some parked thread waits for exactly deadline_ms. */
bool es_test_clock_has_deadline(uint64_t deadline_ms);

/* Waits until pred(ctx) holds, re-checking whenever a thread parks or leaves
 * a wait (and every millisecond for what happens elsewhere, such as a request
 * reaching a test server); records a test failure naming what and returns
 * false after 10 s of real time. */
bool es_test_await(bool (*pred)(void *ctx), void *ctx, const char *what);
/* es_test_await until some thread is parked waiting for exactly deadline_ms. */
bool es_test_await_deadline(uint64_t deadline_ms, const char *what);

#endif
