/* sqs_response_fuzz.c - libFuzzer target for SQS JSON response parsing.
 *
 * Target Functions: es_sqs_json_parse_receive, es_sqs_json_parse_batch,
 * es_sqs_json_parse_error, es_sqs_json_get_string, es_sqs_json_parse_attribute
 * (src/aws/sqs/json.c).
 *
 * Every parser runs on the input; successful results must be complete
 * (messages with id, handle and body; each batch entry decided). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aws/sqs/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    es_sqs_message *msgs = NULL;
    size_t n = 0;
    if (es_sqs_json_parse_receive(data, size, &msgs, &n, NULL, NULL) == ES_OK) {
        if (n > ES_SQS_MAX_RECEIVE_PARSED || (n && !msgs))
            abort();
        for (size_t i = 0; i < n; i++)
            if (!msgs[i].message_id || !msgs[i].receipt_handle || !msgs[i].body || msgs[i].receive_count < 0)
                abort();
        es_sqs_messages_free(msgs, n);
    } else if (msgs || n) {
        abort();
    }

    es_sqs_batch_entry entries[ES_SQS_MAX_BATCH];
    memset(entries, 0, sizeof entries);
    es_err batch_rc = es_sqs_json_parse_batch(data, size, entries, ES_SQS_MAX_BATCH);
    if (batch_rc != ES_OK && batch_rc != ES_ERR_PROTOCOL)
        abort();
    for (size_t i = 0; i < ES_SQS_MAX_BATCH; i++)
        if ((entries[i].failed != 0 && entries[i].failed != 1) ||
            strlen(entries[i].error) >= sizeof entries[i].error || (entries[i].failed && !entries[i].error[0]))
            abort();

    es_aws_result res;
    es_aws_result_clear(&res);
    es_sqs_json_parse_error(data, size, &res);
    if (strlen(res.aws_code) >= sizeof res.aws_code || strlen(res.message) >= sizeof res.message)
        abort();

    char out[64];
    if (es_sqs_json_get_string(data, size, "MessageId", out, sizeof out) == ES_OK && strlen(out) >= sizeof out)
        abort();
    if (es_sqs_json_parse_attribute(data, size, "ApproximateNumberOfMessages", out, sizeof out) == ES_OK &&
        strlen(out) >= sizeof out)
        abort();
    return 0;
}
