/* dense_coefs.h - one source component's whole coefficient array (width x
 * height blocks, all zero to start with, row pointers into one block of
 * common/block_cache.h), for the sources lossless.c does not decode into a
 * sparse store (more compressed bytes a block than the store is tried with,
 * progressive, arithmetic-coded or a single iMCU row, or given up by the
 * store). It stands in
 * for the array libjpeg-turbo's memory manager would allocate and then zero
 * row by row as the decoder first reaches it (a memset that faulted in each
 * page): a fresh block is zero already and its pages are populated a step
 * ahead of the rows asked for (page_ahead.h), and a block kept from an
 * earlier turn is cleared while its pages are still resident. Internal to
 * src/orient. */
#ifndef ES_ORIENT_DENSE_COEFS_H
#define ES_ORIENT_DENSE_COEFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h> /* jpeglib.h needs FILE */

#include <jpeglib.h>

#include "orient/page_ahead.h"

/* Bytes populated at a time past the rows asked for (64 pages a madvise). */
#define ES_DENSE_POPULATE_STEP (256u << 10)

typedef struct es_dense_coefs {
    JDIMENSION width, height; /* blocks */
    JBLOCK *blocks;           /* width * height, row after row */
    JBLOCKROW *rows;          /* height pointers into blocks */
    es_page_ahead ahead;      /* how far the blocks' pages are populated */
} es_dense_coefs;

/* An array of width x height blocks, every coefficient zero; false (d
 * empty) when it would not fit in memory or memory runs out. */
bool es_dense_coefs_init(es_dense_coefs *d, JDIMENSION width, JDIMENSION height);

/* Block rows [row, row + n) as libjpeg's access_virt_barray hands them (n
 * consecutive row pointers), their pages populated and a step beyond; NULL
 * when they are not all inside the array. Rows stay where they are for the
 * array's life, so callers may keep the pointers. */
JBLOCKARRAY es_dense_coefs_rows(es_dense_coefs *d, JDIMENSION row, JDIMENSION n);

/* Gives the block back (common/block_cache.h may keep it); d is empty. */
void es_dense_coefs_free(es_dense_coefs *d);

#endif
