/* lossless.c - a lossless JPEG transform on libjpeg-turbo's jpeglib API:
 * jpeg_read_coefficients, then jpeg_write_coefficients with destination
 * coefficient arrays that hold no image. The compressor's memory manager
 * method access_virt_barray is wrapped: for those arrays it returns a small
 * buffer of the requested block rows, filled from the source's array at that
 * moment (coef_plane.c), so the transform costs one image of coefficients
 * instead of two, and the blocks are moved while the encoder reads them.
 *
 * A sequential Huffman source (SOF0/SOF1: every component is decoded in one
 * scan, each iMCU row once, top to bottom) does not get that array either:
 * the decompressor's request_virt_barray / access_virt_barray are wrapped,
 * the decoder writes each iMCU row into a small zeroed row buffer, and the
 * row is compacted into a sparse store (sparse_coefs.c) when the decoder
 * moves on, which leaves the buffer zero for the next row; coef_plane.c
 * expands one source block at a time from it. The store is given the full
 * array's size minus the row buffer as its limit, so the budget of plan.c
 * (128 bytes a block) still bounds it; a source that would pass it
 * (nearly every block dense) or that revisits a row is transformed again
 * with the full array. Progressive and arithmetic-coded sources (the
 * decoder revisits rows in every scan) keep the full array. That array is
 * not libjpeg-turbo's either but a dense_coefs.c one (the same wrapped
 * methods hand it out): libjpeg-turbo's was a fresh allocation zeroed row
 * by row as the decoder reached it, one page fault per 4 KiB; a block of
 * common/block_cache.h is zero when fresh and populated a step ahead, and
 * kept for the next turn of a batch or a worker (then cleared while
 * resident). The 4032x3024 quality 95 photo below, `exifstrip strip`: 275
 * -> 210 CPU ms with both changes (11 alternating runs); 8 copies of it
 * through `worker --drain` at concurrency 4 (3 alternating runs): 2.39-2.58
 * -> 1.43-1.57 s of CPU, 72.5 k -> 1.07 k page faults, peak RSS 129-131 ->
 * 141 MiB (a kept array between turns); 300 corpus photos: peak RSS as
 * before (16.6-18.6 against 18.3-18.7 MiB).
 *
 * A sequential Huffman source's decoding is huff_decode.c's, not
 * libjpeg-turbo's (jdhuff.c, C without SIMD, about 45 % of a turned 12 MP
 * photo's CPU): the decompressor's entropy decoder is replaced from the
 * first request for a coefficient array, the sparse store's or, for a source
 * the store is not tried with (more than 24 compressed bytes a block, as a
 * phone's quality 95 photo has) or gave up on, the full array's
 * (s_request_full; until session 32 those kept libjpeg-turbo's decoder: a
 * 4032x3024 quality 95 tag-6 photo, 7.9 MB, 253 -> 232 CPU ms, medians of 15
 * alternating runs). It takes only clean data and gives up on anything else
 * (a bad code, data cut short, bytes before a marker, ...); the transform is
 * then run again with libjpeg-turbo's decoder, so what libjpeg-turbo decodes
 * or refuses is decoded or refused as before, with the same coefficients.
 * Ten 12 MP q92 tag-6 photos in one CLI run: 947 -> 817 CPU ms (medians of
 * 9 alternating runs; the decoder's share of the samples 1922 -> 1475).
 *
 * A sequential output (every one but a progressive source's) is Huffman-
 * coded by huff_encode.c, not libjpeg-turbo's encode_mcu_huff (its SSE2
 * block encoder), where the CPU has AVX-512 BW and CD: the encoder is
 * replaced after jpeg_write_coefficients, the blocks it codes are still
 * the row buffer's that libjpeg-turbo's coefficient controller hands it. A
 * block it cannot code (values beyond 8-bit JPEG's limits, which only a
 * made-up source has) makes it give up, and the transform is run again with
 * libjpeg-turbo's encoder, which writes whatever it writes for them. The
 * encoder alone on a 12 MP q92 photo: 28.5-29.4 -> 21.3-22.2 ms (best of
 * 5, four photos); its share of the samples of ten such photos in one CLI
 * run 1480 -> 987 (decoder 1890 / 1637). CPU (task-clock, alternating runs,
 * medians; this VM varies 5-10 % run to run): one such photo 154 -> 144 ms
 * (25 runs each), ten in one run 1040 -> 947 ms (15 runs; 984 -> 945 and
 * 1013 -> 944 in series of 11 and 9).
 *
 * The set-up is what tjTransform (libjpeg-turbo 2.1) does for TJXOPT_TRIM |
 * TJXOPT_COPYNONE: copied critical parameters, a single-component image
 * coded with 1x1 sampling, sampling factors and quantisation tables
 * transposed when the operation transposes, the moved partial edge MCUs
 * trimmed, jpeg_simple_progression for a progressive output; like its
 * TJFLAG_STOPONWARNING and TJFLAG_LIMITSCANS, any libjpeg warning and more
 * than 500 scans fail. The output bytes are identical (tests/orient/
 * lossless_oracle_test.c compares them).
 *
 * What the transform writes is populated before it is written (a fresh
 * page costs about half as much so, page_ahead.h): the output is handed to
 * the encoder in windows whose pages are populated first, the row buffers
 * at once, the sparse store a row ahead (sparse_coefs.c). A 3 MP rotation
 * took ~1150 page faults, now ~15.
 *
 * Measured and not taken (canon_hdr_YES, rotate 90, issue 11): coding the
 * output scan straight from the sparse store - the coefficient controller's
 * compress_data replaced (jpegint.h), each destination block's record put
 * at its zigzag places through tables and Huffman-coded in C (T.81 F.1.2),
 * no destination row buffer - gave the same bytes but cost 20-25 % more
 * CPU than the row buffer plus libjpeg-turbo's SIMD block encoder: the
 * coder alone was about even with encode_mcu_huff + jsimd, but MCU order
 * reads one source row per block (a transposed photo), where coef_plane.c
 * reads runs of S_ROWS_AHEAD x v_samp_factor blocks with prefetching. */
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include "orient/coef_plane.h" /* jpeglib.h */
#include "orient/dense_coefs.h"
#include <jerror.h>

