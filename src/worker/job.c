/* job.c - one object through the worker's path (es_job_run_object, job.h):
 * the allowlist and suffix checks, then the write is ordered (ordering.h).
 * An event seen for the first time whose output fits one PutObject is
 * written at once with If-None-Match: * (most keys are new: no HEAD); only
 * when B already has the key (412, or 409) is B's object HEADed and the
 * ordering decided as below. Otherwise B is HEADed first: nothing is done
 * when B already holds this or a newer source version (unless the object
 * is to be rewritten: backfill --rewrite), and the write is conditional on
 * what the HEAD saw (a lost race re-checks). The body of a
 * lost PutObject is sent again only when the re-check ordered it by
 * sequencers; otherwise A is read again, pinned, as that GET is the only
 * check that A still holds the source (with deletes propagated, a version
 * id's current visibility is HEADed first). Every write of the job carries
 * one write id (write_id.h): a write S3 carried out whose answer was lost (its retry then
 * failing its condition) is recognised by it at the re-check and settled as
 * written. The data path is job_transfer.c; the report and the log line are
 * job_outcome.c's. */
#include "worker/job.h"

#include <stdlib.h>
#include <string.h>

#include "exifstrip/rules.h"
#include "worker/clock.h"
#include "worker/job_outcome.h"
#include "worker/job_transfer.h"
#include "worker/ordering.h"
#include "worker/propagate_delete.h"
#include "worker/write_id.h"

/* Writes to B that lost a race (412, 404 NoSuchKey or 409 on the conditional write)
 * are re-checked and retried this often before the job is left for redelivery. */
#define S_WRITE_ATTEMPTS 3

static bool s_cancel_requested(const es_job_env *env) { return env->cancel && atomic_load(env->cancel) != 0; }

/* Whether a version of this source may be deleted behind the job's back in a
 * way only A can show: deletes propagated and a versioned source (a delete
 * marker hides the version, a permanent delete is judged by version id, not
 * by sequencers: propagate_delete.h). */
static bool s_version_deletes_matter(const es_job_env *env, const es_job_object *obj)
{
    return env->cfg->propagate_deletes && obj->source.version_id[0];
}

static bool s_first_receive(const es_job_message *msg) { return msg && msg->receive_count == 1; }

/* Whether a removal that finds B's key absent may be its first look, to be
 * looked at again once the message comes back (propagate_delete.h): on the
 * first receive, and on any later one within half a visibility timeout of it
 * (ApproximateFirstReceiveTimestamp), as a message given back unjudged - its
 * worker stopping - comes back at once with a higher count. Half: a message
 * looked at comes back a whole visibility timeout later, which this machine's
 * clock, a little behind SQS's, would otherwise see as a little less. */
static bool s_first_look(const es_job_env *env, const es_job_message *msg)
{
    return s_first_receive(msg) ||
           (msg && msg->has_first_receive &&
            msg->since_first_receive_ms < (uint64_t)env->cfg->visibility_timeout * 500u);
}

/* Whether the first write goes out unchecked (If-None-Match: *, no HEAD of
 * B): only for a message received for the first time (ApproximateReceiveCount
 * 1: a redelivered one likely finds its output in B, which one HEAD settles,
 * and one without a count may be redelivered; backfill, without a message,
 * mostly meets keys B holds on a re-run) and an object whose event says it
 * fits one part (a multipart upload whose condition fails at completion
 * would have sent all its parts for nothing; job_transfer.c stops before
 * writing when the object or its output is larger after all). Never with
 * deletes propagated: a removal may have emptied B's key after the source
 * was deleted, and If-None-Match: * alone would then publish it again (the
 * HEAD first makes the write conditional on the copy that was there). */
static bool s_write_unchecked(const es_job_env *env, const es_job_object *obj, const es_job_message *msg)
{
    return s_first_receive(msg) && !env->cfg->propagate_deletes && obj->has_size &&
           obj->size <= env->cfg->part_size;
}

/* Settles res as written (true) when found, B's object, is the one a write
 * of this job made after all: its answer was lost and its retry found the
 * key taken, and B records what wopt's writes record; kept (NULL
 * before any write) then holds what was written, hres is the deciding HEAD. */
static bool s_written_by_this_job(const es_job_env *env, const es_job_kept *kept,
                                  const es_s3_write_options *wopt, const es_s3_object_info *found,
                                  const es_aws_result *hres, es_job_result *res)
{
    if (!kept || !kept->sent || !es_dest_written_by(wopt->source, wopt->write_id, found))
        return false;
    *res = kept->res;
    es_job_copy_request_id(res, hres); /* the HEAD decided, not the write whose lost race led to it */
    es_job_set_outcome(res, ES_JOB_STRIPPED, ES_OK,
                       "written: the write's answer was lost (its retry found the key taken) and "
                       "bucket %.200s holds what it wrote",
                       env->cfg->dest_bucket);
    return true;
}

