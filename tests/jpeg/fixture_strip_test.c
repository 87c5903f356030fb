/* fixture_strip_test.c - the stripper on real encoder output (tests/support
 * fixtures: libjpeg-turbo pictures with every metadata kind inserted): the
 * stripped file decodes to the same pixels for baseline, progressive,
 * restart-interval, CMYK, arithmetic and greyscale images; ICC chunks survive
 * in order with their text scrubbed, Adobe APP14 survives, trailers go, GPS and Orientation are seen;
 * splitting and re-stripping change nothing. */
#include <stdlib.h>
#include <string.h>

#include "../harness/test.h"
#include "../support/fixture.h"
#include "strip_util.h"

#define S_RANDOM_SPLITS 50

typedef struct s_variant {
    const char *name;
    int components;
    bool progressive, arithmetic;
    int restart_interval;
} s_variant;

static const s_variant s_variants[] = {
    {"baseline", 3, false, false, 0},        {"progressive", 3, true, false, 0},
    {"restart", 3, false, false, 2},         {"cmyk", 4, false, false, 0},
    {"arithmetic", 3, false, true, 0},       {"gray", 1, false, false, 0},
    {"progressive-arith", 3, true, true, 1}, {"gray-progressive-restart", 1, true, false, 3},
};

static es_fixture_opts s_all_metadata(const s_variant *v, unsigned seed)
{
    es_fixture_opts o = {0};
    o.components = v->components;
    o.progressive = v->progressive;
    o.arithmetic = v->arithmetic;
    o.restart_interval = v->restart_interval;
    o.seed = seed;
    o.exif = o.exif_gps = o.exif_thumbnail = true;
    o.orientation = 6;
    o.xmp = o.xmp_extended = o.iptc = o.comment = o.jfxx = o.ducky = o.apple_app2_fpxr = true;
    o.icc_chunks = 3;
    o.mpf_second_image = true;
    o.mp4_trailer = true;
    o.fill_bytes = true;
    return o;
}

/* The bytes of every segment of kind k, concatenated in order. */
static void s_collect(const es_tj_result *r, const uint8_t *data, es_jpeg_kind k, es_tj_buf *out)
{
    for (size_t i = 0; i < r->nsegs; i++)
        if (r->segs[i].kind == k)
            es_tj_buf_put(out, data + r->segs[i].offset, (size_t)r->segs[i].length);
}

static void s_check_pixels(const char *name, const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    uint8_t *pa = NULL, *pb = NULL;
    int wa = 0, ha = 0, ca = 0, wb = 0, hb = 0, cb = 0;
    if (es_fixture_decode(a, alen, &pa, &wa, &ha, &ca) != 0) {
        es_test_fail(__FILE__, __LINE__, "%s: the input fixture does not decode", name);
    } else if (es_fixture_decode(b, blen, &pb, &wb, &hb, &cb) != 0) {
        es_test_fail(__FILE__, __LINE__, "%s: the stripped output does not decode", name);
    } else if (wa != wb || ha != hb || ca != cb || memcmp(pa, pb, (size_t)wa * (size_t)ha * (size_t)ca) != 0) {
        es_test_fail(__FILE__, __LINE__, "%s: pixels differ (%dx%dx%d vs %dx%dx%d)", name, wa, ha, ca, wb, hb,
                     cb);
    }
    free(pa);
    free(pb);
}

