/* buf.c - the capped growable buffer of buf.h. */
#include "common/buf.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void es_buf_init(es_buf *b, size_t max)
{
    memset(b, 0, sizeof *b);
    b->max = max;
}

void es_buf_free(es_buf *b)
{
    if (!b)
        return;
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

void es_buf_reset(es_buf *b)
{
    b->len = 0;
    b->err = ES_OK;
    if (b->data)
        b->data[0] = '\0';
}

static es_err s_reserve(es_buf *b, size_t extra)
{
    if (b->err != ES_OK)
        return b->err;
    if (extra > b->max || b->len > b->max - extra) {
        b->err = ES_ERR_TOO_LARGE;
        return b->err;
    }
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return ES_OK;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    size_t limit = b->max < SIZE_MAX ? b->max + 1 : SIZE_MAX; /* need <= limit */
    if (cap > limit)
        cap = limit;
    char *p = realloc(b->data, cap);
    if (!p) {
        b->err = ES_ERR_NOMEM;
        return b->err;
    }
    b->data = p;
    b->cap = cap;
    return ES_OK;
}

es_err es_buf_reserve(es_buf *b, size_t extra) { return s_reserve(b, extra); }

es_err es_buf_append(es_buf *b, const void *data, size_t len)
{
    ES_GUARD(s_reserve(b, len));
    if (len)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
    return ES_OK;
}

es_err es_buf_puts(es_buf *b, const char *s) { return es_buf_append(b, s, strlen(s)); }

char *es_u64_decimal(uint64_t v, char digits[ES_U64_DIGITS])
{
    char *at = digits + ES_U64_DIGITS;
    do {
        *--at = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    return at;
}

es_err es_buf_put_u64(es_buf *b, uint64_t v)
{
    char digits[ES_U64_DIGITS];
    const char *at = es_u64_decimal(v, digits);
    return es_buf_append(b, at, (size_t)(digits + ES_U64_DIGITS - at));
}

es_err es_buf_printf(es_buf *b, const char *fmt, ...)
{
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return b->err = ES_ERR_INTERNAL;
    if ((size_t)n < sizeof small)
        return es_buf_append(b, small, (size_t)n);
    ES_GUARD(s_reserve(b, (size_t)n));
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return ES_OK;
}

es_err es_buf_xml_escaped(es_buf *b, const char *s)
{
    for (; *s; s++) {
        const char *rep = NULL;
        switch (*s) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = "&quot;"; break;
        case '\'': rep = "&apos;"; break;
        case '\r': rep = "&#13;"; break;
        default: break;
        }
        if (rep)
            ES_GUARD(es_buf_puts(b, rep));
        else
            ES_GUARD(es_buf_append(b, s, 1));
    }
    return b->err;
}

static bool s_unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.' || c == '~';
}

/* The one URI encoder: the signer (es_sigv4_uri_encode) uses it too, so the
 * URL sent is the one that was signed. */
es_err es_buf_uri_encoded(es_buf *b, const char *s, size_t len, int keep_slash)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t i = 0;
    while (i < len) {
        size_t run = i; /* characters kept as they are go out as one append */
        while (run < len && (s_unreserved((unsigned char)s[run]) || (keep_slash && s[run] == '/')))
            run++;
        if (run > i) {
            es_buf_append(b, s + i, run - i);
            i = run;
            continue;
        }
        unsigned char c = (unsigned char)s[i++];
        char esc[3] = {'%', hex[c >> 4], hex[c & 15]};
        es_buf_append(b, esc, 3);
    }
    return b->err;
}

es_err es_buf_query_param(es_buf *b, const char *name, const char *value)
{
    if (b->len)
        es_buf_append(b, "&", 1);
    es_buf_uri_encoded(b, name, strlen(name), 0);
    es_buf_append(b, "=", 1);
    if (value)
        es_buf_uri_encoded(b, value, strlen(value), 0);
    return b->err;
}

char *es_buf_take(es_buf *b)
{
    if (b->err != ES_OK) {
        es_buf_free(b);
        return NULL;
    }
    if (!b->data && es_buf_append(b, "", 0) != ES_OK)
        return NULL;
    char *s = b->data;
    b->data = NULL;
    b->len = b->cap = 0;
    return s;
}

void es_fmt(char *dst, size_t size, const char *fmt, ...)
{
    if (!dst || size == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(dst, size, fmt, ap);
    va_end(ap);
}
