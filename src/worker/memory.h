/* memory.h - how `worker` and `backfill` keep their resident memory near
 * what is in use: glibc's malloc settings for a process whose threads
 * allocate and free part-sized buffers job after job, and the release of the
 * pages that only start-up touched. */
#ifndef ES_WORKER_MEMORY_H
#define ES_WORKER_MEMORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Buffers at least this large are mapped on their own and unmapped on free. */
#define ES_WORKER_MMAP_THRESHOLD ((int)(128 * 1024))
/* The free top of a malloc heap beyond this is given back to the system. */
#define ES_WORKER_TRIM_THRESHOLD ((int)(128 * 1024))
/* What a trim of a heap's free top leaves (M_TOP_PAD): libcurl 7.88 frees
 * its 120 KiB upload buffer at the end of every transfer and allocates it
 * again for the next, so a thread's heap was trimmed and faulted in again
 * for each upload part (~14 faults per 8 MiB part of a large photo, and a
 * TLB flush reaching the other CPUs). 256 KiB keeps that buffer and the
 * request's own between transfers: at most this much more resident per
 * malloc arena, only what a thread had in use before. */
#define ES_WORKER_TOP_PAD ((int)(256 * 1024))

/* A turned photo's large blocks (its hold, output and coefficient store:
 * ~46 MiB mapped for a 12 MP phone photo, ~20 MiB of it touched) are
 * mapped on their own like malloc's above its threshold, so each photo paid
 * ~5000 fresh pages (~38 ms of CPU on the VM of issue 11). The worker keeps
 * them for the next turn instead (common/block_cache.h): at most a quarter of
 * the turns' memory budget (EXIFSTRIP_TRANSFORM_MEMORY), each block for at
 * most ES_WORKER_KEEP_MS and at most ES_WORKER_KEEP_JOBS finished jobs (a
 * block a rare turn left is not kept while hundreds of untouched photos
 * follow: the RSS of a mixed load stays as it was), and none once the pool is
 * idle (pool.c) or stopped. Without either limit (session 35: 300 corpus
 * photos at concurrency 4, 8 of them turned ~90 jobs apart, 5 alternating
 * pairs) the CPU was the same (median 0.35 s both) and the peak RSS 0.3 MiB
 * higher; huge pages for these blocks (block_cache.h) are left to the CLI. */
#define ES_WORKER_KEEP_MS 300u
#define ES_WORKER_KEEP_JOBS 8u

/* Sets the block cache's limit (above) for a budget of transform_memory bytes. */
void es_worker_keep_blocks(uint64_t transform_memory);

/* Fixes malloc's mmap and trim thresholds (ES_WORKER_*_THRESHOLD) and its top
 * pad (ES_WORKER_TOP_PAD). glibc otherwise raises its mmap threshold to the
 * size of each large block freed, so every worker thread's arena ends up
 * keeping a job's buffers (about a photo's size per thread) for good. Call
 * once, before the threads start.
 * Does nothing, returning false, when GLIBC_TUNABLES already sets malloc
 * options (the operator's choice wins) or the C library is not glibc. */
bool es_worker_tune_malloc(void);

/* Unmaps from this process the pages of the program's and its libraries'
 * read-only segments (code, constants, symbol and relocation tables) that are
 * mapped straight from their files, and returns how many bytes that was.
 * Loading and initialising libcurl, libcrypto and their ~30 libraries reads
 * far more of them than the process uses afterwards (most of an idle
 * worker's resident memory; the kernel also maps 64 KiB around each page
 * touched). Harmless to the program: what runs later is mapped again from the
 * page cache on first touch (a minor fault), and the rest stays cached,
 * unmapped, for the kernel to keep or reclaim. Pages that are private copies
 * (a debugger's breakpoints, uprobes, text relocations) are kept, and so is
 * every writable segment; nothing happens when /proc/self/pagemap cannot be
 * read. Call after the libraries are loaded and initialised, best before
 * other threads start (a TLB flush then reaches no other CPU; threads that
 * run meanwhile fault in again what they run, as after
 * es_worker_release_idle_memory). The pages go back in a few system calls
 * (memory.c). */
size_t es_worker_release_startup_pages(void);

/* A pool idle this long after its last job gives back what the work left
 * resident (es_worker_release_idle_memory): a worker idle since its start
 * holds ~5 MB, after work ~9-10 MB (the code its jobs ran, mapped again, and
 * the free memory of the threads' malloc arenas), and kept it. Not sooner: a
 * worker receiving a photo every few seconds would map that code again for
 * each (a few hundred minor faults); one idle this long is not busy. */
#define ES_WORKER_IDLE_RELEASE_MS 10000u

/* What es_worker_release_pages did. */
typedef struct es_worker_release {
    size_t bytes;  /* resident file pages given back */
    size_t ranges; /* runs of pages advised */
    size_t calls;  /* system calls that advised them */
} es_worker_release;

/* es_worker_release_startup_pages with its account; one_call_per_range
 * gives each range its own madvise, what a kernel that refuses
 * process_madvise's MADV_DONTNEED gets (for tests). */
es_worker_release es_worker_release_pages(bool one_call_per_range);

/* What a worker's jobs left resident once the pool has been idle
 * ES_WORKER_IDLE_RELEASE_MS (pool.c): the free memory of every malloc arena
 * (malloc_trim; glibc only) and the read-only file pages mapped again since
 * start-up (es_worker_release_pages). Returns the file bytes given back.
 * Counted by es_worker_idle_releases. */
size_t es_worker_release_idle_memory(void);
/* How many times es_worker_release_idle_memory ran in this process. */
uint64_t es_worker_idle_releases(void);

#endif