#include "common/block_cache.h"
#include "common/pages.h"
#include "orient/huff_decode.h"
#include "orient/huff_encode.h"
#include "orient/lossless.h"
#include "orient/page_ahead.h"

#define S_MAX_SCANS 500
/* Decoding work allowed per input byte, in blocks decoded (a block once per
 * scan): a progressive photo decodes every block in each of its scans, so a
 * few KB declaring 100 MP and hundreds of scans of nothing cost tens of
 * seconds. Real photos stay far below: a progressive one of 10 scans that
 * is flat, coded in 2 bits a block, decodes about 40 blocks a byte (about
 * 900 with arithmetic coding, whose zeros cost almost nothing), and the
 * first S_FREE_SCANS scans are always allowed. Past it the turn fails and
 * the tag is kept. */
#define S_MAX_BLOCK_SCANS_PER_BYTE 1024u
/* Scans every photo may have whatever its size: a flat one, arithmetic
 * coded, takes a byte for 1500 blocks a scan (and S_MAX_SCANS still holds). */
#define S_FREE_SCANS 10u
/* Encoder requests (MCU rows) produced at a time. */
#define S_ROWS_AHEAD 2
/* Sources with more compressed bytes a block than this keep the full
 * array: a sparse record is several times the Huffman-coded size (about 4x
 * for a noisy 4:2:0 photo of 21 bytes a block, whose store is 62 % of the
 * array), so beyond it the store saves little and may pass its limit. */
#define S_SPARSE_MAX_BYTES_PER_BLOCK 24u
#define S_HEADER_BYTES 65536u /* markers, tables and metadata are not coefficients */
/* The output is handed to the encoder this many bytes at a time, each
 * window's pages populated first (page_ahead.h): 32 pages a madvise. */
#define S_DEST_WINDOW (128u << 10)
/* Which of our allocations failed, as libjpeg's "Insufficient memory (case
 * N)" says it: each its own number. */
enum { S_OOM_DEST_GROW = 20, S_OOM_DEST = 21, S_OOM_DENSE = 22 };

/* The output buffer (about the input's size, a block of
 * common/block_cache.h) is allocated whole but filled window by window. The
 * encoder keeps its own copy of the cursor and asks for the next window only
 * when the current one is full, so where that ends (filled) is what the
 * buffer holds then (pub.next_output_byte may be stale). */
typedef struct s_dest {
    struct jpeg_destination_mgr pub;
    uint8_t *buf;
    size_t cap;
    size_t filled; /* the current window's end: [0, filled) is written when it is full */
    es_page_ahead ahead;
} s_dest;

