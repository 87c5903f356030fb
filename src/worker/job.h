/* job.h - what the worker does with one object (es_job_run_object: the entry
 * point shared by the SQS worker and `exifstrip backfill`) and with one SQS
 * message (parse the event, then run each announced object). An object is
 * checked against B's copy (ordering.h: nothing is done when B already holds
 * this or a newer source) - before anything else, or, for a first delivery
 * that fits one PutObject, only when its write on If-None-Match: * finds the
 * key taken - GOT pinned (by versionId, else If-Match on its ETag), streamed
 * through the JPEG stripper into a conditional upload to the destination
 * bucket that records the source's identity, and the outcome is decided:
 *   stripped  the clean copy was written (also when a write's answer was lost and
 *             B's copy is the one it made: es_dest_written_by)
 *   skipped   bucket not allowed / key suffix not configured / B already holds
 *             this or a newer source version
 *   gone      the object was deleted or replaced meanwhile (404/412)
 *   refused   the input is unacceptable (not a JPEG, corrupt, too large, bad
 *             event): nothing written, a report goes to the DLQ if configured
 *   retry     any other failure (transient, credentials, configuration such as
 *             another region's bucket, a 4xx that is not 404/412): the message
 *             must not be deleted
 *   deleted   (EXIFSTRIP_PROPAGATE_DELETES) an object removal deleted the
 *             destination's copy made from the removed source (propagate_delete.h)
 * Each record of a message is settled on its own: a malformed record is
 * refused (with its report) and a non-creation event skipped without touching
 * its siblings; a removal (ObjectRemoved:*) is skipped too unless deletes are
 * propagated. A message is settled (may be
 * deleted) when none of its records is "retry"; a retried message comes back
 * whole, its already-done records then being cheap repeats.
 * The job only calls es_s3_head_object / es_s3_get_object / es_s3_upload_* /
 * es_sqs_send (and es_s3_delete_object_if when propagating a delete). Its parts: job.c (one object), job_message.c (one message),
 * job_transfer.c (GET -> strip -> upload), job_outcome.c (report, log line). */
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
    ES_JOB_DELETED,
    ES_JOB_OUTCOME_COUNT
} es_job_outcome;

/* "stripped", "skipped", "gone", "refused", "retry", "deleted". */
const char *es_job_outcome_name(es_job_outcome outcome);

/* Shared by all jobs, read-only while they run. */
typedef struct es_job_env {
    const es_cfg *cfg;
    es_s3_client *s3;
    es_sqs_client *sqs;       /* sends DLQ reports; may be NULL when cfg->dlq_url is "" */
    const atomic_int *cancel; /* optional: nonzero makes running transfers stop (-> retry) */
    /* Optional: where refusal reports (report.h's JSON document) go instead of
     * the DLQ. Returns ES_OK once the report is stored; anything else turns
     * the refusal into a retry. Called from any job thread. */
    es_err (*report)(void *ctx, const char *json);
    void *report_ctx;
} es_job_env;

/* One object of the source bucket, as an event or a listing announces it. */
typedef struct es_job_object {
    const char *bucket;
    const char *key;        /* raw UTF-8, never empty */
    es_s3_source_id source; /* etag (without quotes), version_id, sequencer; "" = unknown */
    uint64_t size;          /* when has_size: refused at once above EXIFSTRIP_MAX_OBJECT_BYTES */
    bool has_size;
    bool removed;       /* removed from the source: propagate the delete (propagate_delete.h) */
    bool delete_marker; /* removed: by a delete marker (source.version_id is the marker's) */
    bool rewrite;       /* B's copy is made again even when it records this source (backfill
                           --rewrite: copies made by an older exifstrip); the new copy keeps what
                           that one recorded (the sequencer that orders later events), and is not
                           written when it has the copy's bytes (skipped: same length and CRC) */
} es_job_object;

