/* json.c - parsing of SQS JSON-protocol responses (json.h). */
#include "aws/sqs/json.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws/sigv4/crypto_dl.h"
#include "common/hex.h"

static json_t *s_load(const uint8_t *body, size_t len)
{
    if (!body || len == 0)
        return NULL;
    json_error_t jerr;
    json_t *root = json_loadb((const char *)body, len, JSON_REJECT_DUPLICATES, &jerr);
    if (root && !json_is_object(root)) {
        json_decref(root);
        return NULL;
    }
    return root;
}

static void s_copy_trunc(char *dst, size_t size, const char *src)
{
    snprintf(dst, size, "%s", src ? src : "");
}

void es_sqs_json_parse_error(const uint8_t *body, size_t len, es_aws_result *res)
{
    json_t *root = s_load(body, len);
    if (!root)
        return;
    const char *type = json_string_value(json_object_get(root, "__type"));
    if (type) {
        /* "com.amazonaws.sqs#QueueDoesNotExist"; REST-JSON style may append ":uri". */
        const char *hash = strrchr(type, '#');
        if (hash)
            type = hash + 1;
        size_t n = strcspn(type, ":");
        if (n >= sizeof res->aws_code)
            n = sizeof res->aws_code - 1;
        memcpy(res->aws_code, type, n);
        res->aws_code[n] = '\0';
    }
    const char *msg = json_string_value(json_object_get(root, "message"));
    if (!msg)
        msg = json_string_value(json_object_get(root, "Message"));
    if (msg)
        s_copy_trunc(res->message, sizeof res->message, msg);
    json_decref(root);
}

void es_sqs_messages_free(es_sqs_message *msgs, size_t count)
{
    if (!msgs)
        return;
    for (size_t i = 0; i < count; i++) {
        free(msgs[i].message_id);
        free(msgs[i].receipt_handle);
        free(msgs[i].body);
    }
    free(msgs);
}

/* True unless md5_hex is present and does not match body. */
static bool s_md5_ok(const char *body, const char *md5_hex)
{
    if (!md5_hex)
        return true;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    const es_crypto_api *cr = es_crypto_api_get(NULL);
    if (!cr || !cr->Digest(body, strlen(body), md, &md_len, cr->md5_md, NULL) || md_len != 16)
        return true; /* MD5 unavailable (FIPS, or no libcrypto): nothing to compare */
    char hex[33];
    es_hex_encode(md, 16, hex);
    return strlen(md5_hex) == 32 && strncasecmp(hex, md5_hex, 32) == 0;
}

static es_err s_parse_count(json_t *attrs, int *out)
{
    *out = 0;
    json_t *v = json_object_get(attrs, "ApproximateReceiveCount");
    if (!v)
        return ES_OK;
    const char *s = json_string_value(v);
    ES_ENSURE(s && s[0], ES_ERR_PROTOCOL);
    char *end = NULL;
    long n = strtol(s, &end, 10);
    ES_ENSURE(*end == '\0' && n >= 0 && n <= 1000000000L, ES_ERR_PROTOCOL);
    *out = (int)n;
    return ES_OK;
}

/* SentTimestamp: epoch milliseconds as a decimal string; absent = 0. */
static es_err s_parse_sent(json_t *attrs, uint64_t *out)
{
    *out = 0;
    json_t *v = json_object_get(attrs, "SentTimestamp");
    if (!v)
        return ES_OK;
    const char *s = json_string_value(v);
    ES_ENSURE(s && s[0] >= '0' && s[0] <= '9' && strlen(s) <= 15, ES_ERR_PROTOCOL);
    char *end = NULL;
    unsigned long long n = strtoull(s, &end, 10);
    ES_ENSURE(*end == '\0', ES_ERR_PROTOCOL);
    *out = (uint64_t)n;
    return ES_OK;
}

static es_err s_parse_message(json_t *m, es_sqs_message *out)
{
    ES_ENSURE(json_is_object(m), ES_ERR_PROTOCOL);
    const char *id = json_string_value(json_object_get(m, "MessageId"));
    const char *rh = json_string_value(json_object_get(m, "ReceiptHandle"));
    json_t *bodyv = json_object_get(m, "Body");
    const char *body = bodyv ? json_string_value(bodyv) : "";
    json_t *md5v = json_object_get(m, "MD5OfBody");
    const char *md5 = md5v ? json_string_value(md5v) : NULL;
    ES_ENSURE(id && id[0] && rh && rh[0] && body && (!md5v || md5), ES_ERR_PROTOCOL);
    ES_ENSURE(s_md5_ok(body, md5), ES_ERR_PROTOCOL);
    json_t *attrs = json_object_get(m, "Attributes");
    ES_ENSURE(!attrs || json_is_object(attrs), ES_ERR_PROTOCOL);
    ES_GUARD(s_parse_count(attrs, &out->receive_count));
    ES_GUARD(s_parse_sent(attrs, &out->sent_timestamp_ms));
    out->message_id = strdup(id);
    out->receipt_handle = strdup(rh);
    out->body = strdup(body);
    ES_ENSURE(out->message_id && out->receipt_handle && out->body, ES_ERR_NOMEM);
    return ES_OK;
}

