/* memory.c - the daemon's malloc settings and the release of its start-up
 * pages, and of what its jobs left once it is idle (memory.h). */
#include "worker/memory.h"

#include "common/block_cache.h"

#include <fcntl.h>
#include <link.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#ifdef __GLIBC__
#include <malloc.h>
#endif

void es_worker_keep_blocks(uint64_t transform_memory)
{
    uint64_t cap = transform_memory / 4;
    es_block_cache_limit(cap < SIZE_MAX ? (size_t)cap : SIZE_MAX, ES_WORKER_KEEP_MS, ES_WORKER_KEEP_JOBS);
}

bool es_worker_tune_malloc(void)
{
#ifdef __GLIBC__
    const char *tunables = getenv("GLIBC_TUNABLES");
    if (tunables && strstr(tunables, "glibc.malloc."))
        return false;
    /* Setting either threshold also turns off glibc's dynamic adjustment of both. */
    return mallopt(M_MMAP_THRESHOLD, ES_WORKER_MMAP_THRESHOLD) == 1 &&
           mallopt(M_TRIM_THRESHOLD, ES_WORKER_TRIM_THRESHOLD) == 1 &&
           mallopt(M_TOP_PAD, ES_WORKER_TOP_PAD) == 1;
#else
    return false;
#endif
}

/* /proc/self/pagemap: one 64-bit entry per virtual page (the kernel's
 * Documentation/admin-guide/mm/pagemap.rst). */
#define S_PAGEMAP_PRESENT (UINT64_C(1) << 63)
#define S_PAGEMAP_SWAP (UINT64_C(1) << 62) /* swapped out or migrating: may be a private copy */
#define S_PAGEMAP_FILE (UINT64_C(1) << 61) /* a page of the file (or shared), not a private copy */
#define S_PAGEMAP_BATCH 512
/* Ranges handed to the kernel in one process_madvise call. */
#define S_RELEASE_BATCH 64

/* Giving pages back costs little per page but a TLB flush per call: one
 * whole flush for a range of more than 33 pages, else one per page (x86's
 * tlb_single_page_flush_ceiling), and on the VM of issue 11 each of those
 * costs about 20 us: the ~90 madvise calls of the worker's start-up took
 * about 9 ms of CPU. Recent kernels (6.18 there) accept MADV_DONTNEED from
 * process_madvise on the process's own pidfd and flush once per call, so
 * S_RELEASE_BATCH ranges go back with one flush (~0.2 ms in all). Where the
 * kernel refuses it (older ones: EINVAL; a seccomp filter: EPERM), each
 * range gets its own madvise; a run of file pages spans the absent pages
 * between them, so there are few ranges and most take one whole flush.
 * A page that becomes a private copy between its scan and the call that
 * advises it (a debugger planting a breakpoint in that millisecond) would
 * lose it, as a present page could between its scan and its madvise before;
 * the call comes at start-up, before the worker's threads run, and when the
 * pool has been idle ES_WORKER_IDLE_RELEASE_MS (memory.h), its threads
 * waiting or in a long poll: they only map again the code they run next. */
typedef struct s_release {
    int pagemap;    /* /proc/self/pagemap */
    int pidfd;      /* this process, for process_madvise; -1: one madvise per range */
    uintptr_t page; /* the page size */
    uintptr_t vdso; /* the vDSO's ELF header (AT_SYSINFO_EHDR): never touched */
    struct iovec batch[S_RELEASE_BATCH];
    size_t resident[S_RELEASE_BATCH]; /* bytes of file pages present in each range of batch */
    size_t pending;                   /* ranges in batch */
    es_worker_release done;
} s_release;

static bool s_advise_one(void *at, size_t len) { return madvise(at, len, MADV_DONTNEED) == 0; }

/* Gives back the ranges of the batch. */
static void s_release_flush(s_release *r)
{
    if (r->pending == 0)
        return;
    size_t want = 0;
    for (size_t i = 0; i < r->pending; i++)
        want += r->batch[i].iov_len;
    bool all = false;
#ifdef SYS_process_madvise
    if (r->pidfd >= 0) {
        long got = syscall(SYS_process_madvise, r->pidfd, r->batch, r->pending, MADV_DONTNEED, 0u);
        r->done.calls++;
        all = got >= 0 && (size_t)got == want;
        if (!all) { /* refused (or cut short): madvise from now on, from this batch's start (idempotent) */
            close(r->pidfd);
            r->pidfd = -1;
        }
    }
#endif
    for (size_t i = 0; i < r->pending; i++) {
        bool ok = all;
        if (!all) {
            ok = s_advise_one(r->batch[i].iov_base, r->batch[i].iov_len);
            r->done.calls++;
        }
        if (ok)
            r->done.bytes += r->resident[i];
    }
    r->done.ranges += r->pending;
    r->pending = 0;
}

