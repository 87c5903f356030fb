/* retry_test.c - the signed, retried call (src/aws/client/client.c,
 * http/request.c, http/retry.c) against the scripted 127.0.0.1 server of
 * tests/support/http_server: what goes on the wire, retries of 5xx / dropped
 * connections / timeouts, no retry once body bytes were delivered, the retry
 * quota running dry, clock-skew correction, response caps, nested requests
 * from a body callback, and SQS requests going to the configured endpoint. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "../../harness/test.h"
#include "../../support/http_server.h"
#include "../../support/log_capture.h"
#include "../../support/wait.h"
#include "aws/client/client.h"
#include "aws/creds/internal.h"
#include "aws/s3/internal.h"
#include "aws/sigv4/sigv4.h"
#include "aws/sqs/sqs.h"
#include "common/crc.h"

#define S_SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"

static es_test_http_server *s_srv;
static es_creds_provider *s_creds;
/* The fake sleep's counts: threads sharing a client retry at once. */
static atomic_int s_sleeps;
static atomic_long s_slept_ms;

static void s_fake_sleep(void *ctx, long ms)
{
    (void)ctx;
    s_sleeps++;
    s_slept_ms += ms;
}
static double s_half(void *ctx)
{
    (void)ctx;
    return 0.5;
}

static void s_config(es_aws_config *cfg, int attempts)
{
    memset(cfg, 0, sizeof *cfg);
    strcpy(cfg->region, "us-east-1");
    snprintf(cfg->s3_endpoint, sizeof cfg->s3_endpoint, "%s", es_test_http_server_url(s_srv));
    snprintf(cfg->sqs_endpoint, sizeof cfg->sqs_endpoint, "%s", es_test_http_server_url(s_srv));
    cfg->max_attempts = attempts;
    cfg->connect_timeout_ms = 2000;
    cfg->low_speed_time_s = 10;
}

/* A fresh server state (no routes, nothing recorded) and a config for it. */
static void s_fresh(es_aws_config *cfg, int attempts)
{
    es_test_http_server_clear_routes(s_srv);
    es_test_http_server_clear_requests(s_srv);
    s_config(cfg, attempts);
}

/* An S3 client on cfg with fake sleeps (their counters reset). */
static es_s3_client *s_s3_on(const es_aws_config *cfg)
{
    es_s3_client *c = es_s3_client_new(cfg, s_creds);
    if (c)
        es_aws_client_set_retry_hooks(es_s3_client_core(c), s_fake_sleep, NULL, s_half, NULL);
    s_sleeps = 0;
    s_slept_ms = 0;
    return c;
}

/* A fresh server state and an S3 client with fake sleeps. */
static es_s3_client *s_s3(int attempts)
{
    es_aws_config cfg;
    s_fresh(&cfg, attempts);
    return s_s3_on(&cfg);
}

/* A fresh server state and an SQS client. */
static es_sqs_client *s_sqs(int attempts)
{
    es_aws_config cfg;
    s_fresh(&cfg, attempts);
    return es_sqs_client_new(&cfg, s_creds);
}

static void s_route(const char *method, const char *path, int status, const char *body, const char *headers,
                    unsigned times)
{
    es_test_http_route r =
        {.method = method, .path = path, .status = status, .body = body, .headers = headers, .times = times};
    es_test_http_server_add_route(s_srv, &r);
}

/* The idx-th recorded request with this method (earlier tests' slow
 * connections may still be landing in the log). */
static bool s_nth(const char *method, size_t idx, es_test_http_request *out)
{
    size_t n = es_test_http_server_request_count(s_srv);
    for (size_t i = 0; i < n; i++) {
        if (!es_test_http_server_request(s_srv, i, out))
            return false;
        if (!strcmp(out->method, method) && idx-- == 0)
            return true;
        es_test_http_request_free(out);
    }
    return false;
}

static const char *s_slowdown = "<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message>"
                                "<RequestId>REQ-SLOW</RequestId></Error>";

static void test_wire_format_of_put(void)
{
    es_s3_client *c = s_s3(3);
    REQUIRE(c);
    s_route("PUT", "/bkt/dir/a%20b%2Bc.jpg", 200, NULL, "ETag: \"e\"\r\nx-amz-request-id: RID1\r\n", 0);
    es_aws_result res;
    const char *body = "jpeg-bytes";
    CHECK_OK(
        es_s3_put_object(c, "bkt", "dir/a b+c.jpg", (const uint8_t *)body, strlen(body), "image/jpeg", &res));
    CHECK_INT_EQ(res.attempts, 1);
    CHECK_INT_EQ(res.http_status, 200);
    CHECK_STR_EQ(res.request_id, "RID1");
    es_test_http_request r;
    REQUIRE(s_nth("PUT", 0, &r));
    CHECK_STR_EQ(r.path, "/bkt/dir/a%20b%2Bc.jpg");
    CHECK_MEM_EQ(r.body, r.body_len, body, strlen(body));
    char hash[65];
    es_sigv4_sha256_hex(body, strlen(body), hash);
    CHECK_STR_EQ(es_test_http_request_header(&r, "x-amz-content-sha256"), hash);
    CHECK_STR_EQ(es_test_http_request_header(&r, "content-type"), "image/jpeg");
    CHECK_STR_EQ(es_test_http_request_header(&r, "host"), es_test_http_server_url(s_srv) + 7);
    const char *auth = es_test_http_request_header(&r, "authorization");
    CHECK_STR_CONTAINS(auth, "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/");
    CHECK_STR_CONTAINS(auth, "/us-east-1/s3/aws4_request");
    /* The flexible checksum is signed too (CRC-64/NVME of "jpeg-bytes" in base64). */
    CHECK_STR_CONTAINS(auth, "SignedHeaders=content-type;host;x-amz-checksum-crc64nvme;x-amz-content-sha256;"
                             "x-amz-date");
    char crc[13];
    es_crc_base64(ES_CRC64NVME, es_crc_update(ES_CRC64NVME, 0, body, strlen(body)), crc);
    CHECK_STR_EQ(es_test_http_request_header(&r, "x-amz-checksum-crc64nvme"), crc);
    CHECK(es_test_http_request_header(&r, "x-amz-date") != NULL);
    CHECK(es_test_http_request_header(&r, "expect") == NULL);
    for (size_t i = 0; i < r.header_count; i++)
        CHECK(strncasecmp(r.headers[i].name, "x-amz-meta-", 11) != 0);
    es_test_http_request_free(&r);
    es_s3_client_free(c);
}

/* Header lines as curl gets them: "name: value", and an empty value as
 * "name;" (curl would read "name:" as "remove this header"): both arrive,
 * the empty one empty, and both are signed. */
