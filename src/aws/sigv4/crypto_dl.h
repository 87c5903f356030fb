/* crypto_dl.h - libcrypto (OpenSSL 3) loaded at run time. The binary does not
 * link libcrypto (loading it costs ~2.4 ms at every process start, even for
 * purely local commands); the first call that hashes or signs dlopens
 * ES_CRYPTO_LIBRARY once per process and resolves the functions listed below
 * into es_crypto_api. Types and constants still come from the OpenSSL headers;
 * calls go through the table: api->Digest(data, n, md, NULL, api->sha256_md, NULL).
 * The digests are fetched once at load (sha256_md, sha1_md, md5_md): handing OpenSSL 3
 * the legacy EVP_sha256() makes every call look the implementation up again,
 * which costs more than hashing a canonical request.
 * Zeroing and constant-time comparison of secrets are in common/secure.h. */
#ifndef ES_AWS_CRYPTO_DL_H
#define ES_AWS_CRYPTO_DL_H

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "exifstrip/error.h"

#define ES_CRYPTO_LIBRARY "libcrypto.so.3"

/* X(field, symbol) for every libcrypto function exifstrip calls. */
#define ES_CRYPTO_FUNCTIONS(X)          \
    X(Digest, EVP_Digest)               \
    X(sha256, EVP_sha256)               \
    X(sha1, EVP_sha1)                   \
    X(md5, EVP_md5)                     \
    X(md_fetch, EVP_MD_fetch)           \
    X(md_ctx_new, EVP_MD_CTX_new)       \
    X(md_ctx_free, EVP_MD_CTX_free)     \
    X(DigestInit_ex, EVP_DigestInit_ex) \
    X(DigestUpdate, EVP_DigestUpdate)   \
    X(DigestFinal_ex, EVP_DigestFinal_ex)

/* Each field has the exact type of the header's prototype. */
#define ES_CRYPTO_FIELD_(field, symbol) __typeof__(symbol) *field;
typedef struct es_crypto_api {
    ES_CRYPTO_FUNCTIONS(ES_CRYPTO_FIELD_)
    const EVP_MD *sha256_md; /* fetched once; EVP_sha256() if the fetch failed */
    const EVP_MD *sha1_md;
    const EVP_MD *md5_md;
} es_crypto_api;
#undef ES_CRYPTO_FIELD_

/* The process-wide table: the first call loads ES_CRYPTO_LIBRARY (thread-safe,
 * once; OpenSSL 3 initialises itself); later calls return the same table,
 * valid until exit. NULL when that failed, with err (may be NULL) set to
 * ES_ERR_CONFIG and a message naming the library. The outcome of the first
 * attempt is final. */
const es_crypto_api *es_crypto_api_get(es_error *err);

/* Loads soname and resolves every function into *out without caching
 * (es_crypto_api_get uses it; tests use it for the failure paths). A loaded
 * library stays loaded. ES_ERR_CONFIG when soname cannot be loaded or lacks a
 * function; *out is then unspecified. */
ES_MUST_USE es_err es_crypto_dl_open(const char *soname, es_crypto_api *out, es_error *err);

#endif
