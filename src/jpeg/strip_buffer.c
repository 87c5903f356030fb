/* strip_buffer.c - es_jpeg_strip_buffer: the whole-buffer convenience over the
 * streaming stripper (tests, fuzzing, small objects). The output is never
 * longer than the input (only input bytes are copied), so it is written into
 * one allocation of the input's size. */
#include <stdlib.h>
#include <string.h>

#include "exifstrip/jpeg.h"

typedef struct s_sink {
    uint8_t *buf;
    size_t cap, len;
} s_sink;

static es_err s_sink_write(void *ctx, const uint8_t *data, size_t len)
{
    s_sink *sink = ctx;
    ES_ENSURE(len <= sink->cap - sink->len, ES_ERR_INTERNAL);
    memcpy(sink->buf + sink->len, data, len);
    sink->len += len;
    return ES_OK;
}

es_err es_jpeg_strip_buffer(const es_jpeg_policy *policy, const uint8_t *in, size_t in_len, uint8_t **out,
                            size_t *out_len, es_error *err, es_jpeg_stats *stats)
{
    s_sink sink = {NULL, in_len, 0};
    es_jpeg_stripper *s = NULL;
    es_err rc;
    if (out)
        *out = NULL;
    if (out_len)
        *out_len = 0;
    if (!out || !out_len || (!in && in_len > 0))
        return es_error_set(err, ES_ERR_INVALID_ARG, "es_jpeg_strip_buffer: invalid argument");
    sink.buf = malloc(in_len > 0 ? in_len : 1);
    s = es_jpeg_stripper_new(policy, s_sink_write, &sink);
    if (!sink.buf || !s) {
        rc = es_error_set(err, ES_ERR_NOMEM, "out of memory");
        goto done;
    }
    rc = es_jpeg_stripper_feed(s, in, in_len);
    if (rc == ES_OK)
        rc = es_jpeg_stripper_finish(s);
    if (rc != ES_OK)
        es_error_set(err, rc, "%s", es_jpeg_stripper_error(s));
done:
    if (stats && s)
        *stats = *es_jpeg_stripper_stats(s);
    if (rc == ES_OK) {
        *out = sink.buf;
        *out_len = sink.len;
    } else {
        free(sink.buf);
    }
    es_jpeg_stripper_free(s);
    return rc;
}