typedef JBLOCKARRAY (*s_access_fn)(j_common_ptr, jvirt_barray_ptr, JDIMENSION, JDIMENSION, boolean);

/* One source component decoded into a sparse store through a row buffer. */
typedef struct s_sparse_src {
    es_sparse_coefs store;
    JBLOCKARRAY rows;     /* the iMCU row the decoder is writing */
    JDIMENSION rows_n;    /* its block rows (v_samp_factor) */
    JDIMENSION rows_from; /* which block row rows[0] is */
    bool pending;         /* rows hold a row not yet stored */
} s_sparse_src;

/* Everything a transform touches lives here and is reached through one
 * pointer, so a longjmp out of libjpeg clobbers nothing; the caller's slot
 * points here while it runs, so a longjmp past it (es_orient_lossless_abandon)
 * loses nothing either. */
typedef struct es_orient_lossless_job s_job;
struct es_orient_lossless_job {
    struct jpeg_error_mgr err; /* first: the error callbacks find the job from it */
    jmp_buf jump;
    char msg[JMSG_LENGTH_MAX];
    struct jpeg_progress_mgr progress;
    struct jpeg_decompress_struct in;
    struct jpeg_compress_struct out;
    bool in_created, out_created;
    uint64_t blocks, work_cap; /* the source's blocks; at most this many decoded (S_MAX_BLOCK_SCANS_PER_BYTE) */
    s_dest dest;
    es_orient_op op;
    bool progressive;
    int planes_n;
    es_coef_plane planes[MAX_COMPONENTS];
    jvirt_barray_ptr dst_arrays[MAX_COMPONENTS]; /* handles naming planes[] */
    s_access_fn library_access;
    /* the sparse source (sparse: in use for this attempt) */
    bool sparse;
    bool retry_full;   /* the sparse source cannot take this input: redo with the full array */
    bool fast_huff;    /* huff_decode.c decodes a sequential Huffman source */
    bool retry_slow;   /* it gave up: redo with libjpeg-turbo's decoder */
    bool fast_encode;  /* huff_encode.c codes a sequential output */
    bool retry_encode; /* it gave up: redo with libjpeg-turbo's encoder */
    int sparse_n;      /* source arrays requested so far */
    s_sparse_src src[MAX_COMPONENTS];
    s_access_fn in_access;
    /* the full source arrays (no sparse store): ours, not the library's */
    int dense_n; /* requested so far */
    es_dense_coefs dense[MAX_COMPONENTS];
};

static void s_error_exit(j_common_ptr c)
{
    s_job *j = (s_job *)(void *)c->err;
    (*c->err->format_message)(c, j->msg);
    longjmp(j->jump, 1);
}

/* A warning (corrupt data, a premature end) fails like an error. */
static void s_emit_message(j_common_ptr c, int level)
{
    if (level < 0)
        s_error_exit(c);
}

static void s_output_message(j_common_ptr c) { (void)c; }

static void s_progress(j_common_ptr c)
{
    if (!c->is_decompressor)
        return;
    s_job *j = (s_job *)(void *)c->err;
    int scans = ((j_decompress_ptr)c)->input_scan_number;
    if (scans > S_MAX_SCANS) {
        snprintf(j->msg, sizeof j->msg, "Progressive JPEG image has more than %d scans", S_MAX_SCANS);
        longjmp(j->jump, 1);
    }
    if (j->work_cap && (uint64_t)scans * j->blocks > j->work_cap) {
        snprintf(j->msg, sizeof j->msg,
                 "%d scans of %llu blocks are more decoding than a JPEG of this size calls for", scans,
                 (unsigned long long)j->blocks);
        longjmp(j->jump, 1);
    }
}

/* Hands the encoder the next window from `used` on, its pages populated. */
static void s_dest_window(s_dest *d, size_t used)
{
    (void)es_page_ahead_cover(&d->ahead, used + S_DEST_WINDOW, S_DEST_WINDOW);
    d->pub.next_output_byte = d->buf + used;
    d->pub.free_in_buffer = d->cap - used < S_DEST_WINDOW ? d->cap - used : S_DEST_WINDOW;
    d->filled = used + d->pub.free_in_buffer;
}

static void s_dest_init(j_compress_ptr c)
{
    s_job *j = c->client_data;
    es_page_ahead_init(&j->dest.ahead, j->dest.buf, j->dest.cap);
    s_dest_window(&j->dest, 0);
}

/* The encoder filled its window (libjpeg calls this with none left): the
 * next one, after growing the buffer when it is full. */
