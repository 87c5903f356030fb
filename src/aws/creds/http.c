/* http.c - the capped GET/PUT/POST of http.h, a thin layer over
 * the plain (unsigned) transport of aws/http/http.h: bodies capped at
 * ES_CREDS_HTTP_MAX_BODY, short default timeouts, AWS_CA_BUNDLE honoured for
 * https, messages naming only the method and origin, and every copy of a
 * response body wiped before it is freed. */
#include "aws/creds/http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/creds/internal.h"
#include "aws/http/http.h"
#include "common/env.h"
#include "common/secure.h"

#define S_DEFAULT_TIMEOUT_MS 5000L
#define S_DEFAULT_CONNECT_MS 2000L

/* "scheme://host[:port]" of url, for messages (no path, no query). */
static void s_origin(const char *url, char *out, size_t n)
{
    const char *p = strstr(url, "://");
    size_t len = p ? (size_t)(p - url) + 3 : 0;
    if (p)
        len += strcspn(p + 3, "/?#");
    else
        len = strcspn(url, "/?#");
    snprintf(out, n, "%.*s", (int)(len < 200 ? len : 200), url);
}

/* Moves the buffered body into resp ("" when there was none). */
static es_err s_take_body(es_http_response *hr, es_creds_http_resp *resp)
{
    size_t len = hr->body.len;
    char *body = es_buf_take(&hr->body);
    ES_ENSURE(body, ES_ERR_NOMEM);
    resp->status = hr->status;
    resp->body = body;
    resp->len = len;
    return ES_OK;
}

es_err es_creds_http_do(const es_creds_http_req *req, es_creds_http_resp *resp, es_error *err)
{
    ES_ENSURE(req && req->url && req->method && resp, ES_ERR_INVALID_ARG);
    memset(resp, 0, sizeof *resp);
    char origin[256];
    s_origin(req->url, origin, sizeof origin);
    es_http_request hreq = {
        .method = req->method,
        .url = req->url,
        .headers = req->headers,
        .header_count = req->header_count,
        .body = (const uint8_t *)req->body,
        .body_len = req->body ? req->body_len : 0,
        .max_body = ES_CREDS_HTTP_MAX_BODY,
        .timeout_ms = req->timeout_ms > 0 ? req->timeout_ms : S_DEFAULT_TIMEOUT_MS,
        .connect_timeout_ms = req->connect_timeout_ms > 0 ? req->connect_timeout_ms : S_DEFAULT_CONNECT_MS,
        .ca_bundle = es_env("AWS_CA_BUNDLE"),
        .no_proxy = req->no_proxy,
    };
    es_http_response hr;
    es_http_response_init(&hr);
    es_err rc = es_http_perform(&hreq, &hr);
    if (rc == ES_OK)
        rc = s_take_body(&hr, resp);
    if (rc == ES_ERR_TOO_LARGE)
        es_error_set(err, rc, "%s %s: response over its size limit (body cap %d bytes)", req->method, origin,
                     ES_CREDS_HTTP_MAX_BODY);
    else if (rc == ES_ERR_TIMEOUT)
        es_error_set(err, rc, "%s %s: timed out", req->method, origin);
    else if (rc != ES_OK)
        es_error_set(err, rc, "%s %s: %s", req->method, origin, hr.error[0] ? hr.error : es_strerror(rc));
    if (hr.body.data)
        es_secure_zero(hr.body.data, hr.body.cap);
    es_http_response_clean(&hr);
    return rc;
}

es_err es_creds_http_do_retry(const es_creds_http_req *req, int attempts, es_creds_http_resp *resp,
                              es_error *err)
{
    es_err rc = ES_OK;
    es_error last;
    for (int i = 1;; i++) {
        es_error_clear(&last);
        rc = es_creds_http_do(req, resp, &last);
        bool transient = rc == ES_ERR_NETWORK || rc == ES_ERR_TIMEOUT || (rc == ES_OK && resp->status >= 500);
        if (!transient || i >= attempts)
            break;
        es_creds_http_resp_free(resp);
    }
    if (rc != ES_OK)
        es_error_set(err, rc, "%s", last.msg);
    return rc;
}

void es_creds_http_resp_free(es_creds_http_resp *resp)
{
    if (!resp)
        return;
    if (resp->body) {
        es_secure_zero(resp->body, resp->len);
        free(resp->body);
    }
    memset(resp, 0, sizeof *resp);
}
