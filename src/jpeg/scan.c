/* scan.c - the search for the end of an entropy-coded run (scan.h).
 *
 * The vector version tests 64 bytes at a time without a data-dependent branch
 * inside: each 16-byte vector is compared with the same bytes shifted by one
 * (their successors), and "0xFF followed by anything but 0x00" is OR-ed over
 * the four. That test lets 0xFF00 stuffing (about one per 256 bytes) through
 * without a branch, which a test for any 0xFF cannot (it would mispredict on
 * a quarter of the blocks). It does stop at RSTn, so a block that fails it is
 * checked exactly, 16 bytes at a time: a stop is an 0xFF whose successor is
 * neither 0x00 nor 0xD0-0xD7 (successor & 0xF8 == 0xD0). Vectors are loaded
 * only while the successor of their last byte is inside the input, so nothing
 * past p[n-1] is read; the last 16 bytes or fewer go to the portable version,
 * which also decides an 0xFF in the last byte. On x86-64 the 64-byte test is
 * also compiled for AVX2 (two 32-byte vectors, function-level target
 * attribute) and used when CPUID and XCR0 say the CPU and the OS support it,
 * checked once on first use; the exact check stays SSE2. */
#include "jpeg/scan.h"

#include <stdbool.h>
#include <string.h>

#include "common/cpu.h"
#include "jpeg/markers.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#define S_VECTOR 1
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define S_AVX2 1 /* compiled for this function only; used when the CPU and OS have it */
#endif
#elif defined(__aarch64__) && defined(__ARM_NEON)
#include <arm_neon.h>
#define S_VECTOR 1
#endif

size_t es_jpeg_scan_entropy_portable(const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        const uint8_t *q = memchr(p + i, 0xFF, n - i);
        if (!q)
            return n;
        i = (size_t)(q - p);
        if (i + 1 < n && (p[i + 1] == 0x00 || es_jpeg_marker_is_rst(p[i + 1]))) {
            i += 2; /* stuffing or a restart marker: still scan data */
            continue;
        }
        return i;
    }
    return n;
}

#if defined(S_VECTOR) && defined(__SSE2__)

/* 0xFF in each byte of p[0..16) that is a stop, 0x00 elsewhere; needs p[16]. */
static inline __m128i s_stop_bytes(const uint8_t *p)
{
    __m128i here = _mm_loadu_si128((const __m128i *)(const void *)p);
    __m128i next = _mm_loadu_si128((const __m128i *)(const void *)(p + 1));
    __m128i is_ff = _mm_cmpeq_epi8(here, _mm_set1_epi8((char)0xFF));
    __m128i stuffed = _mm_cmpeq_epi8(next, _mm_setzero_si128());
    __m128i restart = _mm_cmpeq_epi8(_mm_and_si128(next, _mm_set1_epi8((char)0xF8)), _mm_set1_epi8((char)0xD0));
    return _mm_andnot_si128(_mm_or_si128(stuffed, restart), is_ff);
}

/* False when p[0..64) has no stop; needs p[64]. A cheaper test than
 * s_stop_bytes: it only lets 0xFF00 through, so an RSTn says true too. */
static inline int s_may_stop64(const uint8_t *p)
{
    const __m128i ff = _mm_set1_epi8((char)0xFF), zero = _mm_setzero_si128();
    __m128i any = _mm_setzero_si128();
    for (int k = 0; k < 64; k += 16) {
        __m128i here = _mm_loadu_si128((const __m128i *)(const void *)(p + k));
        __m128i next = _mm_loadu_si128((const __m128i *)(const void *)(p + k + 1));
        any = _mm_or_si128(any, _mm_andnot_si128(_mm_cmpeq_epi8(next, zero), _mm_cmpeq_epi8(here, ff)));
    }
    return _mm_movemask_epi8(any) != 0;
}

/* The index of the first stop in p[0..16), or 16; needs p[16]. */
static inline size_t s_first_stop16(const uint8_t *p)
{
    unsigned stops = (unsigned)_mm_movemask_epi8(s_stop_bytes(p));
    return stops ? (size_t)__builtin_ctz(stops) : 16;
}

#elif defined(S_VECTOR)

static inline uint8x16_t s_stop_bytes(const uint8_t *p)
{
    uint8x16_t here = vld1q_u8(p), next = vld1q_u8(p + 1);
    uint8x16_t is_ff = vceqq_u8(here, vdupq_n_u8(0xFF));
    uint8x16_t stuffed = vceqq_u8(next, vdupq_n_u8(0x00));
    uint8x16_t restart = vceqq_u8(vandq_u8(next, vdupq_n_u8(0xF8)), vdupq_n_u8(0xD0));
    return vbicq_u8(is_ff, vorrq_u8(stuffed, restart));
}

