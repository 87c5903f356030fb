/* crypto_dl.c - dlopen of libcrypto on first use (crypto_dl.h), through the
 * once-per-process load of aws/http/lazy_lib.h. The library is never unloaded. */
#include "aws/sigv4/crypto_dl.h"

#include "aws/http/lazy_lib.h"

static const es_lazy_lib s_lib = {"libcrypto", "S3/SQS request signing", "libssl3"};
static es_lazy_once s_once = ES_LAZY_ONCE_INIT;
static es_crypto_api s_api;

es_err es_crypto_dl_open(const char *soname, es_crypto_api *out, es_error *err)
{
    ES_ENSURE(soname && out, ES_ERR_INVALID_ARG);
    void *handle = es_lazy_lib_open(&s_lib, soname, err);
    if (!handle)
        return ES_ERR_CONFIG;
    const char *missing;
    ES_LAZY_LIB_RESOLVE(ES_CRYPTO_FUNCTIONS, handle, out, missing);
    if (missing)
        return es_lazy_lib_lacks(&s_lib, handle, soname, missing, err);
    /* Kept for the process's life (OpenSSL's method store holds them too). */
    out->sha256_md = out->md_fetch(NULL, "SHA256", NULL);
    if (!out->sha256_md)
        out->sha256_md = out->sha256();
    out->sha1_md = out->md_fetch(NULL, "SHA1", NULL);
    if (!out->sha1_md)
        out->sha1_md = out->sha1();
    out->md5_md = out->md_fetch(NULL, "MD5", NULL);
    if (!out->md5_md)
        out->md5_md = out->md5();
    return ES_OK;
}

static void s_load(void)
{
    if (es_crypto_dl_open(ES_CRYPTO_LIBRARY, &s_api, &s_once.err) != ES_OK)
        return; /* the failure is recorded in s_once.err */
}

const es_crypto_api *es_crypto_api_get(es_error *err)
{
    return es_lazy_once_ok(&s_once, s_load, err) ? &s_api : NULL;
}
