/* backfill.h - `exifstrip backfill`'s engine: lists a source bucket
 * (ListObjectsV2 pages, optionally under a prefix and after a key) and runs
 * every key with a configured suffix through the worker's job
 * (es_job_run_object) on cfg->concurrency threads. A key whose copy in B
 * already records the same source ETag costs one HEAD (no GET), so a second
 * run is cheap and an interrupted one simply resumes (with rewrite, such a
 * copy is written again from the source). In dry-run mode each
 * key gets only the job's decision (es_job_plan_object: one HEAD) and one
 * line on the plan stream.
 *
 * Threads: the job threads take keys from the current page in listing order;
 * the one that finds it used up fetches the next page (the others wait). With
 * count_ahead one more thread counts the whole listing first. The
 * caller's thread watches (es_backfill_wait), asks for a stop (no new key is
 * started; running jobs finish) and may cancel running transfers (they end
 * as "retry" and write nothing). */
#ifndef ES_WORKER_BACKFILL_H
#define ES_WORKER_BACKFILL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "worker/job.h"

typedef struct es_backfill es_backfill;

typedef struct es_backfill_opts {
    const char *bucket;      /* the source bucket (A) */
    const char *prefix;      /* NULL or "": the whole bucket */
    const char *start_after; /* NULL or "": from the first key */
    int page_size;           /* keys per ListObjectsV2 request, 1..1000; 0 = 1000 */
    bool dry_run;            /* decide only: one line per key on plan */
    bool rewrite;            /* copies in B that record the same source are written again
                                (es_job_object.rewrite) instead of skipped */
    bool count_ahead;        /* a thread lists everything first (pages of 1000, keys not
                                kept) to know the total early, for the ETA */
    FILE *plan;              /* dry run: one JSON line per key (action strip, rewrite, skipped, ...) */
} es_backfill_opts;

typedef struct es_backfill_stats {
    uint64_t listed;        /* keys listed */
    uint64_t matched;       /* of those, keys with a configured suffix */
    uint64_t matched_bytes; /* their listed sizes */
    bool listing_done;      /* the whole listing was read (or failed) */
    bool total_known;       /* total_* are final: counted ahead, or the listing is done */
    uint64_t total_matched, total_bytes;
    uint64_t settled;                        /* matched keys whose job ended, any outcome */
    uint64_t settled_bytes;                  /* their listed sizes */
    uint64_t outcomes[ES_JOB_OUTCOME_COUNT]; /* dry run: STRIPPED counts "would strip" */
    uint64_t bytes_in, bytes_out;
    es_err list_error; /* ES_OK, or why the listing failed (the run then ends) */
    char list_reason[ES_ERRBUF_SIZE];
    /* The last key before the first one not done (retried, running or not
     * started): --start-after for a run that skips what is settled. "" when
     * nothing is settled. */
    char resume_after[ES_EVENT_MAX_KEY + 1];
} es_backfill_stats;

/* env (borrowed, must outlive the engine; its cancel is replaced by the
 * engine's own) gives the configuration, clients and report sink. NULL when
 * out of memory or the options are invalid. */
es_backfill *es_backfill_new(const es_job_env *env, const es_backfill_opts *opts);

/* Starts the threads (SIGINT and SIGTERM blocked in them). ES_ERR_INTERNAL
 * when none could be started. */
ES_MUST_USE es_err es_backfill_start(es_backfill *b);

/* Waits up to ms for every thread to finish; true when they have. */
bool es_backfill_wait(es_backfill *b, uint64_t ms);

/* No new key is started; running jobs finish. */
void es_backfill_stop(es_backfill *b);
/* Running transfers stop at once (their keys end as "retry"). */
void es_backfill_cancel(es_backfill *b);

void es_backfill_get_stats(es_backfill *b, es_backfill_stats *out);

/* Joins the threads (after es_backfill_wait returned true) and frees; accepts NULL. */
void es_backfill_free(es_backfill *b);

#endif
