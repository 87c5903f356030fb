/* block_cache_test.c - src/common/block_cache.c: a freed block is kept and
 * handed to the next request it fits (not to one it is too small for, nor to
 * one it is far too large for), zeroed when asked; the cap on the bytes kept,
 * the keep_jobs and keep_ms limits and es_block_cache_release give blocks
 * back; realloc keeps the contents; grow takes a kept block that fits and
 * copies the bytes used, else moves the pages; a reused block takes no page faults;
 * a block of 2 MiB or more starts on a 2 MiB boundary and, where the system
 * gives transparent huge pages on request (probed on a mapping of its own),
 * one write makes the 2 MiB around it resident when es_block_cache_huge_pages
 * is on (one page when off); a
 * kept block is poisoned under AddressSanitizer; many threads allocating and
 * freeing at once get intact blocks (run under ThreadSanitizer by make tsan). */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "../harness/test.h"
#include "../support/resident.h"
#include "common/block_cache.h"

#if ES_BLOCK_CACHE_POISONS
#include <sanitizer/asan_interface.h>
#endif

#define S_MIB ((size_t)1 << 20)

static void s_reset(size_t cap, unsigned keep_ms, unsigned keep_jobs)
{
    es_block_cache_limit(0, 0, 0);
    es_block_cache_limit(cap, keep_ms, keep_jobs);
}

static long s_minor_faults(void)
{
    struct rusage ru;
    return getrusage(RUSAGE_THREAD, &ru) == 0 ? ru.ru_minflt : -1;
}

static void test_nothing_kept_without_a_limit(void)
{
    s_reset(0, 0, 0);
    es_block_cache_stats before = es_block_cache_stats_now();
    unsigned char *p = es_block_alloc(S_MIB);
    REQUIRE(p);
    CHECK_INT_EQ((uintptr_t)p % 64, 0);
    memset(p, 0xAB, S_MIB);
    es_block_free(p);
    es_block_cache_stats st = es_block_cache_stats_now();
    CHECK_INT_EQ(st.kept_blocks, 0);
    CHECK_INT_EQ(st.kept_bytes, 0);
    CHECK_INT_EQ(st.fresh, before.fresh + 1);
    CHECK_INT_EQ(st.reused, before.reused);
    es_block_free(NULL);
}

static void test_freed_block_is_reused(void)
{
    s_reset(64 * S_MIB, 0, 0);
    unsigned char *p = es_block_alloc(3 * S_MIB);
    REQUIRE(p);
    memset(p, 0x5A, 3 * S_MIB);
    es_block_free(p);
    es_block_cache_stats st = es_block_cache_stats_now();
    CHECK_INT_EQ(st.kept_blocks, 1);
    CHECK(st.kept_bytes >= 3 * S_MIB && st.kept_bytes < 3 * S_MIB + 2 * 65536);
    unsigned char *q = es_block_alloc(3 * S_MIB - 1000);
    CHECK(q == p);
    es_block_cache_stats after = es_block_cache_stats_now();
    CHECK_INT_EQ(after.reused, st.reused + 1);
    CHECK_INT_EQ(after.fresh, st.fresh);
    CHECK_INT_EQ(after.kept_blocks, 0);
    es_block_free(q);
    /* zeroed when asked, even though the kept block held 0x5A */
    unsigned char *z = es_block_alloc_zeroed(3 * S_MIB);
    REQUIRE(z);
    CHECK(z == p);
    size_t nonzero = 0;
    for (size_t i = 0; i < 3 * S_MIB; i++)
        nonzero += z[i] != 0;
    CHECK_INT_EQ(nonzero, 0);
    es_block_free(z);
    es_block_cache_release();
}

static void test_fit(void)
{
    s_reset(64 * S_MIB, 0, 0);
    unsigned char *p = es_block_alloc(2 * S_MIB);
    REQUIRE(p);
    es_block_free(p);
    es_block_cache_stats st = es_block_cache_stats_now();
    unsigned char *big = es_block_alloc(4 * S_MIB); /* too small for this */
    unsigned char *small = es_block_alloc(S_MIB);   /* wastefully large for this */
    REQUIRE(big && small);
    CHECK(big != p && small != p);
    es_block_cache_stats mid = es_block_cache_stats_now();
    CHECK_INT_EQ(mid.reused, st.reused);
    CHECK_INT_EQ(mid.fresh, st.fresh + 2);
    CHECK_INT_EQ(mid.kept_blocks, 1);
    unsigned char *fits = es_block_alloc(2 * S_MIB * 3 / 4); /* within half as large again */
    CHECK(fits == p);
    es_block_free(big);
    es_block_free(small);
    es_block_free(fits);
    /* the smallest that fits is taken: 2 MiB for 1.9 MiB, not 4 MiB */
    unsigned char *again = es_block_alloc(2 * S_MIB - 100000);
    CHECK(again == p);
    es_block_free(again);
    es_block_cache_release();
    CHECK_INT_EQ(es_block_cache_stats_now().kept_blocks, 0);
    CHECK_INT_EQ(es_block_cache_stats_now().kept_bytes, 0);
}

