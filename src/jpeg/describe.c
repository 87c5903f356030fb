/* describe.c - the facts `inspect` prints about a segment (jpeg_describe.h),
 * read through the bounded cursor: every field is read all-or-nothing, so a
 * short or truncated payload yields "not known", never a read past its end. */
#include <string.h>

#include "exifstrip/jpeg_describe.h"
#include "jpeg/cursor.h"
#include "jpeg/markers.h"

bool es_jpeg_segment_payload(const es_jpeg_segment *seg, const uint8_t *head, size_t head_len,
                             uint64_t *offset, size_t *len)
{
    es_jpeg_cursor c;
    uint8_t ff, marker, next;
    uint16_t seglen;
    if (seg->kind == ES_JPEG_KIND_TRAILER || es_jpeg_marker_is_standalone(seg->marker))
        return false;
    es_jpeg_cursor_init(&c, head, head_len);
    while (es_jpeg_cursor_peek_u8(&c, 0, &ff) == ES_OK && ff == 0xFF &&
           es_jpeg_cursor_peek_u8(&c, 1, &next) == ES_OK && next == 0xFF &&
           es_jpeg_cursor_skip(&c, 1) == ES_OK) /* a fill byte */
        ;
    size_t fill = c.pos;
    if (es_jpeg_cursor_read_u8(&c, &ff) != ES_OK || ff != 0xFF || es_jpeg_cursor_read_u8(&c, &marker) != ES_OK ||
        marker != seg->marker || es_jpeg_cursor_read_u16(&c, false, &seglen) != ES_OK || seglen < 2)
        return false;
    if (seg->length < fill + 2 || seglen > seg->length - fill - 2)
        return false;
    *offset = seg->offset + c.pos;
    *len = (size_t)seglen - 2;
    return true;
}

/* Reads the fields of kind; ES_ERR_NEED_MORE when the payload is too short. */
static es_err s_read(es_jpeg_cursor *c, es_jpeg_description *d)
{
    switch (d->kind) {
    case ES_JPEG_KIND_JFIF: /* "JFIF\0", version 2, units, densities 2+2, thumbnail 1+1 */
        ES_GUARD(es_jpeg_cursor_need(c, 14));
        ES_GUARD(es_jpeg_cursor_seek(c, 5));
        ES_GUARD(es_jpeg_cursor_read_u8(c, &d->jfif_major));
        ES_GUARD(es_jpeg_cursor_read_u8(c, &d->jfif_minor));
        ES_GUARD(es_jpeg_cursor_seek(c, 12));
        ES_GUARD(es_jpeg_cursor_read_u8(c, &d->jfif_thumb_width));
        return es_jpeg_cursor_read_u8(c, &d->jfif_thumb_height);
    case ES_JPEG_KIND_ADOBE: /* "Adobe", version 2, flags 2+2, transform */
        ES_GUARD(es_jpeg_cursor_seek(c, 11));
        return es_jpeg_cursor_read_u8(c, &d->adobe_transform);
    case ES_JPEG_KIND_ICC: /* "ICC_PROFILE\0", chunk number, chunk count */
        ES_GUARD(es_jpeg_cursor_seek(c, 12));
        ES_GUARD(es_jpeg_cursor_need(c, 2));
        ES_GUARD(es_jpeg_cursor_read_u8(c, &d->icc_chunk));
        return es_jpeg_cursor_read_u8(c, &d->icc_chunks);
    case ES_JPEG_KIND_FRAME: /* precision, lines, samples per line, components */
        ES_GUARD(es_jpeg_cursor_need(c, 6));
        ES_GUARD(es_jpeg_cursor_read_u8(c, &d->frame_precision));
        ES_GUARD(es_jpeg_cursor_read_u16(c, false, &d->frame_height));
        ES_GUARD(es_jpeg_cursor_read_u16(c, false, &d->frame_width));
        return es_jpeg_cursor_read_u8(c, &d->frame_components);
    case ES_JPEG_KIND_SCAN: return es_jpeg_cursor_read_u8(c, &d->scan_components);
    case ES_JPEG_KIND_XMP_EXT: /* identifier (35), GUID (32), full length 4, offset 4 */
        ES_GUARD(es_jpeg_cursor_seek(c, 67));
        ES_GUARD(es_jpeg_cursor_need(c, 8));
        ES_GUARD(es_jpeg_cursor_read_u32(c, false, &d->xmp_ext_total));
        return es_jpeg_cursor_read_u32(c, false, &d->xmp_ext_offset);
    default: return ES_ERR_NEED_MORE; /* no facts beyond the kind */
    }
}

static const char *const s_trailer_text[] = {
    [ES_JPEG_TRAILER_DATA] = "data after EOI",
    [ES_JPEG_TRAILER_ZEROS] = "zero padding",
    [ES_JPEG_TRAILER_JPEG] = "JPEG image (MPF/MPO or appended)",
    [ES_JPEG_TRAILER_BMFF] = "ISO-BMFF/MP4 video (motion photo)",
};

const char *es_jpeg_trailer_look_text(es_jpeg_trailer_look look)
{
    if ((unsigned)look >= sizeof s_trailer_text / sizeof s_trailer_text[0])
        return s_trailer_text[ES_JPEG_TRAILER_DATA];
    return s_trailer_text[look];
}

static es_jpeg_trailer_look s_trailer(const es_jpeg_cursor *c)
{
    const uint8_t *p;
    size_t n = es_jpeg_cursor_remaining(c);
    if (es_jpeg_cursor_peek(c, 0, 3, &p) == ES_OK && p[0] == 0xFF && p[1] == 0xD8 && p[2] == 0xFF)
        return ES_JPEG_TRAILER_JPEG;
    if (es_jpeg_cursor_peek(c, 4, 4, &p) == ES_OK && memcmp(p, "ftyp", 4) == 0)
        return ES_JPEG_TRAILER_BMFF;
    p = es_jpeg_cursor_ptr(c);
    for (size_t i = 0; i < n; i++)
        if (p[i] != 0)
            return ES_JPEG_TRAILER_DATA;
    return ES_JPEG_TRAILER_ZEROS;
}

void es_jpeg_describe(es_jpeg_kind kind, const uint8_t *payload, size_t len, es_jpeg_description *out)
{
    es_jpeg_cursor c;
    memset(out, 0, sizeof *out);
    out->kind = kind;
    if (kind == ES_JPEG_KIND_TRAILER) {
        es_jpeg_cursor_init(&c, payload, len < ES_JPEG_TRAILER_PEEK ? len : ES_JPEG_TRAILER_PEEK);
        out->known = es_jpeg_cursor_remaining(&c) > 0;
        out->trailer = out->known ? s_trailer(&c) : ES_JPEG_TRAILER_DATA;
        return;
    }
    es_jpeg_cursor_init(&c, payload, len < ES_JPEG_DESCRIBE_PEEK ? len : ES_JPEG_DESCRIBE_PEEK);
    if (s_read(&c, out) == ES_OK) {
        out->known = true;
        return;
    }
    memset(out, 0, sizeof *out); /* a partial read leaves no half-filled facts */
    out->kind = kind;
}
