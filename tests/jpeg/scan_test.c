/* scan_test.c - the entropy-data scan (src/jpeg/scan.h): every version this
 * CPU runs (AVX2, SSE2 or NEON, portable) and es_jpeg_scan_entropy against a
 * byte-at-a-time reference written here: single 0xFF pairs planted at every
 * position of a buffer spanning two 64-byte blocks, a 16-byte one and a tail,
 * at 32 alignments; continuations (0xFF00, RSTn) before a stop; random
 * buffers rich in 0xFF, 0x00, RSTn and markers; all read from allocations of
 * exactly the scanned size (ASan sees any read past the end). Then the
 * stripper over two scans with the second one's markers planted at every
 * position, fed whole and in chunks of 1 to 80 bytes. */
#include <stdlib.h>
#include <string.h>

#include "../harness/test.h"
#include "jpeg/scan.h"
#include "strip_util.h"

#define S_MAX_ALIGN 32

/* The answer by definition: the first 0xFF not followed, inside the buffer,
 * by 0x00 or 0xD0-0xD7. */
static size_t s_reference(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] != 0xFF)
            continue;
        if (i + 1 == n)
            return i;
        if (p[i + 1] != 0x00 && (p[i + 1] < 0xD0 || p[i + 1] > 0xD7))
            return i;
    }
    return n;
}

/* The 16-byte vector version this build must have, just before "portable"
 * (AVX2's may come first): NEON's is run by make test-arm64 under qemu. */
#if defined(__SSE2__)
#define S_VECTOR_NAME "sse2"
#elif defined(__aarch64__) && defined(__ARM_NEON)
#define S_VECTOR_NAME "neon"
#endif

static es_jpeg_scan_variant s_variants[4];
static size_t s_nvariants;

/* Scans data[0..n) copied to offset `align` of an allocation that ends right
 * after it, with every version; records a failure naming the case. */
static bool s_check(const uint8_t *data, size_t n, size_t align, const char *what)
{
    uint8_t *block = malloc(align + n > 0 ? align + n : 1), *p = block + align;
    bool ok = true;
    if (!block) {
        es_test_fail(__FILE__, __LINE__, "out of memory");
        return false;
    }
    if (n > 0)
        memcpy(p, data, n);
    size_t want = s_reference(p, n);
    for (size_t v = 0; v < s_nvariants && ok; v++) {
        size_t got = s_variants[v].scan(p, n);
        if (got != want) {
            es_test_fail(__FILE__, __LINE__, "%s: length %zu, alignment %zu: %s says %zu, expected %zu", what,
                         n, align, s_variants[v].name, got, want);
            ok = false;
        }
    }
    if (ok && es_jpeg_scan_entropy(p, n) != want) {
        es_test_fail(__FILE__, __LINE__, "%s: length %zu, alignment %zu: es_jpeg_scan_entropy differs", what,
                     n, align);
        ok = false;
    }
    free(block);
    return ok;
}

/* The versions this CPU runs: the vector ones and the portable one, which is last. */
static void test_variants(void)
{
    s_nvariants = es_jpeg_scan_variants(s_variants, sizeof s_variants / sizeof s_variants[0]);
    REQUIRE(s_nvariants >= 1 && s_nvariants <= sizeof s_variants / sizeof s_variants[0]);
    CHECK_STR_EQ(s_variants[s_nvariants - 1].name, "portable");
    CHECK(s_variants[s_nvariants - 1].scan == es_jpeg_scan_entropy_portable);
#if defined(S_VECTOR_NAME)
    REQUIRE(s_nvariants >= 2);
    CHECK_STR_EQ(s_variants[s_nvariants - 2].name, S_VECTOR_NAME);
#endif
    printf("# scan versions:");
    for (size_t v = 0; v < s_nvariants; v++)
        printf(" %s", s_variants[v].name);
    printf("\n");
}

/* One byte pair planted at every position of a filler, at every alignment;
 * the second byte of the pair is `next`, or nothing when planted last. */
static void test_single_pattern_everywhere(void)
{
    static const int nexts[] = {0x00, 0xD0, 0xD3, 0xD7, 0xCF, 0xD8, 0xD9, 0xDA,
                                0xC4, 0xE1, 0xFE, 0x01, 0x08, 0xF8, 0xFF, -1 /* 0xFF alone */};
    static const uint8_t fillers[] = {0x5A, 0xD0};
    uint8_t buf[150]; /* two 64-byte blocks, a 16-byte one and a tail */
    for (size_t f = 0; f < sizeof fillers; f++)
        for (size_t k = 0; k < sizeof nexts / sizeof nexts[0]; k++)
            for (size_t pos = 0; pos < sizeof buf; pos++) {
                size_t n = nexts[k] < 0 ? pos + 1 : sizeof buf;
                memset(buf, fillers[f], sizeof buf);
                buf[pos] = 0xFF;
                if (nexts[k] >= 0 && pos + 1 < sizeof buf)
                    buf[pos + 1] = (uint8_t)nexts[k];
                for (size_t align = 0; align < S_MAX_ALIGN; align++)
                    if (!s_check(buf, n, align, "one planted pattern"))
                        return;
            }
}

