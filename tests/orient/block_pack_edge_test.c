/* block_pack_edge_test.c - src/orient/block_pack.c at its edges, every
 * implementation this CPU runs (AVX2 shuffles, the portable loops; the
 * dispatched functions too) against the
 * record and move definitions written out in coef_util.h: one AC coefficient at each of the 63 positions taking
 * each value around the narrow bounds (-129, -128, 127, 128) and the 16-bit
 * ends, among 1, 2, 3, 58, 59, 60, 63 or 64 non-zero coefficients whose
 * other values fit a byte, with a DC of 0, -32768, 32767, -1 or 200; blocks
 * with exactly one or two AC values (the narrow form's threshold) at every
 * pair of positions; random masks row by row; all zero, the DC alone, all
 * 63 AC values without a DC (narrow and not), each byte of the mask full
 * with the rest empty. For each: the record (length,
 * units, bytes), es_block_record_units, the cleared block, nothing written
 * past ES_BLOCK_PACK_SLACK; unpacking and unpacking straight into each of
 * the eight moves (four sign patterns, transposed or not) from a record
 * whose slack ends at a PROT_NONE guard page (a read past the slack faults
 * in every build), and es_block_move of a dense record ending there. */
#include <stdlib.h>

#include "../harness/test.h"
#include "../support/guard_page.h"
#include "coef_util.h"
#include "orient/block_pack.h"
#include "orient/sparse_coefs.h"

#define S_SENTINEL ((JCOEF)0x5A5A)
#define S_ROOM (DCTSIZE2 + ES_BLOCK_PACK_SLACK + 8)

static es_guarded s_guard;
static uint32_t s_rng = 777;

typedef es_block_pack_variant s_impl;

/* es_block_pack_variants' and the dispatched functions */
static s_impl s_impls[OT_PACK_VARIANTS + 1];
static size_t s_impl_count;

/* Reads the record's values from the guarded page's end: values, then the
 * slack (filled with a sentinel that must not show up), then the guard. */
static bool s_check_unpacking(const s_impl *im, const JCOEF *b, const JCOEF *rec, size_t len)
{
    size_t units = len - ES_SPARSE_MASK_UNITS;
    JCOEF *values = (JCOEF *)(void *)es_guarded_tail(&s_guard, (units + ES_BLOCK_PACK_SLACK) * sizeof(JCOEF));
    uint64_t mask;
    memcpy(&mask, rec, sizeof mask);
    memcpy(values, rec + ES_SPARSE_MASK_UNITS, units * sizeof(JCOEF));
    for (size_t i = units; i < units + ES_BLOCK_PACK_SLACK; i++)
        values[i] = S_SENTINEL;
    JCOEF got[DCTSIZE2], want[DCTSIZE2];
    im->unpack(got, mask, values, units);
    if (memcmp(got, b, sizeof got) != 0) {
        es_test_fail(__FILE__, __LINE__, "%s: unpacking a record of %zu units", im->name, len);
        return false;
    }
    for (int how = 0; how < 8; how++) {
        const JCOEF *signs = es_block_signs[how & 3];
        ot_expected_move(want, b, signs, how & 4);
        im->unpack_move(got, mask, values, units, signs, how & 4);
        if (memcmp(got, want, sizeof got) != 0) {
            es_test_fail(__FILE__, __LINE__, "%s: unpack and move %d of a record of %zu units", im->name, how,
                         len);
            return false;
        }
    }
    return true;
}

/* es_block_move of the 64 values of a dense record ending at the guard page. */
static bool s_check_dense_move(const JCOEF *b)
{
    JCOEF *values = (JCOEF *)(void *)es_guarded_tail(&s_guard, DCTSIZE2 * sizeof(JCOEF));
    memcpy(values, b, DCTSIZE2 * sizeof(JCOEF));
    for (int how = 0; how < 8; how++) {
        JCOEF got[DCTSIZE2], want[DCTSIZE2];
        ot_expected_move(want, b, es_block_signs[how & 3], how & 4);
        es_block_move(got, values, es_block_signs[how & 3], how & 4);
        if (memcmp(got, want, sizeof got) != 0) {
            es_test_fail(__FILE__, __LINE__, "es_block_move %d of a dense block", how);
            return false;
        }
    }
    return true;
}

/* Every implementation this CPU runs on block b; false at the first failure. */
static bool s_check(const JCOEF *b)
{
    JCOEF want[DCTSIZE2], zero[DCTSIZE2] = {0};
    size_t want_len = ot_expected_record(want, b);
    if (es_block_record_units(b) != want_len) {
        es_test_fail(__FILE__, __LINE__, "es_block_record_units %zu, want %zu", es_block_record_units(b),
                     want_len);
        return false;
    }
    for (size_t i = 0; i < s_impl_count; i++) {
        const s_impl *im = &s_impls[i];
        JCOEF rec[S_ROOM], copy[DCTSIZE2];
        for (size_t u = 0; u < S_ROOM; u++)
            rec[u] = S_SENTINEL;
        memcpy(copy, b, sizeof copy);
        size_t len = im->pack(rec, copy);
        bool ok = len == want_len && memcmp(rec, want, len * sizeof(JCOEF)) == 0 &&
                  memcmp(copy, zero, sizeof copy) == 0;
        for (size_t u = len + ES_BLOCK_PACK_SLACK; ok && u < S_ROOM; u++)
            ok = rec[u] == S_SENTINEL;
        if (!ok) {
            es_test_fail(__FILE__, __LINE__, "%s: a record of %zu units, want %zu (or its bytes, the slack)",
                         im->name, len, want_len);
            return false;
        }
        if (len == DCTSIZE2 && !s_check_dense_move(b))
            return false;
        if (len != 0 && len != DCTSIZE2 && !s_check_unpacking(im, b, rec, len))
            return false;
    }
    return true;
}

