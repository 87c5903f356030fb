/* describe_test.c - es_jpeg_describe and es_jpeg_segment_payload: the facts of
 * each kind from exact-size payloads, and their bounds: one byte short of a
 * field yields "not known" with no half-filled facts, and every payload is a
 * heap copy of its exact size so the sanitizer build catches any over-read. */
#include <stdlib.h>
#include <string.h>

#include "../harness/test.h"
#include "exifstrip/jpeg_describe.h"

/* Describes the first len bytes of lit through an exact-size heap copy. */
static es_jpeg_description s_describe(es_jpeg_kind kind, const char *lit, size_t len)
{
    es_jpeg_description d;
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy)
        abort();
    memcpy(copy, lit, len);
    es_jpeg_describe(kind, len ? copy : NULL, len, &d);
    free(copy);
    return d;
}

/* Every prefix shorter than need is not known and leaves every fact zero. */
static void s_check_short(es_jpeg_kind kind, const char *lit, size_t need)
{
    es_jpeg_description zero;
    memset(&zero, 0, sizeof zero);
    zero.kind = kind;
    for (size_t n = 0; n < need; n++) {
        es_jpeg_description d = s_describe(kind, lit, n);
        CHECK(!d.known);
        CHECK(memcmp(&d, &zero, sizeof d) == 0);
    }
}

#define S_LEN(lit) (sizeof(lit) - 1)

static void test_frame(void)
{
    static const char sof[] = "\x08\x0B\xB8\x0F\xA0\x03\x01\x22\x00"; /* 8-bit, 3000 lines, 4000 wide */
    es_jpeg_description d = s_describe(ES_JPEG_KIND_FRAME, sof, S_LEN(sof));
    CHECK(d.known);
    CHECK_INT_EQ(d.frame_precision, 8);
    CHECK_INT_EQ(d.frame_height, 3000);
    CHECK_INT_EQ(d.frame_width, 4000);
    CHECK_INT_EQ(d.frame_components, 3);
    d = s_describe(ES_JPEG_KIND_FRAME, sof, 6);
    CHECK(d.known);
    s_check_short(ES_JPEG_KIND_FRAME, sof, 6);
}

static void test_icc_and_scan(void)
{
    static const char icc[] = "ICC_PROFILE\0\x02\x03" "acsp";
    es_jpeg_description d = s_describe(ES_JPEG_KIND_ICC, icc, S_LEN(icc));
    CHECK(d.known);
    CHECK_INT_EQ(d.icc_chunk, 2);
    CHECK_INT_EQ(d.icc_chunks, 3);
    s_check_short(ES_JPEG_KIND_ICC, icc, 14);
    d = s_describe(ES_JPEG_KIND_SCAN, "\x01\x01\x00", 3);
    CHECK(d.known);
    CHECK_INT_EQ(d.scan_components, 1);
    s_check_short(ES_JPEG_KIND_SCAN, "\x01", 1);
}

static void test_jfif_and_adobe(void)
{
    static const char jfif[] = "JFIF\0\x01\x02\x01\x00\x48\x00\x48\x08\x06" "thumbnail";
    es_jpeg_description d = s_describe(ES_JPEG_KIND_JFIF, jfif, S_LEN(jfif));
    CHECK(d.known);
    CHECK_INT_EQ(d.jfif_major, 1);
    CHECK_INT_EQ(d.jfif_minor, 2);
    CHECK_INT_EQ(d.jfif_thumb_width, 8);
    CHECK_INT_EQ(d.jfif_thumb_height, 6);
    s_check_short(ES_JPEG_KIND_JFIF, jfif, 14);
    static const char adobe[] = "Adobe\x00\x64\x00\x00\x00\x00\x02";
    d = s_describe(ES_JPEG_KIND_ADOBE, adobe, S_LEN(adobe));
    CHECK(d.known);
    CHECK_INT_EQ(d.adobe_transform, 2);
    s_check_short(ES_JPEG_KIND_ADOBE, adobe, 12);
}

static void test_xmp_extension(void)
{
    char p[120];
    memset(p, 'G', sizeof p);
    memcpy(p, "http://ns.adobe.com/xmp/extension/", 35); /* with its NUL */
    memcpy(p + 67, "\x00\x00\x0B\x22" "\x00\x01\x00\x00", 8); /* total 2850, offset 65536 */
    es_jpeg_description d = s_describe(ES_JPEG_KIND_XMP_EXT, p, sizeof p);
    CHECK(d.known);
    CHECK_INT_EQ(d.xmp_ext_total, 2850);
    CHECK_INT_EQ(d.xmp_ext_offset, 65536);
    s_check_short(ES_JPEG_KIND_XMP_EXT, p, 75);
}

static void test_kinds_without_facts(void)
{
    static const es_jpeg_kind kinds[] = {ES_JPEG_KIND_SOI,     ES_JPEG_KIND_EXIF, ES_JPEG_KIND_XMP,
                                         ES_JPEG_KIND_COMMENT, ES_JPEG_KIND_TABLE, ES_JPEG_KIND_EOI,
                                         ES_JPEG_KIND_COUNT};
    static const char any[] = "Exif\0\0MM\0*\0\0\0\x08 and more bytes than any field needs...";
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        es_jpeg_description d = s_describe(kinds[i], any, S_LEN(any));
        CHECK(!d.known);
        CHECK_INT_EQ(d.kind, kinds[i]);
    }
}

