/* shared_dir.h - the one rule for finding the public test material that lives
 * beside the repository in ../shared (corpus/, sigv4/): $ES_SHARED_DIR names
 * that shared folder; without it, ../shared next to the repository root (found
 * from the working directory or by walking up from the test binary).
 *
 * Tests that need it skip when it is absent, unless ES_REQUIRE_SHARED=1 (CI
 * sets it): then its absence is a failure, so a mis-pointed ES_SHARED_DIR can
 * never turn a suite into a silent pass. */
#ifndef ES_TEST_SHARED_DIR_H
#define ES_TEST_SHARED_DIR_H

#include <stdbool.h>

/* Path of the sub-folder `sub` ("corpus", "sigv4") of the shared folder, or
 * NULL when it is not a directory. The string is static: one per `sub` value
 * seen, valid until exit; not thread-safe. */
const char *es_test_shared_path(const char *sub);
/* True when ES_REQUIRE_SHARED=1: missing shared material must fail. */
bool es_test_shared_required(void);
/* Records the current test as skipped because `what` is missing, or as failed
 * when es_test_shared_required(). */
void es_test_shared_missing(const char *what);
/* Leaves the current test function through es_test_shared_missing(). */
#define SKIP_WITHOUT_SHARED(what)     \
    do {                              \
        es_test_shared_missing(what); \
        return;                       \
    } while (0)

#endif
