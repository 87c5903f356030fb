/* fixture_codec.c - libjpeg(-turbo) encoding of the deterministic fixture
 * picture, decoding for pixel comparisons (errors longjmp back so a corrupt
 * input returns -1 instead of exiting), and the fill-byte rewriter. */
#include "fixture_priv.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>

/* Decoding refuses pictures larger than this many samples (fuzzed headers). */
#define S_MAX_SAMPLES ((size_t)1 << 28)

typedef struct s_jerr {
    struct jpeg_error_mgr mgr;
    jmp_buf jump;
    bool quiet;
} s_jerr;

static void s_error_exit(j_common_ptr c)
{
    s_jerr *e = (s_jerr *)c->err;
    if (!e->quiet) {
        char msg[JMSG_LENGTH_MAX];
        (*c->err->format_message)(c, msg);
        fprintf(stderr, "fixture: libjpeg: %s\n", msg);
    }
    longjmp(e->jump, 1);
}

/* Warnings (corrupt entropy data, extraneous bytes) are not printed. */
static void s_output_message(j_common_ptr c) { (void)c; }

static void s_err_init(s_jerr *e, bool quiet)
{
    jpeg_std_error(&e->mgr);
    e->mgr.error_exit = s_error_exit;
    e->mgr.output_message = s_output_message;
    e->quiet = quiet;
}

/* Smooth gradients plus hash noise, so the entropy data is non-trivial
 * (and contains stuffed 0xFF bytes) yet compresses like a photo. */
static uint8_t s_sample(int x, int y, int c, unsigned seed, int w, int h)
{
    uint32_t k = (uint32_t)x * 73856093u ^ (uint32_t)y * 19349663u ^ (seed + 1u) * 83492791u ^
                 (uint32_t)c * 2654435761u;
    k ^= k >> 15;
    k *= 0x2C1B3C6Du;
    k ^= k >> 12;
    int base = (x * 255 / (w > 1 ? w - 1 : 1)) * (c + 1) + (y * 255 / (h > 1 ? h - 1 : 1)) * (3 - c % 3) +
               (int)(seed * 31u % 256u);
    return (uint8_t)(base + (int)(k & 31u));
}

static void s_fill_row(const es_fixture_opts *o, uint8_t *row, int y, int w, int h, int comps, unsigned seed)
{
    for (int x = 0; x < w; x++)
        for (int c = 0; c < comps; c++)
            row[(size_t)x * (size_t)comps + (size_t)c] = o->oriented_pixels
                                                             ? es_fixture_oriented_sample(o, x, y, c)
                                                             : s_sample(x, y, c, seed, w, h);
}

/* Luma (and CMYK's K) factors for a sampling code; chroma stays 1x1, except
 * in ES_FIXTURE_SAMPLING_IRREGULAR (luma 2x2, Cb 1x1, Cr 2x1). */
static void s_set_sampling(struct jpeg_compress_struct *cinfo, int sampling)
{
    int h = 1, v = 1;
    switch (sampling) {
    case 422: h = 2; break;
    case 440: v = 2; break;
    case 411: h = 4; break;
    case ES_FIXTURE_SAMPLING_IRREGULAR: h = v = 2; break;
    default: break; /* 444 */
    }
    for (int i = 0; i < cinfo->num_components; i++) {
        bool luma = i == 0 || i == 3;
        cinfo->comp_info[i].h_samp_factor = luma ? h : 1;
        cinfo->comp_info[i].v_samp_factor = luma ? v : 1;
    }
    if (sampling == ES_FIXTURE_SAMPLING_IRREGULAR)
        cinfo->comp_info[2].h_samp_factor = 2;
}

/* Buffers owned across the setjmp boundary: they live in the caller's frame
 * and are only reached through pointers, so longjmp cannot clobber them. */
typedef struct s_encode_state {
    unsigned char *mem;
    unsigned long mem_len;
    uint8_t *row;
} s_encode_state;

static int s_encode(struct jpeg_compress_struct *cinfo, s_jerr *err, s_encode_state *st,
                    const es_fixture_opts *o, int w, int h, unsigned seed)
{
    int comps = o->components ? o->components : 3;
    if (setjmp(err->jump))
        return -1;
    jpeg_create_compress(cinfo);
    jpeg_mem_dest(cinfo, &st->mem, &st->mem_len);
    cinfo->image_width = (JDIMENSION)w;
    cinfo->image_height = (JDIMENSION)h;
    cinfo->input_components = comps;
    cinfo->in_color_space = comps == 1 ? JCS_GRAYSCALE : comps == 3 ? JCS_RGB : JCS_CMYK;
    jpeg_set_defaults(cinfo); /* CMYK: Adobe APP14 marker, no JFIF */
    jpeg_set_quality(cinfo, o->quality ? o->quality : 85, TRUE);
    if (o->no_jfif)
        cinfo->write_JFIF_header = FALSE;
    if (o->sampling && cinfo->num_components > 1)
        s_set_sampling(cinfo, o->sampling);
    if (o->progressive)
        jpeg_simple_progression(cinfo);
    if (o->arithmetic)
        cinfo->arith_code = TRUE;
    if (o->restart_interval > 0)
        cinfo->restart_interval = (unsigned)o->restart_interval;
    st->row = malloc((size_t)w * (size_t)comps);
    if (!st->row)
        return -1;
    jpeg_start_compress(cinfo, TRUE);
    while (cinfo->next_scanline < cinfo->image_height) {
        s_fill_row(o, st->row, (int)cinfo->next_scanline, w, h, comps, seed);
        JSAMPROW rows[1] = {st->row};
        jpeg_write_scanlines(cinfo, rows, 1);
    }
    jpeg_finish_compress(cinfo);
    return 0;
}

