/* apply_test.c - the eight EXIF orientations end to end through
 * es_orient_strip_buffer: a picture with four distinct corner colours is
 * stored transformed as each tag says (so all eight display the same), for an
 * MCU-aligned and a non-aligned size and for 4:2:0, 4:4:4 and grayscale.
 * apply must decode to the upright picture (the exact pixels tjTransform with
 * trimming gives, and close to the picture before compression), with no APP1
 * left; keep must leave exactly one APP1 holding only the tag; drop none. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../harness/test.h"
#include "orient_util.h"
#include "tj_oracle.h"

#define S_MAX_MEAN_DIFF 6.0 /* q95 compression noise; a wrong orientation is > 30 */

typedef struct s_case {
    const char *name;
    int components, sampling, width, height;
} s_case;

static const s_case s_cases[] = {
    {"4:2:0 aligned", 3, 0, 64, 48},   {"4:2:0 non-aligned", 3, 0, 61, 45},
    {"4:4:4 aligned", 3, 444, 64, 48}, {"4:4:4 non-aligned", 3, 444, 61, 45},
    {"gray aligned", 1, 0, 64, 48},    {"gray non-aligned", 1, 0, 61, 45},
};

static es_fixture_opts s_opts(const s_case *c, int tag)
{
    es_fixture_opts o = {.width = c->width,
                         .height = c->height,
                         .components = c->components,
                         .sampling = c->sampling,
                         .quality = 95,
                         .oriented_pixels = true,
                         .orientation = tag,
                         .exif_gps = true,
                         .xmp = true};
    return o;
}

static void s_check_apply(const s_case *c, int tag, const uint8_t *jpeg, size_t len, const uint8_t *upright)
{
    uint8_t *out = NULL, *pix = NULL, *refpix = NULL;
    unsigned char *ref = NULL;
    unsigned long ref_len = 0;
    size_t out_len = 0;
    int w, h, comps, rw, rh, rcomps;
    es_orient_result res;
    es_orient_config cfg = {.mode = ES_ORIENT_APPLY};
    es_error err = {0};
    CHECK_OK(es_orient_strip_buffer(NULL, &cfg, jpeg, len, &out, &out_len, &err, &res));
    if (!out) {
        es_test_fail(__FILE__, __LINE__, "%s tag %d: %s", c->name, tag, err.msg);
        return;
    }
    CHECK_INT_EQ(res.tag, tag == 1 ? 1 : tag);
    CHECK_INT_EQ(res.outcome, tag == 1 ? ES_ORIENT_NONE : ES_ORIENT_TRANSFORMED);
    CHECK_INT_EQ(ot_count_marker(out, out_len, 0xE1), 0);
    CHECK_INT_EQ(ot_count_marker(out, out_len, 0xE0), 1); /* JFIF kept */
    if (es_fixture_decode(out, out_len, &pix, &w, &h, &comps) != 0) {
        es_test_fail(__FILE__, __LINE__, "%s tag %d: output does not decode", c->name, tag);
        goto done;
    }
    bool aligned = c->width % 16 == 0 && c->height % 16 == 0;
    if (aligned || tag == 1 || tag == 5) {
        CHECK_INT_EQ(w, c->width);
        CHECK_INT_EQ(h, c->height);
    } else {
        CHECK(w <= c->width && w > c->width - 16 && h <= c->height && h > c->height - 16);
        CHECK_INT_EQ(w, (int)res.plan.out_width);
        CHECK_INT_EQ(h, (int)res.plan.out_height);
    }
    /* the trimmed strip is missing from the upright picture's left/top edge */
    size_t off = ((size_t)res.plan.trim_top * (size_t)c->width + res.plan.trim_left) * (size_t)comps;
    CHECK_INT_EQ(res.plan.trim_left, c->width - w);
    CHECK_INT_EQ(res.plan.trim_top, c->height - h);
    double diff = ot_mean_diff(pix, w, upright + off, c->width, w, h, comps);
    if (diff > S_MAX_MEAN_DIFF)
        es_test_fail(__FILE__, __LINE__, "%s tag %d: not upright (mean difference %.1f)", c->name, tag, diff);
    if (tag > 1) { /* exactly what jpegtran -trim gives */
        CHECK_INT_EQ(ot_tj_transform(jpeg, len, es_orient_op_for_tag((unsigned)tag), false, &ref, &ref_len), 0);
        if (ref && es_fixture_decode(ref, ref_len, &refpix, &rw, &rh, &rcomps) == 0) {
            CHECK_INT_EQ(rw, w);
            CHECK_INT_EQ(rh, h);
            if (rw == w && rh == h)
                CHECK_MEM_EQ(pix, (size_t)w * h * comps, refpix, (size_t)rw * rh * rcomps);
        } else {
            es_test_fail(__FILE__, __LINE__, "reference transform failed");
        }
    }
done:
    free(out);
    free(pix);
    tjFree(ref);
    free(refpix);
}

