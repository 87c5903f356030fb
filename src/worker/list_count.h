/* list_count.h - counting a listing ahead of the work that walks it, so a
 * progress display knows the total (and so an ETA) long before the work's
 * own listing gets to its end: `exifstrip backfill` and `exifstrip audit`
 * list page by page as their jobs go, a few pages ahead at most. One thread
 * lists ListObjectsV2 pages of 1000 keys, keeps no key, and counts the keys
 * `keep` accepts (every key when NULL) and their sizes: one request per 1000
 * keys. A failure only costs the total. */
#ifndef ES_WORKER_LIST_COUNT_H
#define ES_WORKER_LIST_COUNT_H

#include <stdbool.h>
#include <stdint.h>

#include "aws/s3/s3.h"

typedef bool (*es_list_count_keep_fn)(void *ctx, const char *key);

typedef struct es_list_count_opts {
    es_s3_client *s3;
    const char *bucket;
    const char *prefix;      /* NULL or "" = every key */
    const char *start_after; /* NULL or "" = from the first key */
    es_list_count_keep_fn keep;
    void *keep_ctx; /* keep is called from the counting thread */
} es_list_count_opts;

typedef struct es_list_counter es_list_counter;

/* Starts counting (the strings are copied). NULL when out of memory or no
 * thread could be started: then there is no total. */
es_list_counter *es_list_counter_start(const es_list_count_opts *opts);
/* True, with the count and its bytes, once the listing was counted to its end. */
bool es_list_counter_result(es_list_counter *c, uint64_t *count, uint64_t *bytes);
/* Settles a progress display's total (*known: *total and *total_bytes hold
 * one): once the work's own listing is done, what it listed (listed,
 * listed_bytes: exact, as objects may have come or gone since the count
 * ahead), and the count ahead is stopped; before that, the count ahead's
 * result once it has one. c may be NULL (no count ahead). */
void es_list_counter_settle(es_list_counter *c, bool listing_done, uint64_t listed, uint64_t listed_bytes,
                            bool *known, uint64_t *total, uint64_t *total_bytes);
/* Ends the count early (a request in flight ends at once); does not wait. */
void es_list_counter_stop(es_list_counter *c);
/* Stops, joins and frees. Accepts NULL. */
void es_list_counter_free(es_list_counter *c);

#endif
