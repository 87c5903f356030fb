/* transform.c - the lossless transform of a whole photo: the DCT
 * coefficients are rearranged by lossless.c (nothing is re-quantised; partial
 * edge MCUs that would move are trimmed like `jpegtran -trim`), with no
 * markers copied; the original's APPn/COM segments are then put back in their
 * order in place of the library's own JFIF/Adobe, so ICC chunks, the Adobe
 * colour-transform flag and the JFIF density survive exactly. The caller
 * strips the result, which removes whatever the policy does not keep. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/block_cache.h"
#include "exifstrip/orient.h"
#include "orient/lossless.h"

/* One marker segment of a well-delimited header: [start, end), marker byte. */
typedef struct s_seg {
    size_t start, end;
    uint8_t marker;
} s_seg;

/* Whether a marker stands alone (no length follows): TEM and RST0..7. */
static bool s_standalone(uint8_t m) { return m == 0x01 || (m >= 0xD0 && m <= 0xD7); }

/* Reads the segment at *pos (after any 0xFF fill and standalone markers,
 * which the stripper passes over in a header too). false at SOS/EOI or
 * anything malformed: the header ends there. */
static bool s_next_header_segment(const uint8_t *j, size_t len, size_t *pos, s_seg *seg)
{
    size_t p = *pos;
    for (;;) {
        while (p + 1 < len && j[p] == 0xFF && j[p + 1] == 0xFF)
            p++;
        if (p + 2 > len || j[p] != 0xFF || !s_standalone(j[p + 1]))
            break;
        p += 2;
    }
    if (p + 4 > len || j[p] != 0xFF)
        return false;
    uint8_t m = j[p + 1];
    if (m == 0xDA || m == 0xD9 || m == 0xD8 || m == 0x00)
        return false;
    size_t seglen = (size_t)j[p + 2] << 8 | j[p + 3];
    if (seglen < 2 || seglen > len - p - 2)
        return false;
    seg->start = p;
    seg->end = p + 2 + seglen;
    seg->marker = m;
    *pos = seg->end;
    return true;
}

static bool s_is_metadata(uint8_t marker) { return (marker >= 0xE0 && marker <= 0xEF) || marker == 0xFE; }

/* Appends the original's APPn/COM segments before its first scan to dst, which
 * holds room bytes (when dst is NULL only counts), and returns their bytes.
 * JFIF densities are swapped when the op transposes so the pixel aspect ratio
 * stays right. The input may be a mapped file that another process rewrites
 * meanwhile (the CLI lends its mapping): segments that no longer fit the room
 * counted before are not copied, and SIZE_MAX is returned. */
static size_t s_copy_metadata(const uint8_t *j, size_t len, bool transposes, uint8_t *dst, size_t room)
{
    size_t pos = 2, n = 0;
    s_seg seg;
    while (s_next_header_segment(j, len, &pos, &seg)) {
        if (!s_is_metadata(seg.marker))
            continue;
        size_t seglen = seg.end - seg.start;
        if (dst && seglen > room - n)
            return SIZE_MAX;
        if (dst) {
            uint8_t *d = dst + n;
            memcpy(d, j + seg.start, seglen);
            if (transposes && seg.marker == 0xE0 && seglen >= 16 && !memcmp(d + 4, "JFIF", 5)) {
                uint8_t x0 = d[12], x1 = d[13];
                d[12] = d[14], d[13] = d[15], d[14] = x0, d[15] = x1;
            }
        }
        n += seglen;
    }
    return n;
}

/* Offset in the library's output of the first segment that is not APPn/COM. */
static size_t s_skip_metadata(const uint8_t *j, size_t len)
{
    size_t pos = 2, last = 2;
    s_seg seg;
    while (s_next_header_segment(j, len, &pos, &seg) && s_is_metadata(seg.marker))
        last = pos;
    return last;
}

/* Whether the stripper accepts j as a whole JPEG (frame, scan, EOI). */
static bool s_complete_jpeg(const uint8_t *j, size_t len)
{
    es_jpeg_stripper *check = es_jpeg_stripper_new(NULL, NULL, NULL);
    bool ok = check && es_jpeg_stripper_feed(check, j, len) == ES_OK && es_jpeg_stripper_finish(check) == ES_OK;
    es_jpeg_stripper_free(check);
    return ok;
}

void es_orient_transform_abandon(es_orient_transform_work *work)
{
    es_orient_lossless_abandon(&work->job);
    es_block_free(work->out);
    work->out = NULL;
}

es_err es_orient_transform(es_orient_transform_work *work, const uint8_t *jpeg, size_t len,
                           const es_orient_frame *frame, const es_orient_plan *plan, uint8_t **out,
                           size_t *out_len, es_error *err)
{
    *out = NULL;
    *out_len = 0;
    if (!work || !jpeg || len < 4 || len > 0xFFFFFFFFu || !frame || !plan || (unsigned)plan->op > 7)
        return es_error_set(err, ES_ERR_INVALID_ARG, "transform: invalid argument");
    uint8_t sof = frame->sof_marker;
    bool progressive = sof == 0xC2 || sof == 0xC6 || sof == 0xCA || sof == 0xCE;
    size_t dst_len = 0;
    /* A failure (also any warning: damaged entropy data, a premature end)
     * makes the caller keep the original's bytes and the tag, which a viewer
     * shows exactly as before, instead of libjpeg's partial re-coding. The
     * output stays in work until it is handed over: copying the metadata
     * reads jpeg again. */
    es_err rc = es_orient_lossless(jpeg, len, plan->op, progressive, &work->out, &dst_len, &work->job, err);
    if (rc != ES_OK)
        return rc;
    uint8_t *dst = work->out;
    if (dst_len < 4 || dst[0] != 0xFF || dst[1] != 0xD8) {
        es_orient_transform_abandon(work);
        return es_error_set(err, ES_ERR_INTERNAL, "transform: libjpeg-turbo produced no JPEG");
    }
    bool transposes = es_orient_op_transposes(plan->op);
    size_t meta = s_copy_metadata(jpeg, len, transposes, NULL, 0);
    size_t body = s_skip_metadata(dst, dst_len);
    size_t total = 2 + meta + (dst_len - body);
    /* The original's metadata takes the place of the library's, in place. */
    if (total > dst_len) {
        uint8_t *grown = es_block_realloc(dst, total);
        if (!grown) {
            es_orient_transform_abandon(work);
            return es_error_set(err, ES_ERR_NOMEM, "out of memory (transform output of %zu bytes)", total);
        }
        dst = work->out = grown;
    }
    memmove(dst + 2 + meta, dst + body, dst_len - body);
    if (s_copy_metadata(jpeg, len, transposes, dst + 2, meta) != meta) { /* read again: not what was counted */
        es_orient_transform_abandon(work);
        return es_error_set(err, ES_ERR_IO, "the input changed while it was being turned");
    }
    if (!s_complete_jpeg(dst, total)) {
        es_orient_transform_abandon(work);
        return es_error_set(err, ES_ERR_INTERNAL, "libjpeg-turbo produced an incomplete JPEG");
    }
    *out = dst;
    *out_len = total;
    work->out = NULL; /* handed over */
    return ES_OK;
}
