/* borrow_test.c - input lent to the orientation stripper
 * (es_orient_stripper_feed_borrowed): a whole photo lent in one piece, or in
 * contiguous pieces, is held and turned without a byte copied into the
 * stripper's hold; lent pieces that are not contiguous, or mixed with plain
 * feeds, fall back to copying. Every way gives the output, result and stats
 * of the plain copying feed: all eight orientations, trimmed sizes,
 * progressive, restart intervals, trailers after EOI, the fallbacks to keep
 * (pixel limit, lossless frame), keep and drop. A photo not turned is
 * decided within the first piece the stripper probes, however it is fed
 * (es_orient_stripper_probed). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../harness/test.h"
#include "common/block_cache.h"
#include "orient_util.h"

#define S_OUT_CAP ((size_t)1 << 20) /* more than any output here */

/* What one run gave. */
typedef struct s_run {
    ot_out out;
    es_err rc;
    es_orient_result result;
    es_jpeg_stats stats;
    uint64_t copied, probed;
} s_run;

static const es_orient_config s_apply = {.mode = ES_ORIENT_APPLY};

/* How a run feeds its input. */
typedef enum s_way {
    S_PLAIN_PIECES, /* plain feeds of 4096 bytes (the reference: everything held is copied) */
    S_LENT_WHOLE,   /* one lent feed */
    S_LENT_PIECES,  /* lent feeds of 1000 bytes, each where the previous ended */
    S_LENT_SPLIT,   /* lent: the first third from one buffer, the rest from another */
    S_LENT_PLAIN,   /* lent first third, the rest fed plainly */
    S_PLAIN_LENT,   /* plain first third, the rest lent */
    S_PLAIN_WHOLE   /* one plain feed */
} s_way;

static es_err s_feed(es_orient_stripper *s, const uint8_t *p, size_t n, bool lent)
{
    return lent ? es_orient_stripper_feed_borrowed(s, p, n) : es_orient_stripper_feed(s, p, n);
}

/* Feeds [at, at + n) of in in pieces of step. */
static es_err s_feed_pieces(es_orient_stripper *s, const uint8_t *in, size_t n, size_t step, bool lent)
{
    es_err rc = ES_OK;
    for (size_t at = 0; at < n && rc == ES_OK; at += step)
        rc = s_feed(s, in + at, n - at < step ? n - at : step, lent);
    return rc;
}

static s_run s_strip(const uint8_t *in, size_t len, const es_orient_config *cfg, s_way way)
{
    s_run r = {.out = ot_out_new(S_OUT_CAP)};
    es_orient_stripper *s = es_orient_stripper_new(NULL, cfg, ot_out_write, &r.out);
    size_t head = len / 3;
    uint8_t *other = NULL;
    if (!s) {
        r.rc = ES_ERR_NOMEM;
        return r;
    }
    switch (way) {
    case S_PLAIN_PIECES: r.rc = s_feed_pieces(s, in, len, 4096, false); break;
    case S_LENT_WHOLE:
    case S_PLAIN_WHOLE: r.rc = s_feed(s, in, len, way == S_LENT_WHOLE); break;
    case S_LENT_PIECES: r.rc = s_feed_pieces(s, in, len, 1000, true); break;
    case S_LENT_SPLIT:
        other = malloc(len - head + 1); /* the rest elsewhere: not where the first piece ends */
        r.rc = other ? es_orient_stripper_feed_borrowed(s, in, head) : ES_ERR_NOMEM;
        if (other)
            memcpy(other, in + head, len - head);
        if (r.rc == ES_OK)
            r.rc = es_orient_stripper_feed_borrowed(s, other, len - head);
        break;
    case S_LENT_PLAIN:
    case S_PLAIN_LENT:
        r.rc = s_feed(s, in, head, way == S_LENT_PLAIN);
        if (r.rc == ES_OK)
            r.rc = s_feed(s, in + head, len - head, way == S_PLAIN_LENT);
        break;
    }
    if (r.rc == ES_OK)
        r.rc = es_orient_stripper_finish(s);
    free(other); /* lent until finish has returned */
    r.result = *es_orient_stripper_result(s);
    r.stats = *es_orient_stripper_stats(s);
    r.copied = es_orient_stripper_copied(s);
    r.probed = es_orient_stripper_probed(s);
    es_orient_stripper_free(s);
    return r;
}

/* Every way of feeding in gives the reference's output, result and stats;
 * a photo lent whole or in contiguous pieces is never copied. Returns the
 * reference's outcome. */
