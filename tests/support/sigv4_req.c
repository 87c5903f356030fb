/* sigv4_req.c - the request-file parser and vector-directory lookup of
 * sigv4_req.h. */
#include "sigv4_req.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include "fixture.h"
#include "shared_dir.h"

static char *s_dup_n(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

/* Appends "\n" + line to *value (a folded continuation line). */
static int s_append_line(char **value, const char *line, size_t n)
{
    size_t old = strlen(*value);
    char *v = realloc(*value, old + 1 + n + 1);
    if (!v)
        return -1;
    v[old] = '\n';
    memcpy(v + old + 1, line, n);
    v[old + 1 + n] = '\0';
    *value = v;
    return 0;
}

static int s_parse_request_line(const char *line, size_t n, es_test_req *out)
{
    const char *sp1 = memchr(line, ' ', n);
    const char *sp2 = NULL;
    for (const char *p = line + n; p > line; p--)
        if (p[-1] == ' ') {
            sp2 = p - 1;
            break;
        }
    if (!sp1 || sp2 <= sp1 || strncmp(sp2 + 1, "HTTP/", 5) != 0)
        return -1;
    out->method = s_dup_n(line, (size_t)(sp1 - line));
    const char *target = sp1 + 1;
    size_t tlen = (size_t)(sp2 - target);
    const char *q = memchr(target, '?', tlen);
    out->path = s_dup_n(target, q ? (size_t)(q - target) : tlen);
    if (q)
        out->query = s_dup_n(q + 1, tlen - (size_t)(q - target) - 1);
    return out->method && out->path && (!q || out->query) ? 0 : -1;
}

int es_test_req_parse(const char *text, size_t len, es_test_req *out)
{
    memset(out, 0, sizeof *out);
    size_t pos = 0;
    bool first = true;
    out->headers = calloc(ES_TEST_REQ_MAX_HEADERS, sizeof *out->headers);
    if (!out->headers)
        goto bad;
    while (pos < len) {
        const char *line = text + pos;
        const char *nl = memchr(line, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - line) : len - pos;
        pos += n + (nl ? 1 : 0);
        if (n && line[n - 1] == '\r')
            n--;
        if (first) {
            first = false;
            if (s_parse_request_line(line, n, out) != 0)
                goto bad;
            continue;
        }
        if (n == 0 && nl)
            break; /* blank line: the body follows */
        if (line[0] == ' ' || line[0] == '\t') {
            if (out->header_count == 0 ||
                s_append_line(&out->headers[out->header_count - 1].value, line, n) != 0)
                goto bad;
            continue;
        }
        const char *colon = memchr(line, ':', n);
        if (!colon || out->header_count == ES_TEST_REQ_MAX_HEADERS)
            goto bad;
        es_sigv4_header *h = &out->headers[out->header_count++];
        h->name = s_dup_n(line, (size_t)(colon - line));
        h->value = s_dup_n(colon + 1, n - (size_t)(colon - line) - 1);
        if (!h->name || !h->value)
            goto bad;
    }
    if (first)
        goto bad;
    out->body_len = len - pos;
    out->body = s_dup_n(text + pos, out->body_len);
    if (!out->body)
        goto bad;
    return 0;
bad:
    fprintf(stderr, "es_test_req_parse: malformed request\n");
    es_test_http_request_free(out);
    return -1;
}

char *es_test_read_text(const char *path, size_t *len)
{
    uint8_t *data = NULL;
    size_t n = 0;
    if (es_fixture_read_file(path, &data, &n) != 0)
        return NULL;
    char *text = s_dup_n((const char *)data, n);
    free(data);
    if (text && len)
        *len = n;
    return text;
}

const char *es_test_sigv4_dir(void) { return es_test_shared_path("sigv4"); }

long long es_test_parse_utc(const char *s)
{
    struct tm tm = {0};
    int y, mo, d, h, mi, se;
    char z = 0;
    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%c", &y, &mo, &d, &h, &mi, &se, &z) != 7 &&
        sscanf(s, "%4d%2d%2dT%2d%2d%2d%c", &y, &mo, &d, &h, &mi, &se, &z) != 7)
        return -1;
    if (z != 'Z')
        return -1;
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = se;
    return (long long)timegm(&tm);
}

static int s_expect(const char *name, const char *what, const char *got, const char *want)
{
    if (!want)
        return 0;
    if (got && strcmp(got, want) == 0)
        return 0;
    fprintf(stderr, "  %s: %s differs\n    got:      \"%s\"\n    expected: \"%s\"\n", name, what,
            got ? got : "(null)", want);
    return -1;
}

int es_test_sigv4_run(const es_test_sigv4_case *c)
{
    es_test_req r;
    es_creds creds;
    es_sigv4_signed out;
    es_error err;
    char payload[65], *query = NULL;
    int rc = -1;
    if (es_test_req_parse(c->request, strlen(c->request), &r) != 0) {
        fprintf(stderr, "  %s: request does not parse\n", c->name);
        return -1;
    }
    memset(&creds, 0, sizeof creds);
    snprintf(creds.access_key_id, sizeof creds.access_key_id, "%s", c->akid);
    snprintf(creds.secret_access_key, sizeof creds.secret_access_key, "%s", c->secret);
    snprintf(creds.session_token, sizeof creds.session_token, "%s", c->token ? c->token : "");
    es_sigv4_sha256_hex(r.body, r.body_len, payload);
    es_sigv4_config cfg = {.region = c->region,
                           .service = c->service,
                           .date = (time_t)c->time,
                           .creds = &creds,
                           .payload_hash = c->payload_hash ? c->payload_hash : payload,
                           .flags = c->flags,
                           .expires = c->expires};
    es_sigv4_request req = {r.method, r.path, r.query, r.headers, r.header_count};
    es_error_clear(&err);
    es_err e = c->presign ? es_sigv4_presign(&cfg, &req, &query, &out, &err)
                          : es_sigv4_sign_headers(&cfg, &req, &out, &err);
    if (e != ES_OK) {
        fprintf(stderr, "  %s: signing failed: %s (%s)\n", c->name, es_errname(e), err.msg);
        goto done;
    }
    const char *authz = NULL;
    for (size_t i = 0; i < out.header_count; i++)
        if (strcasecmp(out.headers[i].name, "authorization") == 0)
            authz = out.headers[i].value;
    if (s_expect(c->name, "canonical request", out.canonical_request, c->creq) ||
        s_expect(c->name, "string to sign", out.string_to_sign, c->sts) ||
        s_expect(c->name, "signature", out.signature, c->signature) ||
        s_expect(c->name, "authorization", authz, c->presign ? NULL : c->authz))
        goto clean;
    if (c->presign) {
        char want[96];
        snprintf(want, sizeof want, "X-Amz-Signature=%s", out.signature);
        if (!query || !strstr(query, want) || strstr(query, "X-Amz-Date=") == NULL) {
            fprintf(stderr, "  %s: presigned query lacks its signature: %s\n", c->name,
                    query ? query : "(null)");
            goto clean;
        }
    }
    rc = 0;
clean:
    es_sigv4_signed_clean(&out);
done:
    free(query);
    es_test_http_request_free(&r);
    return rc;
}
