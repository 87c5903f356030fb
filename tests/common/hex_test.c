/* hex_test.c - es_hex_digit / es_hex_byte (src/common/hex.c): every byte
 * value as a digit, pairs in both cases, and short or non-hex input. */
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
    CHECK_INT_EQ(es_hex_byte("\xff" "1", 2), -1);
}

static void test_byte_needs_two_bytes(void)
{
    CHECK_INT_EQ(es_hex_byte("41", 1), -1); /* the second digit is not available */
    CHECK_INT_EQ(es_hex_byte("41", 0), -1);
    CHECK_INT_EQ(es_hex_byte("4", 2), -1);  /* NUL is not a digit */
}

int main(void)
{
    ES_RUN(test_digit_every_byte);
    ES_RUN(test_byte_pairs);
    ES_RUN(test_byte_needs_two_bytes);
    return es_test_finish();
}
