/* metrics.h - the worker's metrics as CloudWatch Embedded Metric Format (EMF)
 * records: one JSON line per settled record (job), written to the log next
 * to its "job.<outcome>" line. On ECS with the awslogs driver (or anything
 * that ships the log to CloudWatch Logs) CloudWatch turns them into metrics
 * without an agent or a PutMetricData call.
 *
 * One record per job, not a periodic aggregate: it needs no timer thread,
 * loses nothing when the process dies, keeps every sample (exact p50/p99)
 * and costs one log line of about 1 KB per job.
 *
 * A record (keys in this order):
 *   {"time":..., "level":"info", "event":"metrics",
 *    "_aws":{"Timestamp":<epoch ms>, "CloudWatchMetrics":[
 *       {"Namespace":NS, "Dimensions":[["Queue"]], "Metrics":[every metric below]},
 *       {"Namespace":NS, "Dimensions":[["Queue","Outcome"]], "Metrics":[JobDuration]}]},
 *    "Queue":<queue name>, "Outcome":"stripped"|"skipped"|"gone"|"refused"|"retry"|"deleted",
 *    "JobsDone":1, "JobsSkipped":0, ..., "QueueWait":1234}
 * Dimensions are low-cardinality: the queue's name (from EXIFSTRIP_QUEUE_URL;
 * "Backfill" for `exifstrip backfill`) and the outcome; never keys or buckets. The Jobs* counts are 0 or 1 in
 * every record, so their Sum is the number of jobs with that outcome and a
 * period without any still has data points (alarm math needs no FILL).
 * QueueWait and ReceiveToDone are left out when unknown (a message without
 * SentTimestamp, a job not from SQS).
 *
 * Records are written whatever EXIFSTRIP_LOG_LEVEL says, and only with JSON
 * logs: EXIFSTRIP_METRICS=off or --log-format text turns them off (a text log
 * stays readable; its job lines carry bytes and duration already). */
#ifndef ES_WORKER_METRICS_H
#define ES_WORKER_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "exifstrip/error.h"

struct es_cfg;
struct es_job_message;
struct es_job_result;

#define ES_METRICS_DEFAULT_NAMESPACE "exifstrip"
#define ES_METRICS_DIM_QUEUE "Queue"
#define ES_METRICS_DIM_OUTCOME "Outcome"
/* The Queue dimension's value in `exifstrip backfill`'s records (its jobs
 * come from a listing, not a queue). */
#define ES_METRICS_BACKFILL_QUEUE "Backfill"

/* X(id, "Name", "Unit"): every metric a record carries, in record order.
 * tests/terraform/lib/metrics.mjs reads this list, the dimension names, the
 * default namespace and ES_METRICS_BY_OUTCOME to check that the dashboard
 * and the alarms use only metrics the worker emits. */
#define ES_METRICS_LIST(X)                              \
    X(JOBS_DONE, "JobsDone", "Count")                   \
    X(JOBS_SKIPPED, "JobsSkipped", "Count")             \
    X(JOBS_GONE, "JobsGone", "Count")                   \
    X(JOBS_REFUSED, "JobsRefused", "Count")             \
    X(JOBS_RETRIED, "JobsRetried", "Count")             \
    X(JOBS_DELETED, "JobsDeleted", "Count")             \
    X(REMOVALS_RECHECKED, "RemovalsRechecked", "Count") \
    X(BYTES_IN, "BytesIn", "Bytes")                     \
    X(BYTES_OUT, "BytesOut", "Bytes")                   \
    X(BYTES_REMOVED, "BytesRemoved", "Bytes")           \
    X(JOB_DURATION, "JobDuration", "Milliseconds")      \
    X(RECEIVE_TO_DONE, "ReceiveToDone", "Milliseconds") \
    X(QUEUE_WAIT, "QueueWait", "Milliseconds")

#define ES_METRICS_ID(id, name, unit) ES_METRIC_##id,
typedef enum es_metric_id { ES_METRICS_LIST(ES_METRICS_ID) ES_METRIC_COUNT } es_metric_id;
#undef ES_METRICS_ID

/* Y("outcome", id): the count of jobs with each outcome (es_job_outcome_name).
 * Every record carries all of them, 1 for its own outcome and 0 for the
 * others; an outcome missing here would count nowhere (metrics_test fails). */
/* clang-format off */
#define ES_METRICS_OUTCOME_COUNTS(Y)           \
    Y("stripped", ES_METRIC_JOBS_DONE)         \
    Y("skipped", ES_METRIC_JOBS_SKIPPED)       \
    Y("gone", ES_METRIC_JOBS_GONE)             \
    Y("refused", ES_METRIC_JOBS_REFUSED)       \
    Y("retry", ES_METRIC_JOBS_RETRIED)         \
    Y("deleted", ES_METRIC_JOBS_DELETED)
/* clang-format on */

/* The metric of jobs with the outcome named name ("stripped", ...): ES_METRIC_COUNT if none. */
es_metric_id es_metrics_outcome_count(const char *name);

/* The metric also published with the dimensions Queue and Outcome. */
#define ES_METRICS_BY_OUTCOME ES_METRIC_JOB_DURATION

/* "JobsDone", ... ; NULL for an id out of range. */
const char *es_metric_name(es_metric_id id);

/* Whether ns is a valid CloudWatch namespace: 1..255 characters of
 * [A-Za-z0-9 ._/#:-], at least one not a blank, not starting with "AWS/" or ':'. */
bool es_metrics_namespace_valid(const char *ns);

/* The queue's name from its URL (the last path segment), e.g.
 * "https://sqs.eu-west-1.amazonaws.com/123456789012/uploads" -> "uploads";
 * "unknown" when the URL has none. */
void es_metrics_queue_name(const char *queue_url, char *out, size_t size);

/* Process-wide settings (default: off). enabled false turns records off;
 * namespace and queue_name are copied (cut to 255 bytes). Thread-safe
 * against concurrent es_metrics_job calls only when called before jobs run. */
void es_metrics_configure(bool enabled, const char *namespace_, const char *queue_name);
/* From the worker's settings: on when cfg->metrics is emf and logs are JSON;
 * the Queue dimension is queue_name, or when NULL the name of
 * EXIFSTRIP_QUEUE_URL's queue. */
void es_metrics_configure_from_cfg(const struct es_cfg *cfg, const char *queue_name);
bool es_metrics_enabled(void);

/* Writes the record of one settled job (does nothing when off). msg may be
 * NULL (no queue timings). Never fails: a record that cannot be built is
 * dropped. Thread-safe. */
void es_metrics_job(const struct es_job_message *msg, const struct es_job_result *res);

#endif
