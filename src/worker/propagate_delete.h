/* propagate_delete.h - delete propagation (EXIFSTRIP_PROPAGATE_DELETES): an
 * object removal in a source bucket deletes the same key in the destination,
 * but only the copy that records (x-amz-meta-exifstrip-source-*, ordering.h)
 * it was made from the removed source, so a removal never takes away a copy
 * of a newer upload or an object someone else wrote. The destination's copy
 * is HEADed, judged here, and deleted on the condition that it still has the
 * ETag the HEAD saw (S3's conditional DeleteObject), so a copy written between
 * the HEAD and the DELETE survives; a lost race is judged again. A removal
 * that cannot be judged from the copy's record alone (no sequencer on one
 * side: backfill's copies record none; a version deleted from a copy that
 * recorded none) is judged by A: the copy stays only while it is a copy of
 * A's current object. A late
 * creation of a version hidden by a delete marker is not published again
 * (es_propagate_source_visible). */
#ifndef ES_WORKER_PROPAGATE_DELETE_H
#define ES_WORKER_PROPAGATE_DELETE_H

#include "aws/s3/s3.h"
#include "worker/job.h"

typedef enum es_removal_verdict {
    ES_REMOVAL_DELETE = 0,    /* the copy was made from the removed source: delete it */
    ES_REMOVAL_ABSENT,        /* the destination has no such key: nothing to do (once redelivered) */
    ES_REMOVAL_FOREIGN,       /* the copy records no source (written by something else): kept */
    ES_REMOVAL_NEWER,         /* the copy's source is not older than the removal: kept */
    ES_REMOVAL_OTHER_VERSION, /* another version than the copy's source was deleted: kept */
    ES_REMOVAL_UNORDERED,     /* the removal and the copy's source cannot be ordered: A decides
                                 (es_propagate_delete HEADs it); kept if the copy records no ETag */
    ES_REMOVAL_CURRENT,       /* (A decided) the copy is of A's current object: kept */
    ES_REMOVAL_OTHER_BUCKET,  /* the copy was made from another source bucket's object: kept */
    ES_REMOVAL_OLDER,         /* the copy records an older sequencer than the removal: deleted
                                 unless A holds the key again with the bytes it was made from
                                 (es_propagate_delete HEADs A) */
    ES_REMOVAL_UPLOADED_AGAIN /* (A decided) A holds the key again with the same bytes: kept */
} es_removal_verdict;

/* Judges the removal (an object with `removed` set: its source holds the
 * removal's bucket, version id and sequencer) against dest, the destination's
 * object (NULL when the key does not exist):
 * - a copy made from another source bucket's object under the same key is
 *   not this removal's (ES_REMOVAL_OTHER_BUCKET, es_source_bucket_differs);
 * - a permanently deleted version (a version id, no delete marker) removes
 *   the copy of exactly that version (version ids equal; S3's "null" version
 *   equals a copy that recorded none); a copy that recorded none cannot tell
 *   another version from its own (ES_REMOVAL_UNORDERED);
 * - otherwise (an unversioned bucket, or a delete marker) the sequencers
 *   decide: the removal's sequencer newer than the one the copy recorded
 *   (es_sequencer_compare) is ES_REMOVAL_OLDER, one that is not keeps the
 *   copy, and ES_REMOVAL_UNORDERED when either is missing. A copy's record
 *   of an older sequencer does not prove its bytes are gone from A: writes to
 *   B are conditional on B's ETag, the MD5 of the stripped bytes, so a late
 *   write of an earlier upload of the same bytes passes the condition of the
 *   copy a re-upload after the removal made, and records the earlier
 *   sequencer. es_propagate_delete asks A before it deletes. */
es_removal_verdict es_removal_decide(const es_job_object *removal, const es_s3_object_info *dest);

/* Carries out the removal in env->cfg->dest_bucket and fills res's
 * outcome, code, reason and request id: ES_JOB_DELETED, ES_JOB_SKIPPED (kept,
 * or absent on a later receive; res->warn for a copy the operator should
 * look at) or ES_JOB_RETRY (a request failed, the copy kept changing under
 * the conditional delete, or - first_look: the message was first received
 * less than a visibility timeout ago (job.c) - B has no such key yet:
 * res->recheck, so that a creation whose write was in flight is deleted on
 * redelivery). The caller has checked the bucket and suffix. */
void es_propagate_delete(const es_job_env *env, const es_job_object *removal, bool first_look,
                         es_job_result *res);

/* With deletes propagated, the creation of a version that a delete marker
 * has hidden since (its event arrived late) must not publish it again:
 * HEADs the source key's current version. False, with res settled as gone,
 * when there is none (404: a delete marker); true when there is one, and
 * when it cannot tell (403: no s3:ListBucket on the source bucket). Another
 * failure settles res as retry and returns false. For objects with a
 * version id. */
bool es_propagate_source_visible(const es_job_env *env, const es_job_object *obj, es_job_result *res);

#endif
