/* guard_page.h - buffers whose last byte is followed by an inaccessible
 * page (PROT_NONE), for tests of code that must never read past its input:
 * one byte too far faults in every build, not only under ASan (a malloc'ed
 * block of the exact size is followed by readable memory outside ASan). */
#ifndef ES_TEST_GUARD_PAGE_H
#define ES_TEST_GUARD_PAGE_H

#include <stdbool.h>
#include <stddef.h>

typedef struct es_guarded {
    unsigned char *map; /* the whole mapping: the room, then the guard page */
    size_t map_len;
    size_t room; /* bytes usable before the guard page (a whole number of pages) */
} es_guarded;

/* A mapping with at least `room` readable and writable bytes (rounded up to
 * whole pages) followed by a PROT_NONE page; false when it cannot be made. */
bool es_guarded_init(es_guarded *g, size_t room);
void es_guarded_free(es_guarded *g);

/* The address n bytes before the guard page (n <= g->room): a buffer of n
 * bytes there ends exactly where the readable memory ends. */
static inline unsigned char *es_guarded_tail(const es_guarded *g, size_t n) { return g->map + g->room - n; }

#endif