static void s_run_variant(const s_variant *v, const es_jpeg_policy *policy)
{
    es_fixture_opts o = s_all_metadata(v, 11u + (unsigned)v->components);
    uint8_t *in = NULL;
    size_t in_len = 0;
    es_tj_result r, again;
    REQUIRE(es_fixture_make(&o, &in, &in_len) == 0);
    es_tj_strip(policy, in, in_len, es_tj_oneshot(), &r);
    if (r.rc != ES_OK) {
        es_test_fail(__FILE__, __LINE__, "%s: refused: %s", v->name, r.msg);
        goto done;
    }
    s_check_pixels(v->name, in, in_len, r.out.data, r.out.len);

    es_tj_strip(policy, r.out.data, r.out.len, es_tj_oneshot(), &again);
    CHECK_INT_EQ(again.rc, ES_OK);
    for (size_t i = 0; i < again.nsegs; i++)
        if (es_tj_is_metadata(again.segs[i].kind))
            es_test_fail(__FILE__, __LINE__, "%s: output still has %s", v->name,
                         es_jpeg_kind_name(again.segs[i].kind));
    /* Each dropped kind was present in the input. */
    static const es_jpeg_kind dropped[] = {ES_JPEG_KIND_EXIF,      ES_JPEG_KIND_XMP,
                                           ES_JPEG_KIND_XMP_EXT,   ES_JPEG_KIND_PHOTOSHOP,
                                           ES_JPEG_KIND_COMMENT,   ES_JPEG_KIND_JFXX,
                                           ES_JPEG_KIND_DUCKY,     ES_JPEG_KIND_MPF,
                                           ES_JPEG_KIND_OTHER_APP, ES_JPEG_KIND_TRAILER};
    for (size_t k = 0; k < sizeof dropped / sizeof dropped[0]; k++)
        if (r.stats.removed_count[dropped[k]] == 0)
            es_test_fail(__FILE__, __LINE__, "%s: no %s removed", v->name, es_jpeg_kind_name(dropped[k]));
    CHECK_INT_EQ(r.stats.removed_count[ES_JPEG_KIND_TRAILER], 1);
    CHECK(r.stats.exif_has_gps);
    CHECK_INT_EQ(r.stats.exif_orientation, 6);
    CHECK(r.stats.scans >= (v->progressive ? 2u : 1u));
    CHECK_INT_EQ(r.stats.frames, 1);
    CHECK_INT_EQ(r.stats.sof_marker,
                 v->progressive ? (v->arithmetic ? 0xCA : 0xC2) : (v->arithmetic ? 0xC9 : 0xC0));

    /* ICC chunks all kept in order, the same lengths, their text scrubbed
     * (or all gone); Adobe kept. */
    es_tj_buf icc_in = {0}, icc_out = {0}, adobe_in = {0}, adobe_out = {0};
    s_collect(&r, in, ES_JPEG_KIND_ICC, &icc_in);
    s_collect(&again, r.out.data, ES_JPEG_KIND_ICC, &icc_out);
    CHECK_INT_EQ(es_tj_count(&r, ES_JPEG_KIND_ICC, false), 3);
    if (policy->keep_icc) {
        CHECK_INT_EQ(icc_out.len, icc_in.len);
        CHECK_INT_EQ(es_tj_count(&r, ES_JPEG_KIND_ICC, true), 3);
        CHECK(r.stats.scrubbed_bytes > 0);
        CHECK_INT_EQ(again.stats.scrubbed_bytes, 0);
        CHECK(memmem(icc_in.data, icc_in.len, "Jane Fixture", 12) != NULL);
        CHECK(memmem(r.out.data, r.out.len, "Jane Fixture", 12) == NULL);
        CHECK(memmem(r.out.data, r.out.len, "FIXTURE-SN", 10) == NULL);
    } else {
        CHECK_INT_EQ(icc_out.len, 0);
    }
    s_collect(&r, in, ES_JPEG_KIND_ADOBE, &adobe_in);
    s_collect(&again, r.out.data, ES_JPEG_KIND_ADOBE, &adobe_out);
    CHECK_MEM_EQ(adobe_out.data, adobe_out.len, adobe_in.data, adobe_in.len);
    if (v->components == 4)
        CHECK(adobe_out.len > 0);
    es_tj_buf_free(&icc_in);
    es_tj_buf_free(&icc_out);
    es_tj_buf_free(&adobe_in);
    es_tj_buf_free(&adobe_out);
    es_tj_result_free(&again);

    const char *why = es_tj_check(policy, in, in_len, S_RANDOM_SPLITS, 77u, 1u << 20);
    if (why)
        es_test_fail(__FILE__, __LINE__, "%s: %s", v->name, why);
done:
    es_tj_result_free(&r);
    free(in);
}

