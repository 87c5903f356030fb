/* split_feed_test.c - a plain es_orient_stripper_feed is the caller's only
 * for the length of its call (the worker's curl buffer is reused): however
 * a photo is split into plain feeds, each from a buffer overwritten with
 * garbage (or freed, which ASan catches) as soon as the feed returns, the
 * output, return codes, error message, result and stats (bytes in and out,
 * what was removed) are those of one lent feed of the whole photo. Splits:
 * single bytes over the header and the first probe piece, then chunk sizes
 * from a seeded PRNG; chunks from one reused buffer, from a buffer each
 * (freed), and plain feeds mixed with lent ones. Inputs: generated photos
 * (turned, kept, not tagged, fallbacks, trailers, headers longer than a
 * probe piece), damaged and truncated ones, with and without the input's
 * length announced (also a wrong one) and a budget that holds, refuses for
 * now or can never fit; an output that fails mid-way; and the shared
 * corpus's smaller files when present. A failed feed's code stays: the next
 * feed and finish return it. A fallback to keep decided in the piece that
 * also brings EOI and a trailer counts the trailer as removed (it was not
 * passed on to the output stripper, when fed whole). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../harness/test.h"
#include "../support/xorshift.h"
#include "orient_util.h"

#define S_OUT_CAP ((size_t)8 << 20)       /* more than any output here */
#define S_BYTEWISE ((size_t)34 * 1024)    /* S_REUSED feeds these a byte at a time: past a probe piece */
#define S_CORPUS_MAX ((size_t)400 * 1024) /* corpus files up to this size (the test stays short in ASan) */

/* How a run is set up. */
typedef struct s_setup {
    es_orient_config cfg;
    bool announce;   /* es_orient_stripper_expect_input with the input's length, */
    uint64_t expect; /* or this one when not 0 (a wrong one) */
    bool budget;     /* cfg.budget: an ot_budget answering hold with hold_rc */
    es_err hold_rc;
    size_t out_cap; /* the output's capacity (0: S_OUT_CAP) */
} s_setup;

/* How a run feeds its input. */
typedef enum s_way {
    S_ONE_LENT,   /* the reference: one lent feed */
    S_REUSED,     /* plain chunks from one buffer, overwritten after each feed (the first bytes one by one) */
    S_EACH_FREED, /* plain chunks, each from a buffer of its own freed after the feed */
    S_MIXED       /* plain chunks (reused buffer) and lent ones in place, at random */
} s_way;

/* What one run gave. */
typedef struct s_run {
    ot_out out;
    es_err rc;
    char error[256];
    es_orient_result result;
    es_jpeg_stats stats;
} s_run;

/* The next chunk's length: single bytes up to bytewise, then 1 byte to
 * 128 KiB spread over the orders of magnitude. */
static size_t s_chunk(uint32_t *rng, size_t at, size_t rest, size_t bytewise)
{
    size_t n = at < bytewise ? 1 : 1 + es_xorshift32(rng) % ((size_t)1 << (es_xorshift32(rng) % 18));
    return n < rest ? n : rest;
}

/* Feeds in by way; the first failure stops the feeding, as the worker does. */
static es_err s_feed_split(es_orient_stripper *s, const uint8_t *in, size_t len, s_way way, uint32_t seed)
{
    uint32_t rng = seed | 1;
    uint8_t *reused = malloc(S_BYTEWISE + ((size_t)1 << 17));
    if (!reused)
        return ES_ERR_NOMEM;
    es_err rc = ES_OK;
    for (size_t at = 0; at < len && rc == ES_OK;) {
        size_t n = s_chunk(&rng, at, len - at, way == S_REUSED ? S_BYTEWISE : 0);
        bool lent = way == S_MIXED && es_xorshift32(&rng) % 3 == 0;
        if (lent) {
            rc = es_orient_stripper_feed_borrowed(s, in + at, n);
        } else if (way == S_EACH_FREED) {
            uint8_t *own = malloc(n);
            if (!own) {
                rc = ES_ERR_NOMEM;
                break;
            }
            memcpy(own, in + at, n);
            rc = es_orient_stripper_feed(s, own, n);
            memset(own, 0xFF, n);
            free(own);
        } else {
            memcpy(reused, in + at, n);
            rc = es_orient_stripper_feed(s, reused, n);
            /* garbage that looks like markers: FF D8 / FF DA / FF E1 ... */
            for (size_t i = 0; i < n; i++)
                reused[i] = (uint8_t)(i % 2 ? 0xD8 + es_xorshift32(&rng) % 40 : 0xFF);
        }
        at += n;
    }
    free(reused);
    return rc;
}

