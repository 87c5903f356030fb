/* visibility.h - the visibility heartbeat of the worker pool. Every message
 * the worker holds (queued or being processed) is tracked here; a thread
 * extends the visibility of any message held longer than half the visibility
 * timeout since its receipt or last extension (ChangeMessageVisibilityBatch
 * to the full timeout, or to what SQS's 12-hour limit leaves), so slow jobs
 * are not redelivered to another worker while they run. */
#ifndef ES_WORKER_VISIBILITY_H
#define ES_WORKER_VISIBILITY_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "aws/sqs/sqs.h"

typedef struct es_pool_visibility es_pool_visibility;

/* Taken off what is left of SQS's 12 hours (ES_SQS_MAX_VISIBILITY_S): the
 * receive took place before its answer was read (es_clock_ms at receipt is a
 * little late). */
#define ES_SQS_HIDDEN_MARGIN_S 60

/* Seconds a message received at received_ms may still be hidden from now_ms
 * (es_clock_ms times): wanted_s, or less as its 12 hours run out; 0 when
 * none are left. */
int es_visibility_time_left_s(int wanted_s, uint64_t received_ms, uint64_t now_ms);

/* Starts the heartbeat thread for up to slots held messages. stop_token (may
 * be NULL) becomes the thread's aws/http/http.h cancel token, so stopping never waits
 * on a hung endpoint once it is raised. NULL on failure. */
es_pool_visibility *es_pool_visibility_new(es_sqs_client *sqs, const char *queue_url, int timeout_s,
                                           size_t slots, const atomic_int *stop_token);
/* Tracks a message from now (strings copied). Returns its slot, or -1 when
 * the table is full or memory ran out (the message is then not extended). */
int es_pool_visibility_track(es_pool_visibility *v, const char *receipt_handle, const char *message_id);
/* Stops tracking (slot -1 is ignored). */
void es_pool_visibility_untrack(es_pool_visibility *v, int slot);
/* Visibility extensions that succeeded so far. */
uint64_t es_pool_visibility_extended(es_pool_visibility *v);
/* Stops the thread; idempotent. */
void es_pool_visibility_stop(es_pool_visibility *v);
/* Stops and frees; accepts NULL. */
void es_pool_visibility_free(es_pool_visibility *v);

#endif
