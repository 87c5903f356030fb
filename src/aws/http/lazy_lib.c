/* lazy_lib.c - dlopen/dlsym error reporting and the once-per-process load
 * shared by the run-time loaded libraries (lazy_lib.h). */
#include "aws/http/lazy_lib.h"

void *es_lazy_lib_open(const es_lazy_lib *lib, const char *soname, es_error *err)
{
    void *handle = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        const char *why = dlerror();
        es_error_set(err, ES_ERR_CONFIG, "cannot load %.64s, which %s needs (install %s): %.150s", soname,
                     lib->needed_for, lib->package, why ? why : "unknown dlopen error");
    }
    return handle;
}

es_err es_lazy_lib_lacks(const es_lazy_lib *lib, void *handle, const char *soname, const char *symbol,
                         es_error *err)
{
    dlclose(handle);
    return es_error_set(err, ES_ERR_CONFIG, "%.64s lacks %s (%s too old?)", soname, symbol, lib->name);
}

bool es_lazy_once_ok(es_lazy_once *o, void (*load)(void), es_error *err)
{
    pthread_once(&o->once, load);
    if (o->err.code == ES_OK)
        return true;
    es_error_set(err, o->err.code, "%s", o->err.msg);
    return false;
}
