/* internal.h - the call helper shared by operations.c and the tests' queue
 * administration (tests/support/sqs_admin.c): one
 * AmazonSQS.<Action> request with a JSON body, posted to the SQS endpoint. */
#ifndef ES_AWS_SQS_INTERNAL_H
#define ES_AWS_SQS_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>

#include "aws/client/client.h"
#include "aws/sqs/sqs.h"

#define ES_SQS_RECEIVE_MAX_RESPONSE (16u << 20)

typedef struct es_sqs_call_opts {
    long timeout_ms;
    long min_low_speed_s;
    size_t max_response;
    es_aws_success_fn on_success;
    void *success_ctx;
} es_sqs_call_opts;

/* Posts body (a JSON object; the reference is stolen, NULL means the caller
 * ran out of memory building it) as AmazonSQS.<action>. opts may be NULL. */
ES_MUST_USE es_err es_sqs_call(es_sqs_client *c, const char *action, json_t *body,
                               const es_sqs_call_opts *opts, es_aws_result *res);

/* Success handler that copies the reply's top-level string member `name`
 * into a buffer. */
typedef struct es_sqs_string_out {
    const char *name;
    char *out;
    size_t size;
} es_sqs_string_out;
es_err es_sqs_string_member(void *ctx, const es_http_response *resp, es_aws_result *res);

#endif
