/* strip_util.h - helpers shared by the JPEG stripper tests and its fuzz target
 * (header-only, static): run the stripper over a buffer split into chunks in
 * a chosen way and collect output, error, stats and reported segments; build
 * small JPEGs segment by segment. */
#ifndef ES_TESTS_JPEG_STRIP_UTIL_H
#define ES_TESTS_JPEG_STRIP_UTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../support/xorshift.h"
#include "exifstrip/jpeg.h"

/* A growable byte buffer; `failed` is set (and data freed) when allocation fails. */
typedef struct es_tj_buf {
    uint8_t *data;
    size_t len, cap;
    bool failed;
} es_tj_buf;

static inline void es_tj_buf_put(es_tj_buf *b, const void *p, size_t n)
{
    if (b->failed || n == 0)
        return;
    if (n > b->cap - b->len) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap - b->len < n)
            cap *= 2;
        uint8_t *d = realloc(b->data, cap);
        if (!d) {
            free(b->data);
            b->data = NULL;
            b->len = b->cap = 0;
            b->failed = true;
            return;
        }
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

static inline void es_tj_buf_free(es_tj_buf *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}

/* Appends one marker segment: FF code, length (payload + 2), payload. */
static inline void es_tj_seg(es_tj_buf *b, uint8_t code, const void *payload, size_t n)
{
    uint8_t hdr[4] = {0xFF, code, (uint8_t)((n + 2) >> 8), (uint8_t)(n + 2)};
    es_tj_buf_put(b, hdr, 4);
    es_tj_buf_put(b, payload, n);
}

/* An APPn segment whose payload is the identifier (with its NUL, n_id bytes)
 * then n_body bytes of body. */
static inline void es_tj_app(es_tj_buf *b, uint8_t code, const char *id, size_t n_id, const char *body,
                             size_t n_body)
{
    es_tj_buf tmp = {0};
    es_tj_buf_put(&tmp, id, n_id);
    es_tj_buf_put(&tmp, body, n_body);
    es_tj_seg(b, code, tmp.data, tmp.len);
    es_tj_buf_free(&tmp);
}

/* The image part of a tiny baseline 8x8 grayscale JPEG that libjpeg decodes
 * (uniform grey): DQT, SOF0, DHT (one 1-bit DC code, one 1-bit AC EOB code),
 * SOS and one entropy byte. Callers add SOI/metadata before and EOI after. */
