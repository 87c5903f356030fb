/* job_transfer.c - the data path of one object (job_transfer.h):
 * GET body -> es_orient_stripper -> es_s3_upload, all streaming: memory is one
 * upload part whatever the object size (a photo whose EXIF orientation is
 * applied is held while it is turned, within EXIFSTRIP_TRANSFORM_MEMORY: its
 * share is taken when its frame is read, before the rest is held; when it is
 * not free the GET stops and the job waits holding nothing, then reads the
 * photo again; its turned output is lent to the upload from the stripper,
 * not copied into a part, and the stripper lives as long as the upload).
 * Nothing reaches the destination unless the stripper accepted the whole
 * input, because a single-part body is only PUT at finish and a multipart
 * upload is aborted on refusal. The outcome is decided from what failed (the
 * callbacks record whether the refusal came from the input or the failure
 * from the output). A job older than its age limit, or a GET slower than
 * EXIFSTRIP_MIN_TRANSFER_RATE, is abandoned (retry). A single PutObject that
 * finds B changed keeps its body: when the re-check allows it (job.c) it is
 * sent again rather than GOT and stripped again. The GET asks for S3's
 * checksum: a body that fails a full-object CRC is a retry, and a refusal of
 * such bytes is not kept (the rest of the body is read to decide). An
 * unchecked write (no HEAD of B before it) stops before anything goes out as
 * soon as the object or its output turns out larger than one part. */
#include "worker/job_transfer.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/http/http.h"
#include "common/log.h"
#include "worker/clock.h"
#include "worker/job_outcome.h"
#include "worker/transform_budget.h"

/* A photo whose share of the transform memory is not free when its frame is
 * read is read again once it is; so many readings at most (the share only
 * changes when the object does). */
#define S_READINGS 3

typedef struct s_run {
    const es_job_env *env;
    es_orient_stripper *stripper;
    es_orient_budget_ops budget;
    es_s3_upload *upload;
    es_aws_result put_res;
    uint64_t bytes_in, bytes_out;
    uint64_t expect_bytes;    /* the object's length: the output's part is sized by it */
    const es_job_object *obj; /* what the GET is pinned to: its version id, else its ETag */
    uint64_t object_size;     /* the object's size by its event or listing, when pinned_size */
    bool pinned_size;         /* ... known, and the GET pinned to that object (version id or ETag) */
    bool bad_answer;          /* the GET's answer is not the object it is pinned to: retried, never judged */
    bool output_failed;       /* writing to the destination failed: transient */
    bool stripper_failed;     /* the stripper failed for a reason of its own (out of memory): transient */
    bool refused;             /* the input was refused by a callback */
    bool body_checked;        /* the GET checks the body against S3's full-object CRC */
    bool refusal_pending;     /* the stripper refused, the rest of the body is read to
                             check it arrived intact before the refusal stands */
    bool cancelled;
    bool write_conflict; /* the conditional write found B changed: re-check */
    bool unchecked;      /* the write was not decided from a HEAD: one PutObject only */
    bool abandoned;      /* too old or too slow: retried, the message released at once */
    bool lent;           /* the output was lent to the upload (a turned photo's): the stripper
                            keeps it until the upload is freed */
    uint64_t *share;     /* transform memory reserved while waiting, for this reading's photo */
    uint64_t wait_bytes; /* the photo's share was not free: the GET stopped, wait for this much */
    uint64_t share_done; /* the stripper gave its share back: released once the write is done */
    uint64_t start_ms;
    uint64_t limit_s, deadline_ms; /* the job's age limit (es_clock_ms) */
    uint64_t window_start_ms;      /* the current rate window */
    uint64_t window_bytes;
    uint64_t window_sending_ms; /* the upload's sending time when the window started */
    es_error why;               /* the first failure */
} s_run;

