/* sign.c - AWS Signature Version 4 signing of one request, by header
 * (Authorization) or by query (presigned URL). It validates the config, then
 * builds the canonical request, the string to sign and the signature in
 * order; the canonical pieces come from canonical.c/headers.c and
 * the cached signing key from key.c. */
#include "aws/sigv4/sigv4.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/buf.h"
#include "common/hex.h"
#include "aws/sigv4/crypto_dl.h"
#include "aws/sigv4/internal.h"
#include "common/secure.h"

#define S_ALGORITHM "AWS4-HMAC-SHA256"
#define S_EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define S_MAX_EXPIRES 604800u

void es_sigv4_sha256_hex(const void *data, size_t len, char out[65])
{
    uint8_t md[32];
    static const uint8_t empty = 0;
    const es_crypto_api *cr = es_crypto_api_get(NULL);
    if (!cr || !cr->Digest(len ? data : &empty, len, md, NULL, cr->sha256_md, NULL)) {
        out[0] = '\0';
        return;
    }
    es_hex_encode(md, 32, out);
}

void es_sigv4_format_date(time_t t, char out[17])
{
    struct tm tm;
    if (!gmtime_r(&t, &tm) || strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm) != 16)
        out[0] = '\0';
}

/* Region/service/akid go into the credential scope: no separators or blanks. */
static bool s_scope_safe(const char *s, size_t max)
{
    size_t n = 0;
    for (; s[n]; n++) {
        unsigned char c = (unsigned char)s[n];
        if (c <= 0x20 || c >= 0x7f || c == '/' || c == ',' || c == ';' || c == '=' || c == '&')
            return false;
    }
    return n > 0 && n < max;
}

