/* pages_util.h - what the orientation tests know about a buffer's pages:
 * how many of the whole pages of a range are resident (mincore), and the
 * page faults the process takes (perf's software event, which counts the
 * faults of writes and not the pages madvise(MADV_POPULATE_WRITE) fills;
 * getrusage's minor faults count both). Header-only (static). */
#ifndef ES_TESTS_ORIENT_PAGES_UTIL_H
#define ES_TESTS_ORIENT_PAGES_UTIL_H

#include <linux/perf_event.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../harness/test.h"
#include "../support/populate.h"
#include "../support/resident.h"
#include "common/pages.h"

#define OT_SANITIZED ES_TEST_SANITIZED /* a sanitizer's allocator maps and reuses memory its own way */

static inline size_t ot_page(void) { return (size_t)sysconf(_SC_PAGESIZE); }

/* The whole pages inside [p, p + len): [*first, *end) (empty: end <= first). */
static inline void ot_whole_range(const void *p, size_t len, uintptr_t *first, uintptr_t *end)
{
    uintptr_t page = ot_page();
    *first = ((uintptr_t)p + page - 1) / page * page;
    *end = ((uintptr_t)p + len) / page * page;
}

static inline long ot_whole_pages(const void *p, size_t len)
{
    uintptr_t first, end;
    ot_whole_range(p, len, &first, &end);
    return end > first ? (long)((end - first) / ot_page()) : 0;
}

/* Resident pages among the whole pages inside [p, p + len); -1 on error. */
static inline long ot_resident(const void *p, size_t len)
{
    uintptr_t first, end;
    ot_whole_range(p, len, &first, &end);
    return es_test_resident_pages(first, end);
}

/* A counter of this thread's page faults in user mode, or -1 when perf
 * events are not allowed here (perf_event_paranoid, a sandbox). */
static inline int ot_fault_counter(void)
{
    struct perf_event_attr a;
    memset(&a, 0, sizeof a);
    a.size = sizeof a;
    a.type = PERF_TYPE_SOFTWARE;
    a.config = PERF_COUNT_SW_PAGE_FAULTS;
    a.exclude_kernel = 1;
    a.exclude_hv = 1;
    return (int)syscall(SYS_perf_event_open, &a, 0, -1, -1, 0);
}

static inline long long ot_faults(int counter)
{
    long long n = -1;
    return read(counter, &n, sizeof n) == (ssize_t)sizeof n ? n : -1;
}

#endif