static bool s_cancel_requested(const es_job_env *env) { return env->cancel && atomic_load(env->cancel) != 0; }
static bool s_check_write(const es_job_env *env, es_err rc, const es_aws_result *put_res, es_job_result *res);

es_err es_job_too_large(const es_cfg *cfg, uint64_t size, es_error *why)
{
    return es_error_set(why, ES_ERR_TOO_LARGE,
                        "object is %llu bytes, more than EXIFSTRIP_MAX_OBJECT_BYTES (%llu)",
                        (unsigned long long)size, (unsigned long long)cfg->max_object_bytes);
}

static es_err s_refuse_size(s_run *run, uint64_t size)
{
    run->refused = true;
    run->refusal_pending = false;
    return es_job_too_large(run->env->cfg, size, &run->why);
}

/* An unchecked write that would need a multipart upload: nothing is sent,
 * B is checked first (es_job_transfer returns true). Counts as an output
 * failure so the input is never blamed. */
static es_err s_needs_check(s_run *run, uint64_t bytes, const char *what)
{
    run->output_failed = true;
    run->write_conflict = true;
    return es_error_set(&run->why, ES_ERR_PRECONDITION,
                        "the %s is larger than one part (%llu bytes): bucket %s is checked before writing",
                        what, (unsigned long long)bytes, run->env->cfg->dest_bucket);
}

static es_err s_on_write(void *ctx, const uint8_t *data, size_t len)
{
    s_run *run = ctx;
    if (run->unchecked && run->bytes_out + len > run->env->cfg->part_size)
        return s_needs_check(run, run->bytes_out + len, "output");
    /* A turned photo's output stays in the stripper until it is freed: it
     * is lent to the upload, not copied into a part (no part is allocated;
     * s_read_once keeps the stripper as long as the upload may send it). */
    bool stable = es_orient_stripper_output_stable(run->stripper);
    /* Otherwise the part is allocated (and prefaulted) at the first output,
     * not when the GET starts. */
    if (run->bytes_out == 0 && !stable)
        es_s3_upload_expect(run->upload, run->expect_bytes);
    es_err rc = stable ? es_s3_upload_lend(run->upload, data, len, &run->put_res)
                       : es_s3_upload_write(run->upload, data, len, &run->put_res);
    run->lent |= stable;
    if (rc != ES_OK) {
        run->output_failed = true;
        return es_error_set(&run->why, rc, "writing the output failed: %s", run->put_res.message);
    }
    run->bytes_out += len;
    return ES_OK;
}

/* The job's age limit: EXIFSTRIP_MAX_JOB_SECONDS, or derived from the size. */
uint64_t es_job_age_limit(const es_cfg *cfg, uint64_t size)
{
    return cfg->max_job_seconds > 0 ? (uint64_t)cfg->max_job_seconds
                                    : ES_JOB_AGE_BASE_S + size / ES_JOB_AGE_BYTES_PER_S;
}

/* Sets the job's age limit for an object of size bytes, its requests' deadline too. */
static void s_set_deadline(s_run *run, uint64_t size)
{
    run->limit_s = es_job_age_limit(run->env->cfg, size);
    run->deadline_ms = run->start_ms + run->limit_s * 1000u;
    es_job_http_deadline(run->deadline_ms);
}

