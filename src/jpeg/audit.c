/* audit.c - es_jpeg_audit (jpeg_audit.h): a parse-only stripper whose segment
 * observer notes where EOI ends, plus the first ES_JPEG_TRAILER_PEEK bytes
 * after it, copied from the chunks as they pass. The stripper consumes the
 * EOI code byte in the feed that brings it, so the trailer never starts
 * before the chunk in which EOI is reported. */
#include <stdlib.h>
#include <string.h>

#include "exifstrip/jpeg_audit.h"

struct es_jpeg_audit {
    es_jpeg_stripper *stripper;
    uint64_t fed;         /* bytes fed before the current chunk */
    const uint8_t *chunk; /* the current chunk, while feeding */
    size_t chunk_len;
    bool eoi_seen;
    uint64_t trailer_start;
    uint8_t head[ES_JPEG_TRAILER_PEEK]; /* the trailer's first bytes */
    size_t head_len;
};

static void s_on_segment(void *ctx, const es_jpeg_segment *seg)
{
    es_jpeg_audit *a = ctx;
    if (seg->kind == ES_JPEG_KIND_EOI && !a->eoi_seen) {
        a->eoi_seen = true;
        a->trailer_start = seg->offset + seg->length;
    }
}

/* The byte at absolute offset pos, when it is in the current chunk. */
static bool s_byte_at(const es_jpeg_audit *a, uint64_t pos, uint8_t *out)
{
    if (pos < a->fed || pos - a->fed >= a->chunk_len)
        return false;
    *out = a->chunk[pos - a->fed];
    return true;
}

/* Copies the trailer bytes not captured yet from the current chunk. */
static void s_capture_trailer(es_jpeg_audit *a)
{
    while (a->eoi_seen && a->head_len < sizeof a->head &&
           s_byte_at(a, a->trailer_start + a->head_len, &a->head[a->head_len]))
        a->head_len++;
}

static void s_chunk_done(es_jpeg_audit *a)
{
    a->fed += a->chunk_len;
    a->chunk = NULL;
    a->chunk_len = 0;
}

es_jpeg_audit *es_jpeg_audit_new(const es_jpeg_policy *policy)
{
    es_jpeg_audit *a = calloc(1, sizeof *a);
    if (!a)
        return NULL;
    a->stripper = es_jpeg_stripper_new(policy, NULL, NULL);
    if (!a->stripper) {
        free(a);
        return NULL;
    }
    es_jpeg_stripper_on_segment(a->stripper, s_on_segment, a);
    return a;
}

es_err es_jpeg_audit_feed(es_jpeg_audit *a, const uint8_t *data, size_t len)
{
    ES_ENSURE_REF(a);
    ES_ENSURE(data || len == 0, ES_ERR_INVALID_ARG);
    if (len == 0)
        return es_jpeg_stripper_status(a->stripper);
    a->chunk = data;
    a->chunk_len = len;
    es_err rc = es_jpeg_stripper_feed(a->stripper, data, len);
    s_capture_trailer(a);
    s_chunk_done(a);
    return rc;
}

es_err es_jpeg_audit_finish(es_jpeg_audit *a, es_jpeg_audit_result *out)
{
    ES_ENSURE_REF(a);
    ES_ENSURE_REF(out);
    memset(out, 0, sizeof *out);
    out->status = es_jpeg_stripper_finish(a->stripper);
    if (out->status != ES_OK) {
        const char *why = es_jpeg_stripper_error(a->stripper);
        size_t n = strnlen(why, sizeof out->reason - 1);
        memcpy(out->reason, why, n);
        out->reason[n] = '\0';
    }
    out->stats = *es_jpeg_stripper_stats(a->stripper);
    out->has_trailer = out->status == ES_OK && out->stats.removed_count[ES_JPEG_KIND_TRAILER] > 0;
    if (out->has_trailer) {
        es_jpeg_description d;
        es_jpeg_describe(ES_JPEG_KIND_TRAILER, a->head, a->head_len, &d);
        out->trailer = d.trailer;
    }
    return out->status;
}

void es_jpeg_audit_free(es_jpeg_audit *a)
{
    if (!a)
        return;
    es_jpeg_stripper_free(a->stripper);
    free(a);
}

size_t es_jpeg_audit_items(const es_jpeg_audit_result *r, es_jpeg_audit_item *out)
{
    size_t n = 0;
    if (!r || r->status != ES_OK)
        return 0;
    /* The Exif facts only matter when the Exif segment itself is removed. */
    bool exif_removed = r->stats.removed_count[ES_JPEG_KIND_EXIF] > 0;
    if (exif_removed && r->stats.exif_has_gps)
        out[n++] = (es_jpeg_audit_item){ES_JPEG_ITEM_GPS, "GPS position (EXIF GPS IFD)", 0, 0};
    if (exif_removed && r->stats.exif_has_thumbnail)
        out[n++] = (es_jpeg_audit_item){ES_JPEG_ITEM_EXIF_THUMBNAIL, "EXIF thumbnail (IFD1)", 0, 0};
    for (int k = 0; k < ES_JPEG_KIND_COUNT; k++) {
        if (r->stats.removed_bytes[k] == 0)
            continue;
        const char *text = k == ES_JPEG_KIND_TRAILER ? es_jpeg_trailer_look_text(r->trailer)
                                                     : es_jpeg_kind_text((es_jpeg_kind)k);
        out[n++] = (es_jpeg_audit_item){es_jpeg_kind_name((es_jpeg_kind)k), text, r->stats.removed_count[k],
                                        r->stats.removed_bytes[k]};
    }
    if (r->stats.scrubbed_bytes > 0)
        out[n++] = (es_jpeg_audit_item){ES_JPEG_ITEM_ICC_TEXT,
                                        "identifying text or device data in the ICC profile", 0,
                                        r->stats.scrubbed_bytes};
    return n;
}
