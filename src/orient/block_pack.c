/* block_pack.c - packing, unpacking and moving one block of coefficients
 * (block_pack.h), in three implementations chosen once at run time (the
 * first this CPU runs; es_block_pack_variants lists them for the tests,
 * which compare each with the portable one, byte for byte):
 *  - "avx512" (AVX-512 BW, VL and VBMI2): the block's 64 coefficients in two
 *    registers, its non-zero ones gathered by VPCOMPRESSW and spread back by
 *    VPEXPANDW, a transposition one VPERMT2W per half. On a 3 MP photo's
 *    turn (canon_hdr_YES, 30 runs of the CLI, 4 alternating sets) 22.0 ->
 *    20.3 ms of CPU, on a 12 MP one 118.7 -> 111.9 ms (issue 11).
 *  - "avx2" (SSSE3 shuffles, on AVX2 CPUs): a row of 8 coefficients at a
 *    time, moved by one byte shuffle chosen by the row's 8 mask bits from
 *    four tables of 256: s_unpack_shuffles[m] moves the row's packed values
 *    to the lanes set in m and zeroes the rest, s_pack_shuffles[m] gathers
 *    the lanes set in m to the front, and s_unpack_bytes / s_pack_bytes do
 *    the same for one-byte values (narrow records; a byte is widened to its
 *    lane with sign extension).
 *  - "portable": a loop over the mask's bits (other CPUs and AArch64).
 * The choice and the tables are made on first use by one thread (the
 * choice is published with release / acquire, so a thread that sees it
 * also sees the tables; no libc call but strcmp, so src/orient stays free
 * of anything but computation). */
#include <string.h>

#include "common/cpu.h"
#include "orient/block_pack.h"
#include "orient/sparse_coefs.h"

#if defined(__x86_64__) && defined(__SSE2__) && (defined(__GNUC__) || defined(__clang__))
#define S_VECTOR 1
#include <immintrin.h>
#endif

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

uint64_t es_block_nonzero(const JCOEF *b)
{
#if defined(__SSE2__)
    __m128i zero = _mm_setzero_si128();
    uint64_t mask = 0;
    for (int i = 0; i < 4; i++) {
        __m128i lo = _mm_loadu_si128((const __m128i *)(const void *)(b + 16 * i));
        __m128i hi = _mm_loadu_si128((const __m128i *)(const void *)(b + 16 * i + 8));
        __m128i eq = _mm_packs_epi16(_mm_cmpeq_epi16(lo, zero), _mm_cmpeq_epi16(hi, zero));
        mask |= (uint64_t)(uint16_t)~_mm_movemask_epi8(eq) << (16 * i);
    }
    return mask;
#else
    uint64_t mask = 0;
    for (int k = 0; k < DCTSIZE2; k++)
        mask |= (uint64_t)(b[k] != 0) << k;
    return mask;
#endif
}

/* Per coefficient (row-major, row = vertical frequency): 0 to keep the sign,
 * -1 to negate. Index: 1 = mirrored in x (odd columns), 2 = in y (odd rows). */
#define S_KEEP 0, 0, 0, 0, 0, 0, 0, 0
#define S_ALL -1, -1, -1, -1, -1, -1, -1, -1
#define S_ODD 0, -1, 0, -1, 0, -1, 0, -1
#define S_EVEN -1, 0, -1, 0, -1, 0, -1, 0
const JCOEF es_block_signs[4][DCTSIZE2] = {
    {S_KEEP, S_KEEP, S_KEEP, S_KEEP, S_KEEP, S_KEEP, S_KEEP, S_KEEP},
    {S_ODD, S_ODD, S_ODD, S_ODD, S_ODD, S_ODD, S_ODD, S_ODD},
    {S_KEEP, S_ALL, S_KEEP, S_ALL, S_KEEP, S_ALL, S_KEEP, S_ALL},
    {S_ODD, S_EVEN, S_ODD, S_EVEN, S_ODD, S_EVEN, S_ODD, S_EVEN},
};

#if defined(__SSE2__)
static inline __m128i s_signed(__m128i v, const JCOEF *signs)
{
    __m128i m = _mm_loadu_si128((const __m128i *)(const void *)signs);
    return _mm_sub_epi16(_mm_xor_si128(v, m), m);
}

