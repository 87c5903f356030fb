/* headers.c - the canonical headers block and signed-headers list of a
 * SigV4 canonical request: lower-cased names sorted (stable, so repeated
 * headers keep their order and are joined with ','), values trimmed with
 * inner whitespace runs folded to one space. Hop-by-hop and proxy-touched
 * headers are left unsigned. */
#include "aws/sigv4/internal.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"

typedef struct s_entry {
    char *name; /* lower-case copy */
    const char *value;
    size_t order;
} s_entry;

static const char *const s_unsigned_headers[] = {
    "authorization",       "user-agent", "expect",  "connection", "keep-alive",
    "proxy-authorization", "te",         "trailer", "upgrade",    "transfer-encoding",
    "x-amzn-trace-id"};

static bool s_is_unsigned(const char *lname, bool skip_token)
{
    if (skip_token && strcmp(lname, "x-amz-security-token") == 0)
        return true;
    for (size_t i = 0; i < sizeof s_unsigned_headers / sizeof s_unsigned_headers[0]; i++)
        if (strcmp(lname, s_unsigned_headers[i]) == 0)
            return true;
    return false;
}

/* RFC 9110 token characters. */
static bool s_valid_name(const char *n)
{
    if (!n || !*n)
        return false;
    for (const unsigned char *p = (const unsigned char *)n; *p; p++)
        if (!isalnum(*p) && !strchr("!#$%&'*+-.^_`|~", *p))
            return false;
    return true;
}

/* Printable text, tabs, and CR/LF only as line folding (followed by a blank). */
static bool s_valid_value(const char *v)
{
    if (!v)
        return false;
    for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
        if (*p == '\r' || *p == '\n') {
            while (*p == '\r' || *p == '\n')
                p++;
            if (*p != ' ' && *p != '\t')
                return false;
        } else if ((*p < 0x20 && *p != '\t') || *p == 0x7f) {
            return false;
        }
    }
    return true;
}

static bool s_is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

/* Appends v trimmed, each inner run of blanks as one space; the text between
 * blanks goes out as one append (a value is mostly one run). */
static void s_append_folded(es_buf *b, const char *v)
{
    bool any = false;
    while (*v) {
        while (s_is_space(*v))
            v++;
        const char *run = v;
        while (*v && !s_is_space(*v))
            v++;
        if (v == run)
            break; /* only blanks were left */
        if (any)
            es_buf_append(b, " ", 1);
        es_buf_append(b, run, (size_t)(v - run));
        any = true;
    }
}

static int s_entry_cmp(const void *a, const void *b)
{
    const s_entry *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    if (c)
        return c;
    return x->order < y->order ? -1 : x->order > y->order;
}

static char *s_lower_dup(const char *s)
{
    char *d = strdup(s);
    if (d)
        for (char *p = d; *p; p++)
            *p = (char)tolower((unsigned char)*p);
    return d;
}

es_err es_sigv4_canonical_headers(const es_sigv4_header_set *set, char **canonical, char **signed_list,
                                  es_error *err)
{
    ES_ENSURE_REF(set);
    ES_ENSURE_REF(canonical);
    ES_ENSURE_REF(signed_list);
    *canonical = *signed_list = NULL;
    size_t total = set->req_count + set->extra_count;
    s_entry *e = calloc(total ? total : 1, sizeof *e);
    size_t n = 0;
    bool have_host = false;
    es_err rc = ES_OK;
    es_buf cb, sb;
    es_buf_init(&cb, ES_SIGV4_MAX_TEXT);
    es_buf_init(&sb, ES_SIGV4_MAX_TEXT);
    if (!e)
        return es_error_set(err, ES_ERR_NOMEM, "out of memory building canonical headers");
    for (size_t i = 0; i < total; i++) {
        const es_sigv4_header *h = i < set->req_count ? &set->req[i] : &set->extra[i - set->req_count];
        if (!s_valid_name(h->name)) {
            rc = es_error_set(err, ES_ERR_INVALID_ARG, "sigv4: invalid header name at index %zu", i);
            goto done;
        }
        if (!s_valid_value(h->value)) {
            rc = es_error_set(err, ES_ERR_INVALID_ARG,
                              "sigv4: header '%.64s' has a control character in its value", h->name);
            goto done;
        }
        char *lname = s_lower_dup(h->name);
        if (!lname) {
            rc = es_error_set(err, ES_ERR_NOMEM, "out of memory building canonical headers");
            goto done;
        }
        if (s_is_unsigned(lname, set->skip_security_token)) {
            free(lname);
            continue;
        }
        have_host = have_host || strcmp(lname, "host") == 0;
        e[n].name = lname;
        e[n].value = h->value;
        e[n].order = i;
        n++;
    }
    if (!have_host) {
        rc = es_error_set(err, ES_ERR_INVALID_ARG, "sigv4: the request has no host header");
        goto done;
    }
    qsort(e, n, sizeof *e, s_entry_cmp);
    for (size_t i = 0; i < n; i++) {
        bool same = i > 0 && strcmp(e[i].name, e[i - 1].name) == 0;
        if (same) {
            es_buf_append(&cb, ",", 1);
        } else {
            if (i > 0) {
                es_buf_append(&cb, "\n", 1);
                es_buf_append(&sb, ";", 1);
            }
            es_buf_puts(&cb, e[i].name);
            es_buf_append(&cb, ":", 1);
            es_buf_puts(&sb, e[i].name);
        }
        s_append_folded(&cb, e[i].value);
    }
    es_buf_append(&cb, "\n", 1);
    *canonical = es_buf_take(&cb);
    *signed_list = es_buf_take(&sb);
    if (!*canonical || !*signed_list) {
        free(*canonical);
        free(*signed_list);
        *canonical = *signed_list = NULL;
        rc = es_error_set(err, ES_ERR_NOMEM, "out of memory building canonical headers");
    }
done:
    for (size_t i = 0; i < n; i++)
        free(e[i].name);
    free(e);
    es_buf_free(&cb);
    es_buf_free(&sb);
    return rc;
}
