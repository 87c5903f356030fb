/* propagate_delete.c - the delete propagation of propagate_delete.h: judge
 * the destination's copy against the removal, then delete it on the
 * condition that it is still the copy that was judged. */
#include "worker/propagate_delete.h"

#include <stdio.h>
#include <string.h>

#include "worker/job_outcome.h"
#include "worker/ordering.h"

/* A conditional delete that lost a race (412/409) is judged again this often
 * before the record is left for redelivery. */
#define S_DELETE_ATTEMPTS 3

/* S3 reports the version of an object put while versioning was off as "null". */
static bool s_same_version(const char *removed, const char *recorded)
{
    if (!strcmp(removed, recorded))
        return true;
    return !strcmp(removed, "null") && !recorded[0];
}

static bool s_records_source(const es_s3_source_id *src)
{
    return src->etag[0] || src->version_id[0] || src->sequencer[0];
}

es_removal_verdict es_removal_decide(const es_job_object *removal, const es_s3_object_info *dest)
{
    const es_s3_source_id *gone = &removal->source;
    if (!dest)
        return ES_REMOVAL_ABSENT;
    if (!s_records_source(&dest->source))
        return ES_REMOVAL_FOREIGN;
    if (es_source_bucket_differs(gone, &dest->source))
        return ES_REMOVAL_OTHER_BUCKET;
    if (gone->version_id[0] && !removal->delete_marker) {
        if (s_same_version(gone->version_id, dest->source.version_id))
            return ES_REMOVAL_DELETE;
        return dest->source.version_id[0] ? ES_REMOVAL_OTHER_VERSION : ES_REMOVAL_UNORDERED;
    }
    int cmp;
    if (!es_sequencer_compare(gone->sequencer, dest->source.sequencer, &cmp))
        return ES_REMOVAL_UNORDERED;
    return cmp > 0 ? ES_REMOVAL_OLDER : ES_REMOVAL_NEWER;
}

/* Settles a removal whose copy is kept (or absent) with the reason. */
static void s_keep(es_job_result *res, es_removal_verdict v, const char *bucket, const es_job_object *removal,
                   const es_s3_object_info *dest)
{
    const es_s3_source_id *src = &dest->source;
    char what[320];
    switch (v) {
    case ES_REMOVAL_DELETE:
    case ES_REMOVAL_OLDER: return;
    case ES_REMOVAL_ABSENT: snprintf(what, sizeof what, "has no copy of this key: nothing to delete"); break;
    case ES_REMOVAL_FOREIGN:
        snprintf(what, sizeof what,
                 "holds a copy without exifstrip's source metadata (written by something else): kept");
        break;
    case ES_REMOVAL_NEWER:
        snprintf(what, sizeof what,
                 "holds a copy of a newer source (sequencer %.40s, the removal's %.40s): kept",
                 src->sequencer, removal->source.sequencer);
        break;
    case ES_REMOVAL_OTHER_VERSION:
        snprintf(what, sizeof what, "holds a copy of version \"%.100s\", not of the deleted version: kept",
                 src->version_id);
        break;
    case ES_REMOVAL_UNORDERED:
        snprintf(what, sizeof what,
                 "holds a copy whose source cannot be ordered against the removal (sequencers "
                 "\"%.40s\" and \"%.40s\") nor compared with the source's current object (it records "
                 "no ETag): kept",
                 src->sequencer, removal->source.sequencer);
        break;
    case ES_REMOVAL_OTHER_BUCKET:
        snprintf(what, sizeof what, "holds a copy made from bucket %.100s, not from this one: kept",
                 src->bucket);
        break;
    case ES_REMOVAL_UPLOADED_AGAIN:
        snprintf(what, sizeof what,
                 "holds a copy of the bytes bucket A holds again under this key (source ETag %.64s, "
                 "uploaded again after the removal %.40s): kept",
                 src->etag, removal->source.sequencer);
        break;
    case ES_REMOVAL_CURRENT:
        snprintf(what, sizeof what,
                 "holds a copy of the source's current object (ETag %.100s; the removal could not be "
                 "ordered against it by sequencers): kept",
                 src->etag);
        break;
    }
    /* copies the operator should look at: someone else's, or unorderable */
    res->warn = v == ES_REMOVAL_FOREIGN || v == ES_REMOVAL_UNORDERED;
    es_job_set_outcome(res, ES_JOB_SKIPPED, ES_OK, "bucket %.200s %s", bucket, what);
}

static void s_head_failed(es_job_result *res, const char *bucket, es_err rc, const es_aws_result *ar)
{
    char why[ES_ERRBUF_SIZE];
    es_aws_result_describe(ar, rc, why, sizeof why);
    es_job_set_outcome(res, ES_JOB_RETRY, rc, "HEAD in bucket %.200s failed: %s", bucket, why);
}

/* A removal judged by A: the copy goes when A no longer holds the object it
 * was made from (the key is absent, or holds another object), and stays while
 * it is a copy of A's current object. An unordered one compares the version
 * too; one the sequencers call older (ES_REMOVAL_OLDER) the bytes only (ETag):
 * A holding the key again with them means an upload after the removal, whose
 * copy this is as much as the one recorded (es_removal_decide). False with res
 * settled as a retry when A cannot be asked (403 without s3:ListBucket on A,
 * which cannot tell a missing key from a refused one, included). */
