/* jpeg_describe.h - what a segment reported by the stripper says beyond its
 * kind (frame size, ICC chunk n of m, extended-XMP offset, JFIF version and
 * thumbnail size, Adobe transform, what the trailer looks like), decoded from
 * the segment's first bytes with the bounded cursor. Pure functions: the caller
 * reads the bytes (`exifstrip inspect` preads them back) and prints the facts. */
#ifndef EXIFSTRIP_JPEG_DESCRIBE_H
#define EXIFSTRIP_JPEG_DESCRIBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "exifstrip/jpeg.h"

/* How many bytes from the start of a reported segment es_jpeg_segment_payload()
 * looks at (0xFF fill bytes, marker and length field must lie within them). */
#define ES_JPEG_SEGMENT_HEAD 64
/* How many payload bytes es_jpeg_describe() looks at (the longest fixed part it
 * decodes, the extended-XMP header, has 75). */
#define ES_JPEG_DESCRIBE_PEEK 80
/* How many bytes after EOI decide what the trailer looks like. */
#define ES_JPEG_TRAILER_PEEK 12

/* Locates the payload (after the length field) of a marker segment from head,
 * the first head_len bytes of the segment as reported (from seg->offset, fill
 * bytes included). Fails (false) for a segment without a length field, a
 * head that ends before the length field, a marker other than seg->marker, or
 * a length below 2 or past seg->length. *offset is absolute in the input. */
bool es_jpeg_segment_payload(const es_jpeg_segment *seg, const uint8_t *head, size_t head_len,
                             uint64_t *offset, size_t *len);

typedef enum es_jpeg_trailer_look {
    ES_JPEG_TRAILER_DATA = 0, /* anything else after EOI */
    ES_JPEG_TRAILER_ZEROS,    /* zero padding (every byte looked at is 0) */
    ES_JPEG_TRAILER_JPEG,     /* FF D8 FF: another JPEG image (MPF/MPO or appended) */
    ES_JPEG_TRAILER_BMFF      /* "ftyp" box: ISO-BMFF/MP4 video (a motion photo) */
} es_jpeg_trailer_look;

/* What a trailer look means, for people: "JPEG image (MPF/MPO or appended)". */
const char *es_jpeg_trailer_look_text(es_jpeg_trailer_look look);

/* The facts of one segment. `known` says whether the fields of its kind were
 * read; it is false for a kind without facts and for a payload too short to
 * hold them (then every field is 0). */
typedef struct es_jpeg_description {
    es_jpeg_kind kind;
    bool known;
    uint8_t jfif_major, jfif_minor;              /* JFIF: version */
    uint8_t jfif_thumb_width, jfif_thumb_height; /* JFIF: thumbnail size in pixels */
    uint8_t adobe_transform;                     /* ADOBE: 0 none/CMYK, 1 YCbCr, 2 YCCK */
    uint8_t icc_chunk, icc_chunks;               /* ICC: chunk n of m */
    uint16_t frame_width, frame_height;          /* FRAME: samples per line, lines */
    uint8_t frame_components, frame_precision;   /* FRAME: components, bits per sample */
    uint8_t scan_components;                     /* SCAN: components in the scan */
    uint32_t xmp_ext_offset, xmp_ext_total;      /* XMP_EXT: chunk offset, full length */
    es_jpeg_trailer_look trailer;                /* TRAILER */
} es_jpeg_description;

/* Describes a segment of this kind from the first len bytes of its payload
 * (for TRAILER: of the bytes after EOI). Looks at no more than
 * ES_JPEG_DESCRIBE_PEEK (trailer: ES_JPEG_TRAILER_PEEK) of the len bytes. */
void es_jpeg_describe(es_jpeg_kind kind, const uint8_t *payload, size_t len, es_jpeg_description *out);

#endif