static boolean s_dest_next(j_compress_ptr c)
{
    s_job *j = c->client_data;
    size_t used = j->dest.filled;
    if (used == j->dest.cap) {
        size_t old = j->dest.cap, cap = old + old / 2 + 4096;
        uint8_t *b = cap > old ? es_block_realloc(j->dest.buf, cap) : NULL;
        if (!b)
            ERREXIT1(c, JERR_OUT_OF_MEMORY, S_OOM_DEST_GROW);
        j->dest.buf = b;
        j->dest.cap = cap;
        es_page_ahead_moved(&j->dest.ahead, b, cap);
    }
    s_dest_window(&j->dest, used);
    return TRUE;
}

static void s_dest_term(j_compress_ptr c) { (void)c; }

/* The compressor's access to a destination array produces its rows. */
static JBLOCKARRAY s_access(j_common_ptr c, jvirt_barray_ptr array, JDIMENSION row, JDIMENSION n,
                            boolean writable)
{
    s_job *j = c->client_data;
    for (int ci = 0; ci < MAX_COMPONENTS; ci++) {
        if (array != j->dst_arrays[ci])
            continue;
        /* never the library's: a destination array is read-only and exists once planned */
        JBLOCKARRAY rows = writable || ci >= j->planes_n ? NULL : es_coef_plane_rows(&j->planes[ci], row, n);
        if (!rows)
            ERREXIT(c, JERR_BAD_VIRTUAL_ACCESS);
        return rows;
    }
    return j->library_access(c, array, row, n, writable);
}

/* A row buffer of n rows of width blocks from alloc_barray, populated
 * before its first write: its rows lie in chunks of consecutive rows (one
 * allocation each, jmemmgr.c), one madvise a chunk. */
static JBLOCKARRAY s_populated_rows(j_common_ptr c, int pool, JDIMENSION width, JDIMENSION n)
{
    JBLOCKARRAY rows = (*c->mem->alloc_barray)(c, pool, width, n);
    for (JDIMENSION k = 0, from = 0; k < n; k++)
        if (k + 1 == n || rows[k + 1] != rows[k] + width) {
            (void)es_pages_populate(rows[from], (size_t)(k + 1 - from) * width * sizeof(JBLOCK));
            from = k + 1;
        }
    return rows;
}

/* The sparse store cannot take this input: leave for a retry with the full array. */
static void s_retry_full(j_common_ptr c)
{
    s_job *j = c->client_data;
    j->retry_full = true;
    snprintf(j->msg, sizeof j->msg, "sparse source store cannot hold the image");
    longjmp(j->jump, 1);
}

/* huff_decode.c met something it leaves to libjpeg-turbo's decoder. */
static void s_huff_give_up(j_decompress_ptr d)
{
    s_job *j = d->client_data;
    j->retry_slow = true;
    snprintf(j->msg, sizeof j->msg, "the fast Huffman decoder gave up");
    longjmp(j->jump, 1);
}

/* huff_encode.c met a block it leaves to libjpeg-turbo's encoder. */
static void s_huff_encode_give_up(j_compress_ptr c)
{
    s_job *j = c->client_data;
    j->retry_encode = true;
    snprintf(j->msg, sizeof j->msg, "the fast Huffman encoder gave up");
    longjmp(j->jump, 1);
}

/* The decoder's coefficient arrays become sparse stores of the same size,
 * limited to what a full array would take minus the row buffer. The entropy
 * decoder is set by now (jdtrans.c), so the first request replaces it. */
static jvirt_barray_ptr s_request_source(j_common_ptr c, int pool, boolean pre_zero, JDIMENSION width,
                                         JDIMENSION height, JDIMENSION access_rows)
{
    s_job *j = c->client_data;
    if (j->sparse_n >= j->in.num_components || !pre_zero)
        s_retry_full(c);
    if (j->sparse_n == 0 && j->fast_huff)
        (void)es_huff_decode_install(&j->in, s_huff_give_up);
    s_sparse_src *s = &j->src[j->sparse_n];
    size_t full = (size_t)width * height * sizeof(JBLOCK),
           buffer = (size_t)width * access_rows * sizeof(JBLOCK);
    if (!width || buffer >= full || !es_sparse_coefs_init(&s->store, width, height, full - buffer))
        s_retry_full(c);
    j->sparse_n++;
    s->rows = s_populated_rows(c, pool, width, access_rows);
    for (JDIMENSION k = 0; k < access_rows; k++) /* then kept zero by es_sparse_coefs_put_row */
        memset(s->rows[k], 0, (size_t)width * sizeof(JBLOCK));
    s->rows_n = access_rows;
    s->pending = false;
    return (jvirt_barray_ptr)(void *)s;
}