static void test_variants_default_policy(void)
{
    es_jpeg_policy p;
    es_jpeg_policy_default(&p);
    for (size_t i = 0; i < sizeof s_variants / sizeof s_variants[0]; i++)
        s_run_variant(&s_variants[i], &p);
}

static void test_variants_without_icc(void)
{
    es_jpeg_policy p;
    es_jpeg_policy_default(&p);
    p.keep_icc = false;
    for (size_t i = 0; i < sizeof s_variants / sizeof s_variants[0]; i++)
        s_run_variant(&s_variants[i], &p);
}

/* A plain encoder output has nothing to remove: it comes out unchanged. */
static void test_clean_file_unchanged(void)
{
    for (size_t i = 0; i < sizeof s_variants / sizeof s_variants[0]; i++) {
        es_fixture_opts o = {0};
        uint8_t *in = NULL;
        size_t in_len = 0;
        es_tj_result r;
        o.components = s_variants[i].components;
        o.progressive = s_variants[i].progressive;
        o.arithmetic = s_variants[i].arithmetic;
        o.restart_interval = s_variants[i].restart_interval;
        REQUIRE(es_fixture_make(&o, &in, &in_len) == 0);
        es_tj_strip(NULL, in, in_len, es_tj_chunks(4096), &r);
        CHECK_INT_EQ(r.rc, ES_OK);
        CHECK_MEM_EQ(r.out.data, r.out.len, in, in_len);
        es_tj_result_free(&r);
        free(in);
    }
}

/* Fills, no JFIF, single metadata kinds, each alone. */
static void test_single_kinds(void)
{
    for (int kind = 0; kind < 12; kind++) {
        es_fixture_opts o = {0};
        uint8_t *in = NULL;
        size_t in_len = 0;
        es_tj_result r;
        o.seed = (unsigned)kind;
        o.no_jfif = kind % 2 == 1;
        o.fill_bytes = kind % 3 == 0;
        switch (kind) {
        case 0: o.exif = true; break;
        case 1: o.exif_gps = true; break;
        case 2:
            o.exif_thumbnail = true;
            o.orientation = 3;
            break;
        case 3: o.xmp = true; break;
        case 4: o.xmp_extended = true; break;
        case 5: o.iptc = true; break;
        case 6: o.comment = true; break;
        case 7: o.jfxx = true; break;
        case 8: o.ducky = true; break;
        case 9: o.apple_app2_fpxr = true; break;
        case 10: o.mpf_second_image = true; break;
        default: o.mp4_trailer = true; break;
        }
        REQUIRE(es_fixture_make(&o, &in, &in_len) == 0);
        es_tj_strip(NULL, in, in_len, es_tj_oneshot(), &r);
        CHECK_INT_EQ(r.rc, ES_OK);
        CHECK(r.out.len < in_len);
        CHECK_INT_EQ(r.stats.exif_has_gps, kind == 1);
        CHECK_INT_EQ(r.stats.exif_orientation, kind == 2 ? 3 : 0);
        s_check_pixels("single kind", in, in_len, r.out.data, r.out.len);
        const char *why = es_tj_check(NULL, in, in_len, 10, (uint32_t)kind, 1u << 20);
        if (why)
            es_test_fail(__FILE__, __LINE__, "kind case %d: %s", kind, why);
        es_tj_result_free(&r);
        free(in);
    }
}

int main(void)
{
    ES_RUN(test_variants_default_policy);
    ES_RUN(test_variants_without_icc);
    ES_RUN(test_clean_file_unchanged);
    ES_RUN(test_single_kinds);
    return es_test_finish();
}
