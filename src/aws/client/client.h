/* client.h - the signed-call core shared by the S3 and SQS clients: turns an
 * operation (method, host prefix, raw path, encoded query, headers, body) into
 * a URL on the service endpoint, signs every attempt afresh with SigV4 using
 * the provider's current credentials and the learned clock offset, sends it
 * over aws/http/http.h and retries per aws/http/retry.h. The outcome lands in es_aws_result.
 *
 * One client serves all threads: its mutable state is the retry quota (under
 * a mutex) and the clock offset (atomic). */
#ifndef ES_AWS_CLIENT_H
#define ES_AWS_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aws/client/config.h"
#include "aws/creds/creds.h"
#include "aws/http/http.h"
#include "aws/http/retry.h"

/* An endpoint URL split into parts. host keeps a non-default port ("h:4566"). */
typedef struct es_aws_endpoint {
    bool https;
    char host[256];
    char base_path[256]; /* "" or "/prefix" without a trailing '/' */
} es_aws_endpoint;

/* Parses "http(s)://host[:port][/path]". ES_ERR_CONFIG when malformed. */
ES_MUST_USE es_err es_aws_endpoint_parse(const char *url, es_aws_endpoint *ep);
/* "https://<service>.<region>.<the partition's DNS suffix>" (es_aws_dns_suffix:
 * "amazonaws.com", "amazonaws.com.cn" for cn- regions, ...). */
ES_MUST_USE es_err es_aws_regional_endpoint(const char *service, const char *region, char *out,
                                            size_t out_size);

/* How a service differs: signing name and rules, and where its errors live. */
typedef struct es_aws_service {
    const char *name;    /* SigV4 service name: "s3", "sqs" */
    unsigned sign_flags; /* ES_SIGV4_* */
    /* Fills res->aws_code / message (and request_id if in the body) from an
     * error response body; leaves them empty when the body says nothing. */
    void (*parse_error)(const es_http_response *resp, es_aws_result *res);
} es_aws_service;

typedef struct es_aws_client es_aws_client;

/* endpoint_url "" = the service's regional endpoint. Acquires creds. */
es_aws_client *es_aws_client_new(const es_aws_config *cfg, es_creds_provider *creds,
                                 const es_aws_service *svc, const char *endpoint_url);
void es_aws_client_free(es_aws_client *c);

const es_aws_endpoint *es_aws_client_endpoint(const es_aws_client *c);
/* "https://host[:port][/base]" of the endpoint requests go to, and the
 * region they are signed for, into out (for logs). */
void es_aws_client_describe(const es_aws_client *c, char *out, size_t cap);
/* True when the endpoint came from configuration rather than the AWS default. */
bool es_aws_client_custom_endpoint(const es_aws_client *c);
const es_aws_config *es_aws_client_config(const es_aws_client *c);

/* Tests: replace the sleep between attempts and the jitter source. */
void es_aws_client_set_retry_hooks(es_aws_client *c, es_retry_sleep_fn sleep_fn, void *sleep_ctx,
                                   es_retry_random_fn random_fn, void *random_ctx);
/* Server time minus local time (seconds) learned from skew errors. */
long es_aws_client_clock_offset(const es_aws_client *c);
/* Tests: pretend the local clock is off by -offset_s seconds. */
void es_aws_client_set_clock_offset(es_aws_client *c, long offset_s);
int es_aws_client_retry_tokens(es_aws_client *c);

typedef struct es_aws_header {
    const char *name; /* lower case */
    const char *value;
} es_aws_header;

/* Inspects a 2xx response (parse the body into ctx, detect a 200 carrying an
 * error). On failure it returns an es_err; if it also set res->aws_code the
 * failure is classified by that code (and may be retried). */
typedef es_err (*es_aws_success_fn)(void *ctx, const es_http_response *resp, es_aws_result *res);

typedef struct es_aws_request {
    const char *method;
    const char *host_prefix; /* prepended to the endpoint host ("bucket."), or NULL */
    const char *path;        /* raw (unencoded) path below the endpoint's base path, "/..." */
    const char *query;       /* already encoded, or NULL */
    const es_aws_header *headers;
    size_t header_count;
    const uint8_t *body;
    size_t body_len;
    bool unsigned_payload;   /* S3: sign UNSIGNED-PAYLOAD, not the body's SHA-256 (the
                                 request carries an x-amz-checksum-* header instead) */
    size_t max_response;     /* buffered response cap; 0 = 1 MiB. An answer over it is the
                                 service's fault: ES_ERR_PROTOCOL, res->answer_too_large */
    es_http_body_fn on_body; /* stream 2xx bodies (retried only before the first byte) */
    void *body_ctx;
    long timeout_ms;      /* 0 = no overall limit */
    long min_low_speed_s; /* raise the low-speed abort time to at least this */
    es_aws_success_fn on_success;
    void *success_ctx;
} es_aws_request;

#define ES_AWS_DEFAULT_MAX_RESPONSE (1u << 20)

/* Performs req with retries. resp (may be NULL) receives the last response:
 * headers and, unless streamed, the body. res is always filled (attempts,
 * status, codes, message); the return value equals res->code. */
ES_MUST_USE es_err es_aws_call(es_aws_client *c, const es_aws_request *req, es_http_response *resp,
                               es_aws_result *res);

/* Encodes a raw path the way it is sent and signed (each byte except
 * unreserved characters and '/' as %XX). malloc'd, NULL on OOM. */
char *es_aws_encode_path(const char *base_path, const char *path);
/* Full URL for req (scheme, host prefix + host, encoded path, query). malloc'd. */
char *es_aws_client_url(const es_aws_client *c, const char *host_prefix, const char *path, const char *query);

/* Fills res (may be NULL) for an argument rejected before any request:
 * ES_ERR_INVALID_ARG with "invalid argument: <what>". Returns the code. */
es_err es_aws_bad_arg(es_aws_result *res, const char *what);

/* Removes any occurrence of the credentials' secret and token from res's texts. */
void es_aws_result_redact(es_aws_result *res, const es_creds *creds);

#endif
