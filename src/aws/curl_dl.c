/* curl_dl.c - dlopen of libcurl on first use (curl_dl.h). One pthread_once
 * loads the library, resolves the function table and runs curl_global_init;
 * its outcome (table or error) is written only inside the once routine and
 * read-only afterwards, so every thread sees the same result. The library is
 * never unloaded: handles and connection caches live until exit. */
#include "aws/curl_dl.h"

#include <dlfcn.h>
#include <pthread.h>

static pthread_once_t s_once = PTHREAD_ONCE_INIT;
static es_curl_api s_api;
static es_error s_load_err;

es_err es_curl_dl_open(const char *soname, es_curl_api *out, es_error *err)
{
    ES_ENSURE(soname && out, ES_ERR_INVALID_ARG);
    void *lib = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        const char *why = dlerror();
        return es_error_set(err, ES_ERR_CONFIG,
                            "cannot load %.64s, which S3/SQS access needs (install libcurl4): %.150s",
                            soname, why ? why : "unknown dlopen error");
    }
    const char *missing = NULL;
    void *sym;
    /* POSIX guarantees that a dlsym result converts to a function pointer. */
#define S_RESOLVE(field, symbol)                          \
    if (!missing) {                                       \
        if ((sym = dlsym(lib, #symbol)) != NULL)          \
            out->field = (__typeof__(out->field))sym;     \
        else                                              \
            missing = #symbol;                            \
    }
    ES_CURL_FUNCTIONS(S_RESOLVE)
#undef S_RESOLVE
    if (missing) {
        dlclose(lib);
        return es_error_set(err, ES_ERR_CONFIG, "%.64s lacks %s (libcurl too old?)", soname, missing);
    }
    return ES_OK;
}

static void s_load(void)
{
    es_error_clear(&s_load_err);
    if (es_curl_dl_open(ES_CURL_LIBRARY, &s_api, &s_load_err) != ES_OK)
        return;
    CURLcode rc = s_api.global_init(CURL_GLOBAL_DEFAULT);
    if (rc != CURLE_OK)
        es_error_set(&s_load_err, ES_ERR_INTERNAL, "%s: curl_global_init failed: %s", ES_CURL_LIBRARY,
                     s_api.easy_strerror(rc));
}

const es_curl_api *es_curl_api_get(es_error *err)
{
    pthread_once(&s_once, s_load);
    if (s_load_err.code == ES_OK)
        return &s_api;
    es_error_set(err, s_load_err.code, "%s", s_load_err.msg);
    return NULL;
}
