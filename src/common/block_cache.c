/* block_cache.c - mapped large blocks, kept for reuse a little while once
 * freed (block_cache.h). Each block is one mapping whose first S_HEADER
 * bytes record its length; a kept block sits in a small table under one
 * mutex, and a request takes the smallest kept block that holds it without
 * being more than half as large again (its extra pages stay resident while
 * it is used). */
#include "common/block_cache.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#if ES_BLOCK_CACHE_POISONS
#include <sanitizer/asan_interface.h>
#endif

/* 1 in a ThreadSanitizer build (s_remap). */
#if defined(__SANITIZE_THREAD__)
#define S_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define S_TSAN 1
#endif
#endif
#ifndef S_TSAN
#define S_TSAN 0
#endif

#define S_HEADER ((size_t)64) /* before the caller's bytes: keeps them 64-byte aligned */
#define S_MAGIC ((size_t)0x6b6c6263u)
#define S_MAX_KEPT 8             /* blocks kept at once (a turn frees three or four large ones) */
#define S_HUGE ((size_t)2 << 20) /* blocks from this size on start at a boundary of it (s_map) */

typedef struct s_header {
    size_t len;   /* the mapping's bytes, header included */
    size_t magic; /* S_MAGIC: a pointer es_block_* did not hand out is caught */
} s_header;

typedef struct s_kept {
    unsigned char *base;
    size_t len;
    uint64_t freed_ms;  /* s_now_ms() when it was freed */
    uint64_t freed_job; /* s_cache.jobs then */
} s_kept;

static struct {
    pthread_mutex_t mu;
    size_t cap;
    unsigned keep_ms, keep_jobs;
    uint64_t jobs;
    s_kept kept[S_MAX_KEPT];
    size_t n; /* entries of kept in use, oldest first */
    size_t kept_bytes;
    uint64_t fresh, reused;
} s_cache = {.mu = PTHREAD_MUTEX_INITIALIZER};

static uint64_t s_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static size_t s_page(void)
{
    long page = sysconf(_SC_PAGESIZE);
    return page > 0 ? (size_t)page : 4096;
}

/* The mapping's bytes for a request of n, 0 when that overflows. */
static size_t s_map_len(size_t n)
{
    size_t page = s_page();
    if (n > SIZE_MAX - S_HEADER - page)
        return 0;
    return (n + S_HEADER + page - 1) / page * page;
}

/* ---- the backing memory: anonymous mappings; malloc under ASan (leaks are then reported) ---- */

static bool s_huge; /* es_block_cache_huge_pages */

void es_block_cache_huge_pages(bool on) { __atomic_store_n(&s_huge, on, __ATOMIC_RELAXED); }

/* A mapping of len bytes. From S_HUGE on it starts on a 2 MiB boundary and
 * asks for transparent huge pages (where the kernel offers them on request:
 * "madvise", the default of Debian and of most distributions; "always"
 * gives them anyway, "never" not at all), so that each 2 MiB of it is
 * provided by one fault instead of 512: on the VM of issue 11 a small page
 * costs ~11 us to fault in and ~6.5 us populated, a huge one ~0.25 us per 4
 * KiB when the host has just backed it and ~4.5 us when it has not (memory
 * the guest handed back to it a few seconds after it was freed; session 35,
 * a program writing one byte a page of 32 MiB, 5 rounds; make bench's
 * fault_cost_bench measures the small pages). A 12 MP photo's turn (the CLI, alternating runs): 121-124 -> 93-95
 * ms of CPU back to back, 115-123 -> 101-128 ms with 4 s between runs. The
 * cost is memory: what is written is resident in steps of 2 MiB, not 4 KiB
 * (a block's last partial 2 MiB stays in small pages): a 3 MP photo's
 * turn peaked at 10.5 instead of 6.3 MiB, and the worker on 300 corpus
 * photos at concurrency 4 at 22.6-23.1 instead of 18.0-19.0 MiB for no
 * CPU it could measure (its kept blocks already spare it most faults), so
 * only the CLI asks for them (es_block_cache_huge_pages). */