static void test_header_lines_with_and_without_value(void)
{
    es_s3_client *c = s_s3(3);
    REQUIRE(c);
    s_route("GET", "/bkt/h", 200, "ok", NULL, 0);
    const es_aws_header headers[] = {{"x-amz-meta-full", "a: b"},
                                     {"x-amz-meta-empty", ""},
                                     {"x-amz-meta-blank", " \t "}};
    es_aws_request req = {.method = "GET", .path = "/bkt/h", .headers = headers, .header_count = 3};
    es_aws_result res;
    CHECK_OK(es_aws_call(es_s3_client_core(c), &req, NULL, &res));
    es_test_http_request r;
    REQUIRE(s_nth("GET", 0, &r));
    CHECK_STR_EQ(es_test_http_request_header(&r, "x-amz-meta-full"), "a: b");
    CHECK_STR_EQ(es_test_http_request_header(&r, "x-amz-meta-empty"), "");
    CHECK_STR_EQ(es_test_http_request_header(&r, "x-amz-meta-blank"), ""); /* sent (empty), as signed */
    CHECK_STR_CONTAINS(es_test_http_request_header(&r, "authorization"),
                       "x-amz-meta-blank;x-amz-meta-empty;x-amz-meta-full");
    es_test_http_request_free(&r);
    es_s3_client_free(c);
}

static void test_get_and_list_requests(void)
{
    es_s3_client *c = s_s3(3);
    REQUIRE(c);
    s_route("GET", "/bkt/k", 200, "v", "ETag: \"abc\"\r\nx-amz-version-id: 3/L4kqtJl+cJ\r\n", 0);
    s_route("GET", "/bkt", 200,
            "<ListBucketResult><IsTruncated>false</IsTruncated><EncodingType>url</EncodingType>"
            "<Contents><Key>a+b%2Bc</Key><Size>5</Size></Contents></ListBucketResult>",
            NULL, 0);
    es_s3_get_options opt = {.version_id = "3/L4kqtJl+cJ", .if_match = "\"abc\""};
    es_aws_result res;
    CHECK_OK(es_s3_get_object(c, "bkt", "k", &opt, &res));
    es_test_http_request r;
    REQUIRE(s_nth("GET", 0, &r));
    CHECK_STR_EQ(r.query, "versionId=3%2FL4kqtJl%2BcJ");
    CHECK_STR_EQ(es_test_http_request_header(&r, "if-match"), "\"abc\"");
    CHECK_STR_CONTAINS(es_test_http_request_header(&r, "authorization"), "if-match");
    es_test_http_request_free(&r);

    es_s3_list_page page;
    CHECK_OK(es_s3_list_objects(c, "bkt", "a b/", "tok+/=", &page, &res));
    REQUIRE(page.count == 1);
    CHECK_STR_EQ(page.keys[0], "a b+c");
    CHECK_INT_EQ(page.sizes[0], 5);
    CHECK_STR_EQ(page.next_token, "");
    es_s3_list_free(&page);
    REQUIRE(s_nth("GET", 1, &r));
    CHECK_STR_EQ(r.path, "/bkt");
    CHECK_STR_EQ(r.query, "continuation-token=tok%2B%2F%3D&encoding-type=url&list-type=2&prefix=a%20b%2F");
    es_test_http_request_free(&r);
    es_s3_client_free(c);
}

static void test_retry_503_then_success(void)
{
    es_s3_client *c = s_s3(3);
    REQUIRE(c);
    s_route("PUT", "/bkt/k", 503, s_slowdown, NULL, 2);
    s_route("PUT", "/bkt/k", 200, NULL, NULL, 0);
    es_aws_result res;
    CHECK_OK(es_s3_put_object(c, "bkt", "k", (const uint8_t *)"x", 1, NULL, &res));
    CHECK_INT_EQ(res.attempts, 3);
    CHECK_INT_EQ(s_sleeps, 2);
    CHECK_INT_EQ(s_slept_ms, 50 + 100); /* full jitter at 0.5: 0.5*100 then 0.5*200 */
    CHECK_INT_EQ(es_test_http_server_count(s_srv, "PUT", "/bkt/k"), 3);
    /* The body is sent again on every attempt, each one signed afresh. */
    for (size_t i = 0; i < 3; i++) {
        es_test_http_request r;
        REQUIRE(es_test_http_server_request(s_srv, i, &r));
        CHECK_MEM_EQ(r.body, r.body_len, "x", 1);
        CHECK(es_test_http_request_header(&r, "authorization") != NULL);
        es_test_http_request_free(&r);
    }
    /* Two retries cost 5 each; the success refunds the last retry's cost. */
    CHECK_INT_EQ(es_aws_client_retry_tokens(es_s3_client_core(c)), ES_RETRY_QUOTA_MAX - ES_RETRY_COST);
    es_s3_client_free(c);
}