static void test_trailer(void)
{
    es_jpeg_description d = s_describe(ES_JPEG_KIND_TRAILER, "\xFF\xD8\xFF\xE1", 4);
    CHECK(d.known);
    CHECK_INT_EQ(d.trailer, ES_JPEG_TRAILER_JPEG);
    CHECK_INT_EQ(s_describe(ES_JPEG_KIND_TRAILER, "\xFF\xD8", 2).trailer, ES_JPEG_TRAILER_DATA);
    CHECK_INT_EQ(s_describe(ES_JPEG_KIND_TRAILER, "\0\0\0\x18" "ftypmp42", 12).trailer, ES_JPEG_TRAILER_BMFF);
    CHECK_INT_EQ(s_describe(ES_JPEG_KIND_TRAILER, "\0\0\0\x18" "fty", 7).trailer, ES_JPEG_TRAILER_DATA);
    CHECK_INT_EQ(s_describe(ES_JPEG_KIND_TRAILER, "\0", 1).trailer, ES_JPEG_TRAILER_ZEROS);
    /* only the first ES_JPEG_TRAILER_PEEK bytes count: zeros, then data */
    static const char late[] = "\0\0\0\0\0\0\0\0\0\0\0\0data";
    CHECK_INT_EQ(s_describe(ES_JPEG_KIND_TRAILER, late, S_LEN(late)).trailer, ES_JPEG_TRAILER_ZEROS);
    CHECK_INT_EQ(s_describe(ES_JPEG_KIND_TRAILER, late + 1, S_LEN(late) - 1).trailer, ES_JPEG_TRAILER_DATA);
    CHECK(!s_describe(ES_JPEG_KIND_TRAILER, "", 0).known);
}

/* es_jpeg_segment_payload over an exact-size heap copy of head. */
static bool s_payload(uint8_t marker, uint64_t seg_len, const char *head, size_t n, uint64_t *off, size_t *len)
{
    es_jpeg_segment seg = {.offset = 1000, .length = seg_len, .marker = marker, .kind = ES_JPEG_KIND_OTHER_APP};
    uint8_t *copy = malloc(n ? n : 1);
    if (!copy)
        abort();
    memcpy(copy, head, n);
    bool ok = es_jpeg_segment_payload(&seg, copy, n, off, len);
    free(copy);
    return ok;
}

static void test_segment_payload(void)
{
    uint64_t off = 0;
    size_t len = 0;
    static const char app1[] = "\xFF\xE1\x00\x08" "Exif\0\0";
    CHECK(s_payload(0xE1, 10, app1, S_LEN(app1), &off, &len));
    CHECK_INT_EQ(off, 1004);
    CHECK_INT_EQ(len, 6);
    static const char filled[] = "\xFF\xFF\xFF\xE1\x00\x08" "Exif\0\0";
    CHECK(s_payload(0xE1, 12, filled, S_LEN(filled), &off, &len));
    CHECK_INT_EQ(off, 1006);
    CHECK_INT_EQ(len, 6);
    CHECK(s_payload(0xE1, 12, filled, 6, &off, &len)); /* head ends right after the length field */
    for (size_t n = 0; n < 6; n++)                     /* ... or before it */
        CHECK(!s_payload(0xE1, 12, filled, n, &off, &len));
    CHECK(!s_payload(0xE1, 11, filled, S_LEN(filled), &off, &len)); /* length runs past the segment */
    CHECK(!s_payload(0xE2, 12, filled, S_LEN(filled), &off, &len)); /* another marker */
    CHECK(!s_payload(0xE1, 10, "\xFF\xE1\x00\x01", 4, &off, &len)); /* length below 2 */
    CHECK(s_payload(0xE1, 4, "\xFF\xE1\x00\x02", 4, &off, &len));    /* empty payload */
    CHECK_INT_EQ(len, 0);
    CHECK(!s_payload(0xE1, 3, "\xFF\xE1\x00\x02", 4, &off, &len)); /* reported shorter than its header */
    CHECK(!s_payload(0xD9, 4, "\xFF\xD9\x00\x02", 4, &off, &len)); /* EOI has no length field */
    CHECK(!s_payload(0xD3, 4, "\xFF\xD3\x00\x02", 4, &off, &len)); /* nor RSTn */
    CHECK(!s_payload(0xE1, 10, "\xE1\xFF\x00\x08xxxxxx", 10, &off, &len)); /* no 0xFF first */
    es_jpeg_segment trailer = {.offset = 5, .length = 4, .kind = ES_JPEG_KIND_TRAILER};
    CHECK(!es_jpeg_segment_payload(&trailer, (const uint8_t *)"\xFF\x00\x00\x02", 4, &off, &len));
}

int main(void)
{
    ES_RUN(test_frame);
    ES_RUN(test_icc_and_scan);
    ES_RUN(test_jfif_and_adobe);
    ES_RUN(test_xmp_extension);
    ES_RUN(test_kinds_without_facts);
    ES_RUN(test_trailer);
    ES_RUN(test_segment_payload);
    return es_test_finish();
}
