/* crc_ref_test.c - src/common/crc.c against a bitwise CRC written here from
 * the catalogue's parameters (reflected polynomial, initial value and final
 * XOR all ones): every length 0..300 at every alignment 0..63, every length
 * up to 2100 (the 256-byte AVX-512 blocks with every 64- and 16-byte tail),
 * random lengths up to 256 KiB, each with the fast path (VPCLMULQDQ or
 * PCLMULQDQ where the CPU has it, PMULL on AArch64), the 128-bit path alone
 * (what CPUs without AVX-512 run) and the portable table; a CPU that can
 * fold does; es_crc_update cut
 * at every split point and in random pieces; es_crc_combine against
 * polynomial arithmetic written here in normal form (lengths 0, small and up
 * to 2^64 - 1) and associative across huge lengths; es_crc_base64 against a
 * bit-by-bit base64 encoder. Deterministic (a fixed-seed xorshift). */
#include <stdlib.h>
#include <string.h>

#include "../harness/test.h"
#include "../support/guard_page.h"
#include "../support/xorshift.h"
#include "common/cpu.h"
#include "common/crc.h"

typedef struct s_kind {
    es_crc_kind kind;
    unsigned width;
    uint64_t poly; /* normal form, the x^width term left out */
    uint64_t check;
} s_kind;

static const s_kind s_kinds[] = {
    {ES_CRC32, 32, 0x04C11DB7u, 0xCBF43926u},
    {ES_CRC32C, 32, 0x1EDC6F41u, 0xE3069283u},
    {ES_CRC64NVME, 64, 0xAD93D23594C93659ull, 0xAE8B14860A799888ull},
};
#define S_NKINDS (sizeof s_kinds / sizeof s_kinds[0])

#define S_LARGE (256 * 1024) /* the longest input */
static es_guarded s_guard;   /* S_LARGE + 64 bytes ending at a PROT_NONE page */

static uint64_t s_mask(const s_kind *k) { return k->width == 64 ? ~0ull : (1ull << k->width) - 1; }

static uint64_t s_reflect(uint64_t v, unsigned width)
{
    uint64_t r = 0;
    for (unsigned i = 0; i < width; i++)
        if (v >> i & 1)
            r |= 1ull << (width - 1 - i);
    return r;
}

/* The reference: one bit at a time, low bit first (a reflected CRC), from a
 * finished CRC `crc` of what came before. */
static uint64_t s_bitwise(const s_kind *k, uint64_t crc, const uint8_t *p, size_t n)
{
    uint64_t rpoly = s_reflect(k->poly, k->width), mask = s_mask(k), reg = ~crc & mask;
    for (size_t i = 0; i < n; i++) {
        reg ^= p[i];
        for (int b = 0; b < 8; b++)
            reg = reg & 1 ? (reg >> 1) ^ rpoly : reg >> 1;
    }
    return ~reg & mask;
}

static uint32_t s_rand_state = 0xC0FFEEu;
static uint64_t s_rand(void)
{
    uint64_t high = es_xorshift32(&s_rand_state);
    return high << 32 | es_xorshift32(&s_rand_state);
}

static void s_fill(uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)s_rand();
}

/* Compares the three paths with the reference; reports the first mismatch of a case. */
static bool s_agree(const s_kind *k, uint64_t seed, const uint8_t *p, size_t n, uint64_t want, const char *what)
{
    uint64_t fast = es_crc_update(k->kind, seed, p, n), portable = es_crc_update_portable(k->kind, seed, p, n);
    uint64_t pclmul = es_crc_update_pclmul(k->kind, seed, p, n);
    if (fast == want && portable == want && pclmul == want)
        return true;
    es_test_fail(__FILE__, __LINE__,
                 "%s: kind %d, length %zu at alignment %zu: fast 0x%" PRIX64 ", 128-bit 0x%" PRIX64
                 ", portable 0x%" PRIX64 ", bitwise 0x%" PRIX64,
                 what, (int)k->kind, n, (size_t)((uintptr_t)p % 64), fast, pclmul, portable, want);
    return false;
}

static void test_reference_itself(void)
{
    for (size_t i = 0; i < S_NKINDS; i++)
        CHECK(s_bitwise(&s_kinds[i], 0, (const uint8_t *)"123456789", 9) == s_kinds[i].check);
    printf("# crc engine: %s; PCLMUL %d, AVX-512 VPCLMULQDQ %d, PMULL %d\n", es_crc_engine(),
           es_cpu_has(ES_CPU_PCLMUL), es_cpu_has(ES_CPU_AVX512_VCLMUL), es_cpu_has(ES_CPU_PMULL));
    /* a CPU that can fold does (PMULL: make test-arm64, qemu's default CPU has it) */
    if (es_cpu_has(ES_CPU_PCLMUL) || es_cpu_has(ES_CPU_PMULL))
        CHECK(strcmp(es_crc_engine(), "table only") != 0);
}

