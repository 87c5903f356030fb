/* exif_orient_plain.c - the strict IFD0 reader of exif_orient_plain.h. It
 * mirrors what libexif's loader does with IFD0 (exif_data_load_data with
 * FOLLOW_SPECIFICATION unset, unknown tags ignored) only as far as needed to
 * be sure of the result:
 * - the TIFF data libexif sees is the payload after "Exif\0\0", capped at
 *   0xFFFE - 6 bytes; "II"/"MM", 42, and IFD0's count inside it;
 * - every IFD0 entry lies inside it (so libexif loads all of them, in order);
 * - a sub-IFD or thumbnail pointer (0x8769, 0x8825, 0xA005, 0x0201, 0x0202)
 *   whose offset is outside the data makes libexif stop reading IFD0: unsure;
 * - one Orientation entry, SHORT, count 1, value 1..8, is the entry libexif
 *   keeps and reads (its value is inline, so always inside the data);
 * - with no Orientation, exif_tag.c answers 0 unless IFD0 ended up empty and
 *   libexif logged corruption anywhere; an entry of a tag known in IFD0 with
 *   a valid type and its data inside the buffer is always kept, so one such
 *   entry makes 0 certain. */
#include "jpeg/exif_orient_plain.h"

#include <stdbool.h>
#include <string.h>

#include "jpeg/cursor.h"
#include "jpeg/tiff.h"

#define S_LIBEXIF_MAX_DS 0xFFFEu /* libexif caps the payload length it reads */

/* Tags whose value libexif's IFD0 loader reads as an offset to another IFD
 * or the thumbnail, never as an entry. */
static bool s_is_pointer_tag(uint16_t tag)
{
    return tag == 0x8769 || tag == 0x8825 || tag == 0xA005 || tag == 0x0201 || tag == 0x0202;
}

/* Common IFD0 tags libexif's table records for IFD0 (so they are not
 * "unknown" and dropped); the unit test checks each against libexif. */
static bool s_is_known_ifd0_tag(uint16_t tag)
{
    switch (tag) {
    case 0x010E: /* ImageDescription */
    case 0x010F: /* Make */
    case 0x0110: /* Model */
    case 0x011A: /* XResolution */
    case 0x011B: /* YResolution */
    case 0x0128: /* ResolutionUnit */
    case 0x0131: /* Software */
    case 0x0132: /* DateTime */
    case 0x013B: /* Artist */
    case 0x0213: /* YCbCrPositioning */
    case 0x8298: /* Copyright */ return true;
    default: return false;
    }
}

/* Bytes per component of a TIFF type (1..12), 0 for an unknown type. */
static uint32_t s_type_size(uint16_t type)
{
    static const uint8_t sizes[13] = {0, 1, 1, 2, 4, 8, 1, 1, 2, 4, 8, 4, 8};
    return type < 13 ? sizes[type] : 0;
}

/* True when libexif certainly keeps this IFD0 entry (tiff_len bytes of TIFF data). */
static bool s_entry_kept(uint32_t tiff_len, const uint8_t *entry, bool le)
{
    uint16_t tag = es_jpeg_load_u16(entry, le);
    uint64_t size = (uint64_t)s_type_size(es_jpeg_load_u16(entry + 2, le)) * es_jpeg_load_u32(entry + 4, le);
    if (!s_is_known_ifd0_tag(tag) || size == 0 || size > tiff_len)
        return false;
    if (size <= 4)
        return true;
    uint32_t off = es_jpeg_load_u32(entry + 8, le);
    return off < tiff_len && size <= tiff_len - off;
}

int es_jpeg_exif_orient_plain(const uint8_t *payload, size_t len)
{
    if (len > 0xFFFF || len < ES_TIFF_START + 8 || !es_jpeg_is_exif_header(payload, len))
        return ES_JPEG_ORIENT_UNSURE;
    size_t ds = len > S_LIBEXIF_MAX_DS ? S_LIBEXIF_MAX_DS : len;
    const uint8_t *tiff = payload + ES_TIFF_START;
    uint32_t tiff_len = (uint32_t)(ds - ES_TIFF_START);
    es_jpeg_cursor header;
    es_jpeg_cursor_init(&header, tiff, tiff_len);
    bool le;
    uint32_t ifd0;
    if (es_jpeg_tiff_header(&header, &le, &ifd0) != ES_OK)
        return ES_JPEG_ORIENT_UNSURE;
    if (ifd0 > tiff_len || tiff_len - ifd0 < 2)
        return ES_JPEG_ORIENT_UNSURE;
    uint32_t count = es_jpeg_load_u16(tiff + ifd0, le);
    if ((uint64_t)ifd0 + 2 + (uint64_t)count * ES_TIFF_ENTRY_SIZE > tiff_len)
        return ES_JPEG_ORIENT_UNSURE;
    int orientation = 0;
    bool kept_entry = false;
    for (uint32_t i = 0; i < count; i++) {
        const uint8_t *entry = tiff + ifd0 + 2 + i * ES_TIFF_ENTRY_SIZE;
        uint16_t tag = es_jpeg_load_u16(entry, le);
        if (s_is_pointer_tag(tag) && es_jpeg_load_u32(entry + 8, le) >= tiff_len)
            return ES_JPEG_ORIENT_UNSURE;
        if (tag != ES_TIFF_TAG_ORIENTATION) {
            kept_entry = kept_entry || s_entry_kept(tiff_len, entry, le);
            continue;
        }
        uint16_t value = es_jpeg_load_u16(entry + 8, le);
        if (orientation != 0 || es_jpeg_load_u16(entry + 2, le) != ES_TIFF_TYPE_SHORT ||
            es_jpeg_load_u32(entry + 4, le) != 1 || value < 1 || value > 8)
            return ES_JPEG_ORIENT_UNSURE;
        orientation = value;
    }
    if (orientation == 0 && !kept_entry)
        return ES_JPEG_ORIENT_UNSURE;
    return orientation;
}
