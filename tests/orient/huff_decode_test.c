/* huff_decode_test.c - huff_decode.c's coefficients are libjpeg-turbo's:
 * generated photos in 4:2:0, 4:2:2, 4:4:4, 4:4:0, 4:1:1, gray and CMYK, of
 * MCU-aligned, odd and one-pixel sizes, qualities 50 to 100 (long codes),
 * restart intervals of 1 and 3 MCUs, recoded with optimised Huffman tables
 * and as one scan per component; every one decoded by huff_decode.c (never
 * given up) with exactly libjpeg-turbo's coefficients. Damaged inputs (data
 * cut short, bytes before EOI or RSTn, a wrong RSTn, a bad code, FF FF 00)
 * are given up or decoded equally, never decoded where libjpeg-turbo warns. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../harness/test.h"
#include "../support/fixture.h"
#include "huff_util.h"
#include "layouts.h"
#include "tj_oracle.h"

#define S_MAX_BLOCKS (UINT64_C(1) << 22)

/* Both decoders on jpeg: the fast one must decode it (expect_fast) and both
 * give the same coefficients; otherwise only the safety rule. */
static void s_compare(const char *what, const uint8_t *jpeg, size_t len, bool expect_fast)
{
    hu_coefs slow, fast;
    char msg[JMSG_LENGTH_MAX];
    hu_result rs = hu_read(jpeg, len, false, S_MAX_BLOCKS, &slow, msg, sizeof msg);
    hu_result rf = hu_read(jpeg, len, true, S_MAX_BLOCKS, &fast, msg, sizeof msg);
    if (rf == HU_OK && fast.installed) {
        if (rs != HU_OK)
            es_test_fail(__FILE__, __LINE__, "%s: decoded where libjpeg-turbo fails", what);
        else if (hu_diff(&slow, &fast) >= 0)
            es_test_fail(__FILE__, __LINE__, "%s: coefficient %ld differs", what, hu_diff(&slow, &fast));
    } else if (expect_fast) {
        es_test_fail(__FILE__, __LINE__, "%s: not decoded by huff_decode.c (result %d, libjpeg %d: %s)", what,
                     (int)rf, (int)rs, msg);
    }
    if (rf == HU_FAILED && rs == HU_OK) /* only a give-up may differ from libjpeg */
        es_test_fail(__FILE__, __LINE__, "%s: failed where libjpeg-turbo succeeds", what);
    hu_free(&slow);
    hu_free(&fast);
}

/* jpeg's coefficients written again (jpeg_write_coefficients) with optimised
 * tables, a restart interval and/or one scan per component. */
static bool s_recode(const uint8_t *jpeg, size_t len, bool optimize, int restart, bool scan_per_component,
                     uint8_t **out, unsigned long *out_len)
{
    struct jpeg_decompress_struct d;
    struct jpeg_compress_struct c;
    struct jpeg_error_mgr e1, e2;
    d.err = jpeg_std_error(&e1);
    c.err = jpeg_std_error(&e2);
    jpeg_create_decompress(&d);
    jpeg_create_compress(&c);
    jpeg_mem_src(&d, jpeg, (unsigned long)len);
    jpeg_read_header(&d, TRUE);
    jvirt_barray_ptr *arrays = jpeg_read_coefficients(&d);
    jpeg_copy_critical_parameters(&d, &c);
    c.optimize_coding = optimize;
    c.restart_interval = (unsigned)restart;
    jpeg_scan_info scans[MAX_COMPONENTS];
    if (scan_per_component) {
        for (int ci = 0; ci < c.num_components; ci++) {
            scans[ci].comps_in_scan = 1;
            scans[ci].component_index[0] = ci;
            scans[ci].Ss = 0;
            scans[ci].Se = 63;
            scans[ci].Ah = scans[ci].Al = 0;
        }
        c.scan_info = scans;
        c.num_scans = c.num_components;
    }
    *out = NULL;
    *out_len = 0;
    jpeg_mem_dest(&c, out, out_len);
    jpeg_write_coefficients(&c, arrays);
    jpeg_finish_compress(&c);
    jpeg_finish_decompress(&d);
    jpeg_destroy_compress(&c);
    jpeg_destroy_decompress(&d);
    return *out != NULL;
}

/* Every layout and size with each quality (restart interval 0) or each
 * restart interval (quality 90). */
static void s_each_layout_size(const int *qualities, const int *intervals, size_t n)
{
    unsigned seed = 1;
    for (size_t li = 0; li < OT_LAYOUTS_N; li++)
        for (size_t si = 0; si < OT_SIZES_N; si++)
            for (size_t k = 0; k < n; k++) {
                int w = ot_sizes[si][0], h = ot_sizes[si][1], q = qualities ? qualities[k] : 90,
                    restart = intervals ? intervals[k] : 0;
                size_t len = 0;
                uint8_t *jpeg = ot_layout_make(&ot_layouts[li], w, h, q, restart, seed++, &len);
                REQUIRE(jpeg);
                char what[128];
                snprintf(what, sizeof what, "%s %dx%d q%d restart %d", ot_layouts[li].name, w, h, q, restart);
                s_compare(what, jpeg, len, true);
                free(jpeg);
            }
}