static es_orient_outcome s_check_ways(const char *what, const uint8_t *in, size_t len,
                                      const es_orient_config *cfg)
{
    s_run ref = s_strip(in, len, cfg, S_PLAIN_PIECES);
    CHECK_INT_EQ(ref.rc, ES_OK);
    for (s_way way = S_LENT_WHOLE; way <= S_PLAIN_WHOLE; way++) {
        s_run r = s_strip(in, len, cfg, way);
        if (r.rc != ref.rc || r.out.len != ref.out.len || memcmp(r.out.data, ref.out.data, r.out.len) != 0 ||
            r.result.outcome != ref.result.outcome || strcmp(r.result.note, ref.result.note) != 0 ||
            r.stats.bytes_in != ref.stats.bytes_in || r.stats.bytes_out != ref.stats.bytes_out)
            es_test_fail(__FILE__, __LINE__, "%s, way %d: differs from the plain feed (%zu vs %zu bytes, '%s')",
                         what, (int)way, r.out.len, ref.out.len, r.result.note);
        if ((way == S_LENT_WHOLE || way == S_LENT_PIECES) && r.copied != 0)
            es_test_fail(__FILE__, __LINE__, "%s, way %d: %llu bytes copied from lent input", what, (int)way,
                         (unsigned long long)r.copied);
        free(r.out.data);
    }
    free(ref.out.data);
    return ref.result.outcome;
}

static uint8_t *s_make(const es_fixture_opts *o, size_t *len)
{
    uint8_t *in = NULL;
    return es_fixture_make(o, &in, len) == 0 ? in : NULL;
}

/* A small photo to turn 90 degrees (Exif with GPS). */
static uint8_t *s_turned_photo(size_t *len)
{
    es_fixture_opts o = {.width = 64, .height = 48, .oriented_pixels = true, .orientation = 6, .exif_gps = true};
    return s_make(&o, len);
}

static void test_every_orientation(void)
{
    for (int tag = 1; tag <= 8; tag++) {
        es_fixture_opts o = {.width = 61,
                             .height = 45,
                             .oriented_pixels = true,
                             .orientation = tag,
                             .exif_gps = true};
        size_t len;
        uint8_t *in = s_make(&o, &len);
        REQUIRE(in);
        char what[32];
        snprintf(what, sizeof what, "orientation %d", tag);
        CHECK_INT_EQ(s_check_ways(what, in, len, &s_apply), tag == 1 ? ES_ORIENT_NONE : ES_ORIENT_TRANSFORMED);
        free(in);
    }
}

/* The plain copying feed does copy what it holds: what the lent ways are
 * compared with is not itself borrowing. A photo turned from lent input is
 * scanned once by the probe, to its end. */
static void test_plain_feed_copies(void)
{
    size_t len;
    uint8_t *in = s_turned_photo(&len);
    REQUIRE(in);
    s_run r = s_strip(in, len, &s_apply, S_PLAIN_PIECES);
    CHECK_INT_EQ(r.result.outcome, ES_ORIENT_TRANSFORMED);
    CHECK_INT_EQ(r.copied, len); /* the whole photo, up to EOI */
    free(r.out.data);
    r = s_strip(in, len, &s_apply, S_LENT_SPLIT); /* not contiguous: copied from the gap on */
    CHECK_INT_EQ(r.copied, len);
    free(r.out.data);
    r = s_strip(in, len, &s_apply, S_LENT_WHOLE);
    CHECK_INT_EQ(r.probed, len);
    free(r.out.data);
    free(in);
}

/* A plain feed is the caller's only for the call, but a photo decided within
 * it (no tag, tag 1, keep) goes to the output without a byte copied into the
 * hold (before, the call's first 32 KiB were); one buffered for a turn is
 * copied when the call returns, up to EOI (test_plain_feed_copies: piece by
 * piece). */