/* After the last conditional write found B changed: when it went out, B is
 * HEADed once more, only to recognise that write landing after all (its
 * answer lost: settled as written, never written again); otherwise, or when
 * that HEAD fails, the object is left for redelivery, res naming the last
 * write's lost race. */
static void s_after_last_conflict(const es_job_env *env, const es_job_object *obj, const es_job_kept *kept,
                                  const es_s3_write_options *wopt, int writes, es_job_result *res)
{
    if (kept->sent) {
        es_s3_object_info dest;
        es_aws_result hres;
        es_aws_result_clear(&hres);
        es_err rc = es_s3_head_object(env->s3, env->cfg->dest_bucket, obj->key, &dest, &hres);
        if (s_written_by_this_job(env, kept, wopt, rc == ES_OK ? &dest : NULL, &hres, res))
            return;
    }
    es_job_set_outcome(res, ES_JOB_RETRY, ES_ERR_PRECONDITION,
                       "bucket %.200s: the object changed during each of %d conditional writes",
                       env->cfg->dest_bucket, writes);
}

/* What a job's writes record and may leave unsent; its write options point
 * into it (s_check_destination sets it for each write). */
typedef struct s_write_plan {
    es_s3_source_id recorded;
    es_s3_same_as same; /* a rewrite: the copy's bytes, not written again */
} s_write_plan;

/* A rewrite of a copy that records this source (es_job_object.rewrite)
 * records what that copy did, and what the job knows that it lacks: a
 * listing has no sequencer (a worker's copy keeps the one that orders later
 * events of the key) and no version id. */
static void s_rewrite_record(const es_s3_source_id *copy, es_s3_source_id *recorded)
{
    if (!recorded->bucket[0])
        memcpy(recorded->bucket, copy->bucket, sizeof recorded->bucket);
    if (!recorded->version_id[0])
        memcpy(recorded->version_id, copy->version_id, sizeof recorded->version_id);
    if (!recorded->sequencer[0])
        memcpy(recorded->sequencer, copy->sequencer, sizeof recorded->sequencer);
}

/* Whether a copy's record holds every field a rewrite records: copies made
 * before the source bucket was recorded lack it, and delete propagation needs
 * it to keep a copy from a removal of the same key in another source bucket,
 * so such a copy is written again even when its bytes are the new ones. */
static bool s_record_complete(const es_s3_source_id *copy, const es_s3_source_id *recorded)
{
    return (copy->bucket[0] || !recorded->bucket[0]) && (copy->version_id[0] || !recorded->version_id[0]) &&
           (copy->sequencer[0] || !recorded->sequencer[0]);
}

/* Whether B's copy was made under an older generation of the rules than
 * this exifstrip's (exifstrip/rules.h). A copy that records none (made before
 * the rules were recorded) or a newer one (a rollback) is not made again
 * for it: only backfill --rewrite makes every copy again. */
static bool s_older_rules(const es_s3_object_info *dest)
{
    const char *r = dest->rules;
    size_t n = strlen(r);
    return n > 0 && n < 10 && strspn(r, "0123456789") == n && strtoul(r, NULL, 10) < ES_RULES;
}

/* HEADs B's object and decides whether to write it (on the condition set in
 * wopt, recording what plan says, which wopt points into) or settle the
 * object (res filled, false returned): skipped, or stripped when B's object
 * is the one a write of this job made after all (s_written_by_this_job). A
 * rewrite replaces a copy of this very source too, if B still holds it,
 * unless the new copy has its bytes (its HEAD asks for B's checksum) and its
 * record lacks nothing (s_record_complete); so does any job when the copy
 * was made under older rules (s_older_rules), whatever its bytes. The
 * HEAD's request id is the one that decided. When it writes, *resend (if not
 * NULL) says whether a kept body may be sent as it is (es_dest_may_resend). */
