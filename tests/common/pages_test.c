/* pages_test.c - es_pages_populate (src/common/pages.c): the whole pages
 * inside the range become resident (mincore) without a page fault of the
 * caller's (getrusage), a partial first or last page is left alone, and
 * empty or page-less ranges populate nothing; es_pages_populate_written
 * takes the partial first and last pages too; es_pages_populate_read maps a
 * read-only file mapping's pages, partial first and last included, so that
 * reading them takes no fault; es_pages_discard gives back the whole pages
 * inside its range (no longer resident, zero when read), keeps the partial
 * ones and their bytes. */
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "../harness/test.h"
#include "../support/populate.h"
#include "../support/resident.h"
#include "common/pages.h"

#define S_PAGES 64

static size_t s_page(void) { return (size_t)sysconf(_SC_PAGESIZE); }

/* A fresh private mapping of S_PAGES pages, none of them resident yet. */
static unsigned char *s_map(void)
{
    void *p = mmap(NULL, S_PAGES * s_page(), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

/* How many of the mapping's pages are resident (only < 0), or whether page
 * `only` is (1 or 0); -1 when mincore fails. */
static int s_resident(unsigned char *map, int only)
{
    uintptr_t first = (uintptr_t)map + (only < 0 ? 0 : (uintptr_t)only * s_page());
    uintptr_t end = only < 0 ? (uintptr_t)map + S_PAGES * s_page() : first + s_page();
    return (int)es_test_resident_pages(first, end);
}

static long s_minor_faults(void)
{
    struct rusage ru;
    return getrusage(RUSAGE_THREAD, &ru) == 0 ? ru.ru_minflt : -1;
}

static void test_whole_range_is_resident_without_faults(void)
{
    SKIP_UNLESS_POPULATING();
    unsigned char *map = s_map();
    REQUIRE(map);
    CHECK_INT_EQ(s_resident(map, -1), 0);
    CHECK_INT_EQ(es_pages_populate(map, S_PAGES * s_page()), S_PAGES * s_page());
    CHECK_INT_EQ(s_resident(map, -1), S_PAGES);
    long before = s_minor_faults();
    for (size_t i = 0; i < S_PAGES * s_page(); i += s_page())
        map[i] = (unsigned char)i;
    if (!ES_TEST_SANITIZED) /* a sanitizer's shadow of the stores faults in on its own */
        CHECK_INT_EQ(s_minor_faults() - before, 0);
    munmap(map, S_PAGES * s_page());
}

/* Exactly pages first..last (first > 0, last + 1 < S_PAGES) are resident. */
static void s_check_only_resident(unsigned char *map, int first, int last)
{
    CHECK_INT_EQ(s_resident(map, -1), last - first + 1);
    CHECK_INT_EQ(s_resident(map, first - 1), 0);
    CHECK_INT_EQ(s_resident(map, first), 1);
    CHECK_INT_EQ(s_resident(map, last), 1);
    CHECK_INT_EQ(s_resident(map, last + 1), 0);
}

static void test_partial_pages(void)
{
    SKIP_UNLESS_POPULATING();
    unsigned char *map = s_map();
    REQUIRE(map);
    /* from the middle of page 1 to the middle of page 5: pages 2, 3 and 4 */
    size_t page = s_page();
    CHECK_INT_EQ(es_pages_populate(map + page + page / 2, 4 * page), 3 * page);
    s_check_only_resident(map, 2, 4);
    munmap(map, S_PAGES * page);

    /* for bytes about to be written, the partial first and last pages too:
     * from the middle of page 1 to the middle of page 3, pages 1, 2 and 3 */
    map = s_map();
    REQUIRE(map);
    CHECK_INT_EQ(es_pages_populate_written(map + page + page / 2, 2 * page), 3 * page);
    s_check_only_resident(map, 1, 3);
    long before = s_minor_faults();
    for (size_t i = page + page / 2; i < 3 * page + page / 2; i += 64)
        map[i] = 1;
    if (!ES_TEST_SANITIZED) /* a sanitizer's shadow of the stores faults in on its own */
        CHECK_INT_EQ(s_minor_faults() - before, 0);
    CHECK_INT_EQ(es_pages_populate_written(map + 10 * page + 1, 1), page); /* one byte: its page */
    CHECK_INT_EQ(es_pages_populate_written(map, 0), 0);
    CHECK_INT_EQ(es_pages_populate_written(NULL, page), 0);
    CHECK_INT_EQ(es_pages_populate_written(map + page, SIZE_MAX - page), 0); /* the end would wrap */
    CHECK_INT_EQ(s_resident(map, -1), 4);
    munmap(map, S_PAGES * page);
}

static void test_nothing_to_populate(void)
{
    unsigned char *map = s_map();
    REQUIRE(map);
    size_t page = s_page();
    CHECK_INT_EQ(es_pages_populate(map, 0), 0);
    CHECK_INT_EQ(es_pages_populate(map + 1, page), 0); /* no whole page inside */
    CHECK_INT_EQ(es_pages_populate(map + 1, page - 1), 0);
    CHECK_INT_EQ(es_pages_populate(NULL, page), 0);
    CHECK_INT_EQ(es_pages_populate(map + page, SIZE_MAX), 0); /* the end would wrap */
    CHECK_INT_EQ(s_resident(map, -1), 0);
    munmap(map, S_PAGES * page);
}

/* A file mapped read-only (the CLI's input), none of its pages mapped yet:
 * the caller's reads of [from, to) pages fault unless populated. Reads one
 * byte a page and returns the faults that took. */
static long s_read_faults(const unsigned char *map, size_t from, size_t to)
{
    long before = s_minor_faults();
    unsigned sum = 0;
    for (size_t i = from; i < to; i++)
        sum += ((const volatile unsigned char *)map)[i * s_page()];
    (void)sum;
    return s_minor_faults() - before;
}

static void test_read_populates_a_file_mapping(void)
{
    if (!es_test_populate_supported()) /* _READ came with _WRITE */
        SKIP("the kernel does not populate on request");
    char path[] = "/tmp/es_pages_XXXXXX";
    int fd = mkstemp(path);
    REQUIRE(fd >= 0);
    unlink(path);
    /* 4 MiB: the page cache can hold a file in folios of up to 2 MiB, and a
     * fault can map the whole folio it falls in, so the pages read as not
     * populated are in the second 2 MiB, never in a folio with the populated
     * ones (a CI run read pages 32..63 of a 64-page file without a fault) */
    size_t page = s_page(), len = (size_t)4 << 20, unpopulated = ((size_t)2 << 20) / page;
    unsigned char *data = malloc(len);
    REQUIRE(data);
    memset(data, 7, len);
    REQUIRE(write(fd, data, len) == (ssize_t)len);
    free(data);
    unsigned char *map = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
    REQUIRE(map != MAP_FAILED);
    /* one byte into page 1 up to one byte into page 9: pages 1..9, the partial ones included */
    size_t got = es_pages_populate_read(map + page + 1, 8 * page);
    if (got == 0) {
        munmap(map, len);
        close(fd);
        SKIP("the kernel does not know MADV_POPULATE_READ");
    }
    CHECK_INT_EQ(got, 9 * page);
    if (!ES_TEST_SANITIZED) {
        CHECK_INT_EQ(s_read_faults(map, 1, 10), 0);
        CHECK(s_read_faults(map, unpopulated, unpopulated + 32) > 0); /* not populated: faulted (around) */
    }
    CHECK_INT_EQ(es_pages_populate_read(map, 0), 0);
    CHECK_INT_EQ(es_pages_populate_read(NULL, page), 0);
    munmap(map, len);
    close(fd);
}

/* Pages written, then a range from the middle of page 2 to the middle of
 * page 9 discarded: pages 3..8 go (and read as zero), 2 and 9 keep their
 * bytes, and the call says half a page stays before the first page given
 * back; nothing to discard gives back nothing (all of the range stays). */
static void test_discard_gives_back_whole_pages(void)
{
    unsigned char *map = s_map();
    REQUIRE(map);
    size_t page = s_page();
    memset(map, 0x5A, S_PAGES * page);
    CHECK_INT_EQ(s_resident(map, -1), S_PAGES);
    CHECK_INT_EQ(es_pages_discard(map + 2 * page + page / 2, 7 * page), page / 2); /* page 2's rest stays */
    CHECK_INT_EQ(s_resident(map, -1), S_PAGES - 6);
    for (int i = 3; i <= 8; i++)
        CHECK_INT_EQ(s_resident(map, i), 0);
    CHECK_INT_EQ(s_resident(map, 2), 1);
    CHECK_INT_EQ(s_resident(map, 9), 1);
    CHECK_INT_EQ(map[2 * page + page - 1], 0x5A);
    CHECK_INT_EQ(map[9 * page], 0x5A);
    CHECK_INT_EQ(map[5 * page], 0);                                  /* read again: a zero page */
    CHECK_INT_EQ(es_pages_discard(map + 20 * page + 1, page), page); /* no whole page inside: all stays */
    CHECK_INT_EQ(es_pages_discard(map, 0), 0);
    CHECK_INT_EQ(es_pages_discard(NULL, page), page);
    CHECK_INT_EQ(es_pages_discard(map + page, SIZE_MAX), SIZE_MAX); /* the end would wrap */
    CHECK_INT_EQ(es_pages_discard(map + 12 * page, 2 * page), 0);   /* page-aligned: nothing stays */
    CHECK_INT_EQ(s_resident(map, 12), 0);
    CHECK_INT_EQ(s_resident(map, 14), 1);
    CHECK_INT_EQ(s_resident(map, 20), 1);
    munmap(map, S_PAGES * page);
}

int main(void)
{
    ES_RUN(test_whole_range_is_resident_without_faults);
    ES_RUN(test_partial_pages);
    ES_RUN(test_nothing_to_populate);
    ES_RUN(test_read_populates_a_file_mapping);
    ES_RUN(test_discard_gives_back_whole_pages);
    return es_test_finish();
}
