/* memory_test.c - src/worker/memory.c. es_worker_tune_malloc: after a large
 * block is freed, a smaller large block is still mapped on its own (so its
 * memory goes back to the system when freed) instead of being carved from the
 * heap, where glibc's default dynamic threshold would put and keep it.
 * And a thread's buffers below the mmap threshold freed at the end of one
 * transfer and allocated again for the next (libcurl's upload buffer, once
 * per upload part) are not trimmed from its heap and faulted in again.
 * es_worker_release_startup_pages: the resident pages of read-only file
 * mappings go down, code that runs afterwards (libc's included) still works,
 * and neither a private copy of a read-only page (even between two file
 * pages of a run) nor a written data page is given up (either would
 * silently lose its contents), with one process_madvise call per batch of
 * ranges and with one madvise per range alike; where the kernel takes
 * MADV_DONTNEED from process_madvise, the ranges go back in fewer calls
 * than there are ranges. */
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../harness/test.h"
#include "worker/memory.h"

#if !ES_TEST_SANITIZED /* ASan and TSan replace malloc: glibc's settings do not apply */
/* Frees a 4 MiB block (glibc's default would now raise its mmap threshold to
 * 4 MiB), then reports whether a 1 MiB block is mapped on its own. The
 * blocks are held through volatile pointers: clang removes a malloc, memset
 * and free whose pointer goes nowhere else (nothing would be allocated). */
static bool s_megabyte_is_mapped(void)
{
    char *volatile big = malloc(4u << 20);
    if (!big)
        return false;
    memset(big, 1, 4u << 20);
    free(big);
    size_t before = mallinfo2().hblks;
    char *volatile mid = malloc(1u << 20);
    if (!mid)
        return false;
    memset(mid, 2, 1u << 20);
    bool mapped = mallinfo2().hblks == before + 1;
    free(mid);
    return mapped;
}

/* Runs fn in a child process (malloc state is per process, and glibc's
 * default and the tuned behaviour must each start from a fresh heap). */
static bool s_in_child(bool (*fn)(void))
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0)
        _exit(fn() ? 0 : 1);
    int status = 0;
    return pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static bool s_tuned_stays_mapped(void)
{
    return es_worker_tune_malloc() && s_megabyte_is_mapped() && s_megabyte_is_mapped();
}

/* libcurl's 120 KiB upload buffer and a request's other buffers, freed at
 * the end of each transfer and allocated again for the next. */
#define S_TRANSFER_BUFFER (120u * 1024u)
#define S_TRANSFER_BUFFERS 2

/* Where the buffers are kept while in use: the compiler may not drop them. */
static char *volatile s_in_use[S_TRANSFER_BUFFERS];

static long s_thread_faults(void)
{
    struct rusage ru;
    return getrusage(RUSAGE_THREAD, &ru) == 0 ? ru.ru_minflt : -1;
}

/* Two transfers' buffers on a thread of its own (its own malloc arena, as
 * a worker thread's): the page faults the second one's took. */
static void *s_second_transfer_faults(void *out)
{
    long before = 0;
    for (int transfer = 0; transfer < 2; transfer++) {
        if (transfer == 1)
            before = s_thread_faults();
        for (int i = 0; i < S_TRANSFER_BUFFERS; i++)
            if ((s_in_use[i] = malloc(S_TRANSFER_BUFFER)))
                memset(s_in_use[i], transfer + 1, S_TRANSFER_BUFFER);
        for (int i = S_TRANSFER_BUFFERS - 1; i >= 0; i--)
            free(s_in_use[i]);
    }
    *(long *)out = s_thread_faults() - before;
    return NULL;
}

static long s_refaults(void)
{
    long faults = -1;
    pthread_t t;
    if (pthread_create(&t, NULL, s_second_transfer_faults, &faults) != 0 || pthread_join(t, NULL) != 0)
        return -1;
    return faults;
}

/* The worker's thresholds without its top pad: the freed buffers are
 * trimmed from the thread's heap and the next transfer faults many of their
 * pages in again (28 with glibc 2.36's default pad of 128 KiB). */
