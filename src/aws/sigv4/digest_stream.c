/* digest_stream.c - streamed SHA-256 / SHA-1 digests (digest_stream.h). */
#include "aws/sigv4/digest_stream.h"

#include "aws/sigv4/crypto_dl.h"

es_err es_digest_stream_begin(es_digest_stream *d, es_digest_kind kind)
{
    ES_ENSURE(d && !d->ctx, ES_ERR_INVALID_ARG);
    const es_crypto_api *api = es_crypto_api_get(NULL);
    if (!api)
        return ES_ERR_CONFIG;
    EVP_MD_CTX *ctx = api->md_ctx_new();
    if (!ctx)
        return ES_ERR_NOMEM;
    if (api->DigestInit_ex(ctx, kind == ES_DIGEST_SHA1 ? api->sha1_md : api->sha256_md, NULL) != 1) {
        api->md_ctx_free(ctx);
        return ES_ERR_NOMEM;
    }
    d->ctx = ctx;
    d->api = api;
    return ES_OK;
}

es_err es_digest_stream_update(es_digest_stream *d, const void *data, size_t len)
{
    ES_ENSURE(d && d->ctx, ES_ERR_INVALID_ARG);
    if (len == 0)
        return ES_OK;
    return d->api->DigestUpdate(d->ctx, data, len) == 1 ? ES_OK : ES_ERR_NOMEM;
}

es_err es_digest_stream_finish_base64(es_digest_stream *d, char out[ES_DIGEST_BASE64_SIZE])
{
    ES_ENSURE(d && d->ctx && out, ES_ERR_INVALID_ARG);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    int ok = d->api->DigestFinal_ex(d->ctx, md, &n);
    es_digest_stream_end(d);
    if (ok != 1 || n > 32)
        return ES_ERR_NOMEM;
    es_base64_encode(md, n, out);
    return ES_OK;
}

void es_digest_stream_end(es_digest_stream *d)
{
    if (!d || !d->ctx)
        return;
    d->api->md_ctx_free(d->ctx);
    d->ctx = NULL;
}
