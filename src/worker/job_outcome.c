/* job_outcome.c - how a job's outcome is recorded (job_outcome.h): the
 * result's fields, the summary of what was removed, the refusal report (to
 * env->report or the DLQ) and the one "job.<outcome>" log line per object. */
#include "worker/job_outcome.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "worker/metrics.h"
#include "worker/report.h"

const char *es_job_outcome_name(es_job_outcome outcome)
{
    switch (outcome) {
    case ES_JOB_STRIPPED: return "stripped";
    case ES_JOB_SKIPPED: return "skipped";
    case ES_JOB_GONE: return "gone";
    case ES_JOB_REFUSED: return "refused";
    case ES_JOB_RETRY: return "retry";
    case ES_JOB_DELETED: return "deleted";
    case ES_JOB_OUTCOME_COUNT: break;
    }
    return "retry";
}

/* ---- the removed summary ---- */

/* Appends ",name" (or "name"); output is cut to size. */
static void s_append_name(char *out, size_t size, const char *name)
{
    size_t len = strlen(out);
    snprintf(out + len, size - len, "%s%s", len ? "," : "", name);
}

static bool s_removed(const es_jpeg_stats *st, es_jpeg_kind k)
{
    return st->removed_count[k] > 0 || st->removed_bytes[k] > 0;
}

void es_job_removed_summary(const es_jpeg_stats *stats, char *out, size_t size)
{
    /* The kinds users ask about first; the labels are src/jpeg's (es_jpeg_kind_name). */
    static const es_jpeg_kind first[] = {ES_JPEG_KIND_EXIF,      ES_JPEG_KIND_XMP, ES_JPEG_KIND_XMP_EXT,
                                         ES_JPEG_KIND_PHOTOSHOP, ES_JPEG_KIND_ICC, ES_JPEG_KIND_COMMENT,
                                         ES_JPEG_KIND_TRAILER};
    if (!out || size == 0)
        return;
    out[0] = '\0';
    if (!stats)
        return;
    if (stats->exif_has_gps && s_removed(stats, ES_JPEG_KIND_EXIF))
        s_append_name(out, size, ES_JPEG_ITEM_GPS);
    for (size_t i = 0; i < sizeof first / sizeof first[0]; i++)
        if (s_removed(stats, first[i]))
            s_append_name(out, size, es_jpeg_kind_name(first[i]));
    for (int k = 0; k < ES_JPEG_KIND_COUNT; k++) {
        bool listed = false;
        for (size_t i = 0; i < sizeof first / sizeof first[0]; i++)
            listed = listed || first[i] == (es_jpeg_kind)k;
        if (!listed && s_removed(stats, (es_jpeg_kind)k))
            s_append_name(out, size, es_jpeg_kind_name((es_jpeg_kind)k));
    }
    if (stats->scrubbed_bytes) /* a kept ICC profile zeroed in place (audit's name) */
        s_append_name(out, size, ES_JPEG_ITEM_ICC_TEXT);
}

void es_job_set_outcome(es_job_result *res, es_job_outcome outcome, es_err code, const char *fmt, ...)
{
    char reason[sizeof res->reason];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    res->outcome = outcome;
    res->code = code;
    memcpy(res->reason, reason, sizeof reason);
}

void es_job_copy_request_id(es_job_result *res, const es_aws_result *r)
{
    snprintf(res->request_id, sizeof res->request_id, "%s", r->request_id);
}

static es_err s_send_report(const es_job_env *env, const char *report, es_aws_result *sres)
{
    if (!report)
        return ES_ERR_NOMEM;
    if (env->report)
        return env->report(env->report_ctx, report);
    return env->sqs ? es_sqs_send(env->sqs, env->cfg->dlq_url, report, NULL, 0, sres) : ES_ERR_NOMEM;
}

void es_job_report_refusal(const es_job_env *env, const es_job_message *msg, const char *bucket,
                           const char *key, const char *version_id, es_job_result *res)
{
    if (res->outcome != ES_JOB_REFUSED || (!env->report && !env->cfg->dlq_url[0]))
        return;
    es_report_info info = {
        .bucket = bucket && bucket[0] ? bucket : NULL,
        .key = key && key[0] ? key : NULL,
        .version_id = version_id,
        .reason = res->reason,
        .code = res->code,
        .message_id = msg ? msg->message_id : NULL,
        .receive_count = msg ? msg->receive_count : 0,
        .body = msg ? msg->body : NULL,
        .body_len = msg ? msg->body_len : 0,
    };
    char *report = es_report_build(&info);
    es_aws_result sres;
    es_aws_result_clear(&sres);
    es_err rc = s_send_report(env, report, &sres);
    free(report);
    if (rc == ES_OK) {
        res->reported = true;
        return;
    }
    es_job_copy_request_id(res, &sres); /* the failed report's (none from env->report), not the GET's */
    char refusal[sizeof res->reason];
    memcpy(refusal, res->reason, sizeof refusal);
    es_job_set_outcome(res, ES_JOB_RETRY, rc, "refused (%.100s) but the %s failed: %s%s%.80s", refusal,
                       env->report ? "report" : "DLQ report", es_strerror(rc), sres.message[0] ? ": " : "",
                       sres.message);
}

void es_job_log_result(const es_job_env *env, const es_job_message *msg, const char *bucket, const char *key,
                       const char *version_id, const es_job_result *res)
{
    static const char *const events[ES_JOB_OUTCOME_COUNT] = {"job.done",    "job.skipped", "job.gone",
                                                             "job.refused", "job.retry",   "job.deleted"};
    /* a removal left to be looked at again (res->recheck) is not a failure */
    bool failure = res->outcome == ES_JOB_REFUSED || (res->outcome == ES_JOB_RETRY && !res->recheck);
    es_log_level level = failure || res->warn ? ES_LOG_WARN : ES_LOG_INFO;
    bool failed = res->code != ES_OK;
    ES_LOG(level, events[res->outcome], ES_LF_STR("message_id", msg ? msg->message_id : NULL),
           ES_LF_INT(msg ? "receive_count" : NULL, msg ? msg->receive_count : 0),
           ES_LF_STR("bucket", bucket && bucket[0] ? bucket : NULL),
           ES_LF_STR("key", key && key[0] ? key : NULL),
           ES_LF_STR("version_id", version_id && version_id[0] ? version_id : NULL),
           ES_LF_UINT("bytes_in", res->bytes_in), ES_LF_UINT("bytes_out", res->bytes_out),
           ES_LF_STR("removed", res->outcome == ES_JOB_STRIPPED ? res->removed : NULL),
           ES_LF_STR("orientation",
                     res->outcome == ES_JOB_STRIPPED && res->orientation[0] ? res->orientation : NULL),
           ES_LF_UINT("duration_ms", res->duration_ms),
           ES_LF_STR("request_id", res->request_id[0] ? res->request_id : NULL),
           ES_LF_STR("reason", res->reason[0] ? res->reason : NULL),
           ES_LF_BOOL(res->recheck ? "recheck" : NULL, true),
           ES_LF_STR("error_code", failed ? es_errname(res->code) : NULL),
           ES_LF_STR("category", failed ? es_category_name(es_err_category(res->code)) : NULL),
           ES_LF_STR("reported", !res->reported ? NULL
                                 : env->report  ? "report"
                                                : "dlq"));
    es_metrics_job(msg, res);
}
