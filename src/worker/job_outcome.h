/* job_outcome.h - internal to the job (job*.c): filling a job's result, the
 * refusal report (to the DLQ or env->report) and its one log line. */
#ifndef ES_WORKER_JOB_OUTCOME_H
#define ES_WORKER_JOB_OUTCOME_H

#include "worker/job.h"

/* Sets res's outcome, code and reason (formatted, cut to size). */
void es_job_set_outcome(es_job_result *res, es_job_outcome outcome, es_err code, const char *fmt, ...)
    ES_PRINTF(4, 5);

/* r's request decided the outcome: res names its request id, or none when
 * that request had no answer naming one (a dropped connection, a timeout),
 * never an earlier request's of the same job. */
void es_job_copy_request_id(es_job_result *res, const es_aws_result *r);

/* Reports a refused object (obj NULL: the whole message was refused) to
 * env->report, else to the DLQ when one is configured; a failure to report
 * turns the refusal into a retry, which then names the failed SendMessage's
 * request id (none for env->report). msg may be NULL. No-op for other outcomes. */
void es_job_report_refusal(const es_job_env *env, const es_job_message *msg, const char *bucket,
                           const char *key, const char *version_id, es_job_result *res);

/* Logs the "job.<outcome>" line of one object (bucket/key/version_id may be
 * NULL or ""; msg may be NULL); "reported" says "dlq", or "report" when env
 * has its own report sink; then its metrics record (metrics.h). */
void es_job_log_result(const es_job_env *env, const es_job_message *msg, const char *bucket, const char *key,
                       const char *version_id, const es_job_result *res);

#endif
