/* orient_util.h - helpers for the orientation tests (header-only, static):
 * listing the header segments of a JPEG, decoding and comparing pictures
 * with the upright reference, and the reference transform of decoded pixels
 * (written from the Exif tag definitions, independent of libjpeg-turbo). */
#ifndef ES_TESTS_ORIENT_UTIL_H
#define ES_TESTS_ORIENT_UTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "exifstrip/orient.h"
#include "../support/fixture.h"

/* An output of fixed capacity (data holds cap bytes) that an orientation
 * stripper writes to with ot_out_write: more than cap bytes in all is an
 * output error. */
typedef struct ot_out {
    uint8_t *data;
    size_t cap, len;
} ot_out;

/* An ot_out of cap malloc'd bytes (data NULL without memory). */
static inline ot_out ot_out_new(size_t cap)
{
    ot_out o = {.data = malloc(cap), .cap = cap};
    return o;
}

/* The es_orient_stripper_new writer of an ot_out (ctx). */
static inline es_err ot_out_write(void *ctx, const uint8_t *data, size_t len)
{
    ot_out *o = ctx;
    ES_ENSURE(o->data && len <= o->cap - o->len, ES_ERR_OUTPUT);
    memcpy(o->data + o->len, data, len);
    o->len += len;
    return ES_OK;
}

typedef struct ot_seg {
    uint8_t marker;
    size_t start, len; /* start of FF marker; len = whole segment */
} ot_seg;

/* Lists the marker segments before the first SOS (at most cap). */
static inline size_t ot_header_segments(const uint8_t *j, size_t len, ot_seg *out, size_t cap)
{
    size_t pos = 2, n = 0;
    while (n < cap && pos + 4 <= len && j[pos] == 0xFF) {
        while (pos + 1 < len && j[pos + 1] == 0xFF)
            pos++;
        uint8_t m = j[pos + 1];
        size_t seglen = 2 + ((size_t)j[pos + 2] << 8 | j[pos + 3]);
        if (m == 0xDA || seglen > len - pos)
            break;
        out[n++] = (ot_seg){m, pos, seglen};
        pos += seglen;
    }
    return n;
}

static inline int ot_count_marker(const uint8_t *j, size_t len, uint8_t marker)
{
    ot_seg segs[64];
    size_t n = ot_header_segments(j, len, segs, 64);
    int count = 0;
    for (size_t i = 0; i < n; i++)
        count += segs[i].marker == marker;
    return count;
}

/* The SOFn marker of a JPEG's header, 0 if none. */
static inline uint8_t ot_sof_marker(const uint8_t *j, size_t len)
{
    ot_seg segs[64];
    size_t n = ot_header_segments(j, len, segs, 64);
    for (size_t i = 0; i < n; i++)
        if (segs[i].marker >= 0xC0 && segs[i].marker <= 0xCF && segs[i].marker != 0xC4 &&
            segs[i].marker != 0xC8 && segs[i].marker != 0xCC)
            return segs[i].marker;
    return 0;
}

/* Mean absolute difference of the top-left w x h of a (aw wide) and b (bw wide). */
static inline double ot_mean_diff(const uint8_t *a, int aw, const uint8_t *b, int bw, int w, int h, int comps)
{
    double sum = 0;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w * comps; x++) {
            int d = (int)a[(size_t)y * (size_t)aw * (size_t)comps + (size_t)x] -
                    (int)b[(size_t)y * (size_t)bw * (size_t)comps + (size_t)x];
            sum += d < 0 ? -d : d;
        }
    return w > 0 && h > 0 ? sum / ((double)w * h * comps) : 0;
}

/* Displays decoded stored pixels as tag says: malloc'd dw x dh picture. */
static inline uint8_t *ot_display(const uint8_t *pix, int sw, int sh, int comps, int tag, int *dw, int *dh)
{
    bool swap = tag >= 5 && tag <= 8;
    *dw = swap ? sh : sw;
    *dh = swap ? sw : sh;
    uint8_t *out = malloc((size_t)sw * (size_t)sh * (size_t)comps);
    if (!out)
        return NULL;
    for (int y = 0; y < sh; y++)
        for (int x = 0; x < sw; x++) {
            int dx, dy;
            es_fixture_orient_xy(tag, sw, sh, x, y, &dx, &dy);
            memcpy(out + ((size_t)dy * (size_t)*dw + (size_t)dx) * (size_t)comps,
                   pix + ((size_t)y * (size_t)sw + (size_t)x) * (size_t)comps, (size_t)comps);
        }
    return out;
}

/* A transform budget (es_orient_budget_ops) that counts: bytes taken (held
 * or acquired) and not given back, acquires and ended runs, releases of
 * more than was taken; hold answers hold_rc. ot_budget_ops gives its ops. */
typedef struct ot_budget {
    es_err hold_rc;
    uint64_t taken;
    int acquires, end_runs;
    bool over_released;
} ot_budget;

static inline bool ot_budget_acquire(void *ctx, uint64_t bytes)
{
    ot_budget *b = ctx;
    b->taken += bytes;
    b->acquires++;
    return true;
}

static inline void ot_budget_release(void *ctx, uint64_t bytes)
{
    ot_budget *b = ctx;
    b->over_released |= bytes > b->taken;
    b->taken -= bytes > b->taken ? b->taken : bytes;
}

static inline void ot_budget_end_run(void *ctx) { ((ot_budget *)ctx)->end_runs++; }

static inline es_err ot_budget_hold(void *ctx, uint64_t bytes)
{
    ot_budget *b = ctx;
    if (b->hold_rc == ES_OK)
        b->taken += bytes;
    return b->hold_rc;
}

static inline es_orient_budget_ops ot_budget_ops(ot_budget *b)
{
    es_orient_budget_ops ops = {ot_budget_acquire, ot_budget_release, b, ot_budget_end_run, ot_budget_hold};
    return ops;
}

#endif
