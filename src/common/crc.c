/* crc.c - CRC-32, CRC-32C and CRC-64/NVME (crc.h). All three are reflected
 * CRCs, so one engine serves them: a slicing-by-8 table (8 bytes per step,
 * built once from the polynomial) and, on x86-64 with PCLMULQDQ, folding of
 * 64-byte blocks by carry-less multiplication (256-byte blocks, four lanes
 * per instruction, with AVX-512 VPCLMULQDQ), whose fold constants x^e mod P
 * are computed from the same polynomial at start-up. The folded remainder (16
 * bytes congruent to the input modulo P) and any tail go through the table.
 * On AArch64 the same 64-byte folding runs on PMULL where the CPU has it.
 *
 * Reflected notation: bit i of a 64-bit word is the coefficient of x^(63-i),
 * so a word loaded little-endian from the message is the message's next 64
 * polynomial coefficients, highest first. */
#include "common/crc.h"

#include <pthread.h>
#include <string.h>

#include "common/base64.h"
#include "common/cpu.h"

/* The 128-bit carry-less multiply: x86-64's PCLMULQDQ (and AVX-512's
 * VPCLMULQDQ) or AArch64's PMULL (the crypto extension), each compiled for
 * the functions that use it and run when the CPU has it. Both give the
 * 128-bit product of two 64-bit words with bit i the coefficient of x^i, so
 * the fold below and its constants are the same on both. */
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define S_HAVE_CLMUL 1
#define S_HAVE_VCLMUL 1
#define S_CLMUL_TARGET __attribute__((target("pclmul,sse4.1")))
#define S_CLMUL_FEATURE ES_CPU_PCLMUL
#define S_CLMUL_ENGINE "PCLMULQDQ folding"
#include <immintrin.h>
typedef __m128i s_v128;
#elif defined(__aarch64__) && defined(__linux__) && (defined(__GNUC__) || defined(__clang__))
#define S_HAVE_CLMUL 1
#if defined(__clang__)
#define S_CLMUL_TARGET __attribute__((target("aes")))
#else
#define S_CLMUL_TARGET __attribute__((target("+crypto")))
#endif
#define S_CLMUL_FEATURE ES_CPU_PMULL
#define S_CLMUL_ENGINE "PMULL folding"
#include <arm_neon.h>
typedef uint64x2_t s_v128;
#else
#define S_CLMUL_ENGINE "table only" /* never named: s_clmul stays false */
#endif

typedef struct s_params {
    uint64_t poly;  /* normal form, without the x^width term */
    unsigned width; /* 32 or 64 */
} s_params;

static const s_params s_kinds[ES_CRC_KINDS] = {
    [ES_CRC32] = {0x04C11DB7u, 32},
    [ES_CRC32C] = {0x1EDC6F41u, 32},
    [ES_CRC64NVME] = {0xAD93D23594C93659ull, 64},
};

typedef struct s_engine {
    uint64_t mask;          /* the width's bits */
    uint64_t rpoly;         /* the polynomial reflected in the width's bits */
    uint64_t table[8][256]; /* table[k][b]: b followed by k zero bytes */
    uint64_t fold64[2];     /* x^(575) and x^(511) mod P, reflected: 64-byte stride */
    uint64_t fold16[2];     /* x^(191) and x^(127) mod P, reflected: 16-byte stride */
    uint64_t fold256[2];    /* x^(2111) and x^(2047) mod P, reflected: 256-byte stride */
} s_engine;

static s_engine s_engines[ES_CRC_KINDS];
static pthread_once_t s_once = PTHREAD_ONCE_INIT;
static bool s_clmul;
static bool s_vclmul; /* AVX-512 with VPCLMULQDQ: four 128-bit folds per instruction */

static uint64_t s_reverse(uint64_t v, unsigned bits)
{
    uint64_t r = 0;
    for (unsigned i = 0; i < bits; i++, v >>= 1)
        r = (r << 1) | (v & 1);
    return r;
}

/* x^e mod P in normal form (bit j = coefficient of x^j). */
static uint64_t s_xpow_mod(const s_params *p, unsigned e)
{
    uint64_t mask = p->width == 64 ? ~0ull : (1ull << p->width) - 1;
    uint64_t r = 1;
    for (unsigned i = 0; i < e; i++) {
        uint64_t top = (r >> (p->width - 1)) & 1;
        r = (r << 1) & mask;
        if (top)
            r ^= p->poly;
    }
    return r;
}

/* A fold constant: the product of a 64-bit reflected word and this constant
 * comes out of PCLMULQDQ one degree low (bit k of the 128-bit product is
 * x^(126-k) of the product, read as x^(127-k)), so shifting by d bits needs
 * x^(d-1) mod P, placed as the 64 reflected coefficients x^63..x^0. */
