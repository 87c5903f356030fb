/* internal.h - pieces of the SigV4 signer shared between its files and
 * visible to its tests: canonical headers, HMAC and the signing-key cache
 * (with a derivation counter as test hook). Not for other modules. */
#ifndef ES_AWS_SIGV4_INTERNAL_H
#define ES_AWS_SIGV4_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "aws/sigv4/sigv4.h"

/* Cap on any text the signer builds (canonical request, query, headers). */
#define ES_SIGV4_MAX_TEXT ((size_t)1 << 20)

static inline void es_sigv4_putc(es_buf *b, char c) { (void)es_buf_append(b, &c, 1); }

/* Headers lists to canonicalise: the request's own plus those the signer adds. */
typedef struct es_sigv4_header_set {
    const es_sigv4_header *req;
    size_t req_count;
    const es_sigv4_header *extra;
    size_t extra_count;
    bool skip_security_token; /* OMIT_SESSION_TOKEN: never sign x-amz-security-token */
} es_sigv4_header_set;

/* Builds the canonical headers block ("name:value\n" per name, sorted) and the
 * signed-headers list ("a;b;c"), both malloc'd. ES_ERR_INVALID_ARG (message in
 * err) for a malformed name or value or a missing host header. */
ES_MUST_USE es_err es_sigv4_canonical_headers(const es_sigv4_header_set *set, char **canonical,
                                              char **signed_list, es_error *err);

/* HMAC-SHA256; false only if libcrypto cannot be loaded or fails. */
bool es_sigv4_hmac(const void *key, size_t key_len, const void *data, size_t len, uint8_t out[32]);

/* The signing key for (secret, "YYYYMMDD", region, service), derived on first
 * use and then served from a small thread-safe cache keyed by a hash of the
 * secret (the plain secret is never stored). */
ES_MUST_USE es_err es_sigv4_signing_key(const char *secret, const char *date8, const char *region,
                                        const char *service, uint8_t key[32]);
/* Test hooks: number of derivations since start, and emptying the cache. */
unsigned long es_sigv4_key_derivations(void);
void es_sigv4_key_cache_reset(void);

#endif
