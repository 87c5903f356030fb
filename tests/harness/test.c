/* test.c - implementation of the assertion harness in test.h: per-test
 * pass/fail/skip bookkeeping and the summary line tests/run.sh aggregates. */
#include "test.h"

#include <stdarg.h>
#include <stdlib.h>

static int s_passed, s_failed, s_skipped;
static bool s_current_failed, s_current_skipped;
static const char *s_current_name = "?";

void es_test_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    if (!s_current_failed)
        fprintf(stderr, "FAIL %s\n", s_current_name);
    s_current_failed = true;
    fprintf(stderr, "  %s:%d: ", file, line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

void es_test_skip(const char *reason)
{
    s_current_skipped = true;
    fprintf(stderr, "SKIP %s: %s\n", s_current_name, reason);
}

bool es_test_current_failed(void) { return s_current_failed; }

bool es_test_emulated(void) { return getenv("ES_TEST_EMULATED") != NULL; }

void es_test_run(const char *name, void (*fn)(void))
{
    s_current_name = name;
    s_current_failed = false;
    s_current_skipped = false;
    fn();
    if (s_current_failed)
        s_failed++;
    else if (s_current_skipped)
        s_skipped++;
    else {
        s_passed++;
        if (getenv("ES_TEST_VERBOSE"))
            fprintf(stderr, "ok   %s\n", name);
    }
    fflush(stderr);
}

size_t es_test_first_diff(const void *a, size_t alen, const void *b, size_t blen)
{
    const unsigned char *pa = a, *pb = b;
    size_t n = alen < blen ? alen : blen;
    for (size_t i = 0; i < n; i++)
        if (pa[i] != pb[i])
            return i;
    return alen == blen ? (size_t)-1 : n;
}

int es_test_finish(void)
{
    printf("# summary: %d passed, %d failed, %d skipped\n", s_passed, s_failed, s_skipped);
    fflush(stdout);
    return s_failed ? 1 : 0;
}
