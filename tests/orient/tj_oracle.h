/* tj_oracle.h - libjpeg-turbo's tjTransform as the oracle of the product's
 * lossless transform (src/orient/lossless.c), which must give the very same
 * bytes: tjTransform is what the product called before, with the same
 * options (trim, no markers copied, progressive kept, stop on warnings, at
 * most 500 scans). Header-only (static) for the orientation tests; also
 * their photo of random pixels (dense blocks, large coefficients). */
#ifndef ES_TESTS_ORIENT_TJ_ORACLE_H
#define ES_TESTS_ORIENT_TJ_ORACLE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <turbojpeg.h>

#include "common/block_cache.h"
#include "exifstrip/orient.h"
#include "orient/lossless.h"
#include "../harness/test.h"

/* tjTransform of jpeg by op with the product's options. Returns 0 and a
 * tjAlloc'd *out (free with tjFree), or -1 (*out NULL). */
static inline int ot_tj_transform(const uint8_t *jpeg, size_t len, es_orient_op op, bool progressive,
                                  unsigned char **out, unsigned long *out_len)
{
    static const int tj_ops[] = {
        [ES_ORIENT_OP_NONE] = TJXOP_NONE,
        [ES_ORIENT_OP_FLIP_H] = TJXOP_HFLIP,
        [ES_ORIENT_OP_ROT180] = TJXOP_ROT180,
        [ES_ORIENT_OP_FLIP_V] = TJXOP_VFLIP,
        [ES_ORIENT_OP_TRANSPOSE] = TJXOP_TRANSPOSE,
        [ES_ORIENT_OP_ROT90] = TJXOP_ROT90,
        [ES_ORIENT_OP_TRANSVERSE] = TJXOP_TRANSVERSE,
        [ES_ORIENT_OP_ROT270] = TJXOP_ROT270,
    };
    *out = NULL;
    *out_len = 0;
    tjhandle tj = tjInitTransform();
    if (!tj)
        return -1;
    tjtransform xf;
    memset(&xf, 0, sizeof xf);
    xf.op = tj_ops[op];
    xf.options = TJXOPT_TRIM | TJXOPT_COPYNONE | (progressive ? TJXOPT_PROGRESSIVE : 0);
    int rc = tjTransform(tj, jpeg, (unsigned long)len, 1, out, out_len, &xf,
                         TJFLAG_LIMITSCANS | TJFLAG_STOPONWARNING);
    tjDestroy(tj);
    if (rc != 0) {
        tjFree(*out);
        *out = NULL;
        *out_len = 0;
    }
    return rc;
}

/* Random pixels compressed at quality 100 with tjCompress2's flags
 * (TJFLAG_PROGRESSIVE: optimised Huffman tables, so a baseline transform of
 * it, coded with the standard tables, comes out about a third longer).
 * tjAlloc'd (tjFree), or NULL. */
static inline unsigned char *ot_noise_jpeg(int w, int h, int subsamp, int flags, unsigned long *len)
{
    unsigned char *pix = malloc((size_t)w * h * 3);
    if (!pix)
        return NULL;
    uint32_t x = 2463534242u;
    for (size_t i = 0; i < (size_t)w * h * 3; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        pix[i] = (unsigned char)x;
    }
    tjhandle tj = tjInitCompress();
    unsigned char *jpeg = NULL;
    *len = 0;
    if (tj && tjCompress2(tj, pix, w, 0, h, TJPF_RGB, &jpeg, len, subsamp, 100, flags) != 0) {
        tjFree(jpeg);
        jpeg = NULL;
    }
    if (tj)
        tjDestroy(tj);
    free(pix);
    return jpeg;
}

/* Checks that es_orient_lossless and tjTransform agree on jpeg transformed by
 * op: the same bytes, or both refuse. Returns 1 when both transformed it, 0
 * when both refused, -1 on a failed check. */
static inline int ot_check_same_as_tj(const char *name, const uint8_t *jpeg, size_t len, es_orient_op op,
                                      bool progressive)
{
    uint8_t *mine = NULL;
    size_t mine_len = 0;
    unsigned char *ref = NULL;
    unsigned long ref_len = 0;
    es_error err = {0};
    es_orient_lossless_job *job = NULL;
    bool ok = es_orient_lossless(jpeg, len, op, progressive, &mine, &mine_len, &job, &err) == ES_OK;
    if (job) /* released by the time it returns, whatever happened */
        es_test_fail(__FILE__, __LINE__, "%s: es_orient_lossless left its job in the slot", name);
    bool ref_ok = ot_tj_transform(jpeg, len, op, progressive, &ref, &ref_len) == 0;
    const char *how = progressive ? " progressive" : "";
    int result = ok ? 1 : 0;
    if (ok != ref_ok) {
        es_test_fail(__FILE__, __LINE__, "%s %s%s: es_orient_lossless %s (%s) but tjTransform %s", name,
                     es_orient_op_name(op), how, ok ? "transformed it" : "refused it", ok ? "" : err.msg,
                     ref_ok ? "transformed it" : "refused it");
        result = -1;
    } else if (ok && (mine_len != ref_len || memcmp(mine, ref, mine_len) != 0)) {
        size_t at = 0;
        while (at < mine_len && at < ref_len && mine[at] == ref[at])
            at++;
        es_test_fail(__FILE__, __LINE__, "%s %s%s: %zu bytes, tjTransform %lu; first difference at offset %zu",
                     name, es_orient_op_name(op), how, mine_len, ref_len, at);
        result = -1;
    }
    es_block_free(mine);
    tjFree(ref);
    return result;
}

#endif