static uint64_t s_fold_constant(const s_params *p, unsigned shift_bits)
{
    return s_reverse(s_xpow_mod(p, shift_bits - 1), 64);
}

static void s_build(es_crc_kind kind)
{
    const s_params *p = &s_kinds[kind];
    s_engine *e = &s_engines[kind];
    e->mask = p->width == 64 ? ~0ull : (1ull << p->width) - 1;
    uint64_t rpoly = e->rpoly = s_reverse(p->poly, p->width);
    for (unsigned b = 0; b < 256; b++) {
        uint64_t c = b;
        for (int i = 0; i < 8; i++)
            c = (c & 1) ? (c >> 1) ^ rpoly : c >> 1;
        e->table[0][b] = c;
    }
    for (unsigned k = 1; k < 8; k++)
        for (unsigned b = 0; b < 256; b++) {
            uint64_t prev = e->table[k - 1][b];
            e->table[k][b] = (prev >> 8) ^ e->table[0][prev & 0xff];
        }
    /* A 128-bit block L:H moved d bits on is L*x^(64+d) + H*x^d. */
    e->fold64[0] = s_fold_constant(p, 64 + 512);
    e->fold64[1] = s_fold_constant(p, 512);
    e->fold16[0] = s_fold_constant(p, 64 + 128);
    e->fold16[1] = s_fold_constant(p, 128);
    e->fold256[0] = s_fold_constant(p, 64 + 2048);
    e->fold256[1] = s_fold_constant(p, 2048);
}

static void s_init(void)
{
    for (int k = 0; k < ES_CRC_KINDS; k++)
        s_build((es_crc_kind)k);
#ifdef S_HAVE_CLMUL
    s_clmul = es_cpu_has(S_CLMUL_FEATURE);
#endif
#ifdef S_HAVE_VCLMUL
    s_vclmul = es_cpu_has(ES_CPU_AVX512_VCLMUL);
#endif
}

static uint64_t s_load64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    return v;
}

/* The raw register (no initial value or final XOR) continued over data. */
static uint64_t s_table_run(const s_engine *e, uint64_t reg, const uint8_t *p, size_t len)
{
    while (len >= 8) {
        uint64_t x = reg ^ s_load64(p);
        reg = e->table[7][x & 0xff] ^ e->table[6][(x >> 8) & 0xff] ^ e->table[5][(x >> 16) & 0xff] ^
              e->table[4][(x >> 24) & 0xff] ^ e->table[3][(x >> 32) & 0xff] ^ e->table[2][(x >> 40) & 0xff] ^
              e->table[1][(x >> 48) & 0xff] ^ e->table[0][x >> 56];
        p += 8;
        len -= 8;
    }
    while (len--)
        reg = (reg >> 8) ^ e->table[0][(reg ^ *p++) & 0xff];
    return reg;
}

#if defined(S_HAVE_CLMUL) && defined(__x86_64__)
S_CLMUL_TARGET static inline s_v128 s_load128(const uint8_t *p)
{
    return _mm_loadu_si128((const __m128i *)p);
}
S_CLMUL_TARGET static inline void s_store128(uint8_t *p, s_v128 v) { _mm_storeu_si128((__m128i *)p, v); }
/* lo in the low 64 bits, hi in the high ones */
S_CLMUL_TARGET static inline s_v128 s_pair(uint64_t lo, uint64_t hi)
{
    return _mm_set_epi64x((long long)hi, (long long)lo);
}
S_CLMUL_TARGET static inline s_v128 s_xor(s_v128 a, s_v128 b) { return _mm_xor_si128(a, b); }

/* acc's low word times k's, xor its high word times k's, xor next. */
S_CLMUL_TARGET static inline s_v128 s_fold(s_v128 acc, s_v128 k, s_v128 next)
{
    __m128i lo = _mm_clmulepi64_si128(acc, k, 0x00);
    __m128i hi = _mm_clmulepi64_si128(acc, k, 0x11);
    return _mm_xor_si128(_mm_xor_si128(lo, hi), next);
}
#elif defined(S_HAVE_CLMUL)
S_CLMUL_TARGET static inline s_v128 s_load128(const uint8_t *p) { return vreinterpretq_u64_u8(vld1q_u8(p)); }
S_CLMUL_TARGET static inline void s_store128(uint8_t *p, s_v128 v) { vst1q_u8(p, vreinterpretq_u8_u64(v)); }
S_CLMUL_TARGET static inline s_v128 s_pair(uint64_t lo, uint64_t hi)
{
    return vcombine_u64(vcreate_u64(lo), vcreate_u64(hi));
}
S_CLMUL_TARGET static inline s_v128 s_xor(s_v128 a, s_v128 b) { return veorq_u64(a, b); }

