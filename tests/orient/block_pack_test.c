/* block_pack_test.c - src/orient/block_pack.c: for blocks of every number
 * of non-zero coefficients (0 to 64, at random positions, extreme values
 * included, and blocks whose AC values fit a byte, -128 and 127 included)
 * the record written is the one sparse_coefs.h defines (nothing, mask and
 * values lowest position first - narrow when the AC values fit and there are
 * two or more - or the 64 values from ES_SPARSE_DENSE_FROM on), the block
 * is left all zero, nothing is written
 * past ES_BLOCK_PACK_SLACK, and unpacking gives the block back; every
 * implementation this CPU runs (es_block_pack_variants: AVX-512, AVX2, portable) writes and reads exactly what the definition says, and
 * unpacking reads no further than the slack (a record placed
 * at the very end of an allocation: ASan would report it); moving a block
 * (mirror signs, transposition), also straight from a record, gives what
 * the definition written out here gives. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "../harness/test.h"
#include "coef_util.h"
#include "orient/block_pack.h"
#include "orient/sparse_coefs.h"

#define S_SENTINEL ((JCOEF)0x5A5A)
#define S_ROOM (DCTSIZE2 + ES_BLOCK_PACK_SLACK)

static uint32_t s_rng = 4242;

static void s_block(JCOEF *b, int n) { ot_coef_block(b, n, &s_rng); }

/* A block whose AC values all fit a signed byte (the byte's ends among
 * them); its DC keeps any value. */
static void s_small_block(JCOEF *b, int n)
{
    static const JCOEF ends[] = {-128, 127, -1, 1};
    ot_coef_block(b, n, &s_rng);
    for (int k = 1; k < DCTSIZE2; k++) {
        if (!b[k])
            continue;
        uint32_t r = ot_coef_rand(&s_rng);
        JCOEF v = r % 5 == 0 ? ends[(r >> 8) % 4] : (JCOEF)((int)((r >> 8) % 255) - 127);
        b[k] = v ? v : 3; /* still non-zero */
    }
}

static es_block_pack_variant s_variants[OT_PACK_VARIANTS];
static size_t s_count;

typedef size_t (*s_pack_fn)(JCOEF *, JCOEF *);
typedef void (*s_unpack_fn)(JCOEF *, uint64_t, const JCOEF *, size_t);

/* Packs a copy of b with pack, checks the record, the cleared block and the
 * slack, then unpacks it with unpack from the end of an exact allocation. */
static void s_check_pair(const JCOEF *b, s_pack_fn pack, s_unpack_fn unpack, const char *name)
{
    JCOEF want[DCTSIZE2], copy[DCTSIZE2], zero[DCTSIZE2] = {0}, rec[S_ROOM + 8];
    size_t want_len = ot_expected_record(want, b);
    for (size_t i = 0; i < sizeof rec / sizeof rec[0]; i++)
        rec[i] = S_SENTINEL;
    memcpy(copy, b, sizeof copy);
    size_t len = pack(rec, copy);
    if (len != want_len)
        es_test_fail(__FILE__, __LINE__, "%s: record of %zu units, want %zu", name, len, want_len);
    CHECK_MEM_EQ(rec, len * sizeof(JCOEF), want, want_len * sizeof(JCOEF));
    CHECK_MEM_EQ(copy, sizeof copy, zero, sizeof zero);
    for (size_t i = len + ES_BLOCK_PACK_SLACK; i < sizeof rec / sizeof rec[0]; i++)
        CHECK(rec[i] == S_SENTINEL);
    if (len == 0 || len == DCTSIZE2)
        return; /* no mask and values to unpack */
    uint64_t mask;
    memcpy(&mask, rec, sizeof mask);
    size_t n = len - ES_SPARSE_MASK_UNITS;
    JCOEF *end = malloc((n + ES_BLOCK_PACK_SLACK) * sizeof(JCOEF));
    REQUIRE(end);
    memcpy(end, rec + ES_SPARSE_MASK_UNITS, n * sizeof(JCOEF));
    for (size_t i = n; i < n + ES_BLOCK_PACK_SLACK; i++)
        end[i] = S_SENTINEL; /* must not appear in the block */
    JCOEF back[DCTSIZE2];
    unpack(back, mask, end, n);
    CHECK_MEM_EQ(back, sizeof back, b, sizeof back);
    free(end);
}

