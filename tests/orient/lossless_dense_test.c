/* lossless_dense_test.c - the two ways a sequential source leaves the
 * sparse coefficient store that lossless.c decodes it into, after which the
 * transform starts again with the full array and still writes
 * tjTransform's bytes for every operation: blocks nearly all dense (random
 * pixels at quality 100) overflow the store (its limit is the full array's
 * size less the row buffer and index); a component coded in two scans makes
 * the decoder revisit rows the store has already taken. A source too dense
 * for the store to be tried keeps the full array from the start. In every
 * case the full array is decoded by huff_decode.c too, not by
 * libjpeg-turbo's decoder (counted by es_huff_decode_installs). */
#include <stdlib.h>
#include <string.h>

#include "../harness/test.h"
#include "orient/huff_decode.h"
#include "tj_oracle.h"

#include <jpeglib.h>

static void test_dense_source_falls_back_to_the_full_array(void)
{
    static const int samplings[] = {TJSAMP_444, TJSAMP_420, TJSAMP_GRAY};
    for (size_t s = 0; s < sizeof samplings / sizeof samplings[0]; s++) {
        unsigned long len = 0; /* small enough to be tried with the sparse store (lossless.c keeps
                                  the full array for large dense files) */
        unsigned char *jpeg = ot_noise_jpeg(72, 56, samplings[s], 0, &len);
        REQUIRE(jpeg);
        unsigned long installs = es_huff_decode_installs();
        for (int op = 1; op < 8; op++)
            CHECK_INT_EQ(ot_check_same_as_tj("dense noise", jpeg, len, (es_orient_op)op, false), 1);
        /* each operation: the sparse attempt, then the full array's, both with huff_decode.c */
        CHECK_INT_EQ(es_huff_decode_installs() - installs, 2 * 7);
        tjFree(jpeg);
    }
}

/* A sequential 3-component file with one scan a component (scan script
 * 0; 1; 2), the luma's scan then coded a second time before EOI. */
static uint8_t *s_luma_twice(size_t *out_len)
{
    enum { W = 48, H = 40 };
    static unsigned char pix[W * H * 3];
    for (int i = 0; i < W * H * 3; i++)
        pix[i] = (unsigned char)(i * 7 + i / (W * 3) * 13);
    static const jpeg_scan_info scans[3] = {{1, {0}, 0, 63, 0, 0}, {1, {1}, 0, 63, 0, 0}, {1, {2}, 0, 63, 0, 0}};
    struct jpeg_compress_struct c;
    struct jpeg_error_mgr e;
    unsigned char *jpeg = NULL;
    unsigned long len = 0;
    c.err = jpeg_std_error(&e);
    jpeg_create_compress(&c);
    jpeg_mem_dest(&c, &jpeg, &len);
    c.image_width = W;
    c.image_height = H;
    c.input_components = 3;
    c.in_color_space = JCS_RGB;
    jpeg_set_defaults(&c);
    c.scan_info = scans;
    c.num_scans = 3;
    jpeg_start_compress(&c, TRUE);
    while (c.next_scanline < c.image_height) {
        JSAMPROW row = pix + (size_t)c.next_scanline * W * 3;
        jpeg_write_scanlines(&c, &row, 1);
    }
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    /* the first scan: its SOS segment and entropy data, up to the next marker */
    size_t sos = 2, end;
    while (sos + 4 < len && !(jpeg[sos] == 0xFF && jpeg[sos + 1] == 0xDA))
        sos += 2 + ((size_t)jpeg[sos + 2] << 8 | jpeg[sos + 3]);
    for (end = sos + 2 + ((size_t)jpeg[sos + 2] << 8 | jpeg[sos + 3]); end + 1 < len; end++)
        if (jpeg[end] == 0xFF && jpeg[end + 1] != 0 && (jpeg[end + 1] < 0xD0 || jpeg[end + 1] > 0xD7))
            break;
    uint8_t *twice = NULL;
    if (sos + 4 < len && end + 1 < len && jpeg[len - 2] == 0xFF && jpeg[len - 1] == 0xD9 &&
        (twice = malloc(len + end - sos))) {
        memcpy(twice, jpeg, len - 2);
        memcpy(twice + len - 2, jpeg + sos, end - sos);
        memcpy(twice + len - 2 + end - sos, jpeg + len - 2, 2);
        *out_len = len + end - sos;
    }
    free(jpeg);
    return twice;
}

static void test_revisited_rows_fall_back_to_the_full_array(void)
{
    size_t len = 0;
    uint8_t *jpeg = s_luma_twice(&len);
    REQUIRE(jpeg);
    unsigned long installs = es_huff_decode_installs();
    for (int op = 1; op < 8; op++)
        CHECK_INT_EQ(ot_check_same_as_tj("luma scan twice", jpeg, len, (es_orient_op)op, false), 1);
    CHECK_INT_EQ(es_huff_decode_installs() - installs, 2 * 7);
    free(jpeg);
}

/* Noise at quality 100 over 256x256 pixels: more compressed bytes a block
 * than lossless.c tries the sparse store with (24, plus 64 KiB for the
 * headers), so the transform decodes into the full array at once - with
 * huff_decode.c, once per operation. */
static void test_large_dense_source_keeps_the_fast_decoder(void)
{
    static const int samplings[] = {TJSAMP_444, TJSAMP_420};
    static const unsigned blocks[] = {3 * 32 * 32, 32 * 32 + 2 * 16 * 16};
    for (size_t s = 0; s < sizeof samplings / sizeof samplings[0]; s++) {
        unsigned long len = 0;
        unsigned char *jpeg = ot_noise_jpeg(256, 256, samplings[s], 0, &len);
        REQUIRE(jpeg);
        CHECK(len > 24ul * blocks[s] + 65536);
        unsigned long installs = es_huff_decode_installs();
        for (int op = 1; op < 8; op++)
            CHECK_INT_EQ(ot_check_same_as_tj("large dense noise", jpeg, len, (es_orient_op)op, false), 1);
        CHECK_INT_EQ(es_huff_decode_installs() - installs, 7);
        tjFree(jpeg);
    }
}

int main(void)
{
    ES_RUN(test_dense_source_falls_back_to_the_full_array);
    ES_RUN(test_revisited_rows_fall_back_to_the_full_array);
    ES_RUN(test_large_dense_source_keeps_the_fast_decoder);
    return es_test_finish();
}
