/* pages.c - populating a buffer's pages in one call (pages.h). */
#include "common/pages.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

size_t es_pages_populate(void *p, size_t len)
{
#ifdef MADV_POPULATE_WRITE
    long page_size = sysconf(_SC_PAGESIZE);
    if (!p || page_size <= 0)
        return 0;
    uintptr_t page = (uintptr_t)page_size, start = (uintptr_t)p;
    if (len > UINTPTR_MAX - start)
        return 0;
    uintptr_t first = (start + page - 1) / page * page, end = (start + len) / page * page;
    if (end <= first)
        return 0;
    /* The range comes from a pointer and a length: converted back here (and in
     * es_pages_populate_written, whole pages around a range). */
    void *at = (void *)first; // NOLINT(performance-no-int-to-ptr)
    return madvise(at, end - first, MADV_POPULATE_WRITE) == 0 ? (size_t)(end - first) : 0;
#else
    (void)p;
    (void)len;
    return 0;
#endif
}

/* The whole pages [*first, *end) that [p, p + len) reaches into; false when
 * there are none or the rounded-up end would wrap. */
static bool s_around(const void *p, size_t len, uintptr_t *first, uintptr_t *end)
{
    long page_size = sysconf(_SC_PAGESIZE);
    uintptr_t start = (uintptr_t)p;
    if (!p || len == 0 || page_size <= 0 || len > UINTPTR_MAX - start ||
        UINTPTR_MAX - start - len < (uintptr_t)page_size)
        return false;
    uintptr_t page = (uintptr_t)page_size;
    *first = start / page * page;
    *end = (start + len + page - 1) / page * page;
    return true;
}

size_t es_pages_populate_written(void *p, size_t len)
{
    uintptr_t first, end;
    if (!s_around(p, len, &first, &end))
        return 0;
    return es_pages_populate((void *)first, end - first); // NOLINT(performance-no-int-to-ptr)
}

size_t es_pages_populate_read(const void *p, size_t len)
{
#ifdef MADV_POPULATE_READ
    uintptr_t first, end;
    if (!s_around(p, len, &first, &end))
        return 0;
    void *at = (void *)first; // NOLINT(performance-no-int-to-ptr)
    return madvise(at, end - first, MADV_POPULATE_READ) == 0 ? (size_t)(end - first) : 0;
#else
    (void)p;
    (void)len;
    return 0;
#endif
}
