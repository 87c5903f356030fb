/* curl_dl.h - libcurl loaded at run time. The binary does not link libcurl
 * (its ~35 dependent libraries cost ~20 ms at every process start, even for
 * purely local commands); the first HTTP-related call dlopens ES_CURL_LIBRARY
 * once per process, resolves the functions listed below into es_curl_api and
 * runs curl_global_init. Types and constants still come from <curl/curl.h>;
 * calls go through the table: api->easy_setopt(h, CURLOPT_URL, url). */
#ifndef ES_AWS_CURL_DL_H
#define ES_AWS_CURL_DL_H

#include <curl/curl.h>

#include "exifstrip/error.h"

#define ES_CURL_LIBRARY "libcurl.so.4"

/* X(field, symbol) for every libcurl function exifstrip calls. */
#define ES_CURL_FUNCTIONS(X)               \
    X(global_init, curl_global_init)       \
    X(easy_init, curl_easy_init)           \
    X(easy_reset, curl_easy_reset)         \
    X(easy_cleanup, curl_easy_cleanup)     \
    X(easy_setopt, curl_easy_setopt)       \
    X(easy_perform, curl_easy_perform)     \
    X(easy_getinfo, curl_easy_getinfo)     \
    X(easy_strerror, curl_easy_strerror)   \
    X(slist_append, curl_slist_append)     \
    X(slist_free_all, curl_slist_free_all) \
    X(getdate, curl_getdate)               \
    X(version_info, curl_version_info)     \
    X(url, curl_url)                       \
    X(url_set, curl_url_set)               \
    X(url_get, curl_url_get)               \
    X(url_cleanup, curl_url_cleanup)       \
    X(free, curl_free)

/* Each field has the exact type of the header's prototype. */
#define ES_CURL_FIELD_(field, symbol) __typeof__(symbol) *field;
typedef struct es_curl_api {
    ES_CURL_FUNCTIONS(ES_CURL_FIELD_)
} es_curl_api;
#undef ES_CURL_FIELD_

/* The process-wide table: the first call loads ES_CURL_LIBRARY and calls
 * curl_global_init(CURL_GLOBAL_DEFAULT) (thread-safe, once); later calls
 * return the same table, valid until exit. NULL when that failed, with err
 * (may be NULL) set to ES_ERR_CONFIG (library missing or too old) or
 * ES_ERR_INTERNAL (curl_global_init failed); the message names the library.
 * The outcome of the first attempt is final. */
const es_curl_api *es_curl_api_get(es_error *err);

/* Loads soname and resolves every function into *out, without initialising
 * libcurl and without caching (es_curl_api_get uses it; tests use it for the
 * failure paths). A loaded library stays loaded. ES_ERR_CONFIG when soname
 * cannot be loaded or lacks a function; *out is then unspecified. */
ES_MUST_USE es_err es_curl_dl_open(const char *soname, es_curl_api *out, es_error *err);

#endif
