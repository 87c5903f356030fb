/* sqs.h - the SQS operations the worker needs, over the AWS JSON 1.0 protocol
 * (application/x-amz-json-1.0, X-Amz-Target: AmazonSQS.<Action>). Errors are
 * parsed from "__type". */
#ifndef ES_AWS_SQS_H
#define ES_AWS_SQS_H

#include <stddef.h>
#include <stdint.h>

#include "aws/client/config.h"
#include "aws/creds/creds.h"

/* SQS's limit on entries per batch request (DeleteMessageBatch,
 * ChangeMessageVisibilityBatch) and on messages per ReceiveMessage. */
#define ES_SQS_MAX_BATCH 10
/* The longest visibility timeout, and the longest SQS hides a message after
 * the receive that gave its receipt handle: a change asking past that is
 * refused ("greater than the maximum time left"). */
#define ES_SQS_MAX_VISIBILITY_S 43200
/* How many messages a ReceiveMessage answer may carry before it is a protocol
 * error. SQS never returns more than ES_SQS_MAX_BATCH; a non-compliant or
 * hostile endpoint may. Up to this bound the answer is parsed so the pool can
 * give the surplus back at once (visibility 0) instead of holding it hidden
 * for a whole visibility timeout; the response body cap bounds the bytes. */
#define ES_SQS_MAX_RECEIVE_PARSED 100

typedef struct es_sqs_client es_sqs_client;

/* Thread-safe: one client for all threads. Acquires a reference on creds. */
es_sqs_client *es_sqs_client_new(const es_aws_config *cfg, es_creds_provider *creds);
/* "https://sqs.eu-west-1.amazonaws.com (eu-west-1)": where requests go, for
 * logs (a queue URL names a host, but requests go to this endpoint). */
void es_sqs_client_describe(const es_sqs_client *c, char *out, size_t cap);
void es_sqs_client_free(es_sqs_client *c);

typedef struct es_sqs_message {
    char *message_id;
    char *receipt_handle;
    char *body;
    int receive_count;          /* ApproximateReceiveCount, 0 if not returned */
    uint64_t sent_timestamp_ms; /* SentTimestamp (Unix epoch ms), 0 if not returned */
    uint64_t first_receive_ms;  /* ApproximateFirstReceiveTimestamp (Unix epoch ms), 0 if not returned */
    uint64_t answered_ms;       /* SQS's time of the answer that brought it (its Date header, Unix epoch
                                   ms, whole seconds), 0 if it had none: the clock of the timestamps above */
} es_sqs_message;

/* Long-polls up to max_messages (1..ES_SQS_MAX_BATCH) for up to wait_seconds (0..20),
 * asking for the ApproximateReceiveCount, SentTimestamp and
 * ApproximateFirstReceiveTimestamp attributes.
 * visibility_timeout < 0 leaves the queue's default. *msgs is malloc'd (free
 * with es_sqs_messages_free); *count may be 0. */
ES_MUST_USE es_err es_sqs_receive(es_sqs_client *c, const char *queue_url, int max_messages, int wait_seconds,
                                  int visibility_timeout, es_sqs_message **msgs, size_t *count,
                                  es_aws_result *res);
void es_sqs_messages_free(es_sqs_message *msgs, size_t count);

/* Batch entry for delete / change-visibility; `failed` and `error` are filled
 * per entry on return (the call itself may succeed with some entries failed). */
typedef struct es_sqs_batch_entry {
    const char *receipt_handle;
    int visibility_timeout; /* change-visibility only */
    int failed;
    char error[128];
} es_sqs_batch_entry;

/* Up to ES_SQS_MAX_BATCH entries. Returns ES_OK when the request succeeded, even if entries failed. */
ES_MUST_USE es_err es_sqs_delete_batch(es_sqs_client *c, const char *queue_url, es_sqs_batch_entry *entries,
                                       size_t n, es_aws_result *res);
/* Single-message forms: tests and tooling (the worker batches). */
ES_MUST_USE es_err es_sqs_delete(es_sqs_client *c, const char *queue_url, const char *receipt_handle,
                                 es_aws_result *res);
ES_MUST_USE es_err es_sqs_change_visibility(es_sqs_client *c, const char *queue_url,
                                            const char *receipt_handle, int timeout, es_aws_result *res);
ES_MUST_USE es_err es_sqs_change_visibility_batch(es_sqs_client *c, const char *queue_url,
                                                  es_sqs_batch_entry *entries, size_t n, es_aws_result *res);
/* message_id (may be NULL) receives the new message's id. */
ES_MUST_USE es_err es_sqs_send(es_sqs_client *c, const char *queue_url, const char *body, char *message_id,
                               size_t message_id_size, es_aws_result *res);

/* One queue attribute to read: its name and where its value (a string) goes. */
typedef struct es_sqs_attribute {
    const char *name; /* e.g. "ApproximateNumberOfMessages" */
    char *value;
    size_t value_size;
} es_sqs_attribute;
#define ES_SQS_MAX_ATTRIBUTES 16 /* names per es_sqs_get_attributes call (ours, not SQS's) */

/* Reads count (1..ES_SQS_MAX_ATTRIBUTES) attributes with one
 * GetQueueAttributes request naming them all. Every one must be in the reply
 * (ES_ERR_PROTOCOL otherwise). */
ES_MUST_USE es_err es_sqs_get_attributes(es_sqs_client *c, const char *queue_url,
                                         const es_sqs_attribute *attrs, size_t count, es_aws_result *res);
/* Reads one attribute as a string. Tests and tooling. */
ES_MUST_USE es_err es_sqs_get_attribute(es_sqs_client *c, const char *queue_url, const char *name,
                                        char *value, size_t value_size, es_aws_result *res);

#endif