typedef struct es_job_message {
    const char *message_id;
    const char *body;
    size_t body_len;
    int receive_count;
    /* Since SQS first handed the message out (ApproximateFirstReceiveTimestamp
     * to its receipt; 0 when the clocks disagree), when has_first_receive. */
    bool has_first_receive;
    uint64_t since_first_receive_ms;
    /* For the metrics (metrics.h); zero when the job does not come from SQS: */
    uint64_t received_ms; /* es_clock_ms() when the message was received */
    bool has_queue_wait;
    uint64_t queue_wait_ms; /* from its SentTimestamp to its receipt */
} es_job_message;

typedef struct es_job_result {
    es_job_outcome outcome;
    es_err code;            /* ES_OK for stripped and skipped */
    uint64_t bytes_in;      /* object bytes read */
    uint64_t bytes_out;     /* bytes written to the destination */
    uint64_t bytes_removed; /* bytes of the input the stripper dropped (stripped only) */
    char removed[160];      /* e.g. "gps,exif,xmp,trailer"; "" when nothing was removed */
    char orientation[256];  /* what happened to the EXIF Orientation ("" = nothing to say) */
    uint64_t duration_ms;
    char request_id[128]; /* of the request that decided the outcome (S3, or the DLQ's SendMessage);
                             "" when it had none: no answer (a dropped connection, a timeout) */
    char reason[ES_ERRBUF_SIZE];
    bool reported;  /* a report was sent to the DLQ */
    bool abandoned; /* retry because the job was too old or its GET too slow */
    bool warn;      /* logged at warn level though not a failure (a kept foreign copy) */
    bool recheck;   /* retry: a removal found B's key absent on the message's first receive and
                       is looked at again once the visibility timeout has passed (propagate_delete.h) */
    bool rewrite;   /* the write replaces a copy of the same source (es_job_object.rewrite, or a
                       copy made under older rules) */
} es_job_result;

/* Per-message tally, by outcome. */
typedef struct es_job_counts {
    unsigned n[ES_JOB_OUTCOME_COUNT];
    unsigned abandoned; /* records given up for their age or transfer rate: release at once */
    unsigned recheck;   /* removals to look at again: hidden for the full visibility timeout */
} es_job_counts;

/* EXIFSTRIP_MAX_JOB_SECONDS=0: a job may take this long plus one second per
 * ES_JOB_AGE_BYTES_PER_S bytes of the object. */
#define ES_JOB_AGE_BASE_S 300u
#define ES_JOB_AGE_BYTES_PER_S (256u * 1024u)

/* The age limit (seconds) of a job on an object of size bytes: after it the
 * job is abandoned and its message released. With size = the largest object
 * (max_object_bytes), the longest any job can run. */
uint64_t es_job_age_limit(const es_cfg *cfg, uint64_t size);

/* Runs one object: the bucket allowlist and suffix checks, the destination
 * check, the pinned GET, the strip and the ordered conditional write, the
 * refusal report, and one "job.<outcome>" log line ("job.done" for stripped)
 * followed by its metrics record (metrics.h). msg (NULL when the object does
 * not come from a message) names the message in the log and the report.
 * Never fails: failures are outcomes. */
void es_job_run_object(const es_job_env *env, const es_job_object *obj, const es_job_message *msg,
                       es_job_result *res);

/* What es_job_run_object would do, without GET, write, report or log line
 * (`backfill --dry-run`): the same checks and the HEAD of B's object. True
 * when obj would be stripped and written; false with res's outcome and
 * reason set otherwise (skipped: B already holds this source ...; refused;
 * retry: the HEAD failed). */
bool es_job_plan_object(const es_job_env *env, const es_job_object *obj, es_job_result *res);

/* es_job_run_object for one CREATED record of msg, or a REMOVED one (its
 * delete propagated: the caller checks cfg->propagate_deletes, as
 * es_job_run_message does). */
void es_job_run_record(const es_job_env *env, const es_job_message *msg, const es_event_record *rec,
                       es_job_result *res);

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
