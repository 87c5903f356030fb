/* digest_stream.h - a SHA-256 or SHA-1 digest of bytes that arrive in pieces,
 * through the dlopened libcrypto (crypto_dl.h): what an S3 GET body is
 * checked against when the object was stored with x-amz-checksum-sha256 or
 * -sha1 instead of a CRC. */
#ifndef ES_AWS_DIGEST_STREAM_H
#define ES_AWS_DIGEST_STREAM_H

#include <stddef.h>

#include "common/base64.h"
#include "exifstrip/error.h"

typedef enum es_digest_kind { ES_DIGEST_SHA256, ES_DIGEST_SHA1 } es_digest_kind;

/* The longest digest (SHA-256) in base64, its NUL included. */
#define ES_DIGEST_BASE64_SIZE ES_BASE64_SIZE(32)

struct es_crypto_api;

typedef struct es_digest_stream {
    void *ctx;                       /* EVP_MD_CTX; NULL before begin and after end */
    const struct es_crypto_api *api; /* the libcrypto calls it began with */
} es_digest_stream;

/* Starts a digest of kind into a zeroed d. ES_ERR_CONFIG when libcrypto
 * cannot be loaded, ES_ERR_NOMEM when OpenSSL cannot start it. */
es_err es_digest_stream_begin(es_digest_stream *d, es_digest_kind kind);
/* Adds len bytes. ES_ERR_INVALID_ARG on a stream not begun. */
es_err es_digest_stream_update(es_digest_stream *d, const void *data, size_t len);
/* The digest of the bytes added, in base64 as S3 states it, into out; ends
 * the stream. */
es_err es_digest_stream_finish_base64(es_digest_stream *d, char out[ES_DIGEST_BASE64_SIZE]);
/* Frees the stream's state; safe on a zeroed, finished or ended stream. */
void es_digest_stream_end(es_digest_stream *d);

#endif
