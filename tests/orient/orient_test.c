/* orient_test.c - the orientation layer piece by piece: tag -> operation
 * mapping, frame parsing and trim planning, reading the tag with libexif
 * (absent, invalid, corrupt), the minimal tag segment, what survives apply
 * (ICC chunks, Adobe APP14, progressive mode, JFIF density), the fallbacks to
 * keep (pixel limit, memory budget, frames libjpeg-turbo cannot transform),
 * streaming in any chunking, and the trailer never being transformed; the
 * input held while deciding is copied into populated pages (no page fault
 * per 4 KiB), in a hold sized once by the input's length, and a hold that
 * outgrows its first size takes the block an earlier one left. */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../harness/test.h"
#include "common/block_cache.h"
#include "orient_util.h"
#include "pages_util.h"

static void test_tag_mapping(void)
{
    static const char *const names[] = {"none",      "none",     "flip_h",     "rotate180", "flip_v",
                                        "transpose", "rotate90", "transverse", "rotate270"};
    for (unsigned tag = 0; tag <= 8; tag++)
        CHECK_STR_EQ(es_orient_op_name(es_orient_op_for_tag(tag)), names[tag]);
    CHECK_STR_EQ(es_orient_op_name(es_orient_op_for_tag(9)), "none");
    CHECK(es_orient_op_transposes(es_orient_op_for_tag(6)));
    CHECK(!es_orient_op_transposes(es_orient_op_for_tag(3)));
    es_orient_mode m = ES_ORIENT_DROP;
    CHECK(es_orient_mode_parse("apply", &m) && m == ES_ORIENT_APPLY);
    CHECK(es_orient_mode_parse("keep", &m) && m == ES_ORIENT_KEEP);
    CHECK(!es_orient_mode_parse("Apply", &m));
}

/* A SOF payload: precision, height, width, components with sampling factors. */
static size_t s_sof(uint8_t *p, unsigned prec, unsigned w, unsigned h, unsigned comps, uint8_t y_samp)
{
    p[0] = (uint8_t)prec, p[1] = (uint8_t)(h >> 8), p[2] = (uint8_t)h, p[3] = (uint8_t)(w >> 8),
    p[4] = (uint8_t)w;
    p[5] = (uint8_t)comps;
    for (unsigned i = 0; i < comps; i++)
        p[6 + 3 * i] = (uint8_t)(i + 1), p[7 + 3 * i] = i == 0 ? y_samp : 0x11, p[8 + 3 * i] = 0;
    return 6 + 3 * comps;
}

static void test_plan_trims(void)
{
    uint8_t p[32];
    es_orient_frame f;
    es_orient_plan plan;
    char text[128];
    /* 4032x3021 4:2:0 (MCU 16x16): 3021 % 16 = 13 rows at the stored bottom */
    REQUIRE(es_orient_frame_parse(0xC0, p, s_sof(p, 8, 4032, 3021, 3, 0x22), &f));
    CHECK_INT_EQ(f.max_h, 2);
    es_orient_plan_make(6, &f, 0, 1000, &plan);
    CHECK_INT_EQ(plan.out_width, 3021 - 13);
    CHECK_INT_EQ(plan.out_height, 4032);
    CHECK_INT_EQ(plan.trim_left, 13);
    CHECK_INT_EQ(plan.trim_top, 0);
    CHECK_STR_EQ(plan.fallback, "");
    es_orient_plan_describe(&plan, text, sizeof text);
    CHECK_STR_EQ(text, "rotate 90° cw, trim 13 px left");
    es_orient_plan_make(5, &f, 0, 1000, &plan); /* transpose moves no partial block */
    CHECK_INT_EQ(plan.trim_left + plan.trim_top, 0);
    es_orient_plan_make(8, &f, 0, 1000, &plan); /* 4032 % 16 = 0 */
    CHECK_INT_EQ(plan.trim_left + plan.trim_top, 0);
    CHECK(plan.memory > 3000 && plan.memory < UINT64_MAX);
    es_orient_plan_make(8, &f, 0, UINT64_MAX / 3, &plan); /* 3 x the length would wrap to a small share */
    CHECK(plan.memory == UINT64_MAX);
    es_orient_plan_make(8, &f, 0, UINT64_MAX, &plan);
    CHECK(plan.memory == UINT64_MAX);
    /* 4:4:4 and gray have 8x8 MCUs */
    REQUIRE(es_orient_frame_parse(0xC0, p, s_sof(p, 8, 61, 45, 1, 0x22), &f));
    es_orient_plan_make(3, &f, 0, 1000, &plan);
    CHECK_INT_EQ(plan.trim_left, 5);
    CHECK_INT_EQ(plan.trim_top, 5);
    es_orient_plan_describe(&plan, text, sizeof text);
    CHECK_STR_EQ(text, "rotate 180°, trim 5 px left and 5 px top");
    /* memory: one coefficient array (128 bytes a block) plus three times the input */
    CHECK_INT_EQ(plan.memory, 1ull * 8 * 6 * 128 + 3000);
}