static bool s_is_lower_hex64(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++)
        if (!((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f')))
            return false;
    return n == 64;
}

es_err es_sigv4_config_validate(const es_sigv4_config *cfg, es_error *err)
{
    if (!cfg)
        return es_error_set(err, ES_ERR_INVALID_ARG, "sigv4: no signing config");
    if (!cfg->region || !s_scope_safe(cfg->region, 64))
        return es_error_set(err, ES_ERR_CONFIG,
                            "sigv4: region is missing or not a plain name (1-63 characters)");
    if (!cfg->service || !s_scope_safe(cfg->service, 64))
        return es_error_set(err, ES_ERR_CONFIG,
                            "sigv4: service is missing or not a plain name (1-63 characters)");
    if (cfg->date <= 0)
        return es_error_set(err, ES_ERR_INVALID_ARG, "sigv4: signing date is not set");
    char amz[17];
    es_sigv4_format_date(cfg->date, amz);
    if (strlen(amz) != 16)
        return es_error_set(err, ES_ERR_INVALID_ARG, "sigv4: signing date is out of range");
    if (!cfg->creds)
        return es_error_set(err, ES_ERR_NO_CREDENTIALS, "sigv4: no credentials to sign with");
    if (!cfg->creds->access_key_id[0] || !cfg->creds->secret_access_key[0])
        return es_error_set(err, ES_ERR_NO_CREDENTIALS,
                            "sigv4: credentials lack an access key id or a secret key");
    if (!s_scope_safe(cfg->creds->access_key_id, sizeof cfg->creds->access_key_id))
        return es_error_set(err, ES_ERR_CONFIG, "sigv4: access key id contains blanks or separators");
    if (!memchr(cfg->creds->secret_access_key, '\0', sizeof cfg->creds->secret_access_key) ||
        !memchr(cfg->creds->session_token, '\0', sizeof cfg->creds->session_token))
        return es_error_set(err, ES_ERR_INVALID_ARG, "sigv4: credentials are not terminated");
    const char *ph = cfg->payload_hash;
    if (ph && strcmp(ph, ES_SIGV4_UNSIGNED_PAYLOAD) != 0 && !s_is_lower_hex64(ph))
        return es_error_set(err, ES_ERR_INVALID_ARG,
                            "sigv4: payload_hash must be 64 lower-case hex digits or "
                            "UNSIGNED-PAYLOAD");
    if (ph && strcmp(ph, ES_SIGV4_UNSIGNED_PAYLOAD) == 0 && !(cfg->flags & ES_SIGV4_S3_RULES))
        return es_error_set(err, ES_ERR_INVALID_ARG,
                            "sigv4: UNSIGNED-PAYLOAD is only accepted by S3 (set ES_SIGV4_S3_RULES)");
    if (cfg->flags & ~(unsigned)(ES_SIGV4_S3_RULES | ES_SIGV4_ADD_CONTENT_SHA256 |
                                 ES_SIGV4_OMIT_SESSION_TOKEN | ES_SIGV4_PATH_ENCODED | ES_SIGV4_NO_NORMALIZE))
        return es_error_set(err, ES_ERR_INVALID_ARG, "sigv4: unknown flag bits 0x%x", cfg->flags);
    if ((cfg->flags & ES_SIGV4_OMIT_SESSION_TOKEN) && !cfg->creds->session_token[0])
        return es_error_set(err, ES_ERR_INVALID_ARG,
                            "sigv4: OMIT_SESSION_TOKEN set but the credentials have no session token");
    if (cfg->expires > S_MAX_EXPIRES)
        return es_error_set(err, ES_ERR_INVALID_ARG, "sigv4: expires %u exceeds the 7-day maximum (604800 s)",
                            cfg->expires);
    return ES_OK;
}

static const char *s_find_header(const es_sigv4_request *req, const char *name)
{
    for (size_t i = 0; i < req->header_count; i++)
        if (req->headers[i].name && strcasecmp(req->headers[i].name, name) == 0)
            return req->headers[i].value;
    return NULL;
}

static bool s_valid_method(const char *m)
{
    if (!m || !*m)
        return false;
    for (; *m; m++)
        if (!((*m >= 'A' && *m <= 'Z') || (*m >= 'a' && *m <= 'z') || *m == '-' || *m == '_'))
            return false;
    return true;
}

/* Everything one signing pass computes; freed by s_state_free. */
typedef struct s_state {
    char amz_date[17];
    char date8[9];
    char scope[160];
    const char *payload;
    bool has_date, has_token, has_sha;
    bool token_signed; /* the token goes into the canonical request */
    es_sigv4_header extra[3];
    size_t extra_count;
    char *canonical_headers;
    char *signed_headers;
    char *uri;
    char *query;
    char *creq;
    char *sts;
    char signature[65];
} s_state;

static void s_state_free(s_state *st)
{
    free(st->canonical_headers);
    free(st->signed_headers);
    free(st->uri);
    free(st->query);
    free(st->creq);
    free(st->sts);
}

/* Checks headers the caller already set against cfg and decides what to add. */
static es_err s_prepare(const es_sigv4_config *cfg, const es_sigv4_request *req, bool presign, s_state *st,
                        es_error *err)
{
    ES_GUARD(es_sigv4_config_validate(cfg, err));
    if (!req || !s_valid_method(req->method) || (req->header_count && !req->headers))
        return es_error_set(err, ES_ERR_INVALID_ARG, "sigv4: invalid request (method or headers)");
    if (presign && cfg->expires == 0)
        return es_error_set(err, ES_ERR_INVALID_ARG, "sigv4: presigning needs expires > 0");
    es_sigv4_format_date(cfg->date, st->amz_date);
    memcpy(st->date8, st->amz_date, 8);
    st->date8[8] = '\0';
    snprintf(st->scope, sizeof st->scope, "%s/%s/%s/aws4_request", st->date8, cfg->region, cfg->service);
    st->payload = cfg->payload_hash ? cfg->payload_hash : S_EMPTY_SHA256;
    const char *token = cfg->creds->session_token;
    bool omit = (cfg->flags & ES_SIGV4_OMIT_SESSION_TOKEN) != 0;
    const char *v;
    if ((v = s_find_header(req, "x-amz-date"))) {
        if (strcmp(v, st->amz_date) != 0)
            return es_error_set(err, ES_ERR_INVALID_ARG,
                                "sigv4: x-amz-date header disagrees with the signing date");
        st->has_date = true;
    }
    if ((v = s_find_header(req, "x-amz-security-token"))) {
        if (strcmp(v, token) != 0)
            return es_error_set(err, ES_ERR_INVALID_ARG,
                                "sigv4: x-amz-security-token header differs from the credentials");
        st->has_token = true;
    }
    if ((v = s_find_header(req, "x-amz-content-sha256"))) {
        if (strcmp(v, st->payload) != 0)
            return es_error_set(err, ES_ERR_INVALID_ARG,
                                "sigv4: x-amz-content-sha256 header differs from payload_hash");
        st->has_sha = true;
    }
    st->token_signed = token[0] && !omit;
    if (presign)
        return ES_OK;
    if (!st->has_date)
        st->extra[st->extra_count++] = (es_sigv4_header){"x-amz-date", st->amz_date};
    if (st->token_signed && !st->has_token)
        st->extra[st->extra_count++] = (es_sigv4_header){"x-amz-security-token", (char *)token};
    if ((cfg->flags & (ES_SIGV4_S3_RULES | ES_SIGV4_ADD_CONTENT_SHA256)) && !st->has_sha)
        st->extra[st->extra_count++] = (es_sigv4_header){"x-amz-content-sha256", (char *)st->payload};
    return ES_OK;
}

static void s_put_param(es_buf *b, const char *name, const char *value)
{
    char *enc = es_sigv4_uri_encode(value, strlen(value), false);
    if (!enc) {
        b->err = ES_ERR_NOMEM;
        return;
    }
    if (b->len)
        es_buf_append(b, "&", 1);
    es_buf_puts(b, name);
    es_buf_append(b, "=", 1);
    es_buf_puts(b, enc);
    free(enc);
}

/* The query that is signed: the caller's plus, when presigning, the X-Amz-* parameters. */
static char *s_signed_query(const es_sigv4_config *cfg, const es_sigv4_request *req, bool presign,
                            const s_state *st)
{
    if (!presign)
        return es_sigv4_canonical_query(req->query);
    es_buf b;
    es_buf_init(&b, ES_SIGV4_MAX_TEXT);
    if (req->query)
        es_buf_puts(&b, req->query);
    char cred[320], expires[16];
    snprintf(cred, sizeof cred, "%s/%s", cfg->creds->access_key_id, st->scope);
    snprintf(expires, sizeof expires, "%u", cfg->expires);
    s_put_param(&b, "X-Amz-Algorithm", S_ALGORITHM);
    s_put_param(&b, "X-Amz-Credential", cred);
    s_put_param(&b, "X-Amz-Date", st->amz_date);
    s_put_param(&b, "X-Amz-Expires", expires);
    if (st->token_signed)
        s_put_param(&b, "X-Amz-Security-Token", cfg->creds->session_token);
    s_put_param(&b, "X-Amz-SignedHeaders", st->signed_headers);
    char *raw = es_buf_take(&b);
    char *out = raw ? es_sigv4_canonical_query(raw) : NULL;
    free(raw);
    return out;
}

/* Canonical request -> string to sign -> signature. */
static es_err s_compute(const es_sigv4_config *cfg, const es_sigv4_request *req, bool presign, s_state *st,
                        es_error *err)
{
    if (!es_crypto_api_get(err)) /* hashing and HMAC below need libcrypto */
        return ES_ERR_CONFIG;
    es_sigv4_header_set set = {req->headers, req->header_count, st->extra, st->extra_count,
                               (cfg->flags & ES_SIGV4_OMIT_SESSION_TOKEN) != 0};
    ES_GUARD(es_sigv4_canonical_headers(&set, &st->canonical_headers, &st->signed_headers, err));
    st->uri = es_sigv4_canonical_uri(req->path, cfg->flags);
    st->query = s_signed_query(cfg, req, presign, st);
    if (!st->uri || !st->query)
        return es_error_set(err, ES_ERR_NOMEM, "sigv4: out of memory (canonical URI/query)");

    es_buf b;
    es_buf_init(&b, ES_SIGV4_MAX_TEXT);
    const char *parts[] = {
        req->method,        "\n", st->uri,    "\n", st->query, "\n", st->canonical_headers, "\n",
        st->signed_headers, "\n", st->payload};
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
        es_buf_puts(&b, parts[i]);
    st->creq = es_buf_take(&b);
    es_buf_free(&b);
    if (!st->creq)
        return es_error_set(err, ES_ERR_NOMEM, "sigv4: canonical request too large or out of memory");

    char creq_hash[65];
    es_sigv4_sha256_hex(st->creq, strlen(st->creq), creq_hash);
    es_buf_init(&b, ES_SIGV4_MAX_TEXT);
    const char *sparts[] = {S_ALGORITHM "\n", st->amz_date, "\n", st->scope, "\n", creq_hash};
    for (size_t i = 0; i < sizeof sparts / sizeof sparts[0]; i++)
        es_buf_puts(&b, sparts[i]);
    st->sts = es_buf_take(&b);
    es_buf_free(&b);
    if (!st->sts)
        return es_error_set(err, ES_ERR_NOMEM, "sigv4: out of memory (string to sign)");

    uint8_t key[32], sig[32];
    es_err rc = es_sigv4_signing_key(cfg->creds->secret_access_key, st->date8, cfg->region, cfg->service, key);
    if (rc == ES_OK && !es_sigv4_hmac(key, 32, st->sts, strlen(st->sts), sig))
        rc = ES_ERR_INTERNAL;
    es_secure_zero(key, sizeof key);
    if (rc != ES_OK)
        return es_error_set(err, rc, "sigv4: deriving the signature failed");
    es_hex_encode(sig, 32, st->signature);
    return ES_OK;
}

static es_err s_add_out_header(es_sigv4_signed *out, const char *name, const char *value)
{
    es_sigv4_header *h = &out->headers[out->header_count];
    h->name = strdup(name);
    h->value = strdup(value);
    out->header_count++;
    return h->name && h->value ? ES_OK : ES_ERR_NOMEM;
}

/* Moves the debug strings and the signature into out. */
static void s_fill_out(es_sigv4_signed *out, s_state *st)
{
    out->canonical_request = st->creq;
    out->string_to_sign = st->sts;
    st->creq = st->sts = NULL;
    memcpy(out->signature, st->signature, sizeof out->signature);
}

es_err es_sigv4_sign_headers(const es_sigv4_config *cfg, const es_sigv4_request *req, es_sigv4_signed *out,
                             es_error *err)
{
    ES_ENSURE_REF(out);
    memset(out, 0, sizeof *out);
    s_state st = {0};
    es_err rc = s_prepare(cfg, req, false, &st, err);
    if (rc == ES_OK)
        rc = s_compute(cfg, req, false, &st, err);
    if (rc != ES_OK)
        goto done;
    es_buf auth;
    es_buf_init(&auth, ES_SIGV4_MAX_TEXT);
    const char *parts[] = {S_ALGORITHM " Credential=",
                           cfg->creds->access_key_id,
                           "/",
                           st.scope,
                           ", SignedHeaders=",
                           st.signed_headers,
                           ", Signature=",
                           st.signature};
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
        es_buf_puts(&auth, parts[i]);
    char *authz = es_buf_take(&auth);
    es_buf_free(&auth);
    for (size_t i = 0; i < st.extra_count && rc == ES_OK; i++)
        rc = s_add_out_header(out, st.extra[i].name, st.extra[i].value);
    if (rc == ES_OK && !st.token_signed && !st.has_token && cfg->creds->session_token[0])
        rc = s_add_out_header(out, "x-amz-security-token", cfg->creds->session_token);
    if (rc == ES_OK)
        rc = authz ? s_add_out_header(out, "authorization", authz) : ES_ERR_NOMEM;
    free(authz);
    if (rc != ES_OK) {
        es_error_set(err, rc, "sigv4: out of memory building the signed headers");
        goto done;
    }
    s_fill_out(out, &st);
done:
    if (rc != ES_OK)
        es_sigv4_signed_clean(out);
    s_state_free(&st);
    return rc;
}

es_err es_sigv4_presign(const es_sigv4_config *cfg, const es_sigv4_request *req, char **query_out,
                        es_sigv4_signed *out, es_error *err)
{
    ES_ENSURE_REF(query_out);
    *query_out = NULL;
    es_sigv4_signed local;
    if (!out)
        out = &local;
    memset(out, 0, sizeof *out);
    s_state st = {0};
    es_err rc = s_prepare(cfg, req, true, &st, err);
    if (rc == ES_OK)
        rc = s_compute(cfg, req, true, &st, err);
    if (rc == ES_OK) {
        es_buf q;
        es_buf_init(&q, ES_SIGV4_MAX_TEXT);
        es_buf_puts(&q, st.query);
        if (!st.token_signed && cfg->creds->session_token[0])
            s_put_param(&q, "X-Amz-Security-Token", cfg->creds->session_token);
        s_put_param(&q, "X-Amz-Signature", st.signature);
        *query_out = es_buf_take(&q);
        es_buf_free(&q);
        if (!*query_out)
            rc = es_error_set(err, ES_ERR_NOMEM, "sigv4: out of memory building the query");
    }
    if (rc == ES_OK)
        s_fill_out(out, &st);
    es_sigv4_signed_clean(out == &local ? out : NULL);
    if (rc != ES_OK && out != &local)
        es_sigv4_signed_clean(out);
    s_state_free(&st);
    return rc;
}

void es_sigv4_signed_clean(es_sigv4_signed *out)
{
    if (!out)
        return;
    for (size_t i = 0; i < out->header_count && i < 4; i++) {
        free(out->headers[i].name);
        if (out->headers[i].value)
            es_secure_zero(out->headers[i].value, strlen(out->headers[i].value));
        free(out->headers[i].value);
    }
    if (out->canonical_request)
        es_secure_zero(out->canonical_request, strlen(out->canonical_request));
    free(out->canonical_request);
    free(out->string_to_sign);
    memset(out, 0, sizeof *out);
}
