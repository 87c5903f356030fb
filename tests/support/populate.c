/* populate.c - the probe of populate.h. */
#include "populate.h"

#include <sys/mman.h>
#include <unistd.h>

#include "common/pages.h"

bool es_test_populate_supported(void)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    void *map = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (map == MAP_FAILED)
        return false;
    bool ok = es_pages_populate(map, page) == page;
    munmap(map, page);
    return ok;
}
