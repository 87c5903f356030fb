/* buf.h - a growable byte/string buffer with a hard size cap, used to build
 * URLs, query strings and XML request bodies. Once an append fails the buffer
 * stays failed (err) so callers can append freely and check once at the end. */
#ifndef ES_AWS_BUF_H
#define ES_AWS_BUF_H

#include <stddef.h>

#include "exifstrip/error.h"

typedef struct es_aws_buf {
    char *data; /* always NUL-terminated when non-NULL */
    size_t len;
    size_t cap;
    size_t max; /* ES_ERR_TOO_LARGE beyond this many bytes */
    es_err err; /* first failure, ES_OK while healthy */
} es_aws_buf;

void es_aws_buf_init(es_aws_buf *b, size_t max);
void es_aws_buf_free(es_aws_buf *b); /* accepts NULL */
es_err es_aws_buf_append(es_aws_buf *b, const void *data, size_t len);
es_err es_aws_buf_puts(es_aws_buf *b, const char *s);
es_err es_aws_buf_printf(es_aws_buf *b, const char *fmt, ...) ES_PRINTF(2, 3);
/* Appends s with &, <, >, " and ' escaped for XML text and attributes. */
es_err es_aws_buf_xml_escaped(es_aws_buf *b, const char *s);
/* Appends s URI-encoded (unreserved kept; '/' kept when keep_slash). */
es_err es_aws_buf_uri_encoded(es_aws_buf *b, const char *s, size_t len, int keep_slash);
/* Appends "name=value" (both URI-encoded), preceded by '&' unless b is empty.
 * value NULL appends "name=". */
es_err es_aws_buf_query_param(es_aws_buf *b, const char *name, const char *value);
/* snprintf into a fixed buffer where truncation is intended (messages). */
void es_aws_fmt(char *dst, size_t size, const char *fmt, ...) ES_PRINTF(3, 4);
/* Hands the string over (caller frees); the buffer is left empty. NULL if failed. */
char *es_aws_buf_take(es_aws_buf *b);

#endif