static void test_cap(void)
{
    s_reset(5 * S_MIB, 0, 0);
    unsigned char *a = es_block_alloc(3 * S_MIB), *b = es_block_alloc(3 * S_MIB),
                  *c = es_block_alloc(6 * S_MIB);
    REQUIRE(a && b && c);
    es_block_free(c); /* larger than the cap: not kept */
    CHECK_INT_EQ(es_block_cache_stats_now().kept_blocks, 0);
    es_block_free(a);
    es_block_free(b); /* both do not fit: the older goes */
    es_block_cache_stats st = es_block_cache_stats_now();
    CHECK_INT_EQ(st.kept_blocks, 1);
    CHECK(st.kept_bytes <= 5 * S_MIB);
    unsigned char *again = es_block_alloc(3 * S_MIB);
    CHECK(again == b);
    es_block_free(again);
    /* lowering the cap gives back what no longer fits */
    es_block_cache_limit(S_MIB, 0, 0);
    CHECK_INT_EQ(es_block_cache_stats_now().kept_blocks, 0);
    /* at most a table's worth of small blocks is kept */
    s_reset(64 * S_MIB, 0, 0);
    void *many[20];
    for (int i = 0; i < 20; i++)
        REQUIRE((many[i] = es_block_alloc(65536)));
    for (int i = 0; i < 20; i++)
        es_block_free(many[i]);
    st = es_block_cache_stats_now();
    CHECK(st.kept_blocks > 0 && st.kept_blocks < 20);
    es_block_cache_release();
}

static void test_kept_jobs_and_time(void)
{
    s_reset(64 * S_MIB, 0, 2);
    es_block_free(es_block_alloc(S_MIB));
    es_block_cache_job_done();
    CHECK_INT_EQ(es_block_cache_stats_now().kept_blocks, 1);
    es_block_cache_job_done(); /* two jobs did not take it */
    CHECK_INT_EQ(es_block_cache_stats_now().kept_blocks, 0);
    /* keep_ms: after sleeping past it, the next check gives it back (no upper bound is relied on) */
    s_reset(64 * S_MIB, 5, 0);
    es_block_free(es_block_alloc(S_MIB));
    CHECK_INT_EQ(es_block_cache_stats_now().kept_blocks, 1);
    nanosleep(&(struct timespec){.tv_nsec = 20 * 1000 * 1000}, NULL);
    es_block_cache_job_done();
    CHECK_INT_EQ(es_block_cache_stats_now().kept_blocks, 0);
    /* ... and so does an allocation, which then maps afresh */
    es_block_free(es_block_alloc(S_MIB));
    nanosleep(&(struct timespec){.tv_nsec = 20 * 1000 * 1000}, NULL);
    es_block_cache_stats st = es_block_cache_stats_now();
    void *p = es_block_alloc(S_MIB);
    CHECK_INT_EQ(es_block_cache_stats_now().fresh, st.fresh + 1);
    CHECK_INT_EQ(es_block_cache_stats_now().kept_blocks, 0);
    es_block_free(p);
    es_block_cache_release();
    CHECK_INT_EQ(es_block_cache_stats_now().kept_blocks, 0);
}

static void test_realloc(void)
{
    s_reset(0, 0, 0);
    unsigned char *p = es_block_realloc(NULL, 100000);
    REQUIRE(p);
    for (size_t i = 0; i < 100000; i++)
        p[i] = (unsigned char)(i * 7);
    p = es_block_realloc(p, 100001); /* same pages */
    REQUIRE(p);
    p[100000] = 1;
    unsigned char *q = es_block_realloc(p, 5 * S_MIB);
    REQUIRE(q);
    size_t bad = 0;
    for (size_t i = 0; i < 100000; i++)
        bad += q[i] != (unsigned char)(i * 7);
    CHECK_INT_EQ(bad, 0);
    CHECK_INT_EQ(q[100000], 1);
    q[5 * S_MIB - 1] = 2;
    q = es_block_realloc(q, 50000); /* shrinks, keeping the start */
    REQUIRE(q);
    CHECK_INT_EQ(q[49999], (unsigned char)(49999 * 7));
    es_block_free(q);
}

/* The faults of allocating n bytes, writing them all (value) and freeing them. */
static long s_faults_of_a_block(size_t n, int value)
{
    long before = s_minor_faults();
    unsigned char *p = es_block_alloc(n);
    if (!p)
        return -1;
    memset(p, value, n);
    long faults = s_minor_faults() - before;
    es_block_free(p);
    return faults;
}