/* Stores the 8 rows r to d with signs applied, transposed or not (inlined
 * into the vector unpacking too: the rows never go through memory). */
static inline void s_store_moved(JCOEF *d, const __m128i *r, const JCOEF *signs, bool transpose)
{
    if (!transpose) {
        for (int i = 0; i < DCTSIZE; i++)
            _mm_storeu_si128((__m128i *)(void *)(d + 8 * i), s_signed(r[i], signs + 8 * i));
        return;
    }
    __m128i t[8], u[8];
    for (int i = 0; i < 8; i += 2) {
        t[i] = _mm_unpacklo_epi16(r[i], r[i + 1]);
        t[i + 1] = _mm_unpackhi_epi16(r[i], r[i + 1]);
    }
    for (int i = 0; i < 8; i += 4) {
        u[i] = _mm_unpacklo_epi32(t[i], t[i + 2]);
        u[i + 1] = _mm_unpackhi_epi32(t[i], t[i + 2]);
        u[i + 2] = _mm_unpacklo_epi32(t[i + 1], t[i + 3]);
        u[i + 3] = _mm_unpackhi_epi32(t[i + 1], t[i + 3]);
    }
    /* u[0..3] hold columns (0,1) (2,3) (4,5) (6,7) of rows 0-3, u[4..7] of rows 4-7 */
    for (int i = 0; i < 4; i++) {
        __m128i lo = _mm_unpacklo_epi64(u[i], u[i + 4]), hi = _mm_unpackhi_epi64(u[i], u[i + 4]);
        _mm_storeu_si128((__m128i *)(void *)(d + 16 * i), s_signed(lo, signs + 16 * i));
        _mm_storeu_si128((__m128i *)(void *)(d + 16 * i + 8), s_signed(hi, signs + 16 * i + 8));
    }
}

void es_block_move(JCOEF *d, const JCOEF *s, const JCOEF *signs, bool transpose)
{
    __m128i r[DCTSIZE];
    for (int i = 0; i < DCTSIZE; i++)
        r[i] = _mm_loadu_si128((const __m128i *)(const void *)(s + 8 * i));
    s_store_moved(d, r, signs, transpose);
}
#else
void es_block_move(JCOEF *d, const JCOEF *s, const JCOEF *signs, bool transpose)
{
    for (int i = 0; i < DCTSIZE; i++)
        for (int j = 0; j < DCTSIZE; j++) {
            int k = 8 * i + j;
            JCOEF v = transpose ? s[8 * j + i] : s[k];
            d[k] = (JCOEF)((v ^ signs[k]) - signs[k]);
        }
}
#endif

/* The AC positions of a mask (the DC, position 0, is stored as 16 bits in
 * either form). */
#define S_AC(mask) ((mask) & ~UINT64_C(1))

/* A narrow record's length in units for n non-zero coefficients (sparse_coefs.h). */
static size_t s_narrow_units(uint64_t mask, size_t n)
{
    size_t dc = (size_t)(mask & 1), bytes = n - dc;
    return ES_SPARSE_MASK_UNITS + dc + (bytes + 1) / 2;
}

/* The bits set in mask (a loop: the portable code calls nothing but itself). */
static size_t s_count(uint64_t mask)
{
    size_t n = 0;
    for (uint64_t m = mask; m; m &= m - 1)
        n++;
    return n;
}

/* Whether a sparse block (mask of its n non-zero positions) takes the narrow form. */
static bool s_narrow(const JCOEF *block, uint64_t mask, size_t n)
{
    bool narrow = n - (mask & 1) >= ES_SPARSE_NARROW_FROM;
    for (uint64_t m = S_AC(mask); narrow && m; m &= m - 1) {
        JCOEF v = block[__builtin_ctzll(m)];
        narrow = v >= -128 && v <= 127;
    }
    return narrow;
}

size_t es_block_record_units(const JCOEF *block)
{
    uint64_t mask = es_block_nonzero(block);
    size_t n = s_count(mask);
    if (n == 0 || n >= ES_SPARSE_DENSE_FROM)
        return n ? DCTSIZE2 : 0;
    return s_narrow(block, mask, n) ? s_narrow_units(mask, n) : ES_SPARSE_MASK_UNITS + n;
}