static s_run s_strip(const uint8_t *in, size_t len, const s_setup *st, s_way way, uint32_t seed)
{
    s_run r = {.out = ot_out_new(st->out_cap ? st->out_cap : S_OUT_CAP)};
    ot_budget budget = {.hold_rc = st->hold_rc};
    es_orient_budget_ops ops = ot_budget_ops(&budget);
    es_orient_config cfg = st->cfg;
    cfg.budget = st->budget ? &ops : NULL;
    es_orient_stripper *s = es_orient_stripper_new(NULL, &cfg, ot_out_write, &r.out);
    if (!s) {
        r.rc = ES_ERR_NOMEM;
        return r;
    }
    if (st->announce)
        es_orient_stripper_expect_input(s, st->expect ? st->expect : len);
    r.rc = way == S_ONE_LENT ? es_orient_stripper_feed_borrowed(s, in, len)
                             : s_feed_split(s, in, len, way, seed);
    if (r.rc == ES_OK) {
        r.rc = es_orient_stripper_finish(s);
    } else {
        /* a failed stripper stays failed, with the same code */
        uint8_t soi[2] = {0xFF, 0xD8};
        CHECK_INT_EQ(es_orient_stripper_feed(s, soi, sizeof soi), r.rc);
        CHECK_INT_EQ(es_orient_stripper_finish(s), r.rc);
    }
    snprintf(r.error, sizeof r.error, "%s", r.rc == ES_OK ? "" : es_orient_stripper_error(s));
    r.result = *es_orient_stripper_result(s);
    r.stats = *es_orient_stripper_stats(s);
    es_orient_stripper_free(s);
    CHECK_INT_EQ(budget.end_runs, budget.acquires);
    CHECK(!budget.over_released);
    if (budget.taken)
        es_test_fail(__FILE__, __LINE__, "way %d: %llu budget bytes not given back", (int)way,
                     (unsigned long long)budget.taken);
    return r;
}

/* Every split gives the one lent feed's run; returns its code (*outcome its outcome). */
static es_err s_check_splits(const char *what, const uint8_t *in, size_t len, const s_setup *st,
                             es_orient_outcome *outcome)
{
    s_run ref = s_strip(in, len, st, S_ONE_LENT, 0);
    uint32_t seed = 0x9E3779B9u ^ (uint32_t)len ^ (uint32_t)st->cfg.mode << 24;
    for (s_way way = S_REUSED; way <= S_MIXED; way++) {
        s_run r = s_strip(in, len, st, way, seed += 0x6D2B79F5u);
        /* a failing output: how much was written before depends on how it was cut */
        bool output_failed = ref.rc == ES_ERR_OUTPUT && r.rc == ES_ERR_OUTPUT;
        bool same_out = ref.rc != ES_OK || (r.out.len == ref.out.len && r.out.data && ref.out.data &&
                                            memcmp(r.out.data, ref.out.data, r.out.len) == 0);
        bool same_stats =
            ref.rc != ES_OK ||
            (r.stats.bytes_in == ref.stats.bytes_in && r.stats.bytes_out == ref.stats.bytes_out &&
             memcmp(r.stats.removed_bytes, ref.stats.removed_bytes, sizeof r.stats.removed_bytes) == 0 &&
             memcmp(r.stats.removed_count, ref.stats.removed_count, sizeof r.stats.removed_count) == 0);
        if (!output_failed && (r.rc != ref.rc || strcmp(r.error, ref.error) != 0 || !same_out ||
                               !same_stats || r.result.outcome != ref.result.outcome ||
                               r.result.tag != ref.result.tag || strcmp(r.result.note, ref.result.note) != 0))
            es_test_fail(__FILE__, __LINE__,
                         "%s, way %d, seed %u: rc %d '%s' vs %d '%s'; %zu vs %zu bytes (first difference "
                         "%zu); '%s' vs '%s'; %llu vs %llu bytes in",
                         what, (int)way, (unsigned)seed, (int)r.rc, r.error, (int)ref.rc, ref.error, r.out.len,
                         ref.out.len, es_test_first_diff(r.out.data, r.out.len, ref.out.data, ref.out.len),
                         r.result.note, ref.result.note, (unsigned long long)r.stats.bytes_in,
                         (unsigned long long)ref.stats.bytes_in);
        free(r.out.data);
    }
    free(ref.out.data);
    if (outcome)
        *outcome = ref.result.outcome;
    return ref.rc;
}

