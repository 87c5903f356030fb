/* dense_coefs.c - the whole coefficient array of dense_coefs.h: one zeroed
 * block (es_block_alloc_zeroed: a fresh mapping is zero, a kept one is
 * cleared) and a row pointer for each block row. */
#include "orient/dense_coefs.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/block_cache.h"

bool es_dense_coefs_init(es_dense_coefs *d, JDIMENSION width, JDIMENSION height)
{
    memset(d, 0, sizeof *d);
    /* the row pointers take less than the blocks (a JBLOCK is 128 bytes) */
    if (width == 0 || height == 0 || (size_t)width > SIZE_MAX / sizeof(JBLOCK) / height)
        return false;
    size_t bytes = (size_t)width * height * sizeof(JBLOCK);
    d->rows = malloc((size_t)height * sizeof(JBLOCKROW));
    d->blocks = d->rows ? es_block_alloc_zeroed(bytes) : NULL;
    if (!d->blocks) {
        free(d->rows);
        d->rows = NULL;
        return false;
    }
    for (JDIMENSION r = 0; r < height; r++)
        d->rows[r] = d->blocks + (size_t)r * width;
    d->width = width;
    d->height = height;
    es_page_ahead_init(&d->ahead, d->blocks, bytes);
    return true;
}

JBLOCKARRAY es_dense_coefs_rows(es_dense_coefs *d, JDIMENSION row, JDIMENSION n)
{
    if (!d->blocks || row > d->height || n > d->height - row)
        return NULL;
    size_t end = ((size_t)row + n) * d->width * sizeof(JBLOCK);
    (void)es_page_ahead_cover(&d->ahead, end, ES_DENSE_POPULATE_STEP);
    return d->rows + row;
}

void es_dense_coefs_free(es_dense_coefs *d)
{
    es_block_free(d->blocks);
    free(d->rows);
    memset(d, 0, sizeof *d);
}