static void test_layouts_sizes_qualities(void)
{
    static const int qualities[] = {50, 92, 100};
    s_each_layout_size(qualities, NULL, 3);
}

static void test_restart_intervals(void)
{
    static const int intervals[] = {1, 3};
    s_each_layout_size(NULL, intervals, 2);
}

/* Optimised tables (codes up to 16 bits at quality 100), restarts after
 * every MCU, one scan per component (non-interleaved MCUs of one block). */
static void test_recoded(void)
{
    for (size_t li = 0; li < OT_LAYOUTS_N; li++)
        for (int variant = 0; variant < 6; variant++) {
            size_t len = 0;
            uint8_t *jpeg = ot_layout_make(&ot_layouts[li], 301, 203, variant < 3 ? 100 : 75, 0, 11, &len);
            REQUIRE(jpeg);
            uint8_t *re = NULL;
            unsigned long re_len = 0;
            bool optimize = variant % 3 != 1, per_component = variant % 3 != 0;
            int restart = variant >= 3 ? 1 + variant % 2 : 0;
            REQUIRE(s_recode(jpeg, len, optimize, restart, per_component, &re, &re_len));
            char what[128];
            snprintf(what, sizeof what, "%s recoded optimize %d restart %d per component %d",
                     ot_layouts[li].name, optimize, restart, per_component);
            s_compare(what, re, re_len, true);
            free(re);
            free(jpeg);
        }
}

/* Where the entropy data of the first scan starts (after SOS) and ends (its EOI). */
static bool s_scan_bounds(const uint8_t *j, size_t len, size_t *from, size_t *to)
{
    size_t pos = 2;
    while (pos + 4 <= len && j[pos] == 0xFF) {
        size_t seg = 2 + ((size_t)j[pos + 2] << 8 | j[pos + 3]);
        if (j[pos + 1] == 0xDA) {
            *from = pos + seg;
            *to = len - 2;
            return *from < *to && j[len - 2] == 0xFF && j[len - 1] == 0xD9;
        }
        pos += seg;
    }
    return false;
}

/* A copy of jpeg with `n` bytes `bytes` put in at `at` (after removing `cut` bytes there). */
static uint8_t *s_edit(const uint8_t *jpeg, size_t len, size_t at, size_t cut, const uint8_t *bytes, size_t n,
                       size_t *out_len)
{
    uint8_t *o = malloc(len + n);
    if (!o)
        return NULL;
    memcpy(o, jpeg, at);
    if (n)
        memcpy(o + at, bytes, n);
    memcpy(o + at + n, jpeg + at + cut, len - at - cut);
    *out_len = len - cut + n;
    return o;
}

static void test_damaged(void)
{
    size_t len = 0;
    uint8_t *jpeg = ot_layout_make(&ot_layouts[0], 301, 203, 92, 0, 3, &len), *rst = NULL;
    size_t rst_len = 0, from = 0, to = 0, rfrom = 0, rto = 0;
    REQUIRE(jpeg);
    rst = ot_layout_make(&ot_layouts[0], 301, 203, 92, 2, 3, &rst_len);
    REQUIRE(rst);
    REQUIRE(s_scan_bounds(jpeg, len, &from, &to));
    REQUIRE(s_scan_bounds(rst, rst_len, &rfrom, &rto));
    static const uint8_t garbage[] = {0x12, 0x34, 0x56}, ffff00[] = {0xFF, 0xFF, 0x00}, eoi[] = {0xFF, 0xD9},
                         ones[] = {0xFF, 0x00, 0xFF, 0x00, 0xFF, 0x00};
    struct {
        const char *what;
        const uint8_t *src;
        size_t src_len, at, cut;
        const uint8_t *bytes;
        size_t n;
    } edits[] = {
        {"cut short at a third", jpeg, len, from + (to - from) / 3, len - from - (to - from) / 3 - 2, NULL, 0},
        {"cut short near the end", jpeg, len, to - 3, 1, NULL, 0},
        {"bytes before EOI", jpeg, len, to, 0, garbage, sizeof garbage},
        {"one byte before EOI", jpeg, len, to, 0, garbage, 1},
        {"EOI early", jpeg, len, from + 100, 0, eoi, sizeof eoi},
        {"FF FF 00 in the data", jpeg, len, from + 50, 0, ffff00, sizeof ffff00},
        {"all-ones codes", jpeg, len, from + 20, 6, ones, sizeof ones},
        {"bytes before EOI, restarts", rst, rst_len, rto, 0, garbage, sizeof garbage},
    };
    for (size_t i = 0; i < sizeof edits / sizeof edits[0]; i++) {
        size_t n = 0;
        uint8_t *bad = s_edit(edits[i].src, edits[i].src_len, edits[i].at, edits[i].cut,
                              edits[i].bytes ? edits[i].bytes : garbage, edits[i].n, &n);
        REQUIRE(bad);
        if (!edits[i].bytes) /* a cut: the EOI stays */
            memcpy(bad + n - 2, eoi, 2);
        s_compare(edits[i].what, bad, n, false);
        hu_coefs c;
        char msg[JMSG_LENGTH_MAX];
        hu_result r = hu_read(bad, n, true, S_MAX_BLOCKS, &c, msg, sizeof msg);
        if (i == 0 || i == 2 || i == 3 || i == 4 || i == 7) /* the others may decode equally */
            CHECK(r == HU_GAVE_UP);
        hu_free(&c);
        free(bad);
    }
    /* a wrong or missing RSTn; bytes before one */
    size_t first_rst = 0;
    for (size_t p = rfrom; p + 1 < rto && !first_rst; p++)
        if (rst[p] == 0xFF && rst[p + 1] == 0xD0)
            first_rst = p;
    REQUIRE(first_rst);
    static const uint8_t rst5[] = {0xFF, 0xD5};
    size_t n = 0;
    uint8_t *bad = s_edit(rst, rst_len, first_rst, 2, rst5, 2, &n);
    REQUIRE(bad);
    s_compare("wrong RSTn", bad, n, false);
    free(bad);
    bad = s_edit(rst, rst_len, first_rst, 2, NULL, 0, &n);
    REQUIRE(bad);
    s_compare("missing RSTn", bad, n, false);
    free(bad);
    bad = s_edit(rst, rst_len, first_rst, 0, garbage, sizeof garbage, &n);
    REQUIRE(bad);
    s_compare("bytes before RSTn", bad, n, false);
    hu_coefs c;
    char msg[JMSG_LENGTH_MAX];
    CHECK(hu_read(bad, n, true, S_MAX_BLOCKS, &c, msg, sizeof msg) == HU_GAVE_UP);
    hu_free(&c);
    free(bad);
    free(rst);
    free(jpeg);
}

