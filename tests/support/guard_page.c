/* guard_page.c - the guarded buffers of guard_page.h. */
#include "guard_page.h"

#include <sys/mman.h>
#include <unistd.h>

bool es_guarded_init(es_guarded *g, size_t room)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    g->room = (room + page - 1) / page * page;
    g->map_len = g->room + page;
    void *map = mmap(NULL, g->map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (map == MAP_FAILED) {
        g->map = NULL;
        return false;
    }
    g->map = map;
    if (mprotect(g->map + g->room, page, PROT_NONE) != 0) {
        es_guarded_free(g);
        return false;
    }
    return true;
}

void es_guarded_free(es_guarded *g)
{
    if (g->map)
        munmap(g->map, g->map_len);
    g->map = NULL;
}