static void s_check_keep_drop(const s_case *c, int tag, const uint8_t *jpeg, size_t len)
{
    uint8_t *out = NULL, *plain = NULL;
    size_t out_len = 0, plain_len = 0;
    es_orient_result res;
    es_orient_config keep = {.mode = ES_ORIENT_KEEP}, drop = {.mode = ES_ORIENT_DROP};
    CHECK_OK(es_jpeg_strip_buffer(NULL, jpeg, len, &plain, &plain_len, NULL, NULL));
    CHECK_OK(es_orient_strip_buffer(NULL, &keep, jpeg, len, &out, &out_len, NULL, &res));
    if (out && plain) {
        ot_seg segs[64];
        size_t n = ot_header_segments(out, out_len, segs, 64);
        CHECK_INT_EQ(ot_count_marker(out, out_len, 0xE1), tag == 1 ? 0 : 1);
        if (tag > 1 && n >= 2) {
            CHECK_INT_EQ(segs[0].marker, 0xE0); /* right after JFIF */
            CHECK_INT_EQ(segs[1].marker, 0xE1);
            CHECK_INT_EQ(segs[1].len, ES_ORIENT_TAG_SEGMENT_LEN);
            CHECK_INT_EQ(es_orient_read_tag(out + segs[1].start + 4, segs[1].len - 4, NULL), tag);
            /* everything else is the plain stripper's output */
            CHECK_MEM_EQ(out + segs[1].start + segs[1].len, out_len - segs[1].start - segs[1].len,
                         plain + segs[1].start, plain_len - segs[1].start);
            CHECK_INT_EQ(res.outcome, ES_ORIENT_TAG_KEPT);
        } else {
            CHECK_MEM_EQ(out, out_len, plain, plain_len);
        }
    }
    free(out);
    out = NULL;
    CHECK_OK(es_orient_strip_buffer(NULL, &drop, jpeg, len, &out, &out_len, NULL, &res));
    if (out && plain)
        CHECK_MEM_EQ(out, out_len, plain, plain_len);
    CHECK_INT_EQ(res.outcome, tag == 1 ? ES_ORIENT_NONE : ES_ORIENT_DROPPED);
    (void)c;
    free(out);
    free(plain);
}

static void test_eight_orientations(void)
{
    for (size_t i = 0; i < sizeof s_cases / sizeof s_cases[0]; i++) {
        const s_case *c = &s_cases[i];
        es_fixture_opts up = s_opts(c, 1);
        uint8_t *upright = NULL;
        REQUIRE(es_fixture_upright(&up, &upright) == 0);
        for (int tag = 1; tag <= 8; tag++) {
            es_fixture_opts o = s_opts(c, tag);
            uint8_t *jpeg = NULL;
            size_t len = 0;
            if (es_fixture_make(&o, &jpeg, &len) != 0) {
                es_test_fail(__FILE__, __LINE__, "fixture %s tag %d", c->name, tag);
                continue;
            }
            s_check_apply(c, tag, jpeg, len, upright);
            s_check_keep_drop(c, tag, jpeg, len);
            free(jpeg);
        }
        free(upright);
    }
}

/* The stored pictures really differ (else the test above proves nothing):
 * decoded as stored, tag 6 is not upright, and displayed by the reference
 * mapping it is. */
static void test_fixture_is_stored_rotated(void)
{
    es_fixture_opts o = s_opts(&s_cases[0], 6);
    uint8_t *jpeg = NULL, *pix = NULL, *upright = NULL, *shown = NULL;
    size_t len;
    int w, h, comps, dw, dh;
    REQUIRE(es_fixture_make(&o, &jpeg, &len) == 0);
    REQUIRE(es_fixture_decode(jpeg, len, &pix, &w, &h, &comps) == 0);
    REQUIRE(es_fixture_upright(&o, &upright) == 0);
    CHECK_INT_EQ(w, 48);
    CHECK_INT_EQ(h, 64);
    shown = ot_display(pix, w, h, comps, 6, &dw, &dh);
    REQUIRE(shown);
    CHECK(ot_mean_diff(shown, dw, upright, 64, 64, 48, 3) < S_MAX_MEAN_DIFF);
    CHECK(ot_mean_diff(pix, w, upright, 64, 48, 48, 3) > 30);
    free(jpeg);
    free(pix);
    free(upright);
    free(shown);
}

int main(void)
{
    ES_RUN(test_fixture_is_stored_rotated);
    ES_RUN(test_eight_orientations);
    return es_test_finish();
}
