/* icc_strip_test.c - the stripper's ICC scrub (src/jpeg/strip.c with
 * src/jpeg/icc.c) over JPEGs carrying real lcms2-made profiles in 1-3 APP2
 * chunks: the same chunks and lengths come out, scrubbed (no identifying
 * string, the same colours, libjpeg still reads the profile), the same however
 * the input is fed; a last chunk running past the declared size is cut; every
 * invalid chunk (not a profile, bad numbers, out of order, a second profile,
 * and every ICC chunk after one) is dropped and reported; a second strip
 * changes nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>

#include "../harness/test.h"
#include "icc_util.h"
#include "jpeg/icc.h"
#include "strip_util.h"

typedef struct s_chunk {
    const uint8_t *data;
    size_t len;
    uint8_t seq, count;
} s_chunk;

/* SOI, APP2 ICC chunks as given, the tiny image, EOI. */
static void s_jpeg(es_tj_buf *b, const s_chunk *c, size_t n)
{
    es_tj_soi(b);
    for (size_t i = 0; i < n; i++) {
        es_tj_buf p = {0};
        es_tj_buf_put(&p, "ICC_PROFILE", 12);
        es_tj_buf_put(&p, &c[i].seq, 1);
        es_tj_buf_put(&p, &c[i].count, 1);
        es_tj_buf_put(&p, c[i].data, c[i].len);
        es_tj_seg(b, 0xE2, p.data, p.len);
        es_tj_buf_free(&p);
    }
    es_tj_image(b, 0xC0);
    es_tj_eoi(b);
}

/* Cuts a profile into n chunks of about equal size (the first at least 600
 * bytes, so it holds the header and tag table). */
static size_t s_split(const uint8_t *p, size_t len, size_t n, s_chunk *out)
{
    size_t first = n == 1 ? len : 600 + (len - 600) / n, rest = n > 1 ? (len - first + n - 2) / (n - 1) : 0;
    size_t at = 0;
    for (size_t i = 0; i < n; i++) {
        size_t k = i == 0 ? first : len - at < rest ? len - at : rest;
        out[i] = (s_chunk){p + at, k, (uint8_t)(i + 1), (uint8_t)n};
        at += k;
    }
    return n;
}

/* The ICC chunks' profile data of a stripped JPEG, concatenated; their count. */
static size_t s_icc_data(const uint8_t *j, size_t len, es_tj_buf *out)
{
    size_t n = 0;
    for (size_t i = 2; i + 4 <= len && j[i] == 0xFF && j[i + 1] != 0xDA;) {
        size_t seg = (size_t)j[i + 2] << 8 | j[i + 3];
        if (j[i + 1] == 0xE2 && seg >= 16 && memcmp(j + i + 4, "ICC_PROFILE", 12) == 0) {
            es_tj_buf_put(out, j + i + 18, seg - 16);
            n++;
        }
        i += 2 + seg;
    }
    return n;
}

/* libjpeg's own reading of the profile (jpeg_read_icc_profile). */
static bool s_libjpeg_profile(const uint8_t *j, size_t len, uint8_t **icc, unsigned *icc_len)
{
    struct jpeg_decompress_struct d;
    struct jpeg_error_mgr e;
    d.err = jpeg_std_error(&e);
    jpeg_create_decompress(&d);
    jpeg_mem_src(&d, j, (unsigned long)len);
    jpeg_save_markers(&d, JPEG_APP0 + 2, 0xFFFF);
    bool ok = jpeg_read_header(&d, TRUE) == JPEG_HEADER_OK && jpeg_read_icc_profile(&d, icc, icc_len);
    jpeg_destroy_decompress(&d);
    return ok;
}

static void s_policy(es_jpeg_policy *p, bool keep_icc)
{
    es_jpeg_policy_default(p);
    p->keep_icc = keep_icc;
}

/* Strips in every way the test feeds it; all runs must agree. Returns the one-shot run. */
static void s_strip_all_ways(const es_jpeg_policy *p, const es_tj_buf *in, es_tj_result *one)
{
    es_tj_strip(p, in->data, in->len, es_tj_oneshot(), one);
    static const size_t chunks[] = {1, 2, 3, 7, 13, 64, 500, 4096};
    for (size_t i = 0; i < sizeof chunks / sizeof chunks[0]; i++) {
        es_tj_result r = {0};
        es_tj_strip(p, in->data, in->len, es_tj_chunks(chunks[i]), &r);
        if (!es_tj_same(one, &r))
            es_test_fail(__FILE__, __LINE__, "fed in chunks of %zu: a different result", chunks[i]);
        es_tj_result_free(&r);
    }
    for (uint32_t seed = 1; seed <= 20; seed++) {
        es_tj_result r = {0};
        es_tj_strip(p, in->data, in->len, es_tj_random(seed), &r);
        if (!es_tj_same(one, &r))
            es_test_fail(__FILE__, __LINE__, "random split %u: a different result", (unsigned)seed);
        es_tj_result_free(&r);
    }
}

