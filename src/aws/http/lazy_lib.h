/* lazy_lib.h - the shared part of loading a library at run time instead of
 * linking it (curl_dl.h here, aws/sigv4/crypto_dl.h): dlopen with an error message naming
 * the library and the package to install, resolution of an X-macro list of
 * functions into a typed table, and a once-per-process load whose outcome
 * (success or the first error) is final and shared by every thread. */
#ifndef ES_AWS_LAZY_LIB_H
#define ES_AWS_LAZY_LIB_H

#include <dlfcn.h>
#include <pthread.h>
#include <stdbool.h>

#include "exifstrip/error.h"

/* What a library is and why it is wanted, for error messages. */
typedef struct es_lazy_lib {
    const char *name;       /* short name: "libcurl" */
    const char *needed_for; /* "S3/SQS access" */
    const char *package;    /* the Debian package providing it: "libcurl4" */
} es_lazy_lib;

/* dlopen(soname, RTLD_NOW | RTLD_LOCAL). NULL on failure, with err (may be
 * NULL) set to ES_ERR_CONFIG "cannot load SONAME, which NEEDED_FOR needs
 * (install PACKAGE): <dlerror>". */
void *es_lazy_lib_open(const es_lazy_lib *lib, const char *soname, es_error *err);

/* The failure of a resolution (ES_LAZY_LIB_RESOLVE left symbol missing):
 * closes handle and returns ES_ERR_CONFIG with "SONAME lacks SYMBOL (NAME too
 * old?)" in err (may be NULL). */
es_err es_lazy_lib_lacks(const es_lazy_lib *lib, void *handle, const char *soname, const char *symbol,
                         es_error *err);

/* Resolves every X(field, symbol) of LIST from handle into out->field, typed
 * as the field (POSIX guarantees a dlsym result converts to a function
 * pointer). missing (a const char * lvalue) becomes NULL, or the name of the
 * first symbol not found (later fields are then left unset). */
#define ES_LAZY_LIB_RESOLVE(LIST, handle, out, missing) \
    do {                                                \
        void *const es_lazy_handle_ = (handle);         \
        __typeof__(out) const es_lazy_out_ = (out);     \
        const char *es_lazy_missing_ = NULL;            \
        LIST(ES_LAZY_LIB_RESOLVE_ONE_)                  \
        (missing) = es_lazy_missing_;                   \
    } while (0)
#define ES_LAZY_LIB_RESOLVE_ONE_(field, symbol)                                  \
    if (!es_lazy_missing_) {                                                     \
        void *es_lazy_sym_ = dlsym(es_lazy_handle_, #symbol);                    \
        if (es_lazy_sym_)                                                        \
            es_lazy_out_->field = (__typeof__(es_lazy_out_->field))es_lazy_sym_; \
        else                                                                     \
            es_lazy_missing_ = #symbol;                                          \
    }

/* A once-per-process load: load runs under pthread_once and records a
 * failure in err (left clear on success); nothing else writes err. */
typedef struct es_lazy_once {
    pthread_once_t once;
    es_error err;
} es_lazy_once;
#define ES_LAZY_ONCE_INIT  \
    {                      \
        PTHREAD_ONCE_INIT, \
        {                  \
            ES_OK, { 0 }   \
        }                  \
    }

/* Runs o's load the first time (any thread) and reports its outcome: true
 * when it succeeded, false with o's error copied into err (may be NULL). */
bool es_lazy_once_ok(es_lazy_once *o, void (*load)(void), es_error *err);

#endif