static void test_final_errors_map(void)
{
    es_s3_client *c = s_s3(3);
    REQUIRE(c);
    s_route("PUT", "/bkt/slow", 503, s_slowdown, NULL, 0);
    s_route("GET", "/bkt/missing", 404, "<Error><Code>NoSuchKey</Code><Message>nope</Message></Error>", NULL,
            0);
    s_route("GET", "/bkt/denied", 403,
            "<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>",
            "Date: Thu, 01 Jan 1970 00:00:00 GMT\r\n", 0);
    s_route("HEAD", "/bkt/gone", 404, NULL, NULL, 0);
    s_route("GET", "/bkt/bad", 400, "<Error><Code>InvalidArgument</Code><Message>bad</Message></Error>", NULL,
            0);
    s_route("GET", "/bkt/broken", 500, "not xml", NULL, 0);
    s_route("GET", "/bkt/moved", 307, NULL, "Location: http://elsewhere.example/bkt/moved\r\n", 0);
    s_route("HEAD", "/bkt/elsewhere", 400, NULL, "x-amz-bucket-region: eu-west-1\r\n", 0);
    s_route("HEAD", "/bkt/moved-for-good", 301, NULL, "x-amz-bucket-region: ap-south-1\r\n", 0);
    s_route("HEAD", "/bkt/plain-400", 400, NULL, NULL, 0);
    s_route("GET", "/bkt/moved-with-body", 301,
            "<Error><Code>PermanentRedirect</Code><Message>The bucket you are attempting to access must be "
            "addressed using the specified endpoint. Please send all future requests to this endpoint."
            "</Message><Endpoint>bkt.s3.eu-central-1.amazonaws.com</Endpoint><Bucket>bkt</Bucket></Error>",
            "x-amz-bucket-region: eu-central-1\r\n", 0);
    es_aws_result res;
    CHECK_INT_EQ(es_s3_put_object(c, "bkt", "slow", (const uint8_t *)"x", 1, NULL, &res), ES_ERR_THROTTLED);
    CHECK_INT_EQ(res.attempts, 3);
    CHECK_STR_EQ(res.aws_code, "SlowDown");
    CHECK_STR_EQ(res.request_id, "REQ-SLOW");
    CHECK_STR_EQ(res.message, "HTTP 503 SlowDown: Please reduce your request rate.");
    es_s3_get_options none = {0};
    s_sleeps = 0;
    CHECK_INT_EQ(es_s3_get_object(c, "bkt", "missing", &none, &res), ES_ERR_NOT_FOUND);
    CHECK_INT_EQ(res.attempts, 1);
    CHECK_INT_EQ(es_s3_get_object(c, "bkt", "denied", &none, &res), ES_ERR_AUTH);
    CHECK_INT_EQ(res.attempts, 1); /* a 1970 Date is not trusted as "our clock is off" for AccessDenied */
    es_s3_object_info info;
    CHECK_INT_EQ(es_s3_head_object(c, "bkt", "gone", &info, &res), ES_ERR_NOT_FOUND);
    CHECK_INT_EQ(es_s3_get_object(c, "bkt", "bad", &none, &res), ES_ERR_CLIENT);
    CHECK_STR_EQ(res.aws_code, "InvalidArgument");
    CHECK_INT_EQ(s_sleeps, 0);
    CHECK_INT_EQ(es_s3_get_object(c, "bkt", "broken", &none, &res), ES_ERR_SERVER);
    CHECK_INT_EQ(res.attempts, 3);
    CHECK_STR_EQ(res.message, "HTTP 500");
    /* a redirect (not followed) is not called a 4xx rejection */
    CHECK_INT_EQ(es_s3_get_object(c, "bkt", "moved", &none, &res), ES_ERR_CONFIG);
    CHECK_INT_EQ(res.attempts, 1);
    char why[ES_ERRBUF_SIZE];
    es_aws_result_describe(&res, res.code, why, sizeof why);
    CHECK_STR_EQ(why,
                 "invalid configuration: HTTP 307 (a redirect, not followed: check the endpoint and the region)");
    /* a HEAD's region error has no body: x-amz-bucket-region names the bucket's region */
    CHECK_INT_EQ(es_s3_head_object(c, "bkt", "elsewhere", &info, &res), ES_ERR_CONFIG);
    CHECK_STR_EQ(res.aws_code, "AuthorizationHeaderMalformed");
    CHECK_STR_CONTAINS(res.message, "says the bucket is in region eu-west-1 (is AWS_REGION right?)");
    CHECK_INT_EQ(es_s3_head_object(c, "bkt", "moved-for-good", &info, &res), ES_ERR_CONFIG);
    CHECK_STR_EQ(res.aws_code, "PermanentRedirect");
    CHECK_STR_CONTAINS(res.message, "region ap-south-1");
    /* a GET's PermanentRedirect body names no region: the header's is told, and the
     * whole line fits (S3's long message pushed the advice out of it) */
    CHECK_INT_EQ(es_s3_get_object(c, "bkt", "moved-with-body", &none, &res), ES_ERR_CONFIG);
    CHECK_STR_EQ(res.aws_code, "PermanentRedirect");
    es_aws_result_describe(&res, res.code, why, sizeof why);
    CHECK_STR_EQ(why, "invalid configuration: HTTP 301 PermanentRedirect: x-amz-bucket-region says the bucket is "
                      "in region eu-central-1 (is AWS_REGION right?) (a redirect, not followed: check the "
                      "endpoint and the region)");
    CHECK_INT_EQ(es_s3_head_object(c, "bkt", "plain-400", &info, &res),
                 ES_ERR_CLIENT); /* nothing names a region */
    CHECK_STR_EQ(res.aws_code, "");
    es_s3_client_free(c);
}

static void test_dropped_connection_retried(void)
{
    es_s3_client *c = s_s3(3);
    REQUIRE(c);
    s_route("GET", "/bkt/k", 0, NULL, NULL, 1); /* close without answering */
    s_route("GET", "/bkt/k", 200, "payload", NULL, 0);
    es_aws_result res;
    es_s3_get_options none = {0};
    CHECK_OK(es_s3_get_object(c, "bkt", "k", &none, &res));
    CHECK_INT_EQ(res.attempts, 2);
    /* Dropped every time after a 503 that had an id: a network error in the
     * end, with curl's reason and no request id (not the 503's). */
    es_test_http_server_clear_routes(s_srv);
    s_route("GET", "/bkt/k", 503, s_slowdown, "x-amz-request-id: RID-503\r\n", 1);
    s_route("GET", "/bkt/k", 0, NULL, NULL, 0);
    CHECK_INT_EQ(es_s3_get_object(c, "bkt", "k", &none, &res), ES_ERR_NETWORK);
    CHECK_INT_EQ(res.attempts, 3);
    CHECK_INT_EQ(res.http_status, 0);
    CHECK_STR_CONTAINS(res.message, "network error");
    CHECK_STR_EQ(res.request_id, "");
    es_s3_client_free(c);

    /* Nobody listening at all. */
    es_aws_config cfg;
    s_config(&cfg, 2);
    strcpy(cfg.s3_endpoint, "http://127.0.0.1:1");
    c = s_s3_on(&cfg);
    REQUIRE(c);
    CHECK_INT_EQ(es_s3_get_object(c, "bkt", "k", &none, &res), ES_ERR_NETWORK);
    CHECK_INT_EQ(res.attempts, 2);
    es_s3_client_free(c);
}

typedef struct s_collect {
    char data[64];
    size_t len;
    int heads;
    es_s3_client *nested; /* when set: PUT from inside the body callback */
    es_err nested_rc;
} s_collect;

static es_err s_head_cb(void *ctx, const es_s3_object_info *info)
{
    (void)info;
    ((s_collect *)ctx)->heads++;
    return ES_OK;
}

static es_err s_body_cb(void *ctx, const uint8_t *data, size_t len)
{
    s_collect *c = ctx;
    if (c->len + len > sizeof c->data)
        return ES_ERR_TOO_LARGE;
    memcpy(c->data + c->len, data, len);
    c->len += len;
    if (c->nested) {
        es_aws_result res;
        c->nested_rc = es_s3_put_object(c->nested, "bkt", "out", data, len, NULL, &res);
    }
    return ES_OK;
}

static void test_no_retry_after_body_bytes(void)
{
    es_s3_client *c = s_s3(3);
    REQUIRE(c);
    es_test_http_route cut = {.method = "GET",
                              .path = "/bkt/k",
                              .status = 200,
                              .body = "0123456789",
                              .headers = "x-amz-request-id: RID-CUT\r\n",
                              .times = 1,
                              .truncate_at = 4};
    es_test_http_server_add_route(s_srv, &cut);
    s_route("GET", "/bkt/k", 200, "0123456789", NULL, 0);
    s_collect col = {0};
    es_s3_get_options opt = {.on_head = s_head_cb, .on_body = s_body_cb, .ctx = &col};
    es_aws_result res;
    CHECK_INT_EQ(es_s3_get_object(c, "bkt", "k", &opt, &res), ES_ERR_NETWORK);
    CHECK_INT_EQ(res.attempts, 1);
    CHECK_STR_CONTAINS(res.message, "not retried");
    char why[ES_ERRBUF_SIZE];
    es_aws_result_describe(&res, res.code, why, sizeof why);
    CHECK_STR_EQ(why, res.message); /* "network error: ..." once */
    CHECK(strncmp(why, "network error: ", 15) == 0);
    CHECK_STR_CONTAINS(why, " 6 bytes "); /* curl's words: "transfer closed with" (7), "end of response with" (8) */
    CHECK_STR_EQ(res.request_id, "RID-CUT"); /* the headers came: the failed request's own id */
    CHECK_MEM_EQ(col.data, col.len, "0123", 4);
    CHECK_INT_EQ(col.heads, 1);
    /* The caller starts over and gets everything. */
    col = (s_collect){0};
    CHECK_OK(es_s3_get_object(c, "bkt", "k", &opt, &res));
    CHECK_MEM_EQ(col.data, col.len, "0123456789", 10);
    CHECK_INT_EQ(col.heads, 1);
    es_s3_client_free(c);
}

