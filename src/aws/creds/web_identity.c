/* web_identity.c - temporary credentials for a web identity (EKS IRSA,
 * GitHub OIDC, ...): the token file named by AWS_WEB_IDENTITY_TOKEN_FILE is
 * read at every fetch (it rotates) and exchanged for the AWS_ROLE_ARN role's
 * credentials with an unsigned STS AssumeRoleWithWebIdentity POST. Transient
 * failures are tried twice; STS error codes are reported with the token and
 * any secret removed from the message. */
#include "aws/creds/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "aws/creds/http.h"
#include "aws/http/http.h"
#include "common/buf.h"
#include "common/env.h"
#include "common/redact.h"
#include "common/secure.h"

#define S_MAX_TOKEN (32 * 1024)
#define S_ATTEMPTS 2

typedef struct s_webid {
    bool configured;
    es_error config; /* code ES_OK when endpoint is usable */
    char token_file[1024];
    char role_arn[2048];
    char session_name[128];
    char endpoint[1024]; /* without trailing '/' */
} s_webid;

static es_err s_post(const s_webid *w, const char *token, es_creds *out, es_error *err)
{
    es_buf body;
    es_buf_init(&body, 4 * S_MAX_TOKEN + 8192);
    es_buf_puts(&body, "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=");
    es_buf_uri_encoded(&body, w->role_arn, strlen(w->role_arn), 0);
    es_buf_puts(&body, "&RoleSessionName=");
    es_buf_uri_encoded(&body, w->session_name, strlen(w->session_name), 0);
    es_buf_puts(&body, "&WebIdentityToken=");
    es_buf_uri_encoded(&body, token, strlen(token), 0);
    if (body.err != ES_OK) {
        es_buf_free(&body);
        return es_error_set(err, body.err, "web identity: cannot build the STS request");
    }
    char url[1100];
    snprintf(url, sizeof url, "%s/", w->endpoint);
    static const char *const headers[] = {"Content-Type: application/x-www-form-urlencoded",
                                          "Accept: text/xml"};
    es_creds_http_req req = {.method = "POST",
                             .url = url,
                             .headers = headers,
                             .header_count = 2,
                             .body = body.data,
                             .body_len = body.len,
                             .timeout_ms = 10000,
                             .connect_timeout_ms = 3000};
    es_creds_http_resp resp;
    es_error herr;
    es_error_clear(&herr);
    es_err rc = es_creds_http_do_retry(&req, S_ATTEMPTS, &resp, &herr);
    es_secure_zero(body.data, body.len);
    es_buf_free(&body);
    if (rc != ES_OK)
        return es_error_set(err, rc, "web identity: STS request failed: %s", herr.msg);

    char code[64], message[200];
    es_err prc = es_creds_parse_sts_xml(resp.body, resp.len, out, code, sizeof code, message, sizeof message);
    if (resp.status == 200 && prc == ES_OK) {
        rc = ES_OK;
    } else if (resp.status == 200) {
        rc = es_error_set(err, ES_ERR_PROTOCOL, "web identity: STS returned no usable credentials");
    } else {
        const char *secrets[] = {token, out->secret_access_key, out->session_token};
        es_redact(message, sizeof message, secrets, 3);
        es_redact(code, sizeof code, secrets, 3);
        es_err kind = resp.status >= 500                                             ? ES_ERR_SERVER
                      : resp.status == 429 || !strcmp(code, "Throttling")            ? ES_ERR_THROTTLED
                      : resp.status == 400 && !strcmp(code, "IDPCommunicationError") ? ES_ERR_NETWORK
                                                                                     : ES_ERR_AUTH;
        rc = es_error_set(err, kind, "web identity: STS AssumeRoleWithWebIdentity -> HTTP %ld %s%s%s",
                          resp.status, code[0] ? code : "(no error code)", message[0] ? ": " : "", message);
        es_creds_clear(out);
    }
    es_creds_http_resp_free(&resp);
    return rc;
}

/* An endpoint set up wrongly is known at creation; the token file is read,
 * and STS asked, at each fetch. */
