/* describe_test.c - es_jpeg_describe and es_jpeg_segment_payload: the facts of
 * each kind from exact-size payloads, and their bounds: one byte short of a
 * field yields "not known" with no half-filled facts, and every payload is a
 * heap copy of its exact size so the sanitizer build catches any over-read. */
#include <stdbool.h>
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

/* Field by field (memcmp would also compare padding). */
static bool s_same(const es_jpeg_description *a, const es_jpeg_description *b)
{
    return a->kind == b->kind && a->known == b->known && a->jfif_major == b->jfif_major &&
           a->jfif_minor == b->jfif_minor && a->jfif_thumb_width == b->jfif_thumb_width &&
           a->jfif_thumb_height == b->jfif_thumb_height && a->adobe_transform == b->adobe_transform &&
           a->icc_chunk == b->icc_chunk && a->icc_chunks == b->icc_chunks &&
           a->frame_width == b->frame_width && a->frame_height == b->frame_height &&
           a->frame_components == b->frame_components && a->frame_precision == b->frame_precision &&
           a->scan_components == b->scan_components && a->xmp_ext_offset == b->xmp_ext_offset &&
           a->xmp_ext_total == b->xmp_ext_total && a->trailer == b->trailer;
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
        CHECK(s_same(&d, &zero));
    }
}

#define S_LEN(lit) (sizeof(lit) - 1)

#define S_LIT(lit) lit, S_LEN(lit)

/* One kind: a payload, how many of its bytes the facts need, and the facts. */
typedef struct s_case {
    es_jpeg_kind kind;
    const char *payload;
    size_t len, need;
    es_jpeg_description want; /* kind and known are filled in by the test */
} s_case;

static void test_facts_of_each_kind(void)
{
    static char xmp_ext[120];
    memset(xmp_ext, 'G', sizeof xmp_ext);
    memcpy(xmp_ext, "http://ns.adobe.com/xmp/extension/", 35); /* with its NUL */
    memcpy(xmp_ext + 67,
           "\x00\x00\x0B\x22"
           "\x00\x01\x00\x00",
           8); /* total 2850, offset 65536 */
    const s_case cases[] = {
        {ES_JPEG_KIND_FRAME,
         S_LIT("\x08\x0B\xB8\x0F\xA0\x03\x01\x22\x00"),
         6, /* 8-bit, 3000 lines, 4000 wide */
         {.frame_precision = 8, .frame_height = 3000, .frame_width = 4000, .frame_components = 3}},
        {ES_JPEG_KIND_ICC,
         S_LIT("ICC_PROFILE\0\x02\x03"
               "acsp"),
         14,
         {.icc_chunk = 2, .icc_chunks = 3}},
        {ES_JPEG_KIND_SCAN, S_LIT("\x01\x01\x00"), 1, {.scan_components = 1}},
        {ES_JPEG_KIND_JFIF,
         S_LIT("JFIF\0\x01\x02\x01\x00\x48\x00\x48\x08\x06"
               "thumbnail"),
         14,
         {.jfif_major = 1, .jfif_minor = 2, .jfif_thumb_width = 8, .jfif_thumb_height = 6}},
        {ES_JPEG_KIND_ADOBE, S_LIT("Adobe\x00\x64\x00\x00\x00\x00\x02"), 12, {.adobe_transform = 2}},
        {ES_JPEG_KIND_XMP_EXT, xmp_ext, sizeof xmp_ext, 75, {.xmp_ext_total = 2850, .xmp_ext_offset = 65536}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const s_case *c = &cases[i];
        es_jpeg_description want = c->want;
        want.kind = c->kind;
        want.known = true;
        es_jpeg_description d = s_describe(c->kind, c->payload, c->len);
        CHECK(s_same(&d, &want));
        d = s_describe(c->kind, c->payload, c->need); /* exactly the bytes needed */
        CHECK(s_same(&d, &want));
        s_check_short(c->kind, c->payload, c->need);
    }
}

static void test_kinds_without_facts(void)
{
    static const es_jpeg_kind kinds[] = {ES_JPEG_KIND_SOI,     ES_JPEG_KIND_EXIF,  ES_JPEG_KIND_XMP,
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
    CHECK_INT_EQ(s_describe(ES_JPEG_KIND_TRAILER,
                            "\0\0\0\x18"
                            "ftypmp42",
                            12)
                     .trailer,
                 ES_JPEG_TRAILER_BMFF);
    CHECK_INT_EQ(s_describe(ES_JPEG_KIND_TRAILER,
                            "\0\0\0\x18"
                            "fty",
                            7)
                     .trailer,
                 ES_JPEG_TRAILER_DATA);
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
    static const char app1[] = "\xFF\xE1\x00\x08"
                               "Exif\0\0";
    CHECK(s_payload(0xE1, 10, app1, S_LEN(app1), &off, &len));
    CHECK_INT_EQ(off, 1004);
    CHECK_INT_EQ(len, 6);
    static const char filled[] = "\xFF\xFF\xFF\xE1\x00\x08"
                                 "Exif\0\0";
    CHECK(s_payload(0xE1, 12, filled, S_LEN(filled), &off, &len));
    CHECK_INT_EQ(off, 1006);
    CHECK_INT_EQ(len, 6);
    CHECK(s_payload(0xE1, 12, filled, 6, &off, &len)); /* head ends right after the length field */
    for (size_t n = 0; n < 6; n++)                     /* ... or before it */
        CHECK(!s_payload(0xE1, 12, filled, n, &off, &len));
    CHECK(!s_payload(0xE1, 11, filled, S_LEN(filled), &off, &len)); /* length runs past the segment */
    CHECK(!s_payload(0xE2, 12, filled, S_LEN(filled), &off, &len)); /* another marker */
    CHECK(!s_payload(0xE1, 10, "\xFF\xE1\x00\x01", 4, &off, &len)); /* length below 2 */
    CHECK(s_payload(0xE1, 4, "\xFF\xE1\x00\x02", 4, &off, &len));   /* empty payload */
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
    ES_RUN(test_facts_of_each_kind);
    ES_RUN(test_kinds_without_facts);
    ES_RUN(test_trailer);
    ES_RUN(test_segment_payload);
    return es_test_finish();
}
