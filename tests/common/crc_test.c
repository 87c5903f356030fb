/* crc_test.c - src/common/crc.c: the catalogue check values of CRC-32,
 * CRC-32C and CRC-64/NVME ("123456789"), values known from zlib and S3, the
 * base64 form S3 uses, chunked updates and combined CRCs, and the accelerated path against the
 * portable table on random lengths and alignments. */
#include "../harness/test.h"
#include "common/crc.h"

#include <stdlib.h>

#define CHECK_U64_EQ(a, b)                                                                                   \
    do {                                                                                                     \
        uint64_t es_a_ = (a), es_b_ = (b);                                                                   \
        if (es_a_ != es_b_)                                                                                  \
            es_test_fail(__FILE__, __LINE__, "%s == %s: 0x%" PRIX64 " != 0x%" PRIX64, #a, #b, es_a_, es_b_); \
    } while (0)

static const char s_check[] = "123456789";

static void test_check_values(void)
{
    CHECK_U64_EQ(es_crc_update(ES_CRC32, 0, s_check, 9), 0xCBF43926u);
    CHECK_U64_EQ(es_crc_update(ES_CRC32C, 0, s_check, 9), 0xE3069283u);
    CHECK_U64_EQ(es_crc_update(ES_CRC64NVME, 0, s_check, 9), 0xAE8B14860A799888ull);
    for (int k = 0; k < ES_CRC_KINDS; k++) {
        CHECK_U64_EQ(es_crc_update((es_crc_kind)k, 0, "", 0), 0);
        CHECK_U64_EQ(es_crc_update_portable((es_crc_kind)k, 0, s_check, 9),
                     es_crc_update((es_crc_kind)k, 0, s_check, 9));
    }
}

/* 32 zero bytes: CRC-32C's value from RFC 3720 (iSCSI), B.4. */
static void test_rfc3720_vectors(void)
{
    uint8_t buf[32];
    memset(buf, 0, sizeof buf);
    CHECK_U64_EQ(es_crc_update(ES_CRC32C, 0, buf, sizeof buf), 0x8A9136AAu);
    memset(buf, 0xff, sizeof buf);
    CHECK_U64_EQ(es_crc_update(ES_CRC32C, 0, buf, sizeof buf), 0x62A8AB43u);
    for (int i = 0; i < 32; i++)
        buf[i] = (uint8_t)i;
    CHECK_U64_EQ(es_crc_update(ES_CRC32C, 0, buf, sizeof buf), 0x46DD794Eu);
}

static void test_base64(void)
{
    char out[13];
    es_crc_base64(ES_CRC32C, 0xE3069283u, out);
    CHECK_STR_EQ(out, "4waSgw==");
    es_crc_base64(ES_CRC32, 0, out);
    CHECK_STR_EQ(out, "AAAAAA==");
    es_crc_base64(ES_CRC64NVME, 0xAE8B14860A799888ull, out);
    CHECK_STR_EQ(out, "rosUhgp5mIg=");
}

static uint64_t s_rand_state = 0x9E3779B97F4A7C15ull;
static uint64_t s_rand(void)
{
    s_rand_state ^= s_rand_state << 13;
    s_rand_state ^= s_rand_state >> 7;
    s_rand_state ^= s_rand_state << 17;
    return s_rand_state;
}

/* The fast path (when the CPU has one) against the table: every length up to
 * 300 at every alignment 0..15, every length up to 1100 (the 256-byte
 * blocks of the AVX-512 path, with every 64- and 16-byte tail) at two
 * alignments, then random lengths up to 256 KiB. */
static void test_fast_matches_table(void)
{
    enum { MAX = 256 * 1024 + 64 };
    uint8_t *buf = malloc(MAX);
    REQUIRE(buf);
    for (size_t i = 0; i < MAX; i++)
        buf[i] = (uint8_t)s_rand();
    int mismatches = 0;
    for (int k = 0; k < ES_CRC_KINDS; k++) {
        for (size_t len = 0; len <= 300; len++)
            for (size_t off = 0; off < 16; off++)
                if (es_crc_update((es_crc_kind)k, 0x1234, buf + off, len) !=
                    es_crc_update_portable((es_crc_kind)k, 0x1234, buf + off, len))
                    mismatches++;
        for (size_t len = 301; len <= 1100; len++)
            for (size_t off = 0; off < 16; off += 7)
                if (es_crc_update((es_crc_kind)k, 0x5678, buf + off, len) !=
                    es_crc_update_portable((es_crc_kind)k, 0x5678, buf + off, len))
                    mismatches++;
        for (int round = 0; round < 40; round++) {
            size_t off = s_rand() % 64, len = s_rand() % (MAX - 64);
            uint64_t seed = s_rand() & (k == ES_CRC64NVME ? ~0ull : 0xffffffffull);
            if (es_crc_update((es_crc_kind)k, seed, buf + off, len) !=
                es_crc_update_portable((es_crc_kind)k, seed, buf + off, len))
                mismatches++;
        }
    }
    CHECK_INT_EQ(mismatches, 0);
    free(buf);
}

/* Feeding the bytes in pieces, or combining the CRCs of two pieces, gives
 * the CRC of the whole. */
static void test_chunked(void)
{
    enum { LEN = 100000 };
    uint8_t *buf = malloc(LEN);
    REQUIRE(buf);
    for (size_t i = 0; i < LEN; i++)
        buf[i] = (uint8_t)(i * 7 + (i >> 9));
    for (int k = 0; k < ES_CRC_KINDS; k++) {
        uint64_t whole = es_crc_update((es_crc_kind)k, 0, buf, LEN);
        uint64_t crc = 0;
        size_t at = 0;
        while (at < LEN) {
            size_t n = 1 + s_rand() % 5000;
            if (n > LEN - at)
                n = LEN - at;
            crc = es_crc_update((es_crc_kind)k, crc, buf + at, n);
            at += n;
        }
        CHECK_U64_EQ(crc, whole);
        size_t cut = 1 + s_rand() % (LEN - 1);
        uint64_t a = es_crc_update((es_crc_kind)k, 0, buf, cut);
        uint64_t b = es_crc_update((es_crc_kind)k, 0, buf + cut, LEN - cut);
        CHECK_U64_EQ(es_crc_combine((es_crc_kind)k, a, b, LEN - cut), whole);
        CHECK_U64_EQ(es_crc_combine((es_crc_kind)k, whole, 0, 0), whole);
        buf[LEN / 2] ^= 1; /* and one flipped bit changes it */
        CHECK(es_crc_update((es_crc_kind)k, 0, buf, LEN) != whole);
        buf[LEN / 2] ^= 1;
    }
    free(buf);
}

int main(void)
{
    printf("# crc: %s\n", es_crc_engine());
    ES_RUN(test_check_values);
    ES_RUN(test_rfc3720_vectors);
    ES_RUN(test_base64);
    ES_RUN(test_fast_matches_table);
    ES_RUN(test_chunked);
    return es_test_finish();
}
