/* operations.c - the SQS operations of sqs.h over the JSON 1.0 protocol: POST / on
 * the SQS endpoint (configured or regional - never the queue URL's host),
 * Content-Type application/x-amz-json-1.0, X-Amz-Target AmazonSQS.<Action>,
 * QueueUrl in the body. Long polls get a transfer timeout beyond the wait. */
#include "aws/http/retry.h"
#include "aws/sqs/sqs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/sigv4/sigv4.h"
#include "aws/sqs/internal.h"
#include "aws/sqs/json.h"
#include "common/log.h"

struct es_sqs_client {
    es_aws_client *core;
};

static void s_parse_error(const es_http_response *resp, es_aws_result *res)
{
    if (resp->body.len)
        es_sqs_json_parse_error(resp->body.bytes, resp->body.len, res);
    /* The awsQuery-compatible code ("AWS.SimpleQueueService.NonExistentQueue;Sender"). */
    const char *q = es_http_headers_get(&resp->headers, "x-amzn-query-error");
    if (!res->aws_code[0] && q) {
        size_t n = strcspn(q, ";");
        if (n >= sizeof res->aws_code)
            n = sizeof res->aws_code - 1;
        memcpy(res->aws_code, q, n);
        res->aws_code[n] = '\0';
    }
}

static const es_aws_service s_sqs_service = {
    .name = "sqs",
    .sign_flags = 0,
    .parse_error = s_parse_error,
};

void es_sqs_client_describe(const es_sqs_client *c, char *out, size_t cap)
{
    es_aws_client_describe(c->core, out, cap);
}

es_sqs_client *es_sqs_client_new(const es_aws_config *cfg, es_creds_provider *creds)
{
    if (!cfg)
        return NULL;
    es_sqs_client *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->core = es_aws_client_new(cfg, creds, &s_sqs_service, cfg->sqs_endpoint);
    if (!c->core) {
        free(c);
        return NULL;
    }
    return c;
}

void es_sqs_client_free(es_sqs_client *c)
{
    if (!c)
        return;
    es_aws_client_free(c->core);
    free(c);
}

es_err es_sqs_call(es_sqs_client *c, const char *action, json_t *body, const es_sqs_call_opts *opts,
                   es_aws_result *res)
{
    if (!body)
        return es_aws_bad_arg(res, "request body (out of memory or bad value)");
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    if (!c || !text) {
        free(text);
        return es_aws_bad_arg(res, c ? "request body" : "client");
    }
    char target[96];
    snprintf(target, sizeof target, "AmazonSQS.%s", action);
    es_aws_header hdr[] = {
        {"content-type", "application/x-amz-json-1.0"},
        {"x-amz-target", target},
    };
    static const es_sqs_call_opts none = {0};
    if (!opts)
        opts = &none;
    es_aws_request req = {
        .method = "POST",
        .path = "/",
        .headers = hdr,
        .header_count = 2,
        .body = (const uint8_t *)text,
        .body_len = strlen(text),
        .max_response = opts->max_response,
        .timeout_ms = opts->timeout_ms,
        .min_low_speed_s = opts->min_low_speed_s,
        .on_success = opts->on_success,
        .success_ctx = opts->success_ctx,
    };
    es_err rc = es_aws_call(c->core, &req, NULL, res);
    free(text);
    return rc;
}

es_err es_sqs_string_member(void *ctx, const es_http_response *resp, es_aws_result *res)
{
    (void)res;
    es_sqs_string_out *o = ctx;
    return es_sqs_json_get_string(resp->body.bytes, resp->body.len, o->name, o->out, o->size);
}

static bool s_url_ok(const char *queue_url) { return queue_url && queue_url[0]; }

/* ---- receive ----------------------------------------------------------- */

typedef struct s_recv {
    es_sqs_message *msgs;
    size_t count;
} s_recv;

/* A message of the answer that cannot be used is left out (es_sqs_json_parse_receive) and said so here. */
static void s_recv_skipped(void *ctx, size_t index, const char *message_id, const char *problem)
{
    const es_aws_result *res = ctx;
    ES_LOG(ES_LOG_WARN, "sqs.message_skipped", ES_LF_STR("message_id", message_id[0] ? message_id : NULL),
           ES_LF_UINT("index", index), ES_LF_STR("reason", problem),
           ES_LF_STR("request_id", res->request_id[0] ? res->request_id : NULL),
           ES_LF_STR("note", "the other messages of the answer are kept; this one is redelivered after the "
                             "visibility timeout (to the dead-letter queue after maxReceiveCount)"));
}