size_t es_block_pack_portable(JCOEF *record, JCOEF *block)
{
    uint64_t mask = es_block_nonzero(block);
    if (!mask)
        return 0; /* already zero */
    size_t n = s_count(mask);
    if (n >= ES_SPARSE_DENSE_FROM) {
        memcpy(record, block, DCTSIZE2 * sizeof(JCOEF));
        memset(block, 0, DCTSIZE2 * sizeof(JCOEF));
        return DCTSIZE2;
    }
    bool narrow = s_narrow(block, mask, n);
    memcpy(record, &mask, sizeof mask);
    JCOEF *values = record + ES_SPARSE_MASK_UNITS;
    size_t len = ES_SPARSE_MASK_UNITS + n;
    if (narrow) {
        if (mask & 1)
            *values++ = block[0];
        signed char *bytes = (signed char *)values;
        size_t i = 0;
        for (uint64_t m = S_AC(mask); m; m &= m - 1)
            bytes[i++] = (signed char)block[__builtin_ctzll(m)];
        if (i % 2)
            bytes[i] = 0; /* the last unit's other half */
        len = s_narrow_units(mask, n);
    } else {
        for (uint64_t m = mask; m; m &= m - 1)
            *values++ = block[__builtin_ctzll(m)];
    }
    memset(block, 0, DCTSIZE2 * sizeof(JCOEF));
    return len;
}

void es_block_unpack_portable(JCOEF *block, uint64_t mask, const JCOEF *values, size_t units)
{
    memset(block, 0, DCTSIZE2 * sizeof(JCOEF));
    if (units == s_count(mask)) {
        for (uint64_t m = mask; m; m &= m - 1)
            block[__builtin_ctzll(m)] = *values++;
        return;
    }
    if (mask & 1)
        block[0] = *values++;
    const signed char *bytes = (const signed char *)values;
    for (uint64_t m = S_AC(mask); m; m &= m - 1)
        block[__builtin_ctzll(m)] = (JCOEF)*bytes++; /* sign-extended: a narrow value is signed */
}

void es_block_unpack_move_portable(JCOEF *d, uint64_t mask, const JCOEF *values, size_t units,
                                   const JCOEF *signs, bool transpose)
{
    JCOEF block[DCTSIZE2];
    es_block_unpack_portable(block, mask, values, units);
    es_block_move(d, block, signs, transpose);
}

#if S_VECTOR
#define S_AVX2 __attribute__((target("avx2,popcnt")))

static uint8_t s_unpack_shuffles[256][16], s_pack_shuffles[256][16];
static uint8_t s_unpack_bytes[256][16], s_pack_bytes[256][16];

static void s_build_tables(void)
{
    for (unsigned m = 0; m < 256; m++) {
        memset(s_unpack_shuffles[m], 0x80, 16); /* a set high bit makes the lane zero */
        memset(s_pack_shuffles[m], 0x80, 16);
        memset(s_unpack_bytes[m], 0x80, 16);
        memset(s_pack_bytes[m], 0x80, 16);
        unsigned packed = 0;
        for (unsigned lane = 0; lane < 8; lane++) {
            if (!(m >> lane & 1))
                continue;
            s_unpack_shuffles[m][2 * lane] = (uint8_t)(2 * packed);
            s_unpack_shuffles[m][2 * lane + 1] = (uint8_t)(2 * packed + 1);
            s_pack_shuffles[m][2 * packed] = (uint8_t)(2 * lane);
            s_pack_shuffles[m][2 * packed + 1] = (uint8_t)(2 * lane + 1);
            s_unpack_bytes[m][lane] = (uint8_t)packed;
            s_pack_bytes[m][packed] = (uint8_t)lane;
            packed++;
        }
    }
}

/* Where row r's values start among the packed ones: the set bits of the
 * rows above (each found on its own, no chain from row to row). */
