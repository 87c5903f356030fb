/* huff_encode_test.c - huff_encode.c writes libjpeg-turbo's bytes: the
 * coefficients of generated photos in 4:2:0, 4:2:2, 4:4:4, 4:4:0, 4:1:1,
 * gray and CMYK, of MCU-aligned, odd and one-pixel sizes, qualities 50 to
 * 100, written again with restart intervals of 1 and 3 MCUs, one scan per
 * component and through a destination of tiny windows; and made-up blocks at
 * the limits (DC differences of +-2047 and +-1023, AC values of +-1023 in
 * every run and size, long zero runs, 63 zeros then a value, all-zero
 * blocks, blocks of 0xFF-heavy codes), each with the C and the AVX-512
 * coding (the latter where the CPU has it). Values beyond the limits are
 * given up (and a turned photo needing them is still tjTransform's bytes). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../harness/test.h"
#include "../support/fixture.h"
#include "common/buf.h"
#include "huff_enc_util.h"
#include "layouts.h"
#include "orient_util.h"
#include "tj_oracle.h"

/* Both encodings of jpeg (through fill) with each implementation: the same
 * bytes (expect_give_up: the implementations give up instead). */
static void s_compare(const char *what, const uint8_t *jpeg, size_t len, he_fill_fn fill, void *ctx,
                      const he_params *p, bool expect_give_up)
{
    uint8_t *want = NULL;
    size_t want_len = 0;
    if (he_write(jpeg, len, fill, ctx, p, HE_LIBRARY, &want, &want_len) != HE_OK) {
        es_test_fail(__FILE__, __LINE__, "%s: libjpeg-turbo failed", what);
        return;
    }
    for (int impl = ES_HUFF_ENCODE_FAST; impl <= ES_HUFF_ENCODE_PORTABLE; impl++) {
        uint8_t *got = NULL;
        size_t got_len = 0;
        he_result r = he_write(jpeg, len, fill, ctx, p, impl, &got, &got_len);
        if (r == HE_NOT_INSTALLED && impl == ES_HUFF_ENCODE_FAST)
            continue; /* no AVX-512 here */
        if (expect_give_up) {
            if (r != HE_GAVE_UP)
                es_test_fail(__FILE__, __LINE__, "%s (impl %d): result %d, not a give-up", what, impl, (int)r);
        } else if (r != HE_OK) {
            es_test_fail(__FILE__, __LINE__, "%s (impl %d): result %d", what, impl, (int)r);
        } else if (got_len != want_len || memcmp(got, want, want_len) != 0) {
            size_t at = 0;
            while (at < got_len && at < want_len && got[at] == want[at])
                at++;
            es_test_fail(__FILE__, __LINE__,
                         "%s (impl %d): %zu bytes, libjpeg-turbo %zu, first difference at %zu", what, impl,
                         got_len, want_len, at);
        }
        free(got);
    }
    free(want);
}

static void test_layouts_sizes_qualities(void)
{
    static const int qualities[] = {50, 75, 92, 100};
    static const he_params params[] = {
        {0, false, false, 0}, {1, false, false, 0}, {3, false, true, 0},
        {0, true, false, 0},  {1, true, false, 0},
    };
    unsigned seed = 1;
    for (size_t li = 0; li < OT_LAYOUTS_N; li++)
        for (size_t si = 0; si < OT_SIZES_N; si++)
            for (size_t qi = 0; qi < sizeof qualities / sizeof qualities[0]; qi++) {
                int w = ot_sizes[si][0], h = ot_sizes[si][1], q = qualities[qi];
                size_t len = 0;
                uint8_t *jpeg = ot_layout_make(&ot_layouts[li], w, h, q, 0, seed++, &len);
                REQUIRE(jpeg);
                for (size_t pi = 0; pi < sizeof params / sizeof params[0]; pi++) {
                    char what[160];
                    snprintf(what, sizeof what, "%s %dx%d q%d restart %d per component %d tiny %d",
                             ot_layouts[li].name, w, h, q, params[pi].restart, params[pi].per_component,
                             params[pi].tiny_windows);
                    s_compare(what, jpeg, len, NULL, NULL, &params[pi], false);
                }
                free(jpeg);
            }
}

/* Made-up blocks: kind selects the pattern. */
enum {
    S_ALL_ZERO,   /* every coefficient 0 */
    S_DC_2047,    /* DC 1023, -1024 alternating: differences of +-2047 (11 bits), AC 0 */
    S_DC_1023,    /* DC 0, 1023, 0, -1023, ...: differences of +-1023 */
    S_LAST_ONLY,  /* 63 zeros then +-1023 (runs of 62: three ZRLs and a run of 14) */
    S_FIRST_LAST, /* zigzag 1 and 63: a run of 61 */
    S_FULL_1023,  /* all 64 +-1023, signs alternating: the longest block, 0xFF-heavy codes */
    S_RUNS_SIZES, /* every run 0..17 with every size 1..10, spread over the blocks */
    S_ONES,       /* all AC 1 or -1 */
    S_AC_1024,    /* one AC of 1024: beyond 10 bits (given up) */
    S_DC_2048,    /* DC differences of 2048: beyond 11 bits (given up) */
    S_EXTREMES,   /* -32768 and 32767 (given up) */
    S_KINDS
};