static es_err s_recv_done(void *ctx, const es_http_response *resp, es_aws_result *res)
{
    s_recv *r = ctx;
    ES_GUARD(es_sqs_json_parse_receive(resp->body.bytes, resp->body.len, &r->msgs, &r->count, s_recv_skipped,
                                       res));
    time_t answered;
    if (es_retry_server_time(es_http_headers_get(&resp->headers, "Date"), &answered) && answered > 0)
        for (size_t i = 0; i < r->count; i++)
            r->msgs[i].answered_ms = (uint64_t)answered * 1000u;
    return ES_OK;
}

es_err es_sqs_receive(es_sqs_client *c, const char *queue_url, int max_messages, int wait_seconds,
                      int visibility_timeout, es_sqs_message **msgs, size_t *count, es_aws_result *res)
{
    if (!msgs || !count)
        return es_aws_bad_arg(res, "output");
    *msgs = NULL;
    *count = 0;
    if (!s_url_ok(queue_url) || max_messages < 1 || max_messages > ES_SQS_MAX_BATCH || wait_seconds < 0 ||
        wait_seconds > 20 || visibility_timeout > ES_SQS_MAX_VISIBILITY_S)
        return es_aws_bad_arg(res, "receive parameters");
    json_t *body = json_pack("{s:s, s:i, s:i, s:[s,s,s], s:[s,s,s]}", "QueueUrl", queue_url,
                             "MaxNumberOfMessages", max_messages, "WaitTimeSeconds", wait_seconds,
                             "AttributeNames", "ApproximateReceiveCount", "SentTimestamp",
                             "ApproximateFirstReceiveTimestamp", "MessageSystemAttributeNames",
                             "ApproximateReceiveCount", "SentTimestamp", "ApproximateFirstReceiveTimestamp");
    if (body && visibility_timeout >= 0 &&
        json_object_set_new(body, "VisibilityTimeout", json_integer(visibility_timeout)) != 0) {
        json_decref(body);
        body = NULL;
    }
    s_recv r = {0};
    es_sqs_call_opts opts = {
        .timeout_ms = (wait_seconds + 20) * 1000L,
        .min_low_speed_s = wait_seconds + 10,
        .max_response = ES_SQS_RECEIVE_MAX_RESPONSE,
        .on_success = s_recv_done,
        .success_ctx = &r,
    };
    es_err rc = es_sqs_call(c, "ReceiveMessage", body, &opts, res);
    if (rc == ES_OK) {
        *msgs = r.msgs;
        *count = r.count;
    } else {
        es_sqs_messages_free(r.msgs, r.count);
    }
    return rc;
}

/* ---- delete / visibility ---------------------------------------------- */

es_err es_sqs_delete(es_sqs_client *c, const char *queue_url, const char *receipt_handle, es_aws_result *res)
{
    if (!s_url_ok(queue_url) || !receipt_handle || !receipt_handle[0])
        return es_aws_bad_arg(res, "queue url or receipt handle");
    json_t *body = json_pack("{s:s, s:s}", "QueueUrl", queue_url, "ReceiptHandle", receipt_handle);
    return es_sqs_call(c, "DeleteMessage", body, NULL, res);
}

es_err es_sqs_change_visibility(es_sqs_client *c, const char *queue_url, const char *receipt_handle,
                                int timeout, es_aws_result *res)
{
    if (!s_url_ok(queue_url) || !receipt_handle || !receipt_handle[0] || timeout < 0 ||
        timeout > ES_SQS_MAX_VISIBILITY_S)
        return es_aws_bad_arg(res, "queue url, receipt handle or timeout");
    json_t *body = json_pack("{s:s, s:s, s:i}", "QueueUrl", queue_url, "ReceiptHandle", receipt_handle,
                             "VisibilityTimeout", timeout);
    return es_sqs_call(c, "ChangeMessageVisibility", body, NULL, res);
}

typedef struct s_batch {
    es_sqs_batch_entry *entries;
    size_t n;
} s_batch;

static es_err s_batch_done(void *ctx, const es_http_response *resp, es_aws_result *res)
{
    (void)res;
    s_batch *b = ctx;
    return es_sqs_json_parse_batch(resp->body.bytes, resp->body.len, b->entries, b->n);
}

