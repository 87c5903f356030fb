/* fault_cost_bench.c - what a page costs the first time it is written on this
 * machine (not a test; `make bench` prints it in RESULTS.md's Machine table,
 * beside the worker's page faults per image). Each round maps 4 MiB of
 * fresh anonymous memory (small pages: MADV_NOHUGEPAGE) twice and writes one
 * byte to every page of each mapping, the two ways alternating:
 *   fault:     every first write takes a page fault (the kernel finds and maps
 *              the page inside the fault);
 *   populated: es_pages_populate (madvise MADV_POPULATE_WRITE, the worker's
 *              call) first maps the whole range in one system call, then the
 *              writes find their pages present. The call is timed on its own
 *              too: on a VM the first write to a page the guest mapped may
 *              still cost the hypervisor's work of backing it, which no
 *              guest fault shows (issue 11's VM: ~0.6 us the call, ~4.5 us
 *              the first write after it, ~10 us a fault).
 * The calling thread's CPU (CLOCK_THREAD_CPUTIME_ID: exact, where getrusage's
 * user and sys are counted in scheduler ticks) per page is reported for each
 * round, then the median over --rounds rounds. Two counts per page too:
 *   minflt: getrusage's ru_minflt, what the bench reads for the worker. The
 *           kernel counts a page that MADV_POPULATE_WRITE maps as a minor
 *           fault too, so this is about 1 both ways;
 *   traps:  the faults the CPU actually took from user code (perf software
 *           event page-faults-min, counted for this thread; about 1 and
 *           about 0), when perf_event_open is allowed here.
 * Without MADV_POPULATE_WRITE (before Linux 5.14) only the fault way is
 * measured.
 * Lines starting with "# " are key/value results for scripts. */
#include <linux/perf_event.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "common/pages.h"

#define MAX_ROUNDS 99
#define MIB_PER_ROUND 4 /* 1024 pages of 4 KiB: a fault's ~10 us each add up to ~10 ms */

typedef struct page_cost {
    double us_per_page;      /* all of it: the populate call, when made, and the writes */
    double call_us_per_page; /* the populate call alone (0 for the fault way) */
    double minflt_per_page;
    double traps_per_page; /* negative: not counted */
} page_cost;

static void die(const char *what)
{
    perror(what);
    exit(1);
}

/* A counter of the page faults this thread takes in user code, or -1 when
 * perf_event_open is not allowed here. */
static int open_trap_counter(void)
{
    struct perf_event_attr a = {.type = PERF_TYPE_SOFTWARE,
                                .size = sizeof a,
                                .config = PERF_COUNT_SW_PAGE_FAULTS_MIN,
                                .exclude_kernel = 1,
                                .exclude_hv = 1};
    return (int)syscall(SYS_perf_event_open, &a, 0, -1, -1, 0);
}

typedef struct usage {
    double cpu_us;
    long minflt;
    int64_t traps; /* -1: not counted */
} usage;

/* The calling thread's CPU microseconds, ru_minflt and trapped faults so far. */
static usage thread_usage(int trap_fd)
{
    struct timespec t;
    struct rusage ru;
    usage u = {.traps = -1};
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t) != 0 || getrusage(RUSAGE_THREAD, &ru) != 0)
        die("thread usage");
    u.cpu_us = (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
    u.minflt = ru.ru_minflt;
    if (trap_fd >= 0 && read(trap_fd, &u.traps, sizeof u.traps) != (ssize_t)sizeof u.traps)
        u.traps = -1;
    return u;
}

/* Writes one byte to each of the pages of a fresh mapping of bytes, after
 * populating them when populate is set; *supported is cleared when the
 * kernel populated nothing. */
