/* memory_test.c - src/worker/memory.c. es_worker_tune_malloc: after a large
 * block is freed, a smaller large block is still mapped on its own (so its
 * memory goes back to the system when freed) instead of being carved from the
 * heap, where glibc's default dynamic threshold would put and keep it.
 * es_worker_release_startup_pages: the resident pages of read-only file
 * mappings go down, code that runs afterwards (libc's included) still works,
 * and neither a private copy of a read-only page nor a written data page is
 * given up (either would silently lose its contents). */
#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../harness/test.h"
#include "worker/memory.h"

#if !ES_TEST_SANITIZED /* ASan replaces malloc: glibc's settings do not apply */
/* Frees a 4 MiB block (glibc's default would now raise its mmap threshold to
 * 4 MiB), then reports whether a 1 MiB block is mapped on its own. */
static bool s_megabyte_is_mapped(void)
{
    char *big = malloc(4u << 20);
    if (!big)
        return false;
    memset(big, 1, 4u << 20);
    free(big);
    size_t before = mallinfo2().hblks;
    char *mid = malloc(1u << 20);
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

#endif

static void test_large_blocks_stay_mapped(void)
{
#if ES_TEST_SANITIZED
    SKIP("built with AddressSanitizer, which has its own allocator");
#else
    unsetenv("GLIBC_TUNABLES");
    /* glibc's default: the threshold followed the freed 4 MiB block, so the
     * 1 MiB block comes from (and stays in) the heap. */
    CHECK(!s_in_child(s_megabyte_is_mapped));
    CHECK(s_in_child(s_tuned_stays_mapped));
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

/* Two pages of constants (for pages of up to 64 KiB) in a read-only segment,
 * defined in assembly so that C code may write to them (after mprotect)
 * without modifying a const object. */
__asm__(".section .rodata\n"
        ".balign 65536\n"
        "s_readonly_pages:\n"
        ".fill 131072, 1, 7\n"
        ".previous\n");
extern unsigned char s_readonly_pages[131072] __attribute__((visibility("hidden")));
static int s_written_data = 42;

static void test_release_keeps_private_copies_and_data(void)
{
    long page = sysconf(_SC_PAGESIZE);
    unsigned char *p = s_readonly_pages;
    CHECK(page > 0 && page <= 65536 && ((uintptr_t)p & (uintptr_t)(page - 1)) == 0);
    volatile unsigned char *copy = p, *untouched = p + page;
    /* A private copy of a read-only page, as a debugger's breakpoint makes. */
    CHECK(mprotect(p, (size_t)page, PROT_READ | PROT_WRITE) == 0);
    copy[10] = 0x5A;
    CHECK(mprotect(p, (size_t)page, PROT_READ) == 0);
    CHECK(untouched[10] == 7); /* the next page, as in the file (and now resident) */
    ((volatile int *)&s_written_data)[0] = 43;
    CHECK(es_worker_release_startup_pages() > 0);
    CHECK(copy[10] == 0x5A);
    CHECK(untouched[10] == 7);
    CHECK(((volatile int *)&s_written_data)[0] == 43);
}

int main(void)
{
    ES_RUN(test_large_blocks_stay_mapped);
    ES_RUN(test_operator_tunables_win);
    ES_RUN(test_release_unmaps_readonly_pages_and_code_still_runs);
    ES_RUN(test_release_keeps_private_copies_and_data);
    return es_test_finish();
}