#define S_ROW_START(mask, r) ((size_t)_mm_popcnt_u64((mask) & ((UINT64_C(1) << (8 * (r))) - 1)))
/* The last row (0-7) with a bit set in mask (not 0). */
#define S_LAST_ROW(mask) ((63 - __builtin_clzll(mask)) >> 3)

/* Whether every AC coefficient of the rows fits a signed byte (the DC,
 * lane 0 of row 0, need not): v + 128 has no bit above the low byte. */
S_AVX2 static inline bool s_bytes_fit(const __m128i *row)
{
    __m128i bias = _mm_set1_epi16(128);
    __m128i any = _mm_add_epi16(_mm_and_si128(row[0], _mm_set_epi16(-1, -1, -1, -1, -1, -1, -1, 0)), bias);
    for (int r = 1; r < DCTSIZE; r++)
        any = _mm_or_si128(any, _mm_add_epi16(row[r], bias));
    return _mm_testz_si128(any, _mm_set1_epi16((short)0xFF00));
}

S_AVX2 static size_t s_pack_avx2(JCOEF *record, JCOEF *block)
{
    __m128i row[DCTSIZE], zero = _mm_setzero_si128();
    uint64_t mask = 0;
    for (int i = 0; i < DCTSIZE / 2; i++) {
        row[2 * i] = _mm_loadu_si128((const __m128i *)(const void *)(block + 16 * i));
        row[2 * i + 1] = _mm_loadu_si128((const __m128i *)(const void *)(block + 16 * i + 8));
        /* saturating to bytes keeps a non-zero coefficient non-zero */
        __m128i bytes = _mm_packs_epi16(row[2 * i], row[2 * i + 1]);
        unsigned zeros = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(bytes, zero));
        mask |= (uint64_t)(~zeros & 0xFFFFu) << (16 * i);
    }
    if (!mask)
        return 0; /* already zero */
    size_t n = (size_t)_mm_popcnt_u64(mask), len = DCTSIZE2;
    if (n >= ES_SPARSE_DENSE_FROM) {
        memcpy(record, block, DCTSIZE2 * sizeof(JCOEF));
    } else {
        memcpy(record, &mask, sizeof mask);
        JCOEF *values = record + ES_SPARSE_MASK_UNITS;
        if (n - (mask & 1) >= ES_SPARSE_NARROW_FROM && s_bytes_fit(row)) {
            if (mask & 1)
                *values++ = block[0];
            uint8_t *bytes = (uint8_t *)values;
            uint64_t ac = S_AC(mask);
            /* each row's store also zeroes what follows its values: the last
             * one with a value leaves the padding byte zero (rows past it
             * have nothing to store) */
            for (int r = 0, last = S_LAST_ROW(ac); r <= last; r++) {
                unsigned m = (unsigned)(ac >> (8 * r)) & 0xFFu;
                __m128i shuffle = _mm_loadu_si128((const __m128i *)(const void *)s_pack_bytes[m]);
                _mm_storeu_si128((__m128i *)(void *)(bytes + S_ROW_START(ac, r)),
                                 _mm_shuffle_epi8(_mm_packs_epi16(row[r], row[r]), shuffle));
            }
            len = s_narrow_units(mask, n);
        } else {
            for (int r = 0, last = S_LAST_ROW(mask); r <= last; r++) {
                unsigned m = (unsigned)(mask >> (8 * r)) & 0xFFu;
                __m128i shuffle = _mm_loadu_si128((const __m128i *)(const void *)s_pack_shuffles[m]);
                _mm_storeu_si128((__m128i *)(void *)(values + S_ROW_START(mask, r)),
                                 _mm_shuffle_epi8(row[r], shuffle));
            }
            len = ES_SPARSE_MASK_UNITS + n;
        }
    }
    /* four explicit stores (a loop here is turned into a slow `rep stos`) */
    __m256i *b = (__m256i *)(void *)block;
    _mm256_storeu_si256(b, _mm256_setzero_si256());
    _mm256_storeu_si256(b + 1, _mm256_setzero_si256());
    _mm256_storeu_si256(b + 2, _mm256_setzero_si256());
    _mm256_storeu_si256(b + 3, _mm256_setzero_si256());
    return len;
}