es_err es_sqs_json_parse_receive(const uint8_t *body, size_t len, es_sqs_message **msgs, size_t *count)
{
    ES_ENSURE(msgs && count, ES_ERR_INVALID_ARG);
    *msgs = NULL;
    *count = 0;
    json_t *root = s_load(body, len);
    ES_ENSURE(root, ES_ERR_PROTOCOL);
    es_err rc = ES_OK;
    json_t *arr = json_object_get(root, "Messages");
    size_t n = arr ? json_array_size(arr) : 0;
    es_sqs_message *out = NULL;
    if (arr && (!json_is_array(arr) || n > ES_SQS_MAX_RECEIVE_PARSED)) {
        rc = ES_ERR_PROTOCOL;
    } else if (n > 0) {
        out = calloc(n, sizeof *out);
        rc = out ? ES_OK : ES_ERR_NOMEM;
        for (size_t i = 0; rc == ES_OK && i < n; i++)
            rc = s_parse_message(json_array_get(arr, i), &out[i]);
    }
    json_decref(root);
    if (rc != ES_OK) {
        es_sqs_messages_free(out, n);
        return rc;
    }
    *msgs = out;
    *count = n;
    return ES_OK;
}

/* "3" -> 3 when it names one of the n entries, else -1. */
static long s_entry_index(json_t *item, size_t n)
{
    const char *id = json_string_value(json_object_get(item, "Id"));
    if (!id || !id[0] || strlen(id) > 2)
        return -1;
    char *end = NULL;
    long i = strtol(id, &end, 10);
    return (*end == '\0' && i >= 0 && (size_t)i < n) ? i : -1;
}

es_err es_sqs_json_parse_batch(const uint8_t *body, size_t len, es_sqs_batch_entry *entries, size_t n)
{
    ES_ENSURE(entries || n == 0, ES_ERR_INVALID_ARG);
    ES_ENSURE(n <= ES_SQS_MAX_BATCH, ES_ERR_INVALID_ARG);
    bool seen[ES_SQS_MAX_BATCH] = {false};
    for (size_t i = 0; i < n; i++) {
        entries[i].failed = 1;
        snprintf(entries[i].error, sizeof entries[i].error, "no result for this entry");
    }
    json_t *root = s_load(body, len);
    ES_ENSURE(root, ES_ERR_PROTOCOL);
    json_t *ok = json_object_get(root, "Successful");
    json_t *bad = json_object_get(root, "Failed");
    es_err rc = ES_OK;
    if ((ok && !json_is_array(ok)) || (bad && !json_is_array(bad)))
        rc = ES_ERR_PROTOCOL;
    size_t idx;
    json_t *item;
    if (rc == ES_OK && ok) {
        json_array_foreach(ok, idx, item)
        {
            long i = s_entry_index(item, n);
            if (i < 0 || seen[i])
                continue;
            seen[i] = true;
            entries[i].failed = 0;
            entries[i].error[0] = '\0';
        }
    }
    if (rc == ES_OK && bad) {
        json_array_foreach(bad, idx, item)
        {
            long i = s_entry_index(item, n);
            if (i < 0 || seen[i])
                continue;
            seen[i] = true;
            const char *code = json_string_value(json_object_get(item, "Code"));
            const char *msg = json_string_value(json_object_get(item, "Message"));
            entries[i].failed = 1;
            bool has_msg = msg && msg[0];
            snprintf(entries[i].error, sizeof entries[i].error, "%.60s%s%.60s",
                     code && code[0] ? code : "failed", has_msg ? ": " : "", has_msg ? msg : "");
        }
    }
    json_decref(root);
    return rc;
}

static es_err s_copy_string(json_t *v, char *out, size_t out_size)
{
    const char *s = json_string_value(v);
    ES_ENSURE(s, ES_ERR_PROTOCOL);
    ES_ENSURE(strlen(s) < out_size, ES_ERR_TOO_LARGE);
    memcpy(out, s, strlen(s) + 1);
    return ES_OK;
}

/* The string member `name` of the object `container` (NULL: the top level). */
static es_err s_member_string(const uint8_t *body, size_t len, const char *container, const char *name,
                              char *out, size_t out_size)
{
    ES_ENSURE(name && out && out_size, ES_ERR_INVALID_ARG);
    out[0] = '\0';
    json_t *root = s_load(body, len);
    ES_ENSURE(root, ES_ERR_PROTOCOL);
    json_t *obj = container ? json_object_get(root, container) : root;
    es_err rc = json_is_object(obj) ? s_copy_string(json_object_get(obj, name), out, out_size)
                                    : ES_ERR_PROTOCOL;
    json_decref(root);
    return rc;
}

es_err es_sqs_json_get_string(const uint8_t *body, size_t len, const char *name, char *out, size_t out_size)
{
    return s_member_string(body, len, NULL, name, out, out_size);
}

es_err es_sqs_json_parse_attribute(const uint8_t *body, size_t len, const char *name, char *out, size_t out_size)
{
    return es_sqs_json_parse_attributes(body, len, &(es_sqs_attribute){name, out, out_size}, 1);
}

es_err es_sqs_json_parse_attributes(const uint8_t *body, size_t len, const es_sqs_attribute *attrs, size_t count)
{
    ES_ENSURE(attrs && count, ES_ERR_INVALID_ARG);
    for (size_t i = 0; i < count; i++) {
        ES_ENSURE(attrs[i].name && attrs[i].value && attrs[i].value_size, ES_ERR_INVALID_ARG);
        attrs[i].value[0] = '\0';
    }
    json_t *root = s_load(body, len);
    ES_ENSURE(root, ES_ERR_PROTOCOL);
    json_t *obj = json_object_get(root, "Attributes");
    es_err rc = json_is_object(obj) ? ES_OK : ES_ERR_PROTOCOL;
    for (size_t i = 0; i < count && rc == ES_OK; i++)
        rc = s_copy_string(json_object_get(obj, attrs[i].name), attrs[i].value, attrs[i].value_size);
    json_decref(root);
    return rc;
}