static es_err s_webid_check(void *impl, es_error *err)
{
    const s_webid *w = impl;
    if (!w->configured)
        return es_error_set(err, ES_ERR_NO_CREDENTIALS,
                            "web identity: AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN not both set");
    return es_creds_replay(&w->config, err);
}

static es_err s_webid_get(void *impl, es_creds *out, es_error *err)
{
    s_webid *w = impl;
    es_err rc = s_webid_check(w, err);
    if (rc != ES_OK)
        return rc;
    char *token = NULL;
    size_t len = 0;
    int sys_err;
    rc = es_creds_read_file(w->token_file, S_MAX_TOKEN, &token, &len, &sys_err);
    if (rc != ES_OK)
        return es_error_set(err, rc == ES_ERR_NOMEM ? rc : ES_ERR_AUTH,
                            "web identity: cannot read the token file %.200s (%s)", w->token_file,
                            es_creds_read_error(rc, sys_err));
    es_creds_rtrim(token);
    if (!token[0])
        rc = es_error_set(err, ES_ERR_AUTH, "web identity: the token file %.200s is empty", w->token_file);
    else
        rc = s_post(w, token, out, err);
    es_secure_zero(token, len);
    free(token);
    if (rc == ES_OK)
        snprintf(out->source, sizeof out->source, "web-identity");
    return rc;
}

static void s_webid_destroy(void *impl) { free(impl); }

static const es_creds_provider_vtable s_webid_vtable = {.get = s_webid_get,
                                                        .destroy = s_webid_destroy,
                                                        .check = s_webid_check};

/* STS's endpoint: the one configured (es_creds_endpoint_url), else the
 * regional one of the region the services are asked in, in its partition's
 * domain (sts.cn-north-1.amazonaws.com.cn in China), else the global one. A
 * setting found wrong is kept in config for every fetch to answer. */
static void s_endpoint(char *out, size_t n, es_error *config)
{
    const char *url = NULL, *from = NULL;
    char region[64];
    es_error ignored;
    es_creds_profile_settings *prof = malloc(sizeof *prof);
    es_err rc = prof ? es_creds_profile_settings_read(prof) : ES_ERR_NOMEM;
    if (rc != ES_OK)
        es_error_set(config, rc, "web identity: cannot read the AWS profile's settings: %s", es_strerror(rc));
    else if (es_creds_endpoint_url(prof, "sts", &url, &from, config) != ES_OK)
        url = NULL;
    else if (url) /* as the S3 and SQS endpoints: no user info, and a scheme (the token is posted) */
        es_url_check_configured("web identity", from, url, config);
    if (url)
        snprintf(out, n, "%s", url);
    else if (rc == ES_OK && es_creds_region(prof, region, sizeof region, &ignored) == ES_OK)
        snprintf(out, n, "https://sts.%s.%s", region, es_aws_dns_suffix(region));
    else /* no region, or one the S3 and SQS clients refuse at start */
        snprintf(out, n, "https://sts.amazonaws.com");
    free(prof);
    size_t len = strlen(out);
    while (len && out[len - 1] == '/')
        out[--len] = '\0';
}

es_creds_provider *es_creds_provider_new_web_identity(void)
{
    s_webid *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    const char *file = es_env("AWS_WEB_IDENTITY_TOKEN_FILE");
    const char *arn = es_env("AWS_ROLE_ARN");
    const char *name = es_env("AWS_ROLE_SESSION_NAME");
    es_error_clear(&w->config);
    if (file && arn && strlen(file) < sizeof w->token_file && strlen(arn) < sizeof w->role_arn) {
        w->configured = true;
        snprintf(w->token_file, sizeof w->token_file, "%s", file);
        snprintf(w->role_arn, sizeof w->role_arn, "%s", arn);
        if (name)
            snprintf(w->session_name, sizeof w->session_name, "%s", name);
        else
            snprintf(w->session_name, sizeof w->session_name, "exifstrip-%lld", (long long)time(NULL));
        s_endpoint(w->endpoint, sizeof w->endpoint, &w->config);
    }
    return es_creds_provider_wrap(&s_webid_vtable, w);
}
