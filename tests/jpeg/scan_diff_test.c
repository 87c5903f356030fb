/* scan_diff_test.c - every version of the entropy-data scan this CPU runs
 * (es_jpeg_scan_variants: AVX2, SSE2 or NEON, portable) against a
 * byte-at-a-time reference and against each other, hostile to the block
 * and tail logic: every length 0..300 at every alignment 0..63 with the
 * bytes after the input poisoned (0x00 or 0xD0 there would turn a final
 * 0xFF into stuffing or a restart: a version that looks past p[n-1] answers
 * differently), every length up to 4200 and random ones up to 1 MiB ending
 * at a PROT_NONE guard page (a read past the end faults in every build)
 * with data that never stops (stuffing and restarts throughout) so the scan
 * runs to the very end, and a stop planted at every position of the last
 * 130 bytes. Deterministic (a fixed-seed xorshift). */
#include <stdlib.h>

#include "../harness/test.h"
#include "../support/guard_page.h"
#include "../support/xorshift.h"
#include "common/cpu.h"
#include "jpeg/scan.h"

static es_jpeg_scan_variant s_variants[4];
static size_t s_nvariants;

/* The answer by definition: the first 0xFF whose successor inside the
 * input is not 0x00 nor 0xD0-0xD7 (the last byte's successor is unknown). */
static size_t s_reference(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] == 0xFF && (i + 1 == n || (p[i + 1] != 0x00 && (p[i + 1] & 0xF8) != 0xD0)))
            return i;
    return n;
}

static uint32_t s_rng = 0xD1FFu;
static uint32_t s_rand(void) { return es_xorshift32(&s_rng); }

/* Random bytes; about `density` of 256 of them from the bytes that matter. */
static void s_fill(uint8_t *p, size_t n, unsigned density)
{
    static const uint8_t matter[] = {0xFF, 0xFF, 0xFF, 0x00, 0xD0, 0xD7, 0xD8, 0xD9, 0xCF, 0xF8, 0x01};
    for (size_t i = 0; i < n; i++) {
        uint32_t r = s_rand();
        p[i] = (r & 0xFF) < density ? matter[(r >> 8) % sizeof matter] : (uint8_t)(r >> 16);
    }
}

/* Data that never stops: every 0xFF followed by 0x00 or an RSTn (the last
 * byte is not 0xFF). */
static void s_fill_continuing(uint8_t *p, size_t n, unsigned density)
{
    s_fill(p, n, density);
    for (size_t i = 0; i < n; i++)
        if (p[i] == 0xFF) {
            if (i + 1 == n)
                p[i] = 0x12;
            else if (p[i + 1] != 0x00 && (p[i + 1] & 0xF8) != 0xD0)
                p[i + 1] = s_rand() % 2 ? 0x00 : (uint8_t)(0xD0 + s_rand() % 8);
        }
}

/* Every version and es_jpeg_scan_entropy on p[0..n) against want. */
static bool s_all_agree(const uint8_t *p, size_t n, size_t want, const char *what)
{
    for (size_t v = 0; v <= s_nvariants; v++) {
        size_t got = v < s_nvariants ? s_variants[v].scan(p, n) : es_jpeg_scan_entropy(p, n);
        if (got != want) {
            es_test_fail(__FILE__, __LINE__, "%s: length %zu at alignment %zu: %s says %zu, expected %zu",
                         what, n, (size_t)((uintptr_t)p % 64),
                         v < s_nvariants ? s_variants[v].name : "dispatched", got, want);
            return false;
        }
    }
    return true;
}

static void test_variants(void)
{
    s_nvariants = es_jpeg_scan_variants(s_variants, sizeof s_variants / sizeof s_variants[0]);
    REQUIRE(s_nvariants >= 1 && s_nvariants <= sizeof s_variants / sizeof s_variants[0]);
    printf("# scan versions:");
    for (size_t v = 0; v < s_nvariants; v++)
        printf(" %s", s_variants[v].name);
    printf(" (AVX2 %s)\n", es_cpu_has(ES_CPU_AVX2) ? "yes" : "no");
}

