/* backfill_run.c - the backfill engine run to its end (backfill_run.h). */
#include "backfill_run.h"

bool es_test_backfill_run(const es_job_env *env, const es_backfill_opts *opts, uint64_t wait_ms,
                          es_backfill_stats *st)
{
    es_backfill *b = es_backfill_new(env, opts);
    if (!b)
        return false;
    bool done = es_backfill_start(b) == ES_OK && es_backfill_wait(b, wait_ms);
    if (done) {
        es_backfill_get_stats(b, st);
    } else {
        es_backfill_cancel(b);
        (void)es_backfill_wait(b, 10000);
    }
    es_backfill_free(b);
    return done;
}
