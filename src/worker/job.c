/* job.c - processing of one SQS message (job.h). Per record B's object is
 * HEADed first and the write ordered (ordering.h): nothing is done when B
 * already holds this or a newer source version, and the write is conditional
 * on what the HEAD saw (a lost race re-checks). The data path is
 * GET body -> es_orient_stripper -> es_s3_upload, all streaming: memory is one
 * upload part whatever the object size (a photo whose EXIF orientation is
 * applied is held while it is turned, within EXIFSTRIP_TRANSFORM_MEMORY). Nothing reaches the destination
 * unless the stripper accepted the whole input, because a single-part body is
 * only PUT at finish and a multipart upload is aborted on refusal. The
 * outcome is decided from what failed (the callbacks record whether the
 * refusal came from the input or the failure from the output), then a DLQ
 * report is sent for refusals and one log line is written. */
#include "worker/job.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "worker/clock.h"
#include "worker/metrics.h"
#include "worker/ordering.h"
#include "worker/report.h"
#include "worker/transform_budget.h"

/* Writes to B that lost a race (412, 404 or 409 on the conditional write)
 * are re-checked and retried this often before the job is left for redelivery. */
#define S_WRITE_ATTEMPTS 3

const char *es_job_outcome_name(es_job_outcome outcome)
{
    switch (outcome) {
    case ES_JOB_STRIPPED: return "stripped";
    case ES_JOB_SKIPPED: return "skipped";
    case ES_JOB_GONE: return "gone";
    case ES_JOB_REFUSED: return "refused";
    case ES_JOB_RETRY: return "retry";
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
        s_append_name(out, size, "gps");
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
}

/* ---- one record ---- */

typedef struct s_run {
    const es_job_env *env;
    es_orient_stripper *stripper;
    es_orient_budget_ops budget;
    es_s3_upload *upload;
    es_aws_result put_res;
    uint64_t bytes_in, bytes_out;
    bool output_failed; /* writing to the destination failed: transient */
    bool refused;       /* the input was refused by a callback */
    bool cancelled;
    bool write_conflict; /* the conditional write found B changed: re-check */
    bool abandoned;     /* too old or too slow: retried, the message released at once */
    uint64_t start_ms;
    uint64_t limit_s, deadline_ms; /* the job's age limit (es_clock_ms) */
    uint64_t window_start_ms;  /* the current rate window */
    uint64_t window_bytes;
    es_error why;       /* the first failure */
} s_run;

static bool s_cancel_requested(const es_job_env *env)
{
    return env->cancel && atomic_load(env->cancel) != 0;
}

static es_err s_refuse_size(s_run *run, uint64_t size)
{
    run->refused = true;
    return es_error_set(&run->why, ES_ERR_TOO_LARGE,
                        "object is %llu bytes, more than EXIFSTRIP_MAX_OBJECT_BYTES (%llu)",
                        (unsigned long long)size,
                        (unsigned long long)run->env->cfg->max_object_bytes);
}

static es_err s_on_write(void *ctx, const uint8_t *data, size_t len)
{
    s_run *run = ctx;
    es_err rc = es_s3_upload_write(run->upload, data, len, &run->put_res);
    if (rc != ES_OK) {
        run->output_failed = true;
        return es_error_set(&run->why, rc, "writing the output failed: %s", run->put_res.message);
    }
    run->bytes_out += len;
    return ES_OK;
}

/* The job's age limit: EXIFSTRIP_MAX_JOB_SECONDS, or derived from the size. */
static void s_set_deadline(s_run *run, uint64_t size)
{
    const es_cfg *cfg = run->env->cfg;
    run->limit_s = cfg->max_job_seconds > 0 ? (uint64_t)cfg->max_job_seconds
                                            : ES_JOB_AGE_BASE_S + size / ES_JOB_AGE_BYTES_PER_S;
    run->deadline_ms = run->start_ms + run->limit_s * 1000u;
}

static es_err s_abandon(s_run *run, const char *fmt, ...) ES_PRINTF(2, 3);
static es_err s_abandon(s_run *run, const char *fmt, ...)
{
    char msg[ES_ERRBUF_SIZE];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    run->abandoned = true;
    return es_error_set(&run->why, ES_ERR_TIMEOUT, "%s", msg);
}

/* Abandons a job past its age limit, or a GET slower than
 * EXIFSTRIP_MIN_TRANSFER_RATE over a whole window (a stalled one is ended by
 * the HTTP layer's low-speed limit). */
static es_err s_check_pace(s_run *run, size_t len)
{
    const es_cfg *cfg = run->env->cfg;
    uint64_t now = es_clock_ms();
    if (now > run->deadline_ms)
        return s_abandon(run, "job abandoned: still running after %llu s (EXIFSTRIP_MAX_JOB_SECONDS%s)",
                         (unsigned long long)run->limit_s,
                         cfg->max_job_seconds > 0 ? "" : " derived from the object size");
    run->window_bytes += len;
    uint64_t elapsed = now - run->window_start_ms;
    if (elapsed < (uint64_t)cfg->min_transfer_window * 1000u)
        return ES_OK;
    uint64_t rate = run->window_bytes * 1000u / (elapsed ? elapsed : 1);
    if (rate < cfg->min_transfer_rate)
        return s_abandon(run, "GET abandoned: transfer rate %llu B/s over %llu s is below "
                              "EXIFSTRIP_MIN_TRANSFER_RATE (%llu B/s)",
                         (unsigned long long)rate, (unsigned long long)elapsed / 1000u,
                         (unsigned long long)cfg->min_transfer_rate);
    run->window_start_ms = now;
    run->window_bytes = 0;
    return ES_OK;
}

static es_err s_on_head(void *ctx, const es_s3_object_info *info)
{
    s_run *run = ctx;
    if (info->content_length > run->env->cfg->max_object_bytes)
        return s_refuse_size(run, info->content_length);
    if (run->env->cfg->max_job_seconds == 0)
        s_set_deadline(run, info->content_length);
    run->window_start_ms = es_clock_ms();
    run->window_bytes = 0;
    return ES_OK;
}

static es_err s_on_body(void *ctx, const uint8_t *data, size_t len)
{
    s_run *run = ctx;
    if (s_cancel_requested(run->env)) {
        run->cancelled = true;
        return es_error_set(&run->why, ES_ERR_CANCELLED, "shutting down: transfer abandoned");
    }
    run->bytes_in += len;
    if (run->bytes_in > run->env->cfg->max_object_bytes)
        return s_refuse_size(run, run->bytes_in);
    if (s_check_pace(run, len) != ES_OK)
        return run->why.code;
    es_err rc = es_orient_stripper_feed(run->stripper, data, len);
    if (rc != ES_OK && !run->output_failed) {
        run->refused = true;
        es_error_set(&run->why, rc, "%s", es_orient_stripper_error(run->stripper));
    }
    return rc;
}

/* The shared transform memory budget; a stop while waiting abandons the job. */
static bool s_budget_acquire(void *ctx, uint64_t bytes)
{
    s_run *run = ctx;
    es_transform_budget *b = es_transform_budget_shared(run->env->cfg->transform_memory);
    if (!b)
        return false;
    bool ok = es_transform_budget_acquire(b, bytes, run->env->cancel);
    if (!ok && bytes <= run->env->cfg->transform_memory)
        run->cancelled = true;
    return ok;
}

static void s_budget_release(void *ctx, uint64_t bytes)
{
    s_run *run = ctx;
    es_transform_budget_release(es_transform_budget_shared(run->env->cfg->transform_memory), bytes);
}

static void s_set_outcome(es_job_result *res, es_job_outcome outcome, es_err code,
                          const char *fmt, ...) ES_PRINTF(4, 5);
static void s_set_outcome(es_job_result *res, es_job_outcome outcome, es_err code,
                          const char *fmt, ...)
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

static void s_copy_request_id(es_job_result *res, const es_aws_result *r)
{
    if (r->request_id[0])
        snprintf(res->request_id, sizeof res->request_id, "%s", r->request_id);
}

/* Outcome when the GET (or what ran inside its callbacks) did not succeed. */
static void s_classify_get_failure(const s_run *run, es_err rc, const es_aws_result *get_res,
                                   es_job_result *res)
{
    if (run->output_failed || run->cancelled || run->abandoned) {
        s_set_outcome(res, ES_JOB_RETRY, run->why.code, "%s", run->why.msg);
        return;
    }
    if (run->refused) {
        s_set_outcome(res, ES_JOB_REFUSED, run->why.code, "%s", run->why.msg);
        return;
    }
    if (rc == ES_ERR_CANCELLED) { /* the thread's cancel token stopped the request itself */
        s_set_outcome(res, ES_JOB_RETRY, rc, "%s", "shutting down: transfer abandoned");
        return;
    }
    es_category cat = es_err_category(rc);
    if (cat == ES_CAT_GONE) {
        s_set_outcome(res, ES_JOB_GONE, rc, "%s",
                      rc == ES_ERR_PRECONDITION ? "object changed since the event (ETag differs)"
                                                : "object no longer exists");
        return;
    }
    s_set_outcome(res, cat == ES_CAT_INPUT ? ES_JOB_REFUSED : ES_JOB_RETRY, rc,
                  "GET failed: %s (HTTP %ld%s%s): %s", es_strerror(rc), get_res->http_status,
                  get_res->aws_code[0] ? ", " : "", get_res->aws_code, get_res->message);
}

/* GETs the object through the stripper into the upload; fills res. */
static void s_transfer(s_run *run, const es_event_record *rec, es_job_result *res)
{
    const es_cfg *cfg = run->env->cfg;
    es_aws_result get_res;
    es_aws_result_clear(&get_res);
    char if_match[sizeof rec->etag + 2];
    es_s3_get_options opt = {.on_head = s_on_head, .on_body = s_on_body, .ctx = run};
    if (rec->version_id[0]) {
        opt.version_id = rec->version_id;
    } else if (rec->etag[0]) {
        snprintf(if_match, sizeof if_match, "\"%s\"", rec->etag);
        opt.if_match = if_match;
    }
    es_err rc = es_s3_get_object(run->env->s3, rec->bucket, rec->key, &opt, &get_res);
    s_copy_request_id(res, &get_res);
    if (rc != ES_OK || run->refused || run->output_failed || run->cancelled) {
        s_classify_get_failure(run, rc != ES_OK ? rc : run->why.code, &get_res, res);
        return;
    }
    rc = es_orient_stripper_finish(run->stripper);
    if (run->cancelled) { /* stopped while waiting for transform memory: nothing is published */
        s_set_outcome(res, ES_JOB_RETRY, ES_ERR_CANCELLED, "%s", "shutting down: transform abandoned");
        return;
    }
    if (rc != ES_OK) {
        if (run->output_failed)
            s_set_outcome(res, ES_JOB_RETRY, run->why.code, "%s", run->why.msg);
        else
            s_set_outcome(res, ES_JOB_REFUSED, rc, "%s", es_orient_stripper_error(run->stripper));
        return;
    }
    rc = es_s3_upload_finish(run->upload, &run->put_res);
    s_copy_request_id(res, &run->put_res);
    if (rc != ES_OK) {
        run->write_conflict = rc == ES_ERR_PRECONDITION || rc == ES_ERR_NOT_FOUND ||
                              run->put_res.http_status == 409;
        s_set_outcome(res, ES_JOB_RETRY, rc, "writing to bucket %s failed: %s (HTTP %ld): %s",
                      cfg->dest_bucket, es_strerror(rc), run->put_res.http_status,
                      run->put_res.message);
        return;
    }
    es_s3_upload_free(run->upload);
    run->upload = NULL;
    const es_jpeg_stats *stats = es_orient_stripper_stats(run->stripper);
    es_job_removed_summary(stats, res->removed, sizeof res->removed);
    for (int k = 0; stats && k < ES_JPEG_KIND_COUNT; k++)
        res->bytes_removed += stats->removed_bytes[k];
    snprintf(res->orientation, sizeof res->orientation, "%s", es_orient_stripper_result(run->stripper)->note);
    s_set_outcome(res, ES_JOB_STRIPPED, ES_OK, "%s", "");
}

/* Sends the DLQ report of a refusal; a failure to send turns it into a retry. */
static void s_report_refusal(const es_job_env *env, const es_job_message *msg,
                             const es_event_record *rec, es_job_result *res)
{
    if (res->outcome != ES_JOB_REFUSED || !env->cfg->dlq_url[0])
        return;
    es_report_info info = {
        .bucket = rec && rec->bucket[0] ? rec->bucket : NULL,
        .key = rec && rec->key[0] ? rec->key : NULL,
        .version_id = rec ? rec->version_id : NULL,
        .reason = res->reason,
        .code = res->code,
        .message_id = msg->message_id,
        .receive_count = msg->receive_count,
        .body = msg->body,
        .body_len = msg->body_len,
    };
    char *report = es_report_build(&info);
    es_aws_result sres;
    es_aws_result_clear(&sres);
    es_err rc = report && env->sqs ? es_sqs_send(env->sqs, env->cfg->dlq_url, report, NULL, 0, &sres)
                                   : ES_ERR_NOMEM;
    free(report);
    if (rc == ES_OK) {
        res->reported = true;
        return;
    }
    char refusal[sizeof res->reason];
    memcpy(refusal, res->reason, sizeof refusal);
    s_set_outcome(res, ES_JOB_RETRY, rc, "refused (%.100s) but the DLQ report failed: %s%s%.80s",
                  refusal, es_strerror(rc), sres.message[0] ? ": " : "", sres.message);
}

static void s_log_result(const es_job_message *msg, const es_event_record *rec,
                         const es_job_result *res)
{
    static const char *const events[ES_JOB_OUTCOME_COUNT] = {"job.done", "job.skipped", "job.gone",
                                                             "job.refused", "job.retry"};
    es_log_level level = res->outcome == ES_JOB_REFUSED || res->outcome == ES_JOB_RETRY
                             ? ES_LOG_WARN
                             : ES_LOG_INFO;
    bool failed = res->code != ES_OK;
    ES_LOG(level, events[res->outcome], ES_LF_STR("message_id", msg->message_id),
           ES_LF_INT("receive_count", msg->receive_count),
           ES_LF_STR("bucket", rec && rec->bucket[0] ? rec->bucket : NULL),
           ES_LF_STR("key", rec && rec->key[0] ? rec->key : NULL),
           ES_LF_STR("version_id", rec && rec->version_id[0] ? rec->version_id : NULL),
           ES_LF_UINT("bytes_in", res->bytes_in), ES_LF_UINT("bytes_out", res->bytes_out),
           ES_LF_STR("removed", res->outcome == ES_JOB_STRIPPED ? res->removed : NULL),
           ES_LF_STR("orientation", res->outcome == ES_JOB_STRIPPED && res->orientation[0] ? res->orientation : NULL),
           ES_LF_UINT("duration_ms", res->duration_ms),
           ES_LF_STR("request_id", res->request_id[0] ? res->request_id : NULL),
           ES_LF_STR("reason", res->reason[0] ? res->reason : NULL),
           ES_LF_STR("error_code", failed ? es_errname(res->code) : NULL),
           ES_LF_STR("category", failed ? es_category_name(es_err_category(res->code)) : NULL),
           ES_LF_STR("reported", res->reported ? "dlq" : NULL));
    es_metrics_job(msg, res);
}

static bool s_check_destination(const es_job_env *env, const es_event_record *rec,
                                es_s3_object_info *dest, es_s3_write_options *wopt,
                                es_job_result *res);
static bool s_write(const es_job_env *env, const es_event_record *rec,
                    const es_s3_write_options *wopt, es_job_result *res);

static void s_run_record(const es_job_env *env, const es_event_record *rec, es_job_result *res)
{
    const es_cfg *cfg = env->cfg;
    if (!es_cfg_bucket_allowed(cfg, rec->bucket)) {
        s_set_outcome(res, ES_JOB_SKIPPED, ES_OK, "bucket %.200s is not an allowed source",
                      rec->bucket);
        return;
    }
    if (!es_cfg_suffix_matches(cfg, rec->key)) {
        s_set_outcome(res, ES_JOB_SKIPPED, ES_OK, "%s", "key does not end with a configured suffix");
        return;
    }
    if (s_cancel_requested(env)) {
        s_set_outcome(res, ES_JOB_RETRY, ES_ERR_CANCELLED, "%s", "shutting down: not started");
        return;
    }
    if (rec->has_size && rec->size > cfg->max_object_bytes) {
        s_run run = {.env = env};
        (void)s_refuse_size(&run, rec->size);
        s_set_outcome(res, ES_JOB_REFUSED, run.why.code, "%s", run.why.msg);
        return;
    }
    es_s3_source_id source;
    es_source_id_of(rec, &source);
    for (int attempt = 1;; attempt++) {
        es_s3_object_info dest; /* wopt.if_match may point into it */
        es_s3_write_options wopt = {.source = &source};
        if (!s_check_destination(env, rec, &dest, &wopt, res) || !s_write(env, rec, &wopt, res))
            return;
        if (s_cancel_requested(env)) {
            s_set_outcome(res, ES_JOB_RETRY, ES_ERR_CANCELLED, "%s", "shutting down: not retried");
            return;
        }
        if (attempt == S_WRITE_ATTEMPTS) {
            s_set_outcome(res, ES_JOB_RETRY, ES_ERR_PRECONDITION,
                          "bucket %.200s: the object changed during each of %d conditional writes",
                          cfg->dest_bucket, attempt);
            return;
        }
    }
}

/* HEADs B's object and decides whether to write it (on the condition set in
 * wopt) or settle the record as skipped (res filled, false returned). */
static bool s_check_destination(const es_job_env *env, const es_event_record *rec,
                                es_s3_object_info *dest, es_s3_write_options *wopt,
                                es_job_result *res)
{
    const char *bucket = env->cfg->dest_bucket;
    es_aws_result hres;
    es_aws_result_clear(&hres);
    es_err rc = es_s3_head_object(env->s3, bucket, rec->key, dest, &hres);
    if (rc != ES_OK && rc != ES_ERR_NOT_FOUND) {
        s_copy_request_id(res, &hres);
        s_set_outcome(res, ES_JOB_RETRY, rc, "HEAD in bucket %.200s failed: %s (HTTP %ld): %s",
                      bucket, es_strerror(rc), hres.http_status, hres.message);
        return false;
    }
    switch (es_dest_decide(rec, rc == ES_OK ? dest : NULL, wopt)) {
    case ES_DEST_WRITE:
        return true;
    case ES_DEST_SAME:
        s_set_outcome(res, ES_JOB_SKIPPED, ES_OK, "bucket %.200s already holds this source version",
                      bucket);
        return false;
    case ES_DEST_NEWER:
        s_set_outcome(res, ES_JOB_SKIPPED, ES_OK,
                      "bucket %.200s holds a newer source version (sequencer %.40s > %.40s)",
                      bucket, dest->source.sequencer, rec->sequencer);
        return false;
    }
    return true;
}

/* Strips rec into B on wopt's condition; fills res. Returns true when the
 * conditional write found B changed (the caller re-checks), else false. */
static bool s_write(const es_job_env *env, const es_event_record *rec,
                    const es_s3_write_options *wopt, es_job_result *res)
{
    const es_cfg *cfg = env->cfg;
    s_run run = {.env = env, .start_ms = es_clock_ms()};
    s_set_deadline(&run, rec->has_size ? rec->size : 0);
    es_error_clear(&run.why);
    es_aws_result_clear(&run.put_res);
    run.upload = es_s3_upload_new(env->s3, cfg->dest_bucket, rec->key, "image/jpeg",
                                  (size_t)cfg->part_size, wopt);
    run.budget = (es_orient_budget_ops){s_budget_acquire, s_budget_release, &run};
    es_orient_config orient = {(es_orient_mode)cfg->orientation, cfg->max_pixels, &run.budget};
    run.stripper = run.upload ? es_orient_stripper_new(NULL, &orient, s_on_write, &run) : NULL;
    if (!run.stripper)
        s_set_outcome(res, ES_JOB_RETRY, ES_ERR_NOMEM, "%s", "out of memory");
    else
        s_transfer(&run, rec, res);
    res->abandoned = run.abandoned && res->outcome == ES_JOB_RETRY;
    res->bytes_in = run.bytes_in;
    res->bytes_out = res->outcome == ES_JOB_STRIPPED ? run.bytes_out : 0;
    es_s3_upload_abort(run.upload); /* NULL once finished */
    es_orient_stripper_free(run.stripper);
    return run.write_conflict;
}

void es_job_run_record(const es_job_env *env, const es_job_message *msg,
                       const es_event_record *rec, es_job_result *res)
{
    uint64_t start = es_clock_ms();
    memset(res, 0, sizeof *res);
    s_run_record(env, rec, res);
    s_report_refusal(env, msg, rec, res);
    res->duration_ms = es_clock_ms() - start;
    s_log_result(msg, rec, res);
}

/* Settles a record that is not processed (skipped or refused without any
 * request): fills res, sends the refusal report, logs one line. rec is NULL
 * when the whole message was refused. */
static void s_settle_unprocessed(const es_job_env *env, const es_job_message *msg,
                                 const es_event_record *rec, es_job_outcome outcome, es_err code,
                                 const char *reason, es_job_result *res)
{
    uint64_t start = es_clock_ms();
    memset(res, 0, sizeof *res);
    s_set_outcome(res, outcome, code, "%s", reason);
    s_report_refusal(env, msg, rec, res);
    res->duration_ms = es_clock_ms() - start;
    s_log_result(msg, rec, res);
}

/* Settles one record of a parsed message according to its state. */
static void s_run_event_record(const es_job_env *env, const es_job_message *msg,
                               const es_event_record *rec, es_job_result *res)
{
    char reason[sizeof res->reason];
    switch (rec->state) {
    case ES_EVENT_RECORD_CREATED:
        es_job_run_record(env, msg, rec, res);
        return;
    case ES_EVENT_RECORD_OTHER:
        snprintf(reason, sizeof reason, "event \"%s\" is not an object creation: nothing to do",
                 rec->event_name);
        s_settle_unprocessed(env, msg, rec, ES_JOB_SKIPPED, ES_OK, reason, res);
        return;
    case ES_EVENT_RECORD_INVALID:
        s_settle_unprocessed(env, msg, rec, ES_JOB_REFUSED, rec->problem_code, rec->problem, res);
        return;
    }
}

bool es_job_run_message(const es_job_env *env, const es_job_message *msg, es_job_counts *counts)
{
    es_event ev;
    es_error err;
    es_error_clear(&err);
    es_err rc = es_event_parse(msg->body ? msg->body : "", msg->body ? msg->body_len : 0, &ev, &err);
    if (rc != ES_OK) {
        es_job_result res;
        s_settle_unprocessed(env, msg, NULL, ES_JOB_REFUSED, rc, err.msg, &res);
        if (counts)
            counts->n[res.outcome]++;
        return res.outcome != ES_JOB_RETRY;
    }
    if (ev.kind == ES_EVENT_TEST) {
        ES_LOG(ES_LOG_INFO, "event.test", ES_LF_STR("message_id", msg->message_id),
               ES_LF_STR("bucket", ev.test_bucket), ES_LF_STR("shape", ev.shape));
        es_event_clear(&ev);
        return true;
    }
    /* Each record is settled on its own; the message is settled once all are. */
    bool settled = true;
    for (size_t i = 0; i < ev.count; i++) {
        if (s_cancel_requested(env)) {
            settled = false;
            break;
        }
        es_job_result res;
        s_run_event_record(env, msg, &ev.records[i], &res);
        if (counts) {
            counts->n[res.outcome]++;
            counts->abandoned += res.abandoned;
        }
        if (res.outcome == ES_JOB_RETRY)
            settled = false;
    }
    es_event_clear(&ev);
    return settled;
}
