/* memory.h - how `worker` and `backfill` keep their resident memory near
 * what is in use: glibc's malloc settings for a process whose threads
 * allocate and free part-sized buffers job after job. */
#ifndef ES_WORKER_MEMORY_H
#define ES_WORKER_MEMORY_H

#include <stdbool.h>

/* Buffers at least this large are mapped on their own and unmapped on free. */
#define ES_WORKER_MMAP_THRESHOLD ((int)(128 * 1024))
/* The free top of a malloc heap beyond this is given back to the system. */
#define ES_WORKER_TRIM_THRESHOLD ((int)(128 * 1024))

/* Fixes malloc's mmap and trim thresholds (ES_WORKER_*_THRESHOLD). glibc
 * otherwise raises its mmap threshold to the size of each large block freed,
 * so every worker thread's arena ends up keeping a job's buffers (about a
 * photo's size per thread) for good. Call once, before the threads start.
 * Does nothing, returning false, when GLIBC_TUNABLES already sets malloc
 * options (the operator's choice wins) or the C library is not glibc. */
bool es_worker_tune_malloc(void);

#endif
