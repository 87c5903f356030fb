/* tables_test.c - the DHT check (src/jpeg/tables.c): bodies of one to four
 * Huffman tables (up to 256 codes each) pass however they are split; a body
 * cut or lengthened anywhere but at a table's end, a table of 257 codes and
 * one with more codes than bytes left are refused, at the same byte whether
 * fed at once or byte by byte. */
#include <string.h>

#include "../harness/test.h"
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

/* Runs the check over body in pieces of `step` bytes (0: at once); the
 * result, and in *used_total how many bytes were read in all. */
static es_err s_check(const uint8_t *body, size_t len, size_t step, size_t *used_total, es_error *err)
{
    es_jpeg_dht_check d;
    *used_total = 0;
    es_err rc = es_jpeg_dht_check_begin(&d, (uint32_t)len, 2, err);
    for (size_t at = 0; rc == ES_OK && at < len;) {
        size_t n = step == 0 || len - at < step ? len - at : step, used;
        rc = es_jpeg_dht_check_feed(&d, body + at, n, &used, err);
        *used_total += used;
        at += n;
    }
    return rc;
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
        CHECK_INT_EQ(rc, ES_ERR_JPEG_BAD_LENGTH);
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

int main(void)
{
    ES_RUN(test_whole_tables_pass);
    ES_RUN(test_other_lengths_refused);
    ES_RUN(test_too_many_codes);
    return es_test_finish();
}
