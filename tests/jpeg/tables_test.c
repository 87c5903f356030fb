/* tables_test.c - the table segment checks (src/jpeg/tables.c). DHT: bodies
 * of one to four Huffman tables (up to 256 codes each) pass however they are
 * split; a body cut or lengthened anywhere but at a table's end, a table of
 * 257 codes, one with more codes than bytes left and one whose class and
 * destination byte libjpeg-turbo refuses are refused, at the same byte
 * whether fed at once or byte by byte. DQT: 8- and 16-bit tables and a short
 * last one (whole values) pass, a destination above 3 (text) is refused. DAC: pairs pass,
 * an odd length, a destination byte from 0x20 and DC bounds L > U are
 * refused. */
#include <string.h>

#include "../harness/test.h"
#include "jpeg/markers.h"
#include "jpeg/tables.h"

#define S_BODY_MAX (4 * (ES_JPEG_DHT_HEAD + 256))

/* Appends a table of `codes` codes (spread over lengths 1..16, at most 255
 * per length) to body; returns the new length. */
static size_t s_table(uint8_t *body, size_t len, uint8_t class_dest, unsigned codes)
{
    body[len++] = class_dest;
    unsigned left = codes;
    for (int i = 1; i <= 16; i++) {
        unsigned n = i == 16 ? left : (left > 17 ? 17 : left);
        if (n > 255)
            n = 255;
        body[len++] = (uint8_t)n;
        left -= n;
    }
    for (unsigned i = 0; i < codes; i++)
        body[len++] = (uint8_t)i;
    return len;
}

/* Runs the check of a `marker` body over body in pieces of `step` bytes (0:
 * at once); the result, and in *used_total how many bytes were read in all. */
static es_err s_check_segment(uint8_t marker, const uint8_t *body, size_t len, size_t step,
                              size_t *used_total, es_error *err)
{
    es_jpeg_table_check t;
    *used_total = 0;
    es_err rc = es_jpeg_table_check_begin(&t, marker, (uint32_t)len, 2, err);
    for (size_t at = 0; rc == ES_OK && at < len;) {
        size_t n = step == 0 || len - at < step ? len - at : step, used;
        rc = es_jpeg_table_check_feed(&t, body + at, n, &used, err);
        *used_total += used;
        at += n;
    }
    return rc;
}

static es_err s_check(const uint8_t *body, size_t len, size_t step, size_t *used_total, es_error *err)
{
    return s_check_segment(ES_JPEG_M_DHT, body, len, step, used_total, err);
}

/* The result of checking a whole `marker` body (message in err). */
static es_err s_check_whole(uint8_t marker, const uint8_t *body, size_t len, es_error *err)
{
    size_t used;
    es_error_clear(err);
    return s_check_segment(marker, body, len, 0, &used, err);
}

static void test_whole_tables_pass(void)
{
    static const unsigned codes[] = {12, 162, 0, 256};
    static const uint8_t ids[] = {0x00, 0x10, 0x01, 0x11};
    uint8_t body[S_BODY_MAX];
    size_t len = 0;
    for (size_t t = 0; t < 4; t++) {
        len = s_table(body, len, ids[t], codes[t]);
        for (size_t step = 0; step <= 17; step += 1) {
            size_t used;
            es_error err = {0};
            CHECK_INT_EQ(s_check(body, len, step, &used, &err), ES_OK);
            CHECK_INT_EQ(used, len);
        }
    }
    es_error err = {0};
    size_t used;
    CHECK_INT_EQ(s_check(body, 0, 0, &used, &err), ES_OK); /* an empty DHT: no table, nothing hidden */
}

/* Any length but a table's end is refused, the same way at once and byte by byte. */
static void test_other_lengths_refused(void)
{
    uint8_t body[S_BODY_MAX + 40];
    size_t len = s_table(body, 0, 0x00, 12);
    size_t first_end = len;
    len = s_table(body, len, 0x10, 30);
    memset(body + len, 0x41, 40); /* bytes past the tables */
    for (size_t cut = 1; cut < len + 40; cut++) {
        if (cut == first_end || cut == len)
            continue;
        es_error one = {0}, each = {0};
        size_t used_one, used_each;
        es_err rc = s_check(body, cut, 0, &used_one, &one);
        CHECK(rc == ES_ERR_JPEG_BAD_LENGTH || rc == ES_ERR_JPEG_BAD_MARKER); /* 'A' is no class byte */
        CHECK_INT_EQ(s_check(body, cut, 1, &used_each, &each), rc);
        CHECK_INT_EQ(used_one, used_each);
        CHECK_STR_EQ(one.msg, each.msg);
        CHECK_STR_CONTAINS(one.msg, "offset 2: DHT segment");
    }
}

static void test_too_many_codes(void)
{
    uint8_t body[S_BODY_MAX + 8];
    size_t len = s_table(body, 0, 0x00, 257), used;
    es_error err = {0};
    CHECK_INT_EQ(s_check(body, len, 0, &used, &err), ES_ERR_JPEG_BAD_LENGTH);
    CHECK_STR_CONTAINS(err.msg, "Huffman table 1 declares 257 codes, but a table has at most 256");
    CHECK_INT_EQ(used, ES_JPEG_DHT_HEAD); /* refused at the end of its header */
}