S_CLMUL_TARGET static inline s_v128 s_fold(s_v128 acc, s_v128 k, s_v128 next)
{
    poly128_t lo = vmull_p64((poly64_t)vgetq_lane_u64(acc, 0), (poly64_t)vgetq_lane_u64(k, 0));
    poly128_t hi = vmull_high_p64(vreinterpretq_p64_u64(acc), vreinterpretq_p64_u64(k));
    return veorq_u64(veorq_u64(vreinterpretq_u64_p128(lo), vreinterpretq_u64_p128(hi)), next);
}
#endif

#ifdef S_HAVE_VCLMUL

/* The same fold on four 128-bit lanes at once. */
__attribute__((target("avx512f,vpclmulqdq"))) static inline __m512i s_fold4(__m512i acc, __m512i k, __m512i next)
{
    __m512i lo = _mm512_clmulepi64_epi128(acc, k, 0x00);
    __m512i hi = _mm512_clmulepi64_epi128(acc, k, 0x11);
    return _mm512_ternarylogic_epi64(lo, hi, next, 0x96); /* lo ^ hi ^ next */
}

/* len >= 256: folds 256-byte blocks in four 512-bit accumulators, then those
 * into one, and hands its four 128-bit lanes back as a0..a3 (64 bytes
 * congruent to the message so far, ending at *p). */
__attribute__((target("avx512f,vpclmulqdq"))) static void
s_vclmul_head(const s_engine *e, uint64_t reg, const uint8_t **pp, size_t *plen, __m128i a[4])
{
    const uint8_t *p = *pp;
    size_t len = *plen;
    __m512i z0 = _mm512_xor_si512(_mm512_loadu_si512(p), _mm512_set_epi64(0, 0, 0, 0, 0, 0, 0, (long long)reg));
    __m512i z1 = _mm512_loadu_si512(p + 64);
    __m512i z2 = _mm512_loadu_si512(p + 128);
    __m512i z3 = _mm512_loadu_si512(p + 192);
    p += 256;
    len -= 256;
    const __m512i k256 = _mm512_broadcast_i32x4(
        _mm_set_epi64x((long long)e->fold256[1], (long long)e->fold256[0]));
    while (len >= 256) {
        z0 = s_fold4(z0, k256, _mm512_loadu_si512(p));
        z1 = s_fold4(z1, k256, _mm512_loadu_si512(p + 64));
        z2 = s_fold4(z2, k256, _mm512_loadu_si512(p + 128));
        z3 = s_fold4(z3, k256, _mm512_loadu_si512(p + 192));
        p += 256;
        len -= 256;
    }
    const __m512i k64 = _mm512_broadcast_i32x4(_mm_set_epi64x((long long)e->fold64[1], (long long)e->fold64[0]));
    z1 = s_fold4(z0, k64, z1);
    z2 = s_fold4(z1, k64, z2);
    z3 = s_fold4(z2, k64, z3);
    a[0] = _mm512_extracti32x4_epi32(z3, 0);
    a[1] = _mm512_extracti32x4_epi32(z3, 1);
    a[2] = _mm512_extracti32x4_epi32(z3, 2);
    a[3] = _mm512_extracti32x4_epi32(z3, 3);
    *pp = p;
    *plen = len;
}
#endif

#ifdef S_HAVE_CLMUL
/* len >= 64. The register is added into the first bytes of the message, the
 * message is folded down to 16 bytes congruent to it, and those 16 bytes and
 * the tail (< 16 bytes) finish in the table. Long messages start 256 bytes
 * at a time (s_vclmul_head) when wide (the CPU can). */