/* The 8 rows of a record's block (values: after the mask). */
S_AVX2 static inline void s_unpack_rows(__m128i *row, uint64_t mask, const JCOEF *values, size_t units)
{
    if (units == (size_t)_mm_popcnt_u64(mask)) {
        for (int r = 0; r < DCTSIZE; r++) {
            unsigned m = (unsigned)(mask >> (8 * r)) & 0xFFu;
            __m128i shuffle = _mm_loadu_si128((const __m128i *)(const void *)s_unpack_shuffles[m]);
            __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(values + S_ROW_START(mask, r)));
            row[r] = _mm_shuffle_epi8(v, shuffle);
        }
        return;
    }
    uint64_t ac = S_AC(mask);
    const uint8_t *bytes = (const uint8_t *)(values + (mask & 1));
    for (int r = 0; r < DCTSIZE; r++) {
        unsigned m = (unsigned)(ac >> (8 * r)) & 0xFFu;
        __m128i shuffle = _mm_loadu_si128((const __m128i *)(const void *)s_unpack_bytes[m]);
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(bytes + S_ROW_START(ac, r)));
        row[r] = _mm_cvtepi8_epi16(_mm_shuffle_epi8(v, shuffle));
    }
    if (mask & 1)
        row[0] = _mm_insert_epi16(row[0], values[0], 0);
}

S_AVX2 static void s_unpack_avx2(JCOEF *block, uint64_t mask, const JCOEF *values, size_t units)
{
    __m128i row[DCTSIZE];
    s_unpack_rows(row, mask, values, units);
    for (int r = 0; r < DCTSIZE; r++)
        _mm_storeu_si128((__m128i *)(void *)(block + 8 * r), row[r]);
}

S_AVX2 static void s_unpack_move_avx2(JCOEF *d, uint64_t mask, const JCOEF *values, size_t units,
                                      const JCOEF *signs, bool transpose)
{
    __m128i row[DCTSIZE];
    s_unpack_rows(row, mask, values, units);
    s_store_moved(d, row, signs, transpose);
}

/* AVX-512 with VBMI2: a block is two registers of 32 coefficients; their
 * non-zero lanes are gathered to the front (VPCOMPRESSW) and spread back
 * (VPEXPANDW) in registers, and a record's values are stored and loaded
 * with lane masks of their exact count (a masked store writes, and a
 * masked load reads, nothing past them: no slack used, no fault possible). */
#define S_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx512vbmi2,avx2,popcnt,bmi2")))

/* The lowest n (0-32) lanes of a 32-lane mask. */
S_AVX512 static inline __mmask32 s_first(size_t n) { return (__mmask32)_bzhi_u32(~0u, (unsigned)n); }

S_AVX512 static size_t s_pack_avx512(JCOEF *record, JCOEF *block)
{
    __m512i lo = _mm512_loadu_si512(block), hi = _mm512_loadu_si512(block + 32);
    __mmask32 klo = _mm512_test_epi16_mask(lo, lo), khi = _mm512_test_epi16_mask(hi, hi);
    uint64_t mask = (uint64_t)klo | (uint64_t)khi << 32;
    if (!mask)
        return 0; /* already zero */
    size_t n = (size_t)_mm_popcnt_u64(mask), len = DCTSIZE2;
    /* AC lanes whose value does not fit a signed byte: v + 128 has a bit above the low byte */
    __m512i bias = _mm512_set1_epi16(128), high = _mm512_set1_epi16((short)0xFF00);
    __mmask32 aclo = klo & ~(__mmask32)1;
    if (n >= ES_SPARSE_DENSE_FROM) {
        _mm512_storeu_si512(record, lo);
        _mm512_storeu_si512(record + 32, hi);
    } else {
        memcpy(record, &mask, sizeof mask);
        JCOEF *values = record + ES_SPARSE_MASK_UNITS;
        if (n - (mask & 1) >= ES_SPARSE_NARROW_FROM &&
            !(_mm512_mask_test_epi16_mask(aclo, _mm512_add_epi16(lo, bias), high) |
              _mm512_mask_test_epi16_mask(khi, _mm512_add_epi16(hi, bias), high))) {
            if (mask & 1)
                *values++ = block[0];
            uint8_t *bytes = (uint8_t *)values;
            size_t n0 = (size_t)_mm_popcnt_u32(aclo), nac = n - (mask & 1);
            _mm256_mask_storeu_epi8(bytes, s_first(n0),
                                    _mm512_cvtepi16_epi8(_mm512_maskz_compress_epi16(aclo, lo)));
            _mm256_mask_storeu_epi8(bytes + n0, s_first(nac - n0),
                                    _mm512_cvtepi16_epi8(_mm512_maskz_compress_epi16(khi, hi)));
            if (nac % 2)
                bytes[nac] = 0; /* the last unit's other half */
            len = s_narrow_units(mask, n);
        } else {
            size_t n0 = (size_t)_mm_popcnt_u32(klo);
            _mm512_mask_storeu_epi16(values, s_first(n0), _mm512_maskz_compress_epi16(klo, lo));
            _mm512_mask_storeu_epi16(values + n0, s_first(n - n0), _mm512_maskz_compress_epi16(khi, hi));
            len = ES_SPARSE_MASK_UNITS + n;
        }
    }
    _mm512_storeu_si512(block, _mm512_setzero_si512());
    _mm512_storeu_si512(block + 32, _mm512_setzero_si512());
    return len;
}