static const uint8_t s_zigzag[DCTSIZE2] = {0,  1,  8,  16, 9,  2,  3,  10, 17, 24, 32, 25, 18, 11, 4,  5,
                                           12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6,  7,  14, 21, 28,
                                           35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51,
                                           58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63};

static void s_fill(void *ctx, uint64_t n, int ci, JDIMENSION row, JDIMENSION col, JCOEF *b)
{
    int kind = *(const int *)ctx;
    (void)ci;
    (void)row;
    (void)col;
    int sign = n % 2 ? -1 : 1;
    memset(b, 0, DCTSIZE2 * sizeof *b);
    switch (kind) {
    case S_DC_2047: b[0] = (JCOEF)(n % 2 ? -1024 : 1023); break;
    case S_DC_1023: b[0] = (JCOEF)(n % 2 ? 0 : n % 4 ? -1023 : 1023); break;
    case S_LAST_ONLY: b[63] = (JCOEF)(1023 * sign); break;
    case S_FIRST_LAST:
        b[s_zigzag[1]] = (JCOEF)(-5 * sign);
        b[63] = (JCOEF)(512 * sign);
        break;
    case S_FULL_1023:
        for (int k = 0; k < DCTSIZE2; k++)
            b[k] = (JCOEF)(k % 2 ? -1023 : 1023);
        break;
    case S_RUNS_SIZES: {
        int run = (int)(n % 18), size = 1 + (int)(n / 18 % 10), k = 1 + run;
        b[0] = (JCOEF)((int)(n % 100) - 50);
        for (; k < DCTSIZE2; k += run + 1) {
            int v = (1 << (size - 1)) + (int)(n % (1u << (size - 1)));
            b[s_zigzag[k]] = (JCOEF)(v * sign);
            sign = -sign;
        }
        break;
    }
    case S_ONES:
        for (int k = 1; k < DCTSIZE2; k++)
            b[k] = (JCOEF)((k + (int)n) % 3 ? 1 : -1);
        break;
    case S_AC_1024: b[5] = (JCOEF)(n == 3 ? 1024 : 7); break;
    case S_DC_2048: b[0] = (JCOEF)(n % 2 ? 1024 : -1024); break;
    case S_EXTREMES:
        b[0] = (JCOEF)(n % 2 ? 32767 : -32768);
        b[1] = -32768;
        break;
    default: break;
    }
}

static void test_made_up_blocks(void)
{
    for (size_t li = 0; li < OT_LAYOUTS_N; li++) {
        size_t len = 0;
        uint8_t *jpeg = ot_layout_make(&ot_layouts[li], 67, 41, 90, 0, 7, &len);
        REQUIRE(jpeg);
        for (int kind = 0; kind < S_KINDS; kind++)
            for (int restart = 0; restart < 4; restart += 3) {
                he_params p = {restart, false, kind == S_FULL_1023, 0};
                char what[128];
                snprintf(what, sizeof what, "%s kind %d restart %d", ot_layouts[li].name, kind, restart);
                s_compare(what, jpeg, len, s_fill, &kind, &p, kind >= S_AC_1024);
            }
        free(jpeg);
    }
}

/* Progressive, optimised-table and arithmetic-coded outputs keep libjpeg-turbo's encoder. */
static void test_not_installed(void)
{
    size_t len = 0;
    uint8_t *jpeg = ot_layout_make(&ot_layouts[0], 64, 48, 90, 0, 3, &len);
    REQUIRE(jpeg);
    for (int output = 1; output <= 3; output++) {
        he_params p = {0, false, false, output};
        uint8_t *out = NULL;
        size_t out_len = 0;
        CHECK(he_write(jpeg, len, NULL, NULL, &p, ES_HUFF_ENCODE_PORTABLE, &out, &out_len) == HE_NOT_INSTALLED);
        CHECK(he_write(jpeg, len, NULL, NULL, &p, HE_LIBRARY, &out, &out_len) == HE_OK);
        CHECK(out_len > 0);
        free(out);
    }
    free(jpeg);
}

/* DC values rising by 1500 a block row: every difference of the source is
 * at most 11 bits, but a turned photo's column ends next to the next one's
 * top (differences of up to 7 x 1500). The encoder gives up there and the
 * transform is libjpeg-turbo's again: tjTransform's bytes. */
static void s_fill_rows(void *ctx, uint64_t n, int ci, JDIMENSION row, JDIMENSION col, JCOEF *b)
{
    (void)ctx;
    (void)n;
    (void)ci;
    memset(b, 0, DCTSIZE2 * sizeof *b);
    b[0] = (JCOEF)(1500 * (int)row);
    b[1] = (JCOEF)(col % 5);
}

