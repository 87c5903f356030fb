/* resident.c - counting a range's resident pages with mincore (resident.h). */
#include "resident.h"

#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

long es_test_resident_pages(uintptr_t first, uintptr_t end)
{
    long page = sysconf(_SC_PAGESIZE);
    if (end <= first)
        return 0;
    if (page <= 0)
        return -1;
    size_t n = (end - first) / (size_t)page;
    unsigned char *vec = malloc(n);
    if (!vec)
        return -1;
    long resident = -1;
    if (mincore((void *)first, end - first, vec) == 0) { // NOLINT(performance-no-int-to-ptr)
        resident = 0;
        for (size_t i = 0; i < n; i++)
            resident += vec[i] & 1;
    }
    free(vec);
    return resident;
}