/* The same input at every alignment of a 64-byte-aligned buffer, the bytes
 * after it 0x00 or 0xD3 and the bytes before it 0xFF. */
static void test_every_length_and_alignment(void)
{
    enum { MAX = 300 };
    static _Alignas(64) uint8_t buf[64 + MAX + 128];
    uint8_t data[MAX];
    for (size_t n = 0; n <= MAX; n++)
        for (int kind = 0; kind < 4; kind++) {
            if (kind < 2)
                s_fill(data, n, kind ? 200 : 24);
            else
                s_fill_continuing(data, n, 64);
            if (kind == 3 && n > 0)
                data[n - 1] = 0xFF; /* the last byte: a stop, whatever follows */
            size_t want = s_reference(data, n);
            bool ok = true;
            for (size_t off = 0; off < 64 && ok; off++)
                for (int poison = 0; poison < 2 && ok; poison++) {
                    memset(buf, 0xFF, off);
                    memcpy(buf + off, data, n);
                    memset(buf + off + n, poison ? 0xD3 : 0x00, sizeof buf - off - n);
                    ok = s_all_agree(buf + off, n, want, "every length");
                }
            if (!ok)
                return;
        }
}

/* Inputs ending at the guard page: no stop, a final 0xFF, or a stop planted
 * at each of the last 130 positions (two 64-byte blocks and the tail). */
static void test_ends_at_a_guard_page(void)
{
    enum { MAX = 4200 };
    es_guarded g;
    REQUIRE(es_guarded_init(&g, MAX));
    for (size_t n = 0; n <= MAX; n++) {
        uint8_t *p = es_guarded_tail(&g, n);
        s_fill_continuing(p, n, (unsigned)(n % 97) + 8);
        if (!s_all_agree(p, n, n, "no stop at a guard"))
            break;
        if (n == 0)
            continue;
        uint8_t last = p[n - 1];
        p[n - 1] = 0xFF;
        bool ok = s_all_agree(p, n, s_reference(p, n), "a final 0xFF at a guard");
        p[n - 1] = last;
        if (n > 200 && n % 13)
            continue; /* the planted stops: on every 13th length past 200 */
        for (size_t at = n > 130 ? n - 130 : 0; at + 1 < n && ok; at++) {
            uint8_t a = p[at], b = p[at + 1];
            p[at] = 0xFF;
            p[at + 1] = 0xD9;
            ok = s_all_agree(p, n, s_reference(p, n), "a planted stop at a guard");
            p[at] = a;
            p[at + 1] = b;
        }
        if (!ok)
            break;
    }
    es_guarded_free(&g);
}

static void test_random_large_lengths(void)
{
    enum { MAX = 1 << 20 };
    es_guarded g;
    REQUIRE(es_guarded_init(&g, MAX));
    for (int round = 0; round < 24; round++) {
        size_t n = s_rand() % MAX;
        uint8_t *p = es_guarded_tail(&g, n);
        s_fill_continuing(p, n, s_rand() % 48);
        if (round % 3 == 1 && n > 1) {
            size_t at = s_rand() % (n - 1);
            p[at] = 0xFF;
            p[at + 1] = (uint8_t)(0xC0 + s_rand() % 16); /* a marker, never RSTn */
        } else if (round % 3 == 2 && n > 0)
            p[n - 1] = 0xFF;
        if (!s_all_agree(p, n, s_reference(p, n), "random large length"))
            break;
    }
    es_guarded_free(&g);
}

int main(void)
{
    ES_RUN(test_variants);
    ES_RUN(test_every_length_and_alignment);
    ES_RUN(test_ends_at_a_guard_page);
    ES_RUN(test_random_large_lengths);
    return es_test_finish();
}
