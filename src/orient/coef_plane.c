/* coef_plane.c - produces destination DCT blocks of a lossless transform
 * from the source component, a few rows at a time. Mirroring a block's
 * pixels left-right negates its coefficients of odd horizontal frequency,
 * top-bottom those of odd vertical frequency; transposing the pixels
 * transposes the coefficients. The block order follows jpegtran's rules:
 * whole MCUs are mirrored, a partial edge MCU (kept only when the operation
 * does not move it) is taken as it is. Destination rows are walked block
 * column by block column so the source blocks read for one destination MCU
 * row are consecutive in the source (a transposed read stays in cache).
 * A source in a sparse store is expanded one block at a time (block_pack.c)
 * and then moved like a block of a full array. */
#include <stdint.h>
#include <string.h>

#include "orient/block_pack.h"
#include "orient/coef_plane.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* Per coefficient (row-major, row = vertical frequency): 0 to keep the sign,
 * -1 to negate. Index: 1 = mirrored in x (odd columns), 2 = in y (odd rows). */
#define S_KEEP 0, 0, 0, 0, 0, 0, 0, 0
#define S_ALL -1, -1, -1, -1, -1, -1, -1, -1
#define S_ODD 0, -1, 0, -1, 0, -1, 0, -1
#define S_EVEN -1, 0, -1, 0, -1, 0, -1, 0
static const JCOEF s_masks[4][DCTSIZE2] = {
    {S_KEEP, S_KEEP, S_KEEP, S_KEEP, S_KEEP, S_KEEP, S_KEEP, S_KEEP},
    {S_ODD, S_ODD, S_ODD, S_ODD, S_ODD, S_ODD, S_ODD, S_ODD},
    {S_KEEP, S_ALL, S_KEEP, S_ALL, S_KEEP, S_ALL, S_KEEP, S_ALL},
    {S_ODD, S_EVEN, S_ODD, S_EVEN, S_ODD, S_EVEN, S_ODD, S_EVEN},
};

#if defined(__SSE2__)
static inline __m128i s_signed(__m128i v, const JCOEF *mask)
{
    __m128i m = _mm_loadu_si128((const __m128i *)(const void *)mask);
    return _mm_sub_epi16(_mm_xor_si128(v, m), m);
}

static void s_move(JCOEF *d, const JCOEF *s, const JCOEF *mask)
{
    for (int r = 0; r < DCTSIZE; r++) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + 8 * r));
        _mm_storeu_si128((__m128i *)(void *)(d + 8 * r), s_signed(v, mask + 8 * r));
    }
}

static void s_move_transposed(JCOEF *d, const JCOEF *s, const JCOEF *mask)
{
    __m128i r[8], t[8], u[8];
    for (int i = 0; i < 8; i++)
        r[i] = _mm_loadu_si128((const __m128i *)(const void *)(s + 8 * i));
    for (int i = 0; i < 8; i += 2) {
        t[i] = _mm_unpacklo_epi16(r[i], r[i + 1]);
        t[i + 1] = _mm_unpackhi_epi16(r[i], r[i + 1]);
    }
    for (int i = 0; i < 8; i += 4) {
        u[i] = _mm_unpacklo_epi32(t[i], t[i + 2]);
        u[i + 1] = _mm_unpackhi_epi32(t[i], t[i + 2]);
        u[i + 2] = _mm_unpacklo_epi32(t[i + 1], t[i + 3]);
        u[i + 3] = _mm_unpackhi_epi32(t[i + 1], t[i + 3]);
    }
    /* u[0..3] hold columns (0,1) (2,3) (4,5) (6,7) of rows 0-3, u[4..7] of rows 4-7 */
    for (int i = 0; i < 4; i++) {
        __m128i lo = _mm_unpacklo_epi64(u[i], u[i + 4]), hi = _mm_unpackhi_epi64(u[i], u[i + 4]);
        _mm_storeu_si128((__m128i *)(void *)(d + 16 * i), s_signed(lo, mask + 16 * i));
        _mm_storeu_si128((__m128i *)(void *)(d + 16 * i + 8), s_signed(hi, mask + 16 * i + 8));
    }
}
#else
static void s_move(JCOEF *d, const JCOEF *s, const JCOEF *mask)
{
    for (int k = 0; k < DCTSIZE2; k++)
        d[k] = (JCOEF)((s[k] ^ mask[k]) - mask[k]);
}

