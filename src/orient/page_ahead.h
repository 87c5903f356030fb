/* page_ahead.h - a buffer written from its start whose pages are asked of
 * the kernel a step ahead of the write cursor (es_pages_populate, one
 * madvise per step) instead of one page fault each as they are first
 * written. On the 2-core VM of issue 11 (tests of 8 MiB, session 20) a
 * fault and its write cost ~9.5 us a page; populating ~0.5 us a page, but
 * the first write to a populated page still ~3.9 us (the hypervisor maps
 * it then, unseen by the guest): ~4.4 us, half of a fault. Never populates
 * past the buffer's capacity, nor more than one step (and a page) past
 * what the caller says it is about to write, so the memory a transform
 * counts (plan.c) stays the memory it uses. Step ends are aligned to the
 * kernel's page size (es_page_size: 64 KiB on some arm64 kernels), so only
 * the buffer's first and last partial pages (possibly shared with another
 * block) are left to fault. Internal to src/orient (sparse_coefs.c,
 * lossless.c). */
#ifndef ES_ORIENT_PAGE_AHEAD_H
#define ES_ORIENT_PAGE_AHEAD_H

#include <stddef.h>
#include <stdint.h>

typedef struct es_page_ahead {
    uint8_t *base;
    size_t cap;       /* bytes */
    size_t populated; /* [base, base + populated) has been asked for */
    size_t page;      /* step ends are aligned to it: the kernel's page size
                       * (set by init; 0: not aligned) */
} es_page_ahead;

/* A buffer of cap bytes at base, nothing of it populated yet; page is the
 * kernel's page size. */
void es_page_ahead_init(es_page_ahead *a, void *base, size_t cap);

/* The buffer moved (realloc) or changed size: what was populated moved
 * with it (its pages travel with a mapping), up to the new capacity. */
void es_page_ahead_moved(es_page_ahead *a, void *base, size_t cap);

/* Makes sure [base, base + end) is populated before the caller writes it:
 * when it is not, populates from where the last call stopped to end or one
 * step past that point, whichever is further, then on to the next page
 * boundary (never past the capacity).
 * Returns the bytes the kernel populated now (0 when none were needed, or
 * the kernel does not know the advice: the pages then fault as before). */
size_t es_page_ahead_cover(es_page_ahead *a, size_t end, size_t step);

#endif
