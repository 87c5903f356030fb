/* worker_fixture.c - the worker integration-test helpers (worker_fixture.h),
 * built on the emulator helpers of aws_itest.h and the admin calls. */
#include "worker_fixture.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "s3_admin.h"
#include "sqs_admin.h"
#include "aws_itest.h"
#include "exifstrip/jpeg.h"
#include "fixture.h"

static int s_fail(const char *what, const es_aws_result *res)
{
    fprintf(stderr, "worker itest setup: %s failed: %s (%s)\n", what, res->message, res->aws_code);
    return -1;
}

int es_wfix_setup(es_wfix *w, int with_queue)
{
    memset(w, 0, sizeof *w);
    if (es_itest_clients_open(&w->emu) != 0)
        return -1;
    w->s3 = w->emu.s3;
    w->sqs = w->emu.sqs;
    es_aws_result res;
    es_aws_result_clear(&res);
    char dlq[64], q[64];
    es_itest_name(w->src, sizeof w->src, "src");
    es_itest_name(w->dst, sizeof w->dst, "dst");
    es_itest_name(dlq, sizeof dlq, "dlq");
    if (es_s3_create_bucket(w->s3, w->src, &res) != ES_OK)
        return s_fail("CreateBucket src", &res);
    if (es_s3_create_bucket(w->s3, w->dst, &res) != ES_OK)
        return s_fail("CreateBucket dst", &res);
    if (es_sqs_create_queue(w->sqs, dlq, NULL, w->dlq_url, sizeof w->dlq_url, &res) != ES_OK)
        return s_fail("CreateQueue dlq", &res);
    if (with_queue) {
        es_itest_name(q, sizeof q, "events");
        if (es_sqs_create_queue(w->sqs, q, NULL, w->queue_url, sizeof w->queue_url, &res) != ES_OK)
            return s_fail("CreateQueue events", &res);
    }
    es_cfg_defaults(&w->cfg);
    snprintf(w->cfg.queue_url, sizeof w->cfg.queue_url, "%s",
             w->queue_url[0] ? w->queue_url : "http://127.0.0.1:1/000000000000/unused");
    snprintf(w->cfg.dest_bucket, sizeof w->cfg.dest_bucket, "%s", w->dst);
    snprintf(w->cfg.source_buckets[0], sizeof w->cfg.source_buckets[0], "%s", w->src);
    w->cfg.source_bucket_count = 1;
    snprintf(w->cfg.dlq_url, sizeof w->cfg.dlq_url, "%s", w->dlq_url);
    w->cfg.part_size = 5u << 20;
    w->cfg.heartbeat_file[0] = '\0';
    return 0;
}

void es_wfix_teardown(es_wfix *w)
{
    es_itest_clear_faults();
    es_aws_result res;
    es_aws_result_clear(&res);
    es_err rc = ES_OK; /* best effort: leftovers vanish with the emulator */
    if (w->sqs && w->dlq_url[0])
        rc = es_sqs_delete_queue(w->sqs, w->dlq_url, &res);
    if (w->sqs && w->queue_url[0])
        rc = es_sqs_delete_queue(w->sqs, w->queue_url, &res);
    (void)rc;
    es_itest_clients_close(&w->emu);
    memset(w, 0, sizeof *w);
}

es_err es_wfix_put(es_wfix *w, const char *bucket, const char *key, const uint8_t *data, size_t len)
{
    es_aws_result res;
    es_aws_result_clear(&res);
    es_err rc = es_s3_put_object(w->s3, bucket, key, data, len, "image/jpeg", &res);
    if (rc != ES_OK)
        fprintf(stderr, "PutObject %s/%s: %s\n", bucket, key, res.message);
    return rc;
}

typedef struct s_sink {
    uint8_t *data;
    size_t len, cap;
    es_s3_object_info info;
} s_sink;

static es_err s_on_head(void *ctx, const es_s3_object_info *info)
{
    ((s_sink *)ctx)->info = *info;
    return ES_OK;
}

static es_err s_on_body(void *ctx, const uint8_t *data, size_t len)
{
    s_sink *s = ctx;
    return es_itest_append(&s->data, &s->len, &s->cap, data, len);
}

es_err es_wfix_get(es_wfix *w, const char *bucket, const char *key, uint8_t **out, size_t *len,
                   es_s3_object_info *info)
{
    s_sink sink;
    memset(&sink, 0, sizeof sink);
    es_s3_get_options opt = {.on_head = s_on_head, .on_body = s_on_body, .ctx = &sink};
    es_aws_result res;
    es_aws_result_clear(&res);
    es_err rc = es_s3_get_object(w->s3, bucket, key, &opt, &res);
    if (rc != ES_OK) {
        free(sink.data);
        return rc;
    }
    *out = sink.data ? sink.data : calloc(1, 1);
    *len = sink.len;
    if (info)
        *info = sink.info;
    return ES_OK;
}