/* A source huff_decode.c gives up on is transformed with libjpeg-turbo's
 * decoder: the same bytes as tjTransform. A data FF written FF FF 00, which
 * libjpeg-turbo reads silently (with and without restarts); a whole padding
 * byte (FF 00) before EOI, as jpeg-js writes (libjpeg-turbo warns about it
 * here: both refuse). */
static void test_lossless_after_give_up(void)
{
    static const uint8_t ff = 0xFF, pad[] = {0xFF, 0x00};
    for (int k = 0; k < 3; k++) {
        size_t len = 0, from = 0, to = 0, n = 0, at = 0;
        uint8_t *jpeg = ot_layout_make(&ot_layouts[0], 301, 203, 92, k == 1 ? 4 : 0, 5, &len);
        REQUIRE(jpeg);
        REQUIRE(s_scan_bounds(jpeg, len, &from, &to));
        for (size_t p = from; p + 1 < to && !at; p++)
            if (jpeg[p] == 0xFF && jpeg[p + 1] == 0)
                at = p;
        REQUIRE(at);
        uint8_t *bad = k < 2 ? s_edit(jpeg, len, at, 0, &ff, 1, &n)
                             : s_edit(jpeg, len, to, 0, pad, sizeof pad, &n);
        REQUIRE(bad);
        hu_coefs c;
        char msg[JMSG_LENGTH_MAX];
        CHECK(hu_read(bad, n, true, S_MAX_BLOCKS, &c, msg, sizeof msg) == HU_GAVE_UP);
        hu_free(&c);
        const char *what = k == 0 ? "FF FF 00" : k == 1 ? "FF FF 00, restarts" : "padding byte";
        for (int op = 1; op < 8; op++)
            CHECK(ot_check_same_as_tj(what, bad, n, (es_orient_op)op, false) == (k < 2 ? 1 : 0));
        free(bad);
        free(jpeg);
    }
}

/* Progressive and arithmetic-coded sources keep libjpeg-turbo's decoder. */
static void test_not_installed(void)
{
    for (int k = 0; k < 2; k++) {
        es_fixture_opts o = {0};
        o.width = 64;
        o.height = 48;
        o.progressive = k == 0;
        o.arithmetic = k == 1;
        uint8_t *jpeg = NULL;
        size_t len = 0;
        REQUIRE(es_fixture_make(&o, &jpeg, &len) == 0);
        hu_coefs c;
        char msg[JMSG_LENGTH_MAX];
        CHECK(hu_read(jpeg, len, true, S_MAX_BLOCKS, &c, msg, sizeof msg) == HU_OK);
        CHECK(!c.installed);
        hu_free(&c);
        free(jpeg);
    }
}

int main(void)
{
    ES_RUN(test_layouts_sizes_qualities);
    ES_RUN(test_restart_intervals);
    ES_RUN(test_recoded);
    ES_RUN(test_damaged);
    ES_RUN(test_lossless_after_give_up);
    ES_RUN(test_not_installed);
    return es_test_finish();
}
