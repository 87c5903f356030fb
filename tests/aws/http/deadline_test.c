/* deadline_test.c - the per-thread deadline of src/aws/http/request.c against
 * the scripted 127.0.0.1 server of tests/support/http_server: a request whose
 * answer would take 30 s ends with ES_ERR_TIMEOUT soon after the deadline,
 * the signed/retried call (client/client.c) retries nothing after it, a
 * passed deadline sends nothing, a removed one lets requests through, and
 * another thread is unaffected. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../harness/test.h"
#include "../../support/http_server.h"
#include "../../support/wait.h"
#include "aws/http/http.h"
#include "aws/s3/internal.h"
#include "aws/s3/s3.h"

#define S_SLOW_MS 30000u         /* the server's delay: far beyond every bound below */
#define S_DEADLINE_MS 500        /* from the request's start */
#define S_AFTER_DEADLINE_MS 2500 /* from the deadline to the call returning (curl polls ~1/s) */

/* A server whose GET /slow (and /bkt/slow) answers only after S_SLOW_MS and
 * whose /fast answers at once. */
static es_test_http_server *s_server(void)
{
    es_test_http_server *srv = es_test_http_server_start();
    if (!srv)
        return NULL;
    es_test_http_route slow = {.method = "GET",
                               .path = "/slow",
                               .status = 200,
                               .body = "late",
                               .delay_ms = S_SLOW_MS};
    es_test_http_server_add_route(srv, &slow);
    slow.path = "/bkt/slow";
    es_test_http_server_add_route(srv, &slow);
    es_test_http_server_route(srv, NULL, "/fast", 200, "quick");
    return srv;
}

static void s_request(es_http_request *req, const es_test_http_server *srv, const char *path, char *url,
                      size_t url_size)
{
    snprintf(url, url_size, "%s%s", es_test_http_server_url(srv), path);
    memset(req, 0, sizeof *req);
    req->method = "GET";
    req->url = url;
    req->max_body = 4096;
    req->low_speed_time_s = 120; /* only the deadline can end the slow request early */
}

static void test_in_flight_request_ends_at_the_deadline(void)
{
    es_test_http_server *srv = s_server();
    REQUIRE(srv);
    char url[128];
    es_http_request req;
    s_request(&req, srv, "/slow", url, sizeof url);
    es_http_response resp;
    es_http_response_init(&resp);
    uint64_t start = es_test_now_ms();
    CHECK_INT_EQ(es_http_set_thread_deadline(es_http_now_ms() + S_DEADLINE_MS), 0);
    es_err rc = es_http_perform(&req, &resp);
    uint64_t took = es_test_now_ms() - start;
    CHECK(es_http_thread_deadline_passed());
    es_http_set_thread_deadline(0);
    CHECK(!es_http_thread_deadline_passed());
    CHECK_INT_EQ(rc, ES_ERR_TIMEOUT);
    CHECK_STR_CONTAINS(resp.error, "deadline passed while the request was in flight");
    CHECK(took >= S_DEADLINE_MS); /* it really was waiting, not refused up front */
    CHECK(took < S_DEADLINE_MS + S_AFTER_DEADLINE_MS);
    CHECK_INT_EQ(es_test_http_server_count(srv, "GET", "/slow"), 1);
    es_http_response_clean(&resp);
    es_test_http_server_stop(srv);
}

static void s_fake_sleep(void *ctx, long ms)
{
    (void)ms;
    ++*(int *)ctx;
}

/* A deadline is not a transient failure to retry: the call gives up after
 * the attempt it stopped, however many attempts remain. */
