/* sqs_fake.h - a scripted SQS endpoint for the worker's unit tests, on the
 * 127.0.0.1 server of http_server.h. It answers the JSON protocol's batch
 * actions entry by entry (a receipt handle containing "fail" always fails,
 * one containing "flaky" fails the first time it is seen), can fail whole
 * requests with HTTP 500, hands out scripted ReceiveMessage replies (an empty
 * one when none is left), answers GetQueueAttributes with the scripted
 * attributes the request names (as SQS does: unknown ones are left out), and
 * records every batch entry it was sent. */
#ifndef ES_TEST_SQS_FAKE_H
#define ES_TEST_SQS_FAKE_H

#include <stdbool.h>
#include <stddef.h>

#include "aws/client/config.h"
#include "aws/sqs/sqs.h"

typedef struct es_test_sqs es_test_sqs;

/* One entry of a batch request, in the order received. */
typedef struct es_test_sqs_entry {
    char action[40]; /* "DeleteMessageBatch", "ChangeMessageVisibilityBatch" */
    char receipt[64];
    int visibility;    /* VisibilityTimeout, -1 when absent */
    size_t request;    /* which batch request (0-based, over all actions) */
    size_t batch_size; /* entries in that request */
    bool failed;       /* answered as failed */
} es_test_sqs_entry;

/* Fills cfg for a local test endpoint at url (S3 and SQS): region
 * us-east-1, one attempt per call, short connect timeout. */
void es_test_local_aws_config(es_aws_config *cfg, const char *url);

/* Starts the server and a client for it; NULL on failure. */
es_test_sqs *es_test_sqs_start(void);
/* Stops the server and frees the client; accepts NULL. */
void es_test_sqs_stop(es_test_sqs *q);
/* The client (one attempt per call, static credentials), owned by q. */
es_sqs_client *es_test_sqs_client(es_test_sqs *q);
const char *es_test_sqs_queue_url(void);

/* The next n batch requests are answered HTTP 500 (InternalError). */
void es_test_sqs_fail_requests(es_test_sqs *q, unsigned n);
/* Queues a ReceiveMessage reply with count messages "<prefix>N" (message id,
 * receipt handle "rh-<prefix>N", body given; NULL body = "not an event"). */
void es_test_sqs_script_receive(es_test_sqs *q, const char *prefix, size_t count, const char *body);
/* Queues a ReceiveMessage reply of exactly this text. */
void es_test_sqs_script_reply(es_test_sqs *q, const char *text);
/* Queues a ReceiveMessage reply of `bytes` bytes (an empty message list
 * padded with spaces): an answer over the client's response cap. */
void es_test_sqs_script_oversized(es_test_sqs *q, size_t bytes);

/* Sets (or replaces) a queue attribute that GetQueueAttributes reports. */
void es_test_sqs_set_attribute(es_test_sqs *q, const char *name, const char *value);

/* Requests received with X-Amz-Target AmazonSQS.<action> (NULL = any). */
size_t es_test_sqs_calls(es_test_sqs *q, const char *action);
/* Copies the MaxNumberOfMessages of each ReceiveMessage so far (up to cap)
 * into out; returns how many receives there were. */
size_t es_test_sqs_receive_sizes(es_test_sqs *q, int *out, size_t cap);
/* Copies recorded batch entries (up to cap) into out; returns how many there are. */
size_t es_test_sqs_entries(es_test_sqs *q, es_test_sqs_entry *out, size_t cap);

#endif
