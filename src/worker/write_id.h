/* write_id.h - the id every write of one job to bucket B carries
 * (x-amz-meta-exifstrip-write-id, es_s3_write_options): 128 bits from the
 * kernel's random source, in hex, so that a job tells the copy its own write
 * made (whose answer was lost) from one another write of the same source made,
 * in any process or container. */
#ifndef ES_WORKER_WRITE_ID_H
#define ES_WORKER_WRITE_ID_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define ES_WRITE_ID_SIZE 33 /* 32 lower-case hex digits and the NUL */

/* Fills buf with up to len random bytes, as getrandom(2) with flags 0:
 * returns the count, or -1 with errno set. */
typedef ssize_t (*es_random_fn)(void *buf, size_t len, unsigned int flags);

/* A new write id from getrandom(2) (blocking only until the kernel's random
 * pool is first initialised at boot). False, with out "" (no id: nothing is
 * written, and no copy is ever taken for this job's), when the kernel gives
 * no random bytes; that is logged once per process. */
bool es_write_id_new(char out[ES_WRITE_ID_SIZE]);

/* es_write_id_new with random bytes from fill (tests): interrupted calls
 * (EINTR) and short reads are retried; any other failure, or a call that
 * returns nothing, gives "" and false. Does not log. */
bool es_write_id_from(es_random_fn fill, char out[ES_WRITE_ID_SIZE]);

#endif
