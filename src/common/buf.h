/* buf.h - the one growable byte/string buffer with a hard size cap: the AWS
 * layer builds URLs, query strings, canonical requests and XML bodies in it,
 * HTTP responses buffer their bodies in it and the S3 uploader its parts.
 * Once an append fails the buffer stays failed (err) so callers can append
 * freely and check once at the end. It never allocates more than max + 1
 * bytes (the NUL), so a part-sized cap is also its memory bound. */
#ifndef ES_COMMON_BUF_H
#define ES_COMMON_BUF_H

#include <stddef.h>
#include <stdint.h>

#include "exifstrip/error.h"

typedef struct es_buf {
    union {
        char *data;     /* always NUL-terminated when non-NULL */
        uint8_t *bytes; /* the same storage, for binary content */
    };
    size_t len;
    size_t cap;
    size_t max; /* ES_ERR_TOO_LARGE beyond this many bytes */
    es_err err; /* first failure, ES_OK while healthy */
} es_buf;

void es_buf_init(es_buf *b, size_t max);
void es_buf_free(es_buf *b); /* accepts NULL */
/* Empties b (and clears a failure) but keeps its allocation and max. */
void es_buf_reset(es_buf *b);
es_err es_buf_append(es_buf *b, const void *data, size_t len);
/* Makes room for extra more bytes in one allocation (when the final size is
 * known, instead of doubling up to it); the same errors as an append. */
es_err es_buf_reserve(es_buf *b, size_t extra);
es_err es_buf_puts(es_buf *b, const char *s);
/* v in decimal (what "%llu" prints, without a printf per number): the
 * digits end at digits + ES_U64_DIGITS; returns where they begin. */
#define ES_U64_DIGITS 20 /* UINT64_MAX has 20 */
char *es_u64_decimal(uint64_t v, char digits[ES_U64_DIGITS]);
/* Appends v in decimal (es_u64_decimal). */
es_err es_buf_put_u64(es_buf *b, uint64_t v);
es_err es_buf_printf(es_buf *b, const char *fmt, ...) ES_PRINTF(2, 3);
/* Appends s with &, <, >, " and ' escaped for XML text and attributes. */
es_err es_buf_xml_escaped(es_buf *b, const char *s);
/* Appends s URI-encoded (unreserved kept; '/' kept when keep_slash). */
es_err es_buf_uri_encoded(es_buf *b, const char *s, size_t len, int keep_slash);
/* Appends "name=value" (both URI-encoded), preceded by '&' unless b is empty.
 * value NULL appends "name=". */
es_err es_buf_query_param(es_buf *b, const char *name, const char *value);
/* snprintf into a fixed buffer where truncation is intended (messages). */
void es_fmt(char *dst, size_t size, const char *fmt, ...) ES_PRINTF(3, 4);
/* Hands the string over (caller frees); the buffer is left empty. NULL if failed. */
char *es_buf_take(es_buf *b);

#endif
