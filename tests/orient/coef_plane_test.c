/* coef_plane_test.c - the destination blocks of src/orient/coef_plane.c on a
 * tiny hand-made component, checked against the definitions written out
 * here (block (x, y) from the mirrored/transposed source position, odd
 * horizontal frequencies negated by a left-right mirror, odd vertical ones by
 * a top-bottom mirror); rows produced a window at a time and reused; the
 * guards (a request over the window, a source block outside the component);
 * the same from a sparse store holding every record form.
 * The byte-exact comparison with tjTransform is lossless_oracle_test.c. */
#include <stdlib.h>
#include <string.h>

#include "../harness/test.h"
#include "orient/coef_plane.h"

#define S_SRC_ROWS 3
#define S_SRC_COLS 4

static JBLOCK s_src[S_SRC_ROWS][S_SRC_COLS];
static JBLOCKROW s_src_rows[S_SRC_ROWS];
static JBLOCK s_dst[8][S_SRC_ROWS > S_SRC_COLS ? S_SRC_ROWS : S_SRC_COLS];
static JBLOCKROW s_dst_rows[8];

static JCOEF s_value(unsigned r, unsigned c, unsigned k)
{
    return (JCOEF)((r * S_SRC_COLS + c) * 64 + k + 1);
}

static void s_fill_source(void)
{
    for (unsigned r = 0; r < S_SRC_ROWS; r++) {
        s_src_rows[r] = s_src[r];
        for (unsigned c = 0; c < S_SRC_COLS; c++)
            for (unsigned k = 0; k < DCTSIZE2; k++)
                s_src[r][c][k] = s_value(r, c, k);
    }
    for (unsigned y = 0; y < 8; y++)
        s_dst_rows[y] = s_dst[y];
}

static es_coef_plane s_plane(bool transpose, JDIMENSION mirror_w, JDIMENSION mirror_h, JDIMENSION rows_cap)
{
    es_coef_plane p = {.src = s_src_rows,
                       .src_width = S_SRC_COLS,
                       .src_height = S_SRC_ROWS,
                       .width = transpose ? S_SRC_ROWS : S_SRC_COLS,
                       .height = transpose ? S_SRC_COLS : S_SRC_ROWS,
                       .mirror_w = mirror_w,
                       .mirror_h = mirror_h,
                       .transpose = transpose,
                       .rows = s_dst_rows,
                       .rows_cap = rows_cap};
    return p;
}

/* Checks every destination block of p against the definition. */
static void s_check_all(es_coef_plane *p)
{
    for (JDIMENSION y = 0; y < p->height; y++) {
        JBLOCKARRAY rows = es_coef_plane_rows(p, y, 1);
        REQUIRE(rows);
        for (JDIMENSION x = 0; x < p->width; x++) {
            bool mx = x < p->mirror_w, my = y < p->mirror_h;
            unsigned sx = mx ? p->mirror_w - 1 - x : x, sy = my ? p->mirror_h - 1 - y : y;
            unsigned sr = p->transpose ? sx : sy, sc = p->transpose ? sy : sx;
            for (unsigned k = 0; k < DCTSIZE2; k++) {
                unsigned u = k / 8, v = k % 8; /* destination row (vertical frequency), column */
                unsigned from = p->transpose ? v * 8 + u : k;
                int want = s_src[sr][sc][from]; /* s_value(sr, sc, from) unless a test changed it */
                if ((mx && (v & 1)) != (my && (u & 1)))
                    want = -want;
                if (rows[0][x][k] != want) {
                    es_test_fail(__FILE__, __LINE__, "block (%u, %u) coefficient %u: %d, want %d", x, y, k,
                                 rows[0][x][k], want);
                    return;
                }
            }
        }
    }
}

static void test_every_kind_of_block(void)
{
    s_fill_source();
    /* rotate 180 with a partial right column and bottom row left unmirrored */
    es_coef_plane rot180 = s_plane(false, 3, 2, 1);
    s_check_all(&rot180);
    /* rotate 90: transposed, columns mirrored, the last one unmirrored */
    es_coef_plane rot90 = s_plane(true, 2, 0, 2);
    s_check_all(&rot90);
    /* transverse: both mirrored, whole */
    es_coef_plane transverse = s_plane(true, S_SRC_ROWS, S_SRC_COLS, 4);
    s_check_all(&transverse);
    /* the block moves and the sign flips really happen (the checks above are not of a copy) */
    JBLOCKARRAY rows = es_coef_plane_rows(&transverse, 0, 1);
    REQUIRE(rows);
    CHECK_INT_EQ(rows[0][0][0], s_value(S_SRC_ROWS - 1, S_SRC_COLS - 1, 0));
    CHECK_INT_EQ(rows[0][0][1], -s_value(S_SRC_ROWS - 1, S_SRC_COLS - 1, 8));
}

/* Gives the source's blocks every record form of sparse_coefs.h: column 0
 * dense (row 2 all zero), 1 with 48 non-zero values, 2 with 9, 3 with small
 * AC values (narrow). */