/* Without the sparse store a source component's array is a dense_coefs.h
 * one (zero whether or not pre_zero asks for it; all of it in memory, so any
 * access_rows); the first request is where huff_decode.c's decoder is put
 * in, as for the sparse store (s_request_source). */
static jvirt_barray_ptr s_request_full(j_common_ptr c, int pool, boolean pre_zero, JDIMENSION width,
                                       JDIMENSION height, JDIMENSION access_rows)
{
    (void)pool, (void)pre_zero, (void)access_rows;
    s_job *j = c->client_data;
    if (j->dense_n >= MAX_COMPONENTS)
        ERREXIT(c, JERR_BAD_VIRTUAL_ACCESS);
    if (j->dense_n == 0 && j->fast_huff)
        (void)es_huff_decode_install(&j->in, s_huff_give_up);
    es_dense_coefs *d = &j->dense[j->dense_n];
    if (!es_dense_coefs_init(d, width, height))
        ERREXIT1(c, JERR_OUT_OF_MEMORY, S_OOM_DENSE);
    j->dense_n++;
    return (jvirt_barray_ptr)(void *)d;
}

/* Stores the rows the decoder wrote; they are all zero again afterwards
 * (put_row clears what it stores, rows past the height are cleared here). */
static void s_store_pending(j_common_ptr c, s_sparse_src *s)
{
    for (JDIMENSION k = 0; s->pending && k < s->rows_n; k++)
        if (s->rows_from + k >= s->store.height)
            memset(s->rows[k], 0, (size_t)s->store.width * sizeof(JBLOCK));
        else if (!es_sparse_coefs_put_row(&s->store, s->rows_from + k, s->rows[k]))
            s_retry_full(c);
    s->pending = false;
}

/* The decoder writes iMCU row by iMCU row, each once, in order. */
static JBLOCKARRAY s_access_source(j_common_ptr c, jvirt_barray_ptr array, JDIMENSION row, JDIMENSION n,
                                   boolean writable)
{
    s_job *j = c->client_data;
    for (int ci = 0; ci < j->sparse_n; ci++) {
        s_sparse_src *s = &j->src[ci];
        if (array != (jvirt_barray_ptr)(void *)s)
            continue;
        if (!writable || n > s->rows_n)
            s_retry_full(c);
        if (s->pending && row == s->rows_from)
            return s->rows;
        s_store_pending(c, s);
        if (row < s->store.rows_done)
            s_retry_full(c);
        s->rows_from = row; /* the rows are all zero (s_store_pending) */
        s->pending = true;
        return s->rows;
    }
    for (int ci = 0; ci < j->dense_n; ci++) {
        if (array != (jvirt_barray_ptr)(void *)&j->dense[ci])
            continue;
        JBLOCKARRAY rows = es_dense_coefs_rows(&j->dense[ci], row, n);
        if (!rows)
            ERREXIT(c, JERR_BAD_VIRTUAL_ACCESS);
        return rows;
    }
    return j->in_access(c, array, row, n, writable);
}

static void s_sources_free(s_job *j)
{
    for (int ci = 0; ci < MAX_COMPONENTS; ci++) {
        es_sparse_coefs_free(&j->src[ci].store);
        es_dense_coefs_free(&j->dense[ci]);
    }
}

/* Whether TurboJPEG names the frame's sampling (es_orient_sampling_named;
 * libjpeg reads 4 components as CMYK or YCCK whatever the Adobe marker says,
 * so their count decides). tjTransform refuses anything else, and so does
 * this transform. */
static bool s_named_sampling(const struct jpeg_decompress_struct *d)
{
    uint8_t h[4], v[4];
    int n = d->num_components;
    if (n < 1 || n > 4)
        return false;
    for (int k = 0; k < n; k++) {
        h[k] = (uint8_t)d->comp_info[k].h_samp_factor;
        v[k] = (uint8_t)d->comp_info[k].v_samp_factor;
    }
    return es_orient_sampling_named((unsigned)n, h, v);
}

static JDIMENSION s_round_up(JDIMENSION a, int b)
{
    return (a + (JDIMENSION)b - 1) / (JDIMENSION)b * (JDIMENSION)b;
}

