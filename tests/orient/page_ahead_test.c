/* page_ahead_test.c - src/orient/page_ahead.c: a cover populates from
 * where the last one stopped to the end asked for or one step on (then to a
 * page boundary, so the next step starts on one), never past the capacity;
 * a cover already met populates nothing; a moved buffer keeps what was
 * populated, up to its new capacity. Residency is read with mincore on a
 * fresh mapping (none of it resident before). */
#include <sys/mman.h>

#include "../harness/test.h"
#include "orient/page_ahead.h"
#include "pages_util.h"

#define S_PAGES 64

static unsigned char *s_map(void)
{
    void *p = mmap(NULL, S_PAGES * ot_page(), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

/* Whether page i of the mapping is resident. */
static bool s_page_resident(const unsigned char *map, size_t i)
{
    return ot_resident(map + i * ot_page(), ot_page()) == 1;
}

static bool s_skip(void) { return !ot_populate_supported() || ot_page() != ES_PAGE_AHEAD_ALIGN; }

static void test_a_step_ahead_to_a_page_boundary(void)
{
    if (s_skip())
        SKIP("no MADV_POPULATE_WRITE, or pages of another size");
    unsigned char *map = s_map();
    REQUIRE(map);
    size_t page = ot_page();
    /* a buffer starting 100 bytes into page 0 (a malloc header's place) */
    es_page_ahead a;
    es_page_ahead_init(&a, map + 100, 40 * page);
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
    if (s_skip())
        SKIP("no MADV_POPULATE_WRITE, or pages of another size");
    unsigned char *map = s_map();
    REQUIRE(map);
    size_t page = ot_page();
    es_page_ahead a;
    es_page_ahead_init(&a, map + page, 5 * page + 10); /* pages 1-5 and 10 bytes of page 6 */
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

int main(void)
{
    ES_RUN(test_a_step_ahead_to_a_page_boundary);
    ES_RUN(test_never_past_the_capacity);
    return es_test_finish();
}
