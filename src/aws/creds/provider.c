/* provider.c - the credential provider base: a vtable {get, destroy} with an
 * impl pointer and an atomic reference count, the static provider, and the
 * helpers every provider shares (filling es_creds with length checks, ISO 8601
 * times, small file reads, environment lookup). */
#include "aws/creds/internal.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/secure.h"

struct es_creds_provider {
    const es_creds_provider_vtable *vtable;
    void *impl;
    atomic_int refcount;
};

es_creds_provider *es_creds_provider_wrap(const es_creds_provider_vtable *vt, void *impl)
{
    es_creds_provider *p = malloc(sizeof *p);
    if (!p) {
        vt->destroy(impl);
        return NULL;
    }
    p->vtable = vt;
    p->impl = impl;
    atomic_init(&p->refcount, 1);
    return p;
}

es_creds_provider *es_creds_provider_acquire(es_creds_provider *p)
{
    if (p)
        atomic_fetch_add(&p->refcount, 1);
    return p;
}

void es_creds_provider_release(es_creds_provider *p)
{
    if (!p || atomic_fetch_sub(&p->refcount, 1) != 1)
        return;
    p->vtable->destroy(p->impl);
    free(p);
}

void es_creds_clear(es_creds *c)
{
    if (c)
        es_secure_zero(c, sizeof *c);
}

void es_creds_expired(es_creds_provider *p, const es_creds *used)
{
    if (p && used && p->vtable->expired)
        p->vtable->expired(p->impl, used);
}

es_err es_creds_get(es_creds_provider *p, es_creds *out, es_error *err)
{
    ES_ENSURE_REF(out);
    es_creds_clear(out);
    if (!p)
        return es_error_set(err, ES_ERR_NO_CREDENTIALS, "no credentials provider");
    es_err rc = p->vtable->get(p->impl, out, err);
    if (rc != ES_OK) {
        es_creds_clear(out);
        es_error_set(err, rc, "credentials: %s", es_strerror(rc));
    }
    return rc;
}

es_err es_creds_check(es_creds_provider *p, es_error *err)
{
    if (!p)
        return es_error_set(err, ES_ERR_NO_CREDENTIALS, "no credentials provider");
    return p->vtable->check ? p->vtable->check(p->impl, err) : ES_OK;
}

static bool s_copy(char *dst, size_t n, const char *src)
{
    size_t len = src ? strlen(src) : 0;
    if (len >= n)
        return false;
    memcpy(dst, src ? src : "", len + 1);
    return true;
}

/* Whether s holds a control character (one could never go into a header). */
static bool s_has_control(const char *s)
{
    for (; s && *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return true;
    return false;
}

es_err es_creds_fill(es_creds *out, const char *akid, const char *secret, const char *token,
                     time_t expiration, const char *source, es_error *err)
{
    es_creds_clear(out);
    if (!akid || !*akid || !secret || !*secret)
        return es_error_set(err, ES_ERR_PROTOCOL, "%s credentials lack %s", source,
                            !akid || !*akid ? "an access key id" : "a secret access key");
    const char *bad = !s_copy(out->access_key_id, sizeof out->access_key_id, akid) ? "access key id"
                      : !s_copy(out->secret_access_key, sizeof out->secret_access_key, secret)
                          ? "secret access key"
                      : !s_copy(out->session_token, sizeof out->session_token, token) ? "session token"
                                                                                      : NULL;
    if (bad) {
        es_creds_clear(out);
        return es_error_set(err, ES_ERR_PROTOCOL, "%s credentials: the %s is too long", source, bad);
    }
    bad = s_has_control(akid)     ? "access key id"
          : s_has_control(secret) ? "secret access key"
          : s_has_control(token)  ? "session token"
                                  : NULL;
    if (bad) { /* e.g. a line break pasted with it: the request's header would be refused */
        es_creds_clear(out);
        return es_error_set(err, ES_ERR_PROTOCOL, "%s credentials: the %s contains a control character",
                            source, bad);
    }
    out->expiration = expiration;
    snprintf(out->source, sizeof out->source, "%s", source);
    return ES_OK;
}

static bool s_digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        char c = (*p)[i];
        if (c < '0' || c > '9')
            return false;
        v = v * 10 + (c - '0');
    }
    *p += n;
    *out = v;
    return true;
}

