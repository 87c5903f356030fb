/* compact.c - an output written back into its own input buffer (compact.h). */
#include "orient/compact.h"

#include <stdlib.h>
#include <string.h>

void es_orient_compact_init(es_orient_compact *k, uint8_t *buf, size_t cap)
{
    memset(k, 0, sizeof *k);
    k->buf = buf;
    k->cap = cap;
}

/* Grows *p (elements of size) to hold need elements, doubling. */
static es_err s_grow(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return ES_OK;
    size_t n = *cap ? *cap : 16;
    while (n < need)
        n *= 2;
    void *q = realloc(*p, n * size);
    ES_ENSURE(q != NULL, ES_ERR_NOMEM);
    *p = q;
    *cap = n;
    return ES_OK;
}

/* Where data's bytes are found in buf at or after the output's end, so that
 * they can be moved rather than copied aside; false when they are not. */
static bool s_in_place(const es_orient_compact *k, const uint8_t *data, size_t len, size_t *src)
{
    uintptr_t d = (uintptr_t)data, b = (uintptr_t)k->buf;
    if (d >= b && d - b <= k->cap && len <= k->cap - (d - b)) {
        *src = (size_t)(d - b);
        return *src >= k->len;
    }
    if (k->src_end < k->len || len > k->cap - k->src_end || memcmp(data, k->buf + k->src_end, len) != 0)
        return false;
    *src = k->src_end; /* a header rebuilt as it stands in buf, right after the last run */
    return true;
}

es_err es_orient_compact_write(void *ctx, const uint8_t *data, size_t len)
{
    es_orient_compact *k = ctx;
    if (len == 0)
        return ES_OK;
    ES_ENSURE(len <= k->cap - k->len, ES_ERR_INTERNAL);
    size_t src = 0; /* set by s_in_place when placed, or below */
    bool placed = s_in_place(k, data, len, &src);
    es_orient_compact_run *last = k->run_count ? &k->runs[k->run_count - 1] : NULL;
    if (placed && last && !last->aside && last->src + last->len == src) {
        last->len += len;
    } else {
        ES_GUARD(s_grow((void **)&k->runs, &k->run_cap, k->run_count + 1, sizeof *k->runs));
        if (!placed) {
            ES_GUARD(s_grow((void **)&k->side, &k->side_cap, k->side_len + len, 1));
            memcpy(k->side + k->side_len, data, len);
            src = k->side_len;
            k->side_len += len;
        }
        k->runs[k->run_count++] = (es_orient_compact_run){src, len, !placed};
    }
    if (placed)
        k->src_end = src + len;
    k->len += len;
    return ES_OK;
}

void es_orient_compact_finish(es_orient_compact *k)
{
    size_t dst = 0;
    for (size_t i = 0; k->runs && i < k->run_count; i++) {
        const es_orient_compact_run *r = &k->runs[i];
        if (r->aside)
            memcpy(k->buf + dst, k->side + r->src, r->len);
        else if (r->src != dst)
            memmove(k->buf + dst, k->buf + r->src, r->len);
        dst += r->len;
    }
    es_orient_compact_clean(k);
}

void es_orient_compact_clean(es_orient_compact *k)
{
    free(k->runs);
    free(k->side);
    k->runs = NULL;
    k->side = NULL;
    k->run_cap = k->side_cap = 0;
}

size_t es_orient_compact_runs(const es_orient_compact *k) { return k->run_count; }

size_t es_orient_compact_aside(const es_orient_compact *k) { return k->side_len; }