int es_fixture_encode(const es_fixture_opts *o, int w, int h, unsigned seed, es_fixture_buf *out)
{
    struct jpeg_compress_struct cinfo;
    s_jerr err;
    s_encode_state st = {NULL, 0, NULL};
    int comps = o->components ? o->components : 3;

    if (w <= 0 || h <= 0 || w > 65535 || h > 65535 || (comps != 1 && comps != 3 && comps != 4)) {
        fprintf(stderr, "fixture: bad encoder options %dx%d/%d\n", w, h, comps);
        return -1;
    }
    memset(&cinfo, 0, sizeof cinfo);
    s_err_init(&err, false);
    cinfo.err = &err.mgr;
    int rc = s_encode(&cinfo, &err, &st, o, w, h, seed);
    jpeg_destroy_compress(&cinfo);
    if (rc == 0)
        es_fixture_buf_put(out, st.mem, st.mem_len);
    free(st.mem);
    free(st.row);
    return rc == 0 && !out->failed ? 0 : -1;
}

typedef struct s_decode_state {
    uint8_t *pix;
    int width, height, components;
} s_decode_state;

static int s_decode(struct jpeg_decompress_struct *cinfo, s_jerr *err, s_decode_state *st,
                    const uint8_t *jpeg, size_t len)
{
    if (setjmp(err->jump))
        return -1;
    jpeg_create_decompress(cinfo);
    cinfo->mem->max_memory_to_use = 1024L * 1024L * 1024L;
    jpeg_mem_src(cinfo, jpeg, (unsigned long)len);
    if (jpeg_read_header(cinfo, TRUE) != JPEG_HEADER_OK)
        return -1;
    if (cinfo->num_components == 1)
        cinfo->out_color_space = JCS_GRAYSCALE;
    else if (cinfo->num_components == 3)
        cinfo->out_color_space = JCS_RGB;
    else if (cinfo->num_components == 4)
        cinfo->out_color_space = JCS_CMYK; /* raw CMYK (YCCK is converted back to CMYK) */
    jpeg_start_decompress(cinfo);
    size_t stride = (size_t)cinfo->output_width * (size_t)cinfo->output_components;
    if (stride == 0 || cinfo->output_height == 0 || stride > S_MAX_SAMPLES / cinfo->output_height)
        return -1;
    st->pix = malloc(stride * cinfo->output_height);
    if (!st->pix)
        return -1;
    while (cinfo->output_scanline < cinfo->output_height) {
        JSAMPROW rows[1] = {st->pix + (size_t)cinfo->output_scanline * stride};
        jpeg_read_scanlines(cinfo, rows, 1);
    }
    st->width = (int)cinfo->output_width;
    st->height = (int)cinfo->output_height;
    st->components = cinfo->output_components;
    jpeg_finish_decompress(cinfo);
    return 0;
}

int es_fixture_decode(const uint8_t *jpeg, size_t len, uint8_t **pixels, int *width, int *height,
                      int *components)
{
    struct jpeg_decompress_struct cinfo;
    s_jerr err;
    s_decode_state st = {NULL, 0, 0, 0};

    *pixels = NULL;
    if (!jpeg || len == 0 || len > (size_t)0xFFFFFFFFu)
        return -1;
    memset(&cinfo, 0, sizeof cinfo);
    s_err_init(&err, true);
    cinfo.err = &err.mgr;
    int rc = s_decode(&cinfo, &err, &st, jpeg, len);
    jpeg_destroy_decompress(&cinfo);
    if (rc != 0) {
        free(st.pix);
        return -1;
    }
    *pixels = st.pix;
    *width = st.width;
    *height = st.height;
    *components = st.components;
    return 0;
}

/* Length of the entropy-coded data starting at in[pos]: up to the first marker
 * that is neither a stuffed 0xFF00 nor RSTn. */
static size_t s_entropy_len(const uint8_t *in, size_t len, size_t pos)
{
    size_t i = pos;
    while (i + 1 < len) {
        if (in[i] == 0xFF && in[i + 1] != 0x00 && !(in[i + 1] >= 0xD0 && in[i + 1] <= 0xD7))
            break;
        i += in[i] == 0xFF ? 2 : 1;
    }
    return i - pos;
}

int es_fixture_add_fill(const uint8_t *in, size_t len, es_fixture_buf *out)
{
    if (len < 4 || in[0] != 0xFF || in[1] != 0xD8)
        return -1;
    es_fixture_buf_put(out, in, 2);
    size_t pos = 2;
    unsigned n = 0;
    while (pos + 2 <= len) {
        if (in[pos] != 0xFF)
            return -1;
        uint8_t m = in[pos + 1];
        if (n++ > 0) /* keep the first segment (JFIF) right after SOI */
            es_fixture_buf_fill(out, 0xFF, n % 2 ? 1 : 3);
        if (m == 0xD9) {
            es_fixture_buf_put(out, in + pos, len - pos);
            return out->failed ? -1 : 0;
        }
        if (pos + 4 > len)
            return -1;
        size_t seg = 2 + ((size_t)in[pos + 2] << 8 | in[pos + 3]);
        if (seg < 4 || seg > len - pos)
            return -1;
        if (m == 0xDA)
            seg += s_entropy_len(in, len, pos + seg);
        es_fixture_buf_put(out, in + pos, seg);
        pos += seg;
    }
    return -1;
}