static void s_check_kept(bool v4, size_t nchunks)
{
    size_t len = 0, changed = 0;
    uint8_t *prof = es_ti_profile(v4, &len);
    REQUIRE(prof != NULL);
    s_chunk c[3];
    s_split(prof, len, nchunks, c);
    es_tj_buf in = {0}, data = {0};
    s_jpeg(&in, c, nchunks);
    REQUIRE(!in.failed);
    es_jpeg_policy p;
    s_policy(&p, true);
    es_tj_result r = {0};
    s_strip_all_ways(&p, &in, &r);
    REQUIRE(r.rc == ES_OK);
    CHECK(!es_ti_has_secret(r.out.data, r.out.len));
    CHECK_INT_EQ(r.out.len, in.len); /* same chunks, same lengths */
    CHECK_INT_EQ(s_icc_data(r.out.data, r.out.len, &data), nchunks);
    REQUIRE(data.len == len);
    /* exactly what the plan makes of the whole profile */
    static es_icc_plan plan;
    uint8_t *want = malloc(len);
    REQUIRE(want != NULL);
    REQUIRE(es_icc_plan_build(&plan, prof, len, NULL) == ES_OK);
    changed = es_icc_apply(&plan, 0, prof, want, len);
    CHECK_MEM_EQ(data.data, data.len, want, len);
    CHECK(es_ti_same_colours(prof, len, data.data, data.len));
    uint8_t *icc = NULL;
    unsigned icc_len = 0;
    CHECK(s_libjpeg_profile(r.out.data, r.out.len, &icc, &icc_len));
    CHECK_MEM_EQ(icc, icc_len, want, len);
    free(icc);
    /* reports: chunk 1 says what was scrubbed, the bytes changed are counted */
    uint64_t removed = 0;
    size_t seen = 0;
    for (size_t i = 0; i < r.nsegs; i++) {
        const es_jpeg_segment *g = &r.segs[i];
        if (g->kind != ES_JPEG_KIND_ICC)
            continue;
        CHECK(g->kept);
        CHECK(g->icc_note == NULL);
        CHECK(g->icc.done == (seen == 0));
        removed += g->scrubbed;
        CHECK_INT_EQ(g->removed, 0);
        seen++;
    }
    CHECK_INT_EQ(seen, nchunks);
    CHECK_INT_EQ(removed, changed);
    CHECK_INT_EQ(r.stats.scrubbed_bytes, changed);
    CHECK_INT_EQ(r.stats.removed_bytes[ES_JPEG_KIND_ICC], 0);
    CHECK_INT_EQ(r.stats.removed_count[ES_JPEG_KIND_ICC], 0);
    const es_jpeg_segment *first = &r.segs[1];
    CHECK(first->icc.done);
    CHECK_INT_EQ(first->icc.blanked, 2);
    CHECK_INT_EQ(first->icc.removed, 4);
    CHECK_STR_EQ(first->icc.blanked_tags, "desc cprt");
    CHECK_STR_CONTAINS(first->icc.removed_tags, "meta");
    CHECK_STR_CONTAINS(first->icc.removed_tags, "ZZZZ");
    /* a second strip changes nothing */
    es_tj_result again = {0};
    es_tj_strip(&p, r.out.data, r.out.len, es_tj_oneshot(), &again);
    CHECK_MEM_EQ(again.out.data, again.out.len, r.out.data, r.out.len);
    CHECK_INT_EQ(again.stats.removed_bytes[ES_JPEG_KIND_ICC], 0);
    CHECK_INT_EQ(again.stats.scrubbed_bytes, 0);
    es_tj_result_free(&again);
    es_tj_result_free(&r);
    es_tj_buf_free(&in);
    es_tj_buf_free(&data);
    free(want);
    free(prof);
}

static void test_v2_one_chunk(void) { s_check_kept(false, 1); }
static void test_v2_three_chunks(void) { s_check_kept(false, 3); }
static void test_v4_one_chunk(void) { s_check_kept(true, 1); }
static void test_v4_two_chunks(void) { s_check_kept(true, 2); }

