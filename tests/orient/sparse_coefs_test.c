/* sparse_coefs_test.c - the sparse coefficient store of
 * src/orient/sparse_coefs.c: random blocks of every density (all zero, one
 * coefficient, 59 and 60 non-zero either side of the dense form, all 64,
 * the extreme values, half of them with AC values that fit a byte: the
 * narrow form) come back exactly, rows the decoder skipped read as
 * zero, reads and appends outside the stored rows or past the capacity
 * fail without storing anything (a narrow record is measured as narrow), a
 * stored row is left all zero; and coef_plane.c produces the same
 * destination blocks from a sparse source as from a full array for every
 * mirror/transpose combination; all of it through every implementation of
 * block_pack.c this CPU runs. The records' pages are populated before
 * they are written: the whole index at once, the records' space a row's
 * largest records ahead of the cursor, and never more than that plus
 * ES_SPARSE_POPULATE_STEP (and a page) past it (mincore; that bound is not
 * checked under ASan, whose allocator may hand out memory already used). */
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "../harness/test.h"
#include "coef_util.h"
#include "orient/block_pack.h"
#include "orient/coef_plane.h"
#include "orient/sparse_coefs.h"
#include "pages_util.h"

/* 667 blocks: the index has three groups (ES_SPARSE_GROUP entries each) */
#define S_W 23
#define S_H 29

static JBLOCK s_src[S_H][S_W];
static uint32_t s_rng = 12345;

static void s_block(JCOEF *b, int n) { ot_coef_block(b, n, &s_rng); }

static void s_fill(void)
{
    static const int counts[] = {0, 1, 2, 3, 5, 12, 59, 60, 61, 63, 64};
    for (int r = 0; r < S_H; r++)
        for (int c = 0; c < S_W; c++) {
            int i = r * S_W + c;
            JCOEF *b = s_src[r][c];
            s_block(b, counts[(size_t)i % (sizeof counts / sizeof counts[0])]);
            for (int k = 1; i % 2 && k < DCTSIZE2; k++) /* AC values in -127..127 */
                if (b[k])
                    b[k] = b[k] % 128 ? (JCOEF)(b[k] % 128) : 127;
        }
}

/* The units a block's record holds after its mask (sparse_coefs.h), or
 * DCTSIZE2 for the 64 values. */
static int s_stored_units(const JCOEF *b)
{
    int n = 0, dc = b[0] != 0;
    bool fit = true;
    for (int k = 0; k < DCTSIZE2; k++)
        if (b[k]) {
            n++;
            fit &= k == 0 || (b[k] >= -128 && b[k] <= 127);
        }
    if (n >= ES_SPARSE_DENSE_FROM)
        return DCTSIZE2;
    return fit && n - dc >= ES_SPARSE_NARROW_FROM ? dc + (n - dc + 1) / 2 : n;
}

/* Stores a copy of source row src_row as row `row` (put_row clears what it
 * is given: a stored copy must come back all zero). */
static bool s_put(es_sparse_coefs *s, JDIMENSION row, JDIMENSION src_row)
{
    static JBLOCK copy[S_W];
    static const JBLOCK zero[S_W];
    memcpy(copy, s_src[src_row], sizeof copy);
    if (!es_sparse_coefs_put_row(s, row, copy))
        return false;
    CHECK_MEM_EQ(copy, sizeof copy, zero, sizeof zero);
    return true;
}

static bool s_store_all(es_sparse_coefs *s, size_t cap)
{
    if (!es_sparse_coefs_init(s, S_W, S_H, cap))
        return false;
    for (JDIMENSION r = 0; r < S_H; r++)
        if (!s_put(s, r, r))
            return false;
    es_sparse_coefs_finish(s);
    return true;
}

