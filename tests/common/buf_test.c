/* buf_test.c - es_buf (src/common/buf.c): appends up to and exactly at the
 * cap, the sticky first failure, reset keeping the allocation, the memory
 * bound of max + 1 bytes, reserve (one allocation, then appends up to it move
 * nothing; past max refused), binary content through the bytes view, printf
 * past its small stack buffer, take, and decimal numbers (put_u64) as "%llu"
 * prints them, refused past the cap. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../harness/test.h"
#include "common/buf.h"

static void test_cap_is_exact(void)
{
    es_buf b;
    es_buf_init(&b, 8);
    CHECK_OK(es_buf_append(&b, "12345678", 8));
    CHECK_INT_EQ(b.len, 8);
    CHECK_STR_EQ(b.data, "12345678");
    CHECK_INT_EQ(es_buf_append(&b, "9", 1), ES_ERR_TOO_LARGE);
    CHECK_INT_EQ(b.len, 8);
    es_buf_free(&b);
}

static void test_failure_is_sticky(void)
{
    es_buf b;
    es_buf_init(&b, 4);
    CHECK_INT_EQ(es_buf_puts(&b, "too long"), ES_ERR_TOO_LARGE);
    CHECK_INT_EQ(es_buf_puts(&b, "a"), ES_ERR_TOO_LARGE); /* would fit, but the buffer failed */
    CHECK_INT_EQ(b.err, ES_ERR_TOO_LARGE);
    CHECK(es_buf_take(&b) == NULL);
    CHECK(b.data == NULL);
}

static void test_reset_keeps_allocation(void)
{
    es_buf b;
    es_buf_init(&b, 4);
    CHECK_OK(es_buf_puts(&b, "abc"));
    char *before = b.data;
    size_t cap = b.cap;
    CHECK_INT_EQ(es_buf_puts(&b, "de"), ES_ERR_TOO_LARGE);
    es_buf_reset(&b);
    CHECK_INT_EQ(b.len, 0);
    CHECK_INT_EQ(b.err, ES_OK);
    CHECK_INT_EQ(b.max, 4);
    CHECK(b.data == before);
    CHECK_INT_EQ(b.cap, cap);
    CHECK_STR_EQ(b.data, "");
    CHECK_OK(es_buf_puts(&b, "wxyz"));
    CHECK_STR_EQ(b.data, "wxyz");
    es_buf_free(&b);
    es_buf_reset(&b); /* an empty buffer too */
    CHECK(b.data == NULL);
}

/* A power-of-two cap (a multipart part size) must not double the allocation
 * for the NUL: the buffer holds max bytes in max + 1. */
static void test_allocation_bounded_by_max(void)
{
    enum { S_MAX = 1 << 16 };
    static char chunk[1000];
    memset(chunk, 'x', sizeof chunk);
    es_buf b;
    es_buf_init(&b, S_MAX);
    size_t left = S_MAX;
    while (left) {
        size_t n = left < sizeof chunk ? left : sizeof chunk;
        CHECK_OK(es_buf_append(&b, chunk, n));
        left -= n;
    }
    CHECK_INT_EQ(b.len, S_MAX);
    CHECK_INT_EQ(b.cap, S_MAX + 1);
    CHECK_INT_EQ(b.data[S_MAX], '\0');
    es_buf_free(&b);
}

static void test_reserve_allocates_once(void)
{
    static char chunk[1000];
    memset(chunk, 'r', sizeof chunk);
    es_buf b;
    es_buf_init(&b, 1u << 20);
    CHECK_OK(es_buf_reserve(&b, 500000));
    CHECK(b.cap >= 500001 && b.cap <= (1u << 20) + 1);
    char *at = b.data;
    size_t cap = b.cap;
    for (int i = 0; i < 500; i++)
        CHECK_OK(es_buf_append(&b, chunk, sizeof chunk));
    CHECK(b.data == at); /* no reallocation while filling what was reserved */
    CHECK_INT_EQ(b.cap, cap);
    CHECK_INT_EQ(b.len, 500000);
    es_buf_free(&b);
    es_buf_init(&b, 100);
    CHECK_INT_EQ(es_buf_reserve(&b, 101), ES_ERR_TOO_LARGE);
    es_buf_free(&b);
}

static void test_binary_bytes(void)
{
    static const uint8_t bin[] = {0xff, 0xd8, 0x00, 0xff, 0xd9};
    es_buf b;
    es_buf_init(&b, 64);
    CHECK_OK(es_buf_append(&b, bin, sizeof bin));
    CHECK_MEM_EQ(b.bytes, b.len, bin, sizeof bin);
    CHECK_INT_EQ(b.bytes[b.len], 0); /* still terminated after a NUL inside */
    es_buf_free(&b);
}

static void test_printf_long_and_take(void)
{
    char big[600];
    memset(big, 'q', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    es_buf b;
    es_buf_init(&b, 1024);
    CHECK_OK(es_buf_printf(&b, "<%s>", big)); /* longer than printf's 256-byte stack buffer */
    CHECK_INT_EQ(b.len, sizeof big + 1);
    CHECK_INT_EQ(b.data[0], '<');
    CHECK_INT_EQ(b.data[b.len - 1], '>');
    CHECK_INT_EQ(es_buf_printf(&b, "%s%s", big, big), ES_ERR_TOO_LARGE);
    es_buf_reset(&b);
    char *s = es_buf_take(&b); /* an empty buffer hands over "" */
    REQUIRE(s != NULL);
    CHECK_STR_EQ(s, "");
    CHECK(b.data == NULL && b.len == 0);
    free(s);
}

static void test_put_u64_matches_printf(void)
{
    static const uint64_t values[] = {0, 7, 10, 99, 1000000007, UINT64_C(18446744073709551615)};
    es_buf b;
    es_buf_init(&b, 64);
    char want[64];
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        es_buf_reset(&b);
        CHECK_OK(es_buf_puts(&b, "n="));
        CHECK_OK(es_buf_put_u64(&b, values[i]));
        snprintf(want, sizeof want, "n=%llu", (unsigned long long)values[i]);
        CHECK_STR_EQ(b.data, want);
        CHECK_INT_EQ(b.len, strlen(want));
    }
    es_buf_free(&b);
    es_buf_init(&b, 4);
    CHECK_INT_EQ(es_buf_put_u64(&b, 12345), ES_ERR_TOO_LARGE); /* five digits, cap four */
    CHECK_INT_EQ(b.len, 0);
    es_buf_free(&b);
}

int main(void)
{
    ES_RUN(test_cap_is_exact);
    ES_RUN(test_failure_is_sticky);
    ES_RUN(test_reset_keeps_allocation);
    ES_RUN(test_allocation_bounded_by_max);
    ES_RUN(test_reserve_allocates_once);
    ES_RUN(test_binary_bytes);
    ES_RUN(test_printf_long_and_take);
    ES_RUN(test_put_u64_matches_printf);
    return es_test_finish();
}
