/* memory.c - the daemon's malloc settings and the release of its start-up
 * pages (memory.h). */
#include "worker/memory.h"

#include <fcntl.h>
#include <link.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <unistd.h>

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

/* /proc/self/pagemap: one 64-bit entry per virtual page (the kernel's
 * Documentation/admin-guide/mm/pagemap.rst). */
#define S_PAGEMAP_PRESENT (UINT64_C(1) << 63)
#define S_PAGEMAP_FILE (UINT64_C(1) << 61) /* a page of the file (or shared), not a private copy */
#define S_PAGEMAP_BATCH 512

typedef struct s_release {
    int pagemap;     /* /proc/self/pagemap */
    uintptr_t page;  /* the page size */
    uintptr_t vdso;  /* the vDSO's ELF header (AT_SYSINFO_EHDR): never touched */
    size_t released; /* bytes unmapped so far */
} s_release;

static void s_release_run(s_release *r, uintptr_t start, uintptr_t end)
{
    /* The addresses come as integers (dl_iterate_phdr, pagemap offsets): this is the one conversion. */
    void *at = (void *)start; // NOLINT(performance-no-int-to-ptr)
    if (end > start && madvise(at, end - start, MADV_DONTNEED) == 0)
        r->released += end - start;
}

/* Unmaps the pages of [start, end) (page-aligned, in a read-only segment)
 * that are mapped from the file, in runs; any other page (absent, or a
 * private copy) is left as it is. */
static void s_release_range(s_release *r, uintptr_t start, uintptr_t end)
{
    uint64_t entries[S_PAGEMAP_BATCH];
    uintptr_t at = start, run = 0; /* run: start of the pending run of file pages, 0 when none */
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
            bool file = (entries[i] & (S_PAGEMAP_PRESENT | S_PAGEMAP_FILE)) ==
                        (S_PAGEMAP_PRESENT | S_PAGEMAP_FILE);
            if (file && !run)
                run = at;
            else if (!file && run) {
                s_release_run(r, run, at);
                run = 0;
            }
        }
    }
    if (run)
        s_release_run(r, run, at);
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

size_t es_worker_release_startup_pages(void)
{
    long page = sysconf(_SC_PAGESIZE);
    if (page <= 0 || (page & (page - 1)) != 0)
        return 0;
    s_release r = {.pagemap = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC),
                   .page = (uintptr_t)page,
                   .vdso = (uintptr_t)getauxval(AT_SYSINFO_EHDR)};
    if (r.pagemap < 0)
        return 0;
    dl_iterate_phdr(s_release_object, &r);
    close(r.pagemap);
    return r.released;
}