/* The first use, from several threads at once: one builds the tables, the
 * others wait for them; every thread then packs and unpacks correctly. */
static void *s_first_use(void *arg)
{
    uint32_t state = (uint32_t)(uintptr_t)arg;
    JCOEF b[DCTSIZE2], copy[DCTSIZE2], rec[S_ROOM], want[S_ROOM], back[DCTSIZE2];
    ot_coef_block(b, 17, &state);
    memcpy(copy, b, sizeof copy);
    size_t len = ot_expected_record(want, b);
    bool ok = es_block_pack(rec, copy) == len;
    uint64_t mask;
    memcpy(&mask, rec, sizeof mask);
    es_block_unpack(back, mask, rec + ES_SPARSE_MASK_UNITS, len - ES_SPARSE_MASK_UNITS);
    ok = ok && memcmp(back, b, sizeof back) == 0;
    return ok ? arg : NULL;
}

static void test_first_use_from_threads(void)
{
    pthread_t t[4];
    for (uintptr_t i = 0; i < 4; i++)
        REQUIRE(pthread_create(&t[i], NULL, s_first_use, (void *)(i + 1)) == 0);
    for (uintptr_t i = 0; i < 4; i++) {
        void *ret = NULL;
        REQUIRE(pthread_join(t[i], &ret) == 0);
        CHECK(ret == (void *)(i + 1));
    }
}

/* The list ends with the portable forms, names each implementation once,
 * and es_block_pack_use switches the dispatched functions to each of them
 * (and to no other name). */
static void test_variants(void)
{
    REQUIRE(s_count >= 1 && s_count <= OT_PACK_VARIANTS);
    CHECK_STR_EQ(s_variants[s_count - 1].name, "portable");
    CHECK(s_variants[s_count - 1].pack == es_block_pack_portable);
    CHECK(es_block_pack_impl() == s_variants[0].pack); /* the fastest is chosen */
    for (size_t i = 0; i < s_count; i++) {
        for (size_t j = 0; j < i; j++)
            CHECK(strcmp(s_variants[i].name, s_variants[j].name) != 0);
        REQUIRE(es_block_pack_use(s_variants[i].name));
        CHECK(es_block_pack_impl() == s_variants[i].pack);
        CHECK(es_block_unpack_move_impl() == s_variants[i].unpack_move);
    }
    CHECK(!es_block_pack_use("sse9"));
    CHECK(es_block_pack_impl() == es_block_pack_portable); /* unchanged */
    for (size_t i = 0; i + s_count < OT_PACK_VARIANTS; i++)
        CHECK(!es_block_pack_use(ot_pack_names[i])); /* not on this CPU */
    for (size_t i = 0; i < s_count; i++)
        CHECK_STR_EQ(s_variants[i].name, ot_pack_names[OT_PACK_VARIANTS - s_count + i]);
    REQUIRE(es_block_pack_use(s_variants[0].name));
}

static void test_every_density(void)
{
    for (int round = 0; round < 20; round++)
        for (int n = 0; n <= DCTSIZE2; n++) {
            JCOEF b[DCTSIZE2];
            if (round % 2)
                s_small_block(b, n);
            else
                s_block(b, n);
            for (size_t i = 0; i < s_count; i++)
                s_check_pair(b, s_variants[i].pack, s_variants[i].unpack, s_variants[i].name);
            s_check_pair(b, es_block_pack, es_block_unpack, "dispatched");
            s_check_pair(b, es_block_pack_impl(), es_block_unpack, "chosen");
        }
}

