/* exif_orient_plain.h - the Orientation tag of a plain, well-formed Exif APP1
 * payload, read without libexif: a strict IFD0 reader that answers only when
 * libexif (as src/orient/exif_tag.c configures it) would certainly give the
 * same answer, and says "unsure" for everything else. */
#ifndef ES_JPEG_EXIF_ORIENT_PLAIN_H
#define ES_JPEG_EXIF_ORIENT_PLAIN_H

#include <stddef.h>
#include <stdint.h>

/* The answer when the payload is not plain enough to be certain. */
#define ES_JPEG_ORIENT_UNSURE (-1)

/* payload is an APP1 payload starting with "Exif\0\0" (len bytes). Returns
 * the Orientation 1..8 when IFD0 holds exactly one Orientation entry of type
 * SHORT, count 1, value 1..8; 0 when IFD0 holds no Orientation entry but at
 * least one entry libexif keeps (a well-formed common IFD0 tag such as Make);
 * ES_JPEG_ORIENT_UNSURE otherwise (bad header, anything out of bounds, a
 * duplicated or odd Orientation, ...). Reads nothing outside the payload. */
int es_jpeg_exif_orient_plain(const uint8_t *payload, size_t len);

#endif