static es_err s_refuse(void *ctx, const uint8_t *data, size_t len)
{
    (void)ctx, (void)data, (void)len;
    return ES_ERR_OUTPUT;
}

static void test_callback_failure_is_final(void)
{
    es_s3_client *c = s_s3(3);
    REQUIRE(c);
    s_route("GET", "/bkt/k", 200, "data", "x-amz-request-id: RID-REFUSED\r\n", 0);
    es_s3_get_options opt = {.on_body = s_refuse};
    es_aws_result res;
    CHECK_INT_EQ(es_s3_get_object(c, "bkt", "k", &opt, &res), ES_ERR_OUTPUT);
    CHECK_INT_EQ(res.attempts, 1);
    CHECK_STR_EQ(res.request_id, "RID-REFUSED"); /* a body the caller refused still names its request */
    CHECK_INT_EQ(es_test_http_server_count(s_srv, "GET", NULL), 1);
    es_s3_client_free(c);
}

static void test_nested_request_from_body_callback(void)
{
    es_s3_client *c = s_s3(3);
    REQUIRE(c);
    s_route("GET", "/bkt/in", 200, "stream", NULL, 0);
    s_route("PUT", "/bkt/out", 200, NULL, NULL, 0);
    s_collect col = {.nested = c};
    es_s3_get_options opt = {.on_head = s_head_cb, .on_body = s_body_cb, .ctx = &col};
    es_aws_result res;
    CHECK_OK(es_s3_get_object(c, "bkt", "in", &opt, &res));
    CHECK_OK(col.nested_rc);
    CHECK_MEM_EQ(col.data, col.len, "stream", 6);
    CHECK_INT_EQ(es_test_http_server_count(s_srv, "PUT", "/bkt/out"), 1);
    /* And the outer handle is still usable afterwards. */
    col = (s_collect){0};
    CHECK_OK(es_s3_get_object(c, "bkt", "in", &opt, &res));
    es_s3_client_free(c);
}

static void test_quota_exhaustion(void)
{
    es_s3_client *c = s_s3(20);
    REQUIRE(c);
    es_aws_client *core = es_s3_client_core(c);
    s_route("PUT", "/bkt/k", 503, s_slowdown, NULL, 0);
    es_aws_result res;
    /* 19 retries x 5 tokens per call: 500 -> 405 -> 310 -> 215 -> 120 -> 25. */
    for (int i = 0; i < 5; i++) {
        CHECK_INT_EQ(es_s3_put_object(c, "bkt", "k", (const uint8_t *)"x", 1, NULL, &res), ES_ERR_THROTTLED);
        CHECK_INT_EQ(res.attempts, 20);
    }
    CHECK_INT_EQ(es_aws_client_retry_tokens(core), 25);
    CHECK_INT_EQ(es_s3_put_object(c, "bkt", "k", (const uint8_t *)"x", 1, NULL, &res), ES_ERR_THROTTLED);
    CHECK_INT_EQ(res.attempts, 6);
    CHECK_STR_CONTAINS(res.message, "retry quota exhausted");
    CHECK_INT_EQ(es_aws_client_retry_tokens(core), 0);
    s_sleeps = 0;
    CHECK_INT_EQ(es_s3_put_object(c, "bkt", "k", (const uint8_t *)"x", 1, NULL, &res), ES_ERR_THROTTLED);
    CHECK_INT_EQ(res.attempts, 1);
    CHECK_INT_EQ(s_sleeps, 0);
    /* Successes refill slowly: one token each. */
    es_test_http_server_clear_routes(s_srv);
    s_route("PUT", "/bkt/k", 200, NULL, NULL, 0);
    for (int i = 0; i < 3; i++)
        CHECK_OK(es_s3_put_object(c, "bkt", "k", (const uint8_t *)"x", 1, NULL, &res));
    CHECK_INT_EQ(es_aws_client_retry_tokens(core), 3);
    es_s3_client_free(c);
}

static void test_timeout_retried_with_higher_cost(void)
{
    es_aws_config cfg;
    s_fresh(&cfg, 2);
    cfg.low_speed_time_s = 1;
    es_s3_client *c = s_s3_on(&cfg);
    REQUIRE(c);
    es_aws_client *core = es_s3_client_core(c);
    es_test_http_route slow = {.method = "GET", .path = "/bkt/k", .status = 200, .body = "late", .delay_ms = 2500};
    es_test_http_server_add_route(s_srv, &slow);
    es_aws_result res;
    es_s3_get_options none = {0};
    CHECK_INT_EQ(es_s3_get_object(c, "bkt", "k", &none, &res), ES_ERR_TIMEOUT);
    CHECK_INT_EQ(res.attempts, 2);
    CHECK_INT_EQ(es_aws_client_retry_tokens(core), ES_RETRY_QUOTA_MAX - ES_RETRY_TIMEOUT_COST);
    es_s3_client_free(c);
    /* Let the server get through the second (queued) slow connection. */
    for (int i = 0; i < 100 && es_test_http_server_count(s_srv, "GET", "/bkt/k") < 2; i++)
        es_test_sleep_ms(50);
    CHECK_INT_EQ(es_test_http_server_count(s_srv, "GET", "/bkt/k"), 2);
}

static void s_http_date(time_t t, char *out, size_t n)
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, n, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

static time_t s_amz_date(const es_test_http_request *r)
{
    const char *d = es_test_http_request_header(r, "x-amz-date");
    struct tm tm = {0};
    if (!d || !strptime(d, "%Y%m%dT%H%M%SZ", &tm))
        return 0;
    return timegm(&tm);
}

