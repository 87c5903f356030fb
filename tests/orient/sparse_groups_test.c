/* sparse_groups_test.c - the 16-bit index of src/orient/sparse_coefs.c at
 * its limit and reads in any order: a store whose blocks are all dense (64
 * units), so each group of ES_SPARSE_GROUP entries spans 255 x 64 units past
 * its first entry, the groups starting mid-row; and stores mixing every
 * record form at its largest (59 non-zero values in 16 bits: 63 units; 59
 * narrow; 60 and 64 dense; one value; none) with extreme values. Every
 * block read back in a random order equals what was stored; coef_plane.c
 * produces from the store, for the eight mirror/transpose operations with
 * random mirrored extents (partial edge blocks kept) and window sizes,
 * exactly what it produces from the full array and what the definition
 * (coef_util.h) gives; through every implementation of block_pack.c this
 * CPU runs. Deterministic (a fixed-seed xorshift). */
#include <stdlib.h>

#include "../harness/test.h"
#include "coef_util.h"
#include "orient/block_pack.h"
#include "orient/coef_plane.h"
#include "orient/sparse_coefs.h"

/* 1073 blocks: five groups, each starting inside a row */
#define S_W 37
#define S_H 29
#define S_MAX_ROWS 6 /* the largest window of produced rows */

static JBLOCK s_src[S_H][S_W];
static JBLOCKROW s_src_rows[S_H];
static uint32_t s_rng = 99991;

/* A block whose AC values fit a byte: n non-zero, the DC among them. */
static void s_narrow_block(JCOEF *b, int n)
{
    ot_coef_block(b, n, &s_rng);
    for (int k = 1; k < DCTSIZE2; k++)
        if (b[k])
            b[k] = (JCOEF)(b[k] % 128 ? b[k] % 128 : -128);
}

/* Block i of a store of every form at its largest. */
static void s_mixed_block(JCOEF *b, uint32_t i)
{
    switch (i % 7) {
    case 0:
        ot_coef_block(b, ES_SPARSE_DENSE_FROM - 1, &s_rng);
        break; /* 16-bit values: 63 units (or narrow) */
    case 1: s_narrow_block(b, ES_SPARSE_DENSE_FROM - 1); break;
    case 2: ot_coef_block(b, ES_SPARSE_DENSE_FROM, &s_rng); break;
    case 3: ot_coef_block(b, DCTSIZE2, &s_rng); break;
    case 4: ot_coef_block(b, 1, &s_rng); break;
    case 5: s_narrow_block(b, 2 + (int)(ot_coef_rand(&s_rng) % 40)); break;
    default: memset(b, 0, DCTSIZE2 * sizeof(JCOEF)); break;
    }
}

static bool s_store(es_sparse_coefs *s)
{
    if (!es_sparse_coefs_init(s, S_W, S_H, sizeof s_src + es_sparse_coefs_index_bytes(S_W * S_H)))
        return false;
    for (JDIMENSION r = 0; r < S_H; r++) {
        static JBLOCK copy[S_W];
        memcpy(copy, s_src[r], sizeof copy);
        if (!es_sparse_coefs_put_row(s, r, copy))
            return false;
    }
    return true;
}

