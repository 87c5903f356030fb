/* sparse_coefs.h - one component's DCT coefficients kept compactly: most
 * blocks of a photo have few non-zero coefficients, so a block is stored as
 * a 64-bit mask of its non-zero positions followed by those values (nothing
 * at all when every coefficient is zero, the 64 values as they are when 60 or
 * more are non-zero), with a per-block offset index (16 bits from a 32-bit
 * base shared by ES_SPARSE_GROUP entries: a group's records take at most
 * 255 x 64 units past its first entry). Most AC coefficients are
 * small: when every one of a block's fits a signed byte (and there are at
 * least ES_SPARSE_NARROW_FROM) the record is narrow - the mask, the DC as
 * one unit when it is non-zero, then the AC values one byte each (in memory
 * order), padded with a zero byte to a whole unit: 4 + dc + ceil(ac / 2)
 * units, never the 4 + n of the 16-bit form, which is how a reader tells
 * them apart. Block rows are appended
 * in order (the sequential decoder's iMCU rows) and read back one block at a
 * time in any order (coef_plane.c). The store never holds more than the
 * capacity it is given: an append that would pass it fails, and the caller
 * uses a full coefficient array instead. Internal to src/orient. */
#ifndef ES_ORIENT_SPARSE_COEFS_H
#define ES_ORIENT_SPARSE_COEFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h> /* jpeglib.h needs FILE */
#include <string.h>

#include <jpeglib.h>

#include "orient/page_ahead.h"

/* Record lengths in JCOEF units: a mask is 4 units, a dense block 64. */
#define ES_SPARSE_MASK_UNITS 4
#define ES_SPARSE_DENSE_FROM 60 /* non-zero coefficients from which a block is stored whole */
#define ES_SPARSE_NARROW_FROM 2 /* AC values from which the narrow form is shorter */
#define ES_SPARSE_GROUP_SHIFT 8
#define ES_SPARSE_GROUP (1u << ES_SPARSE_GROUP_SHIFT) /* index entries sharing a base */
/* Bytes of the records' space populated at a time past a row's largest
 * records (16 pages: one madvise instead of up to 16 page faults). */
#define ES_SPARSE_POPULATE_STEP (64u << 10)

typedef struct es_sparse_coefs {
    JDIMENSION width, height; /* blocks */
    uint32_t *base;           /* per group of index entries: the offset (JCOEF units) of its first */
    uint16_t *rel;            /* width * height + 1 entries: the offset into pool of block b's
                                 record (entry b, the end of block b - 1) less its group's base */
    JCOEF *pool;              /* pool_cap units (and ES_BLOCK_PACK_SLACK more for whole-row stores
                                 and loads); its pages are populated a row and a step ahead */
    es_page_ahead ahead;      /* how far pool's pages are populated */
    size_t pool_cap;          /* JCOEF units */
    size_t used;              /* JCOEF units written */
    JDIMENSION rows_done;     /* block rows [0, rows_done) are stored */
} es_sparse_coefs;

/* One stored block: n == 0 all zero; n == DCTSIZE2 values holds the 64
 * coefficients in natural order; otherwise values holds the n units after
 * the mask: the coefficients at the positions set in mask, lowest position
 * first (the narrow form when mask has not n bits set). */
typedef struct es_sparse_block {
    uint64_t mask;
    const JCOEF *values;
    int n;
} es_sparse_block;

/* The bytes of the index of a store of `blocks` blocks (base and rel). */
static inline size_t es_sparse_coefs_index_bytes(size_t blocks)
{
    size_t entries = blocks + 1;
    return (entries + ES_SPARSE_GROUP - 1) / ES_SPARSE_GROUP * sizeof(uint32_t) + entries * sizeof(uint16_t);
}

/* Index entry e: where block e's record starts (the end of block e - 1's). */
static inline uint32_t es_sparse_coefs_offset(const es_sparse_coefs *s, size_t e)
{
    return s->base[e >> ES_SPARSE_GROUP_SHIFT] + s->rel[e];
}

/* An empty store of width x height blocks whose index and records together
 * take at most cap_bytes. false (and nothing allocated) when that cannot
 * hold even the index, or on an allocation failure. */
bool es_sparse_coefs_init(es_sparse_coefs *s, JDIMENSION width, JDIMENSION height, size_t cap_bytes);
void es_sparse_coefs_free(es_sparse_coefs *s);

/* Stores block row `row` (width blocks) and leaves those blocks all zero
 * (the decoder's row buffer is ready for the next row); rows between the
 * last stored one and `row` are stored as all-zero blocks. false (nothing
 * stored) when row is already stored or beyond height (blocks untouched),
 * or the capacity would be passed (blocks partly cleared). */
bool es_sparse_coefs_put_row(es_sparse_coefs *s, JDIMENSION row, JBLOCK *blocks);

/* Stores every remaining row as all-zero blocks (what a pre-zeroed array
 * holds where the decoder wrote nothing). */
void es_sparse_coefs_finish(es_sparse_coefs *s);

/* Block (row, col) expanded to 64 coefficients in natural order. */
bool es_sparse_coefs_get(const es_sparse_coefs *s, JDIMENSION row, JDIMENSION col, JCOEF *out);

/* Block b (row * width + col) of the stored rows, which the caller has
 * checked it lies in (inline: coef_plane.c reads every source block through
 * it); false for a record too short to hold a mask. */
static inline bool es_sparse_coefs_entry_block(const es_sparse_coefs *s, size_t b, es_sparse_block *out)
{
    uint32_t from = es_sparse_coefs_offset(s, b), len = es_sparse_coefs_offset(s, b + 1) - from;
    out->mask = 0;
    out->values = s->pool + from;
    out->n = (int)len;
    if (len == 0 || len == DCTSIZE2)
        return true;
    if (len <= ES_SPARSE_MASK_UNITS)
        return false;
    memcpy(&out->mask, s->pool + from, sizeof out->mask);
    out->values += ES_SPARSE_MASK_UNITS;
    out->n = (int)len - ES_SPARSE_MASK_UNITS;
    return true;
}

/* Block (row, col) of the stored rows; false when it lies outside them. */
static inline bool es_sparse_coefs_block(const es_sparse_coefs *s, JDIMENSION row, JDIMENSION col,
                                         es_sparse_block *out)
{
    if (row >= s->rows_done || col >= s->width)
        return false;
    return es_sparse_coefs_entry_block(s, (size_t)row * s->width + col, out);
}

/* Hints that blocks [col, col + n) of row will be read soon: their index
 * entries (prefetch_index), or, with those entries at hand, their records
 * (prefetch_records). Nothing outside the stored rows is touched. */
static inline void es_sparse_coefs_prefetch_index(const es_sparse_coefs *s, JDIMENSION row, JDIMENSION col)
{
    if (row < s->rows_done && col < s->width)
        __builtin_prefetch(s->rel + (size_t)row * s->width + col);
}

static inline void es_sparse_coefs_prefetch_records(const es_sparse_coefs *s, JDIMENSION row, JDIMENSION col,
                                                    JDIMENSION n)
{
    if (row >= s->rows_done || col >= s->width)
        return;
    size_t b = (size_t)row * s->width + col, end = b + (n < s->width - col ? n : s->width - col);
    for (uint32_t at = es_sparse_coefs_offset(s, b), to = es_sparse_coefs_offset(s, end); at < to;
         at += 32) /* 64-byte lines */
        __builtin_prefetch(s->pool + at);
}

#endif