static void test_plain_feed_decided_in_place(void)
{
    static const es_orient_config keep = {.mode = ES_ORIENT_KEEP};
    es_fixture_opts turned = {.width = 1024,
                              .height = 768,
                              .quality = 100,
                              .oriented_pixels = true,
                              .orientation = 6,
                              .exif_gps = true,
                              .xmp = true};
    size_t len;
    uint8_t *in = s_make(&turned, &len);
    REQUIRE(in);
    REQUIRE(len > 3 * 4096);
    s_run r = s_strip(in, len, &keep, S_PLAIN_WHOLE);
    CHECK_INT_EQ(r.rc, ES_OK);
    CHECK_INT_EQ(r.result.outcome, ES_ORIENT_TAG_KEPT);
    CHECK_INT_EQ(r.copied, 0);
    free(r.out.data);
    r = s_strip(in, len, &s_apply, S_PLAIN_WHOLE);
    CHECK_INT_EQ(r.result.outcome, ES_ORIENT_TRANSFORMED);
    CHECK_INT_EQ(r.copied, len);
    free(r.out.data);
    r = s_strip(in, len, &keep, S_PLAIN_PIECES); /* its header and Exif are in the first call's 4096 bytes */
    CHECK_INT_EQ(r.result.outcome, ES_ORIENT_TAG_KEPT);
    CHECK_INT_EQ(r.copied, 0);
    free(r.out.data);
    free(in);
    es_fixture_opts o = {.width = 64, .height = 48, .exif_gps = true}; /* no tag */
    REQUIRE((in = s_make(&o, &len)) != NULL);
    r = s_strip(in, len, &s_apply, S_PLAIN_WHOLE);
    CHECK_INT_EQ(r.result.outcome, ES_ORIENT_NONE);
    CHECK_INT_EQ(r.copied, 0);
    free(r.out.data);
    free(in);
}

/* Strips in keep mode, fed in pieces of 100 bytes (so its header is held
 * across calls, in a hold), announced as expect bytes long; ES_OK or why not. */
static es_err s_held_across_calls(const uint8_t *in, size_t len, uint64_t expect)
{
    static const es_orient_config keep = {.mode = ES_ORIENT_KEEP};
    ot_out out = ot_out_new(S_OUT_CAP);
    es_orient_stripper *s = es_orient_stripper_new(NULL, &keep, ot_out_write, &out);
    if (!s)
        return ES_ERR_NOMEM;
    es_orient_stripper_expect_input(s, expect);
    es_err rc = s_feed_pieces(s, in, len, 100, false);
    if (rc == ES_OK)
        rc = es_orient_stripper_finish(s);
    if (rc == ES_OK && es_orient_stripper_copied(s) == 0)
        rc = ES_ERR_INTERNAL; /* nothing was held: the test would show nothing */
    es_orient_stripper_free(s);
    free(out.data);
    return rc;
}

/* A hold is sized in powers of two from the input's announced length, so
 * the block a photo's hold leaves in the block cache fits the next photo's
 * of the same size class, whatever their exact lengths (the cache hands a
 * block only to a request it does not pass by half); another class maps a
 * block of its own. */
static void test_holds_share_size_classes(void)
{
    size_t len;
    uint8_t *in = s_turned_photo(&len);
    REQUIRE(in);
    es_block_cache_limit((size_t)16 << 20, 60000, 0);
    es_block_cache_release();
    CHECK_OK(s_held_across_calls(in, len, 70000)); /* the 128 KiB class: mapped */
    es_block_cache_stats first = es_block_cache_stats_now();
    CHECK_OK(s_held_across_calls(in, len, 100000)); /* the same class: the kept block */
    es_block_cache_stats second = es_block_cache_stats_now();
    CHECK_INT_EQ(second.fresh, first.fresh);
    CHECK_INT_EQ(second.reused, first.reused + 1);
    CHECK_OK(s_held_across_calls(in, len, 200000)); /* the 256 KiB class: mapped */
    CHECK_INT_EQ(es_block_cache_stats_now().fresh, second.fresh + 1);
    es_block_cache_release();
    es_block_cache_limit(0, 0, 0);
    free(in);
}

static void test_progressive_restart_and_trailers(void)
{
    es_fixture_opts cases[] = {
        {.width = 200, .height = 150, .oriented_pixels = true, .orientation = 6, .exif = true, .progressive = true},
        {.width = 200, .height = 150, .oriented_pixels = true, .orientation = 3, .exif = true, .restart_interval = 3},
        {.width = 61,
         .height = 45,
         .oriented_pixels = true,
         .orientation = 7,
         .exif_gps = true,
         .mpf_second_image = true,
         .fill_bytes = true},
        {.width = 64, .height = 48, .oriented_pixels = true, .orientation = 8, .exif = true, .mp4_trailer = true},
    };
    static const char *const names[] = {"progressive", "restart interval", "MPF second image", "MP4 trailer"};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t len;
        uint8_t *in = s_make(&cases[i], &len);
        REQUIRE(in);
        CHECK_INT_EQ(s_check_ways(names[i], in, len, &s_apply), ES_ORIENT_TRANSFORMED);
        free(in);
    }
}