static bool s_mirrors_x(es_orient_op op)
{
    return op == ES_ORIENT_OP_FLIP_H || op == ES_ORIENT_OP_ROT180 || op == ES_ORIENT_OP_ROT90 ||
           op == ES_ORIENT_OP_TRANSVERSE;
}

static bool s_mirrors_y(es_orient_op op)
{
    return op == ES_ORIENT_OP_FLIP_V || op == ES_ORIENT_OP_ROT180 || op == ES_ORIENT_OP_ROT270 ||
           op == ES_ORIENT_OP_TRANSVERSE;
}

/* The destination's frame: trimmed size in its orientation, 1x1 sampling for
 * one component, sampling factors and quantisation tables transposed. */
static void s_destination_frame(s_job *j)
{
    struct jpeg_decompress_struct *in = &j->in;
    struct jpeg_compress_struct *out = &j->out;
    bool swap = es_orient_op_transposes(j->op), gray = in->num_components == 1;
    JDIMENSION w = swap ? in->image_height : in->image_width, h = swap ? in->image_width : in->image_height;
    JDIMENSION mcu_w = (JDIMENSION)(gray   ? 1
                                    : swap ? in->max_v_samp_factor
                                           : in->max_h_samp_factor) *
                       DCTSIZE;
    JDIMENSION mcu_h = (JDIMENSION)(gray   ? 1
                                    : swap ? in->max_h_samp_factor
                                           : in->max_v_samp_factor) *
                       DCTSIZE;
    if (gray)
        out->comp_info[0].h_samp_factor = out->comp_info[0].v_samp_factor = 1;
    out->image_width = s_mirrors_x(j->op) && w >= mcu_w ? w / mcu_w * mcu_w : w;
    out->image_height = s_mirrors_y(j->op) && h >= mcu_h ? h / mcu_h * mcu_h : h;
    if (!swap)
        return;
    for (int ci = 0; ci < out->num_components; ci++) {
        jpeg_component_info *c = &out->comp_info[ci];
        int t = c->h_samp_factor;
        c->h_samp_factor = c->v_samp_factor;
        c->v_samp_factor = t;
    }
    for (int q = 0; q < NUM_QUANT_TBLS; q++) {
        JQUANT_TBL *t = out->quant_tbl_ptrs[q];
        for (int r = 0; t && r < DCTSIZE; r++)
            for (int col = 0; col < r; col++) {
                UINT16 x = t->quantval[r * DCTSIZE + col];
                t->quantval[r * DCTSIZE + col] = t->quantval[col * DCTSIZE + r];
                t->quantval[col * DCTSIZE + r] = x;
            }
    }
}

/* Every block row of source component ci (its array is wholly in memory:
 * libjpeg-turbo has no backing store, so row pointers stay valid). */
static JBLOCKROW *s_source_rows(s_job *j, jvirt_barray_ptr array, const jpeg_component_info *c,
                                JDIMENSION height)
{
    j_common_ptr in = (j_common_ptr)&j->in;
    JBLOCKROW *rows = (*in->mem->alloc_small)(in, JPOOL_IMAGE, (size_t)height * sizeof(JBLOCKROW));
    for (JDIMENSION r = 0; r < height; r += (JDIMENSION)c->v_samp_factor) {
        JBLOCKARRAY a = j->in.mem->access_virt_barray(in, array, r, (JDIMENSION)c->v_samp_factor, FALSE);
        for (int k = 0; k < c->v_samp_factor; k++)
            rows[r + (JDIMENSION)k] = a[k];
    }
    return rows;
}