static void test_clock_skew_corrected(void)
{
    es_s3_client *c = s_s3(3);
    REQUIRE(c);
    es_aws_client *core = es_s3_client_core(c);
    char hdr[96], date[64];
    s_http_date(time(NULL) + 3600, date, sizeof date);
    snprintf(hdr, sizeof hdr, "Date: %s\r\n", date);
    s_route("PUT", "/bkt/k", 403,
            "<Error><Code>RequestTimeTooSkewed</Code><Message>The difference between the request time and "
            "the current time is too large.</Message></Error>",
            hdr, 1);
    s_route("PUT", "/bkt/k", 200, NULL, NULL, 0);
    es_aws_result res;
    CHECK_OK(es_s3_put_object(c, "bkt", "k", (const uint8_t *)"x", 1, NULL, &res));
    CHECK_INT_EQ(res.attempts, 2);
    CHECK_INT_EQ(s_sleeps, 0); /* re-signed at once */
    long off = es_aws_client_clock_offset(core);
    CHECK(off >= 3595 && off <= 3605);
    es_test_http_request r1, r2;
    REQUIRE(s_nth("PUT", 0, &r1));
    REQUIRE(s_nth("PUT", 1, &r2));
    long diff = (long)(s_amz_date(&r2) - s_amz_date(&r1));
    if (diff < 3595 || diff > 3605)
        es_test_fail(__FILE__, __LINE__, "x-amz-date moved by %ld s (%s -> %s)", diff,
                     es_test_http_request_header(&r1, "x-amz-date"),
                     es_test_http_request_header(&r2, "x-amz-date"));
    es_test_http_request_free(&r1);
    es_test_http_request_free(&r2);
    /* The offset stays for later calls. */
    CHECK_OK(es_s3_put_object(c, "bkt", "k", (const uint8_t *)"x", 1, NULL, &res));
    CHECK_INT_EQ(res.attempts, 1);
    REQUIRE(s_nth("PUT", 2, &r1));
    CHECK(s_amz_date(&r1) - time(NULL) >= 3590);
    es_test_http_request_free(&r1);

    /* A signature error while the clocks agree is a plain auth failure. */
    es_test_http_server_clear_routes(s_srv);
    s_http_date(time(NULL) + off, date, sizeof date);
    snprintf(hdr, sizeof hdr, "Date: %s\r\n", date);
    s_route("PUT", "/bkt/k", 403, "<Error><Code>SignatureDoesNotMatch</Code><Message>no</Message></Error>",
            hdr, 0);
    CHECK_INT_EQ(es_s3_put_object(c, "bkt", "k", (const uint8_t *)"x", 1, NULL, &res), ES_ERR_AUTH);
    CHECK_INT_EQ(res.attempts, 1);
    CHECK(labs(es_aws_client_clock_offset(core) - off) <= 2);
    es_s3_client_free(c);
}

typedef struct s_put_together {
    es_s3_client *c;
    pthread_barrier_t *start;
    es_err rc;
    es_aws_result res;
} s_put_together;

static void *s_put_together_run(void *arg)
{
    s_put_together *p = arg;
    pthread_barrier_wait(p->start);
    p->rc = es_s3_put_object(p->c, "bkt", "k", (const uint8_t *)"x", 1, NULL, &p->res);
    return NULL;
}

/* Two PUTs of bkt/k through c, started together; their results in puts. */
static void s_two_puts_together(es_s3_client *c, s_put_together puts[2])
{
    pthread_barrier_t start;
    REQUIRE(pthread_barrier_init(&start, NULL, 2) == 0);
    pthread_t t[2];
    for (int i = 0; i < 2; i++) {
        puts[i] = (s_put_together){.c = c, .start = &start};
        REQUIRE(pthread_create(&t[i], NULL, s_put_together_run, &puts[i]) == 0);
    }
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    pthread_barrier_destroy(&start);
}

/* Two requests signed together with the clock an hour behind both get
 * RequestTimeTooSkewed (the server answers one after the other): the first
 * answer corrects the offset, and the second, judged by the offset it was
 * signed with, is re-signed too instead of failing as an auth error. The
 * correction is logged once (the host's clock is wrong). */
static void test_clock_skew_concurrent_requests(void)
{
    es_s3_client *c = s_s3(3);
    REQUIRE(c);
    char hdr[96], date[64];
    s_http_date(time(NULL) + 3600, date, sizeof date);
    snprintf(hdr, sizeof hdr, "Date: %s\r\n", date);
    es_test_http_route skewed = {
        .method = "PUT",
        .path = "/bkt/k",
        .status = 403,
        .body = "<Error><Code>RequestTimeTooSkewed</Code><Message>too large</Message></Error>",
        .headers = hdr,
        .delay_ms = 300,
        .times = 2};
    es_test_http_server_add_route(s_srv, &skewed);
    s_route("PUT", "/bkt/k", 200, NULL, NULL, 0);
    s_put_together puts[2];
    es_logcap_start();
    s_two_puts_together(c, puts);
    const char *log = es_logcap_text();
    size_t corrections = 0;
    for (const char *at = log; (at = strstr(at, "clock.skew_corrected")) != NULL; at++)
        corrections++;
    es_logcap_stop();
    for (int i = 0; i < 2; i++) {
        CHECK_OK(puts[i].rc);
        CHECK_INT_EQ(puts[i].res.attempts, 2);
    }
    CHECK_INT_EQ(corrections, 1);
    long off = es_aws_client_clock_offset(es_s3_client_core(c));
    CHECK(off >= 3595 && off <= 3605);
    es_s3_client_free(c);
}

/* Credentials that change at each fetch (AKIDFETCH1, 2, ...), for the
 * expired-token tests; with s_fetch_slowly, each fetch after the first
 * takes a second. */
static int s_fetches;
static bool s_fetch_slowly;
static es_err s_fetching_get(void *impl, es_creds *out, es_error *err)
{
    (void)impl;
    int n = __atomic_add_fetch(&s_fetches, 1, __ATOMIC_SEQ_CST);
    if (n > 1 && s_fetch_slowly)
        usleep(1000 * 1000);
    char akid[32];
    snprintf(akid, sizeof akid, "AKIDFETCH%d", n);
    return es_creds_fill(out, akid, S_SECRET, "token", time(NULL) + 3600, "test", err);
}
static void s_fetching_destroy(void *impl) { (void)impl; }
static const es_creds_provider_vtable s_fetching_vtable = {.get = s_fetching_get,
                                                           .destroy = s_fetching_destroy};

/* A fresh server state and an S3 client whose credentials are cached from
 * s_fetching_get (fresh for an hour by this clock); *cache is released by
 * the caller after the client. */
static es_s3_client *s_s3_fetching(bool slowly, es_creds_provider **cache)
{
    es_aws_config cfg;
    s_fresh(&cfg, 3);
    s_fetches = 0;
    s_fetch_slowly = slowly;
    es_creds_provider *src = es_creds_provider_wrap(&s_fetching_vtable, &s_fetches);
    *cache = es_creds_provider_new_cached(src, NULL);
    es_creds_provider_release(src);
    es_s3_client *c = *cache ? es_s3_client_new(&cfg, *cache) : NULL;
    if (c)
        es_aws_client_set_retry_hooks(es_s3_client_core(c), s_fake_sleep, NULL, s_half, NULL);
    return c;
}

#define S_EXPIRED_TOKEN \
    "<Error><Code>ExpiredToken</Code><Message>The provided token has expired.</Message></Error>"

/* A request refused with ExpiredToken while this host's clock says the
 * cached credentials are fresh (its clock behind the service's) is sent
 * again at once with credentials fetched anew, and the refusal is logged;
 * a second ExpiredToken is the answer. */
