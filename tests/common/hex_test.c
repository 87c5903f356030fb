/* hex_test.c - es_hex_digit / es_hex_byte / es_hex_encode (src/common/hex.c):
 * every byte value as a digit, pairs in both cases, short or non-hex input,
 * and every byte value encoded and decoded back. */
#include <string.h>

#include "../harness/test.h"
#include "common/hex.h"

static void test_digit_every_byte(void)
{
    static const char lower[] = "0123456789abcdef", upper[] = "0123456789ABCDEF";
    int accepted = 0;
    for (int c = 0; c < 256; c++) {
        int v = es_hex_digit(c);
        if (v < 0)
            continue;
        accepted++;
        CHECK(v < 16);
        CHECK(c == lower[v] || c == upper[v]);
    }
    CHECK_INT_EQ(accepted, 22);
    CHECK_INT_EQ(es_hex_digit(-1), -1);
}

static void test_byte_pairs(void)
{
    CHECK_INT_EQ(es_hex_byte("00", 2), 0);
    CHECK_INT_EQ(es_hex_byte("7f", 2), 127);
    CHECK_INT_EQ(es_hex_byte("fF", 2), 255);
    CHECK_INT_EQ(es_hex_byte("A5zz", 4), 0xA5);
    CHECK_INT_EQ(es_hex_byte("2g", 2), -1);
    CHECK_INT_EQ(es_hex_byte("g2", 2), -1);
    CHECK_INT_EQ(es_hex_byte("\xff"
                             "1",
                             2),
                 -1);
}

static void test_byte_needs_two_bytes(void)
{
    CHECK_INT_EQ(es_hex_byte("41", 1), -1); /* the second digit is not available */
    CHECK_INT_EQ(es_hex_byte("41", 0), -1);
    CHECK_INT_EQ(es_hex_byte("4", 2), -1); /* NUL is not a digit */
}

static void test_encode_every_byte(void)
{
    unsigned char all[256];
    for (int i = 0; i < 256; i++)
        all[i] = (unsigned char)i;
    char out[2 * 256 + 1];
    memset(out, 'x', sizeof out);
    es_hex_encode(all, 256, out);
    CHECK_INT_EQ(strlen(out), 512);
    for (int i = 0; i < 256; i++)
        CHECK_INT_EQ(es_hex_byte(out + 2 * i, 2), i);
    CHECK(strncmp(out + 2 * 0xab, "ab", 2) == 0); /* lower case */
    es_hex_encode(all, 0, out);
    CHECK_STR_EQ(out, "");
}

static void test_form_decode(void)
{
    char out[16];
    size_t n = 99, at = 99;
    CHECK_INT_EQ(es_form_decode("a+b%2Bc%25%E6", 13, out, sizeof out, &n, &at), ES_FORM_OK);
    CHECK_MEM_EQ(out, n, "a b+c%\xe6", 7);
    CHECK_INT_EQ(out[n], '\0');
    CHECK_INT_EQ(es_form_decode("x%00y", 5, out, sizeof out, &n, &at), ES_FORM_OK);
    CHECK_INT_EQ(n, 3); /* %00 decodes; callers decide whether a NUL is acceptable */
    CHECK_INT_EQ(es_form_decode("ab%4", 4, out, sizeof out, &n, &at), ES_FORM_BAD_ESCAPE);
    CHECK_INT_EQ(at, 2);
    CHECK_INT_EQ(es_form_decode("%zz", 3, out, sizeof out, &n, &at), ES_FORM_BAD_ESCAPE);
    CHECK_INT_EQ(at, 0);
    /* "%41" is only in range when len says so */
    CHECK_INT_EQ(es_form_decode("%41", 2, out, sizeof out, &n, &at), ES_FORM_BAD_ESCAPE);
    CHECK_INT_EQ(es_form_decode("abcd", 4, out, 4, &n, &at), ES_FORM_TOO_LONG);
    CHECK_INT_EQ(at, 3);
    CHECK_INT_EQ(es_form_decode("abc", 3, out, 4, &n, &at), ES_FORM_OK);
    CHECK_INT_EQ(es_form_decode("", 0, out, 1, &n, &at), ES_FORM_OK);
    CHECK_INT_EQ(n, 0);
}

int main(void)
{
    ES_RUN(test_digit_every_byte);
    ES_RUN(test_byte_pairs);
    ES_RUN(test_byte_needs_two_bytes);
    ES_RUN(test_encode_every_byte);
    ES_RUN(test_form_decode);
    return es_test_finish();
}
