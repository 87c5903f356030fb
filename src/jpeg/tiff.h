/* tiff.h - what the src/jpeg readers of an Exif APP1 payload share about the
 * TIFF structure inside it: where it starts, the constants of an IFD entry,
 * and its header (byte order, 42, IFD0's offset). Offsets in TIFF are
 * relative to its header. */
#ifndef ES_JPEG_TIFF_H
#define ES_JPEG_TIFF_H

#include <stdbool.h>
#include <stdint.h>

#include "jpeg/cursor.h"

#define ES_TIFF_START 6       /* the payload's "Exif\0\0" precedes the TIFF header */
#define ES_TIFF_ENTRY_SIZE 12 /* tag u16, type u16, count u32, value or offset u32 */
#define ES_TIFF_TAG_ORIENTATION 0x0112
#define ES_TIFF_TAG_GPS_IFD 0x8825
#define ES_TIFF_TYPE_SHORT 3

/* Reads the TIFF header at the cursor's position ("II" little-endian or
 * "MM" big-endian, then 42, then IFD0's offset), leaving the cursor after
 * it. ES_ERR_INVALID_ARG when it is not one, ES_ERR_NEED_MORE when cut. */
ES_MUST_USE es_err es_jpeg_tiff_header(es_jpeg_cursor *tiff, bool *le, uint32_t *ifd0);

#endif
