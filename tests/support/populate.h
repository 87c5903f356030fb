/* populate.h - whether this kernel populates pages on request
 * (MADV_POPULATE_WRITE and _READ, both Linux 5.14): tests that count page
 * faults or resident pages after populating skip where it does not. */
#ifndef ES_TEST_POPULATE_H
#define ES_TEST_POPULATE_H

#include <stdbool.h>

/* True when madvise(MADV_POPULATE_WRITE) fills in a fresh one-page mapping:
 * the call succeeds and the page is resident afterwards. qemu-user (make
 * test-arm64) returns success for that advice and populates nothing. */
bool es_test_populate_supported(void);

/* Leaves the current test function as skipped, saying why, unless
 * es_test_populate_supported() (SKIP of harness/test.h: include it first). */
#define SKIP_UNLESS_POPULATING()                                                   \
    do {                                                                           \
        if (!es_test_populate_supported())                                         \
            SKIP("the kernel does not populate on request (MADV_POPULATE_WRITE)"); \
    } while (0)

#endif