static void test_round_trip(void)
{
    s_fill();
    es_sparse_coefs s;
    REQUIRE(s_store_all(&s, sizeof s_src + 4096));
    for (JDIMENSION r = 0; r < S_H; r++)
        for (JDIMENSION c = 0; c < S_W; c++) {
            JCOEF got[DCTSIZE2];
            REQUIRE(es_sparse_coefs_get(&s, r, c, got));
            CHECK_MEM_EQ(got, sizeof got, s_src[r][c], sizeof got);
            es_sparse_block b;
            REQUIRE(es_sparse_coefs_block(&s, r, c, &b));
            /* the stored form: nothing, mask and values (narrow or not), or the 64 values */
            CHECK_INT_EQ(b.n, s_stored_units(s_src[r][c]));
        }
    CHECK(s.used < s.pool_cap);
    es_sparse_coefs_free(&s);
}

static void test_skipped_rows_are_zero(void)
{
    s_fill();
    es_sparse_coefs s;
    REQUIRE(es_sparse_coefs_init(&s, S_W, S_H, sizeof s_src + 4096));
    REQUIRE(s_put(&s, 1, 1));   /* row 0 skipped */
    REQUIRE(s_put(&s, 4, 4));   /* rows 2, 3 skipped */
    REQUIRE(s_put(&s, 15, 15)); /* rows 5-14 skipped, across the second group's first entry */
    es_sparse_coefs_finish(&s); /* rows 16-28, across the third's */
    for (JDIMENSION r = 0; r < S_H; r++)
        for (JDIMENSION c = 0; c < S_W; c++) {
            JCOEF got[DCTSIZE2], zero[DCTSIZE2] = {0};
            REQUIRE(es_sparse_coefs_get(&s, r, c, got));
            const JCOEF *want = r == 1 || r == 4 || r == 15 ? s_src[r][c] : zero;
            CHECK_MEM_EQ(got, sizeof got, want, sizeof got);
        }
    es_sparse_coefs_free(&s);
}

static void test_bounds(void)
{
    s_fill();
    es_sparse_coefs s;
    JCOEF got[DCTSIZE2];
    REQUIRE(es_sparse_coefs_init(&s, S_W, S_H, sizeof s_src + 4096));
    CHECK(!es_sparse_coefs_get(&s, 0, 0, got)); /* nothing stored yet */
    REQUIRE(s_put(&s, 0, 0));
    REQUIRE(s_put(&s, 1, 1));
    CHECK(es_sparse_coefs_get(&s, 1, S_W - 1, got));
    CHECK(!es_sparse_coefs_get(&s, 0, S_W, got)); /* past the width (row 1's first block is stored) */
    CHECK(!es_sparse_coefs_get(&s, 1, S_W, got));
    CHECK(!es_sparse_coefs_get(&s, 2, 0, got)); /* not stored yet */
    CHECK(!s_put(&s, 1, 1));                    /* a row again */
    CHECK(!s_put(&s, 0, 0));                    /* going back */
    CHECK(!s_put(&s, S_H, 0));                  /* past the height */
    CHECK_INT_EQ(s.rows_done, 2);
    es_sparse_coefs_free(&s);
    /* a capacity that cannot hold even the index */
    CHECK(!es_sparse_coefs_init(&s, S_W, S_H, es_sparse_coefs_index_bytes(S_W * S_H) - 1));
    CHECK(s.base == NULL && s.pool == NULL);
}

