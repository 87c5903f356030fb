/* deleter.h - the delete batcher of the worker pool: settled messages'
 * receipt handles are collected and removed from the queue with
 * DeleteMessageBatch, flushed as soon as a batch (ES_SQS_MAX_BATCH) is pending or when the oldest
 * has waited flush_ms. A failed entry (or a failed request) is retried once,
 * then logged; such a message is simply redelivered later. One thread. */
#ifndef ES_WORKER_DELETER_H
#define ES_WORKER_DELETER_H

#include <stdatomic.h>
#include <stdint.h>

#include "aws/sqs.h"

typedef struct es_pool_deleter es_pool_deleter;

/* Starts the batcher thread. queue_url is copied. stop_token (may be NULL)
 * becomes the thread's http.h cancel token: once it is raised, requests in
 * flight end and later ones fail at once, so a stop never waits on a hung
 * endpoint. NULL on failure. */
es_pool_deleter *es_pool_deleter_new(es_sqs_client *sqs, const char *queue_url, int flush_ms,
                                     const atomic_int *stop_token);
/* Queues a receipt handle (copied) for deletion. Thread-safe. message_id is for logs. */
void es_pool_deleter_add(es_pool_deleter *d, const char *receipt_handle, const char *message_id);
/* Flushes everything pending (including one retry of failures), then stops
 * the thread; bounded by stop_token (what is not sent then is redelivered).
 * Idempotent. */
void es_pool_deleter_stop(es_pool_deleter *d);
/* Messages deleted / given up on so far. */
uint64_t es_pool_deleter_deleted(es_pool_deleter *d);
uint64_t es_pool_deleter_failed(es_pool_deleter *d);
/* Stops (if needed) and frees; accepts NULL. */
void es_pool_deleter_free(es_pool_deleter *d);

#endif