static uint8_t *s_make(const es_fixture_opts *o, size_t *len)
{
    uint8_t *in = NULL;
    return es_fixture_make(o, &in, len) == 0 ? in : NULL;
}

static const s_setup s_apply = {.cfg = {.mode = ES_ORIENT_APPLY}};

/* Generated photos (one test each), in apply (the input's length announced
 * or not), keep and drop. */
static const es_fixture_opts s_photos[] = {
    {.width = 320, .height = 240, .oriented_pixels = true, .orientation = 6, .exif_gps = true, .xmp = true},
    {.width = 1024, .height = 768, .quality = 95, .orientation = 8, .exif_gps = true},
    {.width = 200, .height = 150, .orientation = 3, .exif = true, .progressive = true, .restart_interval = 2},
    {.width = 200, .height = 150, .orientation = 5, .exif_thumbnail = true, .restart_interval = 3, .sampling = 422},
    {.width = 61, .height = 45, .orientation = 7, .exif = true, .mpf_second_image = true, .fill_bytes = true},
    {.width = 64, .height = 48, .orientation = 2, .exif = true, .mp4_trailer = true, .iptc = true},
    {.width = 640, .height = 480, .orientation = 6, .exif_thumbnail = true, .icc_chunks = 3, .iptc = true},
    /* extended XMP and ICC chunks after the Exif */
    {.width = 300, .height = 200, .orientation = 6, .xmp_extended = true, .icc_chunks = 4, .exif_gps = true},
    {.width = 800, .height = 600, .orientation = 1, .exif_gps = true},
    {.width = 800, .height = 600, .exif_gps = true, .comment = true},
    {.width = 64, .height = 48, .components = 1, .orientation = 6, .exif = true, .no_jfif = true},
};
static size_t s_photo; /* the one test_generated_photo runs */

static void test_generated_photo(void)
{
    const es_fixture_opts *o = &s_photos[s_photo];
    size_t len;
    uint8_t *in = s_make(o, &len);
    REQUIRE(in);
    for (int mode = 0; mode < 4; mode++) {
        s_setup st = s_apply;
        st.announce = mode == 1;
        st.cfg.mode = mode == 2 ? ES_ORIENT_KEEP : mode == 3 ? ES_ORIENT_DROP : ES_ORIENT_APPLY;
        char what[64];
        snprintf(what, sizeof what, "photo %zu, mode %d", s_photo, mode);
        es_orient_outcome outcome;
        CHECK_INT_EQ(s_check_splits(what, in, len, &st, &outcome), ES_OK);
        if (mode < 2 && o->orientation >= 2)
            CHECK_INT_EQ(outcome, ES_ORIENT_TRANSFORMED);
    }
    free(in);
}

/* A budget that holds the photo's share, refuses it for now (the stripper
 * stops), or can never fit it (the tag is kept); a pixel limit; an output
 * that fails mid-way (in the call that decides, or later). */
static void test_budget_limits_and_failing_output(void)
{
    size_t len;
    uint8_t *in = s_make(&s_photos[0], &len); /* turned, Exif with GPS, XMP */
    REQUIRE(in);
    enum { S_LEN = 1, S_SHORT, S_HUGE }; /* the length announced: the input's, a third of it, UINT64_MAX */
    static const struct {
        const char *what;
        int announce; /* 0: none */
        bool budget;
        es_err hold_rc, want_rc;
        es_orient_outcome want;
        uint64_t max_pixels;
    } cases[] = {
        {"budget holds", S_LEN, true, ES_OK, ES_OK, ES_ORIENT_TRANSFORMED, 0},
        {"budget too small", S_LEN, true, ES_ERR_TOO_LARGE, ES_OK, ES_ORIENT_TAG_KEPT, 0},
        {"budget full now", S_LEN, true, ES_ERR_CANCELLED, ES_ERR_CANCELLED, ES_ORIENT_NONE, 0},
        /* the share taken ahead is too small at finish */
        {"announced too short", S_SHORT, true, ES_OK, ES_OK, ES_ORIENT_TAG_KEPT, 0},
        /* the hold's first size and the share saturate */
        {"announced huge", S_HUGE, true, ES_OK, ES_OK, ES_ORIENT_TRANSFORMED, 0},
        {"announced huge, no budget", S_HUGE, false, ES_OK, ES_OK, ES_ORIENT_TRANSFORMED, 0},
        /* no length: no hold, the turn acquired at finish */
        {"budget without a length", 0, true, ES_ERR_CANCELLED, ES_OK, ES_ORIENT_TRANSFORMED, 0},
        {"pixel limit", 0, false, ES_OK, ES_OK, ES_ORIENT_TAG_KEPT, 1000},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        s_setup st = s_apply;
        st.announce = cases[i].announce != 0;
        st.expect = cases[i].announce == S_SHORT ? len / 3 : cases[i].announce == S_HUGE ? UINT64_MAX : 0;
        st.budget = cases[i].budget;
        st.hold_rc = cases[i].hold_rc;
        st.cfg.max_pixels = cases[i].max_pixels;
        es_orient_outcome outcome = ES_ORIENT_NONE;
        CHECK_INT_EQ(s_check_splits(cases[i].what, in, len, &st, &outcome), cases[i].want_rc);
        if (cases[i].want_rc == ES_OK)
            CHECK_INT_EQ(outcome, cases[i].want);
    }
    static const size_t caps[] = {3, 100, 2000};
    for (size_t i = 0; i < sizeof caps / sizeof caps[0]; i++)
        for (int mode = ES_ORIENT_APPLY; mode <= ES_ORIENT_DROP; mode++) {
            s_setup failing = s_apply;
            failing.cfg.mode = (es_orient_mode)mode;
            failing.out_cap = caps[i];
            char what[64];
            snprintf(what, sizeof what, "output of %zu bytes, mode %d", caps[i], mode);
            CHECK_INT_EQ(s_check_splits(what, in, len, &failing, NULL), ES_ERR_OUTPUT);
        }
    free(in);
}