static page_cost write_fresh_pages(size_t bytes, size_t page, int populate, int trap_fd, int *supported)
{
    volatile unsigned char *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        die("mmap");
#ifdef MADV_NOHUGEPAGE
    (void)madvise((void *)p, bytes, MADV_NOHUGEPAGE);
#endif
    usage u0 = thread_usage(trap_fd);
    if (populate && es_pages_populate((void *)p, bytes) != bytes)
        *supported = 0;
    usage called = populate ? thread_usage(trap_fd) : u0;
    for (size_t off = 0; off < bytes; off += page)
        p[off] = 1;
    usage u1 = thread_usage(trap_fd);
    if (munmap((void *)p, bytes) != 0)
        die("munmap");
    double pages = (double)bytes / (double)page;
    return (page_cost){.us_per_page = (u1.cpu_us - u0.cpu_us) / pages,
                       .call_us_per_page = (called.cpu_us - u0.cpu_us) / pages,
                       .minflt_per_page = (double)(u1.minflt - u0.minflt) / pages,
                       .traps_per_page = u0.traps < 0 || u1.traps < 0 ? -1
                                                                      : (double)(u1.traps - u0.traps) / pages};
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof v[0], cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* The median of one field (at offset field, a double) of rounds results. */
static double median_of(const page_cost *v, int rounds, size_t field)
{
    double x[MAX_ROUNDS];
    for (int r = 0; r < rounds; r++)
        memcpy(&x[r], (const char *)&v[r] + field, sizeof x[r]);
    return median(x, rounds);
}

/* Prints "# WAY_us_per_page", "# WAY_call_us_per_page" (populated),
 * "# WAY_minflt_per_page" and, when counted, "# WAY_traps_per_page": medians
 * over the rounds. */
static void print_result(const char *way, const page_cost *v, int rounds, int traps_counted)
{
    printf("# %s_us_per_page %.4f\n", way, median_of(v, rounds, offsetof(page_cost, us_per_page)));
    if (v[0].call_us_per_page > 0)
        printf("# %s_call_us_per_page %.4f\n", way,
               median_of(v, rounds, offsetof(page_cost, call_us_per_page)));
    printf("# %s_minflt_per_page %.4f\n", way, median_of(v, rounds, offsetof(page_cost, minflt_per_page)));
    if (traps_counted)
        printf("# %s_traps_per_page %.4f\n", way, median_of(v, rounds, offsetof(page_cost, traps_per_page)));
}

int main(int argc, char **argv)
{
    long asked = 9;
    char *end = NULL;
    if (argc == 3 && !strcmp(argv[1], "--rounds"))
        asked = strtol(argv[2], &end, 10);
    long page = sysconf(_SC_PAGESIZE);
    if (!(argc == 1 || (end && end != argv[2] && !*end)) || asked < 1 || asked > MAX_ROUNDS || page <= 0) {
        fprintf(stderr, "usage: fault_cost_bench [--rounds N (1-%d)]\n", MAX_ROUNDS);
        return 2;
    }
    int rounds = (int)asked;
    size_t bytes = (size_t)MIB_PER_ROUND << 20;
    int supported = 1, trap_fd = open_trap_counter();
    page_cost faulted[MAX_ROUNDS], populated[MAX_ROUNDS];
    for (int r = 0; r < rounds; r++) {
        /* The ways alternate going first: neither always follows the other's munmap. */
        if (r % 2)
            populated[r] = write_fresh_pages(bytes, (size_t)page, 1, trap_fd, &supported);
        faulted[r] = write_fresh_pages(bytes, (size_t)page, 0, trap_fd, &supported);
        if (r % 2 == 0)
            populated[r] = write_fresh_pages(bytes, (size_t)page, 1, trap_fd, &supported);
        printf("round %d: fault %.3f us/page (minflt %.3f, traps %.3f per page), populated %.3f us/page, "
               "%.3f of it the call (minflt %.3f, traps %.3f per page)\n",
               r + 1, faulted[r].us_per_page, faulted[r].minflt_per_page, faulted[r].traps_per_page,
               populated[r].us_per_page, populated[r].call_us_per_page, populated[r].minflt_per_page,
               populated[r].traps_per_page);
    }
    int traps_counted = trap_fd >= 0 && faulted[0].traps_per_page >= 0;
    print_result("fault", faulted, rounds, traps_counted);
    if (supported)
        print_result("populated", populated, rounds, traps_counted);
    printf("# populate_supported %d\n# pages_per_round %zu\n# rounds %d\n", supported, bytes / (size_t)page,
           rounds);
    if (trap_fd >= 0)
        close(trap_fd);
    return 0;
}
