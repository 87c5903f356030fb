/* ordering.h - keeps bucket B from going back in time. Each output records
 * its source's identity (es_s3_source_id); the worker HEADs B's object (before
 * the write, or after a first unchecked If-None-Match: * write found the key
 * taken: job.c) and decides here whether to write, and on what condition, so
 * an older source never replaces a newer one and a redelivered event for the
 * source B already holds costs one HEAD. */
#ifndef ES_WORKER_ORDERING_H
#define ES_WORKER_ORDERING_H

#include <stdbool.h>

#include "aws/s3/s3.h"
#include "worker/event.h"

/* Compares two S3 event sequencers of the same key the way AWS documents it:
 * the shorter is right-padded with zeros, then the hex strings are compared
 * (case-insensitively). Returns <0, 0 or >0 in *cmp; false when either is
 * empty or not hexadecimal (the events cannot be ordered). */
bool es_sequencer_compare(const char *a, const char *b, int *cmp);

typedef enum es_dest_verdict {
    ES_DEST_WRITE = 0, /* write, on the condition filled in */
    ES_DEST_SAME,      /* B already holds this source version: nothing to do */
    ES_DEST_NEWER      /* B holds a newer source version: nothing to do */
} es_dest_verdict;

/* Whether src and recorded (a copy's recorded source) name different source
 * buckets: their sequencers, ETags and version ids are then not comparable
 * (a sequencer orders events of one key in one bucket). A copy that recorded
 * no bucket (written before it was recorded) is taken as the same bucket's. */
bool es_source_bucket_differs(const es_s3_source_id *src, const es_s3_source_id *recorded);

/* src is the source object's identity, dest B's object (NULL when the key
 * does not exist). B's copy of another source bucket's object is replaced
 * (es_source_bucket_differs: the later write wins). Without sequencers on both sides, B holds the same source
 * when the recorded ETags are equal and so are the version ids, or src's
 * version id is unknown (a ListObjectsV2 listing has none: equal ETags mean
 * the same bytes). On ES_DEST_WRITE, cond's if_match / if_none_match are set
 * so the write only lands on the state that was judged (its source field is
 * left alone). */
es_dest_verdict es_dest_decide(const es_s3_source_id *src, const es_s3_object_info *dest,
                               es_s3_write_options *cond);

/* Whether a body made from src earlier (kept after a write that lost its
 * race) may replace dest, B's object, as it is, without reading A again:
 * only when src is newer than dest by their sequencers (dest exists, both
 * record one, src's is greater: B cannot go back in time) and deletes are
 * not judged by version id (version_deletes_matter: deletes propagated on a
 * versioned source, where a permanently deleted version is gone whatever the
 * sequencers say, which only A's pinned GET shows). Any other verdict to
 * write rests on A still holding src, which a GET pinned to it checks. */
bool es_dest_may_resend(const es_s3_source_id *src, const es_s3_object_info *dest, bool version_deletes_matter);

/* Whether dest, B's object, is the one a write of src stamped with write_id
 * made: it records that write id and exactly src's identity (the same ETag,
 * version id and sequencer). A write whose answer was lost (its retry then
 * finding the key taken) is thus told apart from another write of the same
 * source (a duplicate event's), which es_dest_decide judges the same. */
bool es_dest_written_by(const es_s3_source_id *src, const char *write_id, const es_s3_object_info *dest);

/* Whether copy, B's object, records being made from the source object a HEAD
 * of A described (etag as S3 returns it, quotes optional; version_id "" or
 * "null" when A is not versioned): the ETags are equal, and so are the
 * version ids when both sides have one. A copy that recorded no version (made
 * by backfill, whose listing has none, or before A was versioned) is judged
 * by its ETag alone, as es_dest_decide judges a source without one. */
bool es_copy_is_of(const es_s3_object_info *copy, const char *etag, const char *version_id);

/* The identity of rec's source, as recorded in B's metadata. */
void es_source_id_of(const es_event_record *rec, es_s3_source_id *out);

#endif
