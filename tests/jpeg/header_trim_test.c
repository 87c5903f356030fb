/* header_trim_test.c - a kept segment is reduced to the fields the policy
 * names: a JFIF APP0 to its 14-byte header with the thumbnail size written as
 * 0x0 (an embedded 8x8 RGB thumbnail dropped), an Adobe APP14 to its 12-byte
 * payload (trailing bytes dropped), a DNL to its line count, each with its
 * length rewritten; shorter
 * ones are dropped. Checks the exact output bytes, stats, segment reports,
 * that libjpeg still decodes the result to the same pixels, and that all of it
 * holds however the input is split. */
#include <stdlib.h>
#include <string.h>

#include "../harness/test.h"
#include "../support/fixture.h"
#include "strip_util.h"

#define S_SPLITS 200
#define S_SEED 20261203u

/* JFIF 1.02, aspect-ratio units, 72x72, with a w x h RGB thumbnail of 3*w*h bytes. */
static void s_jfif_with_thumbnail(es_tj_buf *b, uint8_t w, uint8_t h)
{
    uint8_t hdr[14] = {'J', 'F', 'I', 'F', 0, 1, 2, 1, 0, 72, 0, 72, w, h};
    es_tj_buf payload = {0};
    es_tj_buf_put(&payload, hdr, sizeof hdr);
    for (size_t i = 0; i < 3u * w * h; i++) {
        uint8_t px = (uint8_t)(0x40 + i % 97); /* recognisable "thumbnail" bytes */
        es_tj_buf_put(&payload, &px, 1);
    }
    es_tj_seg(b, 0xE0, payload.data, payload.len);
    es_tj_buf_free(&payload);
}

/* Adobe APP14: version 100, flags 0x8000/0, transform 1 (YCbCr), then extra bytes. */
static void s_adobe_with_extra(es_tj_buf *b, const char *extra, size_t n_extra)
{
    static const char body[] = "\x00\x64\x80\x00\x00\x00\x01";
    es_tj_buf payload = {0};
    es_tj_buf_put(&payload, "Adobe", 5);
    es_tj_buf_put(&payload, body, sizeof body - 1);
    es_tj_buf_put(&payload, extra, n_extra);
    es_tj_seg(b, 0xEE, payload.data, payload.len);
    es_tj_buf_free(&payload);
}

static void s_check_invariants(const uint8_t *in, size_t len)
{
    es_jpeg_policy p;
    es_jpeg_policy_default(&p);
    const char *why = es_tj_check(&p, in, len, S_SPLITS, S_SEED, 1u << 20);
    if (why)
        es_test_fail(__FILE__, __LINE__, "invariant: %s", why);
}

/* Checks the invariants on in (splits, tiling, idempotence), then frees in and r. */
static void s_check_and_free(es_tj_buf *in, es_tj_result *r)
{
    s_check_invariants(in->data, in->len);
    es_tj_result_free(r);
    es_tj_buf_free(in);
}

/* Completes in (SOI and the segments under test) with a tiny image and EOI,
 * strips it, and checks the output is SOI + want_seg + that image. */
static void s_strip_expect(es_tj_buf *in, const uint8_t *want_seg, size_t n, es_tj_result *r)
{
    es_tj_buf want = {0};
    size_t image_at = in->len;
    es_tj_image(in, 0xC0);
    es_tj_eoi(in);
    es_tj_soi(&want);
    es_tj_buf_put(&want, want_seg, n);
    es_tj_buf_put(&want, in->data + image_at, in->len - image_at);
    es_tj_strip(NULL, in->data, in->len, es_tj_oneshot(), r);
    CHECK_INT_EQ(r->rc, ES_OK);
    CHECK_MEM_EQ(r->out.data, r->out.len, want.data, want.len);
    es_tj_buf_free(&want);
}

static void test_jfif_thumbnail_dropped(void)
{
    static const uint8_t want_app0[] = {0xFF, 0xE0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0,
                                        1,    2,    1,    0,    72,  0,   72,  0,   0};
    es_tj_buf in = {0};
    es_tj_result r;
    es_tj_soi(&in);
    s_jfif_with_thumbnail(&in, 8, 8);
    s_strip_expect(&in, want_app0, sizeof want_app0, &r);
    REQUIRE(r.rc == ES_OK);
    CHECK_INT_EQ(r.stats.removed_bytes[ES_JPEG_KIND_JFIF], 192);
    CHECK_INT_EQ(r.stats.removed_count[ES_JPEG_KIND_JFIF], 0); /* the segment itself is kept */
    REQUIRE(r.nsegs >= 2);
    CHECK_INT_EQ(r.segs[1].kind, ES_JPEG_KIND_JFIF);
    CHECK(r.segs[1].kept);
    CHECK_INT_EQ(r.segs[1].length, 4 + 14 + 192);
    CHECK_INT_EQ(r.segs[1].removed, 192);
    CHECK_INT_EQ(r.stats.bytes_out, in.len - 192);
    s_check_invariants(in.data, in.len);

    /* Stripping again changes nothing: the header is already reduced. */
    es_tj_result again;
    es_tj_strip(NULL, r.out.data, r.out.len, es_tj_oneshot(), &again);
    CHECK_MEM_EQ(again.out.data, again.out.len, r.out.data, r.out.len);
    CHECK_INT_EQ(again.stats.removed_bytes[ES_JPEG_KIND_JFIF], 0);
    es_tj_result_free(&again);
    es_tj_result_free(&r);
    es_tj_buf_free(&in);
}

