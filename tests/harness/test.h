/* test.h - the tiny assertion harness every exifstrip test binary uses.
 *
 * A test file defines static functions and runs them from main() with
 * ES_RUN(fn). CHECK* macros record a failure (with file:line and the values)
 * and let the test continue; REQUIRE* macros also leave the test function.
 * es_test_finish() prints "# summary: N passed, N failed, N skipped" (read by
 * tests/run.sh) and returns the process exit status. */
#ifndef ES_TEST_HARNESS_H
#define ES_TEST_HARNESS_H

#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

void es_test_fail(const char *file, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void es_test_skip(const char *reason);
void es_test_run(const char *name, void (*fn)(void));
int es_test_finish(void);
/* True when the current test has already failed (lets REQUIRE return early). */
bool es_test_current_failed(void);
/* Length of the first difference between two buffers, or (size_t)-1 if equal. */
size_t es_test_first_diff(const void *a, size_t alen, const void *b, size_t blen);

/* ES_TEST_SANITIZED is 1 in an AddressSanitizer or ThreadSanitizer build:
 * its allocator replaces glibc's and its shadow memory faults in as the
 * program writes (malloc settings, page faults and residency differ), so
 * tests that count those skip. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define ES_TEST_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define ES_TEST_SANITIZED 1
#endif
#endif
#ifndef ES_TEST_SANITIZED
#define ES_TEST_SANITIZED 0
#endif

/* True when the tests run under an emulator: make test-arm64 sets
 * ES_TEST_EMULATED=1 for qemu-aarch64, whose own page faults (most likely:
 * writing code it translates on first run) land in the thread's
 * count, so a test that expects an exact count of zero skips that check. */
bool es_test_emulated(void);

#define ES_RUN(fn) es_test_run(#fn, fn)
#define SKIP(reason)          \
    do {                      \
        es_test_skip(reason); \
        return;               \
    } while (0)

#define CHECK(cond)                                                      \
    do {                                                                 \
        if (!(cond))                                                     \
            es_test_fail(__FILE__, __LINE__, "CHECK(%s) failed", #cond); \
    } while (0)
#define REQUIRE(cond)                                                      \
    do {                                                                   \
        if (!(cond)) {                                                     \
            es_test_fail(__FILE__, __LINE__, "REQUIRE(%s) failed", #cond); \
            return;                                                        \
        }                                                                  \
    } while (0)
#define CHECK_INT_EQ(a, b)                                                                    \
    do {                                                                                      \
        long long es_a_ = (long long)(a), es_b_ = (long long)(b);                             \
        if (es_a_ != es_b_)                                                                   \
            es_test_fail(__FILE__, __LINE__, "%s == %s: %lld != %lld", #a, #b, es_a_, es_b_); \
    } while (0)
#define CHECK_STR_EQ(a, b)                                                                                \
    do {                                                                                                  \
        const char *es_a_ = (a), *es_b_ = (b);                                                            \
        if (!es_a_ || !es_b_ || strcmp(es_a_, es_b_) != 0)                                                \
            es_test_fail(__FILE__, __LINE__, "%s == %s:\n  got:      \"%s\"\n  expected: \"%s\"", #a, #b, \
                         es_a_ ? es_a_ : "(null)", es_b_ ? es_b_ : "(null)");                             \
    } while (0)
#define CHECK_STR_CONTAINS(hay, needle)                                                                  \
    do {                                                                                                 \
        const char *es_h_ = (hay), *es_n_ = (needle);                                                    \
        if (!es_h_ || !strstr(es_h_, es_n_))                                                             \
            es_test_fail(__FILE__, __LINE__, "\"%s\" does not contain \"%s\"", es_h_ ? es_h_ : "(null)", \
                         es_n_);                                                                         \
    } while (0)
#define CHECK_MEM_EQ(a, alen, b, blen)                                                               \
    do {                                                                                             \
        size_t es_d_ = es_test_first_diff((a), (alen), (b), (blen));                                 \
        if (es_d_ != (size_t)-1)                                                                     \
            es_test_fail(__FILE__, __LINE__, "%s != %s: lengths %zu/%zu, first diff at %zu", #a, #b, \
                         (size_t)(alen), (size_t)(blen), es_d_);                                     \
    } while (0)
#define CHECK_OK(expr)                                                                             \
    do {                                                                                           \
        int es_rc_ = (int)(expr);                                                                  \
        if (es_rc_ != 0)                                                                           \
            es_test_fail(__FILE__, __LINE__, "%s returned %d, expected 0 (ES_OK)", #expr, es_rc_); \
    } while (0)

#endif