/* After jpeg_write_coefficients (which sized the destination components). */
static void s_planes(s_job *j, jvirt_barray_ptr *source)
{
    struct jpeg_compress_struct *out = &j->out;
    bool swap = es_orient_op_transposes(j->op);
    JDIMENSION w = swap ? j->in.image_height : j->in.image_width,
               h = swap ? j->in.image_width : j->in.image_height;
    JDIMENSION mcu_cols = w / ((JDIMENSION)out->max_h_samp_factor * DCTSIZE);
    JDIMENSION mcu_rows = h / ((JDIMENSION)out->max_v_samp_factor * DCTSIZE);
    for (int ci = 0; ci < out->num_components; ci++) {
        const jpeg_component_info *sc = &j->in.comp_info[ci], *dc = &out->comp_info[ci];
        es_coef_plane *p = &j->planes[ci];
        p->src_width = s_round_up(sc->width_in_blocks, sc->h_samp_factor);
        p->src_height = s_round_up(sc->height_in_blocks, sc->v_samp_factor);
        if (j->sparse) {
            p->src = NULL;
            p->sparse = &j->src[ci].store;
        } else {
            p->src = s_source_rows(j, source[ci], sc, p->src_height);
            p->sparse = NULL;
        }
        p->width = dc->width_in_blocks;
        p->height = dc->height_in_blocks;
        p->mirror_w = s_mirrors_x(j->op) ? mcu_cols * (JDIMENSION)dc->h_samp_factor : 0;
        p->mirror_h = s_mirrors_y(j->op) ? mcu_rows * (JDIMENSION)dc->v_samp_factor : 0;
        p->transpose = swap;
        /* the encoder asks for one MCU row (v_samp_factor block rows) at a time */
        p->rows_cap = (JDIMENSION)dc->v_samp_factor * S_ROWS_AHEAD;
        p->rows = s_populated_rows((j_common_ptr)out, JPOOL_IMAGE, p->width ? p->width : 1, p->rows_cap);
        p->rows_valid = false;
    }
    j->planes_n = out->num_components;
}

/* The source's blocks (what a full coefficient array would hold). */
static uint64_t s_blocks(const struct jpeg_decompress_struct *d)
{
    uint64_t n = 0;
    for (int ci = 0; ci < d->num_components; ci++)
        n += (uint64_t)d->comp_info[ci].width_in_blocks * d->comp_info[ci].height_in_blocks;
    return n;
}

static int s_run(s_job *j, const uint8_t *jpeg, size_t len)
{
    if (setjmp(j->jump))
        return -1;
    j->in.err = jpeg_std_error(&j->err);
    j->err.error_exit = s_error_exit;
    j->err.emit_message = s_emit_message;
    j->err.output_message = s_output_message;
    jpeg_create_decompress(&j->in);
    j->in_created = true;
    j->progress.progress_monitor = s_progress;
    j->in.progress = &j->progress;
    jpeg_mem_src(&j->in, jpeg, (unsigned long)len);
    jpeg_read_header(&j->in, TRUE);
    j->blocks = s_blocks(&j->in);
    j->work_cap = (uint64_t)len * S_MAX_BLOCK_SCANS_PER_BYTE;
    if (j->work_cap < j->blocks * S_FREE_SCANS)
        j->work_cap = j->blocks * S_FREE_SCANS;
    if (!s_named_sampling(&j->in)) {
        snprintf(j->msg, sizeof j->msg, "Could not determine subsampling type for JPEG image");
        return -1;
    }
    /* one iMCU row: the row buffer would be the whole image; dense data:
     * the store would save little and could overflow (decoding twice) */
    if (j->sparse && (j->in.progressive_mode || j->in.arith_code || j->in.total_iMCU_rows < 2 ||
                      len > S_SPARSE_MAX_BYTES_PER_BLOCK * s_blocks(&j->in) + S_HEADER_BYTES))
        j->sparse = false;
    j->in.client_data = j;
    j->in_access = j->in.mem->access_virt_barray;
    j->in.mem->request_virt_barray = j->sparse ? s_request_source : s_request_full;
    j->in.mem->access_virt_barray = s_access_source;
    jvirt_barray_ptr *source = jpeg_read_coefficients(&j->in);
    if (!source) { /* only a suspending source returns none; a memory source cannot */
        snprintf(j->msg, sizeof j->msg, "no coefficients were read");
        return -1;
    }
    for (int ci = 0; j->sparse && ci < j->in.num_components; ci++) {
        if (ci >= j->sparse_n)
            s_retry_full((j_common_ptr)&j->in);
        s_store_pending((j_common_ptr)&j->in, &j->src[ci]);
        es_sparse_coefs_finish(&j->src[ci].store);
    }

    j->out.err = &j->err;
    jpeg_create_compress(&j->out);
    j->out_created = true;
    j->out.client_data = j;
    j->library_access = j->out.mem->access_virt_barray;
    j->out.mem->access_virt_barray = s_access;
    j->dest.cap = len + len / 8 + 4096;
    j->dest.buf = es_block_alloc(j->dest.cap);
    if (!j->dest.buf)
        ERREXIT1(&j->out, JERR_OUT_OF_MEMORY, S_OOM_DEST);
    j->dest.pub.init_destination = s_dest_init;
    j->dest.pub.empty_output_buffer = s_dest_next;
    j->dest.pub.term_destination = s_dest_term;
    j->out.dest = &j->dest.pub;

    jpeg_copy_critical_parameters(&j->in, &j->out);
    s_destination_frame(j);
    if (j->progressive)
        jpeg_simple_progression(&j->out);
    for (int ci = 0; ci < MAX_COMPONENTS; ci++)
        j->dst_arrays[ci] = (jvirt_barray_ptr)(void *)&j->planes[ci];
    jpeg_write_coefficients(&j->out, j->dst_arrays);
    if (j->fast_encode) /* a sequential output: huff_encode.c codes it */
        (void)es_huff_encode_install(&j->out, s_huff_encode_give_up, ES_HUFF_ENCODE_FAST);
    s_planes(j, source);
    jpeg_finish_compress(&j->out);
    jpeg_finish_decompress(&j->in);
    return 0;
}

