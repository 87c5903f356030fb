/* huff_util.h - reads a JPEG's coefficients with jpeg_read_coefficients from
 * memory, either with libjpeg-turbo's own Huffman decoder or with
 * huff_decode.c's put in its place (the way lossless.c does: from the first
 * request_virt_barray), for the tests that compare the two (header-only,
 * static). A warning stops the read like an error (lossless.c's rule). */
#ifndef ES_TESTS_ORIENT_HUFF_UTIL_H
#define ES_TESTS_ORIENT_HUFF_UTIL_H

#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h> /* jpeglib.h needs FILE */
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>

#include "orient/huff_decode.h"

typedef enum hu_result {
    HU_OK,
    HU_FAILED,  /* libjpeg's error or warning */
    HU_GAVE_UP, /* huff_decode.c gave up */
    HU_SKIPPED, /* not a source to compare: not sequential Huffman, too large, ... */
} hu_result;

typedef struct hu_coefs {
    int n;                        /* components */
    size_t count[MAX_COMPONENTS]; /* blocks of each */
    JCOEF *blocks[MAX_COMPONENTS];
    bool installed; /* huff_decode.c decoded it */
} hu_coefs;

typedef struct hu_run {
    struct jpeg_error_mgr err; /* first */
    jmp_buf jump;
    hu_result failure;
    char msg[JMSG_LENGTH_MAX];
    bool fast, installed;
    jvirt_barray_ptr (*request)(j_common_ptr, int, boolean, JDIMENSION, JDIMENSION, JDIMENSION);
    struct jpeg_decompress_struct d; /* here, not on the stack: nothing a longjmp clobbers */
} hu_run;

static void hu_error_exit(j_common_ptr c)
{
    hu_run *r = (hu_run *)(void *)c->err;
    (*c->err->format_message)(c, r->msg);
    r->failure = HU_FAILED;
    longjmp(r->jump, 1);
}

static void hu_emit(j_common_ptr c, int level)
{
    if (level < 0)
        hu_error_exit(c);
}

static void hu_give_up(j_decompress_ptr d)
{
    hu_run *r = (hu_run *)(void *)d->err;
    r->failure = HU_GAVE_UP;
    longjmp(r->jump, 1);
}

static jvirt_barray_ptr hu_request(j_common_ptr c, int pool, boolean pre_zero, JDIMENSION w, JDIMENSION h,
                                   JDIMENSION rows)
{
    hu_run *r = (hu_run *)(void *)c->err;
    if (r->fast && !r->installed)
        r->installed = es_huff_decode_install((j_decompress_ptr)c, hu_give_up);
    return r->request(c, pool, pre_zero, w, h, rows);
}

static void hu_free(hu_coefs *out)
{
    for (int ci = 0; ci < MAX_COMPONENTS; ci++)
        free(out->blocks[ci]);
    memset(out, 0, sizeof *out);
}

/* Reads every coefficient into out (hu_free it). max_blocks: larger frames are
 * HU_SKIPPED (fuzzed headers may claim huge ones). */
static hu_result hu_read(const uint8_t *jpeg, size_t len, bool fast, uint64_t max_blocks, hu_coefs *out,
                         char *msg, size_t msg_size)
{
    memset(out, 0, sizeof *out);
    hu_run *r = calloc(1, sizeof *r);
    if (!r)
        return HU_SKIPPED;
    j_decompress_ptr d = &r->d;
    d->err = jpeg_std_error(&r->err);
    r->err.error_exit = hu_error_exit;
    r->err.emit_message = hu_emit;
    r->fast = fast;
    jpeg_create_decompress(d);
    if (setjmp(r->jump)) {
        hu_free(out);
        snprintf(msg, msg_size, "%s", r->msg);
        hu_result failure = r->failure;
        jpeg_destroy_decompress(&r->d);
        free(r);
        return failure;
    }
    jpeg_mem_src(d, jpeg, (unsigned long)len);
    jpeg_read_header(d, TRUE);
    uint64_t blocks = 0;
    for (int ci = 0; ci < d->num_components; ci++)
        blocks += (uint64_t)d->comp_info[ci].width_in_blocks * d->comp_info[ci].height_in_blocks;
    if (blocks > max_blocks) {
        r->failure = HU_SKIPPED;
        goto done;
    }
    r->request = d->mem->request_virt_barray;
    d->mem->request_virt_barray = hu_request;
    jvirt_barray_ptr *arrays = jpeg_read_coefficients(d);
    if (!arrays) {
        r->failure = HU_FAILED;
        goto done;
    }
    out->n = d->num_components;
    out->installed = r->installed;
    for (int ci = 0; ci < d->num_components; ci++) {
        const jpeg_component_info *c = &d->comp_info[ci];
        out->count[ci] = (size_t)c->width_in_blocks * c->height_in_blocks;
        out->blocks[ci] = malloc(out->count[ci] * sizeof(JBLOCK) + 1);
        if (!out->blocks[ci]) {
            r->failure = HU_SKIPPED;
            goto done;
        }
        for (JDIMENSION row = 0; row < c->height_in_blocks; row++) {
            JBLOCKARRAY a = d->mem->access_virt_barray((j_common_ptr)d, arrays[ci], row, 1, FALSE);
            memcpy(out->blocks[ci] + (size_t)row * c->width_in_blocks * DCTSIZE2, a[0],
                   (size_t)c->width_in_blocks * sizeof(JBLOCK));
        }
    }
    jpeg_finish_decompress(d);
done:
    snprintf(msg, msg_size, "%s", r->msg);
    jpeg_destroy_decompress(d);
    hu_result rc = r->failure;
    free(r);
    if (rc != HU_OK)
        hu_free(out);
    return rc;
}

/* The first difference of a and b, or -1 when they are equal. */
static long hu_diff(const hu_coefs *a, const hu_coefs *b)
{
    if (a->n != b->n)
        return 0;
    for (int ci = 0; ci < a->n; ci++) {
        if (a->count[ci] != b->count[ci])
            return 0;
        for (size_t i = 0; i < a->count[ci] * DCTSIZE2; i++)
            if (a->blocks[ci][i] != b->blocks[ci][i])
                return (long)i;
    }
    return -1;
}

#endif
