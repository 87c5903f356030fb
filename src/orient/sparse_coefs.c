/* sparse_coefs.c - the compact coefficient store of sparse_coefs.h. The
 * records' space is one block of the capacity (common/block_cache.h: mapped
 * on its own), written from its start and never copied to grow: its pages
 * are provided when they are first written, so the memory used follows the
 * records actually stored and can never pass the capacity (a block a
 * process kept from an earlier turn has the pages that turn wrote). (Not
 * zeroed: zeroing would touch every page.) Those
 * pages are populated a step ahead of the records (page_ahead.h): before a
 * row is stored, room for its largest possible records is, plus up to
 * ES_SPARSE_POPULATE_STEP more. The store of a 3 MP photo is ~480 pages:
 * ~4.6 ms of faults a rotation on the 2-core VM of issue 11, ~2.1 ms
 * populated (page_ahead.h has the costs; on an earlier VM, where a fault
 * cost 1.5 us, populating saved only 8 %). The index is written whole
 * (every entry, stored rows or not), so it is populated whole at once. */
#include <stdlib.h>
#include <string.h>

#include "common/block_cache.h"
#include "common/pages.h"
#include "orient/block_pack.h"
#include "orient/page_ahead.h"
#include "orient/sparse_coefs.h"

bool es_sparse_coefs_init(es_sparse_coefs *s, JDIMENSION width, JDIMENSION height, size_t cap_bytes)
{
    memset(s, 0, sizeof *s);
    size_t blocks = (size_t)width * height;
    if (blocks >= SIZE_MAX / sizeof(uint32_t) - ES_SPARSE_GROUP)
        return false;
    size_t index = es_sparse_coefs_index_bytes(blocks), groups = blocks / ES_SPARSE_GROUP + 1;
    if (cap_bytes < index)
        return false;
    size_t units = (cap_bytes - index) / sizeof(JCOEF);
    if (units > UINT32_MAX) /* offsets are 32-bit */
        units = UINT32_MAX;
    /* one block: the bases (4-byte aligned), then the 16-bit entries */
    s->base = es_block_alloc(index);
    if (!s->base)
        return false;
    /* the packing slack past the capacity: a record written near its end may store a little beyond */
    if (!(s->pool = es_block_alloc((units + ES_BLOCK_PACK_SLACK) * sizeof(JCOEF)))) {
        es_block_free(s->base);
        s->base = NULL;
        return false;
    }
    s->rel = (uint16_t *)(void *)(s->base + groups);
    s->width = width;
    s->height = height;
    s->pool_cap = units;
    es_page_ahead_init(&s->ahead, s->pool, (units + ES_BLOCK_PACK_SLACK) * sizeof(JCOEF));
    (void)es_pages_populate(s->base, index);
    s->base[0] = 0;
    s->rel[0] = 0;
    return true;
}

void es_sparse_coefs_free(es_sparse_coefs *s)
{
    es_block_free(s->pool);
    es_block_free(s->base);
    memset(s, 0, sizeof *s);
}

/* Sets index entry e to offset `at`. Entries are set in order, so a
 * group's base is set (by its first entry) before the others use it. */
static void s_set_entry(es_sparse_coefs *s, size_t e, size_t at)
{
    if ((e & (ES_SPARSE_GROUP - 1)) == 0)
        s->base[e >> ES_SPARSE_GROUP_SHIFT] = (uint32_t)at;
    s->rel[e] = (uint16_t)(at - s->base[e >> ES_SPARSE_GROUP_SHIFT]);
}

/* The entries of rows [from, to): no records (rows_done is the caller's). */
static void s_zero_entries(es_sparse_coefs *s, JDIMENSION from, JDIMENSION to)
{
    size_t end = (size_t)to * s->width;
    for (size_t e = (size_t)from * s->width + 1; e <= end; e++)
        s_set_entry(s, e, s->used);
}

bool es_sparse_coefs_put_row(es_sparse_coefs *s, JDIMENSION row, JBLOCK *blocks)
{
    if (row < s->rows_done || row >= s->height)
        return false;
    s_zero_entries(s, s->rows_done, row); /* rows skipped before this one hold no records */
    size_t used = s->used, e = (size_t)row * s->width + 1;
    /* the row's largest records and the slack past them, populated before they are written */
    (void)es_page_ahead_cover(&s->ahead,
                              (used + (size_t)s->width * DCTSIZE2 + ES_BLOCK_PACK_SLACK) * sizeof(JCOEF),
                              ES_SPARSE_POPULATE_STEP);
    es_block_pack_fn pack = es_block_pack_impl();
    for (JDIMENSION x = 0; x < s->width; x++) {
        /* a record is written in up to 64 units: near the end, check its size first */
        if (s->pool_cap - used < DCTSIZE2 && s->pool_cap - used < es_block_record_units(blocks[x]))
            return false; /* nothing of this row is visible: rows_done and used are unchanged */
        used += pack(s->pool + used, blocks[x]);
        s_set_entry(s, e + x, used); /* ignored until rows_done passes this row */
    }
    /* what a record's whole-row stores left past the end, and what an
     * unpacking of the last record may load, is defined: zero */
    memset(s->pool + used, 0, ES_BLOCK_PACK_SLACK * sizeof(JCOEF));
    s->rows_done = row + 1;
    s->used = used;
    return true;
}

void es_sparse_coefs_finish(es_sparse_coefs *s)
{
    s_zero_entries(s, s->rows_done, s->height);
    s->rows_done = s->height;
}

bool es_sparse_coefs_get(const es_sparse_coefs *s, JDIMENSION row, JDIMENSION col, JCOEF *out)
{
    es_sparse_block b;
    if (!es_sparse_coefs_block(s, row, col, &b))
        return false;
    if (b.n == DCTSIZE2) {
        memcpy(out, b.values, DCTSIZE2 * sizeof(JCOEF));
        return true;
    }
    es_block_unpack(out, b.mask, b.values, (size_t)b.n);
    return true;
}