static inline void es_tj_image(es_tj_buf *b, uint8_t sof)
{
    uint8_t dqt[65] = {0};
    static const uint8_t sof0[] = {8, 0, 8, 0, 8, 1, 1, 0x11, 0};
    static const uint8_t dht_dc[] = {0x00, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    static const uint8_t dht_ac[] = {0x10, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x00};
    static const uint8_t sos[] = {1, 1, 0x00, 0, 63, 0};
    static const uint8_t data[] = {0x3F};
    for (int i = 1; i < 65; i++)
        dqt[i] = 1;
    es_tj_seg(b, 0xDB, dqt, sizeof dqt);
    es_tj_seg(b, sof, sof0, sizeof sof0);
    es_tj_seg(b, 0xC4, dht_dc, sizeof dht_dc);
    es_tj_seg(b, 0xC4, dht_ac, sizeof dht_ac);
    es_tj_seg(b, 0xDA, sos, sizeof sos);
    es_tj_buf_put(b, data, sizeof data);
}

static inline void es_tj_soi(es_tj_buf *b) { es_tj_buf_put(b, "\xFF\xD8", 2); }
static inline void es_tj_eoi(es_tj_buf *b) { es_tj_buf_put(b, "\xFF\xD9", 2); }

static inline void es_tj_u16(es_tj_buf *b, bool little, uint16_t v)
{
    uint8_t x[2] = {little ? (uint8_t)v : (uint8_t)(v >> 8), little ? (uint8_t)(v >> 8) : (uint8_t)v};
    es_tj_buf_put(b, x, 2);
}

static inline void es_tj_u32(es_tj_buf *b, bool little, uint32_t v)
{
    es_tj_u16(b, little, little ? (uint16_t)v : (uint16_t)(v >> 16));
    es_tj_u16(b, little, little ? (uint16_t)(v >> 16) : (uint16_t)v);
}

/* An APP1 Exif payload ("Exif\0\0" + TIFF) whose IFD0 has Make, then
 * Orientation (when orientation != 0) and a GPSInfo pointer (gps: 0 none,
 * 1 to an empty GPS IFD, 2 to a GPS IFD with GPSVersionID). */
static inline void es_tj_exif(es_tj_buf *b, bool little, uint16_t orientation, int gps)
{
    uint16_t n = (uint16_t)(1 + (orientation != 0) + (gps != 0));
    uint32_t gps_ifd = 8 + 2 + 12u * n + 4;
    es_tj_buf_put(b, "Exif\0\0", 6);
    es_tj_buf_put(b, little ? "II" : "MM", 2);
    es_tj_u16(b, little, 42);
    es_tj_u32(b, little, 8);
    es_tj_u16(b, little, n);
    es_tj_u16(b, little, 0x010F); /* Make, ASCII, 4 bytes inline */
    es_tj_u16(b, little, 2);
    es_tj_u32(b, little, 4);
    es_tj_buf_put(b, "Cam\0", 4);
    if (orientation) {
        es_tj_u16(b, little, 0x0112);
        es_tj_u16(b, little, 3);
        es_tj_u32(b, little, 1);
        es_tj_u16(b, little, orientation);
        es_tj_u16(b, little, 0);
    }
    if (gps) {
        es_tj_u16(b, little, 0x8825);
        es_tj_u16(b, little, 4);
        es_tj_u32(b, little, 1);
        es_tj_u32(b, little, gps_ifd);
    }
    es_tj_u32(b, little, 0); /* no IFD1 */
    if (gps) {
        es_tj_u16(b, little, gps == 2 ? 1 : 0);
        if (gps == 2) {
            es_tj_u16(b, little, 0x0000); /* GPSVersionID, BYTE[4] */
            es_tj_u16(b, little, 1);
            es_tj_u32(b, little, 4);
            es_tj_buf_put(b, "\x02\x03\x00\x00", 4);
        }
        es_tj_u32(b, little, 0);
    }
}

/* What one stripper run produced. */
typedef struct es_tj_result {
    es_err rc;
    char msg[ES_ERRBUF_SIZE];
    es_tj_buf out;
    es_jpeg_stats stats;
    es_jpeg_segment *segs;
    size_t nsegs, segcap;
    size_t calls; /* output callbacks */
    bool seg_oom;
} es_tj_result;

static inline es_err es_tj_write(void *ctx, const uint8_t *data, size_t len)
{
    es_tj_result *r = ctx;
    r->calls++;
    es_tj_buf_put(&r->out, data, len);
    return r->out.failed ? ES_ERR_NOMEM : ES_OK;
}

static inline void es_tj_on_segment(void *ctx, const es_jpeg_segment *seg)
{
    es_tj_result *r = ctx;
    if (r->nsegs == r->segcap) {
        size_t cap = r->segcap ? r->segcap * 2 : 32;
        es_jpeg_segment *s = realloc(r->segs, cap * sizeof *s);
        if (!s) {
            r->seg_oom = true;
            return;
        }
        r->segs = s;
        r->segcap = cap;
    }
    r->segs[r->nsegs++] = *seg;
}

static inline void es_tj_result_free(es_tj_result *r)
{
    es_tj_buf_free(&r->out);
    free(r->segs);
    memset(r, 0, sizeof *r);
}

/* A small deterministic PRNG (xorshift32) for split patterns; a zero seed
 * starts from a fixed non-zero state. */
static inline uint32_t es_tj_rand(uint32_t *state)
{
    if (!*state)
        *state = 0x9E3779B9u;
    return es_xorshift32(state);
}

/* How the input is cut: one chunk (mode 0), fixed chunks of `chunk` bytes
 * (mode 1), random chunk sizes from seed (mode 2: about a third of the chunks
 * are 1-8 bytes, so a long input means many feeds), or a few large random
 * chunks from seed with a window of ES_TJ_WINDOW bytes fed byte by byte at
 * offset `chunk` (mode 3: a bounded number of feeds whatever the length, for
 * the fuzz target). pos counts the bytes already cut. */
typedef struct es_tj_split {
    int mode;
    size_t chunk;
    uint32_t seed;
    size_t pos;
} es_tj_split;

#define ES_TJ_WINDOW 48

static inline size_t es_tj_next_chunk(es_tj_split *sp, size_t left)
{
    size_t n = left;
    if (sp->mode == 1)
        n = sp->chunk ? sp->chunk : 1;
    else if (sp->mode == 2) {
        uint32_t r = es_tj_rand(&sp->seed);
        n = (r & 1) ? 1 + (r >> 8) % 8 : 1 + (size_t)((r >> 8) % (left / 3 + 1));
    } else if (sp->mode == 3) {
        uint32_t r = es_tj_rand(&sp->seed);
        if (sp->pos >= sp->chunk && sp->pos - sp->chunk < ES_TJ_WINDOW)
            n = 1;
        else
            n = 1 + (size_t)((r >> 4) % ((sp->pos + left) / 6 + 1));
        if (sp->pos < sp->chunk && n > sp->chunk - sp->pos)
            n = sp->chunk - sp->pos; /* stop at the window */
    }
    n = n < left ? n : left;
    sp->pos += n;
    return n;
}

/* Strips in (len bytes) fed as sp says; r is reset first and owns the results. */
static inline void es_tj_strip(const es_jpeg_policy *policy, const uint8_t *in, size_t len, es_tj_split sp,
                               es_tj_result *r)
{
    memset(r, 0, sizeof *r);
    r->out.data = malloc(len + 1); /* the output is never longer than the input: no regrowth */
    r->out.cap = r->out.data ? len + 1 : 0;
    es_jpeg_stripper *s = es_jpeg_stripper_new(policy, es_tj_write, r);
    if (!s) {
        r->rc = ES_ERR_NOMEM;
        return;
    }
    es_jpeg_stripper_on_segment(s, es_tj_on_segment, r);
    size_t pos = 0;
    es_err rc = ES_OK;
    while (rc == ES_OK && pos < len) {
        size_t n = es_tj_next_chunk(&sp, len - pos);
        rc = es_jpeg_stripper_feed(s, in + pos, n);
        pos += n;
    }
    if (rc == ES_OK)
        rc = es_jpeg_stripper_finish(s);
    r->rc = rc;
    memcpy(r->msg, es_jpeg_stripper_error(s), sizeof r->msg);
    r->msg[sizeof r->msg - 1] = '\0';
    r->stats = *es_jpeg_stripper_stats(s);
    es_jpeg_stripper_free(s);
}

/* The offset of the trailer r's segments report; false when there is none. */
static inline bool es_tj_trailer_offset(const es_tj_result *r, uint64_t *offset)
{
    for (size_t i = 0; i < r->nsegs; i++)
        if (r->segs[i].kind == ES_JPEG_KIND_TRAILER) {
            *offset = r->segs[i].offset;
            return true;
        }
    return false;
}

static inline es_tj_split es_tj_oneshot(void) { return (es_tj_split){0, 0, 0, 0}; }
static inline es_tj_split es_tj_chunks(size_t n) { return (es_tj_split){1, n, 0, 0}; }
static inline es_tj_split es_tj_random(uint32_t seed) { return (es_tj_split){2, 0, seed, 0}; }
static inline es_tj_split es_tj_window(size_t at, uint32_t seed) { return (es_tj_split){3, at, seed, 0}; }

/* Number of reported segments of kind k (kept ones only if kept_only). */
static inline size_t es_tj_count(const es_tj_result *r, es_jpeg_kind k, bool kept_only)
{
    size_t n = 0;
    for (size_t i = 0; i < r->nsegs; i++)
        if (r->segs[i].kind == k && (!kept_only || r->segs[i].kept))
            n++;
    return n;
}

/* Metadata kinds that must never survive the default policy. */
static inline bool es_tj_is_metadata(es_jpeg_kind k)
{
    switch (k) {
    case ES_JPEG_KIND_JFXX:
    case ES_JPEG_KIND_EXIF:
    case ES_JPEG_KIND_XMP:
    case ES_JPEG_KIND_XMP_EXT:
    case ES_JPEG_KIND_MPF:
    case ES_JPEG_KIND_PHOTOSHOP:
    case ES_JPEG_KIND_DUCKY:
    case ES_JPEG_KIND_OTHER_APP:
    case ES_JPEG_KIND_COMMENT:
    case ES_JPEG_KIND_TRAILER: return true;
    default: return false;
    }
}

/* bytes_in is compared only for successful runs: after a refusal it counts
 * whatever the caller had fed up to then. */
static inline bool es_tj_same_stats(const es_jpeg_stats *a, const es_jpeg_stats *b, bool failed)
{
    for (int k = 0; k < ES_JPEG_KIND_COUNT; k++)
        if (a->removed_bytes[k] != b->removed_bytes[k] || a->removed_count[k] != b->removed_count[k])
            return false;
    return (failed || a->bytes_in == b->bytes_in) && a->bytes_out == b->bytes_out &&
           a->exif_has_gps == b->exif_has_gps && a->exif_orientation == b->exif_orientation &&
           a->exif_has_thumbnail == b->exif_has_thumbnail && a->frames == b->frames && a->scans == b->scans &&
           a->sof_marker == b->sof_marker;
}

/* Whether two runs agree on everything: code, message, output, stats, segments. */
static inline bool es_tj_same(const es_tj_result *a, const es_tj_result *b)
{
    if (a->rc != b->rc || strcmp(a->msg, b->msg) != 0 || a->out.len != b->out.len ||
        (a->out.len && memcmp(a->out.data, b->out.data, a->out.len) != 0) ||
        !es_tj_same_stats(&a->stats, &b->stats, a->rc != ES_OK) || a->nsegs != b->nsegs)
        return false;
    for (size_t i = 0; i < a->nsegs; i++) {
        const es_jpeg_segment *x = &a->segs[i], *y = &b->segs[i];
        if (x->offset != y->offset || x->length != y->length || x->marker != y->marker || x->kind != y->kind ||
            x->kept != y->kept || x->removed != y->removed || strcmp(x->ident, y->ident) != 0)
            return false;
    }
    return true;
}

/* Checks what must hold for the one-shot result `one` of any input: reported
 * segments tile the input from offset 0, byte counts add up, and a successful
 * output starts with SOI, ends with EOI and is left unchanged by a second
 * strip. Returns NULL, or what went wrong. */
static inline const char *es_tj_check_result(const es_jpeg_policy *policy, size_t len,
                                             const es_tj_result *result)
{
    const char *why = NULL;
    const es_tj_result one = *result;
    es_tj_result other;
    uint64_t at = 0, removed = 0, dropped = 0;
    for (size_t i = 0; i < one.nsegs && !why; i++) {
        if (one.segs[i].offset != at || one.segs[i].length == 0)
            why = "reported segments do not tile the input";
        at = one.segs[i].offset + one.segs[i].length;
        if (!one.segs[i].kept)
            dropped += one.segs[i].length;
        else if (one.segs[i].removed >= one.segs[i].length)
            why = "a kept segment reports more removed bytes than it has";
        else
            dropped += one.segs[i].removed;
    }
    for (int k = 0; k < ES_JPEG_KIND_COUNT; k++)
        removed += one.stats.removed_bytes[k];
    if (!why && one.stats.bytes_out != one.out.len)
        why = "stats.bytes_out differs from the output length";
    if (!why && one.rc == ES_OK) {
        if (at != len)
            why = "reported segments do not cover the whole input";
        else if (one.stats.bytes_in != len || len - one.stats.bytes_out != removed || removed != dropped)
            why = "bytes in, out and removed do not add up";
        else if (one.out.len < 4 || memcmp(one.out.data, "\xFF\xD8", 2) != 0 ||
                 memcmp(one.out.data + one.out.len - 2, "\xFF\xD9", 2) != 0)
            why = "output does not run from SOI to EOI";
        else {
            es_tj_strip(policy, one.out.data, one.out.len, es_tj_oneshot(), &other);
            if (other.rc != ES_OK || other.out.len != one.out.len ||
                memcmp(other.out.data, one.out.data, one.out.len) != 0)
                why = "stripping the output again changes it";
            es_tj_result_free(&other);
        }
    }
    return why;
}

/* es_tj_check_result, and the result does not depend on how the input is
 * split: byte by byte unless longer than bytewise_max, and `random_splits`
 * random splits. Returns NULL, or what went wrong. */
static inline const char *es_tj_check(const es_jpeg_policy *policy, const uint8_t *in, size_t len,
                                      int random_splits, uint32_t seed, size_t bytewise_max)
{
    const char *why = NULL;
    es_tj_result one, other;
    es_tj_strip(policy, in, len, es_tj_oneshot(), &one);
    if (len <= bytewise_max) {
        es_tj_strip(policy, in, len, es_tj_chunks(1), &other);
        if (!es_tj_same(&one, &other))
            why = "byte-by-byte feeding differs from one-shot";
        es_tj_result_free(&other);
    }
    for (int i = 0; i < random_splits && !why; i++) {
        es_tj_strip(policy, in, len, es_tj_random(seed + (uint32_t)i * 7919u), &other);
        if (!es_tj_same(&one, &other))
            why = "random split feeding differs from one-shot";
        es_tj_result_free(&other);
    }
    if (!why)
        why = es_tj_check_result(policy, len, &one);
    es_tj_result_free(&one);
    return why;
}

#endif