/* A record's block as two registers: coefficients 0-31 in *lo, 32-63 in *hi. */
S_AVX512 static inline void s_unpack_halves(__m512i *lo, __m512i *hi, uint64_t mask, const JCOEF *values,
                                            size_t units)
{
    __mmask32 klo = (__mmask32)mask, khi = (__mmask32)(mask >> 32);
    if (units == (size_t)_mm_popcnt_u64(mask)) {
        size_t n0 = (size_t)_mm_popcnt_u32(klo);
        *lo = _mm512_maskz_expand_epi16(klo, _mm512_maskz_loadu_epi16(s_first(n0), values));
        *hi = _mm512_maskz_expand_epi16(khi, _mm512_maskz_loadu_epi16(s_first(units - n0), values + n0));
        return;
    }
    __mmask32 aclo = klo & ~(__mmask32)1;
    const uint8_t *bytes = (const uint8_t *)(values + (mask & 1));
    size_t n0 = (size_t)_mm_popcnt_u32(aclo), n1 = (size_t)_mm_popcnt_u32(khi);
    *lo = _mm512_maskz_expand_epi16(aclo, _mm512_cvtepi8_epi16(_mm256_maskz_loadu_epi8(s_first(n0), bytes)));
    *hi = _mm512_maskz_expand_epi16(khi,
                                    _mm512_cvtepi8_epi16(_mm256_maskz_loadu_epi8(s_first(n1), bytes + n0)));
    if (mask & 1)
        *lo = _mm512_mask_set1_epi16(*lo, 1, values[0]);
}

S_AVX512 static void s_unpack_avx512(JCOEF *block, uint64_t mask, const JCOEF *values, size_t units)
{
    __m512i lo, hi;
    s_unpack_halves(&lo, &hi, mask, values, units);
    _mm512_storeu_si512(block, lo);
    _mm512_storeu_si512(block + 32, hi);
}

/* Transposition as a lane permutation of the two halves: output k = 8i + j
 * takes input 8j + i (indices 32-63 name the second register's lanes). */
static const uint16_t s_transpose_index[DCTSIZE2] = {
    0,  8,  16, 24, 32, 40, 48, 56, 1,  9,  17, 25, 33, 41, 49, 57, 2,  10, 18, 26, 34, 42,
    50, 58, 3,  11, 19, 27, 35, 43, 51, 59, 4,  12, 20, 28, 36, 44, 52, 60, 5,  13, 21, 29,
    37, 45, 53, 61, 6,  14, 22, 30, 38, 46, 54, 62, 7,  15, 23, 31, 39, 47, 55, 63,
};