/* Continuing pairs (0xFF00, RSTn) at every position before a stop at every later position. */
static void test_continuations_then_stop(void)
{
    uint8_t buf[160];
    for (size_t a = 0; a + 1 < sizeof buf; a += 3)
        for (size_t b = a + 2; b < sizeof buf; b++) {
            memset(buf, 0x11, sizeof buf);
            buf[a] = 0xFF;
            buf[a + 1] = (uint8_t)(a % 2 ? 0x00 : 0xD0 + a % 8);
            buf[b] = 0xFF;
            if (b + 1 < sizeof buf)
                buf[b + 1] = 0xD9;
            if (!s_check(buf, sizeof buf, b % 17, "continuation then stop"))
                return;
        }
}

/* Random buffers drawn mostly from the bytes that matter. */
static void test_random_buffers(void)
{
    static const uint8_t alphabet[] = {0xFF, 0xFF, 0xFF, 0x00, 0x00, 0xD0,
                                       0xD7, 0xD8, 0xD9, 0xC0, 0xCF, 0xF8};
    uint32_t rnd = 0x5CA11u;
    uint8_t buf[400];
    for (int iter = 0; iter < 20000; iter++) {
        size_t n = es_tj_rand(&rnd) % (sizeof buf + 1);
        unsigned density = es_tj_rand(&rnd) % 64; /* how often a byte comes from the alphabet, of 256 */
        for (size_t i = 0; i < n; i++) {
            uint32_t r = es_tj_rand(&rnd);
            buf[i] = (r & 0xFF) < density ? alphabet[(r >> 8) % sizeof alphabet] : (uint8_t)(r >> 16);
        }
        if (!s_check(buf, n, es_tj_rand(&rnd) % S_MAX_ALIGN, "random buffer"))
            return;
    }
}

static void test_empty_and_short(void)
{
    static const uint8_t ff_d9[] = {0xFF, 0xD9}, ff_00[] = {0xFF, 0x00};
    CHECK_INT_EQ(es_jpeg_scan_entropy(NULL, 0), 0);
    for (size_t v = 0; v < s_nvariants; v++) {
        CHECK_INT_EQ(s_variants[v].scan(NULL, 0), 0);
        CHECK_INT_EQ(s_variants[v].scan(ff_d9, 2), 0);
        CHECK_INT_EQ(s_variants[v].scan(ff_d9, 1), 0); /* successor unknown */
        CHECK_INT_EQ(s_variants[v].scan(ff_00, 2), 2);
        CHECK_INT_EQ(s_variants[v].scan(ff_d9 + 1, 1), 1);
    }
}

/* Two scans with `len` bytes of data between them, 0xFF00 and RSTn throughout,
 * the second scan's header (after a fill byte and a DHT segment) planted at
 * `stop`, then EOI: the output is the input wherever the stop falls and
 * whatever the chunk size (1 to 80 bytes, or all at once). */
static void test_stripper_stop_everywhere(void)
{
    const size_t len = 300;
    static const uint8_t dht[18] = {0x00, 1};
    static const uint8_t sos[6] = {1, 1, 0x00, 0, 63, 0};
    uint8_t *data = malloc(len);
    REQUIRE(data);
    for (size_t stop = 0; stop < len && !es_test_current_failed(); stop++) {
        es_tj_buf in = {0};
        for (size_t i = 0; i < len; i++)
            data[i] = (uint8_t)((i * 37 + 11) % 255); /* never 0xFF */
        for (size_t i = 5; i + 1 < len; i += 23) {
            data[i] = 0xFF;
            data[i + 1] = (uint8_t)(i % 3 ? 0x00 : 0xD0 + i % 8);
        }
        if (stop > 0 && data[stop - 1] == 0xFF)
            data[stop - 1] = 0x42; /* no 0xFF pair cut in two by the marker */
        es_tj_soi(&in);
        es_tj_image(&in, 0xC0);
        es_tj_buf_put(&in, data, stop);
        es_tj_buf_put(&in, "\xFF", 1); /* a fill byte */
        es_tj_seg(&in, 0xC4, dht, sizeof dht);
        es_tj_seg(&in, 0xDA, sos, sizeof sos);
        es_tj_buf_put(&in, data + stop, len - stop);
        es_tj_eoi(&in);
        REQUIRE(!in.failed);
        for (size_t chunk = 0; chunk <= 80; chunk++) {
            es_tj_result r;
            es_tj_strip(NULL, in.data, in.len, chunk ? es_tj_chunks(chunk) : es_tj_oneshot(), &r);
            bool ok = r.rc == ES_OK && r.stats.scans == 2 && r.out.len == in.len &&
                      memcmp(r.out.data, in.data, in.len) == 0;
            if (!ok)
                es_test_fail(__FILE__, __LINE__, "stop at %zu, chunks of %zu: rc %d (%s), %zu of %zu bytes out",
                             stop, chunk, r.rc, r.msg, r.out.len, in.len);
            es_tj_result_free(&r);
            if (!ok)
                break;
        }
        es_tj_buf_free(&in);
    }
    free(data);
}

int main(void)
{
    ES_RUN(test_variants);
    ES_RUN(test_empty_and_short);
    ES_RUN(test_single_pattern_everywhere);
    ES_RUN(test_continuations_then_stop);
    ES_RUN(test_random_buffers);
    ES_RUN(test_stripper_stop_everywhere);
    return es_test_finish();
}
