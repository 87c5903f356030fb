/* pages.c - populating a buffer's pages in one call, and giving them back (pages.h). */
#include "common/pages.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#ifdef MADV_POPULATE_WRITE /* and MADV_POPULATE_READ: both came with Linux 5.14 */
#define S_POPULATE_WRITE MADV_POPULATE_WRITE
#define S_POPULATE_READ MADV_POPULATE_READ
#else
#define S_POPULATE_WRITE (-1)
#define S_POPULATE_READ (-1)
#endif

size_t es_page_size(void)
{
    long page_size = sysconf(_SC_PAGESIZE);
    return page_size > 0 ? (size_t)page_size : 0;
}

/* Gives the pages [first, end) (page-aligned) the advice; returns their
 * bytes, 0 when there are none or the advice is unknown or refused. */
static size_t s_advise(uintptr_t first, uintptr_t end, int advice)
{
    if (end <= first || advice < 0)
        return 0;
    /* The range comes from a pointer and a length: converted back here. */
    void *at = (void *)first; // NOLINT(performance-no-int-to-ptr)
    return madvise(at, end - first, advice) == 0 ? (size_t)(end - first) : 0;
}

/* Gives the whole pages inside [p, p + len) the advice; *first (when not
 * NULL) gets where they start. */
static size_t s_advise_inside(void *p, size_t len, int advice, uintptr_t *first)
{
    uintptr_t page = es_page_size(), start = (uintptr_t)p;
    if (!p || !page || len > UINTPTR_MAX - start || UINTPTR_MAX - start < page)
        return 0;
    uintptr_t from = (start + page - 1) / page * page;
    if (first)
        *first = from;
    return s_advise(from, (start + len) / page * page, advice);
}

size_t es_pages_populate(void *p, size_t len) { return s_advise_inside(p, len, S_POPULATE_WRITE, NULL); }

size_t es_pages_discard(void *p, size_t len)
{
    uintptr_t first = 0;
    return s_advise_inside(p, len, MADV_DONTNEED, &first) ? (size_t)(first - (uintptr_t)p) : len;
}

/* The whole pages [*first, *end) that [p, p + len) reaches into; false when
 * there are none or the rounded-up end would wrap. */
static bool s_around(const void *p, size_t len, uintptr_t *first, uintptr_t *end)
{
    uintptr_t page = es_page_size(), start = (uintptr_t)p;
    if (!p || len == 0 || !page || len > UINTPTR_MAX - start || UINTPTR_MAX - start - len < page)
        return false;
    *first = start / page * page;
    *end = (start + len + page - 1) / page * page;
    return true;
}

size_t es_pages_populate_written(void *p, size_t len)
{
    uintptr_t first, end;
    return s_around(p, len, &first, &end) ? s_advise(first, end, S_POPULATE_WRITE) : 0;
}

size_t es_pages_populate_read(const void *p, size_t len)
{
    uintptr_t first, end;
    return s_around(p, len, &first, &end) ? s_advise(first, end, S_POPULATE_READ) : 0;
}
