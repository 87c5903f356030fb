/* audit_test.c - the streaming privacy audit (es_jpeg_audit): for fixtures
 * carrying each kind of metadata, a clean one and non-JPEG/corrupt inputs,
 * the result of feeding the input split at every point (and byte by byte)
 * equals the in-memory inspection: the stripper over the whole buffer plus
 * es_jpeg_describe on the bytes after EOI, read back from the buffer the way
 * `exifstrip inspect` reads them back from the file. The items name what each
 * fixture carries. Over the shared real-file corpus (when present): 4 KiB
 * chunks and two split points per file agree with the in-memory inspection. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../harness/test.h"
#include "../support/fixture.h"
#include "../support/shared_dir.h"
#include "strip_util.h"
#include "exifstrip/jpeg_audit.h"

/* The in-memory inspection: one whole-buffer strip, the trailer described
 * from the buffer at the offset its segment report gives. */
static void s_in_memory(const uint8_t *in, size_t len, es_jpeg_audit_result *r)
{
    es_tj_result one;
    uint64_t trailer;
    es_tj_strip(NULL, in, len, es_tj_oneshot(), &one);
    memset(r, 0, sizeof *r);
    r->status = one.rc;
    if (one.rc != ES_OK)
        strcpy(r->reason, one.msg);
    r->stats = one.stats;
    if (one.rc == ES_OK && es_tj_trailer_offset(&one, &trailer)) {
        es_jpeg_description d;
        es_jpeg_describe(ES_JPEG_KIND_TRAILER, in + trailer, len - (size_t)trailer, &d);
        r->has_trailer = true;
        r->trailer = d.trailer;
    }
    es_tj_result_free(&one);
}

/* Streams in as chunks: [0, split) then [split, len), or `step`-byte chunks when step > 0. */
static void s_streamed(const uint8_t *in, size_t len, size_t split, size_t step, es_jpeg_audit_result *r)
{
    es_jpeg_audit *a = es_jpeg_audit_new(NULL);
    REQUIRE(a != NULL);
    size_t pos = 0;
    while (pos < len) {
        size_t n = step ? step : (pos < split ? split : len - pos);
        if (n > len - pos)
            n = len - pos;
        /* A private copy per chunk, so ASan catches a read past it or a kept pointer. */
        uint8_t *chunk = malloc(n);
        memcpy(chunk, in + pos, n);
        (void)es_jpeg_audit_feed(a, chunk, n); /* after a refusal it keeps failing the same way */
        free(chunk);
        pos += n;
    }
    es_jpeg_audit_finish(a, r);
    es_jpeg_audit_free(a);
}

/* Equal results; for a refused input bytes_in only says how far the stripper got. */
static bool s_same(const es_jpeg_audit_result *a, const es_jpeg_audit_result *b)
{
    return a->status == b->status && !strcmp(a->reason, b->reason) &&
           es_tj_same_stats(&a->stats, &b->stats, a->status != ES_OK) && a->has_trailer == b->has_trailer &&
           a->trailer == b->trailer;
}

/* Every split point and byte-by-byte feeding agree with the in-memory inspection. */
static void s_check_splits(const uint8_t *in, size_t len, es_jpeg_audit_result *expect)
{
    es_jpeg_audit_result got;
    s_in_memory(in, len, expect);
    for (size_t split = 0; split <= len; split++) {
        s_streamed(in, len, split, 0, &got);
        if (!s_same(&got, expect)) {
            CHECK(!"streamed result differs from the in-memory inspection");
            es_test_fail(__FILE__, __LINE__, "first differing split point: %zu of %zu", split, len);
            return;
        }
    }
    s_streamed(in, len, 0, 1, &got);
    CHECK(s_same(&got, expect));
}

/* The names of r's items joined by ',' (at most 256 bytes). */
static void s_names(const es_jpeg_audit_result *r, char out[256])
{
    es_jpeg_audit_item items[ES_JPEG_AUDIT_MAX_ITEMS];
    size_t n = es_jpeg_audit_items(r, items);
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        if (i)
            strcat(out, ",");
        strcat(out, items[i].name);
    }
}

static void s_fixture_case(es_fixture_opts o, const char *expect_items, es_jpeg_trailer_look look)
{
    uint8_t *img;
    size_t len;
    REQUIRE(es_fixture_make(&o, &img, &len) == 0);
    es_jpeg_audit_result r;
    s_check_splits(img, len, &r);
    CHECK_INT_EQ(r.status, ES_OK);
    char names[256];
    s_names(&r, names);
    CHECK_STR_EQ(names, expect_items);
    if (r.has_trailer)
        CHECK_INT_EQ(r.trailer, look);
    free(img);
}

static void test_each_kind(void)
{
    s_fixture_case((es_fixture_opts){.seed = 1}, "", 0);
    s_fixture_case((es_fixture_opts){.icc_chunks = 2, .seed = 2}, "icc-text", 0); /* ICC is kept, scrubbed */
    s_fixture_case((es_fixture_opts){.exif = true}, "exif", 0);
    s_fixture_case((es_fixture_opts){.exif_gps = true}, "gps,exif", 0);
    s_fixture_case((es_fixture_opts){.exif_thumbnail = true}, "exif-thumbnail,exif", 0);
    s_fixture_case((es_fixture_opts){.xmp = true, .xmp_extended = true}, "xmp,xmp-ext", 0);
    s_fixture_case((es_fixture_opts){.iptc = true}, "photoshop", 0);
    s_fixture_case((es_fixture_opts){.comment = true, .fill_bytes = true}, "comment", 0);
    s_fixture_case((es_fixture_opts){.jfxx = true, .ducky = true}, "jfxx,ducky", 0);
    s_fixture_case((es_fixture_opts){.mpf_second_image = true}, "mpf,trailer", ES_JPEG_TRAILER_JPEG);
    s_fixture_case((es_fixture_opts){.mp4_trailer = true}, "trailer", ES_JPEG_TRAILER_BMFF);
}

