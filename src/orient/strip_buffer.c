/* strip_buffer.c - es_orient_strip_buffer: the whole-buffer convenience over
 * es_orient_stripper (tests, fuzzing), the input lent to it (never copied).
 * The output may be longer than the input (tag segment, re-coded entropy
 * data), so the sink grows. */
#include <stdlib.h>
#include <string.h>

#include "exifstrip/orient.h"

/* The output so far, doubling its allocation as it grows. */
typedef struct s_growing {
    uint8_t *data;
    size_t used, size;
} s_growing;

static es_err s_append(void *ctx, const uint8_t *bytes, size_t n)
{
    s_growing *g = ctx;
    if (n > g->size - g->used) {
        size_t size = g->size ? g->size : 4096;
        while (size - g->used < n) {
            ES_ENSURE(size <= SIZE_MAX / 2, ES_ERR_NOMEM);
            size *= 2;
        }
        uint8_t *p = realloc(g->data, size);
        ES_ENSURE(p != NULL, ES_ERR_NOMEM);
        g->data = p;
        g->size = size;
    }
    memcpy(g->data + g->used, bytes, n);
    g->used += n;
    return ES_OK;
}

es_err es_orient_strip_buffer(const es_jpeg_policy *policy, const es_orient_config *config, const uint8_t *in,
                              size_t in_len, uint8_t **out, size_t *out_len, es_error *err,
                              es_orient_result *result)
{
    s_growing sink = {NULL, 0, 0};
    if (!out || !out_len || (!in && in_len > 0))
        return es_error_set(err, ES_ERR_INVALID_ARG, "es_orient_strip_buffer: invalid argument");
    *out = NULL;
    *out_len = 0;
    es_orient_stripper *s = es_orient_stripper_new(policy, config, s_append, &sink);
    if (!s)
        return es_error_set(err, ES_ERR_NOMEM, "out of memory");
    es_err rc = es_orient_stripper_feed_borrowed(s, in, in_len);
    if (rc == ES_OK)
        rc = es_orient_stripper_finish(s);
    if (rc != ES_OK)
        es_error_set(err, rc, "%s", es_orient_stripper_error(s));
    if (result)
        *result = *es_orient_stripper_result(s);
    if (rc == ES_OK) {
        *out = sink.data;
        *out_len = sink.used;
    } else {
        free(sink.data);
    }
    es_orient_stripper_free(s);
    return rc;
}
