/* resident.h - how many pages of a page-aligned range are resident
 * (mincore), for tests that check which pages a buffer has populated or
 * given back. Callers choose the range: the whole pages inside a buffer, or
 * every page it reaches into. */
#ifndef ES_TEST_RESIDENT_H
#define ES_TEST_RESIDENT_H

#include <stdint.h>

/* Resident pages among the pages [first, end) (both multiples of the page
 * size; none when end <= first); -1 when mincore or an allocation fails. */
long es_test_resident_pages(uintptr_t first, uintptr_t end);

#endif
