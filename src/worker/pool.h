/* pool.h - the `exifstrip worker` daemon: one receiver thread long-polls SQS
 * in batches of ES_SQS_MAX_BATCH into a bounded queue (at most concurrency +
 * ES_SQS_MAX_BATCH messages held, queued or running) consumed by `concurrency`
 * worker threads, each running one message at a time (es_job_run_message);
 * a delete batcher removes settled messages, a visibility heartbeat extends
 * messages held for long, and the receiver loop rewrites the heartbeat file
 * with its state (last successful receive, failures in a row, busy job
 * slots: health.h) about once a second.
 *
 * Shutdown (es_pool_request_stop, e.g. from SIGTERM, or drained in --drain
 * mode): no new message is started and a ReceiveMessage long poll in flight
 * is aborted (within about a second); messages received but not started are
 * given back (visibility 0); in-flight jobs get EXIFSTRIP_SHUTDOWN_GRACE
 * seconds, after which running transfers are cancelled and their messages
 * left for redelivery; pending deletes are flushed; "worker.stop" is logged. */
#ifndef ES_WORKER_POOL_H
#define ES_WORKER_POOL_H

#include <stdbool.h>
#include <stdint.h>

#include "aws/s3/s3.h"
#include "aws/sqs/sqs.h"
#include "worker/config.h"
#include "worker/job.h"

typedef struct es_pool es_pool;

typedef struct es_pool_stats {
    uint64_t received;                       /* messages received */
    uint64_t settled;                        /* messages handed to the delete batcher */
    uint64_t left;                           /* messages left for redelivery (a record must be retried) */
    uint64_t returned;                       /* messages given back unstarted at shutdown */
    uint64_t deleted;                        /* deletions that succeeded */
    uint64_t delete_failed;                  /* deletions given up on (the message will come back) */
    uint64_t extended;                       /* visibility extensions */
    uint64_t outcomes[ES_JOB_OUTCOME_COUNT]; /* records, by outcome */
    unsigned abandoned;                      /* threads still busy when shutdown gave up on them */
    bool drained;                            /* stopped because --drain found the queue empty */
} es_pool_stats;

/* cfg, s3 and sqs are borrowed and must outlive the pool. NULL on failure. */
es_pool *es_pool_new(const es_cfg *cfg, es_s3_client *s3, es_sqs_client *sqs);

/* Runs the daemon in the calling thread until stopped, then shuts down as
 * described above and fills stats (may be NULL). Returns ES_OK after an
 * orderly shutdown; ES_ERR_TIMEOUT when some thread was still blocked after
 * the grace period and the cancel wait: the caller must then not free the
 * clients and should _exit(); ES_ERR_INTERNAL when threads could not start;
 * ES_ERR_CONFIG when --drain gave up on receives failing for a reason that
 * is not transient (no such queue, access denied). */
ES_MUST_USE es_err es_pool_run(es_pool *p, es_pool_stats *stats);

/* Asks the pool to stop. Async-signal-safe (an atomic counter and a write to
 * a self-pipe). A second request cancels in-flight transfers at once. */
void es_pool_request_stop(es_pool *p);

/* Frees the pool; accepts NULL. After ES_ERR_TIMEOUT the memory still used
 * by abandoned threads is deliberately leaked. */
void es_pool_free(es_pool *p);

#endif