static void test_signed_call_retries_nothing_after_the_deadline(void)
{
    es_test_http_server *srv = s_server();
    REQUIRE(srv);
    es_creds_provider *creds = es_creds_provider_new_static("AKIDEXAMPLE", "secret-for-the-test", NULL);
    REQUIRE(creds);
    es_aws_config cfg;
    memset(&cfg, 0, sizeof cfg);
    strcpy(cfg.region, "us-east-1");
    snprintf(cfg.s3_endpoint, sizeof cfg.s3_endpoint, "%s", es_test_http_server_url(srv));
    cfg.max_attempts = 3;
    cfg.connect_timeout_ms = 2000;
    cfg.low_speed_time_s = 120;
    es_s3_client *c = es_s3_client_new(&cfg, creds);
    REQUIRE(c);
    int sleeps = 0;
    es_aws_client_set_retry_hooks(es_s3_client_core(c), s_fake_sleep, &sleeps, NULL, NULL);
    uint64_t start = es_test_now_ms();
    es_http_set_thread_deadline(es_http_now_ms() + S_DEADLINE_MS);
    es_aws_result res;
    es_err rc = es_s3_get_object(c, "bkt", "slow", NULL, &res);
    es_http_set_thread_deadline(0);
    CHECK_INT_EQ(rc, ES_ERR_TIMEOUT);
    CHECK_INT_EQ(res.attempts, 1);
    CHECK_INT_EQ(sleeps, 0);
    CHECK_STR_CONTAINS(res.message, "deadline");
    CHECK(es_test_now_ms() - start < S_DEADLINE_MS + S_AFTER_DEADLINE_MS);
    CHECK_INT_EQ(es_test_http_server_count(srv, "GET", "/bkt/slow"), 1);
    es_s3_client_free(c);
    es_creds_provider_release(creds);
    es_test_http_server_stop(srv);
}

/* Once the deadline has passed nothing is sent; removed, requests go through. */
static void test_passed_deadline_sends_nothing(void)
{
    es_test_http_server *srv = s_server();
    REQUIRE(srv);
    char url[128];
    es_http_request req;
    s_request(&req, srv, "/fast", url, sizeof url);
    es_http_response resp;
    es_http_response_init(&resp);
    es_http_set_thread_deadline(es_http_now_ms());
    CHECK_INT_EQ(es_http_perform(&req, &resp), ES_ERR_TIMEOUT);
    CHECK_STR_CONTAINS(resp.error, "deadline passed before the request was sent");
    es_test_sleep_ms(200); /* a request, had one been sent, would be logged by now */
    CHECK_INT_EQ(es_test_http_server_request_count(srv), 0);
    es_http_set_thread_deadline(0);
    CHECK_INT_EQ(es_http_perform(&req, &resp), ES_OK);
    CHECK_INT_EQ(resp.status, 200);
    es_http_response_clean(&resp);
    es_test_http_server_stop(srv);
}

typedef struct s_other {
    const es_test_http_server *srv;
    es_err rc;
} s_other;

static void *s_other_main(void *arg)
{
    s_other *o = arg;
    char url[128];
    es_http_request req;
    s_request(&req, o->srv, "/fast", url, sizeof url);
    es_http_response resp;
    es_http_response_init(&resp);
    o->rc = es_http_perform(&req, &resp);
    es_http_response_clean(&resp);
    return NULL;
}

static void test_deadline_is_per_thread(void)
{
    es_test_http_server *srv = s_server();
    REQUIRE(srv);
    es_http_set_thread_deadline(es_http_now_ms());
    s_other o = {.srv = srv, .rc = ES_ERR_INTERNAL};
    pthread_t t;
    REQUIRE(pthread_create(&t, NULL, s_other_main, &o) == 0);
    pthread_join(t, NULL);
    es_http_set_thread_deadline(0);
    CHECK_INT_EQ(o.rc, ES_OK);
    CHECK_INT_EQ(es_test_http_server_count(srv, "GET", "/fast"), 1);
    es_test_http_server_stop(srv);
}

int main(void)
{
    ES_RUN(test_in_flight_request_ends_at_the_deadline);
    ES_RUN(test_signed_call_retries_nothing_after_the_deadline);
    ES_RUN(test_passed_deadline_sends_nothing);
    ES_RUN(test_deadline_is_per_thread);
    return es_test_finish();
}