/* Strips chunks c; checks which ICC chunks are kept (want[i]) and the notes of the dropped ones. */
static void s_check_drops(const s_chunk *c, size_t n, const bool *want, const char *note)
{
    es_tj_buf in = {0};
    s_jpeg(&in, c, n);
    es_jpeg_policy p;
    s_policy(&p, true);
    es_tj_result r = {0};
    s_strip_all_ways(&p, &in, &r);
    REQUIRE(r.rc == ES_OK);
    size_t k = 0, kept = 0;
    uint32_t dropped = 0;
    for (size_t i = 0; i < r.nsegs; i++) {
        const es_jpeg_segment *g = &r.segs[i];
        if (g->kind != ES_JPEG_KIND_ICC)
            continue;
        REQUIRE(k < n);
        if (g->kept != want[k])
            es_test_fail(__FILE__, __LINE__, "ICC chunk %zu (seq %u/%u): kept %d, expected %d", k, c[k].seq,
                         c[k].count, g->kept, want[k]);
        if (!g->kept) {
            CHECK(g->icc_note != NULL);
            dropped++;
        }
        kept += g->kept;
        if (k == 0 && note && !g->kept)
            CHECK_STR_CONTAINS(g->icc_note, note);
        k++;
    }
    CHECK_INT_EQ(k, n);
    CHECK_INT_EQ(r.stats.removed_count[ES_JPEG_KIND_ICC], dropped);
    es_tj_buf data = {0};
    CHECK_INT_EQ(s_icc_data(r.out.data, r.out.len, &data), kept);
    CHECK(!es_ti_has_secret(r.out.data, r.out.len));
    es_tj_buf_free(&data);
    es_tj_result_free(&r);
    es_tj_buf_free(&in);
}

static void test_invalid_chunks_dropped(void)
{
    size_t len = 0;
    uint8_t *prof = es_ti_profile(false, &len);
    REQUIRE(prof != NULL);
    s_chunk c3[3];
    s_split(prof, len, 3, c3);
    const uint8_t *a = c3[0].data, *b = c3[1].data, *e = c3[2].data;
    size_t al = c3[0].len, bl = c3[1].len, el = c3[2].len;
    static const bool none[4] = {false, false, false, false}, first[4] = {true, false, false, false};
    static const bool two[4] = {true, true, false, false};
    /* not a profile at all: a JPEG with text in it */
    uint8_t fake[400] = {0};
    memcpy(fake, "\xFF\xD8\xFF\xE1\x00\x20GPS 48.858200 2.294500 Jane Doe....", 38);
    s_check_drops((s_chunk[]){{fake, sizeof fake, 1, 1}}, 1, none, "not an ICC profile");
    s_check_drops((s_chunk[]){{prof, len, 0, 0}}, 1, none, "chunk number");
    s_check_drops((s_chunk[]){{prof, len, 7, 2}}, 1, none, "chunk number");
    s_check_drops((s_chunk[]){{prof, len, 2, 1}}, 1, none, "chunk number");
    s_check_drops((s_chunk[]){{b, bl, 2, 3}, {a, al, 1, 3}, {e, el, 3, 3}}, 3, none, "before chunk 1");
    s_check_drops((s_chunk[]){{a, al, 1, 3}, {e, el, 3, 3}, {b, bl, 2, 3}}, 3, first, "out of order");
    s_check_drops((s_chunk[]){{a, al, 1, 3}, {b, bl, 2, 4}, {e, el, 3, 3}}, 3, first, "count differs");
    s_check_drops((s_chunk[]){{a, al, 1, 3}, {b, bl, 2, 3}, {a, al, 1, 3}, {e, el, 3, 3}}, 4, two, "second");
    s_check_drops((s_chunk[]){{prof, len, 1, 1}, {prof, len, 1, 1}}, 2, first, NULL); /* a second profile */
    s_check_drops((s_chunk[]){{prof, 100, 1, 2}, {prof + 100, len - 100, 2, 2}}, 2, none, "header");
    s_check_drops((s_chunk[]){{prof, 200, 1, 2}, {prof + 200, len - 200, 2, 2}}, 2, none, "table");
    s_check_drops((s_chunk[]){{prof, 0, 1, 1}}, 1, none, "header"); /* chunk header only */
    s_check_drops((s_chunk[]){{prof, len, 1, 1}, {NULL, 0, 0, 0}}, 2, first, NULL);
    /* a chunk header cut short (body under 14 bytes) */
    {
        es_tj_buf in = {0};
        es_tj_soi(&in);
        es_tj_seg(&in, 0xE2, "ICC_PROFILE\0\x01", 13);
        es_tj_image(&in, 0xC0);
        es_tj_eoi(&in);
        es_jpeg_policy p;
        s_policy(&p, true);
        es_tj_result r = {0};
        es_tj_strip(&p, in.data, in.len, es_tj_oneshot(), &r);
        CHECK_INT_EQ(r.rc, ES_OK);
        CHECK(!r.segs[1].kept);
        CHECK_STR_CONTAINS(r.segs[1].icc_note, "cut short");
        es_tj_result_free(&r);
        es_tj_buf_free(&in);
    }
    /* a chunk that runs past the declared size without being the last one */
    uint8_t *big = malloc(len + 50);
    REQUIRE(big != NULL);
    memcpy(big, prof, len);
    memset(big + len, 'J', 50);
    s_check_drops((s_chunk[]){{big, 700, 1, 3}, {big + 700, len + 50 - 700, 2, 3}, {e, 4, 3, 3}}, 3, first,
                  NULL);
    free(big);
    free(prof);
}

