/* page_ahead_test.c - src/orient/page_ahead.c: a cover populates from
 * where the last one stopped to the end asked for or one step on (then to a
 * page boundary, so the next step starts on one), never past the capacity;
 * a cover already met populates nothing; a moved buffer keeps what was
 * populated, up to its new capacity; step ends follow the page size (the
 * kernel's, or 64 KiB set here as on some arm64 kernels). Residency is read
 * with mincore on a fresh mapping (none of it resident before). */
#include <sys/mman.h>

#include "../harness/test.h"
#include "orient/page_ahead.h"
#include "pages_util.h"

#define S_PAGES 64

static size_t page; /* bytes (set by main) */

/* A fresh mapping of S_PAGES pages with *a a buffer of cap bytes from
 * `offset` into it, or NULL when there is no mapping. */
static unsigned char *s_map(es_page_ahead *a, size_t offset, size_t cap)
{
    void *p = mmap(NULL, S_PAGES * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    es_page_ahead_init(a, (unsigned char *)p + offset, cap);
    return p;
}

/* Whether page i of the mapping is resident. */
static bool s_page_resident(const unsigned char *map, size_t i)
{
    return ot_resident(map + i * page, page) == 1;
}

static void test_a_step_ahead_to_a_page_boundary(void)
{
    es_page_ahead a; /* starting 100 bytes into page 0 (a malloc header's place) */
    SKIP_UNLESS_POPULATING();
    unsigned char *map = s_map(&a, 100, 40 * page);
    if (!map)
        SKIP("no mapping");
    /* room for 100 bytes asked, a step of 3 pages: on to the boundary of
     * page 4, pages 1-3 whole (page 0 is partly another block's: left) */
    CHECK_INT_EQ(es_page_ahead_cover(&a, 100, 3 * page), 3 * page);
    CHECK_INT_EQ(a.populated, 4 * page - 100);
    CHECK(!s_page_resident(map, 0));
    CHECK(s_page_resident(map, 1) && s_page_resident(map, 3));
    CHECK(!s_page_resident(map, 4));
    /* already covered: nothing more */
    CHECK_INT_EQ(es_page_ahead_cover(&a, 4 * page - 100, 3 * page), 0);
    CHECK_INT_EQ(ot_resident(map, S_PAGES * page), 3);
    /* an end past one step: on to that end's page boundary (pages 4-9) */
    CHECK_INT_EQ(es_page_ahead_cover(&a, 10 * page - 200, 2 * page), 6 * page);
    CHECK_INT_EQ(ot_resident(map, S_PAGES * page), 9);
    CHECK(!s_page_resident(map, 10));
    munmap(map, S_PAGES * page);
}

static void test_never_past_the_capacity(void)
{
    es_page_ahead a; /* pages 1-5 and 10 bytes of page 6 */
    SKIP_UNLESS_POPULATING();
    unsigned char *map = s_map(&a, page, 5 * page + 10);
    if (!map)
        SKIP("no mapping");
    CHECK_INT_EQ(es_page_ahead_cover(&a, 2 * page, 32 * page), 5 * page);
    CHECK_INT_EQ(a.populated, 5 * page + 10);
    CHECK_INT_EQ(ot_resident(map, S_PAGES * page), 5);
    CHECK(!s_page_resident(map, 6)); /* partly past the buffer: another block's */
    CHECK_INT_EQ(es_page_ahead_cover(&a, 64 * page, page), 0);
    /* moved to a smaller buffer: what lies past its capacity does not count */
    es_page_ahead_moved(&a, map + 8 * page, 3 * page);
    CHECK_INT_EQ(a.populated, 3 * page);
    CHECK_INT_EQ(es_page_ahead_cover(&a, 3 * page, page), 0);
    CHECK_INT_EQ(ot_resident(map, S_PAGES * page), 5);
    munmap(map, S_PAGES * page);
}

/* A buffer's steps end on boundaries of the page size it has: the kernel's
 * by default; set to 64 KiB (some arm64 kernels) on a kernel of smaller
 * pages, a step ends on a 64 KiB boundary, so the next starts on one and no
 * 64 KiB page is split between two steps (populated by neither). */
static void test_step_ends_follow_the_page_size(void)
{
    enum { S_BIG = 65536, S_BIG_PAGES = 4 };
    es_page_ahead a;
    SKIP_UNLESS_POPULATING();
    unsigned char *map = s_map(&a, 0, page);
    if (!map)
        SKIP("no mapping");
    CHECK_INT_EQ(a.page, page);
    munmap(map, S_PAGES * page);
    if (S_BIG % page)
        SKIP("pages larger than 64 KiB");
    map = mmap(NULL, S_BIG_PAGES * S_BIG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (map == MAP_FAILED)
        SKIP("no mapping");
    /* 100 bytes into the first 64 KiB boundary of the mapping, two big pages */
    unsigned char *big = map + (S_BIG - (uintptr_t)map % S_BIG) % S_BIG;
    es_page_ahead_init(&a, big + 100, 2 * S_BIG);
    a.page = S_BIG;
    CHECK_INT_EQ(es_page_ahead_cover(&a, 100, 3 * 4096), S_BIG - page);
    CHECK_INT_EQ(a.populated, S_BIG - 100);
    /* the next step starts on the boundary: the whole second big page */
    CHECK_INT_EQ(es_page_ahead_cover(&a, S_BIG, 4096), S_BIG);
    CHECK_INT_EQ(a.populated, 2 * S_BIG - 100);
    CHECK_INT_EQ(ot_resident(big, 2 * S_BIG), 2 * S_BIG / page - 1);
    munmap(map, S_BIG_PAGES * S_BIG);
}

int main(void)
{
    page = ot_page();
    ES_RUN(test_a_step_ahead_to_a_page_boundary);
    ES_RUN(test_never_past_the_capacity);
    ES_RUN(test_step_ends_follow_the_page_size);
    return es_test_finish();
}
