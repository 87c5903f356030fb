/* fixture_priv.h - internals shared by the fixture generator's files: a growable
 * byte buffer with a sticky failure flag, the libjpeg encoder and the builders
 * of each metadata segment payload. Not for use by tests (use fixture.h). */
#ifndef ES_TEST_FIXTURE_PRIV_H
#define ES_TEST_FIXTURE_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fixture.h"

/* Growable buffer; every append is a no-op once an allocation failed. */
typedef struct es_fixture_buf {
    uint8_t *data;
    size_t len, cap;
    bool failed;
} es_fixture_buf;

void es_fixture_buf_put(es_fixture_buf *b, const void *data, size_t len);
void es_fixture_buf_str(es_fixture_buf *b, const char *s);
void es_fixture_buf_fill(es_fixture_buf *b, uint8_t value, size_t count);
void es_fixture_buf_be16(es_fixture_buf *b, unsigned v);
void es_fixture_buf_be32(es_fixture_buf *b, uint32_t v);
/* Appends FF marker, the 16-bit length and payload; fails when payload > 65533 bytes. */
void es_fixture_buf_segment(es_fixture_buf *b, uint8_t marker, const uint8_t *payload, size_t len);
void es_fixture_buf_free(es_fixture_buf *b);

/* Deterministic pseudo-random bytes (xorshift32 state). */
uint32_t es_fixture_rand(uint32_t *state);

/* Encodes a w x h picture derived from seed with the coding options of o
 * (components, quality, progressive, arithmetic, restart_interval, no_jfif).
 * Returns 0 or -1 (message on stderr). */
int es_fixture_encode(const es_fixture_opts *o, int w, int h, unsigned seed, es_fixture_buf *out);

/* Sample c of stored pixel (x, y) of an oriented_pixels picture. */
uint8_t es_fixture_oriented_sample(const es_fixture_opts *o, int x, int y, int c);

/* Rewrites a JPEG produced by es_fixture_encode with 0xFF fill bytes before
 * every marker after the first segment. Returns 0 or -1. */
int es_fixture_add_fill(const uint8_t *in, size_t len, es_fixture_buf *out);

/* Metadata segment payloads (everything after the 2-byte length). Each
 * appends whole segments (marker + length + payload) to out. */
void es_fixture_seg_exif(const es_fixture_opts *o, es_fixture_buf *out);
void es_fixture_seg_xmp(const es_fixture_opts *o, es_fixture_buf *out);
void es_fixture_seg_xmp_extended(es_fixture_buf *out);
void es_fixture_seg_iptc(es_fixture_buf *out);
void es_fixture_seg_icc(int chunks, es_fixture_buf *out);
void es_fixture_seg_jfxx(es_fixture_buf *out);
void es_fixture_seg_ducky(es_fixture_buf *out);
void es_fixture_seg_fpxr(es_fixture_buf *out);
void es_fixture_seg_comment(es_fixture_buf *out);
/* The MPF index with zero sizes/offsets; *tiff_pos receives the offset of its
 * TIFF header within out, for es_fixture_mpf_patch once sizes are known. */
void es_fixture_seg_mpf(es_fixture_buf *out, size_t *tiff_pos);
void es_fixture_mpf_patch(uint8_t *file, size_t tiff_pos, uint32_t first_len, uint32_t second_len);
void es_fixture_mp4_trailer(unsigned seed, es_fixture_buf *out);

/* The GUID the main XMP packet names for the extended XMP (32 hex digits). */
extern const char es_fixture_xmp_guid[33];

#endif