static bool s_unpadded_refaults(void)
{
    return mallopt(M_MMAP_THRESHOLD, ES_WORKER_MMAP_THRESHOLD) == 1 &&
           mallopt(M_TRIM_THRESHOLD, ES_WORKER_TRIM_THRESHOLD) == 1 &&
           s_refaults() >= (long)(S_TRANSFER_BUFFER / 4096u / 2u);
}

static bool s_tuned_keeps_transfer_buffers(void) { return es_worker_tune_malloc() && s_refaults() == 0; }

#endif

static void test_large_blocks_stay_mapped(void)
{
#if ES_TEST_SANITIZED
    SKIP("built with a sanitizer, which has its own allocator");
#else
    unsetenv("GLIBC_TUNABLES");
    /* glibc's default: the threshold followed the freed 4 MiB block, so the
     * 1 MiB block comes from (and stays in) the heap. */
    CHECK(!s_in_child(s_megabyte_is_mapped));
    CHECK(s_in_child(s_tuned_stays_mapped));
#endif
}

static void test_transfer_buffers_stay_resident(void)
{
#if ES_TEST_SANITIZED
    SKIP("built with a sanitizer, which has its own allocator");
#else
    unsetenv("GLIBC_TUNABLES");
    CHECK(s_in_child(s_unpadded_refaults));
    if (es_test_emulated())
        SKIP("an emulator's own page faults are counted (one, under qemu-aarch64)");
    CHECK(s_in_child(s_tuned_keeps_transfer_buffers));
#endif
}

static void test_operator_tunables_win(void)
{
    setenv("GLIBC_TUNABLES", "glibc.malloc.arena_max=1", 1);
    CHECK(!es_worker_tune_malloc());
    setenv("GLIBC_TUNABLES", "glibc.rtld.nns=2", 1);
#if !ES_TEST_SANITIZED
    CHECK(es_worker_tune_malloc());
#endif
    unsetenv("GLIBC_TUNABLES");
}

/* Rss (KiB) of this process's file mappings that are not writable. */
static long s_readonly_file_rss_kib(void)
{
    FILE *f = fopen("/proc/self/smaps", "r");
    if (!f)
        return -1;
    char line[512], perms[8];
    long total = 0, kib;
    bool counted = false;
    while (fgets(line, sizeof line, f)) {
        unsigned long lo, hi;
        int path = 0;
        if (sscanf(line, "%lx-%lx %7s %*s %*s %*s %n", &lo, &hi, perms, &path) == 3)
            counted = perms[1] != 'w' && path > 0 && line[path] == '/';
        else if (counted && sscanf(line, "Rss: %ld kB", &kib) == 1)
            total += kib;
    }
    fclose(f);
    return total;
}

static int s_compare_ints(const void *a, const void *b) { return *(const int *)a - *(const int *)b; }

static void test_release_unmaps_readonly_pages_and_code_still_runs(void)
{
    long before = s_readonly_file_rss_kib();
    CHECK(before > 0);
    size_t released = es_worker_release_startup_pages();
    long after = s_readonly_file_rss_kib();
    CHECK(released >= 64 * 1024);
    CHECK(after >= 0 && after < before);
    /* libc code and constants this program has not used before come back from the file. */
    int v[] = {5, 3, 9, 1, 7};
    qsort(v, 5, sizeof v[0], s_compare_ints);
    CHECK(v[0] == 1 && v[1] == 3 && v[2] == 5 && v[3] == 7 && v[4] == 9);
    char text[64];
    snprintf(text, sizeof text, "%.3f %s", strtod("2.71828", NULL), strerror(ENOENT));
    CHECK_STR_EQ(text, "2.718 No such file or directory");
}

/* Four pages of constants (for pages of up to 64 KiB) in a read-only segment,
 * defined in assembly so that C code may write to them (after mprotect)
 * without modifying a const object. */
__asm__(".section .rodata\n"
        ".balign 65536\n"
        "s_readonly_pages:\n"
        ".fill 262144, 1, 7\n"
        ".previous\n");
