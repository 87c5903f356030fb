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

#include "aws/creds/creds.h"
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
    ES_SIGV4_S3_RULES = 1u << 0,           /* single-encode, no normalisation */
    ES_SIGV4_ADD_CONTENT_SHA256 = 1u << 1, /* add x-amz-content-sha256 (S3 always does) */
    ES_SIGV4_OMIT_SESSION_TOKEN = 1u << 2, /* add the token after signing (not signed) */
    /* req->path is already URI-encoded as it appears in the request line (the
     * form the AWS test vectors use): S3 rules decode it and encode it once,
     * other services normalise it and encode it once more. */
    ES_SIGV4_PATH_ENCODED = 1u << 3,
    /* Other services: keep the path as given (no dot-segment removal, no
     * slash collapsing) but still double-encode. Implied by S3_RULES. */
    ES_SIGV4_NO_NORMALIZE = 1u << 4
};

/* Notes on the request headers:
 * - A host header is required. Names are matched case-insensitively; repeated
 *   names are joined with ',' in order; values are trimmed and inner runs of
 *   whitespace (including folded continuation lines) become one space.
 * - Not signed (proxies may change them): authorization, user-agent, expect,
 *   connection, keep-alive, proxy-authorization, te, trailer,
 *   transfer-encoding, upgrade, x-amzn-trace-id; with OMIT_SESSION_TOKEN also
 *   x-amz-security-token.
 * - x-amz-date / x-amz-security-token / x-amz-content-sha256 already present
 *   in the request are signed as given and not added again; they must agree
 *   with cfg (date, creds->session_token, payload_hash) or signing fails with
 *   ES_ERR_INVALID_ARG.
 * - With ES_SIGV4_S3_RULES header signing always adds x-amz-content-sha256. */

typedef struct es_sigv4_config {
    const char *region;
    const char *service;
    time_t date; /* signing time (UTC) */
    const es_creds *creds;
    const char *payload_hash; /* hex SHA-256 of the body, ES_SIGV4_UNSIGNED_PAYLOAD, or NULL = empty body */
    unsigned flags;
    unsigned expires; /* presigning: X-Amz-Expires seconds (1..604800) */
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

/* Both signers return ES_ERR_CONFIG (message in err) when libcrypto cannot be
 * loaded (aws/crypto_dl.h). */
ES_MUST_USE es_err es_sigv4_sign_headers(const es_sigv4_config *cfg, const es_sigv4_request *req,
                                         es_sigv4_signed *out, es_error *err);
/* Presigned: *query_out is the full query string to send (malloc'd, caller frees).
 * Tests and tooling (exifstrip signs by header); it stays here because it
 * shares every stage of the signer, and the AWS vectors check both forms. */
ES_MUST_USE es_err es_sigv4_presign(const es_sigv4_config *cfg, const es_sigv4_request *req, char **query_out,
                                    es_sigv4_signed *out, es_error *err);
void es_sigv4_signed_clean(es_sigv4_signed *out);

/* URI-encodes per SigV4 (unreserved A-Z a-z 0-9 - _ . ~ kept; '/' kept when
 * keep_slash). Returns a malloc'd string or NULL on OOM. */
char *es_sigv4_uri_encode(const char *s, size_t len, bool keep_slash);
/* Hex SHA-256 of data into out[65]; "" when libcrypto cannot be loaded. */
void es_sigv4_sha256_hex(const void *data, size_t len, char out[65]);

/* Stages, exposed for tests and callers that need the same encoding. */

/* "YYYYMMDDTHHMMSSZ" (x-amz-date) of t in UTC into out[17]. */
void es_sigv4_format_date(time_t t, char out[17]);
/* Canonical URI of path under flags (S3_RULES, PATH_ENCODED, NO_NORMALIZE).
 * malloc'd, NULL on OOM. */
char *es_sigv4_canonical_uri(const char *path, unsigned flags);
/* Canonical query string of an encoded query ("b=2&a=1" -> "a=1&b=2"): each
 * parameter is percent-decoded ('+' stays a literal plus) and re-encoded,
 * a missing '=' gives an empty value, then parameters are sorted by encoded
 * name, then encoded value. NULL/"" gives "". malloc'd, NULL on OOM. */
char *es_sigv4_canonical_query(const char *query);

#endif
