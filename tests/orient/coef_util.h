/* coef_util.h - random DCT blocks for the coefficient store tests
 * (header-only, static): a block with exactly n non-zero coefficients at
 * random positions, values from -1000..1000 and the extremes (-32768,
 * 32767, +-1, +-2048), from a deterministic xorshift32 state; and what
 * sparse_coefs.h and block_pack.h define a block's record and its moved
 * forms to be, written out here; the block_pack.c implementations to test. */
#ifndef ES_TESTS_ORIENT_COEF_UTIL_H
#define ES_TESTS_ORIENT_COEF_UTIL_H

#include <stdint.h>
#include <stdio.h> /* jpeglib.h needs FILE */
#include <string.h>

#include <jpeglib.h>

#include "../harness/test.h"
#include "../support/xorshift.h"
#include "orient/block_pack.h"
#include "orient/sparse_coefs.h"

static inline uint32_t ot_coef_rand(uint32_t *state) { return es_xorshift32(state); }

/* A non-zero coefficient. */
static inline JCOEF ot_coef_value(uint32_t *state)
{
    static const JCOEF extremes[] = {-32768, 32767, -1, 1, -2048, 2047};
    uint32_t r = ot_coef_rand(state);
    JCOEF v = r % 4 == 0 ? extremes[(r >> 8) % 6] : (JCOEF)((int)((r >> 8) % 2001) - 1000);
    return v ? v : 1;
}

/* b: exactly n (0..64) non-zero coefficients at random positions. */
static inline void ot_coef_block(JCOEF *b, int n, uint32_t *state)
{
    memset(b, 0, DCTSIZE2 * sizeof(JCOEF));
    for (int set = 0; set < n;) {
        unsigned k = ot_coef_rand(state) % DCTSIZE2;
        if (!b[k]) {
            b[k] = ot_coef_value(state);
            set++;
        }
    }
}

/* The record sparse_coefs.h defines for b, written out here. */
static inline size_t ot_expected_record(JCOEF *rec, const JCOEF *b)
{
    uint64_t mask = 0;
    size_t n = 0;
    bool fit = true;
    for (int k = 0; k < DCTSIZE2; k++)
        if (b[k]) {
            mask |= UINT64_C(1) << k;
            n++;
            fit &= k == 0 || (b[k] >= -128 && b[k] <= 127);
        }
    if (n == 0)
        return 0;
    if (n >= ES_SPARSE_DENSE_FROM) {
        memcpy(rec, b, DCTSIZE2 * sizeof(JCOEF));
        return DCTSIZE2;
    }
    memcpy(rec, &mask, sizeof mask);
    size_t ac = n - (b[0] != 0);
    if (!fit || ac < 2) {
        for (int k = 0, v = 0; k < DCTSIZE2; k++)
            if (b[k])
                rec[ES_SPARSE_MASK_UNITS + v++] = b[k];
        return ES_SPARSE_MASK_UNITS + n;
    }
    size_t units = ES_SPARSE_MASK_UNITS;
    if (b[0])
        rec[units++] = b[0];
    uint8_t bytes[DCTSIZE2 + 1] = {0};
    for (int k = 1, v = 0; k < DCTSIZE2; k++)
        if (b[k])
            bytes[v++] = (uint8_t)(b[k] & 0xFF);
    memcpy(rec + units, bytes, (ac + 1) / 2 * sizeof(JCOEF));
    return units + (ac + 1) / 2;
}

/* d from s as a mirror/transposition defines it: coefficient (row i,
 * column j) of d is s's (i, j), or (j, i) when transposed, negated where
 * signs says so. */
static inline void ot_expected_move(JCOEF *d, const JCOEF *s, const JCOEF *signs, bool transpose)
{
    for (int i = 0; i < DCTSIZE; i++)
        for (int j = 0; j < DCTSIZE; j++) {
            JCOEF v = transpose ? s[8 * j + i] : s[8 * i + j];
            d[8 * i + j] = signs[8 * i + j] ? (JCOEF)(0 - (uint16_t)v) : v;
        }
}

/* Every block_pack.c implementation: the most there are, fastest first (a
 * CPU without one lacks the faster ones too). */
#define OT_PACK_VARIANTS 3
static const char *const ot_pack_names[OT_PACK_VARIANTS] = {"avx512", "avx2", "portable"};

/* Stores the implementations this CPU runs into out (OT_PACK_VARIANTS) and
 * returns how many; prints them and those skipped (not on this CPU). */
static inline size_t ot_pack_variants(es_block_pack_variant *out)
{
    size_t n = es_block_pack_variants(out, OT_PACK_VARIANTS);
    printf("# block_pack implementations tested:");
    for (size_t i = 0; i < n; i++)
        printf(" %s", out[i].name);
    for (size_t i = 0; i + n < OT_PACK_VARIANTS; i++)
        printf("%s%s", i ? " " : "; skipped (this CPU or build lacks it): ", ot_pack_names[i]);
    printf("\n");
    return n;
}

/* A test function and its name (OT_TEST(fn)) for ot_run_per_pack_variant. */
typedef struct ot_named_test {
    const char *name;
    void (*fn)(void);
} ot_named_test;
#define OT_TEST(fn) \
    {               \
#fn, fn     \
    }

/* Runs the n tests through every block_pack.c implementation this CPU runs
 * in turn (es_block_pack_use, printed); false when one cannot be chosen
 * (the caller fails). */
static inline bool ot_run_per_pack_variant(const ot_named_test *tests, size_t n)
{
    es_block_pack_variant v[OT_PACK_VARIANTS];
    size_t count = ot_pack_variants(v);
    for (size_t i = 0; i < count; i++) {
        bool ok = es_block_pack_use(v[i].name);
        printf("# %s block_pack %s\n", ok ? "through" : "FAILED: cannot use", v[i].name);
        if (!ok)
            return false;
        for (size_t t = 0; t < n; t++)
            es_test_run(tests[t].name, tests[t].fn);
    }
    return true;
}

#endif
