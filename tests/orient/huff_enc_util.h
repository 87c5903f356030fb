/* huff_enc_util.h - writes a JPEG's coefficients again (jpeg_read_coefficients,
 * then jpeg_write_coefficients with the standard tables), each block
 * optionally replaced by a caller's fill function, with libjpeg-turbo's own
 * Huffman encoder or with huff_encode.c's put in its place, for the tests
 * that compare the two (header-only, static). Options: a restart interval,
 * one scan per component, a destination handing out tiny windows (else
 * windows of 64 KiB; never jpeg_mem_dest, whose buffer cannot be freed
 * after an error once it has grown). */
#ifndef ES_TESTS_ORIENT_HUFF_ENC_UTIL_H
#define ES_TESTS_ORIENT_HUFF_ENC_UTIL_H

#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h> /* jpeglib.h needs FILE */
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>

#include "orient/huff_encode.h"

#define HE_LIBRARY (-1) /* he_write's impl: libjpeg-turbo's encoder */

typedef enum he_result {
    HE_OK,
    HE_FAILED,        /* libjpeg's error or warning */
    HE_GAVE_UP,       /* huff_encode.c gave up */
    HE_NOT_INSTALLED, /* es_huff_encode_install said no */
} he_result;

/* Replaces block number n (in the order blocks are visited: component by
 * component, row by row); ci, row and col say which it is. */
typedef void (*he_fill_fn)(void *ctx, uint64_t n, int ci, JDIMENSION row, JDIMENSION col, JCOEF *block);

typedef struct he_params {
    int restart;        /* MCUs per restart interval, 0 for none */
    bool per_component; /* one scan per component (non-interleaved MCUs) */
    bool tiny_windows;  /* the destination takes 37 bytes at a time, not 64 KiB */
    int output;         /* 0: sequential with the standard tables; 1 progressive, 2 optimised tables,
                           3 arithmetic-coded (huff_encode.c does not take those) */
} he_params;

typedef struct he_dest {
    struct jpeg_destination_mgr pub;
    uint8_t *buf;
    size_t cap, used, window_size;
    uint8_t window[65536];
} he_dest;

typedef struct he_run {
    struct jpeg_error_mgr err; /* first */
    jmp_buf jump;
    he_result failure;
    struct jpeg_decompress_struct d; /* here, not on the stack: nothing a longjmp clobbers */
    struct jpeg_compress_struct c;
    bool c_created;
    he_dest dest;
} he_run;

static void he_error_exit(j_common_ptr c)
{
    he_run *r = (he_run *)(void *)c->err;
    r->failure = HE_FAILED;
    longjmp(r->jump, 1);
}

static void he_emit(j_common_ptr c, int level)
{
    if (level < 0)
        he_error_exit(c);
}

static void he_give_up(j_compress_ptr c)
{
    he_run *r = (he_run *)(void *)c->err;
    r->failure = HE_GAVE_UP;
    longjmp(r->jump, 1);
}

static void he_dest_init(j_compress_ptr c)
{
    he_dest *d = (he_dest *)(void *)c->dest;
    d->pub.next_output_byte = d->window;
    d->pub.free_in_buffer = d->window_size;
}

static bool he_dest_take(he_dest *d, size_t n)
{
    if (d->used + n > d->cap) {
        size_t cap = (d->used + n) * 2 + 4096;
        uint8_t *b = realloc(d->buf, cap);
        if (!b)
            return false;
        d->buf = b;
        d->cap = cap;
    }
    memcpy(d->buf + d->used, d->window, n);
    d->used += n;
    return true;
}

static boolean he_dest_next(j_compress_ptr c)
{
    he_dest *d = (he_dest *)(void *)c->dest;
    if (!he_dest_take(d, d->window_size))
        ERREXIT1(c, JERR_OUT_OF_MEMORY, 1);
    he_dest_init(c);
    return TRUE;
}

static void he_dest_term(j_compress_ptr c)
{
    he_dest *d = (he_dest *)(void *)c->dest;
    if (!he_dest_take(d, d->window_size - d->pub.free_in_buffer))
        ERREXIT1(c, JERR_OUT_OF_MEMORY, 1);
}

/* jpeg's coefficients (each block through fill unless it is NULL) written
 * with the standard tables by impl's encoder (HE_LIBRARY or an
 * es_huff_encode_impl) into a malloc'd *out (NULL unless HE_OK). */
static he_result he_write(const uint8_t *jpeg, size_t len, he_fill_fn fill, void *ctx, const he_params *p,
                          int impl, uint8_t **out, size_t *out_len)
{
    *out = NULL;
    *out_len = 0;
    he_run *r = calloc(1, sizeof *r);
    if (!r)
        return HE_FAILED;
    r->d.err = jpeg_std_error(&r->err);
    r->err.error_exit = he_error_exit;
    r->err.emit_message = he_emit;
    jpeg_create_decompress(&r->d);
    he_result rc = HE_OK;
    if (setjmp(r->jump)) {
        rc = r->failure;
        goto done;
    }
    jpeg_mem_src(&r->d, jpeg, (unsigned long)len);
    jpeg_read_header(&r->d, TRUE);
    jvirt_barray_ptr *arrays = jpeg_read_coefficients(&r->d);
    uint64_t n = 0;
    for (int ci = 0; fill && ci < r->d.num_components; ci++) {
        const jpeg_component_info *comp = &r->d.comp_info[ci];
        for (JDIMENSION row = 0; row < comp->height_in_blocks; row++) {
            JBLOCKARRAY a = r->d.mem->access_virt_barray((j_common_ptr)&r->d, arrays[ci], row, 1, TRUE);
            for (JDIMENSION col = 0; col < comp->width_in_blocks; col++)
                fill(ctx, n++, ci, row, col, a[0][col]);
        }
    }
    r->c.err = &r->err;
    jpeg_create_compress(&r->c);
    r->c_created = true;
    r->dest.window_size = p && p->tiny_windows ? 37 : sizeof r->dest.window;
    r->dest.pub.init_destination = he_dest_init;
    r->dest.pub.empty_output_buffer = he_dest_next;
    r->dest.pub.term_destination = he_dest_term;
    r->c.dest = &r->dest.pub;
    jpeg_copy_critical_parameters(&r->d, &r->c);
    r->c.restart_interval = p ? (unsigned)p->restart : 0;
    jpeg_scan_info scans[MAX_COMPONENTS];
    if (p && p->per_component) {
        for (int ci = 0; ci < r->c.num_components; ci++) {
            memset(&scans[ci], 0, sizeof scans[ci]);
            scans[ci].comps_in_scan = 1;
            scans[ci].component_index[0] = ci;
            scans[ci].Se = 63;
        }
        r->c.scan_info = scans;
        r->c.num_scans = r->c.num_components;
    }
    if (p && p->output == 1)
        jpeg_simple_progression(&r->c);
    r->c.optimize_coding = p && p->output == 2;
    r->c.arith_code = p && p->output == 3;
    jpeg_write_coefficients(&r->c, arrays);
    if (impl != HE_LIBRARY && !es_huff_encode_install(&r->c, he_give_up, (es_huff_encode_impl)impl)) {
        rc = HE_NOT_INSTALLED;
        goto done;
    }
    jpeg_finish_compress(&r->c);
    jpeg_finish_decompress(&r->d);
    *out = r->dest.buf;
    *out_len = r->dest.used;
    r->dest.buf = NULL;
done:
    if (r->c_created)
        jpeg_destroy_compress(&r->c);
    jpeg_destroy_decompress(&r->d);
    free(r->dest.buf);
    free(r);
    return rc;
}

#endif