/* Destroys a job's libjpeg objects and frees it with what it holds: after
 * it ran, failed (libjpeg's error exit jumps back into s_run) or was left by
 * a longjmp past it (libjpeg's objects may be mid-way through decoding then:
 * jpeg_destroy_* frees their pools whatever their state, as after an error). */
static void s_release(s_job *j)
{
    if (j->out_created)
        jpeg_destroy_compress(&j->out);
    if (j->in_created)
        jpeg_destroy_decompress(&j->in);
    s_sources_free(j);
    es_block_free(j->dest.buf);
    free(j);
}

void es_orient_lossless_abandon(es_orient_lossless_job **job)
{
    if (*job)
        s_release(*job);
    *job = NULL;
}

/* How an attempt runs, and what it asks of the next one. */
typedef struct s_try {
    bool sparse, fast_huff, fast_encode;
    bool retry_full, retry_slow, retry_encode; /* set by a failed attempt */
} s_try;

/* One transform attempt, its job in *slot while it runs. */
static es_err s_attempt(const uint8_t *jpeg, size_t len, es_orient_op op, bool progressive, s_try *t,
                        uint8_t **out, size_t *out_len, s_job **slot, es_error *err)
{
    s_job *j = calloc(1, sizeof *j);
    if (!j)
        return es_error_set(err, ES_ERR_NOMEM, "transform: out of memory");
    *slot = j;
    j->op = op;
    j->progressive = progressive;
    j->sparse = t->sparse;
    j->fast_huff = t->fast_huff;
    j->fast_encode = t->fast_encode;
    es_err rc = ES_OK;
    if (s_run(j, jpeg, len) != 0) {
        t->retry_full = j->retry_full;
        t->retry_slow = j->retry_slow;
        t->retry_encode = j->retry_encode;
        rc = es_error_set(err, ES_ERR_JPEG_BAD_MARKER, "libjpeg-turbo cannot transform it: %s", j->msg);
    } else {
        *out = j->dest.buf;
        *out_len = (size_t)(j->dest.pub.next_output_byte - j->dest.buf);
        j->dest.buf = NULL; /* handed over */
    }
    *slot = NULL;
    s_release(j);
    return rc;
}

es_err es_orient_lossless(const uint8_t *jpeg, size_t len, es_orient_op op, bool progressive, uint8_t **out,
                          size_t *out_len, es_orient_lossless_job **job, es_error *err)
{
    *out = NULL;
    *out_len = 0;
    if (!jpeg || len < 4 || len > 0xFFFFFFFFu || (unsigned)op > 7)
        return es_error_set(err, ES_ERR_INVALID_ARG, "transform: invalid argument");
    /* Each retry turns one fast path off for good (at most three retries):
     * what the fast encoder or decoder does not take goes to libjpeg-turbo's,
     * what the sparse store cannot hold to the full array. */
    s_try t = {true, true, true, false, false, false};
    es_error attempt; /* each attempt's own: the last one's reason is the one told */
    for (;;) {
        t.retry_full = t.retry_slow = t.retry_encode = false;
        es_error_clear(&attempt);
        es_err rc = s_attempt(jpeg, len, op, progressive, &t, out, out_len, job, &attempt);
        if (rc == ES_OK)
            return rc;
        if (t.retry_encode && t.fast_encode)
            t.fast_encode = false;
        else if (t.retry_slow && t.fast_huff)
            t.fast_huff = false;
        else if (t.retry_full && t.sparse)
            t.sparse = false;
        else
            return es_error_set(err, rc, "%s", attempt.msg);
    }
}