extern unsigned char s_readonly_pages[262144] __attribute__((visibility("hidden")));
static int s_written_data = 42;

/* Makes the page at p a private copy, as a debugger's breakpoint does, with v at offset 10. */
static bool s_make_private_copy(unsigned char *p, long page, unsigned char v)
{
    if (mprotect(p, (size_t)page, PROT_READ | PROT_WRITE) != 0)
        return false;
    ((volatile unsigned char *)p)[10] = v;
    return mprotect(p, (size_t)page, PROT_READ) == 0;
}

static void s_keeps_private_copies_and_data(bool one_call_per_range)
{
    long page = sysconf(_SC_PAGESIZE);
    unsigned char *p = s_readonly_pages;
    REQUIRE(page > 0 && page <= 65536 && ((uintptr_t)p & (uintptr_t)(page - 1)) == 0);
    volatile unsigned char *copy = p, *file = p + page, *inner_copy = p + 2 * page, *last = p + 3 * page;
    CHECK(s_make_private_copy(p, page, 0x5A));
    CHECK(file[10] == 7 && last[10] == 7); /* file pages as in the file (and now resident) */
    /* A private copy between two file pages: it must end their run. */
    CHECK(s_make_private_copy(p + 2 * page, page, 0x6B));
    ((volatile int *)&s_written_data)[0] = 43;
    es_worker_release done = es_worker_release_pages(one_call_per_range);
    CHECK(done.bytes > 0 && done.ranges > 0 && done.calls > 0);
    CHECK(copy[10] == 0x5A);
    CHECK(inner_copy[10] == 0x6B);
    CHECK(file[10] == 7 && last[10] == 7);
    CHECK(((volatile int *)&s_written_data)[0] == 43);
    CHECK(s_make_private_copy(p, page, 7) && s_make_private_copy(p + 2 * page, page, 7));
}

static void test_release_keeps_private_copies_and_data(void)
{
    s_keeps_private_copies_and_data(false);
    s_keeps_private_copies_and_data(true);
    es_worker_release each = es_worker_release_pages(true);
    CHECK(each.calls == each.ranges);
}

/* Whether this kernel takes MADV_DONTNEED from process_madvise on oneself. */
static bool s_kernel_batches(void)
{
#if defined(SYS_process_madvise) && defined(SYS_pidfd_open)
    long page = sysconf(_SC_PAGESIZE);
    char *m = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    int pidfd = (int)syscall(SYS_pidfd_open, getpid(), 0u);
    bool ok = false;
    if (m != MAP_FAILED && pidfd >= 0) {
        m[0] = 1;
        struct iovec iov = {.iov_base = m, .iov_len = (size_t)page};
        ok = syscall(SYS_process_madvise, pidfd, &iov, 1ul, MADV_DONTNEED, 0u) == page && m[0] == 0;
    }
    if (pidfd >= 0)
        close(pidfd);
    if (m != MAP_FAILED)
        munmap(m, (size_t)page);
    return ok;
#else
    return false;
#endif
}

static void test_release_batches_its_ranges(void)
{
    if (!s_kernel_batches())
        SKIP("the kernel does not take MADV_DONTNEED from process_madvise");
    /* the libraries' read-only pages come back as this code and libc run */
    int v[] = {3, 1, 2};
    qsort(v, 3, sizeof v[0], s_compare_ints);
    es_worker_release done = es_worker_release_pages(false);
    CHECK(done.ranges > 1);
    CHECK(done.calls < done.ranges);
    CHECK(done.calls <= (done.ranges + 63) / 64);
}

int main(void)
{
    ES_RUN(test_large_blocks_stay_mapped);
    ES_RUN(test_transfer_buffers_stay_resident);
    ES_RUN(test_operator_tunables_win);
    ES_RUN(test_release_unmaps_readonly_pages_and_code_still_runs);
    ES_RUN(test_release_keeps_private_copies_and_data);
    ES_RUN(test_release_batches_its_ranges);
    return es_test_finish();
}