/* The same bytes at every alignment 0..63 of a 64-byte-aligned buffer,
 * every length 0..300, from the empty CRC and from a random one. */
static void test_every_length_and_alignment(void)
{
    enum { MAX = 300 };
    static _Alignas(64) uint8_t buf[MAX + 128];
    uint8_t data[MAX];
    for (size_t i = 0; i < S_NKINDS; i++) {
        const s_kind *k = &s_kinds[i];
        for (size_t n = 0; n <= MAX; n++) {
            s_fill(data, n);
            uint64_t seed = n % 2 ? s_rand() & s_mask(k) : 0, want = s_bitwise(k, seed, data, n);
            bool ok = true;
            for (size_t off = 0; off < 64 && ok; off++) {
                memset(buf, 0xA5, MAX + 128);
                memcpy(buf + off, data, n);
                ok = s_agree(k, seed, buf + off, n, want, "every length");
            }
            if (!ok)
                break;
        }
    }
}

/* Every length up to 2100, each read from the end of a guarded buffer (a
 * read past the last byte faults), at the alignment that gives. */
static void test_long_lengths_at_a_guard(void)
{
    for (size_t i = 0; i < S_NKINDS; i++)
        for (size_t n = 301; n <= 2100; n++) {
            uint8_t *p = es_guarded_tail(&s_guard, n);
            s_fill(p, n);
            uint64_t seed = s_rand() & s_mask(&s_kinds[i]);
            if (!s_agree(&s_kinds[i], seed, p, n, s_bitwise(&s_kinds[i], seed, p, n), "long length"))
                break;
        }
}

static void test_random_large_lengths(void)
{
    for (int round = 0; round < 24; round++) {
        const s_kind *k = &s_kinds[round % S_NKINDS];
        size_t n = 2048 + s_rand() % (S_LARGE - 2048), off = s_rand() % 64;
        uint8_t *p = es_guarded_tail(&s_guard, n + off);
        s_fill(p, n);
        uint64_t seed = s_rand() & s_mask(k);
        s_agree(k, seed, p, n, s_bitwise(k, seed, p, n), "random large length");
    }
}

/* es_crc_update continued at every split point of 1100 bytes, then in
 * random pieces (of 0 to 300 bytes) of 20000 bytes. */
static void test_split_points(void)
{
    enum { LEN = 1100, LONG = 20000 };
    uint8_t *buf = malloc(LONG);
    REQUIRE(buf);
    s_fill(buf, LONG);
    for (size_t i = 0; i < S_NKINDS; i++) {
        const s_kind *k = &s_kinds[i];
        uint64_t whole = s_bitwise(k, 0, buf, LEN);
        for (size_t cut = 0; cut <= LEN; cut++) {
            uint64_t a = es_crc_update(k->kind, 0, buf, cut);
            uint64_t pa = es_crc_update_portable(k->kind, 0, buf, cut);
            uint64_t ab = es_crc_update(k->kind, a, buf + cut, LEN - cut);
            uint64_t pab = es_crc_update_portable(k->kind, pa, buf + cut, LEN - cut);
            if (ab != whole || pab != whole) {
                es_test_fail(__FILE__, __LINE__,
                             "kind %d cut at %zu: 0x%" PRIX64 " / 0x%" PRIX64 ", want 0x%" PRIX64,
                             (int)k->kind, cut, ab, pab, whole);
                break;
            }
        }
        uint64_t crc = 0, want = s_bitwise(k, 0, buf, LONG);
        for (size_t at = 0; at < LONG;) {
            size_t n = s_rand() % 301;
            n = n < LONG - at ? n : LONG - at;
            crc = es_crc_update(k->kind, crc, buf + at, n);
            at += n;
        }
        CHECK(crc == want);
    }
    free(buf);
}

/* a * b mod P in normal form (bit j = coefficient of x^j). */
static uint64_t s_normal_mulmod(const s_kind *k, uint64_t a, uint64_t b)
{
    uint64_t r = 0, top = 1ull << (k->width - 1), mask = s_mask(k);
    for (int j = (int)k->width - 1; j >= 0; j--) { /* Horner: r = r * x + a_j * b */
        bool carry = r & top;
        r = (r << 1) & mask;
        if (carry)
            r ^= k->poly;
        if (a >> j & 1)
            r ^= b;
    }
    return r;
}

/* x^(8 len) mod P in normal form, by squaring x^8. */
static uint64_t s_shift_factor(const s_kind *k, uint64_t len)
{
    uint64_t r = 1, base = 1ull << 8; /* x^8 (width >= 32) */
    for (; len; len >>= 1) {
        if (len & 1)
            r = s_normal_mulmod(k, r, base);
        base = s_normal_mulmod(k, base, base);
    }
    return r;
}