static inline int s_may_stop64(const uint8_t *p)
{
    uint8x16_t any = vdupq_n_u8(0);
    for (int k = 0; k < 64; k += 16) {
        uint8x16_t here = vld1q_u8(p + k), next = vld1q_u8(p + k + 1);
        any = vorrq_u8(any, vbicq_u8(vceqq_u8(here, vdupq_n_u8(0xFF)), vceqq_u8(next, vdupq_n_u8(0x00))));
    }
    return vmaxvq_u8(any) != 0;
}

/* NEON has no byte movemask: a shift-and-narrow packs each byte's 0x00/0xFF
 * into a nibble of a 64-bit word. */
static inline size_t s_first_stop16(const uint8_t *p)
{
    uint8x8_t packed = vshrn_n_u16(vreinterpretq_u16_u8(s_stop_bytes(p)), 4);
    uint64_t stops = vget_lane_u64(vreinterpret_u64_u8(packed), 0);
    return stops ? (size_t)__builtin_ctzll(stops) / 4 : 16;
}

#endif

#if defined(S_VECTOR)
/* The first stop in p[0..64), or 64; needs p[64]. Kept out of line, so the
 * compiler does not keep its values alive in registers (spilling them) across
 * the hot loops. */
__attribute__((noinline, cold)) static size_t s_first_stop64(const uint8_t *p)
{
    for (size_t k = 0; k < 64; k += 16) {
        size_t at = s_first_stop16(p + k);
        if (at < 16)
            return k + at;
    }
    return 64;
}

/* From offset i, where fewer than 65 bytes are left: 16 bytes at a time, then the portable scan. */
static size_t s_scan_tail(const uint8_t *p, size_t n, size_t i)
{
    while (n - i > 16) {
        size_t at = s_first_stop16(p + i);
        if (at < 16)
            return i + at;
        i += 16;
    }
    return i < n ? i + es_jpeg_scan_entropy_portable(p + i, n - i) : n;
}

static size_t s_scan_vector128(const uint8_t *p, size_t n)
{
    size_t i = 0;
    for (; n - i > 64; i += 64) { /* p[i + 64], the last byte's successor, is in the input */
        if (s_may_stop64(p + i)) {
            size_t at = s_first_stop64(p + i);
            if (at < 64)
                return i + at;
        }
    }
    return s_scan_tail(p, n, i);
}
#endif

#if defined(S_AVX2)
/* s_may_stop64 with two 32-byte vectors. */
__attribute__((target("avx2"))) static inline int s_may_stop64_avx2(const uint8_t *p)
{
    const __m256i ff = _mm256_set1_epi8((char)0xFF), zero = _mm256_setzero_si256();
    __m256i any = _mm256_setzero_si256();
    for (int k = 0; k < 64; k += 32) {
        __m256i here = _mm256_loadu_si256((const __m256i *)(const void *)(p + k));
        __m256i next = _mm256_loadu_si256((const __m256i *)(const void *)(p + k + 1));
        any = _mm256_or_si256(any,
                              _mm256_andnot_si256(_mm256_cmpeq_epi8(next, zero), _mm256_cmpeq_epi8(here, ff)));
    }
    return !_mm256_testz_si256(any, any);
}

__attribute__((target("avx2"))) static size_t s_scan_avx2(const uint8_t *p, size_t n)
{
    size_t i = 0;
    for (; n - i > 64; i += 64) {
        if (s_may_stop64_avx2(p + i)) {
            size_t at = s_first_stop64(p + i);
            if (at < 64)
                return i + at;
        }
    }
    return s_scan_tail(p, n, i);
}

static bool s_use_avx2(void) { return es_cpu_has(ES_CPU_AVX2); }
#endif

size_t es_jpeg_scan_variants(es_jpeg_scan_variant *out, size_t max)
{
    es_jpeg_scan_variant all[3];
    size_t n = 0;
#if defined(S_AVX2)
    if (s_use_avx2())
        all[n++] = (es_jpeg_scan_variant){.name = "avx2", .scan = s_scan_avx2};
#endif
#if defined(S_VECTOR) && defined(__SSE2__)
    all[n++] = (es_jpeg_scan_variant){.name = "sse2", .scan = s_scan_vector128};
#elif defined(S_VECTOR)
    all[n++] = (es_jpeg_scan_variant){.name = "neon", .scan = s_scan_vector128};
#endif
    all[n++] = (es_jpeg_scan_variant){.name = "portable", .scan = es_jpeg_scan_entropy_portable};
    for (size_t i = 0; i < n && i < max; i++)
        out[i] = all[i];
    return n;
}

size_t es_jpeg_scan_entropy(const uint8_t *p, size_t n)
{
#if defined(S_AVX2)
    if (s_use_avx2())
        return s_scan_avx2(p, n);
#endif
#if defined(S_VECTOR)
    return s_scan_vector128(p, n);
#else
    return es_jpeg_scan_entropy_portable(p, n);
#endif
}
