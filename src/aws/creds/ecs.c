/* ecs.c - container credentials (ECS tasks, EKS Pod Identity): a GET of
 * http://169.254.170.2$AWS_CONTAINER_CREDENTIALS_RELATIVE_URI, or of
 * AWS_CONTAINER_CREDENTIALS_FULL_URI when that is https or names an allowed
 * local host, with the Authorization header taken from
 * AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE (re-read each time) or
 * AWS_CONTAINER_AUTHORIZATION_TOKEN. The JSON answer is parsed by json.c. */
#include "aws/creds/internal.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws/creds/http.h"
#include "aws/http/curl_dl.h"
#include "aws/http/http.h"
#include "common/env.h"
#include "common/secure.h"

#define S_DEFAULT_HOST "http://169.254.170.2"
#define S_MAX_AUTH 16384

typedef struct s_ecs {
    es_error config; /* code ES_OK when url is usable */
    char url[2048];
    bool send_auth; /* FULL_URI: Authorization header */
    char token_file[1024];
    char token[S_MAX_AUTH]; /* from AWS_CONTAINER_AUTHORIZATION_TOKEN */
} s_ecs;

/* http is only allowed to loopback and the ECS/EKS link-local agents. */
static bool s_allowed_http_host(const char *host)
{
    unsigned char a4[4], a6[16], want[16];
    char h[128];
    size_t n = strlen(host);
    if (n >= sizeof h)
        return false;
    if (host[0] == '[' && n > 2 && host[n - 1] == ']') {
        memcpy(h, host + 1, n - 2);
        h[n - 2] = '\0';
    } else {
        memcpy(h, host, n + 1);
    }
    if (!strcasecmp(h, "localhost"))
        return true;
    if (inet_pton(AF_INET, h, a4) == 1)
        return a4[0] == 127 || !strcmp(h, "169.254.170.2") || !strcmp(h, "169.254.170.23");
    if (inet_pton(AF_INET6, h, a6) != 1)
        return false;
    inet_pton(AF_INET6, "::1", want);
    if (!memcmp(a6, want, 16))
        return true;
    inet_pton(AF_INET6, "fd00:ec2::23", want);
    return !memcmp(a6, want, 16);
}

static es_err s_check_full_uri(const char *uri, es_error *err)
{
    es_error lerr;
    es_error_clear(&lerr);
    const es_curl_api *cu = es_curl_api_get(&lerr); /* its URL parser */
    if (!cu)
        return es_error_set(err, lerr.code, "ECS: %.200s", lerr.msg);
    CURLU *u = cu->url();
    char *scheme = NULL, *host = NULL;
    es_err rc = ES_ERR_CONFIG;
    if (!u)
        return es_error_set(err, ES_ERR_NOMEM, "ECS: out of memory");
    if (cu->url_set(u, CURLUPART_URL, uri, 0) != CURLUE_OK ||
        cu->url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        cu->url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
        es_error_set(err, rc, "ECS: AWS_CONTAINER_CREDENTIALS_FULL_URI is not a valid URL");
    } else if (!strcasecmp(scheme, "https") || (!strcasecmp(scheme, "http") && s_allowed_http_host(host))) {
        rc = ES_OK;
    } else {
        es_error_set(err, rc,
                     "ECS: AWS_CONTAINER_CREDENTIALS_FULL_URI must be https, or http to a loopback, "
                     "169.254.170.2, 169.254.170.23 or fd00:ec2::23 host (got %.10s://%.40s)",
                     scheme, host);
    }
    cu->free(scheme);
    cu->free(host);
    cu->url_cleanup(u);
    return rc;
}

/* The Authorization value into out[n]; the file wins over the variable. */
static es_err s_auth_token(const s_ecs *e, char *out, size_t n, es_error *err)
{
    out[0] = '\0';
    if (e->token_file[0]) {
        char *t = NULL;
        size_t len = 0;
        int sys_err;
        es_err rc = es_creds_read_file(e->token_file, n - 1, &t, &len, &sys_err);
        if (rc != ES_OK)
            return es_error_set(err, ES_ERR_CONFIG,
                                "ECS: cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE %.200s (%s)",
                                e->token_file, es_creds_read_error(rc, sys_err));
        es_creds_rtrim(t);
        memcpy(out, t, strlen(t) + 1);
        es_secure_zero(t, len);
        free(t);
    } else {
        memcpy(out, e->token, strlen(e->token) + 1);
    }
    if (strpbrk(out, "\r\n"))
        return es_error_set(err, ES_ERR_CONFIG, "ECS: the authorization token contains a line break");
    return ES_OK;
}