/* es_block_grow: into a kept block that fits (its address; the bytes used
 * copied, the old block kept in its turn), else moved in place of a copy
 * (no block counted fresh or reused); a block that already holds n is
 * itself; NULL is an allocation. */
static void test_grow(void)
{
    s_reset(64 * S_MIB, 0, 0);
    unsigned char *kept = es_block_alloc(4 * S_MIB);
    REQUIRE(kept);
    es_block_free(kept);
    unsigned char *p = es_block_grow(NULL, 0, S_MIB);
    REQUIRE(p);
    CHECK(p != kept); /* 4 MiB is too large for 1 MiB */
    for (size_t i = 0; i < 1000; i++)
        p[i] = (unsigned char)(i * 7);
    CHECK(es_block_grow(p, 1000, S_MIB - 4096) == p); /* holds it already */
    es_block_cache_stats before = es_block_cache_stats_now();
    unsigned char *q = es_block_grow(p, 1000, 3 * S_MIB);
    CHECK(q == kept);
    for (size_t i = 0; i < 1000; i++)
        CHECK_INT_EQ(q[i], (unsigned char)(i * 7));
    es_block_cache_stats after = es_block_cache_stats_now();
    CHECK_INT_EQ(after.reused, before.reused + 1);
    CHECK_INT_EQ(after.fresh, before.fresh);
    CHECK_INT_EQ(after.kept_blocks, 1); /* p, given back */
    es_block_cache_release();
    /* nothing kept: q's pages move, all of its bytes with them */
    q[3 * S_MIB - 1] = 0x5C;
    unsigned char *r = es_block_grow(q, 1000, 7 * S_MIB);
    REQUIRE(r);
    CHECK_INT_EQ(r[999], (unsigned char)(999 * 7));
    CHECK_INT_EQ(r[3 * S_MIB - 1], 0x5C);
    es_block_cache_stats last = es_block_cache_stats_now();
    CHECK_INT_EQ(last.fresh, after.fresh);
    CHECK_INT_EQ(last.reused, after.reused);
    es_block_free(r);
    es_block_cache_release();
}

static void test_reuse_takes_no_faults(void)
{
    if (ES_TEST_SANITIZED)
        SKIP("sanitizer allocators and shadow memory fault on their own");
    s_reset(64 * S_MIB, 0, 0);
    long fresh_faults = s_faults_of_a_block(8 * S_MIB, 1);
    long reused_faults = s_faults_of_a_block(8 * S_MIB, 2);
    /* 2048 pages: faulted in once (fewer with transparent huge pages), not again */
    CHECK(fresh_faults > 0);
    CHECK(reused_faults >= 0 && reused_faults * 10 < fresh_faults + 10);
    es_block_cache_release();
}

#define S_HUGE (2 * S_MIB)

/* The first 2 MiB boundary at or after p. */
static uintptr_t s_huge_boundary(const void *p)
{
    return ((uintptr_t)p + S_HUGE - 1) & ~(uintptr_t)(S_HUGE - 1);
}

/* Resident pages of the 2 MiB range at p (aligned) after one byte in its middle is written. */
static long s_resident_after_one_write(unsigned char *p)
{
    p[S_MIB] = 1;
    return es_test_resident_pages((uintptr_t)p, (uintptr_t)p + S_HUGE);
}

/* What this system does, outside the block cache: the pages one write makes
 * resident in an aligned 2 MiB range of a fresh mapping, with MADV_HUGEPAGE
 * (advise) or without. A huge page gives them all; a kernel whose mode is
 * "never", one without 2 MiB free in one piece, or an emulator (qemu-user
 * runs the arm64 tests) gives one. -1 when mapping fails. */
static long s_probe(bool advise)
{
    size_t len = 2 * S_HUGE;
    unsigned char *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED)
        return -1;
    unsigned char *at = (unsigned char *)s_huge_boundary(m);
#ifdef MADV_HUGEPAGE
    if (advise)
        (void)madvise(at, S_HUGE, MADV_HUGEPAGE);
#else
    (void)advise;
#endif
    long resident = s_resident_after_one_write(at);
    munmap(m, len);
    return resident;
}