/* The fallbacks to keep write the tag into the lent photo's own bytes. */
static void test_fallbacks_and_other_modes(void)
{
    size_t len;
    uint8_t *in = s_turned_photo(&len);
    REQUIRE(in);
    es_orient_config small = {.mode = ES_ORIENT_APPLY, .max_pixels = 1000};
    CHECK_INT_EQ(s_check_ways("pixel limit", in, len, &small), ES_ORIENT_TAG_KEPT);
    es_orient_config keep = {.mode = ES_ORIENT_KEEP}, drop = {.mode = ES_ORIENT_DROP};
    CHECK_INT_EQ(s_check_ways("keep", in, len, &keep), ES_ORIENT_TAG_KEPT);
    CHECK_INT_EQ(s_check_ways("drop", in, len, &drop), ES_ORIENT_DROPPED);
    ot_seg segs[64];
    size_t n = ot_header_segments(in, len, segs, 64);
    bool found = false;
    for (size_t i = 0; i < n; i++)
        if (segs[i].marker == 0xC0) {
            in[segs[i].start + 1] = 0xC3; /* lossless: refused by the transform's plan */
            found = true;
        }
    REQUIRE(found);
    CHECK_INT_EQ(s_check_ways("lossless frame", in, len, &s_apply), ES_ORIENT_TAG_KEPT);
    free(in);
}

/* A photo that is not turned is decided within the first 32 KiB piece the
 * stripper probes (its header, Exif included, is shorter): fed whole, lent
 * (a mapped file) or plainly, the rest of it goes straight to the output
 * stripper, neither scanned by the probe nor held. Probed whole, the feed
 * was scanned twice (probed = the whole photo) and a plain one copied. */
static void test_decided_within_the_first_piece(void)
{
    es_fixture_opts untagged = {.width = 1200, .height = 900, .quality = 95, .exif_gps = true};
    es_fixture_opts upright = untagged, kept = untagged;
    upright.orientation = 1;
    kept.orientation = 6;
    const es_fixture_opts *photos[] = {&untagged, &upright, &kept};
    static const char *const names[] = {"no tag", "orientation 1", "orientation 6, keep"};
    const size_t piece = (size_t)32 * 1024; /* S_PROBE_PIECE in stripper.c */
    es_orient_config keep = {.mode = ES_ORIENT_KEEP};
    for (size_t i = 0; i < sizeof photos / sizeof photos[0]; i++) {
        size_t len;
        uint8_t *in = s_make(photos[i], &len);
        REQUIRE(in);
        const es_orient_config *cfg = photos[i] == &kept ? &keep : &s_apply;
        CHECK(len > 4 * piece); /* the rest is what would be scanned twice */
        s_check_ways(names[i], in, len, cfg);
        s_run lent = s_strip(in, len, cfg, S_LENT_WHOLE), plain = s_strip(in, len, cfg, S_PLAIN_WHOLE);
        CHECK_INT_EQ(lent.rc, ES_OK);
        CHECK_INT_EQ(plain.rc, ES_OK);
        if (lent.probed > piece || plain.probed > piece || plain.copied > piece)
            es_test_fail(__FILE__, __LINE__, "%s (%zu bytes): probed %llu lent, %llu plain; copied %llu plain",
                         names[i], len, (unsigned long long)lent.probed, (unsigned long long)plain.probed,
                         (unsigned long long)plain.copied);
        CHECK_INT_EQ(lent.copied, 0);
        free(lent.out.data);
        free(plain.out.data);
        free(in);
    }
}

/* A refused (truncated) lent input is refused as the plain feed refuses it. */
static void test_truncated_lent_input(void)
{
    size_t len;
    uint8_t *in = s_turned_photo(&len);
    REQUIRE(in);
    for (size_t cut = 1; cut < len; cut += len / 7) {
        s_run ref = s_strip(in, cut, &s_apply, S_PLAIN_PIECES), lent = s_strip(in, cut, &s_apply, S_LENT_WHOLE);
        CHECK_INT_EQ(lent.rc, ref.rc);
        CHECK_INT_EQ(lent.copied, 0);
        free(ref.out.data);
        free(lent.out.data);
    }
    free(in);
}

int main(void)
{
    ES_RUN(test_every_orientation);
    ES_RUN(test_plain_feed_copies);
    ES_RUN(test_plain_feed_decided_in_place);
    ES_RUN(test_holds_share_size_classes);
    ES_RUN(test_progressive_restart_and_trailers);
    ES_RUN(test_fallbacks_and_other_modes);
    ES_RUN(test_decided_within_the_first_piece);
    ES_RUN(test_truncated_lent_input);
    return es_test_finish();
}