static bool s_check_destination(const es_job_env *env, const es_job_object *obj, const es_job_kept *kept,
                                es_s3_object_info *dest, es_s3_write_options *wopt, s_write_plan *plan,
                                bool *resend, es_job_result *res)
{
    const char *bucket = env->cfg->dest_bucket;
    es_aws_result hres;
    es_aws_result_clear(&hres);
    es_err rc = obj->rewrite ? es_s3_head_object_checksum(env->s3, bucket, obj->key, dest, &hres)
                             : es_s3_head_object(env->s3, bucket, obj->key, dest, &hres);
    es_job_copy_request_id(res, &hres);
    if (rc != ES_OK && rc != ES_ERR_NOT_FOUND) {
        char why[ES_ERRBUF_SIZE];
        es_aws_result_describe(&hres, rc, why, sizeof why);
        es_job_set_outcome(res, ES_JOB_RETRY, rc, "HEAD in bucket %.200s failed: %s", bucket, why);
        return false;
    }
    const es_s3_object_info *found = rc == ES_OK ? dest : NULL;
    if (s_written_by_this_job(env, kept, wopt, found, &hres, res))
        return false;
    plan->recorded = obj->source;
    wopt->unless_same = NULL;
    res->rewrite = false;
    switch (es_dest_decide(&obj->source, found, wopt)) {
    case ES_DEST_WRITE:
        if (resend)
            *resend = es_dest_may_resend(&obj->source, found, s_version_deletes_matter(env, obj));
        return true;
    case ES_DEST_SAME: {
        bool older_rules = s_older_rules(dest);
        if (obj->rewrite || older_rules) {
            s_rewrite_record(&dest->source, &plan->recorded);
            if (!older_rules && s_record_complete(&dest->source, &plan->recorded) &&
                es_s3_same_as_of(dest, &plan->same))
                wopt->unless_same = &plan->same;
            res->rewrite = true;
            wopt->if_match = dest->etag[0] ? dest->etag : "*";
            if (resend)
                *resend = false; /* A is read again: the copy is made anew */
            return true;
        }
        es_job_set_outcome(res, ES_JOB_SKIPPED, ES_OK, "bucket %.200s already holds this source version",
                           bucket);
        return false;
    }
    case ES_DEST_NEWER:
        es_job_set_outcome(res, ES_JOB_SKIPPED, ES_OK,
                           "bucket %.200s holds a newer source version (sequencer %.40s > %.40s)", bucket,
                           dest->source.sequencer, obj->source.sequencer);
        return false;
    }
    return true;
}

/* Before A is read again (the kept body dropped): after a lost race with
 * deletes propagated, a version a delete marker has hidden meanwhile is not
 * published again (a GET pinned to its version id would still find it; the
 * removal may have emptied B's key). False with res settled when it is not. */
static bool s_read_again(const es_job_env *env, const es_job_object *obj, bool lost_race, es_job_kept *kept,
                         es_job_result *res)
{
    es_job_kept_free(kept);
    return !lost_race || !s_version_deletes_matter(env, obj) || es_propagate_source_visible(env, obj, res);
}

/* The checks made before any request; false with res filled when the object
 * is settled by them. */
static bool s_precheck(const es_job_env *env, const es_job_object *obj, es_job_result *res)
{
    const es_cfg *cfg = env->cfg;
    if (!es_cfg_bucket_allowed(cfg, obj->bucket)) {
        es_job_set_outcome(res, ES_JOB_SKIPPED, ES_OK, "bucket %.200s is not an allowed source", obj->bucket);
        return false;
    }
    if (!es_cfg_suffix_matches(cfg, obj->key)) {
        es_job_set_outcome(res, ES_JOB_SKIPPED, ES_OK, "%s", "key does not end with a configured suffix");
        return false;
    }
    if (s_cancel_requested(env)) {
        es_job_set_outcome(res, ES_JOB_RETRY, ES_ERR_CANCELLED, "%s", "shutting down: not started");
        return false;
    }
    if (obj->has_size && obj->size > cfg->max_object_bytes) {
        es_error why;
        es_error_clear(&why);
        es_err code = es_job_too_large(cfg, obj->size, &why);
        es_job_set_outcome(res, ES_JOB_REFUSED, code, "%s", why.msg);
        return false;
    }
    return true;
}