static void s_release_run(s_release *r, uintptr_t start, uintptr_t end, size_t resident)
{
    if (end <= start)
        return;
    if (r->pending == S_RELEASE_BATCH)
        s_release_flush(r);
    /* The addresses come as integers (dl_iterate_phdr, pagemap offsets): this is the one conversion. */
    r->batch[r->pending] = (struct iovec){.iov_base = (void *)start, // NOLINT(performance-no-int-to-ptr)
                                          .iov_len = end - start};
    r->resident[r->pending++] = resident;
}

/* Gives back the pages of [start, end) (page-aligned, in a read-only
 * segment) that are mapped from the file, in runs: a run starts and ends with
 * such a page and may hold absent pages (advising them changes nothing);
 * any other page, present or swapped out (a private copy, or one being
 * migrated: dropping it would lose the copy), ends it and is left as it is. */
static void s_release_range(s_release *r, uintptr_t start, uintptr_t end)
{
    uint64_t entries[S_PAGEMAP_BATCH];
    uintptr_t at = start, run = 0, run_end = 0; /* the pending run [run, run_end), run 0 when none */
    size_t resident = 0;
    while (at < end) {
        size_t want = (size_t)((end - at) / r->page);
        if (want > S_PAGEMAP_BATCH)
            want = S_PAGEMAP_BATCH;
        ssize_t got = pread(r->pagemap, entries, want * sizeof entries[0],
                            (off_t)(at / r->page * sizeof entries[0]));
        if (got < (ssize_t)sizeof entries[0])
            break;
        size_t n = (size_t)got / sizeof entries[0];
        for (size_t i = 0; i < n; i++, at += r->page) {
            if (!(entries[i] & (S_PAGEMAP_PRESENT | S_PAGEMAP_SWAP)))
                continue;
            if ((entries[i] & S_PAGEMAP_PRESENT) && (entries[i] & S_PAGEMAP_FILE)) {
                run = run ? run : at;
                run_end = at + r->page;
                resident += r->page;
            } else if (run) {
                s_release_run(r, run, run_end, resident);
                run = 0;
                resident = 0;
            }
        }
    }
    if (run)
        s_release_run(r, run, run_end, resident);
}

/* dl_iterate_phdr callback: every loadable segment that is not writable. A
 * writable segment is skipped whole (relocated data and RELRO are private
 * copies, and a page another thread writes meanwhile would lose the write). */
static int s_release_object(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    s_release *r = data;
    for (size_t i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD || (ph->p_flags & PF_W))
            continue;
        uintptr_t lo = info->dlpi_addr + ph->p_vaddr, hi = lo + ph->p_memsz;
        if (r->vdso >= lo && r->vdso < hi)
            continue;
        /* Whole pages only: a page shared with a neighbouring segment stays. */
        s_release_range(r, (lo + r->page - 1) & ~(r->page - 1), hi & ~(r->page - 1));
    }
    return 0;
}

es_worker_release es_worker_release_pages(bool one_call_per_range)
{
    es_worker_release none = {0};
    long page = sysconf(_SC_PAGESIZE);
    if (page <= 0 || (page & (page - 1)) != 0)
        return none;
    s_release r = {.pagemap = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC),
                   .pidfd = -1,
                   .page = (uintptr_t)page,
                   .vdso = (uintptr_t)getauxval(AT_SYSINFO_EHDR)};
    if (r.pagemap < 0)
        return none;
#if defined(SYS_process_madvise) && defined(SYS_pidfd_open)
    if (!one_call_per_range)
        r.pidfd = (int)syscall(SYS_pidfd_open, getpid(), 0u);
#else
    (void)one_call_per_range;
#endif
    dl_iterate_phdr(s_release_object, &r);
    s_release_flush(&r);
    close(r.pagemap);
    if (r.pidfd >= 0)
        close(r.pidfd);
    return r.done;
}

size_t es_worker_release_startup_pages(void) { return es_worker_release_pages(false).bytes; }

static atomic_uint_fast64_t s_idle_releases;

size_t es_worker_release_idle_memory(void)
{
#ifdef __GLIBC__
    malloc_trim(0);
#endif
    atomic_fetch_add(&s_idle_releases, 1);
    return es_worker_release_pages(false).bytes;
}

uint64_t es_worker_idle_releases(void) { return atomic_load(&s_idle_releases); }
