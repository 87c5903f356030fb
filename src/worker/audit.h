/* audit.h - the privacy audit of the public bucket (`exifstrip audit`): lists
 * a bucket (ListObjectsV2 pages), streams every object through the stripper's
 * own inspection (es_jpeg_audit, bounded memory, the worker's policy) on a
 * pool of threads, and, with a source bucket, checks that each key still has
 * its counterpart there and records the source version it currently holds.
 * Findings and per-key errors go to callbacks, one at a time. */
#ifndef ES_WORKER_AUDIT_H
#define ES_WORKER_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aws/s3/s3.h"
#include "exifstrip/jpeg_audit.h"

typedef enum es_audit_kind {
    ES_AUDIT_METADATA = 0, /* a JPEG that still carries what the policy removes */
    ES_AUDIT_NOT_JPEG,     /* not a JPEG at all (what it looks like in reason) */
    ES_AUDIT_BAD_JPEG,     /* a JPEG the stripper refuses (truncated, corrupt) */
    ES_AUDIT_ORPHAN,       /* no counterpart under the same key in the source bucket */
    ES_AUDIT_OUTDATED,     /* records a source ETag/version other than the source's current one */
    ES_AUDIT_UNRECORDED,   /* records no source at all, so it cannot be matched */
    ES_AUDIT_KIND_COUNT
} es_audit_kind;

/* "metadata", "not-jpeg", "invalid-jpeg", "orphan", "outdated", "unrecorded". */
const char *es_audit_kind_name(es_audit_kind kind);

typedef struct es_audit_finding {
    es_audit_kind kind;
    const char *key;
    uint64_t size;                   /* B's Content-Length (bytes read for refused inputs may be fewer) */
    const char *etag;                /* B's ETag (with quotes) */
    const es_jpeg_audit_item *items; /* METADATA: what it carries */
    size_t item_count;
    const char *reason;              /* NOT_JPEG, BAD_JPEG: the stripper's message; else NULL */
    const es_s3_source_id *recorded; /* OUTDATED, UNRECORDED: what B records */
    const char *source_etag;         /* OUTDATED: the source's current ETag (without quotes) */
    const char *source_version_id;   /* OUTDATED: and version id ("" when unversioned) */
} es_audit_finding;

typedef struct es_audit_summary {
    uint64_t objects;       /* objects listed */
    uint64_t bytes;         /* their listed sizes */
    uint64_t settled;       /* objects done with: audited, failed or vanished */
    uint64_t settled_bytes; /* their listed sizes */
    bool listing_done;      /* the listing ended: objects and bytes are the totals */
    bool total_known;       /* total_*: the listing's, counted ahead or at its end */
    uint64_t total_objects, total_bytes;
    uint64_t clean; /* audited without any finding */
    uint64_t with_findings;
    uint64_t errors;           /* keys that could not be audited */
    uint64_t vanished;         /* listed, but deleted before they were read */
    uint64_t folders;          /* empty keys ending in '/' (the S3 console's folders): not audited */
    uint64_t orientation_tags; /* clean objects holding the worker's orientation-only Exif */
    uint64_t findings[ES_AUDIT_KIND_COUNT];
    uint64_t by_kind[ES_JPEG_KIND_COUNT]; /* METADATA objects carrying each kind */
    uint64_t gps, exif_thumbnail;         /* METADATA objects with GPS / an EXIF thumbnail */
    uint64_t icc_text;                    /* METADATA objects whose ICC profile the scrub changes */
} es_audit_summary;

typedef void (*es_audit_finding_fn)(void *ctx, const es_audit_finding *f);
/* key is NULL for a failure of the listing itself. */
typedef void (*es_audit_error_fn)(void *ctx, const char *key, const char *what);
/* The running summary, after each listed page and each settled object. */
typedef void (*es_audit_progress_fn)(void *ctx, const es_audit_summary *sum);

typedef struct es_audit_options {
    const char *bucket;        /* the audited (public) bucket */
    const char *prefix;        /* "" or NULL = all keys */
    const char *source_bucket; /* NULL = no counterpart check */
    int concurrency;           /* threads, 1..ES_CFG_MAX_CONCURRENCY */
    int page_size;             /* keys per ListObjectsV2 request, 1..1000; 0 = S3's default (1000) */
    bool count_ahead;          /* count the listing ahead for the totals (list_count.h) */
    es_jpeg_policy policy;
    es_audit_finding_fn on_finding;
    es_audit_error_fn on_error;
    es_audit_progress_fn on_progress; /* may be NULL */
    void *ctx;
} es_audit_options;

/* Runs the audit. Callbacks are called one at a time (under a lock), from
 * any thread. Returns ES_OK when the listing completed (per-key failures are
 * counted in sum->errors and reported through on_error), or the listing's
 * error (also reported). */
ES_MUST_USE es_err es_audit_run(es_s3_client *s3, const es_audit_options *opt, es_audit_summary *sum);

/* Whether a JPEG's only removed Exif segment is the one the worker itself
 * writes to keep the Orientation tag (EXIFSTRIP_ORIENTATION=keep, or apply's
 * fallback): exactly ES_ORIENT_TAG_SEGMENT_LEN bytes with a valid Orientation,
 * no GPS and no IFD1 (a segment that small has room for nothing else). */
bool es_audit_is_orientation_tag(const es_jpeg_stats *stats);

/* How a copy (B's object info, with the source it records) compares with the
 * source's current object (etag as S3 returns it, quotes optional;
 * version_id "" or "null" when the source bucket is not versioned): the
 * worker's rule (es_copy_is_of in ordering.h, which delete propagation uses
 * too) says whether B holds that source. ES_AUDIT_UNRECORDED when the copy
 * records no source, ES_AUDIT_OUTDATED when it records another,
 * ES_AUDIT_KIND_COUNT when it is the same source. */
es_audit_kind es_audit_compare_source(const es_s3_object_info *copy, const char *etag, const char *version_id);

#endif
