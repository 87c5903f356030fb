/* coef_plane.c - produces destination DCT blocks of a lossless transform
 * from the source component, a few rows at a time. Mirroring a block's
 * pixels left-right negates its coefficients of odd horizontal frequency,
 * top-bottom those of odd vertical frequency; transposing the pixels
 * transposes the coefficients. The block order follows jpegtran's rules:
 * whole MCUs are mirrored, a partial edge MCU (kept only when the operation
 * does not move it) is taken as it is. Destination rows are walked block
 * column by block column so the source blocks read for one destination MCU
 * row are consecutive in the source (a transposed read stays in cache).
 * The coefficients of one block are moved by block_pack.c; a source in a
 * sparse store is expanded one block at a time straight into its
 * destination place. */
#include <stdint.h>
#include <string.h>

#include "orient/block_pack.h"
#include "orient/coef_plane.h"

/* Destination block d from the sparse source's block of index entry e. */
static bool s_move_sparse(JCOEF *d, const es_sparse_coefs *s, size_t e, const JCOEF *signs, bool transpose,
                          es_block_unpack_move_fn unpack_move)
{
    es_sparse_block b;
    if (!es_sparse_coefs_entry_block(s, e, &b))
        return false;
    if (b.n == 0)
        memset(d, 0, DCTSIZE2 * sizeof(JCOEF));
    else if (b.n == DCTSIZE2)
        es_block_move(d, b.values, signs, transpose);
    else
        unpack_move(d, b.mask, b.values, (size_t)b.n, signs, transpose);
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

/* Whether every source block read for rows [row, end) lies in the source
 * (and, for a sparse one, in its stored rows). The source position falls
 * while mirrored and rises after, so its largest values are at the ends. */
static bool s_reads_inside(const es_coef_plane *p, JDIMENSION row, JDIMENSION end)
{
    JDIMENSION sx0 = s_source_x(p, 0), sy0 = s_source_y(p, row), sy1 = s_source_y(p, end - 1);
    JDIMENSION sx = sx0 > p->width - 1 ? sx0 : p->width - 1, sy = sy0 > sy1 ? sy0 : sy1;
    JDIMENSION rows = p->transpose ? sx : sy, cols = p->transpose ? sy : sx;
    if (rows >= p->src_height || cols >= p->src_width)
        return false;
    return !p->sparse || (rows < p->sparse->rows_done && cols < p->sparse->width);
}

/* Fills rows [row, row + rows_cap) that lie below height. */
static bool s_produce(es_coef_plane *p, JDIMENSION row)
{
    JDIMENSION end = row < p->height ? (p->rows_cap < p->height - row ? row + p->rows_cap : p->height) : row;
    if (end == row || p->width == 0)
        return true;
    if (!s_reads_inside(p, row, end))
        return false;
    const es_sparse_coefs *sparse = p->sparse;
    bool prefetch = sparse && p->transpose;
    es_block_unpack_move_fn unpack_move = es_block_unpack_move_impl();
    /* a source block's index entry: one source column (x) or row (y) on */
    size_t width = sparse ? sparse->width : 0;
    size_t step_x = p->transpose ? width : 1, step_y = p->transpose ? 1 : width;
    for (JDIMENSION x = 0; x < p->width; x++) {
        if (prefetch)
            s_prefetch(p, x, row, end);
        JDIMENSION sx = s_source_x(p, x);
        const JCOEF(*signs)[DCTSIZE2] = es_block_signs + (x < p->mirror_w ? 1 : 0); /* [0] or [2]: y too */
        for (JDIMENSION y = row; y < end; y++) {
            JDIMENSION sy = s_source_y(p, y);
            JCOEF *d = p->rows[y - row][x];
            const JCOEF *sign = signs[y < p->mirror_h ? 2 : 0];
            if (sparse) {
                if (!s_move_sparse(d, sparse, sx * step_x + sy * step_y, sign, p->transpose, unpack_move))
                    return false;
            } else
                es_block_move(d, p->transpose ? p->src[sx][sy] : p->src[sy][sx], sign, p->transpose);
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