/* A URI or token set up wrongly is known at creation; anything else needs the endpoint asked. */
static es_err s_ecs_check(void *impl, es_error *err)
{
    const s_ecs *e = impl;
    return es_creds_replay(&e->config, err);
}

static es_err s_ecs_get(void *impl, es_creds *out, es_error *err)
{
    s_ecs *e = impl;
    es_err rc = s_ecs_check(e, err);
    if (rc != ES_OK)
        return rc;
    char *auth = malloc(S_MAX_AUTH + 32);
    const char *headers[2] = {"Accept: application/json", NULL};
    size_t header_count = 1;
    es_creds_http_resp resp = {0};
    if (!auth)
        return es_error_set(err, ES_ERR_NOMEM, "out of memory");
    if (e->send_auth) {
        memcpy(auth, "Authorization: ", 16);
        rc = s_auth_token(e, auth + 15, S_MAX_AUTH, err);
        if (rc == ES_OK && auth[15])
            headers[header_count++] = auth;
    }
    if (rc != ES_OK)
        goto done;
    es_creds_http_req req = {.method = "GET",
                             .url = e->url,
                             .headers = headers,
                             .header_count = header_count,
                             .timeout_ms = 2000,
                             .connect_timeout_ms = 1000,
                             .no_proxy = true};
    es_error herr;
    es_error_clear(&herr);
    rc = es_creds_http_do_retry(&req, 2, &resp, &herr);
    if (rc != ES_OK) {
        es_error_set(err, rc, "ECS credentials endpoint: %s", herr.msg);
    } else if (resp.status != 200) {
        rc = es_error_set(err,
                          resp.status >= 500   ? ES_ERR_SERVER
                          : resp.status == 429 ? ES_ERR_THROTTLED
                                               : ES_ERR_AUTH,
                          "ECS credentials endpoint answered HTTP %ld", resp.status);
    } else {
        rc = es_creds_parse_json(resp.body, resp.len, "ecs", out, err);
    }
done:
    es_secure_zero(auth, S_MAX_AUTH + 32);
    free(auth);
    es_creds_http_resp_free(&resp);
    return rc;
}

static void s_ecs_destroy(void *impl)
{
    es_secure_zero(impl, sizeof(s_ecs));
    free(impl);
}

static const es_creds_provider_vtable s_ecs_vtable = {.get = s_ecs_get,
                                                      .destroy = s_ecs_destroy,
                                                      .check = s_ecs_check};

es_creds_provider *es_creds_provider_new_ecs(void)
{
    s_ecs *e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    const char *rel = es_env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
    const char *full = es_env("AWS_CONTAINER_CREDENTIALS_FULL_URI");
    const char *host = es_env("EXIFSTRIP_ECS_ENDPOINT");
    int w = 0;
    es_error_clear(&e->config);
    if (rel) {
        w = snprintf(e->url, sizeof e->url, "%s%s%s", host ? host : S_DEFAULT_HOST, rel[0] == '/' ? "" : "/",
                     rel);
    } else if (full) {
        w = snprintf(e->url, sizeof e->url, "%s", full);
        e->send_auth = true;
    } else {
        es_error_set(&e->config, ES_ERR_NO_CREDENTIALS,
                     "ECS: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI / _FULL_URI not set");
    }
    if (w < 0 || (size_t)w >= sizeof e->url) /* the length is the first thing to fix */
        es_error_set(&e->config, ES_ERR_CONFIG, "ECS: credentials URI too long");
    else if (rel || full)
        es_url_check_configured("ECS", rel ? "EXIFSTRIP_ECS_ENDPOINT" : "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                                e->url, &e->config);
    if (full)
        s_check_full_uri(full, &e->config);
    const char *tf = es_env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
    const char *tv = es_env("AWS_CONTAINER_AUTHORIZATION_TOKEN");
    if (tf)
        snprintf(e->token_file, sizeof e->token_file, "%s", tf);
    else if (tv && strlen(tv) < sizeof e->token)
        memcpy(e->token, tv, strlen(tv) + 1);
    else if (tv)
        es_error_set(&e->config, ES_ERR_CONFIG, "ECS: AWS_CONTAINER_AUTHORIZATION_TOKEN too long");
    return es_creds_provider_wrap(&s_ecs_vtable, e);
}