void es_job_http_deadline(uint64_t deadline_ms)
{
    uint64_t now = es_clock_ms();
    es_http_set_thread_deadline(deadline_ms ? es_http_now_ms() + (deadline_ms > now ? deadline_ms - now : 0)
                                            : 0);
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

/* "job abandoned: still running after N s (EXIFSTRIP_MAX_JOB_SECONDS...)". */
static void s_age_text(char *out, size_t size, const es_cfg *cfg, uint64_t limit_s)
{
    snprintf(out, size, "job abandoned: still running after %llu s (EXIFSTRIP_MAX_JOB_SECONDS%s)",
             (unsigned long long)limit_s, cfg->max_job_seconds > 0 ? "" : " derived from the object size");
}

static es_err s_abandon_for_age(s_run *run)
{
    char text[160];
    s_age_text(text, sizeof text, run->env->cfg, run->limit_s);
    return s_abandon(run, "%s", text);
}

void es_job_abandon_past_deadline(const es_cfg *cfg, uint64_t limit_s, es_job_result *res)
{
    if (res->outcome != ES_JOB_RETRY || res->abandoned || res->code == ES_ERR_CANCELLED ||
        !es_http_thread_deadline_passed())
        return;
    char text[160], failed[ES_ERRBUF_SIZE];
    s_age_text(text, sizeof text, cfg, limit_s);
    snprintf(failed, sizeof failed, "%s", res->reason);
    es_job_set_outcome(res, ES_JOB_RETRY, ES_ERR_TIMEOUT, "%s (%s)", text, failed);
    res->abandoned = true;
}

/* Abandons a job past its age limit, or a GET slower than
 * EXIFSTRIP_MIN_TRANSFER_RATE over a whole window (a stalled one is ended by
 * the HTTP layer's low-speed limit). */
static es_err s_check_pace(s_run *run, size_t len)
{
    const es_cfg *cfg = run->env->cfg;
    uint64_t now = es_clock_ms();
    if (now > run->deadline_ms)
        return s_abandon_for_age(run);
    run->window_bytes += len;
    /* the GET's own time: parts sent to B from inside the body callback
     * (a write that fills a part sends it) are not the GET's slowness */
    uint64_t sending = es_s3_upload_sending_ms(run->upload) - run->window_sending_ms;
    uint64_t elapsed = now - run->window_start_ms;
    elapsed = elapsed > sending ? elapsed - sending : 0;
    if (elapsed < (uint64_t)cfg->min_transfer_window * 1000u)
        return ES_OK;
    uint64_t rate = run->window_bytes * 1000u / (elapsed ? elapsed : 1);
    if (rate < cfg->min_transfer_rate)
        return s_abandon(run,
                         "GET abandoned: transfer rate %llu B/s over %llu s is below "
                         "EXIFSTRIP_MIN_TRANSFER_RATE (%llu B/s)",
                         (unsigned long long)rate, (unsigned long long)elapsed / 1000u,
                         (unsigned long long)cfg->min_transfer_rate);
    run->window_start_ms = now;
    run->window_bytes = 0;
    run->window_sending_ms = es_s3_upload_sending_ms(run->upload);
    return ES_OK;
}

/* The GET's answer has another length than the object it is pinned to (a
 * proxy or store that cut or padded it): a retry, the bytes never judged. */
static es_err s_wrong_length(s_run *run, const char *what, uint64_t bytes)
{
    run->bad_answer = true;
    return es_error_set(&run->why, ES_ERR_PROTOCOL,
                        "the GET's answer %s %llu bytes, but the object is %llu bytes (its event or listing): "
                        "not the object, retried",
                        what, (unsigned long long)bytes, (unsigned long long)run->object_size);
}

/* The GET's answer names another version id or ETag than the one the GET
 * was pinned to (an endpoint that ignored the condition): a retry, the bytes
 * never judged nor recorded as that source's. Checked when the answer names one. */
static es_err s_check_identity(s_run *run, const es_s3_object_info *info)
{
    const es_s3_source_id *src = &run->obj->source;
    const char *asked = src->version_id[0] ? src->version_id : src->etag;
    const char *got = src->version_id[0] ? info->version_id : info->etag;
    if (!asked[0] || !got[0])
        return ES_OK;
    const char *bare = got;
    size_t n = src->version_id[0] ? strlen(got) : es_s3_etag_bare(got, strlen(got), &bare);
    if (n == strlen(asked) && !memcmp(bare, asked, n))
        return ES_OK;
    run->bad_answer = true;
    return es_error_set(&run->why, ES_ERR_PROTOCOL,
                        "the GET's answer names %s \"%.*s\", but the GET asked for \"%.100s\": not the object, "
                        "retried",
                        src->version_id[0] ? "version id" : "ETag", (int)(n < 100 ? n : 100), bare, asked);
}

static es_err s_on_head(void *ctx, const es_s3_object_info *info)
{
    s_run *run = ctx;
    ES_GUARD(s_check_identity(run, info));
    if (run->pinned_size && info->has_content_length && info->content_length != run->object_size)
        return s_wrong_length(run, "names a Content-Length of", info->content_length);
    if (info->content_length > run->env->cfg->max_object_bytes)
        return s_refuse_size(run, info->content_length);
    if (run->unchecked && info->content_length > run->env->cfg->part_size)
        return s_needs_check(run, info->content_length, "object");
    if (run->env->cfg->max_job_seconds == 0)
        s_set_deadline(run, info->content_length);
    run->window_start_ms = es_clock_ms();
    run->window_bytes = 0;
    run->window_sending_ms = es_s3_upload_sending_ms(run->upload);
    run->body_checked = info->checksum.checked;
    /* The output is about the input's size (metadata goes, the picture stays). */
    run->expect_bytes = info->content_length;
    /* a photo to be turned is held within its share of the transform memory */
    es_orient_stripper_expect_input(run->stripper, info->content_length);
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
    if (run->pinned_size && run->bytes_in > run->object_size)
        return s_wrong_length(run, "runs past", run->bytes_in);
    if (run->bytes_in > run->env->cfg->max_object_bytes)
        return s_refuse_size(run, run->bytes_in);
    if (s_check_pace(run, len) != ES_OK)
        return run->why.code;
    if (run->refusal_pending)
        return ES_OK;
    es_err rc = es_orient_stripper_feed(run->stripper, data, len);
    if (run->wait_bytes) /* stopped to wait for transform memory: not the input's fault */
        return rc;
    if (rc != ES_OK && !run->output_failed && es_err_category(rc) != ES_CAT_INPUT) {
        run->stripper_failed = true; /* not the photo's fault: retried, never refused */
        return es_error_set(&run->why, rc, "%s", es_orient_stripper_error(run->stripper));
    }
    if (rc != ES_OK && !run->output_failed) {
        run->refused = true;
        es_error_set(&run->why, rc, "%s", es_orient_stripper_error(run->stripper));
        /* A body damaged in transit can look like a broken JPEG: read on and
         * let its checksum decide whether the refusal stands. */
        if (run->body_checked) {
            run->refusal_pending = true;
            return ES_OK;
        }
    }
    return rc;
}

/* The shared transform budget (EXIFSTRIP_TRANSFORM_MEMORY and _CONCURRENCY). */
static es_transform_budget *s_budget_of(const es_job_env *env)
{
    return es_transform_budget_shared(env->cfg->transform_memory, (unsigned)env->cfg->transform_concurrency);
}

static es_transform_budget *s_budget(const s_run *run) { return s_budget_of(run->env); }

/* Gives back a share reserved while waiting (*share) that is not used. */
static void s_give_back_share(const es_job_env *env, uint64_t *share)
{
    es_transform_budget *b = s_budget_of(env);
    if (b && *share)
        es_transform_budget_release(b, *share);
    *share = 0;
}

/* Whether the share reserved while waiting covers bytes: bytes of it are
 * then the photo's and the rest is given back; otherwise all of it is. */
static bool s_share_covers(s_run *run, uint64_t bytes)
{
    bool covers = *run->share >= bytes;
    if (covers)
        *run->share -= bytes; /* the photo's now: what stays goes back */
    s_give_back_share(run->env, run->share);
    return covers;
}

/* A photo to be turned, its frame read: its share is taken before the rest
 * of it is held - from what was reserved while waiting (a second reading),
 * else now if free; otherwise the stripper stops (and with it the GET) and
 * es_job_transfer waits for wait_bytes holding nothing. */
static es_err s_budget_hold(void *ctx, uint64_t bytes)
{
    s_run *run = ctx;
    es_transform_budget *b = s_budget(run);
    if (!b || bytes > run->env->cfg->transform_memory) {
        s_give_back_share(run->env, run->share); /* this photo keeps its tag: the share is not used */
        return ES_ERR_TOO_LARGE;
    }
    if (s_share_covers(run, bytes)) /* else given back: nothing is held while this one is asked for */
        return ES_OK;
    if (es_transform_budget_try_reserve(b, bytes))
        return ES_OK;
    run->wait_bytes = bytes;
    return ES_ERR_CANCELLED;
}

/* A stop while waiting for the budget abandons the job. A share reserved
 * while waiting that no hold took (this reading's answer had no length)
 * covers the photo's bytes when it is large enough (only a running slot is
 * waited for then); otherwise it is given back first and the bytes are asked
 * for here, in turn. */
static bool s_budget_acquire(void *ctx, uint64_t bytes)
{
    s_run *run = ctx;
    es_transform_budget *b = s_budget(run);
    if (!b)
        return false;
    uint64_t from_share = bytes && s_share_covers(run, bytes) ? bytes : 0;
    bool ok = es_transform_budget_acquire(b, bytes - from_share, run->env->cancel);
    if (!ok && from_share)
        es_transform_budget_release(b, from_share); /* the stripper counts nothing taken */
    if (!ok && bytes <= run->env->cfg->transform_memory)
        run->cancelled = true;
    return ok;
}

static void s_budget_end_run(void *ctx) { es_transform_budget_end_run(s_budget(ctx)); }

/* The stripper is done with a turned photo once its output is handed to the
 * upload, but a single PutObject still holds that output, and the stripper
 * its turned copy, until the write is done: the share is given back then
 * (es_job_transfer), not here. */
static void s_budget_release(void *ctx, uint64_t bytes)
{
    s_run *run = ctx;
    run->share_done += bytes;
}

/* Outcome when the GET (or what ran inside its callbacks) did not succeed. */
static void s_classify_get_failure(const s_run *run, es_err rc, const es_aws_result *get_res, es_job_result *res)
{
    if (run->output_failed || run->stripper_failed || run->cancelled || run->abandoned || run->bad_answer) {
        es_job_set_outcome(res, ES_JOB_RETRY, run->why.code, "%s", run->why.msg);
        return;
    }
    char why[ES_ERRBUF_SIZE];
    if (run->refusal_pending && get_res->code != ES_OK) { /* the judged bytes did not arrive intact */
        es_aws_result_describe(get_res, get_res->code, why, sizeof why);
        es_job_set_outcome(res, ES_JOB_RETRY, get_res->code,
                           "GET failed: %s; the stripper's verdict on those bytes (%s) is not kept", why,
                           run->why.msg);
        return;
    }
    if (run->refused) {
        es_job_set_outcome(res, ES_JOB_REFUSED, run->why.code, "%s", run->why.msg);
        return;
    }
    if (rc == ES_ERR_CANCELLED) { /* the thread's cancel token stopped the request itself */
        es_job_set_outcome(res, ES_JOB_RETRY, rc, "%s", "shutting down: transfer abandoned");
        return;
    }
    es_category cat = es_err_category(rc);
    if (cat == ES_CAT_GONE) {
        es_job_set_outcome(res, ES_JOB_GONE, rc, "%s",
                           rc == ES_ERR_PRECONDITION ? "object changed since the event (ETag differs)"
                                                     : "object no longer exists");
        return;
    }
    /* Whatever else the service answered (the wrong region, an unknown 4xx)
     * says nothing about the photo: the message stays, and the queue's redrive
     * keeps it whole once the failures repeat. Only the stripper refuses. */
    es_aws_result_describe(get_res, rc, why, sizeof why);
    es_job_set_outcome(res, ES_JOB_RETRY, rc, "GET failed: %s", why);
}

/* GETs the object through the stripper into the upload; fills res. */
static void s_transfer(s_run *run, const es_job_object *obj, es_job_result *res)
{
    es_aws_result get_res;
    es_aws_result_clear(&get_res);
    char if_match[sizeof obj->source.etag + 2];
    es_s3_get_options opt = {
        .checksum_mode = true, /* a body damaged in transit fails the GET: nothing is published */
        .on_head = s_on_head,
        .on_body = s_on_body,
        .ctx = run,
    };
    if (obj->source.version_id[0]) {
        opt.version_id = obj->source.version_id;
    } else if (obj->source.etag[0]) {
        snprintf(if_match, sizeof if_match, "\"%s\"", obj->source.etag);
        opt.if_match = if_match;
    }
    es_err rc = es_s3_get_object(run->env->s3, obj->bucket, obj->key, &opt, &get_res);
    if (run->wait_bytes)
        return; /* es_job_transfer waits for the photo's share, then reads it again */
    /* a part upload (or its multipart upload's creation) that failed inside
     * the GET's callbacks decided, not the GET it stopped */
    es_job_copy_request_id(res, run->output_failed ? &run->put_res : &get_res);
    if (rc != ES_OK || run->refused || run->output_failed || run->cancelled) {
        s_classify_get_failure(run, rc != ES_OK ? rc : run->why.code, &get_res, res);
        return;
    }
    rc = es_orient_stripper_finish(run->stripper);
    /* decided on only at its end (a photo too short to decide on earlier) */
    if (run->wait_bytes)
        return;
    if (run->cancelled) {          /* stopped while waiting for transform memory: nothing is published */
        res->request_id[0] = '\0'; /* no request decided it (not the GET) */
        es_job_set_outcome(res, ES_JOB_RETRY, ES_ERR_CANCELLED, "%s", "shutting down: transform abandoned");
        return;
    }
    if (rc != ES_OK) {
        if (run->output_failed) { /* a part of a photo turned at its end, after the GET */
            es_job_copy_request_id(res, &run->put_res);
            es_job_set_outcome(res, ES_JOB_RETRY, run->why.code, "%s", run->why.msg);
        } else if (run->pinned_size && run->bytes_in != run->object_size) { /* cut short: not judged */
            s_wrong_length(run, "ended after", run->bytes_in);
            es_job_set_outcome(res, ES_JOB_RETRY, run->why.code, "%s", run->why.msg);
        } else {
            es_job_set_outcome(res, es_err_category(rc) == ES_CAT_INPUT ? ES_JOB_REFUSED : ES_JOB_RETRY, rc,
                               "%s", es_orient_stripper_error(run->stripper));
        }
        return;
    }
    const es_jpeg_stats *stats = es_orient_stripper_stats(run->stripper);
    es_job_removed_summary(stats, res->removed, sizeof res->removed);
    for (int k = 0; stats && k < ES_JPEG_KIND_COUNT; k++)
        res->bytes_removed += stats->removed_bytes[k];
    snprintf(res->orientation, sizeof res->orientation, "%s", es_orient_stripper_result(run->stripper)->note);
    rc = es_s3_upload_finish(run->upload, &run->put_res);
    if (rc == ES_OK && es_s3_upload_unchanged(run->upload)) /* a rewrite of a copy made alike: the GET decided */
        es_job_set_outcome(res, ES_JOB_SKIPPED, ES_OK,
                           "bucket %.200s already holds what this exifstrip makes of this source (the same %llu "
                           "bytes and CRC-64/NVME): not written again",
                           run->env->cfg->dest_bucket, (unsigned long long)run->bytes_out);
    else
        run->write_conflict = s_check_write(run->env, rc, &run->put_res, res);
    if (rc == ES_OK) {
        es_s3_upload_free(run->upload);
        run->upload = NULL;
    }
}

/* Sets res's outcome from the final write's result (stripped, else retry);
 * true when the write found B changed (es_s3_write_condition_lost). */
static bool s_check_write(const es_job_env *env, es_err rc, const es_aws_result *put_res, es_job_result *res)
{
    es_job_copy_request_id(res, put_res);
    if (rc == ES_OK) {
        es_job_set_outcome(res, ES_JOB_STRIPPED, ES_OK, "%s", "");
        return false;
    }
    char why[ES_ERRBUF_SIZE];
    es_aws_result_describe(put_res, rc, why, sizeof why);
    es_job_set_outcome(res, ES_JOB_RETRY, rc, "writing to bucket %s failed: %s", env->cfg->dest_bucket, why);
    return es_s3_write_condition_lost(rc, put_res);
}

/* What the strip made is reported only once it is written. */
static void s_forget_unwritten(es_job_result *res)
{
    if (res->outcome == ES_JOB_STRIPPED)
        return;
    res->bytes_out = 0;
    res->bytes_removed = 0;
    res->removed[0] = '\0';
    res->orientation[0] = '\0';
}

/* The kept body again, on wopt's new condition (the upload reads it). */
static bool s_resend(const es_job_env *env, es_job_kept *kept, es_job_result *res)
{
    es_aws_result put_res;
    es_aws_result_clear(&put_res);
    es_err rc = es_s3_upload_resend(kept->upload, &put_res);
    *res = kept->res;
    bool conflict = s_check_write(env, rc, &put_res, res);
    if (!conflict)
        es_job_kept_free(kept);
    s_forget_unwritten(res);
    return conflict;
}

void es_job_kept_free(es_job_kept *kept)
{
    es_s3_upload_free(kept->upload); /* a single PutObject: nothing to abort */
    kept->upload = NULL;
    es_orient_stripper_free(kept->stripper); /* after the upload that was lent its output */
    kept->stripper = NULL;
    kept->sent = false;
}

/* One reading of obj into the upload (es_job_transfer); *wait_bytes set
 * (nothing else decided) when the photo's share of the transform memory was
 * not free: nothing of it is held then. The job's age counts from this
 * reading's start: a wait for the share before it is not the photo's
 * slowness. */
static bool s_read_once(const es_job_env *env, const es_job_object *obj, const es_s3_write_options *wopt,
                        bool unchecked, es_job_kept *kept, uint64_t *share, uint64_t *wait_bytes,
                        es_job_result *res)
{
    const es_cfg *cfg = env->cfg;
    s_run run = {.env = env,
                 .start_ms = es_clock_ms(),
                 .unchecked = unchecked,
                 .share = share,
                 .obj = obj,
                 .object_size = obj->size,
                 .pinned_size = obj->has_size && (obj->source.version_id[0] || obj->source.etag[0])};
    s_set_deadline(&run, obj->has_size ? obj->size : 0);
    es_error_clear(&run.why);
    es_aws_result_clear(&run.put_res);
    run.upload = es_s3_upload_new(env->s3, cfg->dest_bucket, obj->key, "image/jpeg", (size_t)cfg->part_size,
                                  wopt);
    run.budget = (es_orient_budget_ops){.acquire = s_budget_acquire,
                                        .release = s_budget_release,
                                        .ctx = &run,
                                        .end_run = s_budget_end_run,
                                        .hold = s_budget_hold};
    es_orient_config orient = {(es_orient_mode)cfg->orientation, cfg->max_pixels, &run.budget};
    run.stripper = run.upload ? es_orient_stripper_new(NULL, &orient, s_on_write, &run) : NULL;
    if (!run.stripper) {
        res->request_id[0] = '\0'; /* no request decided it */
        es_job_set_outcome(res, ES_JOB_RETRY, ES_ERR_NOMEM, "%s", "out of memory");
    } else {
        s_transfer(&run, obj, res);
    }
    res->abandoned = run.abandoned && res->outcome == ES_JOB_RETRY;
    /* a request the deadline stopped (an answer too slow to judge by its pace) */
    es_job_abandon_past_deadline(cfg, run.limit_s, res);
    res->bytes_in = run.bytes_in;
    res->bytes_out = run.bytes_out;
    kept->sent = run.write_conflict && run.put_res.attempts > 0; /* not stopped before writing */
    if (es_s3_upload_resendable(run.upload)) {
        /* one PutObject found B changed: its body waits for the re-check.
         * It is the job's one part, as for a photo not turned, not transform
         * memory: a turned photo's is lent by its stripper, kept with it
         * (holding only that output: the stripper is finished, its share
         * given back and its run ended, so freeing it later calls no budget
         * op of this run's), so the share is given back; the body is freed
         * before the photo is read again (job.c), so a job never holds it
         * beside another share. */
        kept->upload = run.upload;
        run.upload = NULL;
        if (run.lent) {
            kept->stripper = run.stripper;
            run.stripper = NULL;
        }
    }
    if (kept->sent)
        kept->res = *res;
    s_forget_unwritten(res);
    es_s3_upload_abort(run.upload);        /* NULL once finished */
    es_orient_stripper_free(run.stripper); /* after the upload it may have lent its output */
    if (run.share_done)                    /* the output written (or given up), the turned copy freed */
        es_transform_budget_release(s_budget(&run), run.share_done);
    *wait_bytes = run.wait_bytes;
    return run.write_conflict;
}

/* A photo's share of the transform memory was not free when its frame was
 * read: its GET was stopped and nothing of it is held. Waits for the share
 * (the pool's heartbeat keeps the message invisible meanwhile) and keeps it
 * in *share for the next reading; false with res set (a retry, no request
 * deciding it) only when shutting down. The wait is not bounded by the job's
 * age limit: shares are handed out first come, first served, and each
 * photo ahead gives its share back once it is written or given up, so the
 * wait ends; abandoning it instead would count a receive against a photo
 * that nothing is wrong with, and a long enough backlog of large photos to
 * turn would send it to the dead-letter queue. */
static bool s_wait_for_share(const es_job_env *env, uint64_t bytes, uint64_t *share, es_job_result *res)
{
    es_transform_budget *b = s_budget_of(env);
    s_give_back_share(env, share); /* the object asked for more this time */
    if (b && es_transform_budget_reserve(b, bytes, env->cancel)) {
        *share = bytes;
        return true;
    }
    res->request_id[0] = '\0';
    es_job_set_outcome(res, ES_JOB_RETRY, ES_ERR_CANCELLED, "%s",
                       "shutting down: waiting for transform memory");
    return false;
}

bool es_job_transfer(const es_job_env *env, const es_job_object *obj, const es_s3_write_options *wopt,
                     bool unchecked, es_job_kept *kept, es_job_result *res)
{
    if (kept->upload)
        return s_resend(env, kept, res);
    uint64_t share = 0; /* reserved while waiting, taken by the next reading's photo */
    bool conflict = false;
    for (int reading = 1;; reading++) {
        uint64_t wait_bytes = 0;
        conflict = s_read_once(env, obj, wopt, unchecked, kept, &share, &wait_bytes, res);
        if (!wait_bytes)
            break;
        if (reading == S_READINGS) {
            res->request_id[0] = '\0'; /* no request decided it */
            es_job_set_outcome(res, ES_JOB_RETRY, ES_ERR_PRECONDITION,
                               "the object's transform share changed on each of %d readings", reading);
            break;
        }
        ES_LOG(ES_LOG_DEBUG, "job.transform_wait", ES_LF_STR("key", obj->key), ES_LF_UINT("bytes", wait_bytes));
        if (!s_wait_for_share(env, wait_bytes, &share, res))
            break;
    }
    s_give_back_share(env, &share); /* not taken: the reading stopped before the frame */
    return conflict;
}
