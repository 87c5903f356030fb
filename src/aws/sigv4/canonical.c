/* canonical.c - the URI parts of a SigV4 canonical request: percent
 * encoding, path normalisation (dot segments, duplicate slashes) and the
 * sorted, re-encoded canonical query string. S3 paths are encoded once and
 * never normalised; other services' paths are normalised and encoded twice. */
#include "aws/sigv4/sigv4.h"

#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "aws/sigv4/internal.h"
#include "common/hex.h"

char *es_sigv4_uri_encode(const char *s, size_t len, bool keep_slash)
{
    es_buf b;
    es_buf_init(&b, ES_SIGV4_MAX_TEXT);
    if (!s)
        len = 0;
    es_buf_uri_encoded(&b, s ? s : "", len, keep_slash);
    return es_buf_take(&b);
}

/* Percent-decodes s[0..len) into b; a '%' not followed by two hex digits is
 * kept literally. '+' is not special (RFC 3986, not form encoding). */
static void s_decode_into(es_buf *b, const char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        const char *pct = memchr(s + i, '%', len - i);
        size_t run = pct ? (size_t)(pct - s) : len; /* up to the next '%' is copied as it is */
        es_buf_append(b, s + i, run - i);
        i = run;
        if (i == len)
            break;
        int byte = es_hex_byte(s + i + 1, len - i - 1);
        es_sigv4_putc(b, byte >= 0 ? (char)byte : '%');
        i += byte >= 0 ? 3 : 1;
    }
}

/* Removes "." and ".." segments and empty segments (duplicate slashes); the
 * result starts with '/' and keeps a trailing '/' when the input had one and
 * some segment remains. */
static char *s_normalize_path(const char *path)
{
    size_t len = strlen(path);
    /* Segment start offsets of the output, for popping on "..". */
    size_t *starts = malloc((len / 2 + 2) * sizeof *starts);
    es_buf b;
    es_buf_init(&b, ES_SIGV4_MAX_TEXT);
    if (!starts)
        return NULL;
    size_t depth = 0;
    size_t i = 0;
    while (i < len) {
        while (i < len && path[i] == '/')
            i++;
        size_t seg = i;
        while (i < len && path[i] != '/')
            i++;
        size_t n = i - seg;
        if (n == 0 || (n == 1 && path[seg] == '.'))
            continue;
        if (n == 2 && path[seg] == '.' && path[seg + 1] == '.') {
            if (depth > 0) {
                depth--;
                b.len = starts[depth];
                if (b.data)
                    b.data[b.len] = '\0';
            }
            continue;
        }
        starts[depth++] = b.len;
        es_buf_append(&b, "/", 1);
        es_buf_append(&b, path + seg, n);
    }
    free(starts);
    if (depth == 0)
        es_buf_append(&b, "/", 1);
    else if (len > 0 && path[len - 1] == '/')
        es_buf_append(&b, "/", 1);
    return es_buf_take(&b);
}

static char *s_encode_str(const char *s, bool keep_slash)
{
    return es_sigv4_uri_encode(s, strlen(s), keep_slash);
}

char *es_sigv4_canonical_uri(const char *path, unsigned flags)
{
    char *tmp = NULL, *out = NULL;
    const char *p = path && *path ? path : "/";
    es_buf b;
    es_buf_init(&b, ES_SIGV4_MAX_TEXT);
    if (p[0] != '/') {
        es_buf_append(&b, "/", 1);
        es_buf_puts(&b, p);
        if (!(tmp = es_buf_take(&b)))
            return NULL;
        p = tmp;
    }
    if (flags & ES_SIGV4_S3_RULES) {
        if (flags & ES_SIGV4_PATH_ENCODED) {
            s_decode_into(&b, p, strlen(p));
            size_t rlen = b.len;
            char *raw = es_buf_take(&b);
            out = raw ? es_sigv4_uri_encode(raw, rlen, true) : NULL;
            free(raw);
        } else {
            out = s_encode_str(p, true);
        }
    } else {
        char *norm = (flags & ES_SIGV4_NO_NORMALIZE) ? strdup(p) : s_normalize_path(p);
        if (norm && (flags & ES_SIGV4_PATH_ENCODED)) {
            out = s_encode_str(norm, true);
        } else if (norm) {
            char *once = s_encode_str(norm, true);
            out = once ? s_encode_str(once, true) : NULL;
            free(once);
        }
        free(norm);
    }
    es_buf_free(&b);
    free(tmp);
    return out;
}

typedef struct s_param {
    char *name;  /* encoded */
    char *value; /* encoded */
} s_param;

static int s_param_cmp(const void *a, const void *b)
{
    const s_param *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : strcmp(x->value, y->value);
}

/* Decodes then re-encodes s[0..len) (query component: '/' encoded too). */
static char *s_reencode(const char *s, size_t len)
{
    es_buf raw;
    es_buf_init(&raw, ES_SIGV4_MAX_TEXT);
    s_decode_into(&raw, s, len);
    size_t dlen = raw.len;
    char *dec = es_buf_take(&raw);
    if (!dec)
        return NULL;
    char *out = es_sigv4_uri_encode(dec, dlen, false);
    free(dec);
    return out;
}

char *es_sigv4_canonical_query(const char *query)
{
    if (!query)
        query = "";
    size_t count = 1;
    for (const char *q = query; *q; q++)
        count += *q == '&';
    s_param *params = calloc(count, sizeof *params);
    char *out = NULL;
    size_t n = 0;
    es_buf b;
    es_buf_init(&b, ES_SIGV4_MAX_TEXT);
    if (!params)
        return NULL;
    const char *p = query;
    while (*p) {
        const char *end = strchr(p, '&');
        size_t plen = end ? (size_t)(end - p) : strlen(p);
        if (plen > 0) {
            const char *eq = memchr(p, '=', plen);
            size_t nlen = eq ? (size_t)(eq - p) : plen;
            params[n].name = s_reencode(p, nlen);
            params[n].value = eq ? s_reencode(eq + 1, plen - nlen - 1) : s_reencode("", 0);
            if (!params[n].name || !params[n].value) {
                n++;
                goto done;
            }
            n++;
        }
        p += plen;
        if (*p == '&')
            p++;
    }
    qsort(params, n, sizeof *params, s_param_cmp);
    for (size_t i = 0; i < n; i++) {
        if (i)
            es_buf_append(&b, "&", 1);
        es_buf_puts(&b, params[i].name);
        es_buf_append(&b, "=", 1);
        es_buf_puts(&b, params[i].value);
    }
    out = es_buf_take(&b);
done:
    for (size_t i = 0; i < n; i++) {
        free(params[i].name);
        free(params[i].value);
    }
    free(params);
    es_buf_free(&b);
    return out;
}