static void test_expired_token_refetches_credentials(void)
{
    es_creds_provider *cache = NULL;
    es_s3_client *c = s_s3_fetching(false, &cache);
    REQUIRE(c);
    const char *expired = S_EXPIRED_TOKEN;
    s_route("PUT", "/bkt/k", 400, expired, NULL, 1);
    s_route("PUT", "/bkt/k", 200, NULL, NULL, 0);
    es_aws_result res;
    es_logcap_start();
    CHECK_OK(es_s3_put_object(c, "bkt", "k", (const uint8_t *)"x", 1, NULL, &res));
    CHECK_STR_CONTAINS(es_logcap_text(), "\"event\":\"creds.expired\"");
    es_logcap_stop();
    CHECK_INT_EQ(res.attempts, 2);
    CHECK_INT_EQ(s_fetches, 2);
    es_test_http_request r;
    REQUIRE(s_nth("PUT", 1, &r));
    CHECK_STR_CONTAINS(es_test_http_request_header(&r, "authorization"), "Credential=AKIDFETCH2/");
    es_test_http_request_free(&r);
    es_test_http_server_clear_routes(s_srv);
    s_route("PUT", "/bkt/k", 400, expired, NULL, 0);
    CHECK_INT_EQ(es_s3_put_object(c, "bkt", "k", (const uint8_t *)"x", 1, NULL, &res), ES_ERR_AUTH);
    CHECK_INT_EQ(res.attempts, 2); /* fetched anew once, then the answer stands */

    /* An S3 HEAD answers 400 without a body: with temporary credentials it
     * may be an expired token too. */
    es_test_http_server_clear_routes(s_srv);
    s_route("HEAD", "/bkt/k", 400, NULL, NULL, 1);
    s_route("HEAD", "/bkt/k", 200, NULL, "Content-Length: 1\r\n", 0);
    int before = s_fetches;
    es_s3_object_info info;
    CHECK_OK(es_s3_head_object(c, "bkt", "k", &info, &res));
    CHECK_INT_EQ(res.attempts, 2);
    CHECK_INT_EQ(s_fetches, before + 1);
    es_s3_client_free(c);
    es_creds_provider_release(cache);

    /* Credentials that do not change when fetched anew (a fixed key pair):
     * not sent again, and nothing logged. */
    c = s_s3(3);
    REQUIRE(c);
    es_test_http_server_clear_routes(s_srv);
    s_route("PUT", "/bkt/k", 400, expired, NULL, 1);
    s_route("PUT", "/bkt/k", 200, NULL, NULL, 0);
    es_logcap_start();
    CHECK_INT_EQ(es_s3_put_object(c, "bkt", "k", (const uint8_t *)"x", 1, NULL, &res), ES_ERR_AUTH);
    CHECK(strstr(es_logcap_text(), "creds.expired") == NULL);
    es_logcap_stop();
    CHECK_INT_EQ(res.attempts, 1);
    es_s3_client_free(c);
}

/* Two requests refused with ExpiredToken one after the other while the
 * first's fetch of new credentials is under way: the second waits for the
 * new ones rather than sending the refused ones again. */
static void test_expired_token_concurrent_requests(void)
{
    es_creds_provider *cache = NULL;
    es_s3_client *c = s_s3_fetching(true, &cache);
    REQUIRE(c);
    es_test_http_route expired = {.method = "PUT",
                                  .path = "/bkt/k",
                                  .status = 400,
                                  .body = S_EXPIRED_TOKEN,
                                  .delay_ms = 300,
                                  .times = 2};
    es_test_http_server_add_route(s_srv, &expired);
    s_route("PUT", "/bkt/k", 200, NULL, NULL, 0);
    s_put_together puts[2];
    s_two_puts_together(c, puts);
    for (int i = 0; i < 2; i++)
        CHECK_OK(puts[i].rc);
    CHECK_INT_EQ(s_fetches, 2);
    for (size_t i = 2; i < 4; i++) {
        es_test_http_request r;
        REQUIRE(s_nth("PUT", i, &r));
        CHECK_STR_CONTAINS(es_test_http_request_header(&r, "authorization"), "Credential=AKIDFETCH2/");
        es_test_http_request_free(&r);
    }
    es_s3_client_free(c);
    es_creds_provider_release(cache);
}

static void test_response_cap(void)
{
    es_sqs_client *q = s_sqs(3);
    REQUIRE(q);
    size_t big = (1u << 20) + 100;
    char *body = malloc(big + 1);
    REQUIRE(body);
    memset(body, ' ', big);
    memcpy(body, "{\"Attributes\":{\"QueueArn\":\"x\"}}", 31);
    body[big] = '\0';
    s_route("POST", "/", 200, body, NULL, 0);
    free(body);
    es_aws_result res;
    char value[64];
    /* the service's fault, not the input's: never category input */
    CHECK_INT_EQ(es_sqs_get_attribute(q, "https://sqs.us-east-1.amazonaws.com/1/q", "QueueArn", value,
                                      sizeof value, &res),
                 ES_ERR_PROTOCOL);
    CHECK(res.answer_too_large);
    CHECK_INT_EQ(res.attempts, 1);
    CHECK_STR_EQ(res.message, "malformed response from the service: response exceeds its size limit (over "
                              "1048576 bytes)");
    char why[ES_ERRBUF_SIZE];
    es_aws_result_describe(&res, res.code, why, sizeof why);
    CHECK_STR_EQ(why, res.message);
    /* the next call's result does not keep the flag */
    es_test_http_server_clear_routes(s_srv);
    s_route("POST", "/", 200, "{\"Attributes\":{\"QueueArn\":\"x\"}}", NULL, 0);
    CHECK_OK(es_sqs_get_attribute(q, "https://sqs.us-east-1.amazonaws.com/1/q", "QueueArn", value,
                                  sizeof value, &res));
    CHECK(!res.answer_too_large);
    es_sqs_client_free(q);
}

/* Issue 10 item 5: a 5xx with a body past the error-body cap (a proxy's HTML
 * page) is still a 5xx: retried, and the body is cut, never fatal. */
static void test_large_5xx_body_retried(void)
{
    es_s3_client *c = s_s3(3);
    REQUIRE(c);
    size_t big = 80u * 1024u;
    char *html = malloc(big + 1);
    REQUIRE(html);
    memset(html, 'x', big);
    html[big] = '\0';
    s_route("GET", "/bkt/k", 503, html, "Content-Type: text/html\r\n", 1);
    free(html);
    s_route("GET", "/bkt/k", 200, "data", NULL, 0);
    s_collect col = {0};
    es_s3_get_options opt = {.on_head = s_head_cb, .on_body = s_body_cb, .ctx = &col};
    es_aws_result res;
    CHECK_OK(es_s3_get_object(c, "bkt", "k", &opt, &res));
    CHECK_INT_EQ(res.attempts, 2);
    CHECK_MEM_EQ(col.data, col.len, "data", 4);
    /* With no attempt left the result is the 503, a transient server error. */
    es_test_http_server_clear_routes(s_srv);
    s_route("GET", "/bkt/k", 503, "<html>busy</html>", NULL, 0);
    col = (s_collect){0};
    es_err rc = es_s3_get_object(c, "bkt", "k", &opt, &res);
    CHECK_INT_EQ(rc, ES_ERR_SERVER);
    CHECK_INT_EQ(res.http_status, 503);
    CHECK_INT_EQ(col.len, 0);
    es_s3_client_free(c);
}

/* Issue 10 item 4: 140 x-amz-meta-* headers (legal for S3) are read; a header
 * block past the parser's bounds is the endpoint's fault, never bad input. */