S_CLMUL_TARGET static uint64_t s_clmul_run(const s_engine *e, uint64_t reg, const uint8_t *p, size_t len,
                                           bool wide)
{
    s_v128 a0, a1, a2, a3;
#ifdef S_HAVE_VCLMUL
    if (wide && len >= 256) {
        s_v128 a[4];
        s_vclmul_head(e, reg, &p, &len, a);
        a0 = a[0];
        a1 = a[1];
        a2 = a[2];
        a3 = a[3];
    } else
#else
    (void)wide;
#endif
    {
        a0 = s_xor(s_load128(p), s_pair(reg, 0));
        a1 = s_load128(p + 16);
        a2 = s_load128(p + 32);
        a3 = s_load128(p + 48);
        p += 64;
        len -= 64;
    }
    const s_v128 k64 = s_pair(e->fold64[0], e->fold64[1]);
    while (len >= 64) {
        a0 = s_fold(a0, k64, s_load128(p));
        a1 = s_fold(a1, k64, s_load128(p + 16));
        a2 = s_fold(a2, k64, s_load128(p + 32));
        a3 = s_fold(a3, k64, s_load128(p + 48));
        p += 64;
        len -= 64;
    }
    const s_v128 k16 = s_pair(e->fold16[0], e->fold16[1]);
    s_v128 acc = s_fold(a0, k16, a1);
    acc = s_fold(acc, k16, a2);
    acc = s_fold(acc, k16, a3);
    while (len >= 16) {
        acc = s_fold(acc, k16, s_load128(p));
        p += 16;
        len -= 16;
    }
    uint8_t rest[16];
    s_store128(rest, acc);
    reg = s_table_run(e, 0, rest, sizeof rest);
    return s_table_run(e, reg, p, len);
}
#endif

/* Which folding s_update may use: none (the table), 128-bit PCLMULQDQ, or
 * the best this CPU has. */
typedef enum s_fold_use { S_TABLE, S_PCLMUL, S_BEST } s_fold_use;

static uint64_t s_update(es_crc_kind kind, uint64_t crc, const void *data, size_t len, s_fold_use use)
{
    if ((unsigned)kind >= ES_CRC_KINDS)
        return 0;
    pthread_once(&s_once, s_init);
    const s_engine *e = &s_engines[kind];
    uint64_t reg = ~crc & e->mask;
    const uint8_t *p = data;
    if (len == 0)
        return crc;
#ifdef S_HAVE_CLMUL
    if (use != S_TABLE && s_clmul && len >= 64)
        return ~s_clmul_run(e, reg, p, len, use == S_BEST && s_vclmul) & e->mask;
#else
    (void)use;
#endif
    return ~s_table_run(e, reg, p, len) & e->mask;
}

uint64_t es_crc_update(es_crc_kind kind, uint64_t crc, const void *data, size_t len)
{
    return s_update(kind, crc, data, len, S_BEST);
}

uint64_t es_crc_update_portable(es_crc_kind kind, uint64_t crc, const void *data, size_t len)
{
    return s_update(kind, crc, data, len, S_TABLE);
}

uint64_t es_crc_update_pclmul(es_crc_kind kind, uint64_t crc, const void *data, size_t len)
{
    return s_update(kind, crc, data, len, S_PCLMUL);
}

/* a*b mod P, both reflected in the width's bits (the top bit is x^0). */
static uint64_t s_mulmod(const s_engine *e, unsigned width, uint64_t a, uint64_t b)
{
    uint64_t top = 1ull << (width - 1), p = 0;
    for (unsigned i = 0; i < width; i++) {
        if (a & (top >> i))
            p ^= b;
        b = (b & 1) ? (b >> 1) ^ e->rpoly : b >> 1; /* b *= x */
    }
    return p;
}

uint64_t es_crc_combine(es_crc_kind kind, uint64_t crc_a, uint64_t crc_b, uint64_t len_b)
{
    if ((unsigned)kind >= ES_CRC_KINDS)
        return 0;
    pthread_once(&s_once, s_init);
    const s_engine *e = &s_engines[kind];
    unsigned width = s_kinds[kind].width == 32 ? 32u : 64u;
    /* Appending len_b bytes multiplies A's CRC by x^(8 len_b) mod P; the
     * initial value and final XOR (all ones in all three) cancel out. */
    uint64_t factor = 1ull << (width - 1);   /* x^0 */
    uint64_t base = 1ull << (width - 1 - 8); /* x^8 */
    for (uint64_t n = len_b; n; n >>= 1) {
        if (n & 1)
            factor = s_mulmod(e, width, factor, base);
        base = s_mulmod(e, width, base, base);
    }
    return s_mulmod(e, width, factor, crc_a & e->mask) ^ (crc_b & e->mask);
}

const char *es_crc_engine(void)
{
    pthread_once(&s_once, s_init);
    return s_vclmul ? "VPCLMULQDQ folding (AVX-512)" : s_clmul ? S_CLMUL_ENGINE : "table only";
}

size_t es_crc_bytes(es_crc_kind kind) { return kind == ES_CRC64NVME ? 8 : 4; }

void es_crc_base64(es_crc_kind kind, uint64_t crc, char out[13])
{
    size_t n = es_crc_bytes(kind);
    unsigned char raw[8];
    for (size_t i = 0; i < n; i++)
        raw[i] = (unsigned char)(crc >> (8 * (n - 1 - i)));
    es_base64_encode(raw, n, out);
}
