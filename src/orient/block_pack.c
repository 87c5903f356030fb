/* block_pack.c - packing and unpacking one block of coefficients
 * (block_pack.h). The vector forms need two tables of 256 byte shuffles,
 * one per value of a row's 8 mask bits: s_unpack_shuffles[m] moves the
 * row's packed values to the lanes set in m and zeroes the rest,
 * s_pack_shuffles[m] gathers the lanes set in m to the front. They are
 * built on first use (pthread_once; the mode is published with release /
 * acquire so a thread that sees it also sees the tables). */
#include <pthread.h>
#include <string.h>

#include "common/cpu.h"
#include "orient/block_pack.h"
#include "orient/sparse_coefs.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
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

size_t es_block_pack_portable(JCOEF *record, JCOEF *block)
{
    uint64_t mask = es_block_nonzero(block);
    if (!mask)
        return 0; /* already zero */
    size_t n = 0;
    for (uint64_t m = mask; m; m &= m - 1)
        n++;
    if (n >= ES_SPARSE_DENSE_FROM) {
        memcpy(record, block, DCTSIZE2 * sizeof(JCOEF));
        memset(block, 0, DCTSIZE2 * sizeof(JCOEF));
        return DCTSIZE2;
    }
    memcpy(record, &mask, sizeof mask);
    JCOEF *values = record + ES_SPARSE_MASK_UNITS;
    for (uint64_t m = mask; m; m &= m - 1) {
        unsigned k = (unsigned)__builtin_ctzll(m);
        *values++ = block[k];
        block[k] = 0;
    }
    return ES_SPARSE_MASK_UNITS + n;
}

void es_block_unpack_portable(JCOEF *block, uint64_t mask, const JCOEF *values)
{
    memset(block, 0, DCTSIZE2 * sizeof(JCOEF));
    for (uint64_t m = mask; m; m &= m - 1)
        block[__builtin_ctzll(m)] = *values++;
}

#if S_VECTOR
static uint8_t s_unpack_shuffles[256][16], s_pack_shuffles[256][16];
static pthread_once_t s_tables_once = PTHREAD_ONCE_INIT;

static void s_build_tables(void)
{
    for (unsigned m = 0; m < 256; m++) {
        memset(s_unpack_shuffles[m], 0x80, 16); /* a set high bit makes the lane zero */
        memset(s_pack_shuffles[m], 0x80, 16);
        unsigned packed = 0;
        for (unsigned lane = 0; lane < 8; lane++) {
            if (!(m >> lane & 1))
                continue;
            s_unpack_shuffles[m][2 * lane] = (uint8_t)(2 * packed);
            s_unpack_shuffles[m][2 * lane + 1] = (uint8_t)(2 * packed + 1);
            s_pack_shuffles[m][2 * packed] = (uint8_t)(2 * lane);
            s_pack_shuffles[m][2 * packed + 1] = (uint8_t)(2 * lane + 1);
            packed++;
        }
    }
}

/* 0: not asked yet, 1: portable, 2: vector. */
static int s_mode;

static int s_mode_now(void)
{
    int mode = __atomic_load_n(&s_mode, __ATOMIC_ACQUIRE);
    if (mode)
        return mode;
    mode = 1;
    if (es_cpu_has(ES_CPU_AVX2) && pthread_once(&s_tables_once, s_build_tables) == 0)
        mode = 2;
    __atomic_store_n(&s_mode, mode, __ATOMIC_RELEASE);
    return mode;
}

bool es_block_pack_vector_ok(void) { return s_mode_now() == 2; }

/* Where row r's values start among the packed ones: the set bits of the
 * rows above (each found on its own, no chain from row to row). */
#define S_ROW_START(mask, r) ((size_t)_mm_popcnt_u64((mask) & ((UINT64_C(1) << (8 * (r))) - 1)))

__attribute__((target("avx2,popcnt"))) size_t es_block_pack_vector(JCOEF *record, JCOEF *block)
{
    __m128i row[DCTSIZE], zero = _mm_setzero_si128();
    uint64_t mask = 0;
    for (int r = 0; r < DCTSIZE; r++) {
        row[r] = _mm_loadu_si128((const __m128i *)(const void *)(block + 8 * r));
        __m128i is_zero = _mm_packs_epi16(_mm_cmpeq_epi16(row[r], zero), zero);
        mask |= (uint64_t)(~_mm_movemask_epi8(is_zero) & 0xFF) << (8 * r);
    }
    if (!mask)
        return 0; /* already zero */
    size_t n = (size_t)_mm_popcnt_u64(mask);
    if (n >= ES_SPARSE_DENSE_FROM) {
        for (int r = 0; r < DCTSIZE; r++)
            _mm_storeu_si128((__m128i *)(void *)(record + 8 * r), row[r]);
    } else {
        memcpy(record, &mask, sizeof mask);
        JCOEF *values = record + ES_SPARSE_MASK_UNITS;
        for (int r = 0; r < DCTSIZE; r++) {
            unsigned m = (unsigned)(mask >> (8 * r)) & 0xFFu;
            __m128i shuffle = _mm_loadu_si128((const __m128i *)(const void *)s_pack_shuffles[m]);
            _mm_storeu_si128((__m128i *)(void *)(values + S_ROW_START(mask, r)),
                             _mm_shuffle_epi8(row[r], shuffle));
        }
    }
    /* four explicit stores (a loop here is turned into a slow `rep stos`) */
    __m256i *b = (__m256i *)(void *)block;
    _mm256_storeu_si256(b, _mm256_setzero_si256());
    _mm256_storeu_si256(b + 1, _mm256_setzero_si256());
    _mm256_storeu_si256(b + 2, _mm256_setzero_si256());
    _mm256_storeu_si256(b + 3, _mm256_setzero_si256());
    return n >= ES_SPARSE_DENSE_FROM ? DCTSIZE2 : ES_SPARSE_MASK_UNITS + n;
}

__attribute__((target("avx2,popcnt"))) void es_block_unpack_vector(JCOEF *block, uint64_t mask,
                                                                   const JCOEF *values)
{
    for (int r = 0; r < DCTSIZE; r++) {
        unsigned m = (unsigned)(mask >> (8 * r)) & 0xFFu;
        __m128i shuffle = _mm_loadu_si128((const __m128i *)(const void *)s_unpack_shuffles[m]);
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(values + S_ROW_START(mask, r)));
        _mm_storeu_si128((__m128i *)(void *)(block + 8 * r), _mm_shuffle_epi8(v, shuffle));
    }
}
#else
bool es_block_pack_vector_ok(void) { return false; }

size_t es_block_pack_vector(JCOEF *record, JCOEF *block) { return es_block_pack_portable(record, block); }

void es_block_unpack_vector(JCOEF *block, uint64_t mask, const JCOEF *values)
{
    es_block_unpack_portable(block, mask, values);
}

static int s_mode_now(void) { return 1; }
#endif

size_t es_block_pack(JCOEF *record, JCOEF *block)
{
    return s_mode_now() == 2 ? es_block_pack_vector(record, block) : es_block_pack_portable(record, block);
}

void es_block_unpack(JCOEF *block, uint64_t mask, const JCOEF *values)
{
    if (s_mode_now() == 2)
        es_block_unpack_vector(block, mask, values);
    else
        es_block_unpack_portable(block, mask, values);
}