static unsigned char *s_map(size_t len, bool *zeroed)
{
#if ES_BLOCK_CACHE_POISONS
    unsigned char *p = aligned_alloc(S_HEADER, len);
    *zeroed = false;
    return p;
#else
    *zeroed = true;
    if (len < S_HUGE || len > SIZE_MAX - S_HUGE || !__atomic_load_n(&s_huge, __ATOMIC_RELAXED)) {
        void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        return p == MAP_FAILED ? NULL : p;
    }
    /* mapped S_HUGE - 1 page longer, then trimmed at both ends to len bytes from a boundary */
    size_t over = S_HUGE - s_page();
    void *p = mmap(NULL, len + over, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    uintptr_t start = (uintptr_t)p, at = (start + S_HUGE - 1) & ~(uintptr_t)(S_HUGE - 1);
    if (at > start)
        munmap(p, at - start);
    if (start + over > at)
        munmap((void *)(at + len), start + over - at);
#ifdef MADV_HUGEPAGE
    (void)madvise((void *)at, len, MADV_HUGEPAGE);
#endif
    return (unsigned char *)at;
#endif
}

static void s_unmap(unsigned char *base, size_t len)
{
#if ES_BLOCK_CACHE_POISONS
    ASAN_UNPOISON_MEMORY_REGION(base, len);
    free(base);
#else
    munmap(base, len);
#endif
}

/* Moves base's mapping to len bytes (the first min(old, len) kept); NULL when it cannot. */
static unsigned char *s_remap(unsigned char *base, size_t old, size_t len)
{
#if ES_BLOCK_CACHE_POISONS || S_TSAN
    /* Copied to a new block instead: under ASan blocks are malloc'd; and
     * ThreadSanitizer does not see mremap, so the range a block moved away
     * from would keep that thread's accesses in its shadow, and the next
     * mapping the kernel puts there (another thread's block) would be
     * reported as racing with them. */
    bool zeroed;
    unsigned char *p = s_map(len, &zeroed);
    if (p) {
#if ES_BLOCK_CACHE_POISONS
        ASAN_UNPOISON_MEMORY_REGION(base, old); /* the part past the caller's bytes is poisoned */
#endif
        memcpy(p, base, old < len ? old : len);
        s_unmap(base, old);
    }
    return p;
#else
    void *p = mremap(base, old, len, MREMAP_MAYMOVE);
    return p == MAP_FAILED ? NULL : p;
#endif
}

/* Makes the caller's n bytes of a block addressable and, under ASan, the rest poisoned. */
static void *s_expose(unsigned char *base, size_t len, size_t n)
{
    s_header *h = (s_header *)(void *)base;
#if ES_BLOCK_CACHE_POISONS
    ASAN_UNPOISON_MEMORY_REGION(base, S_HEADER + n);
    ASAN_POISON_MEMORY_REGION(base + S_HEADER + n, len - S_HEADER - n);
#else
    (void)n;
#endif
    h->len = len;
    h->magic = S_MAGIC;
    return base + S_HEADER;
}

static unsigned char *s_base(void *p, size_t *len)
{
    unsigned char *base = (unsigned char *)p - S_HEADER;
    const s_header *h = (const s_header *)(void *)base;
    if (h->magic != S_MAGIC)
        abort(); /* not a block of es_block_*: a heap corruption or a free() mix-up */
    *len = h->len;
    return base;
}

/* ---- the kept blocks (mu held) ---- */

/* Takes entry i out of the table; its block is the caller's. */
static s_kept s_take(size_t i)
{
    s_kept k = s_cache.kept[i];
    memmove(&s_cache.kept[i], &s_cache.kept[i + 1], (s_cache.n - i - 1) * sizeof k);
    s_cache.n--;
    s_cache.kept_bytes -= k.len;
    return k;
}

/* Moves to out (room for S_MAX_KEPT) the kept blocks past their time or
 * jobs, or all when all; returns how many. */
static size_t s_expire(bool all, s_kept *out)
{
    size_t got = 0;
    uint64_t now = all || !s_cache.keep_ms ? 0 : s_now_ms();
    for (size_t i = 0; i < s_cache.n;) {
        const s_kept *k = &s_cache.kept[i];
        bool old = all || (s_cache.keep_ms && now - k->freed_ms >= s_cache.keep_ms) ||
                   (s_cache.keep_jobs && s_cache.jobs - k->freed_job >= s_cache.keep_jobs);
        if (old)
            out[got++] = s_take(i);
        else
            i++;
    }
    return got;
}

static void s_unmap_all(const s_kept *k, size_t n)
{
    for (size_t i = 0; i < n; i++)
        s_unmap(k[i].base, k[i].len);
}

/* ---- the API ---- */

/* The smallest kept block of len bytes or more, and not more than half as
 * large again, taken out of the table (expired ones unmapped on the way);
 * hit->base NULL when there is none (counted as fresh when the caller then
 * maps one: mapping). */
static void s_take_fitting(size_t len, bool mapping, s_kept *hit)
{
    s_kept gone[S_MAX_KEPT];
    pthread_mutex_lock(&s_cache.mu);
    size_t n_gone = s_cache.n ? s_expire(false, gone) : 0;
    size_t best = S_MAX_KEPT;
    for (size_t i = 0; i < s_cache.n; i++) {
        size_t have = s_cache.kept[i].len;
        if (have >= len && have - len <= len / 2 && (best == S_MAX_KEPT || have < s_cache.kept[best].len))
            best = i;
    }
    if (best < S_MAX_KEPT) {
        *hit = s_take(best);
        s_cache.reused++;
    } else if (mapping) {
        s_cache.fresh++;
    }
    pthread_mutex_unlock(&s_cache.mu);
    s_unmap_all(gone, n_gone);
}

static void *s_alloc(size_t n, bool zero)
{
    size_t len = s_map_len(n);
    if (!len)
        return NULL;
    s_kept hit = {0};
    s_take_fitting(len, true, &hit);
    bool zeroed = false;
    if (!hit.base && !(hit.base = s_map(hit.len = len, &zeroed)))
        return NULL;
    void *p = s_expose(hit.base, hit.len, n);
    if (zero && !zeroed)
        memset(p, 0, n);
    return p;
}

void *es_block_alloc(size_t n) { return s_alloc(n, false); }

void *es_block_alloc_zeroed(size_t n) { return s_alloc(n, true); }

/* p grown to n bytes (see es_block_realloc); with take_kept into a kept
 * block that fits when there is one, its first `used` bytes copied. */
static void *s_resize(void *p, size_t n, size_t used, bool take_kept)
{
    if (!p)
        return es_block_alloc(n);
    size_t old, len = s_map_len(n);
    unsigned char *base = s_base(p, &old);
    if (!len)
        return NULL;
    if (len <= old) /* never shrunk: the block keeps its pages for the next request it fits */
        return s_expose(base, old, n);
    s_kept hit = {0};
    if (take_kept)
        s_take_fitting(len, false, &hit);
    if (hit.base) {
        void *q = s_expose(hit.base, hit.len, n);
        memcpy(q, p, used < old - S_HEADER ? used : old - S_HEADER);
        es_block_free(p);
        return q;
    }
    unsigned char *moved = s_remap(base, old, len);
    return moved ? s_expose(moved, len, n) : NULL;
}

void *es_block_realloc(void *p, size_t n) { return s_resize(p, n, 0, false); }

void *es_block_grow(void *p, size_t used, size_t n) { return s_resize(p, n, used, true); }

void es_block_free(void *p)
{
    if (!p)
        return;
    size_t len;
    unsigned char *base = s_base(p, &len);
    s_kept gone[S_MAX_KEPT];
    pthread_mutex_lock(&s_cache.mu);
    size_t n_gone = s_cache.n ? s_expire(false, gone) : 0;
    bool keep = len <= s_cache.cap;
    while (keep && (s_cache.n == S_MAX_KEPT || s_cache.kept_bytes + len > s_cache.cap))
        gone[n_gone++] = s_take(0); /* the oldest makes room (expired ones are already out) */
    if (keep) {
#if ES_BLOCK_CACHE_POISONS
        ASAN_POISON_MEMORY_REGION(base, len);
#endif
        s_cache.kept[s_cache.n++] =
            (s_kept){.base = base, .len = len, .freed_ms = s_now_ms(), .freed_job = s_cache.jobs};
        s_cache.kept_bytes += len;
    }
    pthread_mutex_unlock(&s_cache.mu);
    s_unmap_all(gone, n_gone);
    if (!keep)
        s_unmap(base, len);
}

void es_block_cache_limit(size_t cap_bytes, unsigned keep_ms, unsigned keep_jobs)
{
    s_kept gone[S_MAX_KEPT];
    size_t n_gone = 0;
    pthread_mutex_lock(&s_cache.mu);
    s_cache.cap = cap_bytes;
    s_cache.keep_ms = keep_ms;
    s_cache.keep_jobs = keep_jobs;
    n_gone = s_expire(false, gone);
    while (s_cache.kept_bytes > s_cache.cap)
        gone[n_gone++] = s_take(0);
    pthread_mutex_unlock(&s_cache.mu);
    s_unmap_all(gone, n_gone);
}

void es_block_cache_job_done(void)
{
    s_kept gone[S_MAX_KEPT];
    pthread_mutex_lock(&s_cache.mu);
    s_cache.jobs++;
    size_t n_gone = s_cache.n ? s_expire(false, gone) : 0;
    pthread_mutex_unlock(&s_cache.mu);
    s_unmap_all(gone, n_gone);
}

void es_block_cache_release(void)
{
    s_kept gone[S_MAX_KEPT];
    pthread_mutex_lock(&s_cache.mu);
    size_t n_gone = s_expire(true, gone);
    pthread_mutex_unlock(&s_cache.mu);
    s_unmap_all(gone, n_gone);
}

es_block_cache_stats es_block_cache_stats_now(void)
{
    pthread_mutex_lock(&s_cache.mu);
    es_block_cache_stats st = {.kept_bytes = s_cache.kept_bytes,
                               .kept_blocks = s_cache.n,
                               .fresh = s_cache.fresh,
                               .reused = s_cache.reused};
    pthread_mutex_unlock(&s_cache.mu);
    return st;
}
