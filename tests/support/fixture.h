/* fixture.h - JPEG test fixtures generated at test time: a small image encoded
 * with libjpeg(-turbo), then metadata segments (EXIF with GPS built with
 * libexif, XMP, extended XMP, IPTC, multi-chunk ICC, COM, JFXX, Ducky, Adobe,
 * MPF + appended second JPEG, MP4-like trailer) inserted at the marker level,
 * and a decoder to compare pixels. No file from outside the project is used. */
#ifndef ES_TEST_FIXTURE_H
#define ES_TEST_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ES_FIXTURE_SAMPLING_IRREGULAR 1

typedef struct es_fixture_opts {
    int width, height;    /* default 64x48 when 0 */
    int components;       /* 1 (gray), 3 (YCbCr, default), 4 (CMYK, with Adobe APP14) */
    int quality;          /* default 85 */
    bool progressive;     /* multi-scan progressive (tables between scans) */
    bool arithmetic;      /* arithmetic coding (SOF9/SOF10) */
    int restart_interval; /* MCUs per restart interval, 0 = none */
    unsigned seed;        /* picture content */
    /* Metadata to insert after SOI/JFIF (privacy-relevant unless noted). */
    bool exif;           /* APP1 Exif with Make/Model/DateTime/Orientation */
    bool exif_gps;       /* ... plus a GPS IFD (implies exif) */
    bool exif_thumbnail; /* ... plus a JPEG thumbnail in IFD1 (implies exif) */
    int orientation;     /* EXIF Orientation value (1..8), 0 = none */
    bool xmp, xmp_extended, iptc, comment, jfxx, ducky, apple_app2_fpxr;
    int icc_chunks;        /* APP2 ICC_PROFILE split into this many chunks (kept) */
    bool no_jfif;          /* omit the APP0 JFIF segment */
    bool mpf_second_image; /* APP2 MPF + a second JPEG appended after EOI */
    bool mp4_trailer;      /* an MP4-like ('ftyp' box) motion-photo trailer after EOI */
    bool fill_bytes;       /* 0xFF fill bytes before some markers */
    int sampling;          /* colour sampling: 0 = libjpeg default (4:2:0), 444 = none, 422, 440, 411,
                              ES_FIXTURE_SAMPLING_IRREGULAR (one TurboJPEG does not name) */
    /* The picture has four distinct corner colours and is *displayed* as
     * width x height: its pixels are stored transformed as `orientation`
     * says (tags 5..8 store height x width), so every tag displays the same. */
    bool oriented_pixels;
} es_fixture_opts;

/* Builds the JPEG into a malloc'd buffer. Returns 0, or -1 on failure (message on stderr). */
int es_fixture_make(const es_fixture_opts *opts, uint8_t **out, size_t *out_len);

/* Decodes with libjpeg-turbo into malloc'd 8-bit samples (components per pixel
 * as stored: 1, 3 or 4). Returns 0, or -1 when libjpeg cannot decode it. */
int es_fixture_decode(const uint8_t *jpeg, size_t len, uint8_t **pixels, int *width, int *height,
                      int *components);

/* The upright (displayed) picture of an oriented_pixels fixture: malloc'd
 * width x height x components samples as es_fixture_decode returns them
 * (before JPEG compression). Returns 0 or -1. */
int es_fixture_upright(const es_fixture_opts *opts, uint8_t **pixels);
/* Where stored pixel (x, y) of a sw x sh picture appears when displayed with
 * EXIF orientation tag (1..8). */
void es_fixture_orient_xy(int tag, int sw, int sh, int x, int y, int *dx, int *dy);

/* A small photo stored turned (Orientation 6, with GPS), malloc'd, for the
 * out-of-memory tests; *exif_body is its Exif segment's length less the
 * length field: what a stripper allocates to read it. NULL on failure. */
uint8_t *es_fixture_turned_with_exif(size_t *len, size_t *exif_body);

/* Reads a whole file (for corpus tests). Returns 0 or -1. */
int es_fixture_read_file(const char *path, uint8_t **out, size_t *out_len);
/* Path of ../shared/corpus (located by the rule of shared_dir.h), or NULL when absent. */
const char *es_fixture_shared_dir(void);

#endif