S_AVX512 static void s_unpack_move_avx512(JCOEF *d, uint64_t mask, const JCOEF *values, size_t units,
                                          const JCOEF *signs, bool transpose)
{
    __m512i lo, hi;
    s_unpack_halves(&lo, &hi, mask, values, units);
    if (transpose) {
        __m512i t = _mm512_permutex2var_epi16(lo, _mm512_loadu_si512(s_transpose_index), hi);
        hi = _mm512_permutex2var_epi16(lo, _mm512_loadu_si512(s_transpose_index + 32), hi);
        lo = t;
    }
    __m512i s0 = _mm512_loadu_si512(signs), s1 = _mm512_loadu_si512(signs + 32);
    _mm512_storeu_si512(d, _mm512_sub_epi16(_mm512_xor_si512(lo, s0), s0));
    _mm512_storeu_si512(d + 32, _mm512_sub_epi16(_mm512_xor_si512(hi, s1), s1));
}
#endif

/* Every implementation, fastest first (es_block_pack_variants). */
static const es_block_pack_variant s_variants[] = {
#if S_VECTOR
    {"avx512", s_pack_avx512, s_unpack_avx512, s_unpack_move_avx512},
    {"avx2", s_pack_avx2, s_unpack_avx2, s_unpack_move_avx2},
#endif
    {"portable", es_block_pack_portable, es_block_unpack_portable, es_block_unpack_move_portable},
};
#define S_VARIANTS (sizeof s_variants / sizeof s_variants[0])

/* The first of s_variants this CPU runs (building the AVX2 tables when it
 * runs that one). */
static int s_choose(void)
{
#if S_VECTOR
    if (es_cpu_has(ES_CPU_AVX2)) {
        s_build_tables(); /* the AVX-512 CPUs' list has the AVX2 variant too */
        return es_cpu_has(ES_CPU_AVX512_VBMI2) ? 0 : 1;
    }
#endif
    return (int)S_VARIANTS - 1;
}

/* S_UNKNOWN until the first call, which moves it to S_BUILDING, chooses
 * (s_best) and publishes S_CHOSEN + the variant's index; callers meanwhile
 * wait the few microseconds that takes. es_block_pack_use changes it to
 * another index from s_best on. */
enum { S_UNKNOWN, S_BUILDING, S_CHOSEN };
static int s_state, s_best;

static const es_block_pack_variant *s_now(void)
{
    int state = __atomic_load_n(&s_state, __ATOMIC_ACQUIRE);
    if (state >= S_CHOSEN)
        return &s_variants[state - S_CHOSEN];
    int expected = S_UNKNOWN;
    if (__atomic_compare_exchange_n(&s_state, &expected, S_BUILDING, false, __ATOMIC_ACQUIRE, __ATOMIC_ACQUIRE)) {
        s_best = s_choose();
        __atomic_store_n(&s_state, S_CHOSEN + s_best, __ATOMIC_RELEASE);
        return &s_variants[s_best];
    }
    while ((state = __atomic_load_n(&s_state, __ATOMIC_ACQUIRE)) == S_BUILDING)
        continue; /* another thread is building the tables */
    return &s_variants[state - S_CHOSEN];
}

size_t es_block_pack_variants(es_block_pack_variant *out, size_t max)
{
    (void)s_now();
    size_t n = S_VARIANTS - (size_t)s_best;
    for (size_t i = 0; i < n && i < max; i++)
        out[i] = s_variants[(size_t)s_best + i];
    return n;
}

bool es_block_pack_use(const char *name)
{
    (void)s_now();
    for (size_t i = (size_t)s_best; i < S_VARIANTS; i++)
        if (strcmp(s_variants[i].name, name) == 0) {
            __atomic_store_n(&s_state, S_CHOSEN + (int)i, __ATOMIC_RELEASE);
            return true;
        }
    return false;
}

es_block_pack_fn es_block_pack_impl(void) { return s_now()->pack; }

size_t es_block_pack(JCOEF *record, JCOEF *block) { return s_now()->pack(record, block); }

es_block_unpack_move_fn es_block_unpack_move_impl(void) { return s_now()->unpack_move; }

void es_block_unpack(JCOEF *block, uint64_t mask, const JCOEF *values, size_t units)
{
    s_now()->unpack(block, mask, values, units);
}

void es_block_unpack_move(JCOEF *d, uint64_t mask, const JCOEF *values, size_t units, const JCOEF *signs,
                          bool transpose)
{
    s_now()->unpack_move(d, mask, values, units, signs, transpose);
}