es_err es_wfix_etag(es_wfix *w, const char *bucket, const char *key, char *out, size_t size)
{
    es_s3_object_info info;
    es_aws_result res;
    es_aws_result_clear(&res);
    ES_GUARD(es_s3_head_object(w->s3, bucket, key, &info, &res));
    const char *e = info.etag;
    size_t n = strlen(e);
    if (n >= 2 && e[0] == '"' && e[n - 1] == '"') {
        e++;
        n -= 2;
    }
    snprintf(out, size, "%.*s", (int)n, e);
    return ES_OK;
}

/* Form-encodes key the way S3 notifications do: space -> '+', unreserved and '/' kept. */
static void s_form_encode(const char *key, char *out, size_t size)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)key; *p && o + 4 < size; p++) {
        if (*p == ' ')
            out[o++] = '+';
        else if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
                 strchr("-_.~/", *p))
            out[o++] = (char)*p;
        else {
            out[o++] = '%';
            out[o++] = hex[*p >> 4];
            out[o++] = hex[*p & 15];
        }
    }
    out[o] = '\0';
}

void es_wfix_s3_event(char *out, size_t size, const char *bucket, const char *key, const char *etag,
                      const char *version_id, long long size_field)
{
    char enc[4096], extra[1400] = "";
    s_form_encode(key, enc, sizeof enc);
    size_t n = 0;
    if (etag)
        n += (size_t)snprintf(extra + n, sizeof extra - n, ",\"eTag\":\"%s\"", etag);
    if (version_id)
        n += (size_t)snprintf(extra + n, sizeof extra - n, ",\"versionId\":\"%s\"", version_id);
    if (size_field >= 0)
        snprintf(extra + n, sizeof extra - n, ",\"size\":%lld", size_field);
    snprintf(out, size,
             "{\"Records\":[{\"eventVersion\":\"2.1\",\"eventSource\":\"aws:s3\",\"awsRegion\":"
             "\"us-east-1\",\"eventName\":\"ObjectCreated:Put\",\"s3\":{\"s3SchemaVersion\":\"1.0\","
             "\"bucket\":{\"name\":\"%s\"},\"object\":{\"key\":\"%s\"%s,\"sequencer\":\"0A1B\"}}}]}",
             bucket, enc, extra);
}

uint8_t *es_wfix_pad_with_icc(const uint8_t *jpeg, size_t len, size_t total)
{
    const size_t full = 2 + 65535;  /* marker + the largest segment length (which counts itself) */
    const size_t head = 2 + 2 + 14; /* marker, length, "ICC_PROFILE\0", sequence number, count */
    size_t pad = total > len ? total - len : 0, chunks = (pad + full - 1) / full;
    size_t last = pad - (chunks ? chunks - 1 : 0) * full, first = full;
    if (chunks >= 2 && last < head) { /* move a little from the first chunk to the short last one */
        first -= head;
        last += head;
    }
    if (len < 2 || pad < head || chunks > 255 || last < head)
        return NULL;
    uint8_t *j = malloc(total);
    if (!j)
        return NULL;
    memcpy(j, jpeg, 2); /* SOI, then the ICC chunks, then the rest */
    size_t off = 2;
    for (size_t i = 0; i < chunks; i++) {
        size_t seg = i + 1 == chunks ? last : i == 0 ? first : full;
        uint8_t *s = j + off;
        s[0] = 0xFF;
        s[1] = 0xE2;
        s[2] = (uint8_t)((seg - 2) >> 8);
        s[3] = (uint8_t)(seg - 2);
        memcpy(s + 4, "ICC_PROFILE\0", 12);
        s[16] = (uint8_t)(i + 1);
        s[17] = (uint8_t)chunks;
        for (size_t k = 18; k < seg; k++)
            s[k] = (uint8_t)(k * 31 + i);
        off += seg;
    }
    /* A profile the stripper keeps byte for byte: a header with nothing to
     * scrub and one colour tag ('A2B0') over all the rest. */
    size_t data = off - 2 - chunks * head;
    uint8_t *h = j + 2 + head;
    if ((chunks == 1 ? last : first) < head + 144) {
        free(j);
        return NULL;
    }
    memset(h, 0, 144);
    h[0] = (uint8_t)(data >> 24);
    h[1] = (uint8_t)(data >> 16);
    h[2] = (uint8_t)(data >> 8);
    h[3] = (uint8_t)data;
    h[8] = 2;
    memcpy(h + 12, "mntrRGB XYZ ", 12);
    memcpy(h + 36, "acsp", 4);
    h[131] = 1;
    memcpy(h + 132, "A2B0", 4);
    h[139] = 144;
    h[140] = (uint8_t)((data - 144) >> 24);
    h[141] = (uint8_t)((data - 144) >> 16);
    h[142] = (uint8_t)((data - 144) >> 8);
    h[143] = (uint8_t)(data - 144);
    memcpy(j + off, jpeg + 2, len - 2);
    return j;
}