/* Every block of the store, in a random order, against the source. */
static void s_read_shuffled(const es_sparse_coefs *s)
{
    static uint32_t order[S_W * S_H];
    for (uint32_t i = 0; i < S_W * S_H; i++)
        order[i] = i;
    for (uint32_t i = S_W * S_H - 1; i > 0; i--) {
        uint32_t j = ot_coef_rand(&s_rng) % (i + 1), t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    for (uint32_t i = 0; i < S_W * S_H; i++) {
        JDIMENSION r = order[i] / S_W, c = order[i] % S_W;
        JCOEF got[DCTSIZE2];
        if (!es_sparse_coefs_get(s, r, c, got) || memcmp(got, s_src[r][c], sizeof got) != 0) {
            es_test_fail(__FILE__, __LINE__, "block (%u, %u) read back differs", (unsigned)r, (unsigned)c);
            return;
        }
    }
}

static void test_groups_at_their_limit(void)
{
    for (int r = 0; r < S_H; r++)
        for (int c = 0; c < S_W; c++)
            ot_coef_block(s_src[r][c], DCTSIZE2, &s_rng);
    es_sparse_coefs s;
    REQUIRE(s_store(&s));
    /* entry e lies (e mod GROUP) whole blocks past its group's first */
    for (size_t e = 0; e <= S_W * S_H; e++) {
        size_t first = e / ES_SPARSE_GROUP * ES_SPARSE_GROUP;
        CHECK_INT_EQ(s.rel[e], (e - first) * DCTSIZE2);
        CHECK_INT_EQ(es_sparse_coefs_offset(&s, e), e * DCTSIZE2);
    }
    CHECK_INT_EQ(s.rel[ES_SPARSE_GROUP - 1], 255 * 64);
    s_read_shuffled(&s);
    es_sparse_coefs_free(&s);
}

static void test_mixed_forms_in_any_order(void)
{
    for (int round = 0; round < 3; round++) {
        for (uint32_t i = 0; i < S_W * S_H; i++)
            s_mixed_block(s_src[i / S_W][i % S_W], i + (uint32_t)round * 3);
        es_sparse_coefs s;
        REQUIRE(s_store(&s));
        s_read_shuffled(&s);
        es_sparse_coefs_free(&s);
    }
}

/* Checks rows [row, row + n) of a plane against the definition. */
static bool s_rows_as_defined(const es_coef_plane *p, JBLOCKARRAY rows, JDIMENSION row, JDIMENSION n)
{
    for (JDIMENSION y = row; y < row + n && y < p->height; y++)
        for (JDIMENSION x = 0; x < p->width; x++) {
            bool mx = x < p->mirror_w, my = y < p->mirror_h;
            JDIMENSION sx = mx ? p->mirror_w - 1 - x : x, sy = my ? p->mirror_h - 1 - y : y;
            JCOEF want[DCTSIZE2];
            ot_expected_move(want, p->transpose ? s_src[sx][sy] : s_src[sy][sx],
                             es_block_signs[(mx ? 1 : 0) + (my ? 2 : 0)], p->transpose);
            if (memcmp(rows[y - row][x], want, sizeof want) != 0) {
                es_test_fail(__FILE__, __LINE__, "%s: block (%u, %u) of op %d%s",
                             p->sparse ? "sparse" : "array", (unsigned)x, (unsigned)y,
                             (p->mirror_w ? 1 : 0) + (p->mirror_h ? 2 : 0), p->transpose ? " transposed" : "");
                return false;
            }
        }
    return true;
}

static void test_planes_from_the_store(void)
{
    static JBLOCK full_dst[S_MAX_ROWS][S_W > S_H ? S_W : S_H], sparse_dst[S_MAX_ROWS][S_W > S_H ? S_W : S_H];
    static JBLOCKROW full_rows[S_MAX_ROWS], sparse_rows[S_MAX_ROWS];
    for (int k = 0; k < S_MAX_ROWS; k++) {
        full_rows[k] = full_dst[k];
        sparse_rows[k] = sparse_dst[k];
    }
    for (uint32_t i = 0; i < S_W * S_H; i++)
        s_mixed_block(s_src[i / S_W][i % S_W], i);
    for (int r = 0; r < S_H; r++)
        s_src_rows[r] = s_src[r];
    es_sparse_coefs s;
    REQUIRE(s_store(&s));
    for (int round = 0; round < 48; round++) {
        bool transpose = round & 4;
        es_coef_plane full = {.src = s_src_rows, .src_width = S_W, .src_height = S_H, .transpose = transpose};
        full.width = transpose ? S_H : S_W;
        full.height = transpose ? S_W : S_H;
        /* mirrored extents: the whole width, none, or all but a partial edge */
        full.mirror_w = round & 1 ? full.width - ot_coef_rand(&s_rng) % 3 : 0;
        full.mirror_h = round & 2 ? full.height - ot_coef_rand(&s_rng) % 3 : 0;
        full.rows = full_rows;
        full.rows_cap = 1 + ot_coef_rand(&s_rng) % S_MAX_ROWS;
        es_coef_plane sparse = full;
        sparse.src = NULL;
        sparse.sparse = &s;
        sparse.rows = sparse_rows;
        for (JDIMENSION y = 0; y < full.height;) {
            JDIMENSION n = 1 + ot_coef_rand(&s_rng) % full.rows_cap;
            JBLOCKARRAY a = es_coef_plane_rows(&full, y, n), b = es_coef_plane_rows(&sparse, y, n);
            REQUIRE(a && b);
            if (!s_rows_as_defined(&full, a, y, n) || !s_rows_as_defined(&sparse, b, y, n))
                break;
            y += n;
        }
    }
    es_sparse_coefs_free(&s);
}

int main(void)
{
    /* through every implementation of block_pack.c */
    static const ot_named_test each[] = {OT_TEST(test_groups_at_their_limit),
                                         OT_TEST(test_mixed_forms_in_any_order),
                                         OT_TEST(test_planes_from_the_store)};
    if (!ot_run_per_pack_variant(each, sizeof each / sizeof each[0]))
        return 1;
    return es_test_finish();
}
