/* dense_coefs_test.c - es_dense_coefs (src/orient/dense_coefs.c): every
 * coefficient starts zero, also in a block kept from an earlier array
 * (common/block_cache.h) that held other values; rows are consecutive
 * pointers into one block and stay put; a request outside the array (or
 * whose end overflows) gets NULL; a size past memory is refused; the pages
 * of the rows asked for are populated before they are written, and (not
 * under a sanitizer) no further than a step past them. */
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include "../harness/test.h"
#include "common/block_cache.h"
#include "orient/dense_coefs.h"
#include "pages_util.h"

#define S_WIDE 512 /* a row of 64 KiB */
#define S_TALL 96

static bool s_all_zero(const es_dense_coefs *d)
{
    for (JDIMENSION r = 0; r < d->height; r++)
        for (JDIMENSION c = 0; c < d->width; c++)
            for (int k = 0; k < DCTSIZE2; k++)
                if (d->rows[r][c][k])
                    return false;
    return true;
}

static void test_rows_are_consecutive_and_zero(void)
{
    es_dense_coefs d;
    REQUIRE(es_dense_coefs_init(&d, 7, 5));
    CHECK_INT_EQ(d.width, 7);
    CHECK_INT_EQ(d.height, 5);
    JBLOCKARRAY all = es_dense_coefs_rows(&d, 0, 5);
    REQUIRE(all);
    for (JDIMENSION r = 0; r < 5; r++)
        CHECK(all[r] == d.blocks + r * 7);
    JBLOCKARRAY two = es_dense_coefs_rows(&d, 3, 2);
    CHECK(two == all + 3); /* the same pointers, wherever the request starts */
    CHECK(s_all_zero(&d));
    two[1][6][63] = 5; /* the last coefficient of the array */
    CHECK_INT_EQ(d.blocks[5 * 7 - 1][63], 5);
    es_dense_coefs_free(&d);
    CHECK(d.blocks == NULL && d.rows == NULL);
    es_dense_coefs_free(&d); /* freeing an empty one does nothing */
}

static void test_requests_outside_are_refused(void)
{
    es_dense_coefs d;
    REQUIRE(es_dense_coefs_init(&d, 3, 4));
    CHECK(es_dense_coefs_rows(&d, 0, 4) != NULL);
    CHECK(es_dense_coefs_rows(&d, 4, 0) != NULL); /* empty, at the end */
    CHECK(es_dense_coefs_rows(&d, 0, 5) == NULL);
    CHECK(es_dense_coefs_rows(&d, 3, 2) == NULL);
    CHECK(es_dense_coefs_rows(&d, 5, 0) == NULL);
    CHECK(es_dense_coefs_rows(&d, 1, (JDIMENSION)-1) == NULL); /* row + n wraps */
    es_dense_coefs_free(&d);
    CHECK(es_dense_coefs_rows(&d, 0, 0) == NULL); /* a freed array has no rows */
    CHECK(!es_dense_coefs_init(&d, 0, 4));
    CHECK(!es_dense_coefs_init(&d, 4, 0));
    CHECK(!es_dense_coefs_init(&d, (JDIMENSION)-1, (JDIMENSION)-1)); /* 2^64 x 128 bytes */
    CHECK(d.blocks == NULL && d.rows == NULL);
}

/* A block given back and kept is handed to the next array of its size with
 * every coefficient zero again. */
static void test_a_kept_block_is_cleared(void)
{
    es_block_cache_limit((size_t)64 << 20, 0, 0);
    es_block_cache_stats before = es_block_cache_stats_now();
    es_dense_coefs d;
    REQUIRE(es_dense_coefs_init(&d, S_WIDE, 8));
    JBLOCKARRAY rows = es_dense_coefs_rows(&d, 0, 8);
    REQUIRE(rows);
    for (JDIMENSION r = 0; r < 8; r++)
        memset(rows[r], 0x5A, S_WIDE * sizeof(JBLOCK));
    JBLOCK *first = d.blocks;
    es_dense_coefs_free(&d);
    REQUIRE(es_dense_coefs_init(&d, S_WIDE, 8));
    if (!ES_BLOCK_CACHE_POISONS) { /* ASan builds malloc each block */
        CHECK(d.blocks == first);
        CHECK(es_block_cache_stats_now().reused > before.reused);
    }
    CHECK(s_all_zero(&d));
    es_dense_coefs_free(&d);
    es_block_cache_limit(0, 0, 0);
}

static void test_pages_are_populated_ahead(void)
{
    SKIP_UNLESS_POPULATING();
    es_dense_coefs d;
    REQUIRE(es_dense_coefs_init(&d, S_WIDE, S_TALL));
    size_t row = (size_t)S_WIDE * sizeof(JBLOCK), bytes = row * S_TALL;
    /* small pages, as in sparse_coefs_test (transparent huge pages "always"
     * would bring in 2 MiB at the first write) */
    size_t lead = (ot_page() - (uintptr_t)d.blocks % ot_page()) % ot_page();
    (void)madvise((char *)d.blocks + lead, (bytes - lead) / ot_page() * ot_page(), MADV_NOHUGEPAGE);
    if (!OT_SANITIZED)
        CHECK_INT_EQ(ot_resident(d.blocks, bytes), 0); /* a fresh block: nothing resident yet */
    for (JDIMENSION r = 0; r < S_TALL; r += 2) {
        JBLOCKARRAY rows = es_dense_coefs_rows(&d, r, 2);
        REQUIRE(rows);
        size_t end = (r + 2) * row;
        CHECK_INT_EQ(ot_resident(d.blocks, end), ot_whole_pages(d.blocks, end));
        size_t bound = end + ES_DENSE_POPULATE_STEP + ot_page();
        if (!OT_SANITIZED && bound < bytes)
            CHECK_INT_EQ(ot_resident((const char *)d.blocks + bound, bytes - bound), 0);
        rows[1][S_WIDE - 1][0] = 1; /* the decoder writes them */
    }
    CHECK(bytes > 2 * ES_DENSE_POPULATE_STEP); /* the rows took several steps */
    es_dense_coefs_free(&d);
}

int main(void)
{
    ES_RUN(test_rows_are_consecutive_and_zero);
    ES_RUN(test_requests_outside_are_refused);
    ES_RUN(test_a_kept_block_is_cleared);
    ES_RUN(test_pages_are_populated_ahead);
    return es_test_finish();
}
