/* creds_http.c - the capped libcurl GET/PUT/POST of creds_http.h: no
 * redirects, http/https only, no signals (threads), short timeouts, and
 * AWS_CA_BUNDLE honoured for https. */
#include "aws/creds_http.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <openssl/crypto.h>

#include "aws/buf.h"
#include "aws/creds_internal.h"

static pthread_once_t s_once = PTHREAD_ONCE_INIT;
static CURLcode s_global_rc = CURLE_OK;

static void s_global_init(void) { s_global_rc = curl_global_init(CURL_GLOBAL_DEFAULT); }

static size_t s_on_body(char *data, size_t size, size_t nmemb, void *ctx)
{
    es_aws_buf *b = ctx;
    size_t n = size * nmemb;
    return es_aws_buf_append(b, data, n) == ES_OK ? n : 0;
}

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

static es_err s_setup(CURL *h, const es_creds_http_req *req, struct curl_slist **hdrs,
                      es_aws_buf *body)
{
    CURLcode c = CURLE_OK;
#define S_SET(opt, val) \
    if (c == CURLE_OK)  \
    c = curl_easy_setopt(h, opt, val)
    S_SET(CURLOPT_URL, req->url);
    S_SET(CURLOPT_NOSIGNAL, 1L);
    S_SET(CURLOPT_FOLLOWLOCATION, 0L);
#if LIBCURL_VERSION_NUM >= 0x075500
    S_SET(CURLOPT_PROTOCOLS_STR, "http,https");
#endif
    S_SET(CURLOPT_TIMEOUT_MS, req->timeout_ms > 0 ? req->timeout_ms : 5000L);
    S_SET(CURLOPT_CONNECTTIMEOUT_MS, req->connect_timeout_ms > 0 ? req->connect_timeout_ms : 2000L);
    S_SET(CURLOPT_WRITEFUNCTION, s_on_body);
    S_SET(CURLOPT_WRITEDATA, body);
    S_SET(CURLOPT_USERAGENT, "exifstrip/" ES_VERSION);
    if (req->no_proxy)
        S_SET(CURLOPT_NOPROXY, "*");
    const char *ca = es_creds_env("AWS_CA_BUNDLE");
    if (ca)
        S_SET(CURLOPT_CAINFO, ca);
    if (strcmp(req->method, "POST") == 0) {
        S_SET(CURLOPT_POSTFIELDSIZE, (long)req->body_len);
        S_SET(CURLOPT_POSTFIELDS, req->body ? req->body : "");
    } else if (strcmp(req->method, "GET") != 0) {
        S_SET(CURLOPT_CUSTOMREQUEST, req->method);
    }
#undef S_SET
    if (c != CURLE_OK)
        return ES_ERR_INTERNAL;
    for (size_t i = 0; i < req->header_count; i++) {
        struct curl_slist *n = curl_slist_append(*hdrs, req->headers[i]);
        if (!n)
            return ES_ERR_NOMEM;
        *hdrs = n;
    }
    /* No "Expect: 100-continue" round trip for the small POST bodies. */
    struct curl_slist *n = curl_slist_append(*hdrs, "Expect:");
    if (!n)
        return ES_ERR_NOMEM;
    *hdrs = n;
    return curl_easy_setopt(h, CURLOPT_HTTPHEADER, *hdrs) == CURLE_OK ? ES_OK : ES_ERR_INTERNAL;
}

es_err es_creds_http_do(const es_creds_http_req *req, es_creds_http_resp *resp, es_error *err)
{
    ES_ENSURE(req && req->url && req->method && resp, ES_ERR_INVALID_ARG);
    memset(resp, 0, sizeof *resp);
    char origin[256];
    s_origin(req->url, origin, sizeof origin);
    pthread_once(&s_once, s_global_init);
    if (s_global_rc != CURLE_OK)
        return es_error_set(err, ES_ERR_INTERNAL, "curl_global_init failed");
    CURL *h = curl_easy_init();
    struct curl_slist *hdrs = NULL;
    es_aws_buf body;
    es_aws_buf_init(&body, ES_CREDS_HTTP_MAX_BODY);
    es_err rc = h ? s_setup(h, req, &hdrs, &body) : ES_ERR_NOMEM;
    if (rc != ES_OK) {
        es_error_set(err, rc, "%s %s: could not set up the request", req->method, origin);
        goto done;
    }
    CURLcode c = curl_easy_perform(h);
    if (c == CURLE_WRITE_ERROR && body.err == ES_ERR_TOO_LARGE) {
        rc = es_error_set(err, ES_ERR_TOO_LARGE, "%s %s: response body over %d bytes", req->method,
                          origin, ES_CREDS_HTTP_MAX_BODY);
    } else if (c == CURLE_OPERATION_TIMEDOUT) {
        rc = es_error_set(err, ES_ERR_TIMEOUT, "%s %s: timed out", req->method, origin);
    } else if (c != CURLE_OK) {
        rc = es_error_set(err, c == CURLE_OUT_OF_MEMORY ? ES_ERR_NOMEM : ES_ERR_NETWORK, "%s %s: %s",
                          req->method, origin, curl_easy_strerror(c));
    } else {
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp->status);
        resp->len = body.len;
        resp->body = es_aws_buf_take(&body);
        if (!resp->body)
            rc = es_error_set(err, ES_ERR_NOMEM, "out of memory");
    }
done:
    if (body.data)
        OPENSSL_cleanse(body.data, body.cap);
    es_aws_buf_free(&body);
    curl_slist_free_all(hdrs);
    if (h)
        curl_easy_cleanup(h);
    return rc;
}

es_err es_creds_http_do_retry(const es_creds_http_req *req, int attempts,
                              es_creds_http_resp *resp, es_error *err)
{
    es_err rc = ES_OK;
    es_error last;
    for (int i = 1;; i++) {
        es_error_clear(&last);
        rc = es_creds_http_do(req, resp, &last);
        bool transient = rc == ES_ERR_NETWORK || rc == ES_ERR_TIMEOUT ||
                         (rc == ES_OK && resp->status >= 500);
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
        OPENSSL_cleanse(resp->body, resp->len);
        free(resp->body);
    }
    memset(resp, 0, sizeof *resp);
}
