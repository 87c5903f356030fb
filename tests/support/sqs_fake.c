/* sqs_fake.c - the scripted SQS endpoint (sqs_fake.h): an http_server
 * handler that parses each JSON request with jansson and answers it. */
#include "sqs_fake.h"

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_server.h"

#define S_MAX_ENTRIES 512
#define S_MAX_SCRIPTED 32
#define S_MAX_ATTRIBUTES 8
#define S_URL "https://sqs.us-east-1.amazonaws.com/123456789012/jobs"

struct es_test_sqs {
    es_test_http_server *srv;
    es_sqs_client *client;
    pthread_mutex_t lk;
    es_test_sqs_entry entries[S_MAX_ENTRIES];
    size_t nentries, nbatches;
    char seen_flaky[S_MAX_ENTRIES][64];
    size_t nflaky;
    unsigned fail_requests;
    char *scripted[S_MAX_SCRIPTED];
    size_t nscripted;
    int receive_sizes[S_MAX_ENTRIES];
    size_t nreceives;
    char attr_names[S_MAX_ATTRIBUTES][64], attr_values[S_MAX_ATTRIBUTES][64];
    size_t nattrs;
    char reply[16384]; /* the handler's last answer (the server sends it before the next request) */
    char *sent;        /* or the scripted receive it answered with, freed at the next request */
};

const char *es_test_sqs_queue_url(void) { return S_URL; }

/* True the first time this flaky receipt is seen. Called with lk held. */
static bool s_first_flaky(es_test_sqs *q, const char *rh)
{
    for (size_t i = 0; i < q->nflaky; i++)
        if (!strcmp(q->seen_flaky[i], rh))
            return false;
    if (q->nflaky < S_MAX_ENTRIES)
        snprintf(q->seen_flaky[q->nflaky++], sizeof q->seen_flaky[0], "%s", rh);
    return true;
}

/* Answers a batch action entry by entry into q->reply. Called with lk held. */
static void s_batch(es_test_sqs *q, const char *action, json_t *req)
{
    json_t *entries = json_object_get(req, "Entries");
    json_t *ok = json_array(), *bad = json_array();
    size_t n = json_array_size(entries), idx;
    json_t *e;
    json_array_foreach(entries, idx, e)
    {
        const char *rh = json_string_value(json_object_get(e, "ReceiptHandle"));
        const char *id = json_string_value(json_object_get(e, "Id"));
        json_t *vis = json_object_get(e, "VisibilityTimeout");
        rh = rh ? rh : "";
        bool fail = strstr(rh, "fail") || (strstr(rh, "flaky") && s_first_flaky(q, rh));
        if (q->nentries < S_MAX_ENTRIES) {
            es_test_sqs_entry *r = &q->entries[q->nentries++];
            snprintf(r->action, sizeof r->action, "%s", action);
            snprintf(r->receipt, sizeof r->receipt, "%s", rh);
            r->visibility = vis ? (int)json_integer_value(vis) : -1;
            r->request = q->nbatches;
            r->batch_size = n;
            r->failed = fail;
        }
        if (fail)
            json_array_append_new(bad, json_pack("{s:s, s:s, s:s, s:b}", "Id", id ? id : "", "Code",
                                                 "ReceiptHandleIsInvalid", "Message", "scripted failure",
                                                 "SenderFault", 1));
        else
            json_array_append_new(ok, json_pack("{s:s}", "Id", id ? id : ""));
    }
    q->nbatches++;
    json_t *out = json_pack("{s:o, s:o}", "Successful", ok, "Failed", bad);
    char *text = json_dumps(out, JSON_COMPACT);
    snprintf(q->reply, sizeof q->reply, "%s", text ? text : "{}");
    free(text);
    json_decref(out);
}

