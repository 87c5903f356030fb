/* headers.c - the bounded parser of HTTP response header blocks (http.h).
 *
 * Lines arrive one at a time from curl's header callback. Fields are stored
 * as "name\0value\0" in a fixed buffer with an index of offsets, so a folded
 * continuation line (obsolete but legal) simply extends the last value. */
#include "aws/http/http.h"

#include <string.h>
#include <strings.h>

void es_http_headers_reset(es_http_headers *h)
{
    h->status = 0;
    h->complete = false;
    h->bad_lines = 0;
    h->count = 0;
    h->used = 0;
}

static bool s_is_ows(char c) { return c == ' ' || c == '\t'; }

/* RFC 9110 token characters. */
static bool s_is_tchar(unsigned char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    return c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* Visible characters, obs-text and HT/SP are allowed in values. */
static bool s_value_ok(const char *v, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)v[i];
        if ((c < 0x20 && c != '\t') || c == 0x7f)
            return false;
    }
    return true;
}

static void s_trim(const char **s, size_t *len)
{
    while (*len && s_is_ows(**s)) {
        (*s)++;
        (*len)--;
    }
    while (*len && s_is_ows((*s)[*len - 1]))
        (*len)--;
}

static es_err s_store(es_http_headers *h, const char *s, size_t len, uint16_t *off)
{
    if (len + 1 > sizeof h->buf - h->used)
        return ES_ERR_TOO_LARGE;
    *off = (uint16_t)h->used;
    memcpy(h->buf + h->used, s, len);
    h->buf[h->used + len] = '\0';
    h->used += len + 1;
    return ES_OK;
}

/* "HTTP/1.1 200 OK" or "HTTP/2 200": a new response begins. */
static void s_status_line(es_http_headers *h, const char *line, size_t len)
{
    es_http_headers_reset(h);
    const char *sp = memchr(line, ' ', len);
    size_t rest = sp ? len - (size_t)(sp + 1 - line) : 0;
    if (!sp || rest < 3) {
        h->bad_lines++;
        return;
    }
    int status = 0;
    for (int i = 0; i < 3; i++) {
        char c = sp[1 + i];
        if (c < '0' || c > '9') {
            h->bad_lines++;
            return;
        }
        status = status * 10 + (c - '0');
    }
    if (rest > 3 && sp[4] != ' ') {
        h->bad_lines++;
        return;
    }
    h->status = status;
}

/* obs-fold: "   more text" continues the previous field's value. */
static es_err s_continuation(es_http_headers *h, const char *line, size_t len)
{
    s_trim(&line, &len);
    if (h->count == 0 || !s_value_ok(line, len)) {
        h->bad_lines++;
        return ES_OK;
    }
    if (len == 0)
        return ES_OK;
    es_http_field *f = &h->fields[h->count - 1];
    /* The last value ends the buffer: replace its NUL with a space and extend. */
    if (len + 1 > sizeof h->buf - h->used)
        return ES_ERR_TOO_LARGE;
    if ((size_t)f->value_len + 1 + len > UINT16_MAX)
        return ES_ERR_TOO_LARGE;
    size_t at = h->used - 1;
    h->buf[at] = ' ';
    memcpy(h->buf + at + 1, line, len);
    h->buf[at + 1 + len] = '\0';
    h->used += len + 1;
    f->value_len = (uint16_t)(f->value_len + 1 + len);
    return ES_OK;
}

es_err es_http_headers_feed(es_http_headers *h, const char *line, size_t len)
{
    ES_ENSURE_REF(h);
    ES_ENSURE(line || len == 0, ES_ERR_INVALID_ARG);
    if (len && line[len - 1] == '\n')
        len--;
    if (len && line[len - 1] == '\r')
        len--;
    if (len == 0) {
        h->complete = true;
        return ES_OK;
    }
    if (len >= 5 && memcmp(line, "HTTP/", 5) == 0) {
        s_status_line(h, line, len);
        return ES_OK;
    }
    if (s_is_ows(line[0]))
        return s_continuation(h, line, len);

    const char *colon = memchr(line, ':', len);
    size_t name_len = colon ? (size_t)(colon - line) : 0;
    for (size_t i = 0; i < name_len; i++)
        if (!s_is_tchar((unsigned char)line[i]))
            name_len = 0; /* whitespace before ':' or other junk: refuse the line */
    if (name_len == 0) {
        h->bad_lines++;
        return ES_OK;
    }
    const char *value = colon + 1;
    size_t value_len = len - name_len - 1;
    s_trim(&value, &value_len);
    if (!s_value_ok(value, value_len)) {
        h->bad_lines++;
        return ES_OK;
    }
    if (h->count >= ES_HTTP_HEADERS_MAX_FIELDS)
        return ES_ERR_TOO_LARGE;
    es_http_field f = {0};
    f.name_len = (uint16_t)name_len;
    f.value_len = (uint16_t)value_len;
    size_t mark = h->used;
    es_err rc = s_store(h, line, name_len, &f.name_off);
    if (rc == ES_OK)
        rc = s_store(h, value, value_len, &f.value_off);
    if (rc != ES_OK) {
        h->used = mark;
        return rc;
    }
    h->fields[h->count++] = f;
    return ES_OK;
}

static const char *s_lookup(const es_http_headers *h, const char *name, size_t idx, size_t *n)
{
    *n = 0;
    if (!h || !name)
        return NULL;
    for (size_t i = 0; i < h->count; i++) {
        const es_http_field *f = &h->fields[i];
        if (strcasecmp(h->buf + f->name_off, name) != 0)
            continue;
        if ((*n)++ == idx)
            return h->buf + f->value_off;
    }
    return NULL;
}

const char *es_http_headers_get(const es_http_headers *h, const char *name)
{
    size_t n;
    return s_lookup(h, name, 0, &n);
}

const char *es_http_headers_get_nth(const es_http_headers *h, const char *name, size_t idx)
{
    size_t n;
    return s_lookup(h, name, idx, &n);
}

size_t es_http_headers_count_of(const es_http_headers *h, const char *name)
{
    size_t n;
    (void)s_lookup(h, name, SIZE_MAX, &n);
    return n;
}
