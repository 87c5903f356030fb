/* lossless_oracle_test.c - the product's lossless transform
 * (es_orient_lossless: jpeglib API, destination rows produced on demand)
 * writes byte for byte what tjTransform writes with the options the product
 * used before (tj_oracle.h): every operation (the eight orientations) on
 * generated photos in 4:2:0, 4:2:2, 4:4:4, gray, 4:4:0, 4:1:1 and CMYK, of
 * MCU-aligned and non-aligned sizes (so trimming and the unmirrored partial
 * edge are exercised), baseline and progressive, arithmetic-coded and with
 * restart markers; and both refuse the same inputs (sampling TurboJPEG does
 * not name, a premature end of the entropy data); the transforms through
 * every implementation of block_pack.c this CPU runs. The corpus's rotated photos
 * are compared in corpus_orient_test.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../harness/test.h"
#include "../support/fixture.h"
#include "coef_util.h"
#include "tj_oracle.h"

typedef struct s_layout {
    const char *name;
    int components, sampling;
} s_layout;

static const s_layout s_layouts[] = {
    {"4:2:0", 3, 0},   {"4:2:2", 3, 422}, {"4:4:4", 3, 444}, {"gray", 1, 0},
    {"4:4:0", 3, 440}, {"4:1:1", 3, 411}, {"CMYK", 4, 0},    {"CMYK 4:2:2", 4, 422},
};

static const int s_sizes[][2] = {{64, 48}, {61, 45}, {37, 70}, {12, 10}}; /* the last under one MCU */

static es_fixture_opts s_opts(const s_layout *l, int w, int h, bool progressive)
{
    return (es_fixture_opts){.width = w,
                             .height = h,
                             .components = l->components,
                             .sampling = l->sampling,
                             .quality = 90,
                             .progressive = progressive,
                             .seed = (unsigned)(w * 7 + h)};
}

/* All eight operations on one input; returns how many both transformed. */
static int s_all_ops(const char *name, const uint8_t *jpeg, size_t len, bool progressive)
{
    int transformed = 0;
    for (int op = ES_ORIENT_OP_NONE; op <= ES_ORIENT_OP_ROT270; op++)
        transformed += ot_check_same_as_tj(name, jpeg, len, (es_orient_op)op, progressive) == 1;
    return transformed;
}

static void test_layouts_sizes_and_modes(void)
{
    int cases = 0, transformed = 0;
    for (size_t l = 0; l < sizeof s_layouts / sizeof s_layouts[0]; l++)
        for (size_t s = 0; s < sizeof s_sizes / sizeof s_sizes[0]; s++)
            for (int progressive = 0; progressive <= 1; progressive++) {
                es_fixture_opts o = s_opts(&s_layouts[l], s_sizes[s][0], s_sizes[s][1], progressive);
                uint8_t *jpeg = NULL;
                size_t len = 0;
                char name[96];
                snprintf(name, sizeof name, "%s %dx%d%s", s_layouts[l].name, o.width, o.height,
                         progressive ? " (progressive input)" : "");
                if (es_fixture_make(&o, &jpeg, &len) != 0) {
                    es_test_fail(__FILE__, __LINE__, "fixture %s", name);
                    continue;
                }
                transformed += s_all_ops(name, jpeg, len, progressive);
                cases += 8;
                free(jpeg);
            }
    CHECK_INT_EQ(transformed, cases); /* every one was really compared, none refused */
}

/* Inputs whose coding differs from the output's: arithmetic coding (written
 * as Huffman), restart intervals (not written). */
static void test_other_codings(void)
{
    es_fixture_opts arith = s_opts(&s_layouts[0], 61, 45, false), restarts = arith, arith_prog;
    arith.arithmetic = true;
    arith_prog = arith;
    arith_prog.progressive = true;
    restarts.restart_interval = 2;
    const es_fixture_opts *all[] = {&arith, &arith_prog, &restarts};
    const char *names[] = {"arithmetic", "arithmetic progressive", "restart interval 2"};
    for (int i = 0; i < 3; i++) {
        uint8_t *jpeg = NULL;
        size_t len = 0;
        REQUIRE(es_fixture_make(all[i], &jpeg, &len) == 0);
        CHECK_INT_EQ(s_all_ops(names[i], jpeg, len, all[i]->progressive), 8);
        free(jpeg);
    }
}

static void test_same_refusals(void)
{
    s_layout odd = {"irregular sampling", 3, ES_FIXTURE_SAMPLING_IRREGULAR};
    es_fixture_opts o = s_opts(&odd, 64, 48, false);
    uint8_t *jpeg = NULL;
    size_t len = 0;
    REQUIRE(es_fixture_make(&o, &jpeg, &len) == 0);
    CHECK_INT_EQ(ot_check_same_as_tj(odd.name, jpeg, len, ES_ORIENT_OP_ROT90, false), 0);
    es_error err = {0};
    uint8_t *out = NULL;
    size_t out_len = 0;
    es_orient_lossless_job *job = NULL;
    CHECK(es_orient_lossless(jpeg, len, ES_ORIENT_OP_ROT90, false, &out, &out_len, &job, &err) != ES_OK);
    CHECK(job == NULL);
    CHECK_STR_CONTAINS(err.msg, "subsampling");
    CHECK(out == NULL);
    free(jpeg);

    /* the entropy data ends early (libjpeg warns, and a warning fails) */
    o = s_opts(&s_layouts[0], 64, 48, false);
    REQUIRE(es_fixture_make(&o, &jpeg, &len) == 0);
    size_t cut = len * 2 / 3;
    jpeg[cut] = 0xFF;
    jpeg[cut + 1] = 0xD9;
    CHECK_INT_EQ(ot_check_same_as_tj("premature end", jpeg, cut + 2, ES_ORIENT_OP_ROT90, false), 0);
    CHECK_INT_EQ(ot_check_same_as_tj("premature end", jpeg, cut + 2, ES_ORIENT_OP_FLIP_H, false), 0);
    free(jpeg);
}

int main(void)
{
    /* through every implementation of block_pack.c */
    static const ot_named_test each[] = {OT_TEST(test_layouts_sizes_and_modes), OT_TEST(test_other_codings)};
    if (!ot_run_per_pack_variant(each, sizeof each / sizeof each[0]))
        return 1;
    ES_RUN(test_same_refusals);
    return es_test_finish();
}