/* Answers GetQueueAttributes with the named attributes that are set. Called with lk held. */
static void s_attributes(es_test_sqs *q, json_t *req)
{
    json_t *attrs = json_object(), *name;
    size_t idx;
    json_array_foreach(json_object_get(req, "AttributeNames"), idx, name)
    {
        for (size_t i = 0; i < q->nattrs; i++)
            if (json_string_value(name) && !strcmp(json_string_value(name), q->attr_names[i]))
                json_object_set_new(attrs, q->attr_names[i], json_string(q->attr_values[i]));
    }
    json_t *out = json_pack("{s:o}", "Attributes", attrs);
    char *text = json_dumps(out, JSON_COMPACT);
    snprintf(q->reply, sizeof q->reply, "%s", text ? text : "{}");
    free(text);
    json_decref(out);
}

void es_test_sqs_set_attribute(es_test_sqs *q, const char *name, const char *value)
{
    pthread_mutex_lock(&q->lk);
    size_t i = 0;
    while (i < q->nattrs && strcmp(q->attr_names[i], name))
        i++;
    if (i < S_MAX_ATTRIBUTES) {
        snprintf(q->attr_names[i], sizeof q->attr_names[i], "%s", name);
        snprintf(q->attr_values[i], sizeof q->attr_values[i], "%s", value);
        q->nattrs += i == q->nattrs;
    }
    pthread_mutex_unlock(&q->lk);
}

static void s_handle(void *ctx, const es_test_http_request *req, es_test_http_response *resp)
{
    es_test_sqs *q = ctx;
    const char *target = es_test_http_request_header(req, "x-amz-target");
    const char *action = target && !strncmp(target, "AmazonSQS.", 10) ? target + 10 : "";
    json_t *body = json_loadb(req->body, req->body_len, 0, NULL);
    pthread_mutex_lock(&q->lk);
    free(q->sent);
    q->sent = NULL;
    resp->status = 200;
    resp->headers = "Content-Type: application/x-amz-json-1.0\r\n";
    bool batch = strstr(action, "Batch") != NULL;
    if (!strcmp(action, "ReceiveMessage") && q->nreceives < S_MAX_ENTRIES) {
        json_t *max = json_object_get(body, "MaxNumberOfMessages");
        q->receive_sizes[q->nreceives++] = max ? (int)json_integer_value(max) : -1;
    }
    if (batch && q->fail_requests > 0) {
        q->fail_requests--;
        resp->status = 500;
        resp->headers = "Content-Type: application/x-amz-json-1.0\r\nx-amzn-RequestId: scripted-failure\r\n";
        snprintf(q->reply, sizeof q->reply,
                 "{\"__type\":\"com.amazonaws.sqs#InternalError\",\"message\":\"scripted\"}");
    } else if (batch && body) {
        s_batch(q, action, body);
    } else if (!strcmp(action, "GetQueueAttributes") && body) {
        s_attributes(q, body);
    } else if (!strcmp(action, "ReceiveMessage") && q->nscripted > 0) {
        q->sent = q->scripted[0];
        memmove(q->scripted, q->scripted + 1, --q->nscripted * sizeof q->scripted[0]);
    } else {
        snprintf(q->reply, sizeof q->reply, "{}");
    }
    resp->body = q->sent ? q->sent : q->reply;
    pthread_mutex_unlock(&q->lk);
    json_decref(body);
}

