/* curl_dl.c - dlopen of libcurl on first use (curl_dl.h). One pthread_once
 * (lazy_lib.h) loads the library, resolves the function table and runs
 * curl_global_init; its outcome (table or error) is written only inside the
 * once routine and read-only afterwards, so every thread sees the same
 * result. The library is never unloaded: handles and connection caches live
 * until exit. */
#include "aws/http/curl_dl.h"

#include <stdlib.h>

#include "aws/http/lazy_lib.h"

static const es_lazy_lib s_lib = {"libcurl", "S3/SQS access", "libcurl4"};
static es_lazy_once s_once = ES_LAZY_ONCE_INIT;
static es_curl_api s_api;

es_err es_curl_dl_open(const char *soname, es_curl_api *out, es_error *err)
{
    ES_ENSURE(soname && out, ES_ERR_INVALID_ARG);
    void *handle = es_lazy_lib_open(&s_lib, soname, err);
    if (!handle)
        return ES_ERR_CONFIG;
    const char *missing;
    ES_LAZY_LIB_RESOLVE(ES_CURL_FUNCTIONS, handle, out, missing);
    return missing ? es_lazy_lib_lacks(&s_lib, handle, soname, missing, err) : ES_OK;
}

static void s_load(void)
{
    /* libcurl4 links librtmp, which links GnuTLS, and GnuTLS initialises
     * itself when it is loaded (system priorities, PKCS#11 modules: about
     * 0.6 MB resident) although nothing here uses it: curl's own TLS is
     * OpenSSL and only http/https URLs are allowed. A libcurl built on GnuTLS
     * still works: curl_global_init initialises GnuTLS explicitly. An
     * operator's own setting of the variable is kept. */
    setenv("GNUTLS_NO_IMPLICIT_INIT", "1", 0);
    if (es_curl_dl_open(ES_CURL_LIBRARY, &s_api, &s_once.err) != ES_OK)
        return;
    CURLcode rc = s_api.global_init(CURL_GLOBAL_DEFAULT);
    if (rc != CURLE_OK)
        es_error_set(&s_once.err, ES_ERR_INTERNAL, "%s: curl_global_init failed: %s", ES_CURL_LIBRARY,
                     s_api.easy_strerror(rc));
}

const es_curl_api *es_curl_api_get(es_error *err)
{
    return es_lazy_once_ok(&s_once, s_load, err) ? &s_api : NULL;
}
