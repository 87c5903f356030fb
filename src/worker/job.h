/* job.h - what the worker does with one SQS message: parse the event, and for
 * each announced object GET it (pinned by versionId, else If-Match on its
 * ETag), stream it through the JPEG stripper into an upload to the
 * destination bucket, and decide the outcome:
 *   stripped  the clean copy was written
 *   skipped   bucket not allowed / key suffix not configured
 *   gone      the object was deleted or replaced meanwhile (404/412)
 *   refused   the input is unacceptable (not a JPEG, corrupt, too large, bad
 *             event): nothing written, a report goes to the DLQ if configured
 *   retry     transient failure: the message must not be deleted
 * Each record of a message is settled on its own: a malformed record is
 * refused (with its report) and a non-creation event (ObjectRemoved:*, ...)
 * skipped without touching its siblings. A message is settled (may be
 * deleted) when none of its records is "retry"; a retried message comes back
 * whole, its already-done records then being cheap repeats.
 * The job only calls es_s3_get_object / es_s3_upload_* / es_sqs_send. */
#ifndef ES_WORKER_JOB_H
#define ES_WORKER_JOB_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aws/s3/s3.h"
#include "aws/sqs/sqs.h"
#include "exifstrip/jpeg.h"
#include "exifstrip/orient.h"
#include "worker/config.h"
#include "worker/event.h"

typedef enum es_job_outcome {
    ES_JOB_STRIPPED = 0,
    ES_JOB_SKIPPED,
    ES_JOB_GONE,
    ES_JOB_REFUSED,
    ES_JOB_RETRY,
    ES_JOB_OUTCOME_COUNT
} es_job_outcome;

/* "stripped", "skipped", "gone", "refused", "retry". */
const char *es_job_outcome_name(es_job_outcome outcome);

/* Shared by all jobs, read-only while they run. */
typedef struct es_job_env {
    const es_cfg *cfg;
    es_s3_client *s3;
    es_sqs_client *sqs;       /* sends DLQ reports; may be NULL when cfg->dlq_url is "" */
    const atomic_int *cancel; /* optional: nonzero makes running transfers stop (-> retry) */
} es_job_env;

typedef struct es_job_message {
    const char *message_id;
    const char *body;
    size_t body_len;
    int receive_count;
    /* For the metrics (metrics.h); zero when the job does not come from SQS: */
    uint64_t received_ms;   /* es_clock_ms() when the message was received */
    bool has_queue_wait;
    uint64_t queue_wait_ms; /* from its SentTimestamp to its receipt */
} es_job_message;

typedef struct es_job_result {
    es_job_outcome outcome;
    es_err code;          /* ES_OK for stripped and skipped */
    uint64_t bytes_in;    /* object bytes read */
    uint64_t bytes_out;   /* bytes written to the destination */
    uint64_t bytes_removed; /* bytes of the input the stripper dropped (stripped only) */
    char removed[160];    /* e.g. "gps,exif,xmp,trailer"; "" when nothing was removed */
    char orientation[256]; /* what happened to the EXIF Orientation ("" = nothing to say) */
    uint64_t duration_ms;
    char request_id[128]; /* of the S3 request that decided the outcome */
    char reason[ES_ERRBUF_SIZE];
    bool reported;        /* a report was sent to the DLQ */
    bool abandoned;       /* retry because the job was too old or its GET too slow */
} es_job_result;

/* Per-message tally, by outcome. */
typedef struct es_job_counts {
    unsigned n[ES_JOB_OUTCOME_COUNT];
    unsigned abandoned; /* records given up for their age or transfer rate: release at once */
} es_job_counts;

/* EXIFSTRIP_MAX_JOB_SECONDS=0: a job may take this long plus one second per
 * ES_JOB_AGE_BYTES_PER_S bytes of the object. */
#define ES_JOB_AGE_BASE_S 300u
#define ES_JOB_AGE_BYTES_PER_S (256u * 1024u)

/* Processes one record of msg and logs one "job.<outcome>" line ("job.done"
 * for stripped), followed by its metrics record (metrics.h). Never fails:
 * failures are outcomes. */
void es_job_run_record(const es_job_env *env, const es_job_message *msg,
                       const es_event_record *rec, es_job_result *res);

/* Processes every record of msg (an unparseable message is refused as a
 * whole; a test event is logged; records are settled one by one). Adds the outcomes to counts (may be NULL).
 * Returns true when the message is settled and may be deleted. */
bool es_job_run_message(const es_job_env *env, const es_job_message *msg, es_job_counts *counts);

/* Names what the stripper removed, most sensitive first: "gps" (the EXIF
 * removed held GPS data), then the kinds by es_jpeg_kind_name() - the names
 * `inspect` shows - "exif", "xmp", "xmp-ext", "photoshop", "icc", "comment",
 * "trailer", then any other kinds in enum order, joined with ','. out is ""
 * when nothing was removed. */
void es_job_removed_summary(const es_jpeg_stats *stats, char *out, size_t size);

#endif