/* Data after the declared size in the last chunk is cut, its length rewritten. */
static void test_trailing_data_cut(void)
{
    size_t len = 0;
    uint8_t *prof = es_ti_profile(true, &len);
    REQUIRE(prof != NULL);
    static const char tail[] = "TrailingCam Jane Doe SECRETSERIAL";
    for (size_t chunks = 1; chunks <= 2; chunks++) {
        uint8_t *big = malloc(len + sizeof tail);
        REQUIRE(big != NULL);
        memcpy(big, prof, len);
        memcpy(big + len, tail, sizeof tail);
        s_chunk c[3];
        s_split(big, len + sizeof tail, chunks, c);
        es_tj_buf in = {0}, data = {0};
        s_jpeg(&in, c, chunks);
        es_jpeg_policy p;
        s_policy(&p, true);
        es_tj_result r = {0};
        s_strip_all_ways(&p, &in, &r);
        REQUIRE(r.rc == ES_OK);
        CHECK_INT_EQ(r.out.len, in.len - sizeof tail);
        CHECK_INT_EQ(s_icc_data(r.out.data, r.out.len, &data), chunks);
        CHECK_INT_EQ(data.len, len);
        CHECK(!es_ti_has_secret(r.out.data, r.out.len));
        CHECK(r.segs[chunks].kept);
        CHECK_INT_EQ(r.segs[chunks].removed, sizeof tail);
        CHECK_INT_EQ(r.stats.removed_bytes[ES_JPEG_KIND_ICC], sizeof tail);
        uint8_t *icc = NULL;
        unsigned icc_len = 0;
        CHECK(s_libjpeg_profile(r.out.data, r.out.len, &icc, &icc_len));
        CHECK_INT_EQ(icc_len, len);
        free(icc);
        es_tj_result_free(&r);
        es_tj_buf_free(&data);
        es_tj_buf_free(&in);
        free(big);
    }
    free(prof);
}

/* --drop-icc still removes every chunk, valid or not. */
static void test_drop_icc_removes_all(void)
{
    size_t len = 0;
    uint8_t *prof = es_ti_profile(false, &len);
    REQUIRE(prof != NULL);
    s_chunk c[3];
    s_split(prof, len, 2, c);
    es_tj_buf in = {0};
    s_jpeg(&in, c, 2);
    es_jpeg_policy p;
    s_policy(&p, false);
    es_tj_result r = {0};
    s_strip_all_ways(&p, &in, &r);
    CHECK_INT_EQ(r.stats.removed_count[ES_JPEG_KIND_ICC], 2);
    CHECK(memmem(r.out.data, r.out.len, "ICC_PROFILE", 11) == NULL);
    CHECK(r.segs[1].icc_note == NULL);
    es_tj_result_free(&r);
    es_tj_buf_free(&in);
    free(prof);
}

int main(void)
{
    ES_RUN(test_v2_one_chunk);
    ES_RUN(test_v2_three_chunks);
    ES_RUN(test_v4_one_chunk);
    ES_RUN(test_v4_two_chunks);
    ES_RUN(test_invalid_chunks_dropped);
    ES_RUN(test_trailing_data_cut);
    ES_RUN(test_drop_icc_removes_all);
    return es_test_finish();
}
