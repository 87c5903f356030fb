/* cursor_test.c - the bounded reader: all-or-nothing reads, ES_ERR_NEED_MORE
 * without moving, both byte orders, bulk take, overflow-safe peeks. */
#include "../harness/test.h"
#include "jpeg/cursor.h"

static const uint8_t s_bytes[] = {0x12, 0x34, 0x56, 0x78, 0x9A};

static void test_reads_and_need_more(void)
{
    es_jpeg_cursor c;
    uint8_t b = 0;
    uint16_t w = 0;
    uint32_t d = 0;
    es_jpeg_cursor_init(&c, s_bytes, sizeof s_bytes);
    CHECK_INT_EQ(es_jpeg_cursor_remaining(&c), 5);
    CHECK_OK(es_jpeg_cursor_read_u8(&c, &b));
    CHECK_INT_EQ(b, 0x12);
    CHECK_OK(es_jpeg_cursor_read_u16(&c, false, &w));
    CHECK_INT_EQ(w, 0x3456);
    CHECK_INT_EQ(es_jpeg_cursor_read_u32(&c, false, &d), ES_ERR_NEED_MORE);
    CHECK_INT_EQ(c.pos, 3); /* a failed read does not move */
    CHECK_OK(es_jpeg_cursor_read_u16(&c, true, &w));
    CHECK_INT_EQ(w, 0x9A78);
    CHECK_INT_EQ(es_jpeg_cursor_read_u8(&c, &b), ES_ERR_NEED_MORE);
    CHECK_INT_EQ(es_jpeg_cursor_remaining(&c), 0);
    CHECK_OK(es_jpeg_cursor_seek(&c, 1));
    CHECK_OK(es_jpeg_cursor_read_u32(&c, true, &d));
    CHECK_INT_EQ(d, 0x9A785634u);
    CHECK_OK(es_jpeg_cursor_seek(&c, 0));
    CHECK_OK(es_jpeg_cursor_read_u32(&c, false, &d));
    CHECK_INT_EQ(d, 0x12345678u);
    CHECK_INT_EQ(es_jpeg_cursor_seek(&c, 6), ES_ERR_NEED_MORE);
    CHECK_OK(es_jpeg_cursor_seek(&c, 5));
}

static void test_peek_skip_take(void)
{
    es_jpeg_cursor c;
    const uint8_t *p = NULL;
    uint8_t b = 0;
    es_jpeg_cursor_init(&c, s_bytes, sizeof s_bytes);
    CHECK_OK(es_jpeg_cursor_peek(&c, 2, 3, &p));
    CHECK(p == s_bytes + 2);
    CHECK_INT_EQ(es_jpeg_cursor_peek(&c, 2, 4, &p), ES_ERR_NEED_MORE);
    CHECK_INT_EQ(es_jpeg_cursor_peek(&c, SIZE_MAX, 2, &p), ES_ERR_NEED_MORE);
    CHECK_INT_EQ(es_jpeg_cursor_peek(&c, 1, SIZE_MAX, &p), ES_ERR_NEED_MORE);
    CHECK_OK(es_jpeg_cursor_peek_u8(&c, 4, &b));
    CHECK_INT_EQ(b, 0x9A);
    CHECK_INT_EQ(c.pos, 0);
    CHECK_OK(es_jpeg_cursor_need(&c, 5));
    CHECK_INT_EQ(es_jpeg_cursor_need(&c, 6), ES_ERR_NEED_MORE);
    CHECK_INT_EQ(es_jpeg_cursor_skip(&c, 6), ES_ERR_NEED_MORE);
    CHECK_OK(es_jpeg_cursor_skip(&c, 1));
    CHECK(es_jpeg_cursor_ptr(&c) == s_bytes + 1);
    CHECK_INT_EQ(es_jpeg_cursor_take(&c, 2, &p), 2);
    CHECK(p == s_bytes + 1);
    CHECK_INT_EQ(es_jpeg_cursor_take(&c, 100, &p), 2);
    CHECK(p == s_bytes + 3);
    CHECK_INT_EQ(es_jpeg_cursor_take(&c, 100, &p), 0);
}

static void test_empty_and_null(void)
{
    es_jpeg_cursor c;
    const uint8_t *p = NULL;
    uint8_t b;
    es_jpeg_cursor_init(&c, NULL, 10);
    CHECK_INT_EQ(es_jpeg_cursor_remaining(&c), 0);
    CHECK_INT_EQ(es_jpeg_cursor_read_u8(&c, &b), ES_ERR_NEED_MORE);
    CHECK_INT_EQ(es_jpeg_cursor_take(&c, 3, &p), 0);
    CHECK(p != NULL);
    CHECK_OK(es_jpeg_cursor_need(&c, 0));
}

int main(void)
{
    ES_RUN(test_reads_and_need_more);
    ES_RUN(test_peek_skip_take);
    ES_RUN(test_empty_and_null);
    return es_test_finish();
}
