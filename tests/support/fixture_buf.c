/* fixture_buf.c - the growable byte buffer and the deterministic random
 * source used while assembling fixture JPEGs. */
#include "fixture_priv.h"

#include <stdlib.h>
#include <string.h>

static bool s_reserve(es_fixture_buf *b, size_t extra)
{
    if (b->failed)
        return false;
    if (extra > SIZE_MAX / 2 - b->len) {
        b->failed = true;
        return false;
    }
    size_t need = b->len + extra;
    if (need <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap *= 2;
    uint8_t *p = realloc(b->data, cap);
    if (!p) {
        b->failed = true;
        return false;
    }
    b->data = p;
    b->cap = cap;
    return true;
}

void es_fixture_buf_put(es_fixture_buf *b, const void *data, size_t len)
{
    if (len == 0 || !s_reserve(b, len))
        return;
    memcpy(b->data + b->len, data, len);
    b->len += len;
}

void es_fixture_buf_str(es_fixture_buf *b, const char *s) { es_fixture_buf_put(b, s, strlen(s)); }

void es_fixture_buf_fill(es_fixture_buf *b, uint8_t value, size_t count)
{
    if (count == 0 || !s_reserve(b, count))
        return;
    memset(b->data + b->len, value, count);
    b->len += count;
}

void es_fixture_buf_be16(es_fixture_buf *b, unsigned v)
{
    uint8_t x[2] = {(uint8_t)(v >> 8), (uint8_t)v};
    es_fixture_buf_put(b, x, 2);
}

void es_fixture_buf_be32(es_fixture_buf *b, uint32_t v)
{
    uint8_t x[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    es_fixture_buf_put(b, x, 4);
}

void es_fixture_buf_segment(es_fixture_buf *b, uint8_t marker, const uint8_t *payload, size_t len)
{
    if (len > 65533) {
        b->failed = true;
        return;
    }
    uint8_t head[2] = {0xFF, marker};
    es_fixture_buf_put(b, head, 2);
    es_fixture_buf_be16(b, (unsigned)len + 2);
    es_fixture_buf_put(b, payload, len);
}

void es_fixture_buf_free(es_fixture_buf *b)
{
    if (!b)
        return;
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
    b->failed = false;
}

uint32_t es_fixture_rand(uint32_t *state)
{
    uint32_t x = *state ? *state : 0x9E3779B9u;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *state = x;
    return x;
}
