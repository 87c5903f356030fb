/* pages.h - asking the kernel for a buffer's pages before they are written
 * (or, for a mapped file, read).
 *
 * A fresh mapping (glibc maps blocks above its mmap threshold on their own)
 * gets its pages one page fault at a time as it is first written. One
 * madvise(MADV_POPULATE_WRITE) call (Linux 5.14) fills in a whole range
 * instead: the kernel still zeroes every page, but takes no fault per page.
 * On the 2-core VM of issue 11 a fault costs about 10 us and a populated
 * page about 0.7 us (tests/bench reports both for the machine it runs on).
 * A memory hint with no state (and no I/O but a mapped file's reading):
 * src/jpeg and src/orient may call it. */
#ifndef ES_COMMON_PAGES_H
#define ES_COMMON_PAGES_H

#include <stddef.h>

/* The kernel's page size in bytes (4 KiB on x86-64; 64 KiB on some arm64
 * kernels), 0 if it cannot be told. A pure getter (sysconf: glibc has it
 * from the auxiliary vector, no system call). */
size_t es_page_size(void);

/* Populates, for writing, the whole pages that lie inside [p, p + len) (a
 * partial first or last page is left to fault: it may be shared with
 * another block). Returns the bytes populated: 0 when none lies inside, or
 * when the kernel does not know the advice (before 5.14) or refuses it
 * (no memory: the pages then fault as they would have). Best effort. */
size_t es_pages_populate(void *p, size_t len);

/* Populates every page that [p, p + len) reaches into, a partial first or
 * last one included: for bytes that are about to be written, whose pages are
 * written (faulted in) anyway. Returns the bytes populated, as above. */
size_t es_pages_populate_written(void *p, size_t len);

/* Populates, for reading, every page that [p, p + len) reaches into (a file
 * mapping's: from the page cache, read from the file when it is not there)
 * in one madvise(MADV_POPULATE_READ) call instead of a fault per few pages
 * as they are read. Returns the bytes populated, as above (0 also when a
 * page cannot be read: it then faults, and raises SIGBUS, as it would). */
size_t es_pages_populate_read(const void *p, size_t len);

/* Gives back the whole pages that lie inside [p, p + len) of a private
 * anonymous mapping (madvise(MADV_DONTNEED)): they are no longer resident,
 * and read as zero until written again. A partial first or last page is
 * kept. Returns the bytes at the start of the range that stay before the
 * first page given back (those of a partial first page: less than a page),
 * len when none is given back (none lies inside, or the kernel refuses). */
size_t es_pages_discard(void *p, size_t len);

#endif
