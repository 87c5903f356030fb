/* page_ahead_random_test.c - src/orient/page_ahead.c under random use: a
 * buffer at a random offset of a fresh mapping with a random capacity
 * (whole pages of the mapping lie past it), covered by random calls (ends
 * rising, falling back, past the capacity; steps of 0 to 10 pages and odd
 * bytes) and now and then moved to a smaller capacity. After every call:
 * what it reports populated is the whole pages it newly asked for; the
 * cursor never falls back, never passes the capacity, ends on a page
 * boundary or at the capacity, and lies no further than a step and a page
 * past the end asked for; every whole page below the cursor is resident and
 * no page reaching past the capacity or before the buffer ever is (mincore).
 * Deterministic (a fixed-seed xorshift). */
#include <stdint.h>
#include <sys/mman.h>

#include "../harness/test.h"
#include "../support/xorshift.h"
#include "orient/page_ahead.h"
#include "pages_util.h"

#define S_MAP_PAGES 96

static uint32_t s_rng = 31337;
static size_t s_rand(void) { return es_xorshift32(&s_rng); }

/* Pages of the mapping resident among [from, to) (page indexes). */
static long s_resident_pages(const unsigned char *map, size_t from, size_t to)
{
    size_t page = ot_page();
    return to > from ? ot_resident(map + from * page, (to - from) * page) : 0;
}

/* One random life of a buffer; false after the first failure. */
static bool s_one_buffer(void)
{
    size_t page = ot_page();
    unsigned char *map = mmap(NULL, S_MAP_PAGES * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                              -1, 0);
    if (map == MAP_FAILED) {
        es_test_fail(__FILE__, __LINE__, "no mapping");
        return false;
    }
    size_t offset = s_rand() % (3 * page), cap = s_rand() % ((S_MAP_PAGES - 8) * page);
    /* the first page reaching past the first capacity: never resident */
    size_t past_page = (offset + cap) / page;
    es_page_ahead a;
    es_page_ahead_init(&a, map + offset, cap);
    bool ok = true;
    size_t before = 0, asked = 0; /* the cursor before the call, the largest end asked for */
    for (int call = 0; call < 40 && ok; call++) {
        if (call % 13 == 12) { /* realloc'ed in place to a smaller size */
            cap = a.cap ? s_rand() % (a.cap + 1) : 0;
            es_page_ahead_moved(&a, map + offset, cap);
            ok = a.populated <= cap;
            before = a.populated;
            asked = asked < cap ? asked : cap;
            continue;
        }
        size_t end = s_rand() % (cap + 2 * page + 1),
               step = s_rand() % 11 * page + (s_rand() % 3 ? 0 : s_rand() % page);
        size_t cap_page = (offset + cap) / page; /* the first page reaching past the capacity */
        long past_before = s_resident_pages(map, cap_page, S_MAP_PAGES);
        size_t got = es_page_ahead_cover(&a, end, step);
        size_t want_end = end < cap ? end : cap;
        asked = asked > want_end ? asked : want_end;
        /* reported: the whole pages of [before, populated) */
        size_t whole = (size_t)ot_whole_pages(map + offset + before, a.populated - before) * page;
        ok = ok && got == (a.populated > before ? whole : 0);
        ok = ok && a.populated >= before && a.populated <= cap && a.populated >= asked;
        bool last_page = (offset + a.populated + page - 1) / page * page > offset + cap; /* partly past it */
        ok = ok && (a.populated == before || last_page || (uintptr_t)(map + offset + a.populated) % page == 0);
        size_t reach = (want_end > before + step ? want_end : before + step) + page;
        ok = ok && (a.populated == before || a.populated <= reach);
        /* residency: the whole pages below the cursor, nothing outside the buffer */
        size_t first_page = (offset + page - 1) / page, inside_end = (offset + a.populated) / page;
        if (inside_end > first_page)
            ok = ok && s_resident_pages(map, first_page, inside_end) == (long)(inside_end - first_page);
        ok = ok && s_resident_pages(map, 0, first_page) == 0;
        ok = ok && s_resident_pages(map, cap_page, S_MAP_PAGES) == past_before;
        ok = ok && s_resident_pages(map, past_page, S_MAP_PAGES) == 0;
        if (!ok)
            es_test_fail(__FILE__, __LINE__,
                         "offset %zu cap %zu call %d: end %zu step %zu: populated %zu -> %zu, reported %zu",
                         offset, cap, call, end, step, before, a.populated, got);
        before = a.populated;
    }
    munmap(map, S_MAP_PAGES * page);
    return ok;
}

static void test_random_covers(void)
{
    SKIP_UNLESS_POPULATING();
    for (int buffer = 0; buffer < 300; buffer++)
        if (!s_one_buffer())
            return;
}

int main(void)
{
    ES_RUN(test_random_covers);
    return es_test_finish();
}
