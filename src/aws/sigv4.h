/* sigv4.h - AWS Signature Version 4: canonical request, string to sign,
 * signature, and header or presigned-query signing of a request.
 *
 * The signer runs in stages on one request description so each stage can be
 * tested against the AWS vectors. S3 requests use single URI encoding without
 * path normalisation; every other service normalises the path and encodes each
 * segment twice. Signing keys are derived once per (secret, date, region,
 * service) and cached (thread-safe). */
#ifndef ES_AWS_SIGV4_H
#define ES_AWS_SIGV4_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "aws/creds.h"
#include "exifstrip/error.h"

#define ES_SIGV4_UNSIGNED_PAYLOAD "UNSIGNED-PAYLOAD"

typedef struct es_sigv4_header {
    char *name;
    char *value;
} es_sigv4_header;

/* A request to sign. path is the raw (not yet encoded) path, e.g. "/my bucket/a+b.jpg";
 * query is the raw query string as it will be sent ("a=b&c" - already encoded by
 * the caller) or NULL. Headers are the ones that will be sent (host included). */
typedef struct es_sigv4_request {
    const char *method;
    const char *path;
    const char *query;
    const es_sigv4_header *headers;
    size_t header_count;
} es_sigv4_request;

enum {
    ES_SIGV4_S3_RULES = 1u << 0,        /* single-encode, no normalisation */
    ES_SIGV4_ADD_CONTENT_SHA256 = 1u << 1, /* add x-amz-content-sha256 (S3 always does) */
    ES_SIGV4_OMIT_SESSION_TOKEN = 1u << 2  /* add the token after signing (not signed) */
};

typedef struct es_sigv4_config {
    const char *region;
    const char *service;
    time_t date;                 /* signing time (UTC) */
    const es_creds *creds;
    const char *payload_hash;    /* hex SHA-256 of the body, or ES_SIGV4_UNSIGNED_PAYLOAD */
    unsigned flags;
    unsigned expires;            /* presigning: X-Amz-Expires seconds */
} es_sigv4_config;

ES_MUST_USE es_err es_sigv4_config_validate(const es_sigv4_config *cfg, es_error *err);

/* Header signing result: headers to add to the request (x-amz-date,
 * x-amz-security-token, x-amz-content-sha256 when flagged, authorization). */
typedef struct es_sigv4_signed {
    es_sigv4_header headers[4];
    size_t header_count;
    char *canonical_request; /* kept for debugging and tests */
    char *string_to_sign;
    char signature[65];
} es_sigv4_signed;

ES_MUST_USE es_err es_sigv4_sign_headers(const es_sigv4_config *cfg, const es_sigv4_request *req,
                                         es_sigv4_signed *out, es_error *err);
/* Presigned: *query_out is the full query string to send (malloc'd, caller frees). */
ES_MUST_USE es_err es_sigv4_presign(const es_sigv4_config *cfg, const es_sigv4_request *req,
                                    char **query_out, es_sigv4_signed *out, es_error *err);
void es_sigv4_signed_clean(es_sigv4_signed *out);

/* URI-encodes per SigV4 (unreserved A-Z a-z 0-9 - _ . ~ kept; '/' kept when
 * keep_slash). Returns a malloc'd string or NULL on OOM. */
char *es_sigv4_uri_encode(const char *s, size_t len, bool keep_slash);
/* Hex SHA-256 of data into out[65]. */
void es_sigv4_sha256_hex(const void *data, size_t len, char out[65]);

#endif
