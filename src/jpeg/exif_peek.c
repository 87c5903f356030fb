/* exif_peek.c - reads IFD0 of a TIFF structure inside an Exif APP1 payload
 * with the bounded cursor: GPSInfo pointer (0x8825), Orientation (0x0112) and
 * the link to IFD1 (the thumbnail's directory) that follows the entries.
 * Offsets are relative to the TIFF header, which starts 6 bytes into the
 * payload ("Exif\0\0"); nothing outside the payload is ever read. */
#include "jpeg/exif_peek.h"

#include "jpeg/cursor.h"
#include "jpeg/tiff.h"

/* Reads the entry count of the IFD at offset off; ES_ERR_NEED_MORE if out of range. */
static es_err s_ifd_count(es_jpeg_cursor *tiff, bool le, uint32_t off, uint16_t *count)
{
    ES_GUARD(es_jpeg_cursor_seek(tiff, off));
    return es_jpeg_cursor_read_u16(tiff, le, count);
}

/* A GPS pointer or IFD1 link counts when its IFD has entries, or cannot be
 * read (assume the worst). */
static bool s_ifd_present(es_jpeg_cursor tiff, bool le, uint32_t off)
{
    uint16_t count;
    if (s_ifd_count(&tiff, le, off, &count) != ES_OK)
        return true;
    return count > 0;
}

static es_err s_read_ifd0(es_jpeg_cursor *tiff, es_jpeg_exif_facts *out)
{
    uint16_t count;
    uint32_t ifd0;
    bool le;
    ES_GUARD(es_jpeg_tiff_header(tiff, &le, &ifd0));
    ES_GUARD(s_ifd_count(tiff, le, ifd0, &count));
    for (uint16_t i = 0; i < count; i++) {
        uint16_t tag, type;
        uint32_t n, value;
        size_t entry = tiff->pos;
        ES_GUARD(es_jpeg_cursor_read_u16(tiff, le, &tag));
        ES_GUARD(es_jpeg_cursor_read_u16(tiff, le, &type));
        ES_GUARD(es_jpeg_cursor_read_u32(tiff, le, &n));
        if (tag == ES_TIFF_TAG_ORIENTATION && type == ES_TIFF_TYPE_SHORT && n >= 1) {
            uint16_t v;
            ES_GUARD(es_jpeg_cursor_read_u16(tiff, le, &v));
            out->orientation = v >= 1 && v <= 8 ? v : 0;
        } else if (tag == ES_TIFF_TAG_GPS_IFD) {
            ES_GUARD(es_jpeg_cursor_read_u32(tiff, le, &value));
            out->has_gps = s_ifd_present(*tiff, le, value);
        }
        ES_GUARD(es_jpeg_cursor_seek(tiff, entry + ES_TIFF_ENTRY_SIZE));
    }
    uint32_t ifd1;
    ES_GUARD(es_jpeg_cursor_read_u32(tiff, le, &ifd1));
    out->has_thumbnail = ifd1 != 0 && s_ifd_present(*tiff, le, ifd1);
    return ES_OK;
}

void es_jpeg_exif_peek(const uint8_t *payload, size_t len, es_jpeg_exif_facts *out)
{
    es_jpeg_cursor tiff;
    out->has_gps = false;
    out->orientation = 0;
    out->has_thumbnail = false;
    if (!payload || len <= ES_TIFF_START)
        return;
    es_jpeg_cursor_init(&tiff, payload + ES_TIFF_START, len - ES_TIFF_START);
    (void)s_read_ifd0(&tiff, out); /* a cut or malformed IFD keeps what was found so far */
}
