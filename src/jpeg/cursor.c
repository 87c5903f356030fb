/* cursor.c - the bounded reader of cursor.h: all-or-nothing reads over
 * caller-owned bytes, reporting ES_ERR_NEED_MORE instead of reading short. */
#include "jpeg/cursor.h"

void es_jpeg_cursor_init(es_jpeg_cursor *c, const uint8_t *data, size_t len)
{
    static const uint8_t s_none[1];
    c->data = data ? data : s_none; /* never do arithmetic on NULL */
    c->len = data ? len : 0;
    c->pos = 0;
}

es_err es_jpeg_cursor_need(const es_jpeg_cursor *c, size_t n)
{
    ES_ENSURE(n <= es_jpeg_cursor_remaining(c), ES_ERR_NEED_MORE);
    return ES_OK;
}

es_err es_jpeg_cursor_peek(const es_jpeg_cursor *c, size_t ahead, size_t n, const uint8_t **out)
{
    size_t left = es_jpeg_cursor_remaining(c);
    ES_ENSURE(ahead <= left && n <= left - ahead, ES_ERR_NEED_MORE);
    *out = c->data + c->pos + ahead;
    return ES_OK;
}

es_err es_jpeg_cursor_peek_u8(const es_jpeg_cursor *c, size_t ahead, uint8_t *out)
{
    const uint8_t *p;
    ES_GUARD(es_jpeg_cursor_peek(c, ahead, 1, &p));
    *out = p[0];
    return ES_OK;
}

es_err es_jpeg_cursor_read_u8(es_jpeg_cursor *c, uint8_t *out)
{
    ES_GUARD(es_jpeg_cursor_peek_u8(c, 0, out));
    c->pos++;
    return ES_OK;
}

es_err es_jpeg_cursor_read_u16(es_jpeg_cursor *c, bool little, uint16_t *out)
{
    const uint8_t *p;
    ES_GUARD(es_jpeg_cursor_peek(c, 0, 2, &p));
    *out = es_jpeg_load_u16(p, little);
    c->pos += 2;
    return ES_OK;
}

es_err es_jpeg_cursor_read_u32(es_jpeg_cursor *c, bool little, uint32_t *out)
{
    const uint8_t *p;
    ES_GUARD(es_jpeg_cursor_peek(c, 0, 4, &p));
    *out = es_jpeg_load_u32(p, little);
    c->pos += 4;
    return ES_OK;
}

es_err es_jpeg_cursor_skip(es_jpeg_cursor *c, size_t n)
{
    ES_GUARD(es_jpeg_cursor_need(c, n));
    c->pos += n;
    return ES_OK;
}

es_err es_jpeg_cursor_seek(es_jpeg_cursor *c, size_t pos)
{
    ES_ENSURE(pos <= c->len, ES_ERR_NEED_MORE);
    c->pos = pos;
    return ES_OK;
}

size_t es_jpeg_cursor_take(es_jpeg_cursor *c, size_t n, const uint8_t **out)
{
    size_t left = es_jpeg_cursor_remaining(c);
    if (n > left)
        n = left;
    *out = c->data + c->pos;
    c->pos += n;
    return n;
}
