/* cursor.h - es_jpeg_cursor, the bounded reader every parser in src/jpeg uses.
 *
 * A cursor reads caller-owned bytes. Every fixed-size read or peek checks the
 * bytes available first and either succeeds completely or returns
 * ES_ERR_NEED_MORE without moving (never a partial read); length arithmetic is
 * done on remaining counts so it cannot overflow. Only es_jpeg_cursor_take()
 * hands out "as much as there is, up to n" for bulk copying. */
#ifndef ES_JPEG_CURSOR_H
#define ES_JPEG_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "exifstrip/error.h"

typedef struct es_jpeg_cursor {
    const uint8_t *data;
    size_t len;
    size_t pos; /* always <= len */
} es_jpeg_cursor;

void es_jpeg_cursor_init(es_jpeg_cursor *c, const uint8_t *data, size_t len);

static inline size_t es_jpeg_cursor_remaining(const es_jpeg_cursor *c) { return c->len - c->pos; }
/* The 16/32-bit integer at p, big-endian unless little is true (the caller
 * has checked the bytes are there). */
static inline uint16_t es_jpeg_load_u16(const uint8_t *p, bool little)
{
    return little ? (uint16_t)(p[0] | p[1] << 8) : (uint16_t)(p[0] << 8 | p[1]);
}
static inline uint32_t es_jpeg_load_u32(const uint8_t *p, bool little)
{
    return little ? (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24
                  : (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* The next unread byte (valid for es_jpeg_cursor_remaining() bytes). */
static inline const uint8_t *es_jpeg_cursor_ptr(const es_jpeg_cursor *c) { return c->data + c->pos; }

/* ES_OK when n bytes are available, ES_ERR_NEED_MORE otherwise. */
ES_MUST_USE es_err es_jpeg_cursor_need(const es_jpeg_cursor *c, size_t n);
/* Points *out at n bytes starting `ahead` bytes past the position, without moving. */
ES_MUST_USE es_err es_jpeg_cursor_peek(const es_jpeg_cursor *c, size_t ahead, size_t n, const uint8_t **out);
ES_MUST_USE es_err es_jpeg_cursor_peek_u8(const es_jpeg_cursor *c, size_t ahead, uint8_t *out);
ES_MUST_USE es_err es_jpeg_cursor_read_u8(es_jpeg_cursor *c, uint8_t *out);
/* Reads a 16/32-bit integer, big-endian unless little is true. */
ES_MUST_USE es_err es_jpeg_cursor_read_u16(es_jpeg_cursor *c, bool little, uint16_t *out);
ES_MUST_USE es_err es_jpeg_cursor_read_u32(es_jpeg_cursor *c, bool little, uint32_t *out);
ES_MUST_USE es_err es_jpeg_cursor_skip(es_jpeg_cursor *c, size_t n);
/* Moves to absolute position pos (<= len); ES_ERR_NEED_MORE when out of range. */
ES_MUST_USE es_err es_jpeg_cursor_seek(es_jpeg_cursor *c, size_t pos);
/* Bulk access: consumes min(n, remaining) bytes, points *out at them and returns the count. */
size_t es_jpeg_cursor_take(es_jpeg_cursor *c, size_t n, const uint8_t **out);

#endif
