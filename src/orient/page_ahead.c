/* page_ahead.c - populating a buffer's pages a step ahead of its writes
 * (page_ahead.h). */
#include "orient/page_ahead.h"

#include "common/pages.h"

void es_page_ahead_init(es_page_ahead *a, void *base, size_t cap)
{
    a->base = base;
    a->cap = base ? cap : 0;
    a->populated = 0;
    a->page = es_page_size();
}

void es_page_ahead_moved(es_page_ahead *a, void *base, size_t cap)
{
    size_t populated = a->populated < cap ? a->populated : cap;
    es_page_ahead_init(a, base, cap);
    a->populated = populated;
}

size_t es_page_ahead_cover(es_page_ahead *a, size_t end, size_t step)
{
    if (end > a->cap)
        end = a->cap;
    if (a->populated >= end)
        return 0;
    size_t from = a->populated, to = step > a->cap - from ? a->cap : from + step;
    if (to < end)
        to = end;
    /* end the step on a page boundary (less than a page further; or at the
     * block's very end) so the next one starts on it: a page split between
     * two steps would be populated by neither */
    size_t past = a->page ? (size_t)(((uintptr_t)a->base + to) % a->page) : 0;
    if (past && a->cap - to >= a->page - past)
        to += a->page - past;
    a->populated = to;
    return es_pages_populate(a->base + from, to - from);
}