static es_sqs_client *s_new_client(const char *url)
{
    es_aws_config cfg;
    es_test_local_aws_config(&cfg, url);
    es_creds_provider *creds = es_creds_provider_new_static("AKIDEXAMPLE",
                                                            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", NULL);
    es_sqs_client *c = creds ? es_sqs_client_new(&cfg, creds) : NULL;
    es_creds_provider_release(creds);
    return c;
}

es_test_sqs *es_test_sqs_start(void)
{
    es_test_sqs *q = calloc(1, sizeof *q);
    if (!q)
        return NULL;
    pthread_mutex_init(&q->lk, NULL);
    q->srv = es_test_http_server_start();
    q->client = q->srv ? s_new_client(es_test_http_server_url(q->srv)) : NULL;
    if (!q->client) {
        es_test_sqs_stop(q);
        return NULL;
    }
    es_test_http_server_set_handler(q->srv, s_handle, q);
    return q;
}

void es_test_sqs_stop(es_test_sqs *q)
{
    if (!q)
        return;
    es_sqs_client_free(q->client);
    es_test_http_server_stop(q->srv);
    for (size_t i = 0; i < q->nscripted; i++)
        free(q->scripted[i]);
    free(q->sent);
    pthread_mutex_destroy(&q->lk);
    free(q);
}

void es_test_local_aws_config(es_aws_config *cfg, const char *url)
{
    memset(cfg, 0, sizeof *cfg);
    snprintf(cfg->region, sizeof cfg->region, "us-east-1");
    snprintf(cfg->sqs_endpoint, sizeof cfg->sqs_endpoint, "%s", url);
    snprintf(cfg->s3_endpoint, sizeof cfg->s3_endpoint, "%s", url);
    cfg->max_attempts = 1;
    cfg->connect_timeout_ms = 2000;
    cfg->low_speed_time_s = 10;
}

es_sqs_client *es_test_sqs_client(es_test_sqs *q) { return q->client; }

void es_test_sqs_fail_requests(es_test_sqs *q, unsigned n)
{
    pthread_mutex_lock(&q->lk);
    q->fail_requests = n;
    pthread_mutex_unlock(&q->lk);
}

/* Queues text (malloc'd; taken over) as the next scripted ReceiveMessage reply. */
static void s_script(es_test_sqs *q, char *text)
{
    pthread_mutex_lock(&q->lk);
    if (text && q->nscripted < S_MAX_SCRIPTED)
        q->scripted[q->nscripted++] = text;
    else
        free(text);
    pthread_mutex_unlock(&q->lk);
}

void es_test_sqs_script_receive(es_test_sqs *q, const char *prefix, size_t count, const char *body)
{
    json_t *list = json_array();
    for (size_t i = 0; i < count; i++) {
        char id[64], rh[80];
        snprintf(id, sizeof id, "%s%zu", prefix, i);
        snprintf(rh, sizeof rh, "rh-%s%zu", prefix, i);
        json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:{s:s}}", "MessageId", id, "ReceiptHandle",
                                              rh, "Body", body ? body : "not an event", "Attributes",
                                              "ApproximateReceiveCount", "1"));
    }
    json_t *out = json_pack("{s:o}", "Messages", list);
    char *text = json_dumps(out, JSON_COMPACT);
    json_decref(out);
    s_script(q, text);
}

void es_test_sqs_script_reply(es_test_sqs *q, const char *text) { s_script(q, strdup(text)); }

void es_test_sqs_script_oversized(es_test_sqs *q, size_t bytes)
{
    static const char empty[] = "{\"Messages\":[]}";
    char *text = bytes >= sizeof empty ? malloc(bytes + 1) : NULL;
    if (text) {
        memcpy(text, empty, sizeof empty - 1);
        memset(text + sizeof empty - 1, ' ', bytes - (sizeof empty - 1));
        text[bytes] = '\0';
    }
    s_script(q, text);
}

size_t es_test_sqs_calls(es_test_sqs *q, const char *action)
{
    size_t total = es_test_http_server_request_count(q->srv), n = 0;
    for (size_t i = 0; i < total; i++) {
        es_test_http_request r;
        if (!es_test_http_server_request(q->srv, i, &r))
            break;
        const char *t = es_test_http_request_header(&r, "x-amz-target");
        if (t && (!action || (!strncmp(t, "AmazonSQS.", 10) && !strcmp(t + 10, action))))
            n++;
        es_test_http_request_free(&r);
    }
    return n;
}

/* Copies up to cap of the n records at src (each `size` bytes) under q's
 * lock; returns n read under that lock. */
static size_t s_copy(es_test_sqs *q, const void *src, const size_t *n, void *out, size_t cap, size_t size)
{
    pthread_mutex_lock(&q->lk);
    size_t count = *n;
    memcpy(out, src, (count < cap ? count : cap) * size);
    pthread_mutex_unlock(&q->lk);
    return count;
}

size_t es_test_sqs_entries(es_test_sqs *q, es_test_sqs_entry *out, size_t cap)
{
    return s_copy(q, q->entries, &q->nentries, out, cap, sizeof *out);
}

size_t es_test_sqs_receive_sizes(es_test_sqs *q, int *out, size_t cap)
{
    return s_copy(q, q->receive_sizes, &q->nreceives, out, cap, sizeof *out);
}