static void test_plan_fallbacks(void)
{
    static const struct {
        uint8_t sof;
        unsigned prec, w, h, tag;
        uint64_t max_pixels;
        const char *why; /* "" = no fallback */
    } cases[] = {
        {0xC0, 12, 64, 64, 6, 0, "not 8-bit"},
        {0xC3, 8, 64, 64, 6, 0, "lossless"},
        {0xC5, 8, 64, 64, 6, 0, "hierarchical"},
        {0xC2, 8, 20000, 6000, 6, 0, "over the limit of 100000000 pixels"},
        {0xC2, 8, 20000, 6000, 6, 200000000, ""},
        {0xC0, 8, 12, 64, 2, 0, "smaller than one"}, /* narrower than one MCU: nothing would be left */
    };
    uint8_t p[32];
    es_orient_frame f;
    es_orient_plan plan;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        REQUIRE(es_orient_frame_parse(cases[i].sof, p,
                                      s_sof(p, cases[i].prec, cases[i].w, cases[i].h, 3, 0x22), &f));
        es_orient_plan_make(cases[i].tag, &f, cases[i].max_pixels, 0, &plan);
        if (cases[i].why[0])
            CHECK_STR_CONTAINS(plan.fallback, cases[i].why);
        else
            CHECK_STR_EQ(plan.fallback, "");
    }
    CHECK(!es_orient_frame_parse(0xC0, p, 5, &f));
    CHECK(!es_orient_frame_parse(0xC0, p, s_sof(p, 8, 0, 64, 3, 0x22), &f));
    /* a height given later by DNL: the frame is read, the plan says why it falls back */
    REQUIRE(es_orient_frame_parse(0xC0, p, s_sof(p, 8, 64, 0, 3, 0x22), &f));
    es_orient_plan_make(6, &f, 0, 0, &plan);
    CHECK_STR_CONTAINS(plan.fallback, "a height given by a DNL marker");
    /* a sampling TurboJPEG does not name (luma 1x4): decided from the header, as inspect sees it */
    REQUIRE(es_orient_frame_parse(0xC0, p, s_sof(p, 8, 64, 64, 3, 0x14), &f));
    es_orient_plan_make(6, &f, 0, 0, &plan);
    CHECK_STR_CONTAINS(plan.fallback, "a sampling libjpeg-turbo does not name");
}

