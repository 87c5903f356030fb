/* strip_buffer.c - es_orient_strip_buffer: the whole-buffer convenience over
 * es_orient_stripper (tests, fuzzing). The output may be longer than the
 * input (tag segment, re-coded entropy data), so the sink grows. */
#include <stdlib.h>
#include <string.h>

#include "exifstrip/orient.h"

typedef struct s_sink {
    uint8_t *buf;
    size_t cap, len;
} s_sink;

static es_err s_sink_write(void *ctx, const uint8_t *data, size_t len)
{
    s_sink *sink = ctx;
    if (len > sink->cap - sink->len) {
        size_t cap = sink->cap ? sink->cap : 4096;
        while (cap - sink->len < len) {
            ES_ENSURE(cap <= SIZE_MAX / 2, ES_ERR_NOMEM);
            cap *= 2;
        }
        uint8_t *p = realloc(sink->buf, cap);
        ES_ENSURE(p != NULL, ES_ERR_NOMEM);
        sink->buf = p;
        sink->cap = cap;
    }
    memcpy(sink->buf + sink->len, data, len);
    sink->len += len;
    return ES_OK;
}

es_err es_orient_strip_buffer(const es_jpeg_policy *policy, const es_orient_config *config, const uint8_t *in,
                              size_t in_len, uint8_t **out, size_t *out_len, es_error *err,
                              es_orient_result *result)
{
    s_sink sink = {NULL, 0, 0};
    if (!out || !out_len || (!in && in_len > 0))
        return es_error_set(err, ES_ERR_INVALID_ARG, "es_orient_strip_buffer: invalid argument");
    *out = NULL;
    *out_len = 0;
    es_orient_stripper *s = es_orient_stripper_new(policy, config, s_sink_write, &sink);
    if (!s)
        return es_error_set(err, ES_ERR_NOMEM, "out of memory");
    es_err rc = es_orient_stripper_feed(s, in, in_len);
    if (rc == ES_OK)
        rc = es_orient_stripper_finish(s);
    if (rc != ES_OK)
        es_error_set(err, rc, "%s", es_orient_stripper_error(s));
    if (result)
        *result = *es_orient_stripper_result(s);
    if (rc == ES_OK) {
        *out = sink.buf;
        *out_len = sink.len;
    } else {
        free(sink.buf);
    }
    es_orient_stripper_free(s);
    return rc;
}