int es_wfix_big_jpeg(size_t min_output, uint8_t **out, size_t *len)
{
    es_fixture_opts o = {.exif_gps = true, .xmp = true, .comment = true, .seed = 7};
    uint8_t *small = NULL;
    size_t small_len = 0;
    if (es_fixture_make(&o, &small, &small_len) != 0)
        return -1;
    size_t total = small_len + (min_output / (2 + 65535) + 1) * (2 + 65535); /* whole chunks */
    *out = es_wfix_pad_with_icc(small, small_len, total);
    *len = total;
    free(small);
    return *out ? 0 : -1;
}

static json_t *s_requests(long since, const char *action)
{
    char path[256], *reply = NULL;
    snprintf(path, sizeof path, "/requests?since=%ld%s%s", since, action ? "&action=" : "",
             action ? action : "");
    if (es_itest_control("GET", path, NULL, &reply) != 200) {
        free(reply);
        return NULL;
    }
    json_t *j = json_loads(reply, 0, NULL);
    free(reply);
    return j;
}

long es_wfix_last_seq(void)
{
    json_t *j = s_requests(0, NULL);
    json_t *arr = json_object_get(j, "requests");
    size_t n = json_array_size(arr);
    long seq = n ? (long)json_integer_value(json_object_get(json_array_get(arr, n - 1), "seq")) : 0;
    json_decref(j);
    return seq;
}

int es_wfix_count(long since, const char *action, const char *match)
{
    json_t *j = s_requests(since, action);
    if (!j)
        return -1;
    json_t *arr = json_object_get(j, "requests");
    int count = 0;
    for (size_t i = 0; i < json_array_size(arr); i++) {
        json_t *e = json_array_get(arr, i);
        const char *key = json_string_value(json_object_get(e, "key"));
        const char *queue = json_string_value(json_object_get(e, "queue"));
        if (!match || (key && strstr(key, match)) || (queue && strstr(queue, match)))
            count++;
    }
    json_decref(j);
    return count;
}

void es_wfix_last_field(long since, const char *action, const char *match, const char *field, char *out,
                        size_t size)
{
    json_t *j = s_requests(since, action);
    json_t *arr = json_object_get(j, "requests");
    out[0] = '\0';
    for (size_t i = 0; i < json_array_size(arr); i++) {
        json_t *e = json_array_get(arr, i);
        const char *key = json_string_value(json_object_get(e, "key"));
        const char *queue = json_string_value(json_object_get(e, "queue"));
        const char *value = json_string_value(json_object_get(e, field));
        if ((key && strstr(key, match)) || (queue && strstr(queue, match)))
            snprintf(out, size, "%s", value ? value : "");
    }
    json_decref(j);
}

void es_wfix_last_query(long since, const char *action, const char *match, char *out, size_t size)
{
    es_wfix_last_field(since, action, match, "query", out, size);
}

char *es_wfix_receive_body(es_wfix *w, const char *queue_url, int wait_s)
{
    es_sqs_message *msgs = NULL;
    size_t n = 0;
    es_aws_result res;
    es_aws_result_clear(&res);
    if (es_sqs_receive(w->sqs, queue_url, 1, wait_s, 30, &msgs, &n, &res) != ES_OK || n == 0) {
        es_sqs_messages_free(msgs, n);
        return NULL;
    }
    char *body = strdup(msgs[0].body ? msgs[0].body : "");
    if (es_sqs_delete(w->sqs, queue_url, msgs[0].receipt_handle, &res) != ES_OK)
        fprintf(stderr, "DeleteMessage: %s\n", res.message);
    es_sqs_messages_free(msgs, n);
    return body;
}

long es_wfix_queue_attr(es_wfix *w, const char *name)
{
    char value[64] = "";
    es_aws_result res;
    es_aws_result_clear(&res);
    if (es_sqs_get_attribute(w->sqs, w->queue_url, name, value, sizeof value, &res) != ES_OK)
        return -1;
    return strtol(value, NULL, 10);
}