static void s_sparsen_source(void)
{
    for (unsigned r = 0; r < S_SRC_ROWS; r++)
        for (unsigned k = 1; k < DCTSIZE2; k++) {
            if (k >= 5 && k < 21)
                s_src[r][1][k] = 0;
            if (k >= 9)
                s_src[r][2][k] = 0;
            s_src[r][3][k] = (JCOEF)(k % 3 ? (k & 1 ? -(int)k : (int)k) : 0);
        }
    memset(s_src[2][0], 0, sizeof s_src[2][0]);
}

/* The same blocks from a sparse store of the source (coef_plane reads it by
 * index entry), and its guard: a block of a row the store does not hold. */
static void test_a_sparse_source_gives_the_same_blocks(void)
{
    s_fill_source();
    s_sparsen_source();
    es_sparse_coefs store;
    REQUIRE(es_sparse_coefs_init(&store, S_SRC_COLS, S_SRC_ROWS, 1 << 20));
    for (unsigned r = 0; r < S_SRC_ROWS; r++) {
        JBLOCK row[S_SRC_COLS];
        memcpy(row, s_src[r], sizeof row); /* put_row clears what it stores */
        REQUIRE(es_sparse_coefs_put_row(&store, r, row));
    }
    es_sparse_coefs_finish(&store);
    es_coef_plane kinds[] = {s_plane(false, 3, 2, 1), s_plane(true, 2, 0, 2),
                             s_plane(true, S_SRC_ROWS, S_SRC_COLS, 4), s_plane(false, 0, S_SRC_ROWS, 2)};
    for (unsigned i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        kinds[i].src = NULL;
        kinds[i].sparse = &store;
        s_check_all(&kinds[i]);
    }
    es_sparse_coefs short_store = store;
    short_store.rows_done = S_SRC_ROWS - 1; /* the last row not stored */
    es_coef_plane p = s_plane(true, 0, 0, 2);
    p.src = NULL;
    p.sparse = &short_store;
    CHECK(es_coef_plane_rows(&p, 0, 1) == NULL); /* its last column reads the unstored row */
    p = s_plane(false, 0, 0, 2);
    p.src = NULL;
    p.sparse = &short_store;
    CHECK(es_coef_plane_rows(&p, 0, 1) != NULL); /* rows 0 and 1 are held */
    CHECK(es_coef_plane_rows(&p, 2, 1) == NULL);
    es_sparse_coefs narrow_store = store;
    narrow_store.width = S_SRC_COLS - 1; /* a store narrower than the source */
    p = s_plane(false, 0, 0, 2);
    p.src = NULL;
    p.sparse = &narrow_store;
    CHECK(es_coef_plane_rows(&p, 0, 1) == NULL);
    es_sparse_coefs_free(&store);
}

static void test_rows_come_a_window_at_a_time(void)
{
    s_fill_source();
    es_coef_plane p = s_plane(false, 0, 0, 2);
    JBLOCKARRAY first = es_coef_plane_rows(&p, 0, 1);
    REQUIRE(first);
    s_src[1][0][0] = 9999; /* row 1 was produced with row 0: the change is not seen */
    JBLOCKARRAY second = es_coef_plane_rows(&p, 1, 1);
    REQUIRE(second);
    CHECK(second == first + 1);
    CHECK_INT_EQ(second[0][0][0], s_value(1, 0, 0));
    JBLOCKARRAY third = es_coef_plane_rows(&p, 2, 1); /* a new window */
    REQUIRE(third);
    CHECK(third == first);
    CHECK_INT_EQ(third[0][0][0], s_value(2, 0, 0));
    second = es_coef_plane_rows(&p, 1, 1); /* produced again: now it is seen */
    REQUIRE(second);
    CHECK_INT_EQ(second[0][0][0], 9999);
}

static void test_guards(void)
{
    s_fill_source();
    es_coef_plane p = s_plane(false, 0, 0, 2);
    CHECK(es_coef_plane_rows(&p, 0, 3) == NULL); /* more rows than the window holds */
    es_coef_plane short_source = s_plane(true, 0, 0, 2);
    short_source.width = S_SRC_ROWS + 1; /* a destination column past the source's rows */
    CHECK(es_coef_plane_rows(&short_source, 0, 1) == NULL);
    short_source = s_plane(false, 5, 0, 2); /* mirrored from past the source's columns */
    CHECK(es_coef_plane_rows(&short_source, 0, 1) == NULL);
    short_source = s_plane(false, 0, S_SRC_ROWS + 1, 2); /* mirrored from past the source's rows */
    CHECK(es_coef_plane_rows(&short_source, 0, 1) == NULL);
}

int main(void)
{
    ES_RUN(test_every_kind_of_block);
    ES_RUN(test_a_sparse_source_gives_the_same_blocks);
    ES_RUN(test_rows_come_a_window_at_a_time);
    ES_RUN(test_guards);
    return es_test_finish();
}
