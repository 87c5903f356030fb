/* block_cache.h - large blocks (a turned photo's output, hold and its
 * coefficient store) that are mapped on their own and, once freed, kept a
 * little while for the next one instead of unmapped.
 *
 * The worker fixes malloc's mmap threshold at 128 KiB (worker/memory.h), so
 * that its threads' arenas do not keep a photo each for good; every large
 * block is then a fresh mapping whose pages the kernel zeroes and faults (or
 * populates) in on first touch: ~5000 pages, ~38 ms of CPU, for a 12 MP
 * photo's turn on the VM of issue 11. A block freed here is kept instead
 * (its pages stay resident) and handed to the next request it fits, within a
 * cap on the bytes kept and only for a short while (es_block_cache_limit):
 * the caller gives everything back when it goes idle (es_block_cache_release).
 * With no limit set (the default: a cap of 0) nothing is kept and a block is
 * unmapped when freed, as malloc's mapped blocks are.
 *
 * Process-wide and thread-safe (one mutex). A memory allocator like malloc,
 * with no I/O: src/jpeg and src/orient may call it. In AddressSanitizer
 * builds a kept block is poisoned (a use after es_block_free is reported)
 * and blocks are malloc'd, so that LeakSanitizer sees one never freed. */
#ifndef ES_COMMON_BLOCK_CACHE_H
#define ES_COMMON_BLOCK_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* 1 in an AddressSanitizer build: kept blocks are poisoned, blocks malloc'd. */
#if defined(__SANITIZE_ADDRESS__)
#define ES_BLOCK_CACHE_POISONS 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ES_BLOCK_CACHE_POISONS 1
#endif
#endif
#ifndef ES_BLOCK_CACHE_POISONS
#define ES_BLOCK_CACHE_POISONS 0
#endif

/* A block of at least n bytes (64-byte aligned) whose contents are
 * unspecified (a reused block holds what it held), or NULL when memory runs
 * out. Freed with es_block_free (never free()). */
void *es_block_alloc(size_t n);
/* The same, all n bytes zero (a fresh mapping is; a reused block is cleared). */
void *es_block_alloc_zeroed(size_t n);
/* Grows or shrinks p (NULL: es_block_alloc) to n bytes, keeping its first
 * min(old, n) bytes; in place when it has the room (a block is never made
 * smaller), else by moving its pages (mremap: nothing is copied). NULL when
 * memory runs out (p is untouched). */
void *es_block_realloc(void *p, size_t n);
/* Grows p (NULL: es_block_alloc) to n bytes of which the caller has written
 * only the first `used`: into a kept block that fits n when there is one
 * (its pages are resident: those `used` bytes are copied, and p is freed,
 * kept in its turn), else as es_block_realloc (p's pages move; the new ones
 * are fresh). NULL when memory runs out (p is untouched). */
void *es_block_grow(void *p, size_t used, size_t n);
/* Keeps p for reuse when the limit allows it, else unmaps it. NULL: nothing. */
void es_block_free(void *p);

/* Keeps at most cap_bytes of freed blocks (0: none), each for at most
 * keep_ms milliseconds and at most keep_jobs calls of es_block_cache_job_done
 * (0: no such limit) after it was freed. Blocks beyond the new limit are
 * unmapped at once. */
void es_block_cache_limit(size_t cap_bytes, unsigned keep_ms, unsigned keep_jobs);
/* A job finished: unmaps the kept blocks that are now past keep_ms or
 * keep_jobs (es_block_alloc and es_block_free check keep_ms too). */
void es_block_cache_job_done(void);
/* Unmaps every kept block (the caller is idle, or exits). */
void es_block_cache_release(void);

/* Whether blocks of 2 MiB and more are mapped from a 2 MiB boundary and ask
 * the kernel for transparent huge pages: faster to fault in, resident in
 * steps of 2 MiB (block_cache.c has the costs). Off by default: plain
 * mappings of small pages, whose residency follows each page written. */
void es_block_cache_huge_pages(bool on);

typedef struct es_block_cache_stats {
    size_t kept_bytes;  /* bytes of the blocks kept now */
    size_t kept_blocks; /* blocks kept now */
    uint64_t fresh;     /* blocks mapped afresh since start */
    uint64_t reused;    /* requests given a kept block since start */
} es_block_cache_stats;

es_block_cache_stats es_block_cache_stats_now(void);

#endif