/* A thumbnail size without thumbnail data is zeroed too; nothing else changes. */
static void test_jfif_thumbnail_size_zeroed(void)
{
    es_tj_buf in = {0};
    es_tj_result r;
    static const uint8_t hdr[14] = {'J', 'F', 'I', 'F', 0, 1, 1, 0, 0, 1, 0, 1, 4, 4};
    es_tj_soi(&in);
    es_tj_seg(&in, 0xE0, hdr, sizeof hdr);
    es_tj_image(&in, 0xC0);
    es_tj_eoi(&in);
    es_tj_strip(NULL, in.data, in.len, es_tj_oneshot(), &r);
    REQUIRE(r.rc == ES_OK && r.out.len == in.len);
    CHECK_INT_EQ(r.out.data[2 + 4 + 12], 0);
    CHECK_INT_EQ(r.out.data[2 + 4 + 13], 0);
    CHECK_MEM_EQ(r.out.data, 2 + 4 + 12, in.data, 2 + 4 + 12);
    CHECK_INT_EQ(r.segs[1].removed, 0);
    s_check_and_free(&in, &r);
}

static void test_adobe_extra_bytes_dropped(void)
{
    static const uint8_t want_app14[] = {0xFF, 0xEE, 0x00, 0x0E, 'A',  'd',  'o',  'b',
                                         'e',  0x00, 0x64, 0x80, 0x00, 0x00, 0x00, 0x01};
    static const char extra[] = "owner: Jane Doe, serial 12345";
    es_tj_buf in = {0};
    es_tj_result r;
    es_tj_soi(&in);
    s_adobe_with_extra(&in, extra, sizeof extra - 1);
    s_strip_expect(&in, want_app14, sizeof want_app14, &r);
    REQUIRE(r.rc == ES_OK);
    CHECK_INT_EQ(r.stats.removed_bytes[ES_JPEG_KIND_ADOBE], sizeof extra - 1);
    CHECK(r.segs[1].kept);
    CHECK_INT_EQ(r.segs[1].removed, sizeof extra - 1);
    s_check_and_free(&in, &r);
}

/* A DNL keeps its 2-byte line count; bytes after it (a carrier decoders skip) are dropped. */
static void test_dnl_extra_bytes_dropped(void)
{
    static const char extra[] = "Exif GPS 48.8582 2.2945, owner Jane Doe";
    static const uint8_t want_dnl[] = {0xFF, 0xDC, 0x00, 0x04, 0x00, 0x08};
    es_tj_buf in = {0}, want = {0}, payload = {0};
    es_tj_result r;
    es_tj_soi(&in);
    es_tj_image(&in, 0xC0);
    size_t image_end = in.len;
    es_tj_buf_put(&payload, "\x00\x08", 2);
    es_tj_buf_put(&payload, extra, sizeof extra - 1);
    es_tj_seg(&in, 0xDC, payload.data, payload.len);
    es_tj_eoi(&in);
    es_tj_buf_put(&want, in.data, image_end);
    es_tj_buf_put(&want, want_dnl, sizeof want_dnl);
    es_tj_eoi(&want);
    es_tj_strip(NULL, in.data, in.len, es_tj_oneshot(), &r);
    REQUIRE(r.rc == ES_OK);
    CHECK_MEM_EQ(r.out.data, r.out.len, want.data, want.len);
    CHECK_INT_EQ(r.stats.removed_bytes[ES_JPEG_KIND_DNL], sizeof extra - 1);
    es_tj_buf_free(&want);
    es_tj_buf_free(&payload);
    s_check_and_free(&in, &r);
}

