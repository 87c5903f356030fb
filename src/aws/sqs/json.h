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

/* ReceiveMessage: {"Messages": [{MessageId, ReceiptHandle, Body, MD5OfBody,
 * Attributes: {ApproximateReceiveCount}}]}; an empty object means no message.
 * MD5OfBody, when present, must match the body. */
ES_MUST_USE es_err es_sqs_json_parse_receive(const uint8_t *body, size_t len, es_sqs_message **msgs,
                                             size_t *count);

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