static const es_fixture_opts s_small_turned = {
    .width = 160, .height = 120, .oriented_pixels = true, .orientation = 6, .exif_gps = true};

/* in with `extra` bytes of COM segments put right after its first APP1 (the
 * Exif): a header longer than a probe piece, the tag within the first. */
static uint8_t *s_long_header(const uint8_t *in, size_t len, size_t extra, size_t *out_len)
{
    ot_seg segs[64];
    size_t n = ot_header_segments(in, len, segs, 64), at = 0;
    for (size_t k = 0; k < n && !at; k++)
        if (segs[k].marker == 0xE1)
            at = segs[k].start + segs[k].len;
    uint8_t *out = at ? malloc(len + extra) : NULL;
    if (!out)
        return NULL;
    memcpy(out, in, at);
    for (size_t done = 0; done < extra;) {
        size_t seg = extra - done < 60000 ? extra - done : 60000; /* FF FE, length, text */
        out[at + done] = 0xFF;
        out[at + done + 1] = 0xFE;
        out[at + done + 2] = (uint8_t)((seg - 2) >> 8);
        out[at + done + 3] = (uint8_t)(seg - 2);
        memset(out + at + done + 4, 'c', seg - 4);
        done += seg;
    }
    memcpy(out + at + extra, in + at, len - at);
    *out_len = len + extra;
    return out;
}

/* A fallback to keep decided when the frame header is read after the first
 * probe piece (the Exif within it), of a photo with a trailer after EOI:
 * the pixel limit, a budget that can never fit. */
static void test_late_fallback_with_trailer(void)
{
    es_fixture_opts cases[] = {
        {.width = 300, .height = 200, .orientation = 6, .exif_gps = true, .mp4_trailer = true},
        {.width = 300, .height = 200, .orientation = 6, .exif_gps = true, .mpf_second_image = true},
        {.width = 300, .height = 200, .orientation = 6, .exif_gps = true},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t plain_len, len;
        uint8_t *plain = s_make(&cases[i], &plain_len);
        REQUIRE(plain);
        uint8_t *in = s_long_header(plain, plain_len, 40000, &len);
        free(plain);
        REQUIRE(in);
        char what[64];
        s_setup small = s_apply;
        small.cfg.max_pixels = 1000;
        es_orient_outcome outcome;
        snprintf(what, sizeof what, "photo %zu, pixel limit", i);
        CHECK_INT_EQ(s_check_splits(what, in, len, &small, &outcome), ES_OK);
        CHECK_INT_EQ(outcome, ES_ORIENT_TAG_KEPT);
        s_setup full = s_apply;
        full.announce = full.budget = true;
        full.hold_rc = ES_ERR_TOO_LARGE;
        snprintf(what, sizeof what, "photo %zu, budget too small", i);
        CHECK_INT_EQ(s_check_splits(what, in, len, &full, &outcome), ES_OK);
        CHECK_INT_EQ(outcome, ES_ORIENT_TAG_KEPT);
        /* fed whole, the trailer is reported as removed, and all of it as read */
        for (int k = 0; k < 2; k++) {
            s_run r = s_strip(in, len, k ? &full : &small, S_ONE_LENT, 0);
            CHECK_INT_EQ(r.rc, ES_OK);
            CHECK_INT_EQ(r.stats.bytes_in, len);
            CHECK_INT_EQ(r.stats.removed_count[ES_JPEG_KIND_TRAILER], i < 2);
            free(r.out.data);
        }
        full.hold_rc = ES_OK;
        snprintf(what, sizeof what, "photo %zu, turned", i);
        CHECK_INT_EQ(s_check_splits(what, in, len, &full, &outcome), ES_OK);
        CHECK_INT_EQ(outcome, ES_ORIENT_TRANSFORMED);
        free(in);
    }
}

