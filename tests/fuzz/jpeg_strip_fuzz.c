/* jpeg_strip_fuzz.c - fuzz target for the streaming JPEG stripper.
 *
 * Target Functions: es_jpeg_stripper_new, es_jpeg_stripper_on_segment,
 * es_jpeg_stripper_feed, es_jpeg_stripper_finish, es_jpeg_stripper_error,
 * es_jpeg_strip_buffer, es_jpeg_exif_peek (through Exif segments),
 * es_jpeg_sniff_type (through refusals), es_jpeg_segment_payload and
 * es_jpeg_describe (on every reported segment, as `inspect` does).
 *
 * Each input is stripped in one piece and once more split into a few random
 * chunks with a window of bytes fed one at a time, at an offset derived from
 * the input (so over many runs every offset is fed byte by byte); both runs
 * must agree on code, message, output, stats and reported segments, the
 * segments must tile the input, and a successful output must be stable under
 * a second strip. es_jpeg_strip_buffer must agree with the stripper. The
 * policy options are derived from the input too. Every reported segment is
 * described from its own bytes; a payload located outside it aborts. Any
 * disagreement aborts.
 *
 * Speed: every run costs a bounded number of feeds (about 60) whatever the
 * input length. Feeding whole inputs byte by byte (thousands of feeds, each
 * through the sanitizer's coverage hooks) made this target run at a few
 * thousand, and on large inputs ~100, executions per second. */
#include <stdio.h>
#include <stdlib.h>

#include "../jpeg/strip_util.h"
#include "exifstrip/jpeg_describe.h"
#include "jpeg/scan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint32_t s_hash(const uint8_t *data, size_t size)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < size; i++)
        h = (h ^ data[i]) * 16777619u;
    return h;
}

static void s_die(const char *what)
{
    fprintf(stderr, "jpeg_strip_fuzz: %s\n", what);
    abort();
}

/* Describes each segment as inspect does, from heap copies of the exact bytes
 * it would read back, so the sanitizers see any read past them. */
static void s_describe_segments(const uint8_t *data, size_t size, const es_tj_result *r)
{
    for (size_t i = 0; i < r->nsegs; i++) {
        const es_jpeg_segment *g = &r->segs[i];
        if (g->offset > size || g->length > size - g->offset)
            s_die("a segment outside the input");
        size_t n = g->length < ES_JPEG_SEGMENT_HEAD ? (size_t)g->length : ES_JPEG_SEGMENT_HEAD;
        uint64_t off = g->offset;
        size_t len = g->length < ES_JPEG_TRAILER_PEEK ? (size_t)g->length : ES_JPEG_TRAILER_PEEK;
        uint8_t *head = malloc(n ? n : 1);
        if (!head)
            s_die("out of memory");
        memcpy(head, data + g->offset, n);
        if (g->kind != ES_JPEG_KIND_TRAILER && !es_jpeg_segment_payload(g, head, n, &off, &len))
            len = 0;
        free(head);
        if (off < g->offset || off > g->offset + g->length || len > g->offset + g->length - off)
            s_die("a payload outside its segment");
        len = len < ES_JPEG_DESCRIBE_PEEK ? len : ES_JPEG_DESCRIBE_PEEK;
        uint8_t *payload = malloc(len ? len : 1);
        if (!payload)
            s_die("out of memory");
        memcpy(payload, data + off, len);
        es_jpeg_description d;
        es_jpeg_describe(g->kind, payload, len, &d);
        free(payload);
        if (d.kind != g->kind || (d.known && d.kind == ES_JPEG_KIND_ICC && len < 14))
            s_die("a description of bytes it was not given");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint32_t h = s_hash(data, size);
    es_jpeg_policy policy;
    es_jpeg_policy_default(&policy);
    policy.keep_icc = (h & 1) == 0;
    policy.keep_comments = (h & 2) != 0;

    /* Every version of the scan for the end of entropy data that this CPU
     * runs agrees with the portable one, from the start and from an offset
     * derived from the input. */
    es_jpeg_scan_variant scans[4];
    size_t nscans = es_jpeg_scan_variants(scans, 4), from = size ? (h >> 7) % size : 0;
    for (size_t v = 0; v < nscans && v < 4 && size > 0; v++)
        if (scans[v].scan(data, size) != es_jpeg_scan_entropy_portable(data, size) ||
            scans[v].scan(data + from, size - from) != es_jpeg_scan_entropy_portable(data + from, size - from))
            s_die("a version of es_jpeg_scan_entropy disagrees with the portable one");

    es_tj_result one, split;
    es_tj_strip(&policy, data, size, es_tj_oneshot(), &one);
    es_tj_strip(&policy, data, size, es_tj_window(size ? (h >> 2) % size : 0, h), &split);
    if (!es_tj_same(&one, &split))
        s_die("split feeding differs from one-shot");
    es_tj_result_free(&split);
    const char *why = es_tj_check_result(&policy, size, &one);
    if (why)
        s_die(why);
    s_describe_segments(data, size, &one);

    /* The whole-buffer convenience agrees with the streaming interface. */
    uint8_t *out = NULL;
    size_t out_len = 0;
    es_error err;
    es_jpeg_stats stats;
    es_error_clear(&err);
    es_err rc = es_jpeg_strip_buffer(&policy, data, size, &out, &out_len, &err, &stats);
    if (rc != one.rc || strcmp(err.msg, one.msg) != 0 || (rc == ES_OK) != (out != NULL))
        s_die("es_jpeg_strip_buffer disagrees with the stripper");
    if (rc == ES_OK && (out_len != one.out.len || memcmp(out, one.out.data, out_len) != 0))
        s_die("es_jpeg_strip_buffer output differs");
    if (!es_tj_same_stats(&stats, &one.stats, rc != ES_OK))
        s_die("es_jpeg_strip_buffer stats differ");
    if (rc != ES_OK && (one.msg[0] == '\0' || es_err_category(rc) == ES_CAT_NONE))
        s_die("a refusal without a reason");
    free(out);
    es_tj_result_free(&one);
    return 0;
}