/* Too short to hold the header: not a valid JFIF/Adobe segment, dropped whole. */
static void test_short_headers_dropped(void)
{
    es_tj_buf in = {0};
    es_tj_result r;
    es_tj_soi(&in);
    es_tj_app(&in, 0xE0, "JFIF", 5, "\x01\x02\x00\x00\x01\x00\x01\x00", 8); /* 13 bytes */
    es_tj_app(&in, 0xEE, "Adobe", 5, "\x00\x64\x00\x00\x00\x00", 6);        /* 11 bytes */
    s_strip_expect(&in, NULL, 0, &r);
    REQUIRE(r.rc == ES_OK);
    CHECK_INT_EQ(r.stats.removed_count[ES_JPEG_KIND_JFIF], 1);
    CHECK_INT_EQ(r.stats.removed_count[ES_JPEG_KIND_ADOBE], 1);
    CHECK(!r.segs[1].kept && !r.segs[2].kept);
    s_check_and_free(&in, &r);
}

/* Fill bytes before a trimmed segment are kept with it (header emitted in two parts). */
static void test_trim_after_fill_bytes(void)
{
    es_tj_buf in = {0};
    es_tj_result r;
    uint8_t fill[70];
    memset(fill, 0xFF, sizeof fill);
    es_tj_soi(&in);
    es_tj_buf_put(&in, fill, sizeof fill);
    s_jfif_with_thumbnail(&in, 2, 3);
    es_tj_buf_put(&in, fill, 3);
    s_adobe_with_extra(&in, "xyz", 3);
    es_tj_image(&in, 0xC0);
    es_tj_eoi(&in);
    es_tj_strip(NULL, in.data, in.len, es_tj_oneshot(), &r);
    REQUIRE(r.rc == ES_OK);
    CHECK_INT_EQ(r.stats.removed_bytes[ES_JPEG_KIND_JFIF], 18);
    CHECK_INT_EQ(r.stats.removed_bytes[ES_JPEG_KIND_ADOBE], 3);
    CHECK_INT_EQ(r.out.len, in.len - 21);
    CHECK_INT_EQ(r.out.data[2 + sizeof fill + 1], 0xE0); /* after the fill and the marker's 0xFF */
    s_check_and_free(&in, &r);
}

/* On a real libjpeg image: a thumbnail-carrying JFIF is reduced and the pixels are unchanged. */
static void test_decodes_to_same_pixels(void)
{
    es_fixture_opts o = {.width = 32, .height = 16, .components = 3, .no_jfif = true};
    uint8_t *jpg = NULL, *pa = NULL, *pb = NULL;
    size_t len = 0;
    int wa, ha, ca, wb, hb, cb;
    REQUIRE(es_fixture_make(&o, &jpg, &len) == 0);
    es_tj_buf in = {0};
    es_tj_result r;
    es_tj_soi(&in);
    s_jfif_with_thumbnail(&in, 8, 8);
    es_tj_buf_put(&in, jpg + 2, len - 2);
    es_tj_strip(NULL, in.data, in.len, es_tj_oneshot(), &r);
    REQUIRE(r.rc == ES_OK);
    CHECK_INT_EQ(r.out.len, in.len - 192);
    REQUIRE(es_fixture_decode(in.data, in.len, &pa, &wa, &ha, &ca) == 0);
    REQUIRE(es_fixture_decode(r.out.data, r.out.len, &pb, &wb, &hb, &cb) == 0);
    CHECK(wa == wb && ha == hb && ca == cb);
    CHECK_MEM_EQ(pb, (size_t)wb * hb * cb, pa, (size_t)wa * ha * ca);
    free(pa);
    free(pb);
    free(jpg);
    es_tj_result_free(&r);
    es_tj_buf_free(&in);
}

static void test_payload_limits(void)
{
    CHECK_INT_EQ(es_jpeg_policy_payload_limit(ES_JPEG_KIND_JFIF), 14);
    CHECK_INT_EQ(es_jpeg_policy_payload_limit(ES_JPEG_KIND_ADOBE), 12);
    CHECK_INT_EQ(es_jpeg_policy_payload_limit(ES_JPEG_KIND_DNL), 2);
    CHECK(es_jpeg_policy_payload_limit(ES_JPEG_KIND_ICC) == SIZE_MAX);
    CHECK(es_jpeg_policy_payload_limit(ES_JPEG_KIND_TABLE) == SIZE_MAX);
}

int main(void)
{
    ES_RUN(test_jfif_thumbnail_dropped);
    ES_RUN(test_jfif_thumbnail_size_zeroed);
    ES_RUN(test_adobe_extra_bytes_dropped);
    ES_RUN(test_dnl_extra_bytes_dropped);
    ES_RUN(test_short_headers_dropped);
    ES_RUN(test_trim_after_fill_bytes);
    ES_RUN(test_decodes_to_same_pixels);
    ES_RUN(test_payload_limits);
    return es_test_finish();
}