static void s_run_object(const es_job_env *env, const es_job_object *obj, const es_job_message *msg,
                         es_job_result *res)
{
    if (!s_precheck(env, obj, res))
        return;
    if (obj->removed) {
        es_propagate_delete(env, obj, s_first_look(env, msg), res);
        return;
    }
    if (s_version_deletes_matter(env, obj) && !es_propagate_source_visible(env, obj, res))
        return;
    /* Attempt 0 is the unchecked write; B changed under each of the checked
     * ones 1..S_WRITE_ATTEMPTS: left for redelivery (unless one more HEAD
     * finds the last one landed after all). A single-part body is
     * kept between attempts (job_transfer.h) and sent again only when the
     * re-check ordered the source after B's object by sequencers: any other
     * verdict (B's key absent, or no sequencers to compare) rests on A still
     * holding the source, so it is GOT again, pinned (a 404 or 412 there
     * settles the object as gone). */
    bool unchecked = s_write_unchecked(env, obj, msg);
    es_s3_object_info dest; /* wopt.if_match may point into it */
    char write_id[ES_WRITE_ID_SIZE];
    s_write_plan plan = {.recorded = obj->source}; /* what the writes record (s_check_destination) */
    es_s3_write_options wopt = {.source = &plan.recorded,
                                .rules = ES_RULES_TEXT,
                                .if_none_match = unchecked,
                                .write_id = es_write_id_new(write_id) ? write_id : NULL};
    es_job_kept kept = {0};
    int writes = 0; /* conditional writes sent (a stopped unchecked one is not) */
    for (int attempt = unchecked ? 0 : 1;; attempt++, unchecked = false) {
        bool resend = false;
        if (!unchecked && !s_check_destination(env, obj, &kept, &dest, &wopt, &plan, &resend, res))
            break;
        if (!resend && !s_read_again(env, obj, writes > 0, &kept, res))
            break;
        bool conflict = es_job_transfer(env, obj, &wopt, unchecked, &kept, res);
        writes += !unchecked || kept.upload; /* an unchecked one that lost left its body */
        if (!conflict)
            break;
        if (s_cancel_requested(env)) {
            es_job_set_outcome(res, ES_JOB_RETRY, ES_ERR_CANCELLED, "%s", "shutting down: not retried");
            break;
        }
        if (attempt == S_WRITE_ATTEMPTS) {
            s_after_last_conflict(env, obj, &kept, &wopt, writes, res);
            break;
        }
    }
    es_job_kept_free(&kept);
}

/* A refusal of a rewrite says what the website still shows: the copy of
 * this source an older exifstrip made (a backfill --rewrite, or a copy made
 * under older rules), or, when a backfill --rewrite was refused before B was
 * looked at (the source's size), whatever B holds under the key. */
static void s_say_what_b_keeps(const es_job_env *env, const es_job_object *obj, es_job_result *res)
{
    if (!(obj->rewrite || res->rewrite) || res->outcome != ES_JOB_REFUSED)
        return;
    size_t n = strlen(res->reason);
    if (res->rewrite)
        snprintf(res->reason + n, sizeof res->reason - n,
                 "; bucket %s keeps the copy an older exifstrip made of this source", env->cfg->dest_bucket);
    else
        snprintf(res->reason + n, sizeof res->reason - n, "; bucket %s keeps any copy of this key it holds",
                 env->cfg->dest_bucket);
}

bool es_job_plan_object(const es_job_env *env, const es_job_object *obj, es_job_result *res)
{
    memset(res, 0, sizeof *res);
    es_s3_object_info dest;
    s_write_plan plan = {.recorded = obj->source};
    es_s3_write_options wopt = {.source = &plan.recorded};
    bool go = s_precheck(env, obj, res) && s_check_destination(env, obj, NULL, &dest, &wopt, &plan, NULL, res);
    s_say_what_b_keeps(env, obj, res);
    return go;
}

void es_job_run_object(const es_job_env *env, const es_job_object *obj, const es_job_message *msg,
                       es_job_result *res)
{
    uint64_t start = es_clock_ms();
    memset(res, 0, sizeof *res);
    /* the HEADs and DELETEs before and after a reading end at the job's age limit too */
    uint64_t limit_s = es_job_age_limit(env->cfg, obj->has_size ? obj->size : 0);
    es_job_http_deadline(start + limit_s * 1000u);
    s_run_object(env, obj, msg, res);
    s_say_what_b_keeps(env, obj, res);
    es_job_abandon_past_deadline(env->cfg, limit_s, res);
    es_job_http_deadline(0);
    es_job_report_refusal(env, msg, obj->bucket, obj->key, obj->source.version_id, res);
    res->duration_ms = es_clock_ms() - start;
    es_job_log_result(env, msg, obj->bucket, obj->key, obj->source.version_id, res);
}

void es_job_run_record(const es_job_env *env, const es_job_message *msg, const es_event_record *rec,
                       es_job_result *res)
{
    es_job_object obj = {.bucket = rec->bucket,
                         .key = rec->key,
                         .size = rec->size,
                         .has_size = rec->has_size,
                         .removed = rec->state == ES_EVENT_RECORD_REMOVED,
                         .delete_marker = rec->delete_marker};
    es_source_id_of(rec, &obj.source);
    es_job_run_object(env, &obj, msg, res);
}