static bool s_judge_by_source(const es_job_env *env, const es_job_object *removal,
                              const es_s3_object_info *dest, es_removal_verdict *v, es_job_result *res)
{
    bool older = *v == ES_REMOVAL_OLDER;
    if (!dest->source.etag[0]) { /* nothing to compare A's object with */
        *v = older ? ES_REMOVAL_DELETE : ES_REMOVAL_UNORDERED;
        return true;
    }
    es_s3_object_info current;
    es_aws_result ar;
    es_aws_result_clear(&ar);
    es_err rc = es_s3_head_object(env->s3, removal->bucket, removal->key, &current, &ar);
    if (rc == ES_ERR_NOT_FOUND) {
        *v = ES_REMOVAL_DELETE;
        return true;
    }
    if (rc != ES_OK) {
        es_job_copy_request_id(res, &ar);
        s_head_failed(res, removal->bucket, rc, &ar);
        return false;
    }
    if (older)
        *v = es_copy_is_of(dest, current.etag, NULL) ? ES_REMOVAL_UPLOADED_AGAIN : ES_REMOVAL_DELETE;
    else
        *v = es_copy_is_of(dest, current.etag, current.version_id) ? ES_REMOVAL_CURRENT : ES_REMOVAL_DELETE;
    return true;
}

static bool s_cancelled(const es_job_env *env) { return env->cancel && atomic_load(env->cancel) != 0; }

/* One HEAD, judgement and conditional DELETE; true when the DELETE found the
 * copy changed since the HEAD (judge again), else res is settled. A key
 * absent on the message's first look (es_propagate_delete) is not settled: the creation it
 * followed may have HEADed B and GOT A before the source was deleted, its
 * If-None-Match: * write still in flight; the message is left to come back
 * after the visibility timeout (res->recheck), when that write has landed. */
static bool s_attempt(const es_job_env *env, const es_job_object *removal, bool first_look, es_job_result *res)
{
    const char *bucket = env->cfg->dest_bucket;
    es_s3_object_info dest;
    es_aws_result ar;
    es_aws_result_clear(&ar);
    es_err rc = es_s3_head_object(env->s3, bucket, removal->key, &dest, &ar);
    es_job_copy_request_id(res, &ar);
    if (rc != ES_OK && rc != ES_ERR_NOT_FOUND) {
        s_head_failed(res, bucket, rc, &ar);
        return false;
    }
    es_removal_verdict v = es_removal_decide(removal, rc == ES_OK ? &dest : NULL);
    bool by_source = v == ES_REMOVAL_UNORDERED;
    if ((by_source || v == ES_REMOVAL_OLDER) && !s_judge_by_source(env, removal, &dest, &v, res))
        return false;
    if (v == ES_REMOVAL_DELETE && !dest.etag[0]) {
        es_job_set_outcome(res, ES_JOB_RETRY, ES_ERR_PROTOCOL,
                           "HEAD in bucket %.200s returned no ETag: the delete cannot be made conditional",
                           bucket);
        return false;
    }
    if (v == ES_REMOVAL_ABSENT && first_look) {
        res->recheck = true;
        es_job_set_outcome(res, ES_JOB_RETRY, ES_OK,
                           "bucket %.200s has no copy of this key yet: looked at again on redelivery, "
                           "in case its creation is still being written",
                           bucket);
        return false;
    }
    if (v != ES_REMOVAL_DELETE) {
        s_keep(res, v, bucket, removal, &dest);
        return false;
    }
    es_aws_result_clear(&ar);
    rc = es_s3_delete_object_if(env->s3, bucket, removal->key, dest.etag, &ar);
    es_job_copy_request_id(res, &ar);
    if (rc == ES_OK) {
        es_job_set_outcome(res, ES_JOB_DELETED, ES_OK,
                           "bucket %.200s: deleted the copy made from %s (ETag %.100s)", bucket,
                           by_source ? "an object bucket A no longer holds" : "the removed source", dest.etag);
        return false;
    }
    if (rc == ES_ERR_NOT_FOUND) { /* deleted meanwhile by someone else */
        es_job_set_outcome(res, ES_JOB_SKIPPED, ES_OK,
                           "bucket %.200s has no copy of this key any more: nothing to delete", bucket);
        return false;
    }
    bool changed = es_s3_write_condition_lost(rc, &ar); /* 404 was settled above */
    char why[ES_ERRBUF_SIZE];
    es_aws_result_describe(&ar, rc, why, sizeof why);
    es_job_set_outcome(res, ES_JOB_RETRY, rc, "DELETE in bucket %.200s failed: %s", bucket, why);
    return changed;
}

void es_propagate_delete(const es_job_env *env, const es_job_object *removal, bool first_look,
                         es_job_result *res)
{
    int judged = 1;
    while (s_attempt(env, removal, first_look, res)) { /* the copy changed under the DELETE: judge it again */
        bool stopping = s_cancelled(env);
        if (stopping || judged == S_DELETE_ATTEMPTS) {
            es_job_set_outcome(res, ES_JOB_RETRY, stopping ? ES_ERR_CANCELLED : ES_ERR_PRECONDITION,
                               "bucket %.200s: %s after %d conditional delete%s found the copy changed",
                               env->cfg->dest_bucket, stopping ? "shutting down" : "left for redelivery",
                               judged, judged == 1 ? "" : "s");
            return;
        }
        judged++;
    }
}

bool es_propagate_source_visible(const es_job_env *env, const es_job_object *obj, es_job_result *res)
{
    es_s3_object_info current;
    es_aws_result ar;
    es_aws_result_clear(&ar);
    es_err rc = es_s3_head_object(env->s3, obj->bucket, obj->key, &current, &ar);
    if (rc == ES_OK || rc == ES_ERR_AUTH)
        return true;
    es_job_copy_request_id(res, &ar);
    if (rc == ES_ERR_NOT_FOUND) {
        es_job_set_outcome(res, ES_JOB_GONE, rc,
                           "version %.100s was deleted since (the key's current version is a "
                           "delete marker): not published again",
                           obj->source.version_id);
        return false;
    }
    s_head_failed(res, obj->bucket, rc, &ar);
    return false;
}