static void test_many_response_headers(void)
{
    es_s3_client *c = s_s3(1);
    REQUIRE(c);
    size_t cap = 3000u * 40u; /* each line is under 40 bytes */
    char *headers = malloc(cap);
    REQUIRE(headers);
    size_t n = 0;
    for (int i = 0; i < 140; i++)
        n += (size_t)snprintf(headers + n, cap - n, "x-amz-meta-field%03d: v%d\r\n", i, i);
    s_route("GET", "/bkt/meta", 200, "data", headers, 0);
    for (int i = 140; i < 3000; i++)
        n += (size_t)snprintf(headers + n, cap - n, "x-amz-meta-field%03d: v%d\r\n", i, i);
    s_route("GET", "/bkt/flood", 200, "data", headers, 0);
    free(headers);
    s_collect col = {0};
    es_s3_get_options opt = {.on_head = s_head_cb, .on_body = s_body_cb, .ctx = &col};
    es_aws_result res;
    CHECK_OK(es_s3_get_object(c, "bkt", "meta", &opt, &res));
    CHECK_MEM_EQ(col.data, col.len, "data", 4);
    col = (s_collect){0};
    es_err rc = es_s3_get_object(c, "bkt", "flood", &opt, &res);
    CHECK_INT_EQ(rc, ES_ERR_PROTOCOL);
    CHECK(es_err_category(rc) != ES_CAT_INPUT);
    CHECK_STR_CONTAINS(res.message, "response headers exceed");
    char why[ES_ERRBUF_SIZE];
    es_aws_result_describe(&res, rc, why, sizeof why); /* the category is said once */
    CHECK_STR_EQ(why, "malformed response from the service: response headers exceed 49152 bytes or 2304 lines");
    es_s3_client_free(c);
}

static void test_sqs_request_goes_to_endpoint(void)
{
    es_sqs_client *q = s_sqs(3);
    REQUIRE(q);
    s_route("POST", "/", 200,
            "{\"Messages\":[{\"MessageId\":\"m\",\"ReceiptHandle\":\"rh\",\"Body\":\"b\","
            "\"Attributes\":{\"ApproximateReceiveCount\":\"2\"}}]}",
            "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n", 0);
    es_sqs_message *m = NULL;
    size_t n = 0;
    es_aws_result res;
    const char *url = "https://sqs.eu-west-1.amazonaws.com/123456789012/jobs";
    CHECK_OK(es_sqs_receive(q, url, 10, 20, 60, &m, &n, &res));
    CHECK_INT_EQ(n, 1);
    if (n == 1) {
        CHECK_INT_EQ(m[0].receive_count, 2);
        CHECK(m[0].answered_ms == 784111777000ull); /* SQS's time, from its Date header */
    }
    es_sqs_messages_free(m, n);
    es_test_http_request r;
    REQUIRE(s_nth("POST", 0, &r));
    CHECK_STR_EQ(r.path, "/");
    CHECK_STR_EQ(es_test_http_request_header(&r, "content-type"), "application/x-amz-json-1.0");
    CHECK_STR_EQ(es_test_http_request_header(&r, "x-amz-target"), "AmazonSQS.ReceiveMessage");
    CHECK_STR_CONTAINS(es_test_http_request_header(&r, "authorization"), "/us-east-1/sqs/aws4_request");
    CHECK_STR_CONTAINS(r.body, "\"QueueUrl\":\"https://sqs.eu-west-1.amazonaws.com/123456789012/jobs\"");
    CHECK_STR_CONTAINS(r.body, "\"MaxNumberOfMessages\":10");
    CHECK_STR_CONTAINS(r.body, "\"WaitTimeSeconds\":20");
    CHECK_STR_CONTAINS(r.body, "\"VisibilityTimeout\":60");
    CHECK_STR_CONTAINS(r.body, "ApproximateReceiveCount");
    CHECK_STR_CONTAINS(r.body, "ApproximateFirstReceiveTimestamp");
    es_test_http_request_free(&r);

    /* Errors come from "__type"; a missing queue is ES_ERR_NOT_FOUND. */
    es_test_http_server_clear_routes(s_srv);
    s_route("POST", "/", 400,
            "{\"__type\":\"com.amazonaws.sqs#QueueDoesNotExist\",\"message\":\"The specified queue does not exist.\"}",
            "x-amzn-RequestId: SQS-RID\r\n", 0);
    CHECK_INT_EQ(es_sqs_delete(q, url, "rh", &res), ES_ERR_NOT_FOUND);
    CHECK_STR_EQ(res.aws_code, "QueueDoesNotExist");
    CHECK_STR_EQ(res.request_id, "SQS-RID");

    /* An endpoint speaking only the query protocol answers in XML: said so. */
    es_test_http_server_clear_routes(s_srv);
    s_route("POST", "/", 400,
            "<?xml version=\"1.0\"?>\n<ErrorResponse><Error><Type>Sender</Type><Code>MissingAction</Code>"
            "</Error></ErrorResponse>",
            NULL, 0);
    CHECK_INT_EQ(es_sqs_delete(q, url, "rh", &res), ES_ERR_CLIENT);
    CHECK_STR_CONTAINS(res.message,
                       "HTTP 400: the answer is the query protocol's XML <ErrorResponse>, not AWS JSON 1.0");
    es_sqs_client_free(q);
}

/* A fresh server state and an S3 client (one attempt) signing with session
 * credentials whose token is token; *provider is for the caller to release. */
static es_s3_client *s_s3_with_token(const char *token, es_creds_provider **provider)
{
    es_aws_config cfg;
    s_fresh(&cfg, 1);
    *provider = es_creds_provider_new_static("AKIDEXAMPLE", S_SECRET, token);
    return *provider ? es_s3_client_new(&cfg, *provider) : NULL;
}

static void test_secrets_never_in_results(void)
{
    const char *token = "FQoGZXIvYXdzEXAMPLETOKENVALUE1234567890";
    es_creds_provider *p = NULL;
    es_s3_client *c = s_s3_with_token(token, &p);
    REQUIRE(c);
    /* A hostile server echoing the secret and the token back. */
    char body[512];
    snprintf(body, sizeof body,
             "<Error><Code>AccessDenied</Code><Message>secret %s token %s</Message>"
             "<RequestId>%s</RequestId></Error>",
             S_SECRET, token, token);
    s_route("PUT", "/bkt/k", 403, body, NULL, 0);
    es_aws_result res;
    CHECK_INT_EQ(es_s3_put_object(c, "bkt", "k", (const uint8_t *)"x", 1, NULL, &res), ES_ERR_AUTH);
    CHECK(strstr(res.message, S_SECRET) == NULL);
    CHECK(strstr(res.message, token) == NULL);
    CHECK(strstr(res.request_id, token) == NULL);
    CHECK_STR_CONTAINS(res.message, "AccessDenied");
    /* The token is sent (and signed) but only in its header. */
    es_test_http_request r;
    REQUIRE(s_nth("PUT", 0, &r));
    CHECK_STR_EQ(es_test_http_request_header(&r, "x-amz-security-token"), token);
    CHECK_STR_CONTAINS(es_test_http_request_header(&r, "authorization"), "x-amz-security-token");
    es_test_http_request_free(&r);
    es_s3_client_free(c);
    es_creds_provider_release(p);
}

