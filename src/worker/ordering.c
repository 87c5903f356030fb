/* ordering.c - the write-ordering decision of ordering.h. Sequencers order
 * events of one key; without them (B written by something else, or an event
 * shape without one) B's recorded ETag and version id tell a re-delivery
 * apart, and any other state is replaced only if it is still what was seen. */
#include "worker/ordering.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

static bool s_all_hex(const char *s)
{
    for (; *s; s++)
        if (!isxdigit((unsigned char)*s))
            return false;
    return true;
}

bool es_sequencer_compare(const char *a, const char *b, int *cmp)
{
    if (!a || !b || !a[0] || !b[0] || !s_all_hex(a) || !s_all_hex(b))
        return false;
    /* AWS: sequencers may differ in length; right-pad the shorter with zeros,
     * then compare lexicographically (hex digits in either case). */
    size_t la = strlen(a), lb = strlen(b), n = la > lb ? la : lb;
    for (size_t i = 0; i < n; i++) {
        int ca = i < la ? toupper((unsigned char)a[i]) : '0';
        int cb = i < lb ? toupper((unsigned char)b[i]) : '0';
        if (ca != cb) {
            *cmp = ca < cb ? -1 : 1;
            return true;
        }
    }
    *cmp = 0;
    return true;
}

bool es_source_bucket_differs(const es_s3_source_id *src, const es_s3_source_id *recorded)
{
    return src->bucket[0] && recorded->bucket[0] && strcmp(src->bucket, recorded->bucket) != 0;
}

/* Whether src and dest's source can be ordered by sequencers (*cmp set). */
static bool s_sequencers_order(const es_s3_source_id *src, const es_s3_object_info *dest, int *cmp)
{
    return !es_source_bucket_differs(src, &dest->source) &&
           es_sequencer_compare(src->sequencer, dest->source.sequencer, cmp);
}

bool es_dest_may_resend(const es_s3_source_id *src, const es_s3_object_info *dest, bool version_deletes_matter)
{
    int cmp;
    return !version_deletes_matter && dest && s_sequencers_order(src, dest, &cmp) && cmp > 0;
}

bool es_dest_written_by(const es_s3_source_id *src, const char *write_id, const es_s3_object_info *dest)
{
    return dest && write_id && write_id[0] && !strcmp(write_id, dest->write_id) &&
           !es_source_bucket_differs(src, &dest->source) && !strcmp(src->etag, dest->source.etag) &&
           !strcmp(src->version_id, dest->source.version_id) &&
           !strcmp(src->sequencer, dest->source.sequencer);
}

bool es_copy_is_of(const es_s3_object_info *copy, const char *etag, const char *version_id)
{
    const char *bare;
    size_t n = es_s3_etag_bare(etag, strlen(etag), &bare);
    const char *recorded = copy->source.version_id;
    bool versioned = version_id && version_id[0] && strcmp(version_id, "null") != 0;
    return n > 0 && strlen(copy->source.etag) == n && !memcmp(copy->source.etag, bare, n) &&
           (!versioned || !recorded[0] || !strcmp(recorded, version_id));
}

void es_source_id_of(const es_event_record *rec, es_s3_source_id *out)
{
    snprintf(out->bucket, sizeof out->bucket, "%s", rec->bucket);
    snprintf(out->etag, sizeof out->etag, "%s", rec->etag);
    snprintf(out->version_id, sizeof out->version_id, "%s", rec->version_id);
    snprintf(out->sequencer, sizeof out->sequencer, "%s", rec->sequencer);
}

es_dest_verdict es_dest_decide(const es_s3_source_id *src, const es_s3_object_info *dest,
                               es_s3_write_options *cond)
{
    cond->if_match = NULL;
    cond->if_none_match = false;
    if (!dest) {
        cond->if_none_match = true;
        return ES_DEST_WRITE;
    }
    int cmp;
    if (es_source_bucket_differs(src, &dest->source)) {
        /* a copy of another source bucket's object under the same key: no
         * order between the two buckets' events, the later write wins */
    } else if (es_sequencer_compare(src->sequencer, dest->source.sequencer, &cmp)) {
        if (cmp < 0)
            return ES_DEST_NEWER;
        if (cmp == 0)
            return ES_DEST_SAME;
    } else if (src->etag[0] && !strcmp(src->etag, dest->source.etag) &&
               (!src->version_id[0] || !strcmp(src->version_id, dest->source.version_id))) {
        return ES_DEST_SAME;
    }
    cond->if_match = dest->etag[0] ? dest->etag : "*";
    return ES_DEST_WRITE;
}