static bool s_lit(const char **p, char c)
{
    if (**p != c)
        return false;
    (*p)++;
    return true;
}

bool es_creds_parse_iso8601(const char *s, time_t *out)
{
    int y, mo, d, h, mi, se, oh = 0, om = 0, sign = 0;
    const char *p = s;
    if (!s || !s_digits(&p, 4, &y) || !s_lit(&p, '-') || !s_digits(&p, 2, &mo) || !s_lit(&p, '-') ||
        !s_digits(&p, 2, &d) || !(s_lit(&p, 'T') || s_lit(&p, 't') || s_lit(&p, ' ')) || !s_digits(&p, 2, &h) ||
        !s_lit(&p, ':') || !s_digits(&p, 2, &mi) || !s_lit(&p, ':') || !s_digits(&p, 2, &se))
        return false;
    if (*p == '.') {
        p++;
        if (*p < '0' || *p > '9')
            return false;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        sign = *p == '+' ? 1 : -1;
        p++;
        if (!s_digits(&p, 2, &oh))
            return false;
        s_lit(&p, ':');
        if (!s_digits(&p, 2, &om))
            return false;
    } else {
        return false;
    }
    if (*p || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60 || oh > 23 || om > 59 ||
        y < 1970)
        return false;
    struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi, .tm_sec = se};
    time_t t = timegm(&tm);
    if (t == (time_t)-1)
        return false;
    *out = t - (time_t)sign * (oh * 3600 + om * 60);
    return true;
}

es_err es_creds_read_file(const char *path, size_t max, char **out, size_t *len, int *sys_err)
{
    int ignored;
    if (!sys_err)
        sys_err = &ignored;
    *out = NULL;
    *sys_err = 0;
    if (len)
        *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f) {
        *sys_err = errno;
        return *sys_err == ENOENT || *sys_err == ENOTDIR ? ES_ERR_NOT_FOUND : ES_ERR_IO;
    }
    char *buf = malloc(max + 1);
    es_err rc = ES_OK;
    size_t n = 0;
    if (!buf) {
        fclose(f);
        return ES_ERR_NOMEM;
    }
    errno = 0;
    for (;;) {
        size_t got = fread(buf + n, 1, max + 1 - n, f);
        n += got;
        if (got == 0 || n > max)
            break;
    }
    if (ferror(f)) {
        *sys_err = errno; /* EISDIR for a directory, EIO, ... */
        rc = ES_ERR_IO;
    } else if (n > max)
        rc = ES_ERR_TOO_LARGE;
    fclose(f);
    if (rc != ES_OK) {
        es_secure_zero(buf, max + 1);
        free(buf);
        return rc;
    }
    buf[n] = '\0';
    *out = buf;
    if (len)
        *len = n;
    return ES_OK;
}

const char *es_creds_read_error(es_err rc, int sys_err)
{
    return sys_err ? strerror(sys_err) : es_strerror(rc);
}

es_err es_creds_replay(const es_error *config, es_error *err)
{
    return config->code == ES_OK ? ES_OK : es_error_set(err, config->code, "%s", config->msg);
}

char *es_creds_rtrim(char *s)
{
    size_t n = strlen(s);
    while (n && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = '\0';
    return s;
}

/* ---- static provider ---------------------------------------------------- */

static es_err s_static_get(void *impl, es_creds *out, es_error *err)
{
    (void)err;
    memcpy(out, impl, sizeof *out);
    return ES_OK;
}

static void s_static_destroy(void *impl)
{
    es_creds_clear(impl);
    free(impl);
}

static es_err s_static_check(void *impl, es_error *err)
{
    (void)impl;
    (void)err;
    return ES_OK;
}

static const es_creds_provider_vtable s_static_vtable = {.get = s_static_get,
                                                         .destroy = s_static_destroy,
                                                         .check = s_static_check};

es_creds_provider *es_creds_provider_new_static(const char *akid, const char *secret, const char *token)
{
    es_creds *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    if (es_creds_fill(c, akid, secret, token, 0, "static", NULL) != ES_OK) {
        free(c);
        return NULL;
    }
    return es_creds_provider_wrap(&s_static_vtable, c);
}
