/* json.c - parsing of SQS JSON-protocol responses (json.h). */
#include "aws/sqs/json.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws/sigv4/crypto_dl.h"
#include "common/hex.h"
#include "common/json_scan.h"

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

/* Whether body is the query protocol's error document (<ErrorResponse>). */
static bool s_is_query_error(const uint8_t *body, size_t len)
{
    static const char tag[] = "<ErrorResponse";
    return body && memmem(body, len, tag, sizeof tag - 1) != NULL;
}

void es_sqs_json_parse_error(const uint8_t *body, size_t len, es_aws_result *res)
{
    json_t *root = s_load(body, len);
    if (!root) {
        if (s_is_query_error(body, len))
            s_copy_trunc(
                res->message, sizeof res->message,
                "the answer is the query protocol's XML <ErrorResponse>, not AWS JSON 1.0: the "
                "endpoint may speak only that older protocol (exifstrip speaks the JSON protocol, as current AWS SDKs do)");
        return;
    }
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

/* The receive reply is read with the strict reader of common/json_scan.h
 * (the hot path: one reply per poll); its tokens live on the stack unless
 * the reply holds more than this many. */
#define S_RECEIVE_TOKENS 512

/* Attribute `name` of attrs, a decimal string, into *out (0 when absent):
 * ApproximateReceiveCount as strtol reads it, 0..1e9; SentTimestamp and
 * ApproximateFirstReceiveTimestamp (epoch milliseconds) as 1-15 digits.
 * Anything else fails. */
static es_err s_parse_number(const es_json_doc *doc, uint32_t attrs, const char *name, uint64_t *out)
{
    *out = 0;
    uint32_t v = es_json_member(doc, attrs, name);
    if (v == ES_JSON_NONE)
        return ES_OK;
    char s[64]; /* longer than any valid value */
    ES_ENSURE(es_json_type_of(doc, v) == ES_JSON_STRING && es_json_string(doc, v, s, sizeof s, NULL) == ES_OK,
              ES_ERR_PROTOCOL);
    char *end = NULL;
    if (strcmp(name, "ApproximateReceiveCount") != 0) { /* a timestamp */
        ES_ENSURE(s[0] >= '0' && s[0] <= '9' && strlen(s) <= 15, ES_ERR_PROTOCOL);
        *out = strtoull(s, &end, 10);
    } else {
        long n = strtol(s, &end, 10);
        ES_ENSURE(s[0] && n >= 0 && n <= 1000000000L, ES_ERR_PROTOCOL);
        *out = (uint64_t)n;
    }
    ES_ENSURE(*end == '\0', ES_ERR_PROTOCOL);
    return ES_OK;
}

/* True when t is a non-empty string. */
static bool s_nonempty_string(const es_json_doc *doc, uint32_t t)
{
    return es_json_type_of(doc, t) == ES_JSON_STRING && doc->toks[t].n > 0;
}

/* ES_ERR_PROTOCOL with why = problem. */
static es_err s_bad(char *why, size_t cap, const char *problem)
{
    snprintf(why, cap, "%s", problem);
    return ES_ERR_PROTOCOL;
}

/* Message m into out. A message that cannot be used fails with
 * ES_ERR_PROTOCOL and why says what is wrong with it; what was allocated
 * into out is the caller's to free either way. */
static es_err s_parse_message(const es_json_doc *doc, uint32_t m, es_sqs_message *out, char *why, size_t cap)
{
    if (es_json_type_of(doc, m) != ES_JSON_OBJECT)
        return s_bad(why, cap, "not an object");
    uint32_t id = es_json_member(doc, m, "MessageId");
    uint32_t rh = es_json_member(doc, m, "ReceiptHandle");
    uint32_t bodyv = es_json_member(doc, m, "Body");
    uint32_t md5v = es_json_member(doc, m, "MD5OfBody");
    if (!s_nonempty_string(doc, id))
        return s_bad(why, cap, "no MessageId (missing, empty or not a string)");
    if (!s_nonempty_string(doc, rh))
        return s_bad(why, cap, "no ReceiptHandle (missing, empty or not a string)");
    if (bodyv != ES_JSON_NONE && es_json_type_of(doc, bodyv) != ES_JSON_STRING)
        return s_bad(why, cap, "Body is not a string");
    if (md5v != ES_JSON_NONE && es_json_type_of(doc, md5v) != ES_JSON_STRING)
        return s_bad(why, cap, "MD5OfBody is not a string");
    uint32_t attrs = es_json_member(doc, m, "Attributes");
    if (attrs != ES_JSON_NONE && es_json_type_of(doc, attrs) != ES_JSON_OBJECT)
        return s_bad(why, cap, "Attributes is not an object");
    uint64_t receive_count;
    if (s_parse_number(doc, attrs, "ApproximateReceiveCount", &receive_count) != ES_OK)
        return s_bad(why, cap, "ApproximateReceiveCount is not a decimal string from 0 to 1000000000");
    out->receive_count = (int)receive_count;
    if (s_parse_number(doc, attrs, "SentTimestamp", &out->sent_timestamp_ms) != ES_OK)
        return s_bad(why, cap, "SentTimestamp is not a string of 1 to 15 decimal digits");
    if (s_parse_number(doc, attrs, "ApproximateFirstReceiveTimestamp", &out->first_receive_ms) != ES_OK)
        return s_bad(why, cap, "ApproximateFirstReceiveTimestamp is not a string of 1 to 15 decimal digits");
    /* Body and MD5OfBody are strings when present, MessageId and ReceiptHandle always (checked above). */
    out->body = bodyv == ES_JSON_NONE ? strdup("") : es_json_string_dup(doc, bodyv, NULL);
    ES_ENSURE(out->body, ES_ERR_NOMEM);
    if (md5v != ES_JSON_NONE) {
        char md5[64];
        /* a value longer than 32 characters cannot match (nor be checked without MD5) */
        bool fits = es_json_string(doc, md5v, md5, sizeof md5, NULL) == ES_OK;
        if (!s_md5_ok(out->body, fits ? md5 : "-")) {
            snprintf(why, cap, "MD5OfBody %.32s%s does not match the body (%zu bytes)",
                     fits ? md5 : "(over 63 bytes)", fits && strlen(md5) > 32 ? "..." : "", strlen(out->body));
            return ES_ERR_PROTOCOL;
        }
    }
    out->message_id = es_json_string_dup(doc, id, NULL);
    out->receipt_handle = es_json_string_dup(doc, rh, NULL);
    ES_ENSURE(out->message_id && out->receipt_handle, ES_ERR_NOMEM);
    return ES_OK;
}

/* Frees what s_parse_message allocated into msg and clears it. */
static void s_message_clear(es_sqs_message *msg)
{
    free(msg->message_id);
    free(msg->receipt_handle);
    free(msg->body);
    memset(msg, 0, sizeof *msg);
}

/* The MessageId of message m for a report of it: "" when it has none that
 * is a string of at most ES_SQS_SKIPPED_ID_MAX - 1 bytes. */
static void s_skipped_id(const es_json_doc *doc, uint32_t m, char *out, size_t cap)
{
    uint32_t id = es_json_member(doc, m, "MessageId");
    if (es_json_type_of(doc, id) != ES_JSON_STRING || es_json_string(doc, id, out, cap, NULL) != ES_OK)
        out[0] = '\0';
}

es_err es_sqs_json_parse_receive(const uint8_t *body, size_t len, es_sqs_message **msgs, size_t *count,
                                 es_sqs_skip_fn on_skip, void *skip_ctx)
{
    ES_ENSURE(msgs && count, ES_ERR_INVALID_ARG);
    *msgs = NULL;
    *count = 0;
    ES_ENSURE(body && len > 0, ES_ERR_PROTOCOL);
    es_json_tok toks[S_RECEIVE_TOKENS];
    es_json_doc doc;
    es_err rc = es_json_parse_grow(&doc, (const char *)body, len, toks, S_RECEIVE_TOKENS);
    if (rc != ES_OK)
        return rc == ES_ERR_NOMEM ? rc : ES_ERR_PROTOCOL;
    uint32_t arr = es_json_member(&doc, 0, "Messages");
    size_t n = es_json_size(&doc, arr), kept = 0;
    es_sqs_message *out = NULL;
    if (es_json_type_of(&doc, 0) != ES_JSON_OBJECT ||
        (arr != ES_JSON_NONE && (es_json_type_of(&doc, arr) != ES_JSON_ARRAY || n > ES_SQS_MAX_RECEIVE_PARSED))) {
        rc = ES_ERR_PROTOCOL;
    } else if (n > 0) {
        out = calloc(n, sizeof *out);
        rc = out ? ES_OK : ES_ERR_NOMEM;
        uint32_t m = es_json_first(&doc, arr);
        for (size_t i = 0; rc == ES_OK && i < n; i++, m = es_json_next(&doc, arr, m)) {
            char why[160] = "";
            rc = s_parse_message(&doc, m, &out[kept], why, sizeof why);
            if (rc == ES_OK) {
                kept++;
            } else if (rc == ES_ERR_PROTOCOL) { /* this message only: left out, the others kept */
                s_message_clear(&out[kept]);
                char id[ES_SQS_SKIPPED_ID_MAX];
                s_skipped_id(&doc, m, id, sizeof id);
                if (on_skip)
                    on_skip(skip_ctx, i, id, why);
                rc = ES_OK;
            }
        }
    }
    es_json_doc_free(&doc);
    if (rc != ES_OK || kept == 0) {
        es_sqs_messages_free(out, n); /* unused entries are zeroed */
        return rc;
    }
    *msgs = out;
    *count = kept;
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