/* crc(A B) = crc(A) x^(8 |B|) + crc(B) mod P (the initial value and final
 * XOR cancel out), in normal form: a reflected CRC's bit i is x^(w-1-i). */
static uint64_t s_combine_reference(const s_kind *k, uint64_t a, uint64_t b, uint64_t len_b)
{
    uint64_t shifted = s_normal_mulmod(k, s_reflect(a, k->width), s_shift_factor(k, len_b));
    return s_reflect(shifted, k->width) ^ b;
}

static void test_combine(void)
{
    enum { LEN = 700 };
    uint8_t buf[LEN];
    s_fill(buf, sizeof buf);
    static const uint64_t huge[] = {0,
                                    1,
                                    (1ull << 32) - 1,
                                    1ull << 32,
                                    (1ull << 40) + 12345,
                                    1ull << 61,
                                    (1ull << 61) + 1,
                                    1ull << 63,
                                    UINT64_MAX - 1,
                                    UINT64_MAX};
    for (size_t i = 0; i < S_NKINDS; i++) {
        const s_kind *k = &s_kinds[i];
        es_crc_kind kind = k->kind;
        /* real data: every split of 700 bytes, the empty halves included */
        uint64_t whole = s_bitwise(k, 0, buf, LEN);
        for (size_t cut = 0; cut <= LEN; cut++) {
            uint64_t a = s_bitwise(k, 0, buf, cut), b = s_bitwise(k, 0, buf + cut, LEN - cut);
            if (es_crc_combine(kind, a, b, LEN - cut) != whole ||
                s_combine_reference(k, a, b, LEN - cut) != whole) {
                es_test_fail(__FILE__, __LINE__, "kind %d: combine at %zu", (int)kind, cut);
                break;
            }
        }
        CHECK(es_crc_combine(kind, 0, 0, 0) == 0);
        CHECK(es_crc_combine(kind, whole, 0, 0) == whole);
        /* huge lengths: against the normal-form arithmetic, and associative */
        for (size_t h = 0; h < sizeof huge / sizeof huge[0]; h++)
            for (int round = 0; round < 4; round++) {
                uint64_t a = s_rand() & s_mask(k), b = s_rand() & s_mask(k), c = s_rand() & s_mask(k);
                uint64_t len_b = huge[h] - (uint64_t)round, len_c = s_rand() >> (s_rand() % 64);
                uint64_t got = es_crc_combine(kind, a, b, len_b);
                if (got != s_combine_reference(k, a, b, len_b))
                    es_test_fail(__FILE__, __LINE__, "kind %d: combine over %" PRIu64 " bytes", (int)kind,
                                 len_b);
                if (len_b > UINT64_MAX - len_c)
                    continue;
                uint64_t left = es_crc_combine(kind, got, c, len_c);
                uint64_t right = es_crc_combine(kind, a, es_crc_combine(kind, b, c, len_c), len_b + len_c);
                if (left != right)
                    es_test_fail(__FILE__, __LINE__, "kind %d: (a b) c != a (b c) over %" PRIu64 " + %" PRIu64,
                                 (int)kind, len_b, len_c);
            }
    }
}

/* Base64 of the CRC's big-endian bytes, six bits at a time from a bit string. */
static void s_base64_reference(const s_kind *k, uint64_t crc, char *out)
{
    static const char digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t bits = k->width, o = 0;
    for (size_t at = 0; at < bits; at += 6) {
        unsigned v = 0;
        for (size_t b = at; b < at + 6; b++) /* bit b of the string: bits past the end are 0 */
            v = v << 1 | (b < bits ? (unsigned)(crc >> (bits - 1 - b) & 1) : 0u);
        out[o++] = digits[v];
    }
    while (o % 4)
        out[o++] = '=';
    out[o] = '\0';
}

static void test_base64(void)
{
    for (size_t i = 0; i < S_NKINDS; i++)
        for (int round = 0; round < 2000; round++) {
            const s_kind *k = &s_kinds[i];
            uint64_t crc = round < 2 ? (round ? s_mask(k) : 0) : s_rand() & s_mask(k);
            char got[13], want[13];
            memset(got, 'x', sizeof got);
            es_crc_base64(k->kind, crc, got);
            s_base64_reference(k, crc, want);
            CHECK_STR_EQ(got, want);
            CHECK_INT_EQ(strlen(want), k->width == 64 ? 12 : 8);
        }
}

int main(void)
{
    if (!es_guarded_init(&s_guard, S_LARGE + 64)) {
        printf("# no guarded mapping\n");
        return 1;
    }
    ES_RUN(test_reference_itself);
    ES_RUN(test_every_length_and_alignment);
    ES_RUN(test_long_lengths_at_a_guard);
    ES_RUN(test_random_large_lengths);
    ES_RUN(test_split_points);
    ES_RUN(test_combine);
    ES_RUN(test_base64);
    es_guarded_free(&s_guard);
    return es_test_finish();
}
