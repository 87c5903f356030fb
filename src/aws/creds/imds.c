/* imds.c - EC2 instance-profile credentials over IMDSv2: PUT
 * /latest/api/token for a session token, GET the role name from
 * /latest/meta-data/iam/security-credentials/, then GET that role's JSON
 * document. Every call has a 1 s budget and 2 attempts so that hosts without
 * IMDS give up quickly; an unreachable or refusing IMDS means "no credentials". */
#include "aws/creds/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws/creds/http.h"
#include "aws/http/http.h"
#include "common/env.h"
#include "common/secure.h"

#define S_CREDS_PATH "/latest/meta-data/iam/security-credentials/"
#define S_ATTEMPTS 2

typedef struct s_imds {
    bool disabled;
    es_error config;    /* code ES_OK when endpoint is usable */
    char endpoint[512]; /* without trailing '/' */
} s_imds;

static es_err s_call(const s_imds *m, const char *method, const char *path, const char *header,
                     es_creds_http_resp *resp, es_error *err)
{
    char url[1024];
    const char *headers[1] = {header};
    snprintf(url, sizeof url, "%s%s", m->endpoint, path);
    es_creds_http_req req = {.method = method,
                             .url = url,
                             .headers = headers,
                             .header_count = header ? 1 : 0,
                             .timeout_ms = 1000,
                             .connect_timeout_ms = 1000,
                             .no_proxy = true};
    return es_creds_http_do_retry(&req, S_ATTEMPTS, resp, err);
}

static es_err s_status_error(long status, const char *what, es_error *err)
{
    es_err kind = status >= 500 ? ES_ERR_SERVER : status == 429 ? ES_ERR_THROTTLED : ES_ERR_AUTH;
    return es_error_set(err, kind, "IMDS: %s answered HTTP %ld", what, status);
}

/* A role name is one path segment of printable characters. */
static bool s_role_ok(const char *r)
{
    size_t n = strlen(r);
    if (n == 0 || n > 128 || !strcmp(r, ".") || !strcmp(r, ".."))
        return false;
    for (; *r; r++)
        if ((unsigned char)*r <= 0x20 || (unsigned char)*r >= 0x7f || *r == '/' || *r == '?' || *r == '#' ||
            *r == '%')
            return false;
    return true;
}

/* An endpoint set up wrongly is known at creation; anything else needs the instance asked. */
static es_err s_imds_check(void *impl, es_error *err)
{
    const s_imds *m = impl;
    return es_creds_replay(&m->config, err);
}

static es_err s_imds_get(void *impl, es_creds *out, es_error *err)
{
    s_imds *m = impl;
    if (m->disabled)
        return es_error_set(err, ES_ERR_NO_CREDENTIALS, "IMDS: disabled by AWS_EC2_METADATA_DISABLED");
    if (m->config.code != ES_OK)
        return s_imds_check(m, err);
    es_creds_http_resp resp = {0};
    es_error herr;
    char header[1200], path[256];
    es_error_clear(&herr);
    es_err rc = s_call(m, "PUT", "/latest/api/token", "X-aws-ec2-metadata-token-ttl-seconds: 21600", &resp,
                       &herr);
    if (rc != ES_OK) {
        rc = es_error_set(err, rc == ES_ERR_NOMEM ? rc : ES_ERR_NO_CREDENTIALS,
                          "IMDS unreachable (not on EC2?): %s", herr.msg);
        goto done;
    }
    if (resp.status == 403 || resp.status == 404 || resp.status == 405) {
        rc = es_error_set(err, ES_ERR_NO_CREDENTIALS, "IMDS: token request refused (HTTP %ld)", resp.status);
        goto done;
    }
    if (resp.status != 200) {
        rc = s_status_error(resp.status, "token request", err);
        goto done;
    }
    es_creds_rtrim(resp.body);
    if (!resp.body[0] || strlen(resp.body) > 1024 || strpbrk(resp.body, "\r\n")) {
        rc = es_error_set(err, ES_ERR_PROTOCOL, "IMDS: malformed session token");
        goto done;
    }
    snprintf(header, sizeof header, "X-aws-ec2-metadata-token: %s", resp.body);
    es_creds_http_resp_free(&resp);

    rc = s_call(m, "GET", S_CREDS_PATH, header, &resp, &herr);
    if (rc != ES_OK) {
        es_error_set(err, rc, "IMDS: %s", herr.msg);
        goto done;
    }
    if (resp.status == 404) {
        rc = es_error_set(err, ES_ERR_NO_CREDENTIALS, "IMDS: no IAM role is attached to this instance");
        goto done;
    }
    if (resp.status != 200) {
        rc = s_status_error(resp.status, "role listing", err);
        goto done;
    }
    resp.body[strcspn(resp.body, "\r\n")] = '\0'; /* the first role */
    if (!s_role_ok(resp.body)) {
        rc = es_error_set(err, ES_ERR_PROTOCOL, "IMDS: malformed role name");
        goto done;
    }
    snprintf(path, sizeof path, S_CREDS_PATH "%s", resp.body);
    es_creds_http_resp_free(&resp);

    rc = s_call(m, "GET", path, header, &resp, &herr);
    if (rc != ES_OK)
        es_error_set(err, rc, "IMDS: %s", herr.msg);
    else if (resp.status != 200)
        rc = s_status_error(resp.status, "role credentials", err);
    else
        rc = es_creds_parse_json(resp.body, resp.len, "imds", out, err);
done:
    es_secure_zero(header, sizeof header);
    es_creds_http_resp_free(&resp);
    return rc;
}

static void s_imds_destroy(void *impl) { free(impl); }

static const es_creds_provider_vtable s_imds_vtable = {.get = s_imds_get,
                                                       .destroy = s_imds_destroy,
                                                       .check = s_imds_check};

es_creds_provider *es_creds_provider_new_imds(void)
{
    s_imds *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    const char *dis = es_env("AWS_EC2_METADATA_DISABLED");
    m->disabled = dis && !strcasecmp(dis, "true");
    const char *ep = es_env("AWS_EC2_METADATA_SERVICE_ENDPOINT");
    const char *mode = es_env("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE");
    es_error_clear(&m->config);
    /* As the SDKs: the endpoint must be a URL, and the mode (used when no
     * endpoint is set) IPv4 or IPv6; anything else is an error, not IPv4. */
    if (ep)
        es_url_check_configured("IMDS", "AWS_EC2_METADATA_SERVICE_ENDPOINT", ep, &m->config);
    else if (mode && strcasecmp(mode, "IPv4") && strcasecmp(mode, "IPv6"))
        es_error_set(&m->config, ES_ERR_CONFIG,
                     "IMDS: AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE: \"%.16s\" is neither IPv4 nor IPv6", mode);
    if (!ep)
        ep = mode && !strcasecmp(mode, "IPv6") ? "http://[fd00:ec2::254]" : "http://169.254.169.254";
    snprintf(m->endpoint, sizeof m->endpoint, "%s", ep);
    size_t n = strlen(m->endpoint);
    while (n && m->endpoint[n - 1] == '/')
        m->endpoint[--n] = '\0';
    return es_creds_provider_wrap(&s_imds_vtable, m);
}