static void test_capacity(void)
{
    s_fill();
    es_sparse_coefs s;
    REQUIRE(s_store_all(&s, sizeof s_src + 4096));
    size_t need = s.used;
    es_sparse_coefs_free(&s);
    size_t index = es_sparse_coefs_index_bytes(S_W * S_H);
    CHECK_INT_EQ(index, 3 * sizeof(uint32_t) + (S_W * S_H + 1) * sizeof(uint16_t));
    REQUIRE(s_store_all(&s, index + need * sizeof(JCOEF))); /* exactly enough */
    CHECK_INT_EQ(s.used, need);
    es_sparse_coefs_free(&s);
    REQUIRE(es_sparse_coefs_init(&s, S_W, S_H, index + (need - 1) * sizeof(JCOEF))); /* one unit short */
    JDIMENSION r = 0;
    while (r < S_H && s_put(&s, r, r))
        r++;
    CHECK_INT_EQ(r, S_H - 1); /* the last row does not fit, and nothing of it is stored */
    CHECK_INT_EQ(s.rows_done, S_H - 1);
    CHECK(s.used <= s.pool_cap);
    es_sparse_coefs_free(&s);
    /* every block dense: a store given a full array's size minus its index holds it */
    for (int rr = 0; rr < S_H; rr++)
        for (int c = 0; c < S_W; c++)
            s_block(s_src[rr][c], DCTSIZE2);
    CHECK(s_store_all(&s, sizeof s_src + index));
    CHECK(s.used <= sizeof s_src / sizeof(JCOEF));
    es_sparse_coefs_free(&s);
    CHECK(!s_store_all(&s, sizeof s_src)); /* the index does not come on top */
    es_sparse_coefs_free(&s);
}

/* A narrow record that fits the last units of the capacity is stored (its
 * 16-bit form would not fit), one a unit longer than what is left is not. */
static void test_narrow_record_fits_the_end(void)
{
    JBLOCK row[1];
    size_t index = es_sparse_coefs_index_bytes(1);
    for (size_t room = 14; room <= 16; room++) {
        memset(row, 0, sizeof row);
        row[0][0] = 300; /* DC: one unit; 20 AC values of a byte: ten units */
        for (int k = 1; k <= 20; k++)
            row[0][k * 3] = (JCOEF)(k % 2 ? k : -k);
        JBLOCK want;
        memcpy(want, row[0], sizeof want);
        CHECK_INT_EQ(es_block_record_units(row[0]), ES_SPARSE_MASK_UNITS + 1 + 10);
        es_sparse_coefs s;
        REQUIRE(es_sparse_coefs_init(&s, 1, 1, index + room * sizeof(JCOEF)));
        CHECK_INT_EQ(s.pool_cap, room); /* under the 16-bit form's 4 + 21 units */
        bool stored = es_sparse_coefs_put_row(&s, 0, row);
        CHECK_INT_EQ(stored, room >= 15);
        if (stored) {
            JCOEF got[DCTSIZE2];
            CHECK(es_sparse_coefs_get(&s, 0, 0, got));
            CHECK_MEM_EQ(got, sizeof got, want, sizeof want);
            CHECK_INT_EQ(s.used, 15);
        }
        es_sparse_coefs_free(&s);
    }
}

/* coef_plane.c from a sparse source gives what it gives from the array. */
static void test_plane_from_sparse_source(void)
{
    s_fill();
    es_sparse_coefs s;
    REQUIRE(s_store_all(&s, sizeof s_src + 4096));
    static JBLOCKROW src_rows[S_H];
    for (int r = 0; r < S_H; r++)
        src_rows[r] = s_src[r];
    static JBLOCK full_dst[4][S_W > S_H ? S_W : S_H], sparse_dst[4][S_W > S_H ? S_W : S_H];
    static JBLOCKROW full_rows[4], sparse_rows[4];
    for (int k = 0; k < 4; k++) {
        full_rows[k] = full_dst[k];
        sparse_rows[k] = sparse_dst[k];
    }
    for (int op = 0; op < 8; op++) {
        bool transpose = op & 4;
        es_coef_plane full = {.src = src_rows,
                              .src_width = S_W,
                              .src_height = S_H,
                              .width = transpose ? S_H : S_W,
                              .height = transpose ? S_W : S_H,
                              .mirror_w = op & 1 ? (transpose ? S_H : S_W) - 1 : 0,
                              .mirror_h = op & 2 ? (transpose ? S_W : S_H) : 0,
                              .transpose = transpose,
                              .rows = full_rows,
                              .rows_cap = 4};
        es_coef_plane sparse = full;
        sparse.src = NULL;
        sparse.sparse = &s;
        sparse.rows = sparse_rows;
        for (JDIMENSION y = 0; y < full.height; y++) {
            JBLOCKARRAY a = es_coef_plane_rows(&full, y, 1), b = es_coef_plane_rows(&sparse, y, 1);
            REQUIRE(a && b);
            CHECK_MEM_EQ(b[0], full.width * sizeof(JBLOCK), a[0], full.width * sizeof(JBLOCK));
        }
    }
    es_sparse_coefs_free(&s);
}

