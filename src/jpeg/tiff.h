/* tiff.h - what the src/jpeg readers of an Exif APP1 payload share about the
 * TIFF structure inside it: where it starts, the constants of an IFD entry,
 * and its header (byte order, 42, IFD0's offset). Offsets in TIFF are
 * relative to its header. */
#ifndef ES_JPEG_TIFF_H
#define ES_JPEG_TIFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "jpeg/cursor.h"

#define ES_TIFF_START 6       /* the payload's "Exif\0\0" precedes the TIFF header */
#define ES_TIFF_ENTRY_SIZE 12 /* tag u16, type u16, count u32, value or offset u32 */
#define ES_TIFF_TAG_ORIENTATION 0x0112
#define ES_TIFF_TAG_GPS_IFD 0x8825
#define ES_TIFF_TYPE_SHORT 3

/* Whether payload opens with an Exif APP1's identifier: "Exif", a NUL and a
 * pad byte - 0x00 as the standard writes it, or 0xFF as some cameras do
 * (browsers and exiftool read those; libexif wants 0x00, so its callers hand
 * it a copy with the pad byte set to 0). */
static inline bool es_jpeg_is_exif_header(const uint8_t *payload, size_t len)
{
    return payload && len >= ES_TIFF_START && !memcmp(payload, "Exif\0", 5) &&
           (payload[5] == 0x00 || payload[5] == 0xFF);
}

/* Reads the TIFF header at the cursor's position ("II" little-endian or
 * "MM" big-endian, then 42, then IFD0's offset), leaving the cursor after
 * it. ES_ERR_INVALID_ARG when it is not one, ES_ERR_NEED_MORE when cut. */
ES_MUST_USE es_err es_jpeg_tiff_header(es_jpeg_cursor *tiff, bool *le, uint32_t *ifd0);

#endif
