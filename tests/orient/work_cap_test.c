/* work_cap_test.c - the turn's decoding work is bounded by the input's size:
 * a flat 4096x4096 photo, arithmetic coded, whose DC scan is repeated 100
 * times (a few KB: 262144 blocks decoded in each scan) keeps its tag
 * instead of being turned, saying why, while the same photo with its two
 * scans (176 bytes: far more blocks than bytes, as flat arithmetic-coded
 * photos have) is turned. A few KB declaring 100 MP and hundreds of such scans cost
 * tens of seconds of CPU before the bound. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>

#include "../harness/test.h"
#include "orient_util.h"

#define S_SIDE 4096

/* A flat gray S_SIDE square, arithmetic coded in two scans (DC, then AC);
 * malloc'd into *out. */
static bool s_flat(uint8_t **out, size_t *len)
{
    struct jpeg_compress_struct c;
    struct jpeg_error_mgr err;
    static const jpeg_scan_info scans[] = {{1, {0}, 0, 0, 0, 0}, {1, {0}, 1, 63, 0, 0}};
    unsigned char *mem = NULL;
    unsigned long mem_len = 0;
    c.err = jpeg_std_error(&err);
    jpeg_create_compress(&c);
    jpeg_mem_dest(&c, &mem, &mem_len);
    c.image_width = c.image_height = S_SIDE;
    c.input_components = 1;
    c.in_color_space = JCS_GRAYSCALE;
    jpeg_set_defaults(&c);
    c.arith_code = TRUE;
    c.scan_info = scans;
    c.num_scans = 2;
    jpeg_start_compress(&c, TRUE);
    static JSAMPLE row[S_SIDE];
    memset(row, 128, sizeof row);
    JSAMPROW rows[1] = {row};
    while (c.next_scanline < c.image_height)
        jpeg_write_scanlines(&c, rows, 1);
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    *out = mem;
    *len = mem_len;
    return mem != NULL;
}

/* jpeg with an APP1 Orientation 6 after SOI and its first scan (SOS header
 * and data, up to the next marker) repeated `copies` more times. */
static uint8_t *s_turned_with_scans(const uint8_t *jpeg, size_t len, int copies, size_t *out_len)
{
    static const uint8_t exif[] = {0xFF, 0xE1, 0x00, 0x22, 'E', 'x', 'i', 'f', 0,    0,    'M', 'M',
                                   0,    42,   0,    0,    0,   8,   0,   1,   0x01, 0x12, 0,   3,
                                   0,    0,    0,    1,    0,   6,   0,   0,   0,    0,    0,   0};
    size_t sos = 2;
    while (sos + 4 <= len && !(jpeg[sos] == 0xFF && jpeg[sos + 1] == 0xDA))
        sos += 2 + (size_t)(jpeg[sos + 2] << 8 | jpeg[sos + 3]);
    size_t end = sos + 2 + (size_t)(jpeg[sos + 2] << 8 | jpeg[sos + 3]);
    while (end + 1 < len &&
           !(jpeg[end] == 0xFF && jpeg[end + 1] != 0x00 && (jpeg[end + 1] < 0xD0 || jpeg[end + 1] > 0xD7)))
        end++;
    size_t scan = end - sos;
    *out_len = len + sizeof exif + (size_t)copies * scan;
    uint8_t *out = malloc(*out_len);
    if (!out || end >= len)
        return NULL;
    uint8_t *p = out;
    memcpy(p, jpeg, 2), p += 2;
    memcpy(p, exif, sizeof exif), p += sizeof exif;
    memcpy(p, jpeg + 2, end - 2), p += end - 2;
    for (int i = 0; i < copies; i++)
        memcpy(p, jpeg + sos, scan), p += scan;
    memcpy(p, jpeg + end, len - end);
    return out;
}

static void test_work_beyond_the_input_keeps_the_tag(void)
{
    uint8_t *flat = NULL;
    size_t flat_len = 0;
    REQUIRE(s_flat(&flat, &flat_len));
    es_orient_config cfg = {.mode = ES_ORIENT_APPLY};
    for (int copies = 0; copies <= 100; copies += 100) {
        size_t len = 0;
        uint8_t *jpeg = s_turned_with_scans(flat, flat_len, copies, &len);
        REQUIRE(jpeg != NULL);
        es_orient_result res;
        es_error err = {0};
        uint8_t *out = NULL;
        size_t out_len = 0;
        CHECK_OK(es_orient_strip_buffer(NULL, &cfg, jpeg, len, &out, &out_len, &err, &res));
        if (copies == 0) {
            if (res.outcome != ES_ORIENT_TRANSFORMED)
                es_test_fail(__FILE__, __LINE__, "not turned (%u bytes): %s", (unsigned)len, res.note);
        } else {
            CHECK(len < 8192); /* a few KB */
            CHECK_INT_EQ(res.outcome, ES_ORIENT_TAG_KEPT);
            CHECK_STR_CONTAINS(res.note, "scans of 262144 blocks are more decoding than");
        }
        free(out);
        free(jpeg);
    }
    free(flat);
}

int main(void)
{
    ES_RUN(test_work_beyond_the_input_keeps_the_tag);
    return es_test_finish();
}