static void test_large_blocks_ask_for_huge_pages(void)
{
    if (ES_BLOCK_CACHE_POISONS)
        SKIP("AddressSanitizer builds malloc each block");
    long page = sysconf(_SC_PAGESIZE), per_huge = (long)(S_HUGE / (size_t)page);
    bool given = s_probe(true) == per_huge, to_all = s_probe(false) == per_huge;
    printf("# huge pages here: %s on request, %s without\n", given ? "given" : "not given",
           to_all ? "given" : "not given");
    s_reset(0, 0, 0);

    /* by default small pages: one write, one page (unless the system gives huge ones to all) */
    unsigned char *q = es_block_alloc(6 * S_MIB);
    REQUIRE(q);
    uintptr_t next = s_huge_boundary(q);
    long resident = s_resident_after_one_write((unsigned char *)next);
    if (!to_all)
        CHECK_INT_EQ(resident, 1);
    es_block_free(q);

    es_block_cache_huge_pages(true);
    unsigned char *p = es_block_alloc(6 * S_MIB);
    REQUIRE(p);
    unsigned char *range = p - 64 + S_HUGE; /* the block's second 2 MiB (its header is in the first) */
    CHECK_INT_EQ(((uintptr_t)p - 64) % S_HUGE, 0);
    resident = s_resident_after_one_write(range);
    CHECK_INT_EQ(resident, given ? per_huge : 1); /* what the system gives a request, as for the probe */
    es_block_free(p);
    unsigned char *small = es_block_alloc(S_MIB); /* below 2 MiB: a plain mapping, whatever it starts at */
    REQUIRE(small);
    small[0] = 1;
    es_block_free(small);
    es_block_cache_huge_pages(false);
}

static void test_kept_block_is_poisoned(void)
{
#if ES_BLOCK_CACHE_POISONS
    s_reset(64 * S_MIB, 0, 0);
    unsigned char *p = es_block_alloc(S_MIB);
    REQUIRE(p);
    CHECK(!__asan_address_is_poisoned(p));
    CHECK(!__asan_address_is_poisoned(p + S_MIB - 1));
    CHECK(__asan_address_is_poisoned(p + S_MIB)); /* past the request */
    es_block_free(p);
    CHECK(__asan_address_is_poisoned(p));
    CHECK(__asan_address_is_poisoned(p + S_MIB / 2));
    unsigned char *q = es_block_alloc(S_MIB - 4096);
    CHECK(q == p);
    CHECK(!__asan_address_is_poisoned(q + S_MIB - 4097));
    CHECK(__asan_address_is_poisoned(q + S_MIB - 4096));
    es_block_free(q);
    es_block_cache_release();
#else
    SKIP("not an AddressSanitizer build");
#endif
}

#define S_THREADS 6
#define S_ROUNDS 200

static void *s_churn(void *arg)
{
    unsigned seed = (unsigned)(uintptr_t)arg;
    size_t bad = 0;
    for (int r = 0; r < S_ROUNDS; r++) {
        seed = seed * 1103515245u + 12345u;
        size_t n = 65536 + (seed >> 8) % (3 * S_MIB);
        unsigned char tag = (unsigned char)(seed >> 3);
        unsigned char *p = (seed & 1) ? es_block_alloc(n) : es_block_alloc_zeroed(n);
        if (!p)
            return (void *)1;
        if (!(seed & 1) && (p[0] || p[n / 2] || p[n - 1]))
            bad++;
        for (size_t i = 0; i < n; i += 4096)
            p[i] = tag;
        p[n - 1] = tag;
        if (r % 7 == 0)
            es_block_cache_job_done();
        for (size_t i = 0; i < n; i += 4096)
            bad += p[i] != tag;
        bad += p[n - 1] != tag;
        es_block_free(p);
    }
    return (void *)(uintptr_t)(bad ? 1 : 0);
}

static void test_threads(void)
{
    s_reset(16 * S_MIB, 0, 10);
    pthread_t t[S_THREADS];
    for (int i = 0; i < S_THREADS; i++)
        REQUIRE(pthread_create(&t[i], NULL, s_churn, (void *)(uintptr_t)(i + 1)) == 0);
    int failed = 0;
    for (int i = 0; i < S_THREADS; i++) {
        void *rv;
        pthread_join(t[i], &rv);
        failed += rv != NULL;
    }
    CHECK_INT_EQ(failed, 0);
    es_block_cache_stats st = es_block_cache_stats_now();
    CHECK(st.reused > 0);
    CHECK(st.kept_bytes <= 16 * S_MIB);
    es_block_cache_release();
    CHECK_INT_EQ(es_block_cache_stats_now().kept_bytes, 0);
}

int main(void)
{
    ES_RUN(test_nothing_kept_without_a_limit);
    ES_RUN(test_freed_block_is_reused);
    ES_RUN(test_fit);
    ES_RUN(test_cap);
    ES_RUN(test_kept_jobs_and_time);
    ES_RUN(test_realloc);
    ES_RUN(test_grow);
    ES_RUN(test_reuse_takes_no_faults);
    ES_RUN(test_large_blocks_ask_for_huge_pages);
    ES_RUN(test_kept_block_is_poisoned);
    ES_RUN(test_threads);
    es_block_cache_limit(0, 0, 0);
    return es_test_finish();
}
