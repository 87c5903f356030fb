/* markers.h - JPEG marker codes, their names, and the classification of a
 * segment into an es_jpeg_kind (for APPn from the identifier that opens the
 * payload). Pure lookup functions, shared by the stripper and its tests. */
#ifndef ES_JPEG_MARKERS_H
#define ES_JPEG_MARKERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "exifstrip/jpeg.h"

enum {
    ES_JPEG_M_TEM = 0x01,
    ES_JPEG_M_SOF0 = 0xC0,
    ES_JPEG_M_DHT = 0xC4,
    ES_JPEG_M_JPG = 0xC8,
    ES_JPEG_M_DAC = 0xCC,
    ES_JPEG_M_RST0 = 0xD0,
    ES_JPEG_M_RST7 = 0xD7,
    ES_JPEG_M_SOI = 0xD8,
    ES_JPEG_M_EOI = 0xD9,
    ES_JPEG_M_SOS = 0xDA,
    ES_JPEG_M_DQT = 0xDB,
    ES_JPEG_M_DNL = 0xDC,
    ES_JPEG_M_DRI = 0xDD,
    ES_JPEG_M_DHP = 0xDE,
    ES_JPEG_M_EXP = 0xDF,
    ES_JPEG_M_APP0 = 0xE0,
    ES_JPEG_M_APP15 = 0xEF,
    ES_JPEG_M_COM = 0xFE
};

/* How many payload bytes of an APPn segment are looked at to identify it (the
 * longest identifier, "http://ns.adobe.com/xmp/extension/\0", has 35). */
#define ES_JPEG_IDENT_PEEK 40

/* es_jpeg_marker_name() is public: include/exifstrip/jpeg.h. */
/* True for markers without a length field: SOI, EOI, RST0-7, TEM. */
bool es_jpeg_marker_is_standalone(uint8_t code);
static inline bool es_jpeg_marker_is_app(uint8_t code)
{
    return code >= ES_JPEG_M_APP0 && code <= ES_JPEG_M_APP15;
}
static inline bool es_jpeg_marker_is_rst(uint8_t code)
{
    return code >= ES_JPEG_M_RST0 && code <= ES_JPEG_M_RST7;
}
/* True for SOF0-3, 5-7, 9-11, 13-15 (not DHT, JPG, DAC). */
bool es_jpeg_marker_is_sof(uint8_t code);

/* The kind of a segment with this marker whose payload starts with the len
 * bytes at payload (only APPn look at them; len may be shorter than the
 * identifier, which then does not match). */
es_jpeg_kind es_jpeg_classify(uint8_t code, const uint8_t *payload, size_t len);

/* Copies the printable identifier at the start of an APPn payload (up to the
 * first NUL or non-printable byte, at most 31 characters) into out. */
void es_jpeg_ident(const uint8_t *payload, size_t len, char out[32]);

#endif
