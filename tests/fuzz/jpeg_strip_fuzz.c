/* jpeg_strip_fuzz.c - fuzz target for the streaming JPEG stripper.
 *
 * Target Functions: es_jpeg_stripper_new, es_jpeg_stripper_on_segment,
 * es_jpeg_stripper_feed, es_jpeg_stripper_finish, es_jpeg_stripper_error,
 * es_jpeg_strip_buffer, es_jpeg_exif_peek (through Exif segments),
 * es_jpeg_sniff_type (through refusals).
 *
 * Each input is stripped in one piece and once more split into a few random
 * chunks with a window of bytes fed one at a time, at an offset derived from
 * the input (so over many runs every offset is fed byte by byte); both runs
 * must agree on code, message, output, stats and reported segments, the
 * segments must tile the input, and a successful output must be stable under
 * a second strip. es_jpeg_strip_buffer must agree with the stripper. The
 * policy options are derived from the input too. Any disagreement aborts.
 *
 * Speed: every run costs a bounded number of feeds (about 60) whatever the
 * input length. Feeding whole inputs byte by byte (thousands of feeds, each
 * through the sanitizer's coverage hooks) made this target run at a few
 * thousand, and on large inputs ~100, executions per second. */
#include <stdio.h>
#include <stdlib.h>

#include "../jpeg/strip_util.h"

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint32_t h = s_hash(data, size);
    es_jpeg_policy policy;
    es_jpeg_policy_default(&policy);
    policy.keep_icc = (h & 1) == 0;
    policy.keep_comments = (h & 2) != 0;

    es_tj_result one, split;
    es_tj_strip(&policy, data, size, es_tj_oneshot(), &one);
    es_tj_strip(&policy, data, size, es_tj_window(size ? (h >> 2) % size : 0, h), &split);
    if (!es_tj_same(&one, &split))
        s_die("split feeding differs from one-shot");
    es_tj_result_free(&split);
    const char *why = es_tj_check_result(&policy, size, &one);
    if (why)
        s_die(why);

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