static void test_dht_class_and_destination(void)
{
    static const uint8_t ids[] = {0x02, 0x04, 0x13, 0x14, 0x20, 0x45, 0x90};
    uint8_t body[ES_JPEG_DHT_HEAD + 8];
    es_error err;
    for (size_t i = 0; i < sizeof ids; i++) {
        size_t len = s_table(body, 0, ids[i], 8);
        bool valid = ids[i] == 0x02 || ids[i] == 0x13;
        CHECK_INT_EQ(s_check_whole(ES_JPEG_M_DHT, body, len, &err), valid ? ES_OK : ES_ERR_JPEG_BAD_MARKER);
        if (!valid)
            CHECK_STR_CONTAINS(err.msg, "DHT segment's Huffman table 1 has class and destination byte 0x");
    }
}

static void test_dqt(void)
{
    uint8_t body[1 + 64 + 1 + 128 + 1 + 20];
    size_t len = 0;
    body[len++] = 0x00; /* 8-bit, destination 0 */
    for (int i = 0; i < 64; i++)
        body[len++] = (uint8_t)(i + 1);
    body[len++] = 0x13; /* 16-bit, destination 3 */
    for (int i = 0; i < 128; i++)
        body[len++] = (uint8_t)i;
    body[len++] = 0x01; /* a short last table, read as far as it goes */
    memset(body + len, 7, 20);
    len += 20;
    es_error err;
    for (size_t cut = 0; cut <= len; cut++) /* libjpeg-turbo reads a short table as far as it goes */
        if (cut <= 66 || cut >= 194 || (cut - 66) % 2 == 0) /* (not half a 16-bit value) */
            CHECK_INT_EQ(s_check_whole(ES_JPEG_M_DQT, body, cut, &err), ES_OK);
    static const uint8_t text[] = "Exif\0\0MM GPS 48.8582 N 2.2945 E";
    CHECK_INT_EQ(s_check_whole(ES_JPEG_M_DQT, text, sizeof text - 1, &err), ES_ERR_JPEG_BAD_MARKER);
    CHECK_STR_CONTAINS(err.msg,
                       "offset 2: DQT segment's quantization table 1 has class and destination byte 0x45");
    body[65] = 0x14; /* the second table's destination 4 */
    CHECK_INT_EQ(s_check_whole(ES_JPEG_M_DQT, body, len, &err), ES_ERR_JPEG_BAD_MARKER);
    CHECK_STR_CONTAINS(err.msg, "quantization table 2 has class and destination byte 0x14");
}

static void test_dac(void)
{
    static const uint8_t good[] = {0x00, 0x10, 0x01, 0x00, 0x10, 0x05, 0x13, 0xFF, 0x0F, 0xF7};
    es_error err;
    CHECK_INT_EQ(s_check_whole(ES_JPEG_M_DAC, good, sizeof good, &err), ES_OK);
    CHECK_INT_EQ(s_check_whole(ES_JPEG_M_DAC, good, 0, &err), ES_OK);
    CHECK_INT_EQ(s_check_whole(ES_JPEG_M_DAC, good, 3, &err), ES_ERR_JPEG_BAD_LENGTH);
    CHECK_STR_CONTAINS(err.msg,
                       "offset 2: DAC segment declares length 5, but its conditioning tables take 2 bytes each");
    static const uint8_t bad_id[] = {0x00, 0x10, 0x20, 0x00};
    CHECK_INT_EQ(s_check_whole(ES_JPEG_M_DAC, bad_id, sizeof bad_id, &err), ES_ERR_JPEG_BAD_MARKER);
    CHECK_STR_CONTAINS(err.msg, "conditioning table 2 has class and destination byte 0x20");
    static const uint8_t equal_bounds[] = {0x01, 0x22}; /* L 2 = U 2 */
    CHECK_INT_EQ(s_check_whole(ES_JPEG_M_DAC, equal_bounds, sizeof equal_bounds, &err), ES_OK);
    static const uint8_t l_over_u[] = {0x01, 0x12};
    CHECK_INT_EQ(s_check_whole(ES_JPEG_M_DAC, l_over_u, sizeof l_over_u, &err), ES_ERR_JPEG_BAD_MARKER);
    CHECK_STR_CONTAINS(err.msg, "bounds L 2 > U 1");
    static const uint8_t text[] = "[picture info] GPS=51.50N Owner=Jane";
    CHECK_INT_EQ(s_check_whole(ES_JPEG_M_DAC, text, sizeof text - 1, &err), ES_ERR_JPEG_BAD_MARKER);
}

int main(void)
{
    ES_RUN(test_whole_tables_pass);
    ES_RUN(test_other_lengths_refused);
    ES_RUN(test_too_many_codes);
    ES_RUN(test_dht_class_and_destination);
    ES_RUN(test_dqt);
    ES_RUN(test_dac);
    return es_test_finish();
}