/* n non-zero coefficients at random positions other than `keep` (and the
 * DC), each fitting a byte, -128 and 127 among them. */
static void s_small_others(JCOEF *b, int n, int keep)
{
    static const JCOEF ends[] = {-128, 127, -1, 1, -127, 126};
    for (int set = 0; set < n;) {
        int k = 1 + (int)(ot_coef_rand(&s_rng) % (DCTSIZE2 - 1));
        if (k == keep || b[k])
            continue;
        uint32_t r = ot_coef_rand(&s_rng);
        JCOEF v = r % 3 == 0 ? ends[(r >> 8) % 6] : (JCOEF)((int)((r >> 8) % 255) - 127);
        b[k] = v ? v : 2;
        set++;
    }
}

/* One AC coefficient at each position takes each value around the bounds. */
static void test_bound_values_everywhere(void)
{
    static const JCOEF values[] = {-32768, -32767, -256, -129, -128, -127, -1,   1,
                                   126,    127,    128,  129,  255,  256,  32767};
    static const int counts[] = {1, 2, 3, 58, 59, 60, 63, 64}; /* non-zero, DC included when it is */
    static const JCOEF dcs[] = {0, -32768, 32767, -1, 200};
    int round = 0;
    for (int k = 1; k < DCTSIZE2; k++)
        for (size_t v = 0; v < sizeof values / sizeof values[0]; v++)
            for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++, round++) {
                JCOEF b[DCTSIZE2] = {0};
                b[0] = dcs[round % 5];
                b[k] = values[v];
                if (counts[c] == DCTSIZE2 && !b[0])
                    b[0] = 5; /* 64 non-zero: the DC too */
                int others = counts[c] - 1 - (b[0] != 0);
                s_small_others(b, others > 0 ? others : 0, k);
                if (!s_check(b))
                    return;
            }
}

/* One or two AC values (narrow from two on) at every pair of positions,
 * with and without a DC, fitting a byte or not. */
static void test_one_and_two_ac_values(void)
{
    for (int j = 1; j < DCTSIZE2; j++)
        for (int k = j; k < DCTSIZE2; k++)
            for (int form = 0; form < 4; form++) {
                JCOEF b[DCTSIZE2] = {0};
                b[0] = form & 1 ? -32768 : 0;
                b[j] = form & 2 ? 128 : -128;
                b[k] = 127;
                if (!s_check(b))
                    return;
            }
}

/* Each row's 8 mask bits drawn at random with a density of its own. */
static void test_random_row_masks(void)
{
    for (int round = 0; round < 20000; round++) {
        JCOEF b[DCTSIZE2] = {0};
        bool small = round % 2;
        for (int r = 0; r < DCTSIZE; r++) {
            unsigned density = ot_coef_rand(&s_rng) % 9;
            for (int c = 0; c < DCTSIZE; c++)
                if (ot_coef_rand(&s_rng) % 8 < density)
                    b[8 * r + c] = small ? (JCOEF)((int)(ot_coef_rand(&s_rng) % 255) - 127)
                                         : ot_coef_value(&s_rng);
        }
        if (!s_check(b))
            return;
    }
}

/* Blocks named by the edges of the record forms. */
static void test_special_blocks(void)
{
    static const JCOEF dcs[] = {0, 1, -1, 127, -128, 128, -129, 32767, -32768};
    for (size_t d = 0; d < sizeof dcs / sizeof dcs[0]; d++) {
        JCOEF b[DCTSIZE2] = {0};
        b[0] = dcs[d]; /* the DC alone (all zero for 0) */
        if (!s_check(b))
            return;
        for (int form = 0; form < 4; form++) { /* 63 AC values: narrow, one at 128, at -129, 16-bit */
            for (int k = 1; k < DCTSIZE2; k++)
                b[k] = form == 3 ? (JCOEF)(300 * k - 9001) : (JCOEF)(k % 2 ? -128 + k : 127 - k);
            if (form == 1)
                b[1 + (int)d * 7] = 128;
            if (form == 2)
                b[62 - (int)d * 7] = -129;
            if (!s_check(b))
                return;
        }
    }
    for (int byte = 0; byte < 8; byte++) /* each byte of the mask full, the others empty */
        for (int form = 0; form < 4; form++) {
            JCOEF b[DCTSIZE2] = {0};
            for (int k = 8 * byte; k < 8 * byte + 8; k++)
                b[k] = form & 1 ? (JCOEF)(k % 2 ? 127 : -128) : (JCOEF)(k % 2 ? 128 : -129);
            if (form & 2)
                b[0] = 0; /* no DC for byte 0 */
            if (!s_check(b))
                return;
        }
}

int main(void)
{
    es_block_pack_variant variants[OT_PACK_VARIANTS];
    s_impl_count = ot_pack_variants(variants);
    for (size_t i = 0; i < s_impl_count; i++)
        s_impls[i] = variants[i];
    s_impls[s_impl_count++] = (s_impl){"dispatched", es_block_pack, es_block_unpack, es_block_unpack_move};
    if (!es_guarded_init(&s_guard, 2 * DCTSIZE2 * sizeof(JCOEF))) {
        printf("# no guarded mapping\n");
        return 1;
    }
    ES_RUN(test_bound_values_everywhere);
    ES_RUN(test_one_and_two_ac_values);
    ES_RUN(test_random_row_masks);
    ES_RUN(test_special_blocks);
    es_guarded_free(&s_guard);
    return es_test_finish();
}