static es_err s_send_batch(es_sqs_client *c, const char *action, const char *queue_url,
                           es_sqs_batch_entry *entries, size_t n, bool with_timeout, es_aws_result *res)
{
    if (!s_url_ok(queue_url) || !entries || n < 1 || n > ES_SQS_MAX_BATCH)
        return es_aws_bad_arg(res, "batch");
    json_t *list = json_array();
    for (size_t i = 0; list && i < n; i++) {
        const es_sqs_batch_entry *e = &entries[i];
        if (!e->receipt_handle || !e->receipt_handle[0] ||
            (with_timeout && (e->visibility_timeout < 0 || e->visibility_timeout > ES_SQS_MAX_VISIBILITY_S))) {
            json_decref(list);
            return es_aws_bad_arg(res, "batch entry");
        }
        char id[24];
        snprintf(id, sizeof id, "%zu", i);
        json_t *item = json_pack("{s:s, s:s}", "Id", id, "ReceiptHandle", e->receipt_handle);
        if (item && with_timeout &&
            json_object_set_new(item, "VisibilityTimeout", json_integer(e->visibility_timeout)) != 0) {
            json_decref(item);
            item = NULL;
        }
        if (!item || json_array_append_new(list, item) != 0) {
            json_decref(list);
            list = NULL;
        }
    }
    json_t *body = list ? json_pack("{s:s, s:o}", "QueueUrl", queue_url, "Entries", list) : NULL;
    s_batch b = {entries, n};
    es_sqs_call_opts opts = {.on_success = s_batch_done, .success_ctx = &b};
    return es_sqs_call(c, action, body, &opts, res);
}

es_err es_sqs_delete_batch(es_sqs_client *c, const char *queue_url, es_sqs_batch_entry *entries, size_t n,
                           es_aws_result *res)
{
    return s_send_batch(c, "DeleteMessageBatch", queue_url, entries, n, false, res);
}

es_err es_sqs_change_visibility_batch(es_sqs_client *c, const char *queue_url, es_sqs_batch_entry *entries,
                                      size_t n, es_aws_result *res)
{
    return s_send_batch(c, "ChangeMessageVisibilityBatch", queue_url, entries, n, true, res);
}

/* ---- send / attributes ------------------------------------------------- */

es_err es_sqs_send(es_sqs_client *c, const char *queue_url, const char *body_text, char *message_id,
                   size_t message_id_size, es_aws_result *res)
{
    if (!s_url_ok(queue_url) || !body_text || !body_text[0] || (message_id && !message_id_size))
        return es_aws_bad_arg(res, "queue url or message body");
    char scratch[128];
    es_sqs_string_out out = {.name = "MessageId",
                             .out = message_id ? message_id : scratch,
                             .size = message_id ? message_id_size : sizeof scratch};
    json_t *body = json_pack("{s:s, s:s}", "QueueUrl", queue_url, "MessageBody", body_text);
    es_sqs_call_opts opts = {.on_success = es_sqs_string_member, .success_ctx = &out};
    return es_sqs_call(c, "SendMessage", body, &opts, res);
}

typedef struct s_attributes_out {
    const es_sqs_attribute *attrs;
    size_t count;
} s_attributes_out;

static es_err s_attributes_member(void *ctx, const es_http_response *resp, es_aws_result *res)
{
    (void)res;
    const s_attributes_out *o = ctx;
    return es_sqs_json_parse_attributes(resp->body.bytes, resp->body.len, o->attrs, o->count);
}

es_err es_sqs_get_attributes(es_sqs_client *c, const char *queue_url, const es_sqs_attribute *attrs,
                             size_t count, es_aws_result *res)
{
    if (!s_url_ok(queue_url) || !attrs || count == 0 || count > ES_SQS_MAX_ATTRIBUTES)
        return es_aws_bad_arg(res, "queue url or attribute list");
    json_t *names = json_array();
    for (size_t i = 0; i < count; i++) {
        if (!attrs[i].name || !attrs[i].name[0] || !attrs[i].value || !attrs[i].value_size) {
            json_decref(names);
            return es_aws_bad_arg(res, "attribute name or value buffer");
        }
        attrs[i].value[0] = '\0';
        if (names && json_array_append_new(names, json_string(attrs[i].name)) != 0) {
            json_decref(names);
            names = NULL;
        }
    }
    json_t *body = names ? json_pack("{s:s, s:o}", "QueueUrl", queue_url, "AttributeNames", names) : NULL;
    s_attributes_out out = {attrs, count};
    es_sqs_call_opts opts = {.on_success = s_attributes_member, .success_ctx = &out};
    return es_sqs_call(c, "GetQueueAttributes", body, &opts, res);
}

es_err es_sqs_get_attribute(es_sqs_client *c, const char *queue_url, const char *name, char *value,
                            size_t value_size, es_aws_result *res)
{
    return es_sqs_get_attributes(c, queue_url, &(es_sqs_attribute){name, value, value_size}, 1, res);
}
