/* exif_peek_test.c - the bounded IFD0 look: Orientation and GPS pointer in
 * both byte orders, empty GPS IFD, the link to IFD1 (thumbnail), and every truncation or bad offset of the
 * payload handled without reading out of bounds (run under ASan). */
#include <stdlib.h>

#include "../harness/test.h"
#include "jpeg/exif_peek.h"
#include "strip_util.h"

static es_jpeg_exif_facts s_peek(const es_tj_buf *b, size_t len)
{
    es_jpeg_exif_facts f;
    /* A private copy of exactly len bytes, so ASan catches any over-read. */
    uint8_t *copy = malloc(len ? len : 1);
    memcpy(copy, b->data, len);
    es_jpeg_exif_peek(copy, len, &f);
    free(copy);
    return f;
}

static void test_facts(void)
{
    for (int le = 0; le < 2; le++) {
        es_tj_buf b = {0};
        es_tj_exif(&b, le == 1, 8, 2);
        es_jpeg_exif_facts f = s_peek(&b, b.len);
        CHECK(f.has_gps);
        CHECK_INT_EQ(f.orientation, 8);
        es_tj_buf_free(&b);

        es_tj_exif(&b, le == 1, 0, 1);
        f = s_peek(&b, b.len);
        CHECK(!f.has_gps); /* pointer to an empty GPS IFD */
        CHECK_INT_EQ(f.orientation, 0);
        es_tj_buf_free(&b);

        es_tj_exif(&b, le == 1, 0, 0);
        f = s_peek(&b, b.len);
        CHECK(!f.has_gps);
        es_tj_buf_free(&b);
    }
}

/* Every prefix of a valid payload: no over-read, and facts only once their bytes are there. */
static void test_every_truncation(void)
{
    es_tj_buf b = {0};
    es_tj_exif(&b, true, 3, 2);
    size_t gps_entry_end = 6 + 8 + 2 + 12 * 3; /* Make, Orientation, GPSInfo */
    for (size_t len = 0; len <= b.len; len++) {
        es_jpeg_exif_facts f = s_peek(&b, len);
        if (len < 6 + 8 + 2 + 12 * 2 - 2)
            CHECK_INT_EQ(f.orientation, 0);
        if (len >= 6 + 8 + 2 + 12 * 2)
            CHECK_INT_EQ(f.orientation, 3);
        if (len < gps_entry_end)
            CHECK(!f.has_gps);
        else
            CHECK(f.has_gps); /* the GPS IFD itself may be cut: assumed present */
    }
    es_tj_buf_free(&b);
}

static void test_malformed(void)
{
    es_tj_buf b = {0};
    es_jpeg_exif_facts f;
    es_tj_exif(&b, false, 6, 2);
    b.data[6] = 'X'; /* byte order */
    f = s_peek(&b, b.len);
    CHECK(!f.has_gps);
    CHECK_INT_EQ(f.orientation, 0);
    b.data[6] = 'M';
    b.data[9] = 43; /* magic */
    f = s_peek(&b, b.len);
    CHECK_INT_EQ(f.orientation, 0);
    b.data[9] = 42;
    b.data[10] = 0x7F; /* IFD0 offset far out of range */
    f = s_peek(&b, b.len);
    CHECK_INT_EQ(f.orientation, 0);
    b.data[10] = 0xFF; /* 0xFF000008: would wrap a 32-bit sum */
    f = s_peek(&b, b.len);
    CHECK_INT_EQ(f.orientation, 0);
    b.data[10] = 0;
    b.data[14] = 0xFF; /* entry count 0xFF03: entries run past the end */
    f = s_peek(&b, b.len);
    CHECK_INT_EQ(f.orientation, 6); /* the entries that are there still count */
    es_tj_buf_free(&b);
    es_jpeg_exif_peek(NULL, 100, &f);
    CHECK(!f.has_gps);
}

static void s_put_u32_at(uint8_t *p, bool little, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[little ? i : 3 - i] = (uint8_t)(v >> (8 * i));
}

/* IFD0's link to IFD1: a non-empty IFD1 is a thumbnail, an empty one is not,
 * an unreadable one is assumed to be, no link is none. */
static void test_thumbnail_link(void)
{
    for (int le = 0; le < 2; le++) {
        for (int entries = -1; entries <= 1; entries++) {
            es_tj_buf b = {0};
            es_tj_exif(&b, le == 1, 0, 0); /* IFD0: one entry, next-IFD link at payload offset 6+8+2+12 */
            size_t link = 6 + 8 + 2 + 12;
            REQUIRE(b.data != NULL && b.len >= link + 4);
            uint32_t ifd1 = (uint32_t)(b.len - 6);
            if (entries < 0)
                ifd1 = 0xFFFF; /* out of range */
            s_put_u32_at(b.data + link, le == 1, ifd1);
            es_tj_u16(&b, le == 1, (uint16_t)(entries < 0 ? 0 : entries));
            if (entries > 0) { /* JPEGInterchangeFormat */
                es_tj_u16(&b, le == 1, 0x0201);
                es_tj_u16(&b, le == 1, 4);
                es_tj_u32(&b, le == 1, 1);
                es_tj_u32(&b, le == 1, 0);
            }
            es_tj_u32(&b, le == 1, 0);
            es_jpeg_exif_facts f = s_peek(&b, b.len);
            CHECK_INT_EQ(f.has_thumbnail, entries != 0);
            CHECK(!f.has_gps);
            s_put_u32_at(b.data + link, le == 1, 0);
            f = s_peek(&b, b.len);
            CHECK(!f.has_thumbnail);
            es_tj_buf_free(&b);
        }
    }
}

int main(void)
{
    ES_RUN(test_thumbnail_link);
    ES_RUN(test_facts);
    ES_RUN(test_every_truncation);
    ES_RUN(test_malformed);
    return es_test_finish();
}