/* A store of many one-coefficient blocks (records of a few units): its
 * pages as rows are appended. */
#define S_WIDE 512
#define S_TALL 64

/* Whether the records' space was populated, for the row stored after
 * `used` units, through its largest records (a row of S_WIDE dense blocks),
 * and (not under ASan) no further than a step past them. */
static void s_check_ahead(const es_sparse_coefs *s, size_t used)
{
    size_t ahead = (used + (size_t)S_WIDE * DCTSIZE2 + ES_BLOCK_PACK_SLACK) * sizeof(JCOEF);
    CHECK_INT_EQ(ot_resident(s->pool, ahead), ot_whole_pages(s->pool, ahead));
    size_t bound = ahead + ES_SPARSE_POPULATE_STEP + ot_page(), cap = (s->pool_cap + ES_BLOCK_PACK_SLACK) * 2;
    if (!OT_SANITIZED && bound < cap)
        CHECK_INT_EQ(ot_resident((const char *)s->pool + bound, cap - bound), 0);
}

static void test_pages_are_populated_ahead(void)
{
    SKIP_UNLESS_POPULATING();
    mallopt(M_MMAP_THRESHOLD, 128 << 10); /* blocks this large are fresh mappings (glibc) */
    static JBLOCK row[S_WIDE];
    es_sparse_coefs s;
    REQUIRE(es_sparse_coefs_init(&s, S_WIDE, S_TALL, (size_t)S_WIDE * S_TALL * sizeof(JBLOCK)));
    size_t index = es_sparse_coefs_index_bytes((size_t)S_WIDE * S_TALL);
    /* With transparent huge pages "always" (Fedora, RHEL, Arch) one write
     * could bring in a whole 2 MiB page of the pool: the bound below counts
     * small pages, so the pool asks for those. */
    size_t pool_bytes = (s.pool_cap + ES_BLOCK_PACK_SLACK) * sizeof(JCOEF);
    size_t lead = (ot_page() - (uintptr_t)s.pool % ot_page()) % ot_page(); /* to its first whole page */
    if (pool_bytes > lead)
        (void)madvise((char *)s.pool + lead, (pool_bytes - lead) / ot_page() * ot_page(), MADV_NOHUGEPAGE);
    CHECK_INT_EQ(ot_resident(s.base, index), ot_whole_pages(s.base, index));
    for (JDIMENSION r = 0; r < S_TALL; r++) {
        for (int c = 0; c < S_WIDE; c++)
            s_block(row[c], 1 + (int)(r + (JDIMENSION)c) % 3);
        size_t used = s.used;
        REQUIRE(es_sparse_coefs_put_row(&s, r, row));
        s_check_ahead(&s, used);
    }
    CHECK(s.used > ES_SPARSE_POPULATE_STEP / sizeof(JCOEF)); /* the rows took several steps */
    es_sparse_coefs_free(&s);
}

int main(void)
{
    /* through every implementation of block_pack.c */
    static const ot_named_test each[] = {OT_TEST(test_round_trip), OT_TEST(test_skipped_rows_are_zero),
                                         OT_TEST(test_capacity), OT_TEST(test_narrow_record_fits_the_end),
                                         OT_TEST(test_plane_from_sparse_source)};
    if (!ot_run_per_pack_variant(each, sizeof each / sizeof each[0]))
        return 1;
    ES_RUN(test_bounds);
    ES_RUN(test_pages_are_populated_ahead);
    return es_test_finish();
}