static void s_move_transposed(JCOEF *d, const JCOEF *s, const JCOEF *mask)
{
    for (int i = 0; i < DCTSIZE; i++)
        for (int j = 0; j < DCTSIZE; j++)
            d[8 * i + j] = (JCOEF)((s[8 * j + i] ^ mask[8 * i + j]) - mask[8 * i + j]);
}
#endif

/* Destination block d from sparse source block (row, col): a packed record
 * is unpacked to a whole block first (block_pack.c), then moved like a block
 * of a full array. */
static bool s_move_sparse(JCOEF *d, const es_sparse_coefs *s, JDIMENSION row, JDIMENSION col,
                          const JCOEF *mask, bool transpose)
{
    es_sparse_block b;
    if (!es_sparse_coefs_block(s, row, col, &b))
        return false;
    if (b.n == 0) {
        memset(d, 0, DCTSIZE2 * sizeof(JCOEF));
        return true;
    }
    JCOEF unpacked[DCTSIZE2];
    const JCOEF *from = b.values;
    if (b.n != DCTSIZE2) {
        es_block_unpack(unpacked, b.mask, b.values);
        from = unpacked;
    }
    if (transpose)
        s_move_transposed(d, from, mask);
    else
        s_move(d, from, mask);
    return true;
}

static JDIMENSION s_source_x(const es_coef_plane *p, JDIMENSION x)
{
    return x < p->mirror_w ? p->mirror_w - 1 - x : x;
}

static JDIMENSION s_source_y(const es_coef_plane *p, JDIMENSION y)
{
    return y < p->mirror_h ? p->mirror_h - 1 - y : y;
}

/* Fills rows [row, row + rows_cap) that lie below height. */
/* A transposed read of a sparse source takes a few blocks from a different
 * source row for every destination column: ask for the index entries of
 * the column S_AHEAD on and for the records of the one half as far on, so
 * their cache misses overlap the work on this one. */
#define S_AHEAD 8
static void s_prefetch(const es_coef_plane *p, JDIMENSION x, JDIMENSION row, JDIMENSION end)
{
    JDIMENSION a = s_source_y(p, row), b = s_source_y(p, end - 1);
    JDIMENSION lo = a < b ? a : b, n = (a < b ? b - a : a - b) + 1;
    if (x + S_AHEAD < p->width)
        es_sparse_coefs_prefetch_index(p->sparse, s_source_x(p, x + S_AHEAD), lo);
    if (x + S_AHEAD / 2 < p->width)
        es_sparse_coefs_prefetch_records(p->sparse, s_source_x(p, x + S_AHEAD / 2), lo, n);
}

static bool s_produce(es_coef_plane *p, JDIMENSION row)
{
    JDIMENSION end = row < p->height ? (p->rows_cap < p->height - row ? row + p->rows_cap : p->height) : row;
    bool prefetch = p->sparse && p->transpose && end > row;
    for (JDIMENSION x = 0; x < p->width; x++) {
        if (prefetch)
            s_prefetch(p, x, row, end);
        bool mx = x < p->mirror_w;
        JDIMENSION sx = s_source_x(p, x);
        for (JDIMENSION y = row; y < end; y++) {
            bool my = y < p->mirror_h;
            JDIMENSION sy = s_source_y(p, y);
            JDIMENSION src_row = p->transpose ? sx : sy, src_col = p->transpose ? sy : sx;
            if (src_row >= p->src_height || src_col >= p->src_width)
                return false;
            const JCOEF *mask = s_masks[(mx ? 1 : 0) | (my ? 2 : 0)];
            if (p->sparse) {
                if (!s_move_sparse(p->rows[y - row][x], p->sparse, src_row, src_col, mask, p->transpose))
                    return false;
            } else if (p->transpose)
                s_move_transposed(p->rows[y - row][x], p->src[src_row][src_col], mask);
            else
                s_move(p->rows[y - row][x], p->src[src_row][src_col], mask);
        }
    }
    return true;
}

JBLOCKARRAY es_coef_plane_rows(es_coef_plane *p, JDIMENSION row, JDIMENSION n)
{
    if (n > p->rows_cap)
        return NULL;
    if (!p->rows_valid || row < p->rows_from || row - p->rows_from > p->rows_cap - n) {
        p->rows_valid = false;
        if (!s_produce(p, row))
            return NULL;
        p->rows_from = row;
        p->rows_valid = true;
    }
    return p->rows + (row - p->rows_from);
}
