/* json.h - SQS JSON-protocol response parsing (the ReceiveMessage reply with
 * common/json_scan.h, the others with jansson), kept apart from
 * the transport so the parsers can be unit-tested and fuzzed on bytes. All
 * parsers accept arbitrary input and fail with ES_ERR_PROTOCOL on anything
 * unexpected; nothing is left allocated on failure. */
#ifndef ES_AWS_SQS_JSON_H
#define ES_AWS_SQS_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "aws/client/config.h"
#include "aws/sqs/sqs.h"

/* Error body {"__type": "com.amazonaws.sqs#QueueDoesNotExist", "message": ...}:
 * fills res->aws_code (namespace stripped) and res->message when present. */
void es_sqs_json_parse_error(const uint8_t *body, size_t len, es_aws_result *res);

/* A message of a ReceiveMessage answer that was left out: its position in
 * the answer, its MessageId ("" when it has none usable, or one of
 * ES_SQS_SKIPPED_ID_MAX bytes or more) and what is wrong with it. */
#define ES_SQS_SKIPPED_ID_MAX 128
typedef void (*es_sqs_skip_fn)(void *ctx, size_t index, const char *message_id, const char *problem);

/* ReceiveMessage: {"Messages": [{MessageId, ReceiptHandle, Body, MD5OfBody,
 * Attributes: {ApproximateReceiveCount}}]}; an empty object means no message.
 * MD5OfBody, when present, must match the body. A message that cannot be
 * used (not an object, no MessageId or ReceiptHandle, a Body that is not a
 * string or does not match MD5OfBody, a malformed attribute) is left out and
 * reported to on_skip (may be NULL); the others are returned, and *count may
 * then be 0. An answer that is not such a document at all is
 * ES_ERR_PROTOCOL. */
ES_MUST_USE es_err es_sqs_json_parse_receive(const uint8_t *body, size_t len, es_sqs_message **msgs,
                                             size_t *count, es_sqs_skip_fn on_skip, void *skip_ctx);

/* Delete/ChangeVisibility batch replies: entries[i] has Id "i". Entries listed
 * under "Failed" or missing from both lists get failed=1 and an error text. */
ES_MUST_USE es_err es_sqs_json_parse_batch(const uint8_t *body, size_t len, es_sqs_batch_entry *entries,
                                           size_t n);

/* The string member `name` of the top-level object into out. */
ES_MUST_USE es_err es_sqs_json_get_string(const uint8_t *body, size_t len, const char *name, char *out,
                                          size_t out_size);

/* GetQueueAttributes: {"Attributes": {name: value}} -> value of name. */
ES_MUST_USE es_err es_sqs_json_parse_attribute(const uint8_t *body, size_t len, const char *name, char *out,
                                               size_t out_size);
/* The same for several attributes of one reply; each must be present. */
ES_MUST_USE es_err es_sqs_json_parse_attributes(const uint8_t *body, size_t len,
                                                const es_sqs_attribute *attrs, size_t count);

#endif
