/* simd_diff_fuzz.c - differential fuzz target for the hand-vectorised code.
 *
 * Target Functions: es_crc_update (PCLMULQDQ / VPCLMULQDQ folding) and
 * es_crc_update_pclmul (128-bit folding only) against es_crc_update_portable, continued at a split point and combined
 * (es_crc_combine), for the three CRC kinds; every es_jpeg_scan_variants
 * version against es_jpeg_scan_entropy_portable; every es_block_pack_variants
 * implementation (AVX2 where the CPU runs it) of packing,
 * unpacking and unpacking into a moved block against the portable forms on
 * blocks read from the input (a mask, then its values: 16-bit or single
 * bytes).
 *
 * The first bytes choose the alignment (0-63), the split point and a move;
 * the rest is copied to that alignment of an allocation that ends right
 * after it (ASan reports any read past the end). Any disagreement aborts. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/crc.h"
#include "jpeg/scan.h"
#include "orient/block_pack.h"
#include "orient/sparse_coefs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void s_die(const char *what, size_t a, size_t b)
{
    fprintf(stderr, "simd_diff_fuzz: %s (%zu, %zu)\n", what, a, b);
    abort();
}

static void s_crc(const uint8_t *p, size_t n, size_t cut)
{
    for (int k = 0; k < ES_CRC_KINDS; k++) {
        es_crc_kind kind = (es_crc_kind)k;
        uint64_t whole = es_crc_update_portable(kind, 0, p, n);
        if (es_crc_update(kind, 0, p, n) != whole)
            s_die("crc: fast != portable", (size_t)k, n);
        if (es_crc_update_pclmul(kind, 0, p, n) != whole)
            s_die("crc: 128-bit folding != portable", (size_t)k, n);
        uint64_t a = es_crc_update(kind, 0, p, cut), b = es_crc_update(kind, 0, p + cut, n - cut);
        if (es_crc_update(kind, a, p + cut, n - cut) != whole)
            s_die("crc: continued at a cut", (size_t)k, cut);
        if (es_crc_combine(kind, a, b, n - cut) != whole)
            s_die("crc: combined at a cut", (size_t)k, cut);
    }
}

static void s_scan(const uint8_t *p, size_t n)
{
    es_jpeg_scan_variant v[4];
    size_t count = es_jpeg_scan_variants(v, sizeof v / sizeof v[0]), want = es_jpeg_scan_entropy_portable(p, n);
    for (size_t i = 0; i < count && i < sizeof v / sizeof v[0]; i++)
        if (v[i].scan(p, n) != want)
            s_die(v[i].name, n, want);
    if (es_jpeg_scan_entropy(p, n) != want)
        s_die("scan: dispatched", n, want);
}

static void s_die_block(const es_block_pack_variant *v, const char *what, size_t a)
{
    fprintf(stderr, "simd_diff_fuzz: block_pack %s: %s (%zu)\n", v->name, what, a);
    abort();
}

/* Packs and unpacks block b (64 coefficients) with the portable forms and
 * with v; move picks a sign pattern and transposition. */
static void s_block(const es_block_pack_variant *v, const JCOEF *b, unsigned move)
{
    JCOEF rec_p[DCTSIZE2 + ES_BLOCK_PACK_SLACK], rec_v[DCTSIZE2 + ES_BLOCK_PACK_SLACK];
    JCOEF copy_p[DCTSIZE2], copy_v[DCTSIZE2], zero[DCTSIZE2] = {0};
    memcpy(copy_p, b, sizeof copy_p);
    memcpy(copy_v, b, sizeof copy_v);
    size_t len = es_block_pack_portable(rec_p, copy_p);
    if (v->pack(rec_v, copy_v) != len || memcmp(rec_p, rec_v, len * sizeof(JCOEF)) != 0)
        s_die_block(v, "packed records differ", len);
    if (memcmp(copy_v, zero, sizeof zero) != 0)
        s_die_block(v, "block not cleared", len);
    if (es_block_record_units(b) != len)
        s_die("block: record units", len, es_block_record_units(b));
    if (len == 0 || len == DCTSIZE2)
        return;
    uint64_t mask;
    memcpy(&mask, rec_p, sizeof mask);
    size_t units = len - ES_SPARSE_MASK_UNITS;
    JCOEF *values = malloc((units + ES_BLOCK_PACK_SLACK) * sizeof(JCOEF)); /* the slack and no more */
    if (!values)
        s_die("out of memory", 0, 0);
    memcpy(values, rec_p + ES_SPARSE_MASK_UNITS, units * sizeof(JCOEF));
    memset(values + units, 0x5A, ES_BLOCK_PACK_SLACK * sizeof(JCOEF));
    JCOEF got_p[DCTSIZE2], got_v[DCTSIZE2];
    es_block_unpack_portable(got_p, mask, values, units);
    v->unpack(got_v, mask, values, units);
    if (memcmp(got_p, b, sizeof got_p) != 0 || memcmp(got_v, b, sizeof got_v) != 0)
        s_die_block(v, "unpacked", len);
    const JCOEF *signs = es_block_signs[move & 3];
    es_block_unpack_move_portable(got_p, mask, values, units, signs, move & 4);
    v->unpack_move(got_v, mask, values, units, signs, move & 4);
    if (memcmp(got_p, got_v, sizeof got_p) != 0)
        s_die_block(v, "unpacked and moved", move);
    free(values);
}

/* The next block from the input: a 64-bit mask of its non-zero positions,
 * a flag byte (bit 0: the values are single signed bytes, so the narrow form
 * is likely), then each value; false when the input has run out. */
static bool s_next_block(const uint8_t **p, size_t *left, JCOEF *b)
{
    if (*left < 9)
        return false;
    uint64_t mask;
    memcpy(&mask, *p, sizeof mask);
    bool bytes = (*p)[8] & 1;
    *p += 9;
    *left -= 9;
    memset(b, 0, DCTSIZE2 * sizeof(JCOEF));
    for (int k = 0; k < DCTSIZE2 && *left >= (bytes ? 1u : 2u); k++) {
        if (!(mask >> k & 1))
            continue;
        b[k] = bytes ? (JCOEF)(int8_t)(*p)[0] : (JCOEF)(uint16_t)((*p)[0] | (*p)[1] << 8);
        *p += bytes ? 1 : 2;
        *left -= bytes ? 1 : 2;
    }
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3)
        return 0;
    size_t align = data[0] % 64, n = size - 3, cut = n ? ((size_t)data[1] << 8 | data[2]) % (n + 1) : 0;
    unsigned move = data[0] >> 6 | (data[1] & 1) << 2;
    uint8_t *block = malloc(align + n ? align + n : 1), *p = block + align; /* ends right after the input */
    if (!block)
        s_die("out of memory", 0, 0);
    memcpy(p, data + 3, n);
    s_crc(p, n, cut);
    s_scan(p, n);
    es_block_pack_variant v[4];
    size_t variants = es_block_pack_variants(v, sizeof v / sizeof v[0]);
    if (variants > sizeof v / sizeof v[0])
        s_die("block: variants", variants, 0);
    const uint8_t *at = data + 3;
    size_t left = n;
    JCOEF b[DCTSIZE2];
    for (int i = 0; i < 32 && s_next_block(&at, &left, b); i++)
        for (size_t k = 0; k + 1 < variants; k++) /* the last is the portable one */
            s_block(&v[k], b, move);
    free(block);
    return 0;
}