/* The samplings TurboJPEG names, from the factors alone. */
static void test_sampling_named(void)
{
    static const struct {
        unsigned n;
        uint8_t h[4], v[4];
        bool named;
    } cases[] = {
        {1, {3}, {1}, true},                    /* gray: any factor */
        {3, {1, 1, 1}, {1, 1, 1}, true},        /* 4:4:4 */
        {3, {2, 1, 1}, {1, 1, 1}, true},        /* 4:2:2 */
        {3, {2, 1, 1}, {2, 1, 1}, true},        /* 4:2:0 */
        {3, {1, 1, 1}, {2, 1, 1}, true},        /* 4:4:0 */
        {3, {4, 1, 1}, {1, 1, 1}, true},        /* 4:1:1 */
        {3, {2, 1, 1}, {2, 2, 2}, true},        /* 2x2 luma, 1x2 chroma */
        {3, {3, 3, 3}, {1, 1, 1}, true},        /* 4:4:4 spelled 3x1 */
        {3, {2, 2, 2}, {2, 2, 2}, false},       /* 4:4:4 spelled 2x2: 4 blocks */
        {3, {1, 1, 1}, {4, 1, 1}, false},       /* 1x4 luma */
        {3, {2, 1, 2}, {2, 1, 1}, false},       /* chroma sampled unlike each other */
        {4, {2, 1, 1, 2}, {2, 1, 1, 2}, true},  /* YCCK 4:2:0, K like Y */
        {4, {2, 1, 1, 1}, {2, 1, 1, 1}, false}, /* K not like Y */
        {2, {1, 1}, {1, 1}, false},             /* two components */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (es_orient_sampling_named(cases[i].n, cases[i].h, cases[i].v) != cases[i].named)
            es_test_fail(__FILE__, __LINE__, "case %zu: expected %s", i, cases[i].named ? "named" : "refused");
}

static void test_read_tag(void)
{
    uint8_t seg[ES_ORIENT_TAG_SEGMENT_LEN];
    const char *why;
    for (unsigned tag = 1; tag <= 8; tag++) {
        es_orient_tag_segment(tag, seg);
        CHECK_INT_EQ(es_orient_read_tag(seg + 4, sizeof seg - 4, &why), tag);
    }
    CHECK_INT_EQ(seg[0], 0xFF);
    CHECK_INT_EQ(seg[1], 0xE1);
    CHECK_INT_EQ(seg[2] << 8 | seg[3], ES_ORIENT_TAG_SEGMENT_LEN - 2);
    es_orient_tag_segment(6, seg);
    seg[sizeof seg - 7] = 9; /* value 9: invalid */
    CHECK_INT_EQ(es_orient_read_tag(seg + 4, sizeof seg - 4, &why), -1);
    CHECK_STR_CONTAINS(why, "invalid");
    es_orient_tag_segment(6, seg);
    seg[4 + 6 + 8 + 2 + 1] = 0x10; /* tag 0x0110 (Model): no Orientation */
    CHECK_INT_EQ(es_orient_read_tag(seg + 4, sizeof seg - 4, &why), 0);
    static const uint8_t garbage[] = "Exif\0\0XX\0*\0\0\0\x08garbage";
    CHECK_INT_EQ(es_orient_read_tag(garbage, sizeof garbage, &why), -1);
    CHECK_STR_CONTAINS(why, "corrupt");
}

static uint8_t *s_apply(const uint8_t *in, size_t len, const es_orient_config *cfg, size_t *out_len,
                        es_orient_result *res)
{
    uint8_t *out = NULL;
    es_error err = {0};
    if (es_orient_strip_buffer(NULL, cfg, in, len, &out, out_len, &err, res) != ES_OK)
        es_test_fail(__FILE__, __LINE__, "strip failed: %s", err.msg);
    return out;
}

/* The bytes of every segment with this marker, concatenated (to compare). */
static size_t s_segments_bytes(const uint8_t *j, size_t len, uint8_t marker, uint8_t *dst, size_t cap)
{
    ot_seg segs[64];
    size_t n = ot_header_segments(j, len, segs, 64), total = 0;
    for (size_t i = 0; i < n; i++)
        if (segs[i].marker == marker && total + segs[i].len <= cap) {
            memcpy(dst + total, j + segs[i].start, segs[i].len);
            total += segs[i].len;
        }
    return total;
}

static void test_icc_progressive_restart_survive(void)
{
    es_fixture_opts o = {.width = 64,
                         .height = 48,
                         .oriented_pixels = true,
                         .orientation = 6,
                         .exif_gps = true,
                         .icc_chunks = 3,
                         .progressive = true,
                         .restart_interval = 2,
                         .comment = true};
    es_orient_config cfg = {.mode = ES_ORIENT_APPLY};
    es_orient_result res;
    uint8_t *in = NULL, *out, a[65536], b[65536];
    size_t len, out_len = 0;
    REQUIRE(es_fixture_make(&o, &in, &len) == 0);
    out = s_apply(in, len, &cfg, &out_len, &res);
    REQUIRE(out);
    CHECK_INT_EQ(res.outcome, ES_ORIENT_TRANSFORMED);
    CHECK_INT_EQ(ot_sof_marker(out, out_len), 0xC2);
    CHECK_INT_EQ(ot_count_marker(out, out_len, 0xE2), 3);
    /* all chunks, in order, scrubbed exactly as the plain stripper scrubs them */
    uint8_t *plain = NULL;
    size_t plain_len = 0;
    REQUIRE(es_jpeg_strip_buffer(NULL, in, len, &plain, &plain_len, NULL, NULL) == ES_OK);
    size_t nin = s_segments_bytes(in, len, 0xE2, b, sizeof b); /* the input's chunks, for their length */
    size_t na = s_segments_bytes(plain, plain_len, 0xE2, a, sizeof a),
           nb = s_segments_bytes(out, out_len, 0xE2, b, sizeof b);
    CHECK(na > 0);
    CHECK_INT_EQ(na, nin);
    CHECK_MEM_EQ(a, na, b, nb);
    CHECK(memmem(b, nb, "Jane Fixture", 12) == NULL);
    free(plain);
    CHECK_INT_EQ(ot_count_marker(out, out_len, 0xE1), 0);
    CHECK_INT_EQ(ot_count_marker(out, out_len, 0xFE), 0); /* policy still applies */
    free(out);
    es_jpeg_policy keep_com;
    es_jpeg_policy_default(&keep_com);
    keep_com.keep_comments = true;
    out = NULL;
    CHECK_OK(es_orient_strip_buffer(&keep_com, &cfg, in, len, &out, &out_len, NULL, &res));
    if (out)
        CHECK_INT_EQ(ot_count_marker(out, out_len, 0xFE), 1);
    free(out);
    free(in);
}

static void test_adobe_cmyk_survives(void)
{
    es_fixture_opts o = {.width = 64,
                         .height = 48,
                         .components = 4,
                         .quality = 95,
                         .oriented_pixels = true,
                         .orientation = 8,
                         .exif = true};
    es_orient_config cfg = {.mode = ES_ORIENT_APPLY};
    es_orient_result res;
    uint8_t *in = NULL, *out, *pix = NULL, *upright = NULL, a[256], b[256];
    size_t len, out_len = 0;
    int w, h, comps;
    REQUIRE(es_fixture_make(&o, &in, &len) == 0);
    out = s_apply(in, len, &cfg, &out_len, &res);
    REQUIRE(out);
    CHECK_INT_EQ(res.outcome, ES_ORIENT_TRANSFORMED);
    size_t na = s_segments_bytes(in, len, 0xEE, a, sizeof a),
           nb = s_segments_bytes(out, out_len, 0xEE, b, sizeof b);
    CHECK(na > 0);
    CHECK_MEM_EQ(a, na, b, nb);
    REQUIRE(es_fixture_decode(out, out_len, &pix, &w, &h, &comps) == 0);
    REQUIRE(es_fixture_upright(&o, &upright) == 0);
    CHECK_INT_EQ(comps, 4);
    CHECK_INT_EQ(w, 64);
    CHECK(ot_mean_diff(pix, w, upright, 64, 64, 48, 4) < 6.0);
    free(in);
    free(out);
    free(pix);
    free(upright);
}

static void test_jfif_density_swapped_on_rotation(void)
{
    es_fixture_opts o = {.width = 64, .height = 48, .oriented_pixels = true, .orientation = 6, .exif = true};
    es_orient_config cfg = {.mode = ES_ORIENT_APPLY};
    uint8_t *in = NULL, *out;
    size_t len, out_len = 0;
    REQUIRE(es_fixture_make(&o, &in, &len) == 0);
    REQUIRE(in[3] == 0xE0 && !memcmp(in + 6, "JFIF", 5));
    in[13] = 1;                                        /* units: dots per inch */
    in[14] = 0, in[15] = 72, in[16] = 0, in[17] = 144; /* 72 x 144 */
    out = s_apply(in, len, &cfg, &out_len, NULL);
    REQUIRE(out && out_len > 20 && out[3] == 0xE0);
    CHECK_INT_EQ(out[13], 1);
    CHECK_INT_EQ(out[15], 144);
    CHECK_INT_EQ(out[17], 72);
    free(in);
    free(out);
}

/* Frames the transform cannot handle come out as keep: one tag segment. */
static void s_check_keep_output(const uint8_t *in, size_t len, const es_orient_config *cfg, const char *why)
{
    es_orient_result res;
    size_t out_len = 0;
    uint8_t *out = s_apply(in, len, cfg, &out_len, &res);
    if (!out)
        return;
    CHECK_INT_EQ(res.outcome, ES_ORIENT_TAG_KEPT);
    CHECK(res.fallback);
    CHECK_STR_CONTAINS(res.note, why);
    CHECK_INT_EQ(ot_count_marker(out, out_len, 0xE1), 1);
    ot_seg segs[64];
    size_t n = ot_header_segments(out, out_len, segs, 64);
    if (n >= 2) {
        CHECK_INT_EQ(segs[1].marker, 0xE1);
        CHECK_INT_EQ(es_orient_read_tag(out + segs[1].start + 4, segs[1].len - 4, NULL), 6);
    }
    free(out);
}

static bool s_refuse(void *ctx, uint64_t bytes)
{
    *(uint64_t *)ctx = bytes;
    return false;
}
static void s_release(void *ctx, uint64_t bytes) { (void)ctx, (void)bytes; }

static void test_fallbacks_keep_the_tag(void)
{
    es_fixture_opts o = {.width = 64, .height = 48, .oriented_pixels = true, .orientation = 6, .exif_gps = true};
    uint8_t *in = NULL;
    size_t len;
    REQUIRE(es_fixture_make(&o, &in, &len) == 0);
    es_orient_config small = {.mode = ES_ORIENT_APPLY, .max_pixels = 1000};
    s_check_keep_output(in, len, &small, "over the limit of 1000 pixels");
    uint64_t asked = 0;
    es_orient_budget_ops budget = {.acquire = s_refuse, .release = s_release, .ctx = &asked};
    es_orient_config tight = {.mode = ES_ORIENT_APPLY, .budget = &budget};
    s_check_keep_output(in, len, &tight, "memory budget");
    CHECK(asked > 2u * 64 * 48);
    /* SOF0 -> SOF3 (lossless) and 12-bit precision: not transformable */
    ot_seg segs[64];
    size_t n = ot_header_segments(in, len, segs, 64);
    for (size_t i = 0; i < n; i++)
        if (segs[i].marker == 0xC0) {
            es_orient_config apply = {.mode = ES_ORIENT_APPLY};
            in[segs[i].start + 1] = 0xC3;
            s_check_keep_output(in, len, &apply, "lossless frame");
            in[segs[i].start + 1] = 0xC0;
            in[segs[i].start + 4] = 12;
            s_check_keep_output(in, len, &apply, "not 8-bit");
            in[segs[i].start + 4] = 8;
        }
    free(in);
}

/* in with count full comment segments inserted before its SOF0 (malloc'd). */
/* Where in's SOF0 segment starts (0: none). */
static size_t s_sof_start(const uint8_t *in, size_t len)
{
    ot_seg segs[64];
    size_t n = ot_header_segments(in, len, segs, 64);
    for (size_t i = 0; i < n; i++)
        if (segs[i].marker == 0xC0)
            return segs[i].start;
    return 0;
}

static uint8_t *s_with_comments(const uint8_t *in, size_t len, size_t count, size_t *out_len)
{
    size_t sof = s_sof_start(in, len);
    const size_t com = 4 + 65533;
    uint8_t *out = sof ? malloc(len + count * com) : NULL;
    if (!out)
        return NULL;
    memcpy(out, in, sof);
    for (size_t i = 0; i < count; i++) {
        uint8_t *c = out + sof + i * com;
        c[0] = 0xFF, c[1] = 0xFE, c[2] = 0xFF, c[3] = 0xFF;
        memset(c + 4, 'c', com - 4);
    }
    memcpy(out + sof + count * com, in + sof, len - sof);
    *out_len = len + count * com;
    return out;
}

/* in with fill bytes (0xFF) before its SOF marker. */
static uint8_t *s_with_fill(const uint8_t *in, size_t len, size_t fill, size_t *out_len)
{
    size_t sof = s_sof_start(in, len);
    uint8_t *out = sof ? malloc(len + fill) : NULL;
    if (!out)
        return NULL;
    memcpy(out, in, sof);
    memset(out + sof, 0xFF, fill);
    memcpy(out + sof + fill, in + sof, len - sof);
    *out_len = len + fill;
    return out;
}

/* A photo whose frame header is too far in keeps its tag, whole or fed in
 * pieces, and is streamed (not held to its end). */
static void s_check_far_frame(const uint8_t *big, size_t big_len)
{
    es_orient_config apply = {.mode = ES_ORIENT_APPLY};
    s_check_keep_output(big, big_len, &apply, "no frame header within the first 16 MiB");
    es_orient_stripper *s = es_orient_stripper_new(NULL, &apply, NULL, NULL); /* the same in pieces */
    REQUIRE(s);
    es_err rc = ES_OK;
    for (size_t at = 0; at < big_len && rc == ES_OK; at += 4096)
        rc = es_orient_stripper_feed(s, big + at, big_len - at < 4096 ? big_len - at : 4096);
    CHECK_OK(rc);
    CHECK(es_orient_stripper_streaming(s)); /* not held to the end */
    CHECK_OK(es_orient_stripper_finish(s));
    CHECK_INT_EQ(es_orient_stripper_result(s)->outcome, ES_ORIENT_TAG_KEPT);
    CHECK_STR_CONTAINS(es_orient_stripper_result(s)->note, "no frame header within the first 16 MiB");
    es_orient_stripper_free(s);
}

/* A frame header more than 16 MiB into the file (comments, or fill bytes,
 * before the SOF): what precedes it would be held before any budget counts
 * it, so the tag is kept instead; just under 16 MiB the photo is still
 * turned. */
static void test_far_frame_keeps_the_tag(void)
{
    es_fixture_opts o = {.width = 64, .height = 48, .oriented_pixels = true, .orientation = 6};
    uint8_t *in = NULL;
    size_t len, big_len = 0, near_len = 0, out_len = 0;
    REQUIRE(es_fixture_make(&o, &in, &len) == 0);
    es_orient_config apply = {.mode = ES_ORIENT_APPLY};
    uint8_t *big = s_with_comments(in, len, 257, &big_len); /* 257 * 65537 bytes: over 16 MiB */
    REQUIRE(big);
    s_check_far_frame(big, big_len);
    free(big);
    big = s_with_fill(in, len, (size_t)17 << 20, &big_len); /* no segment reported until the SOF */
    REQUIRE(big);
    s_check_far_frame(big, big_len);
    free(big);
    uint8_t *near = s_with_comments(in, len, 255, &near_len); /* under 16 MiB with the rest */
    REQUIRE(near);
    es_orient_result res;
    uint8_t *out = s_apply(near, near_len, &apply, &out_len, &res);
    CHECK(out != NULL);
    CHECK_INT_EQ(res.outcome, ES_ORIENT_TRANSFORMED);
    free(out);
    free(near);
    near = s_with_fill(in, len, (size_t)15 << 20, &near_len);
    REQUIRE(near);
    out = s_apply(near, near_len, &apply, &out_len, &res);
    CHECK(out != NULL);
    CHECK_INT_EQ(res.outcome, ES_ORIENT_TRANSFORMED);
    free(out);
    free(near);
    free(in);
}

/* A frame header that is read but cannot be parsed (width 0) keeps the tag
 * as soon as it is read: the photo is streamed, not held to its end. */
static void test_unreadable_frame_keeps_the_tag_at_once(void)
{
    es_fixture_opts o = {.width = 64, .height = 48, .orientation = 6};
    uint8_t *in = NULL;
    size_t len;
    REQUIRE(es_fixture_make(&o, &in, &len) == 0);
    ot_seg segs[64];
    size_t n = ot_header_segments(in, len, segs, 64);
    bool found = false;
    for (size_t i = 0; i < n; i++)
        if (segs[i].marker == 0xC0) {
            in[segs[i].start + 7] = in[segs[i].start + 8] = 0; /* FF C0, length, precision, height, width */
            found = true;
        }
    REQUIRE(found);
    es_orient_config apply = {.mode = ES_ORIENT_APPLY};
    es_orient_stripper *s = es_orient_stripper_new(NULL, &apply, NULL, NULL);
    REQUIRE(s);
    CHECK_OK(es_orient_stripper_feed(s, in, len - 2)); /* all but the EOI */
    CHECK(es_orient_stripper_streaming(s));
    CHECK_OK(es_orient_stripper_feed(s, in + len - 2, 2));
    CHECK_OK(es_orient_stripper_finish(s));
    CHECK_INT_EQ(es_orient_stripper_result(s)->outcome, ES_ORIENT_TAG_KEPT);
    CHECK_STR_CONTAINS(es_orient_stripper_result(s)->note, "no readable frame header");
    es_orient_stripper_free(s);
    free(in);
}

static void test_corrupt_exif_means_upright(void)
{
    es_fixture_opts o = {.width = 64, .height = 48, .orientation = 6};
    uint8_t *in = NULL, *out, *plain = NULL;
    size_t len, out_len = 0, plain_len = 0;
    es_orient_result res;
    es_orient_config cfg = {.mode = ES_ORIENT_APPLY};
    REQUIRE(es_fixture_make(&o, &in, &len) == 0);
    ot_seg segs[64];
    size_t n = ot_header_segments(in, len, segs, 64);
    for (size_t i = 0; i < n; i++)
        if (segs[i].marker == 0xE1)
            memcpy(in + segs[i].start + 10, "XX", 2); /* TIFF byte order: garbage */
    out = s_apply(in, len, &cfg, &out_len, &res);
    CHECK_OK(es_jpeg_strip_buffer(NULL, in, len, &plain, &plain_len, NULL, NULL));
    if (out && plain)
        CHECK_MEM_EQ(out, out_len, plain, plain_len);
    CHECK_INT_EQ(res.outcome, ES_ORIENT_NONE);
    CHECK_STR_CONTAINS(res.note, "corrupt Exif");
    free(in);
    free(out);
    free(plain);
}

/* Output is the same however the input is split, and the trailer after EOI
 * (a second image) is neither transformed nor kept. */
typedef struct s_sink {
    uint8_t buf[1 << 16];
    size_t len;
} s_sink;

static es_err s_sink_write(void *ctx, const uint8_t *data, size_t len)
{
    s_sink *k = ctx;
    if (len > sizeof k->buf - k->len)
        return ES_ERR_OUTPUT;
    memcpy(k->buf + k->len, data, len);
    k->len += len;
    return ES_OK;
}

static void test_chunking_and_trailer(void)
{
    es_fixture_opts o = {.width = 61,
                         .height = 45,
                         .oriented_pixels = true,
                         .orientation = 7,
                         .exif_gps = true,
                         .mpf_second_image = true,
                         .fill_bytes = true};
    static s_sink sink;
    uint8_t *in = NULL, *whole;
    size_t len, whole_len = 0;
    REQUIRE(es_fixture_make(&o, &in, &len) == 0);
    for (int mode = ES_ORIENT_APPLY; mode <= ES_ORIENT_DROP; mode++) {
        es_orient_config cfg = {.mode = (es_orient_mode)mode};
        es_orient_result res;
        whole = s_apply(in, len, &cfg, &whole_len, &res);
        REQUIRE(whole);
        CHECK_INT_EQ(res.outcome, mode == ES_ORIENT_APPLY  ? ES_ORIENT_TRANSFORMED
                                  : mode == ES_ORIENT_KEEP ? ES_ORIENT_TAG_KEPT
                                                           : ES_ORIENT_DROPPED);
        CHECK_INT_EQ(whole[whole_len - 2], 0xFF); /* ends at EOI: no second image */
        CHECK_INT_EQ(whole[whole_len - 1], 0xD9);
        CHECK_INT_EQ(ot_count_marker(whole, whole_len, 0xE2), 0); /* MPF index gone */
        for (size_t step = 1; step <= 4096; step *= 7) {
            sink.len = 0;
            es_orient_stripper *s = es_orient_stripper_new(NULL, &cfg, s_sink_write, &sink);
            REQUIRE(s);
            es_err rc = ES_OK;
            for (size_t at = 0; at < len && rc == ES_OK; at += step)
                rc = es_orient_stripper_feed(s, in + at, len - at < step ? len - at : step);
            if (rc == ES_OK)
                rc = es_orient_stripper_finish(s);
            CHECK_INT_EQ(rc, ES_OK);
            CHECK_MEM_EQ(sink.buf, sink.len, whole, whole_len);
            CHECK_INT_EQ(es_orient_stripper_stats(s)->bytes_out, whole_len);
            CHECK_INT_EQ(es_orient_stripper_stats(s)->bytes_in, len);
            es_orient_stripper_free(s);
        }
        free(whole);
    }
    free(in);
}

/* A small photo with `count` comments of 65533 bytes before its frame
 * (held while a stripper decides), and *whole its keep-mode output. */
static uint8_t *s_commented_photo(size_t count, size_t *len, uint8_t **whole, size_t *whole_len)
{
    es_fixture_opts o = {.width = 64, .height = 48};
    uint8_t *plain = NULL;
    size_t plain_len;
    if (es_fixture_make(&o, &plain, &plain_len) != 0)
        return NULL;
    uint8_t *in = s_with_comments(plain, plain_len, count, len);
    free(plain);
    es_orient_config keep = {.mode = ES_ORIENT_KEEP};
    es_orient_result res;
    if (in && !(*whole = s_apply(in, *len, &keep, whole_len, &res))) {
        free(in);
        in = NULL;
    }
    return in;
}

/* A photo whose first 384 KiB are comments is held while deciding (no
 * Exif, no scan yet): fed in pieces of 16 KiB then 100 KiB, with its length
 * announced, the hold is allocated once and its pages populated before each
 * copy. Holding them takes no page fault beyond malloc's own header of the
 * one fresh mapping. Faulted in by the copies, each 100 KiB took 25; grown
 * from 64 KiB (the first piece fits), the hold copied its first bytes into
 * a fresh mapping (5). The output is the one of the whole photo. */
static void test_held_input_is_populated(void)
{
    if (ES_TEST_SANITIZED)
        SKIP("built with a sanitizer: its allocator and shadow memory fault on their own");
    SKIP_UNLESS_POPULATING();
    int counter = ot_fault_counter();
    if (counter < 0)
        SKIP("no perf page-fault counter for this thread (perf_event_paranoid)");
    /* as the worker has it (src/worker/memory.c): large blocks are fresh mappings */
    REQUIRE(mallopt(M_MMAP_THRESHOLD, 128 * 1024) == 1 && mallopt(M_TRIM_THRESHOLD, 128 * 1024) == 1);
    malloc_trim(0);
    es_orient_config keep = {.mode = ES_ORIENT_KEEP};
    size_t len, whole_len;
    uint8_t *whole, *in = s_commented_photo(6, &len, &whole, &whole_len);
    REQUIRE(in);
    static s_sink sink;
    sink.len = 0;
    es_orient_stripper *s = es_orient_stripper_new(NULL, &keep, s_sink_write, &sink);
    REQUIRE(s);
    es_orient_stripper_expect_input(s, len);
    const size_t first = 16 * 1024, piece = 100 * 1024, held = first + 3 * piece; /* within the comments */
    long long faults = 0;
    for (size_t at = 0; at < held; at += at ? piece : first) {
        long long before = ot_faults(counter);
        CHECK_OK(es_orient_stripper_feed(s, in + at, at ? piece : first));
        faults += ot_faults(counter) - before;
        CHECK(!es_orient_stripper_streaming(s)); /* still deciding: held */
    }
    close(counter);
    if (faults > 1)
        es_test_fail(__FILE__, __LINE__, "%lld page faults holding %zu bytes", faults, held);
    CHECK_OK(es_orient_stripper_feed(s, in + held, len - held));
    CHECK_OK(es_orient_stripper_finish(s));
    CHECK_MEM_EQ(sink.buf, sink.len, whole, whole_len);
    es_orient_stripper_free(s);
    free(whole);
    free(in);
}

/* A hold that outgrows its first size (1 MiB) grows at once to the size
 * class of the announced length, into a block an earlier input's hold left
 * in the block cache (es_block_grow): of two equal inputs of 3 MB held
 * while deciding (keep mode: nothing else takes a block), the second's hold
 * takes the 4 MiB block the first left when it grows. Grown by doubling and
 * moving its pages (1 -> 2 -> 4 MiB), it took none. An announced length no
 * block can hold leaves the hold to grow as its bytes need. */
static void test_grown_hold_takes_a_kept_block(void)
{
    es_orient_config keep = {.mode = ES_ORIENT_KEEP};
    size_t len, whole_len;
    uint8_t *whole, *in = s_commented_photo(46, &len, &whole, &whole_len); /* 46 * 65537 bytes: ~3 MB */
    REQUIRE(in);
    es_block_cache_limit((size_t)64 << 20, 60000, 0);
    es_block_cache_release();
    es_block_cache_stats st[3];
    static s_sink sink;
    for (int run = 0; run < 2; run++) {
        st[run] = es_block_cache_stats_now();
        sink.len = 0;
        es_orient_stripper *s = es_orient_stripper_new(NULL, &keep, s_sink_write, &sink);
        REQUIRE(s);
        es_orient_stripper_expect_input(s, len);
        const size_t piece = 128 * 1024;
        for (size_t at = 0; at < len; at += piece)
            CHECK_OK(es_orient_stripper_feed(s, in + at, len - at < piece ? len - at : piece));
        CHECK_OK(es_orient_stripper_finish(s));
        CHECK(es_orient_stripper_copied(s) > ((size_t)2 << 20)); /* held: past 2 MiB */
        es_orient_stripper_free(s);
        CHECK_MEM_EQ(sink.buf, sink.len, whole, whole_len);
    }
    st[2] = es_block_cache_stats_now();
    /* announced far longer than any block can be: the hold grows to what its
     * bytes need (not under ASan, whose allocator aborts on such a request
     * where mmap returns an error) */
    if (!ES_BLOCK_CACHE_POISONS) {
        sink.len = 0;
        es_orient_stripper *s = es_orient_stripper_new(NULL, &keep, s_sink_write, &sink);
        REQUIRE(s);
        es_orient_stripper_expect_input(s, (uint64_t)1 << 60);
        CHECK_OK(es_orient_stripper_feed(s, in, len / 2));
        CHECK_OK(es_orient_stripper_feed(s, in + len / 2, len - len / 2));
        CHECK_OK(es_orient_stripper_finish(s));
        es_orient_stripper_free(s);
        CHECK_MEM_EQ(sink.buf, sink.len, whole, whole_len);
    }
    CHECK_INT_EQ(st[1].reused, st[0].reused);     /* the first: nothing kept to take */
    CHECK_INT_EQ(st[2].reused, st[1].reused + 1); /* the second's grown hold: the first's */
    CHECK_INT_EQ(st[2].fresh, st[1].fresh + 1);   /* its 1 MiB start: the kept 4 MiB is too large for it */
    es_block_cache_release();
    es_block_cache_limit(0, 0, 0);
    free(whole);
    free(in);
}

/* A refused input is refused exactly as the plain stripper refuses it. */
static void test_refusals_unchanged(void)
{
    es_fixture_opts o = {.width = 64, .height = 48, .oriented_pixels = true, .orientation = 6, .exif = true};
    uint8_t *in = NULL, *out = NULL, *plain = NULL;
    size_t len, out_len, plain_len;
    REQUIRE(es_fixture_make(&o, &in, &len) == 0);
    for (size_t cut = 1; cut < len; cut += len / 9) {
        es_error e1 = {0}, e2 = {0};
        es_orient_config cfg = {.mode = ES_ORIENT_APPLY};
        es_err r1 = es_jpeg_strip_buffer(NULL, in, cut, &plain, &plain_len, &e1, NULL);
        es_err r2 = es_orient_strip_buffer(NULL, &cfg, in, cut, &out, &out_len, &e2, NULL);
        CHECK_INT_EQ(r2, r1);
        CHECK_STR_EQ(e2.msg, e1.msg);
        free(plain);
        free(out);
        plain = out = NULL;
    }
    free(in);
}

int main(void)
{
    ES_RUN(test_tag_mapping);
    ES_RUN(test_plan_trims);
    ES_RUN(test_plan_fallbacks);
    ES_RUN(test_sampling_named);
    ES_RUN(test_read_tag);
    ES_RUN(test_icc_progressive_restart_survive);
    ES_RUN(test_adobe_cmyk_survives);
    ES_RUN(test_jfif_density_swapped_on_rotation);
    ES_RUN(test_fallbacks_keep_the_tag);
    ES_RUN(test_far_frame_keeps_the_tag);
    ES_RUN(test_unreadable_frame_keeps_the_tag_at_once);
    ES_RUN(test_corrupt_exif_means_upright);
    ES_RUN(test_chunking_and_trailer);
    ES_RUN(test_held_input_is_populated);
    ES_RUN(test_grown_hold_takes_a_kept_block);
    ES_RUN(test_refusals_unchanged);
    return es_test_finish();
}
