/* fixture.c - es_fixture_make: encodes the picture, optionally adds fill
 * bytes, inserts the requested metadata segments right after SOI (and JFIF),
 * then appends the MPF second image and/or the MP4-like trailer. */
#include "fixture_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* End of SOI plus a leading APP0 JFIF segment, where metadata is inserted. */
static size_t s_insert_pos(const uint8_t *j, size_t len)
{
    if (len >= 11 && j[2] == 0xFF && j[3] == 0xE0 && !memcmp(j + 6, "JFIF", 5)) {
        size_t seg = 2 + ((size_t)j[4] << 8 | j[5]);
        if (seg <= len - 2)
            return 2 + seg;
    }
    return 2;
}

static void s_fill(const es_fixture_opts *o, es_fixture_buf *out)
{
    if (o->fill_bytes)
        es_fixture_buf_fill(out, 0xFF, 2);
}

static void s_metadata(const es_fixture_opts *o, es_fixture_buf *out, size_t *mpf_pos)
{
    if (o->jfxx)
        es_fixture_seg_jfxx(out);
    if (o->exif || o->exif_gps || o->exif_thumbnail || o->orientation > 0) {
        s_fill(o, out);
        es_fixture_seg_exif(o, out);
    }
    if (o->xmp || o->xmp_extended)
        es_fixture_seg_xmp(o, out);
    if (o->xmp_extended)
        es_fixture_seg_xmp_extended(out);
    if (o->icc_chunks > 0) {
        s_fill(o, out);
        es_fixture_seg_icc(o->icc_chunks, out);
    }
    if (o->mpf_second_image)
        es_fixture_seg_mpf(out, mpf_pos);
    if (o->apple_app2_fpxr)
        es_fixture_seg_fpxr(out);
    if (o->ducky)
        es_fixture_seg_ducky(out);
    if (o->iptc) {
        s_fill(o, out);
        es_fixture_seg_iptc(out);
    }
    if (o->comment)
        es_fixture_seg_comment(out);
}

int es_fixture_make(const es_fixture_opts *opts, uint8_t **out, size_t *out_len)
{
    es_fixture_opts o = *opts;
    es_fixture_buf img = {0}, filled = {0}, res = {0};
    size_t mpf_pos = 0;
    int rc = -1;

    *out = NULL;
    *out_len = 0;
    if (!o.width)
        o.width = 64;
    if (!o.height)
        o.height = 48;
    if (!o.components)
        o.components = 3;
    if (!o.quality)
        o.quality = 85;
    bool swap = o.oriented_pixels && o.orientation >= 5 && o.orientation <= 8;
    if (es_fixture_encode(&o, swap ? o.height : o.width, swap ? o.width : o.height, o.seed, &img) != 0)
        goto done;
    if (o.fill_bytes) {
        if (es_fixture_add_fill(img.data, img.len, &filled) != 0)
            goto done;
        es_fixture_buf_free(&img);
        img = filled;
        filled = (es_fixture_buf){0};
    }
    size_t at = s_insert_pos(img.data, img.len);
    es_fixture_buf_put(&res, img.data, at);
    s_metadata(&o, &res, &mpf_pos);
    es_fixture_buf_put(&res, img.data + at, img.len - at);
    if (o.mpf_second_image) {
        es_fixture_opts second = {.components = 3, .quality = 70};
        size_t first_len = res.len;
        if (es_fixture_encode(&second, 32, 24, o.seed + 1, &res) != 0)
            goto done;
        if (!res.failed && res.len <= 0xFFFFFFFFu)
            es_fixture_mpf_patch(res.data, mpf_pos, (uint32_t)first_len, (uint32_t)(res.len - first_len));
    }
    if (o.mp4_trailer)
        es_fixture_mp4_trailer(o.seed, &res);
    if (res.failed) {
        fprintf(stderr, "fixture: assembling the JPEG failed\n");
        goto done;
    }
    *out = res.data;
    *out_len = res.len;
    res.data = NULL;
    rc = 0;
done:
    es_fixture_buf_free(&img);
    es_fixture_buf_free(&filled);
    es_fixture_buf_free(&res);
    return rc;
}
