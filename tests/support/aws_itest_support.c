/* aws_itest_support.c - emulator helpers for integration tests (aws_itest.h). The
 * control API is plain unsigned HTTP, sent with the product's own transport. */
#include "aws_itest.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aws/http/http.h"

const char *es_itest_endpoint(void)
{
    const char *e = getenv("ES_TEST_ENDPOINT");
    return e && e[0] ? e : NULL;
}

static int s_config(es_aws_config *cfg)
{
    const char *ep = es_itest_endpoint();
    memset(cfg, 0, sizeof *cfg);
    if (!ep || strlen(ep) >= sizeof cfg->s3_endpoint)
        return -1;
    snprintf(cfg->region, sizeof cfg->region, "us-east-1");
    snprintf(cfg->s3_endpoint, sizeof cfg->s3_endpoint, "%s", ep);
    snprintf(cfg->sqs_endpoint, sizeof cfg->sqs_endpoint, "%s", ep);
    cfg->s3_path_style = true;
    cfg->max_attempts = 3;
    cfg->connect_timeout_ms = 3000;
    cfg->low_speed_time_s = 30;
    return 0;
}

void es_itest_clients_close(es_itest_clients *c)
{
    es_s3_client_free(c->s3);
    es_sqs_client_free(c->sqs);
    es_creds_provider_release(c->creds);
    memset(c, 0, sizeof *c);
}

static int s_open(es_itest_clients *c, const char *akid, const char *secret, const char *token)
{
    memset(c, 0, sizeof *c);
    if (s_config(&c->cfg) != 0) {
        fprintf(stderr, "itest setup: ES_TEST_ENDPOINT is not set (run through tests/run.sh)\n");
        return -1;
    }
    c->creds = es_creds_provider_new_static(akid, secret, token);
    c->s3 = c->creds ? es_s3_client_new(&c->cfg, c->creds) : NULL;
    c->sqs = c->creds ? es_sqs_client_new(&c->cfg, c->creds) : NULL;
    if (c->s3 && c->sqs)
        return 0;
    fprintf(stderr, "itest setup: cannot create the emulator's clients\n");
    es_itest_clients_close(c);
    return -1;
}

int es_itest_clients_open(es_itest_clients *c) { return s_open(c, ES_ITEST_AKID, ES_ITEST_SECRET, NULL); }

int es_itest_clients_open_refused(es_itest_clients *c, const char *akid, const char *secret, const char *token)
{
    return s_open(c, akid ? akid : ES_ITEST_AKID, secret, token);
}

void es_itest_name(char *out, size_t size, const char *prefix)
{
    static int counter;
    snprintf(out, size, "%s-%ld-%d", prefix, (long)getpid(), ++counter);
    for (char *p = out; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
}

int es_itest_control(const char *method, const char *path, const char *json, char **reply)
{
    const char *ep = es_itest_endpoint();
    if (reply)
        *reply = NULL;
    if (!ep)
        return -1;
    char url[1024];
    snprintf(url, sizeof url, "%s/_emulator%s", ep, path);
    const char *hdr[] = {"Content-Type: application/json"};
    es_http_request req = {
        .method = method,
        .url = url,
        .headers = hdr,
        .header_count = json ? 1 : 0,
        .body = (const uint8_t *)json,
        .body_len = json ? strlen(json) : 0,
        .max_body = 4u << 20,
        .timeout_ms = 10000,
    };
    es_http_response resp;
    es_http_response_init(&resp);
    int status = -1;
    if (es_http_perform(&req, &resp) == ES_OK) {
        status = (int)resp.status;
        if (reply)
            *reply = strdup(resp.body.data ? resp.body.data : "");
    } else {
        fprintf(stderr, "emulator control %s %s: %s\n", method, path, resp.error);
    }
    es_http_response_clean(&resp);
    return status;
}

int es_itest_fault(const char *rule_json)
{
    char *reply = NULL;
    int st = es_itest_control("POST", "/faults", rule_json, &reply);
    if (st != 201)
        fprintf(stderr, "fault rule refused (%d): %s\n", st, reply ? reply : "");
    free(reply);
    return st == 201 ? 0 : -1;
}

int es_itest_s3_fault(const char *action, const char *bucket, const char *key, const char *fields)
{
    char rule[1536];
    int n = snprintf(rule, sizeof rule,
                     "{\"service\":\"s3\",\"action\":\"%s\",\"bucket\":\"%s\",\"key\":\"%s\",%s}", action,
                     bucket, key, fields);
    return n > 0 && (size_t)n < sizeof rule ? es_itest_fault(rule) : -1;
}

long es_itest_log_seq(void)
{
    char *reply = NULL;
    long seq = -1;
    if (es_itest_control("GET", "/requests?since=999999999", NULL, &reply) == 200 && reply) {
        const char *p = strstr(reply, "\"last_seq\"");
        if (p && (p = strchr(p, ':')))
            seq = strtol(p + 1, NULL, 10);
    }
    free(reply);
    return seq;
}

int es_itest_log_count(long since, const char *action, const char *needle)
{
    char path[256];
    snprintf(path, sizeof path, "/requests?since=%ld&action=%s", since, action);
    char *reply = NULL;
    int n = -1;
    if (es_itest_control("GET", path, NULL, &reply) == 200 && reply) {
        n = 0;
        for (const char *p = reply; (p = strstr(p, needle)) != NULL; p += strlen(needle))
            n++;
    }
    free(reply);
    return n;
}

void es_itest_clear_faults(void) { (void)es_itest_control("DELETE", "/faults", NULL, NULL); }

bool es_itest_mentions(const es_aws_result *r, const char *text)
{
    return strstr(r->message, text) || strstr(r->aws_code, text) || strstr(r->request_id, text);
}

es_err es_itest_append(uint8_t **buf, size_t *len, size_t *cap, const uint8_t *data, size_t n)
{
    if (n == 0)
        return ES_OK;
    if (n > *cap - *len) {
        if (n > SIZE_MAX / 2 - *len)
            return ES_ERR_NOMEM;
        size_t grown = (*len + n) * 2;
        uint8_t *p = realloc(*buf, grown);
        if (!p)
            return ES_ERR_NOMEM;
        *buf = p;
        *cap = grown;
    }
    memcpy(*buf + *len, data, n);
    *len += n;
    return ES_OK;
}
