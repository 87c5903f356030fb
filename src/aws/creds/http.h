/* http.h - the one small HTTP call the credential providers make (STS,
 * ECS, IMDS), over the plain transport of aws/http/http.h rather than the signed AWS
 * client (aws/client/client.h), which needs credentials itself. Bodies are capped at
 * ES_CREDS_HTTP_MAX_BODY. */
#ifndef ES_AWS_CREDS_HTTP_H
#define ES_AWS_CREDS_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "exifstrip/error.h"

#define ES_CREDS_HTTP_MAX_BODY (64 * 1024)

typedef struct es_creds_http_req {
    const char *method; /* "GET", "PUT" or "POST" */
    const char *url;
    const char *const *headers; /* "Name: value" lines */
    size_t header_count;
    const char *body; /* POST body or NULL */
    size_t body_len;
    long timeout_ms; /* whole transfer */
    long connect_timeout_ms;
    bool no_proxy; /* link-local/loopback services: never via a proxy */
} es_creds_http_req;

typedef struct es_creds_http_resp {
    long status;
    char *body; /* NUL-terminated, malloc'd ("" when empty) */
    size_t len;
} es_creds_http_resp;

/* Performs the request. ES_OK whenever an HTTP response arrived (any status);
 * ES_ERR_NETWORK (no connection), ES_ERR_TIMEOUT, ES_ERR_TOO_LARGE (body over
 * the cap), ES_ERR_NOMEM, or the transport's other codes (es_http_perform:
 * ES_ERR_CONFIG for TLS verification problems or a libcurl that cannot be
 * loaded). Messages name the method and host only, never the headers or body
 * (they may carry tokens). timeout_ms / connect_timeout_ms 0 = 5 s / 2 s. */
ES_MUST_USE es_err es_creds_http_do(const es_creds_http_req *req, es_creds_http_resp *resp, es_error *err);
/* es_creds_http_do tried up to attempts times while the outcome is transient
 * (no connection, timeout, HTTP 5xx); the last outcome is returned. */
ES_MUST_USE es_err es_creds_http_do_retry(const es_creds_http_req *req, int attempts,
                                          es_creds_http_resp *resp, es_error *err);
void es_creds_http_resp_free(es_creds_http_resp *resp); /* accepts NULL */

#endif
