/* memory.c - the daemon's malloc settings (memory.h). */
#include "worker/memory.h"

#include <stdlib.h>
#include <string.h>

#ifdef __GLIBC__
#include <malloc.h>
#endif

bool es_worker_tune_malloc(void)
{
#ifdef __GLIBC__
    const char *tunables = getenv("GLIBC_TUNABLES");
    if (tunables && strstr(tunables, "glibc.malloc."))
        return false;
    /* Setting either threshold also turns off glibc's dynamic adjustment of both. */
    return mallopt(M_MMAP_THRESHOLD, ES_WORKER_MMAP_THRESHOLD) == 1 &&
           mallopt(M_TRIM_THRESHOLD, ES_WORKER_TRIM_THRESHOLD) == 1;
#else
    return false;
#endif
}
