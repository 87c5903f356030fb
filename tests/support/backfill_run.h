/* backfill_run.h - runs the backfill engine (worker/backfill.h) to its end
 * for the tests of tests/worker. */
#ifndef ES_TEST_BACKFILL_RUN_H
#define ES_TEST_BACKFILL_RUN_H

#include <stdbool.h>
#include <stdint.h>

#include "worker/backfill.h"

/* Starts an engine on env and opts, waits up to wait_ms for it to finish and
 * fills st. False (st untouched) when it could not be made or started, or
 * did not finish in time (it is then cancelled before being freed). */
bool es_test_backfill_run(const es_job_env *env, const es_backfill_opts *opts, uint64_t wait_ms,
                          es_backfill_stats *st);

#endif