/* A JFIF thumbnail is trimmed, not removed: the audit still names it. */
static void test_jfif_thumbnail(void)
{
    uint8_t *img;
    size_t len;
    REQUIRE(es_fixture_make(&(es_fixture_opts){.seed = 3}, &img, &len) == 0);
    REQUIRE(len > 20 && img[3] == 0xE0 && img[5] == 16); /* APP0 JFIF, length 16 */
    /* Rebuild APP0 with a 2x1 RGB thumbnail (6 more bytes). */
    uint8_t *big = malloc(len + 6);
    memcpy(big, img, 20);
    big[5] = 22;
    big[18] = 2;
    big[19] = 1;
    memset(big + 20, 0x7F, 6);
    memcpy(big + 26, img + 20, len - 20);
    es_jpeg_audit_result r;
    s_check_splits(big, len + 6, &r);
    char names[256];
    s_names(&r, names);
    CHECK_STR_EQ(names, "jfif");
    CHECK_INT_EQ(r.stats.removed_bytes[ES_JPEG_KIND_JFIF], 6);
    free(big);
    free(img);
}

/* Refused inputs: the status and reason are the stripper's, whatever the split. */
static void test_refused(void)
{
    static const uint8_t png[] = "\x89PNG\r\n\x1A\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x02\0\0\0\x90wS\xde";
    es_jpeg_audit_result r;
    s_check_splits(png, sizeof png - 1, &r);
    CHECK_INT_EQ(r.status, ES_ERR_JPEG_NOT_JPEG);
    CHECK_STR_CONTAINS(r.reason, "PNG image");
    es_jpeg_audit_item items[ES_JPEG_AUDIT_MAX_ITEMS];
    CHECK_INT_EQ(es_jpeg_audit_items(&r, items), 0);

    uint8_t *img;
    size_t len;
    REQUIRE(es_fixture_make(&(es_fixture_opts){.exif_gps = true}, &img, &len) == 0);
    s_check_splits(img, len / 2, &r); /* cut in the middle */
    CHECK(r.status != ES_OK);
    s_check_splits(img, 0, &r);
    CHECK_INT_EQ(r.status, ES_ERR_JPEG_EMPTY);
    free(img);
}

/* A trailer that begins in a later chunk than EOI, and one shorter than the peek. */
static void test_trailer_edges(void)
{
    uint8_t *img;
    size_t len;
    REQUIRE(es_fixture_make(&(es_fixture_opts){.seed = 4}, &img, &len) == 0);
    uint8_t *t = malloc(len + 3);
    memcpy(t, img, len);
    memcpy(t + len, "\xFF\xD8\xFF", 3);
    es_jpeg_audit_result r;
    s_check_splits(t, len + 3, &r);
    CHECK(r.has_trailer);
    CHECK_INT_EQ(r.trailer, ES_JPEG_TRAILER_JPEG);
    memset(t + len, 0, 3);
    s_check_splits(t, len + 3, &r);
    CHECK_INT_EQ(r.trailer, ES_JPEG_TRAILER_ZEROS);
    free(t);
    free(img);
}

static void test_corpus(void)
{
    const char *dir = es_test_shared_path("corpus");
    char path[4096];
    if (!dir)
        SKIP_WITHOUT_SHARED("../shared/corpus");
    snprintf(path, sizeof path, "%s/dev", dir);
    DIR *d = opendir(path);
    REQUIRE(d != NULL);
    int files = 0, gps = 0, trailers = 0, refused = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        uint8_t *img;
        size_t len;
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "%s/dev/%s", dir, e->d_name);
        if (es_fixture_read_file(path, &img, &len) != 0)
            continue;
        es_jpeg_audit_result expect, got;
        s_in_memory(img, len, &expect);
        s_streamed(img, len, 0, 4096, &got);
        bool same = s_same(&got, &expect);
        s_streamed(img, len, len / 3, 0, &got);
        same = same && s_same(&got, &expect);
        s_streamed(img, len, len - len / 7, 0, &got);
        same = same && s_same(&got, &expect);
        if (!same)
            es_test_fail(__FILE__, __LINE__, "%s: streamed result differs from the in-memory inspection",
                         e->d_name);
        files++;
        gps += expect.status == ES_OK && expect.stats.exif_has_gps;
        trailers += expect.has_trailer;
        refused += expect.status != ES_OK;
        free(img);
    }
    closedir(d);
    printf("# corpus: %d files, %d with GPS, %d with a trailer, %d refused\n", files, gps, trailers, refused);
    CHECK(files > 0);
    CHECK(gps > 0 && trailers > 0); /* the corpus has both (Pillow__exif_gps.jpg, the .mpo files) */
}

int main(void)
{
    ES_RUN(test_each_kind);
    ES_RUN(test_jfif_thumbnail);
    ES_RUN(test_refused);
    ES_RUN(test_trailer_edges);
    ES_RUN(test_corpus);
    return es_test_finish();
}