/* Issue 10 item 8: a long session token echoed in an error message that is
 * cut to fit leaves no 16-character piece of itself in any result field. */
static void test_echoed_long_token_scrubbed_before_truncation(void)
{
    char token[732];
    for (size_t i = 0; i < sizeof token - 1; i++)
        token[i] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"[(i * 7 + i / 62) % 62];
    token[sizeof token - 1] = '\0';
    es_creds_provider *p = NULL;
    es_s3_client *c = s_s3_with_token(token, &p);
    REQUIRE(c);
    char body[2048];
    snprintf(body, sizeof body,
             "<Error><Code>AccessDenied</Code><Message>Access denied for request "
             "signed with x-amz-security-token=%s</Message><RequestId>%.100s</RequestId></Error>",
             token, token + 3);
    s_route("PUT", "/bkt/k", 403, body, NULL, 0);
    es_aws_result res;
    CHECK_INT_EQ(es_s3_put_object(c, "bkt", "k", (const uint8_t *)"x", 1, NULL, &res), ES_ERR_AUTH);
    CHECK_STR_CONTAINS(res.message, "AccessDenied");
    CHECK_STR_CONTAINS(res.message, "[redacted]");
    for (size_t i = 0; i + 16 <= strlen(token); i++) {
        char piece[17];
        memcpy(piece, token + i, 16);
        piece[16] = '\0';
        if (strstr(res.message, piece) || strstr(res.request_id, piece)) {
            CHECK(!"a 16-character piece of the token survived");
            break;
        }
    }
    es_s3_client_free(c);
    es_creds_provider_release(p);
}

/* One client shared by several threads (each with its own curl handle). */
typedef struct s_worker {
    es_s3_client *c;
    const char *key;
    int puts;
    int ok;
} s_worker;

static void *s_worker_main(void *arg)
{
    s_worker *w = arg;
    for (int i = 0; i < w->puts; i++) {
        es_aws_result res;
        if (es_s3_put_object(w->c, "bkt", w->key, (const uint8_t *)"x", 1, NULL, &res) == ES_OK)
            w->ok++;
    }
    return NULL;
}

/* Starts n (at most 4) threads that each PUT bkt/key `puts` times through c
 * at once; returns how many PUTs succeeded, -1 when a thread did not start. */
static int s_put_from_threads(es_s3_client *c, int n, const char *key, int puts)
{
    pthread_t th[4];
    s_worker w[4];
    int started = 0, ok = 0;
    for (; started < n && started < 4; started++) {
        w[started] = (s_worker){.c = c, .key = key, .puts = puts};
        if (pthread_create(&th[started], NULL, s_worker_main, &w[started]) != 0)
            break;
    }
    for (int i = 0; i < started; i++) {
        pthread_join(th[i], NULL);
        ok += w[i].ok;
    }
    return started == n ? ok : -1;
}

static void test_shared_client_threads(void)
{
    es_s3_client *c = s_s3(10); /* enough attempts even if one call meets all five 503s */
    REQUIRE(c);
    s_route("PUT", "/bkt/shared", 503, s_slowdown, NULL, 5); /* a few retries in the mix */
    s_route("PUT", "/bkt/shared", 200, NULL, NULL, 0);
    CHECK_INT_EQ(s_put_from_threads(c, 4, "shared", 10), 40);
    CHECK_INT_EQ(es_test_http_server_count(s_srv, "PUT", "/bkt/shared"), 45);
    es_s3_client_free(c);
}

/* The two threads of test_shared_client_retries_meet: each one's sleep
 * hook waits (up to 5 s) until the other's has run too. */
typedef struct s_meeting {
    atomic_int arrived;
} s_meeting;

static void s_sleep_and_meet(void *ctx, long ms)
{
    s_meeting *m = ctx;
    s_fake_sleep(NULL, ms);
    atomic_fetch_add(&m->arrived, 1);
    for (uint64_t until = es_test_now_ms() + 5000; atomic_load(&m->arrived) < 2 && es_test_now_ms() < until;)
        es_test_sleep_ms(1);
}

/* Two threads sharing a client meet a 503 each and back off at the same
 * moment (neither sleep returns before both began): the client's retry
 * hook runs in both at once, and each sleep is counted. Under
 * ThreadSanitizer this catches the hook's counters shared unsafely, which
 * test_shared_client_threads hits only when two retries happen to coincide. */
static void test_shared_client_retries_meet(void)
{
    es_s3_client *c = s_s3(3);
    REQUIRE(c);
    s_meeting meeting = {0};
    es_aws_client_set_retry_hooks(es_s3_client_core(c), s_sleep_and_meet, &meeting, s_half, NULL);
    s_route("PUT", "/bkt/met", 503, s_slowdown, NULL, 2); /* the first request of each thread */
    s_route("PUT", "/bkt/met", 200, NULL, NULL, 0);
    CHECK_INT_EQ(s_put_from_threads(c, 2, "met", 1), 2);
    CHECK_INT_EQ(atomic_load(&meeting.arrived), 2);
    CHECK_INT_EQ(s_sleeps, 2);
    CHECK_INT_EQ(s_slept_ms, 50 + 50); /* full jitter at 0.5 of the first backoff, 100 ms */
    es_s3_client_free(c);
}

int main(void)
{
    s_srv = es_test_http_server_start();
    s_creds = es_creds_provider_new_static("AKIDEXAMPLE", S_SECRET, NULL);
    if (!s_srv || !s_creds)
        return 1;
    ES_RUN(test_wire_format_of_put);
    ES_RUN(test_header_lines_with_and_without_value);
    ES_RUN(test_get_and_list_requests);
    ES_RUN(test_retry_503_then_success);
    ES_RUN(test_final_errors_map);
    ES_RUN(test_dropped_connection_retried);
    ES_RUN(test_no_retry_after_body_bytes);
    ES_RUN(test_callback_failure_is_final);
    ES_RUN(test_nested_request_from_body_callback);
    ES_RUN(test_quota_exhaustion);
    ES_RUN(test_timeout_retried_with_higher_cost);
    ES_RUN(test_clock_skew_corrected);
    ES_RUN(test_clock_skew_concurrent_requests);
    ES_RUN(test_expired_token_refetches_credentials);
    ES_RUN(test_expired_token_concurrent_requests);
    ES_RUN(test_response_cap);
    ES_RUN(test_large_5xx_body_retried);
    ES_RUN(test_many_response_headers);
    ES_RUN(test_sqs_request_goes_to_endpoint);
    ES_RUN(test_secrets_never_in_results);
    ES_RUN(test_echoed_long_token_scrubbed_before_truncation);
    ES_RUN(test_shared_client_threads);
    ES_RUN(test_shared_client_retries_meet);
    es_creds_provider_release(s_creds);
    es_test_http_server_stop(s_srv);
    return es_test_finish();
}