/* A 64x64 gray photo of s_fill_rows's blocks (malloc'd), or NULL. */
static uint8_t *s_rising_rows(size_t *src_len)
{
    static const ot_layout gray = {"gray", 1, 0};
    size_t len = 0;
    uint8_t *jpeg = ot_layout_make(&gray, 64, 64, 90, 0, 9, &len), *src = NULL;
    if (jpeg && he_write(jpeg, len, s_fill_rows, NULL, NULL, HE_LIBRARY, &src, src_len) != HE_OK)
        src = NULL;
    free(jpeg);
    return src;
}

static void test_lossless_after_give_up(void)
{
    size_t src_len = 0, turned_len = 0;
    uint8_t *src = s_rising_rows(&src_len), *turned = NULL;
    REQUIRE(src);
    /* the made-up source itself: written as it is, the encoder does not give up */
    CHECK(he_write(src, src_len, NULL, NULL, NULL, ES_HUFF_ENCODE_PORTABLE, &turned, &turned_len) == HE_OK);
    free(turned);
    for (int op = 1; op < 8; op++)
        CHECK(ot_check_same_as_tj("rising DC rows", src, src_len, (es_orient_op)op, false) == 1);
    free(src);
}

static es_err s_collect(void *ctx, const uint8_t *data, size_t len)
{
    es_buf *b = ctx;
    return es_buf_append(b, data, len);
}

/* The rising DC rows behind a minimal Exif with orientation 6, through the
 * orientation stripper in plain 1000-byte feeds from one reused buffer,
 * with a budget: the encoder gives up inside the stripper's transform, and
 * the photo the retry writes shows tjTransform's pixels; the budget taken
 * is given back and the run ended once. */
static void test_stripper_turns_after_give_up(void)
{
    size_t src_len = 0;
    uint8_t *src = s_rising_rows(&src_len);
    REQUIRE(src);
    uint8_t *tagged = malloc(src_len + ES_ORIENT_TAG_SEGMENT_LEN), chunk[1000];
    REQUIRE(tagged);
    tagged[0] = 0xFF;
    tagged[1] = 0xD8;
    es_orient_tag_segment(6, tagged + 2);
    memcpy(tagged + 2 + ES_ORIENT_TAG_SEGMENT_LEN, src + 2, src_len - 2);
    size_t tagged_len = src_len + ES_ORIENT_TAG_SEGMENT_LEN;
    ot_budget count = {0};
    es_orient_budget_ops ops = ot_budget_ops(&count);
    es_orient_config cfg = {.mode = ES_ORIENT_APPLY, .budget = &ops};
    es_buf out;
    es_buf_init(&out, (size_t)1 << 24);
    es_orient_stripper *s = es_orient_stripper_new(NULL, &cfg, s_collect, &out);
    REQUIRE(s);
    es_err rc = ES_OK;
    for (size_t at = 0; at < tagged_len && rc == ES_OK; at += sizeof chunk) {
        size_t n = tagged_len - at < sizeof chunk ? tagged_len - at : sizeof chunk;
        memcpy(chunk, tagged + at, n);
        rc = es_orient_stripper_feed(s, chunk, n);
        memset(chunk, 0xFF, sizeof chunk);
    }
    if (rc == ES_OK)
        rc = es_orient_stripper_finish(s);
    CHECK_OK(rc);
    CHECK_INT_EQ(es_orient_stripper_result(s)->outcome, ES_ORIENT_TRANSFORMED);
    es_orient_stripper_free(s);
    CHECK_INT_EQ(count.acquires, 1);
    CHECK_INT_EQ(count.end_runs, 1);
    CHECK_INT_EQ(count.taken, 0);
    CHECK(!count.over_released);
    unsigned char *ref = NULL;
    unsigned long ref_len = 0;
    REQUIRE(ot_tj_transform(src, src_len, ES_ORIENT_OP_ROT90, false, &ref, &ref_len) == 0);
    uint8_t *mine_px = NULL, *ref_px = NULL;
    int w, h, c, rw, rh, rc_;
    REQUIRE(es_fixture_decode(out.bytes, out.len, &mine_px, &w, &h, &c) == 0);
    REQUIRE(es_fixture_decode(ref, ref_len, &ref_px, &rw, &rh, &rc_) == 0);
    CHECK_INT_EQ(w, rw);
    CHECK_INT_EQ(h, rh);
    CHECK_INT_EQ(c, rc_);
    if (w == rw && h == rh && c == rc_)
        CHECK_MEM_EQ(mine_px, (size_t)w * (size_t)h * (size_t)c, ref_px, (size_t)rw * (size_t)rh * (size_t)rc_);
    free(mine_px);
    free(ref_px);
    tjFree(ref);
    es_buf_free(&out);
    free(tagged);
    free(src);
}

int main(void)
{
    ES_RUN(test_layouts_sizes_qualities);
    ES_RUN(test_made_up_blocks);
    ES_RUN(test_not_installed);
    ES_RUN(test_lossless_after_give_up);
    ES_RUN(test_stripper_turns_after_give_up);
    return es_test_finish();
}