/* Truncated photos: refused alike however they are fed. */
static void test_truncated_photos(void)
{
    size_t len;
    uint8_t *in = s_make(&s_small_turned, &len);
    REQUIRE(in);
    char what[64];
    unsigned refused = 0;
    for (size_t cut = 1; cut < len; cut += len / 11 + 1) {
        snprintf(what, sizeof what, "cut at %zu", cut);
        refused += s_check_splits(what, in, cut, &s_apply, NULL) != ES_OK;
    }
    CHECK(refused > 0);
    free(in);
}

/* Damaged headers: refused (or not) alike however they are fed. */
static void test_damaged_photos(void)
{
    size_t len;
    uint8_t *in = s_make(&s_small_turned, &len);
    REQUIRE(in);
    uint8_t *bad = malloc(len);
    REQUIRE(bad);
    char what[64];
    unsigned refused = 0;
    uint32_t rng = 77;
    size_t header = len < 2048 ? len : 2048;
    for (int k = 0; k < 16; k++) {
        memcpy(bad, in, len);
        for (int flips = 0; flips <= k % 3; flips++) {
            size_t at = es_xorshift32(&rng) % header;
            bad[at] = k % 2 ? (uint8_t)es_xorshift32(&rng) : 0xFF;
        }
        snprintf(what, sizeof what, "damaged %d", k);
        s_setup st = s_apply;
        st.announce = k % 2;
        refused += s_check_splits(what, bad, len, &st, NULL) != ES_OK;
    }
    CHECK(refused > 0); /* the refusals are compared too */
    free(bad);
    free(in);
}

/* The shared corpus's files up to S_CORPUS_MAX bytes (one test each), in
 * apply with the length announced (skipped when the corpus is absent). */
static char s_dir[4096];
static char *s_files[512];
static size_t s_nfiles, s_cur;

static void test_corpus_present(void)
{
    const char *shared = es_fixture_shared_dir();
    if (!shared) {
        es_test_skip("no ../shared/corpus");
        return;
    }
    snprintf(s_dir, sizeof s_dir, "%s/dev", shared);
    DIR *d = opendir(s_dir);
    REQUIRE(d);
    struct dirent *e;
    while ((e = readdir(d)) != NULL && s_nfiles < sizeof s_files / sizeof s_files[0])
        if (e->d_name[0] != '.' && strcmp(e->d_name, "SOURCES.tsv") != 0)
            s_files[s_nfiles++] = strdup(e->d_name);
    closedir(d);
    CHECK(s_nfiles > 0);
}

static void test_corpus_file(void)
{
    char path[8192];
    snprintf(path, sizeof path, "%s/%s", s_dir, s_files[s_cur]);
    uint8_t *in = NULL;
    size_t len = 0;
    REQUIRE(es_fixture_read_file(path, &in, &len) == 0);
    s_setup st = s_apply;
    st.announce = true;
    if (len <= S_CORPUS_MAX)
        (void)s_check_splits(s_files[s_cur], in, len, &st, NULL);
    free(in);
}

int main(void)
{
    for (s_photo = 0; s_photo < sizeof s_photos / sizeof s_photos[0]; s_photo++) {
        char name[64];
        snprintf(name, sizeof name, "test_generated_photo %zu", s_photo);
        es_test_run(name, test_generated_photo);
    }
    ES_RUN(test_budget_limits_and_failing_output);
    ES_RUN(test_late_fallback_with_trailer);
    ES_RUN(test_truncated_photos);
    ES_RUN(test_damaged_photos);
    ES_RUN(test_corpus_present);
    for (s_cur = 0; s_cur < s_nfiles; s_cur++) {
        es_test_run(s_files[s_cur], test_corpus_file);
        free(s_files[s_cur]);
    }
    return es_test_finish();
}
