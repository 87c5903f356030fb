/* populate.c - the probe of populate.h: madvise(MADV_POPULATE_WRITE) on a
 * fresh page must succeed and leave the page resident (mincore). Asked of
 * the kernel directly, not through es_pages_populate, so that a broken
 * es_pages_populate fails the tests instead of turning them into skips. */
#include "populate.h"

#include <sys/mman.h>
#include <unistd.h>

bool es_test_populate_supported(void)
{
#ifdef MADV_POPULATE_WRITE
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    void *map = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (map == MAP_FAILED)
        return false;
    unsigned char resident = 0;
    bool ok = madvise(map, page, MADV_POPULATE_WRITE) == 0 && mincore(map, page, &resident) == 0 &&
              (resident & 1);
    munmap(map, page);
    return ok;
#else
    return false;
#endif
}
