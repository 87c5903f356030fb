/* page_faults.c - the page-fault counter of page_faults.h. */
#include "page_faults.h"

#include <linux/perf_event.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int es_test_faults_open(void)
{
    struct perf_event_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.size = sizeof attr;
    attr.type = PERF_TYPE_SOFTWARE;
    attr.config = PERF_COUNT_SW_PAGE_FAULTS;
    attr.exclude_kernel = 1; /* allowed at perf_event_paranoid 2; a user-space copy's faults count */
    attr.exclude_hv = 1;
    long fd = syscall(SYS_perf_event_open, &attr, 0 /* this thread */, -1, -1, 0);
    return fd < 0 ? -1 : (int)fd;
}

long es_test_faults_read(int counter)
{
    uint64_t n = 0;
    return counter >= 0 && read(counter, &n, sizeof n) == (ssize_t)sizeof n ? (long)n : -1;
}

void es_test_faults_close(int counter)
{
    if (counter >= 0)
        close(counter);
}