/* Every value of one row's 8 mask bits, in every row (the shuffle tables). */
static void test_every_row_mask(void)
{
    for (int row = 0; row < DCTSIZE; row++)
        for (unsigned m = 0; m < 512; m++) { /* bit 8: small values (the narrow form) */
            JCOEF b[DCTSIZE2] = {0};
            bool small = m & 256;
            for (int lane = 0; lane < 8; lane++)
                if (m >> lane & 1)
                    b[8 * row + lane] = (JCOEF)(small ? -(15 * row + lane + 1) : 100 * row + lane + 1);
            b[row == DCTSIZE - 1 ? 0 : 63] = small ? 1000 : -5; /* a coefficient in another row too */
            if (small)
                b[row == DCTSIZE - 1 ? 1 : 62] = 127;
            for (size_t i = 0; i < s_count; i++)
                s_check_pair(b, s_variants[i].pack, s_variants[i].unpack, s_variants[i].name);
        }
}

/* Moving a whole block and unpacking a record straight into a moved block,
 * for the four sign patterns with and without transposition. */
static void test_move(void)
{
    for (int n = 1; n < 2 * ES_SPARSE_DENSE_FROM; n += 3)
        for (int how = 0; how < 8; how++) {
            const JCOEF *signs = es_block_signs[how & 3];
            bool transpose = how & 4;
            JCOEF b[DCTSIZE2], copy[DCTSIZE2], want[DCTSIZE2], got[DCTSIZE2];
            JCOEF rec[S_ROOM], expected[S_ROOM];
            if (n < ES_SPARSE_DENSE_FROM) /* then the same densities with small values */
                s_block(b, n);
            else
                s_small_block(b, n - ES_SPARSE_DENSE_FROM);
            ot_expected_move(want, b, signs, transpose);
            es_block_move(got, b, signs, transpose);
            CHECK_MEM_EQ(got, sizeof got, want, sizeof want);
            memcpy(copy, b, sizeof copy);
            size_t len = ot_expected_record(expected, b);
            REQUIRE(es_block_pack_portable(rec, copy) == len);
            if (len == 0)
                continue;
            uint64_t mask;
            memcpy(&mask, rec, sizeof mask);
            const JCOEF *values = rec + ES_SPARSE_MASK_UNITS;
            size_t units = len - ES_SPARSE_MASK_UNITS;
            for (size_t i = 0; i < s_count; i++) {
                memset(got, 0x5A, sizeof got);
                s_variants[i].unpack_move(got, mask, values, units, signs, transpose);
                CHECK_MEM_EQ(got, sizeof got, want, sizeof want);
            }
            es_block_unpack_move(got, mask, values, units, signs, transpose);
            CHECK_MEM_EQ(got, sizeof got, want, sizeof want);
        }
    /* the sign patterns themselves: odd columns, odd rows, both */
    for (int k = 0; k < DCTSIZE2; k++) {
        CHECK(es_block_signs[0][k] == 0);
        CHECK(es_block_signs[1][k] == (k % 2 ? -1 : 0));
        CHECK(es_block_signs[2][k] == (k / 8 % 2 ? -1 : 0));
        CHECK(es_block_signs[3][k] == ((k % 2) ^ (k / 8 % 2) ? -1 : 0));
    }
}

static void test_nonzero_mask(void)
{
    JCOEF b[DCTSIZE2] = {0};
    CHECK(es_block_nonzero(b) == 0);
    b[0] = 1;
    b[9] = -32768;
    b[63] = 2;
    CHECK(es_block_nonzero(b) == (UINT64_C(1) | UINT64_C(1) << 9 | UINT64_C(1) << 63));
}

int main(void)
{
    ES_RUN(test_first_use_from_threads); /* first: nothing has used block_pack.c yet */
    s_count = ot_pack_variants(s_variants);
    ES_RUN(test_variants);
    ES_RUN(test_every_density);
    ES_RUN(test_every_row_mask);
    ES_RUN(test_move);
    ES_RUN(test_nonzero_mask);
    return es_test_finish();
}
