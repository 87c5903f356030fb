/* memory_test.c - es_worker_tune_malloc (src/worker/memory.c): after a large
 * block is freed, a smaller large block is still mapped on its own (so its
 * memory goes back to the system when freed) instead of being carved from the
 * heap, where glibc's default dynamic threshold would put and keep it. */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../harness/test.h"
#include "worker/memory.h"

#if defined(__SANITIZE_ADDRESS__)
#define S_SANITIZED 1 /* ASan replaces malloc: glibc's settings do not apply */
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define S_SANITIZED 1
#endif
#endif

#ifndef S_SANITIZED
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
#ifdef S_SANITIZED
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
#ifndef S_SANITIZED
    CHECK(es_worker_tune_malloc());
#endif
    unsetenv("GLIBC_TUNABLES");
}

int main(void)
{
    ES_RUN(test_large_blocks_stay_mapped);
    ES_RUN(test_operator_tunables_win);
    return es_test_finish();
}
