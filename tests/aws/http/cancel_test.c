/* cancel_test.c - the per-thread cancel token and deadline of
 * src/aws/http/request.c against the scripted 127.0.0.1 server of
 * tests/support/http_server: a request stuck waiting for a reply that would
 * take 30 s ends with ES_ERR_CANCELLED soon after the flag is raised (with
 * ES_ERR_TIMEOUT soon after the deadline), the signed/retried call
 * (client/client.c, http/retry.c) does not retry it, a raised token or a
 * passed deadline sends nothing, nested requests are covered, and other
 * threads and a removed token or deadline are unaffected. Each test uses its
 * own server because the slow route blocks it for one connection. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../harness/test.h"
#include "../../support/http_server.h"
#include "../../support/wait.h"
#include "aws/http/http.h"
#include "aws/http/retry.h"
#include "aws/s3/s3.h"
#include "aws/s3/internal.h"

#define S_SLOW_MS 30000u      /* the server's delay: far beyond every bound below */
#define S_RAISE_AFTER_MS 500  /* the request is in flight by then */
#define S_LIMIT_MS 5000       /* the whole call, with a 30 s server delay */
#define S_AFTER_RAISE_MS 2500 /* from raising the flag to the call returning (curl polls ~1/s) */

/* A server whose GET /slow (and GET /bkt/slow) answers only after S_SLOW_MS
 * and whose /fast answers at once. */
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

static void s_request(es_http_request *req, const es_test_http_server *srv, const char *method,
                      const char *path, char *url, size_t url_size)
{
    snprintf(url, url_size, "%s%s", es_test_http_server_url(srv), path);
    memset(req, 0, sizeof *req);
    req->method = method;
    req->url = url;
    req->max_body = 4096;
    req->low_speed_time_s = 120; /* only the token can end the slow request early */
}

/* Raises *flag after delay_ms and notes when. */
typedef struct s_raiser {
    atomic_int *flag;
    long delay_ms;
    uint64_t raised_at;
    pthread_t thread;
} s_raiser;

static void *s_raiser_main(void *arg)
{
    s_raiser *r = arg;
    es_test_sleep_ms(r->delay_ms);
    r->raised_at = es_test_now_ms();
    atomic_store(r->flag, 1);
    return NULL;
}

static bool s_raise_later(s_raiser *r, atomic_int *flag, long delay_ms)
{
    r->flag = flag;
    r->delay_ms = delay_ms;
    r->raised_at = 0;
    return pthread_create(&r->thread, NULL, s_raiser_main, r) == 0;
}

/* GETs /slow, raises *flag S_RAISE_AFTER_MS later and checks the request
 * ended as cancelled soon after that, having really waited until then. */
static void s_slow_get_cancelled(es_test_http_server *srv, atomic_int *flag, es_http_response *resp)
{
    char url[128];
    es_http_request req;
    s_request(&req, srv, "GET", "/slow", url, sizeof url);
    s_raiser r;
    uint64_t start = es_test_now_ms();
    REQUIRE(s_raise_later(&r, flag, S_RAISE_AFTER_MS));
    es_err rc = es_http_perform(&req, resp);
    uint64_t end = es_test_now_ms();
    pthread_join(r.thread, NULL);
    CHECK_INT_EQ(rc, ES_ERR_CANCELLED);
    CHECK(end - start >= S_RAISE_AFTER_MS); /* it really was waiting, not refused up front */
    CHECK(end - start < S_LIMIT_MS);
    CHECK(end - r.raised_at < S_AFTER_RAISE_MS);
}

static void test_in_flight_request_is_cancelled(void)
{
    es_test_http_server *srv = s_server();
    REQUIRE(srv);
    atomic_int flag = 0;
    CHECK(es_http_set_thread_cancel(&flag) == NULL);
    es_http_response resp;
    es_http_response_init(&resp);
    s_slow_get_cancelled(srv, &flag, &resp);
    CHECK_INT_EQ(resp.status, 0);
    CHECK_STR_CONTAINS(resp.error, "cancelled");
    CHECK_INT_EQ(es_test_http_server_count(srv, "GET", "/slow"), 1);
    CHECK(es_http_set_thread_cancel(NULL) == &flag);
    es_http_response_clean(&resp);
    es_test_http_server_stop(srv);
}

static void s_fake_sleep(void *ctx, long ms)
{
    (void)ms;
    ++*(int *)ctx;
}

/* A signed S3 client of srv (3 attempts, backoffs counted in *sleeps, not slept). */
static es_s3_client *s_s3_client(const es_test_http_server *srv, es_creds_provider **creds, int *sleeps)
{
    *creds = es_creds_provider_new_static("AKIDEXAMPLE", "secret-for-the-test", NULL);
    if (!*creds)
        return NULL;
    es_aws_config cfg;
    memset(&cfg, 0, sizeof cfg);
    strcpy(cfg.region, "us-east-1");
    snprintf(cfg.s3_endpoint, sizeof cfg.s3_endpoint, "%s", es_test_http_server_url(srv));
    cfg.max_attempts = 3;
    cfg.connect_timeout_ms = 2000;
    cfg.low_speed_time_s = 120;
    es_s3_client *c = es_s3_client_new(&cfg, *creds);
    if (c)
        es_aws_client_set_retry_hooks(es_s3_client_core(c), s_fake_sleep, sleeps, NULL, NULL);
    return c;
}

static void test_signed_call_is_not_retried(void)
{
    es_test_http_server *srv = s_server();
    REQUIRE(srv);
    es_creds_provider *creds;
    int sleeps = 0;
    es_s3_client *c = s_s3_client(srv, &creds, &sleeps);
    REQUIRE(c);
    int tokens = es_aws_client_retry_tokens(es_s3_client_core(c));

    atomic_int flag = 0;
    es_http_set_thread_cancel(&flag);
    s_raiser r;
    uint64_t start = es_test_now_ms();
    REQUIRE(s_raise_later(&r, &flag, S_RAISE_AFTER_MS));
    es_aws_result res;
    es_err rc = es_s3_get_object(c, "bkt", "slow", NULL, &res);
    uint64_t end = es_test_now_ms();
    pthread_join(r.thread, NULL);
    es_http_set_thread_cancel(NULL);
    CHECK_INT_EQ(rc, ES_ERR_CANCELLED);
    CHECK_INT_EQ(res.code, ES_ERR_CANCELLED);
    CHECK_INT_EQ(res.attempts, 1); /* final at once: no second attempt, no backoff */
    CHECK_INT_EQ(sleeps, 0);
    CHECK_INT_EQ(es_aws_client_retry_tokens(es_s3_client_core(c)), tokens);
    CHECK_STR_CONTAINS(res.message, "cancelled");
    CHECK(end - start < S_LIMIT_MS);
    CHECK(end - r.raised_at < S_AFTER_RAISE_MS);
    /* The classification behind it: a cancellation is never retried. */
    es_retry_class cls = es_retry_classify(ES_ERR_CANCELLED, 0, NULL);
    CHECK(!cls.retryable);
    CHECK_INT_EQ(cls.code, ES_ERR_CANCELLED);
    es_s3_client_free(c);
    es_creds_provider_release(creds);
    es_test_http_server_stop(srv);
}

static void test_raised_token_sends_nothing(void)
{
    es_test_http_server *srv = s_server();
    REQUIRE(srv);
    atomic_int flag = 1;
    es_http_set_thread_cancel(&flag);
    CHECK(es_http_thread_cancelled());
    char url[128];
    es_http_request req;
    s_request(&req, srv, "GET", "/fast", url, sizeof url);
    es_http_response resp;
    es_http_response_init(&resp);
    uint64_t start = es_test_now_ms();
    CHECK_INT_EQ(es_http_perform(&req, &resp), ES_ERR_CANCELLED);
    CHECK(es_test_now_ms() - start < 1000);
    es_http_set_thread_cancel(NULL);
    CHECK(!es_http_thread_cancelled());
    es_test_sleep_ms(200); /* a request, had one been sent, would be logged by now */
    CHECK_INT_EQ(es_test_http_server_request_count(srv), 0);
    es_http_response_clean(&resp);
    es_test_http_server_stop(srv);
}

/* Issue 10 item 7: the process-wide token (a daemon's hard shutdown
 * deadline) ends a request even while the thread's own token is suspended,
 * as a multipart abort sends it, and once raised it sends nothing. */
static void test_process_token_overrides_suspension(void)
{
    es_test_http_server *srv = s_server();
    REQUIRE(srv);
    atomic_int hard = 0;
    es_http_set_process_cancel(&hard);
    CHECK(es_http_set_thread_cancel(NULL) == NULL); /* nothing of the thread's own */
    es_http_response resp;
    es_http_response_init(&resp);
    s_slow_get_cancelled(srv, &hard, &resp);
    CHECK(es_http_thread_cancelled());
    char url[128];
    es_http_request req;
    s_request(&req, srv, "GET", "/fast", url, sizeof url);
    CHECK_INT_EQ(es_http_perform(&req, &resp), ES_ERR_CANCELLED);
    es_http_set_process_cancel(NULL);
    CHECK(!es_http_thread_cancelled());
    CHECK_OK(es_http_perform(&req, &resp));
    CHECK_INT_EQ(es_test_http_server_count(srv, "GET", "/fast"), 1);
    es_http_response_clean(&resp);
    es_test_http_server_stop(srv);
}

/* A token installed but not raised changes nothing (progress polling on). */
static void test_lowered_token_lets_requests_through(void)
{
    es_test_http_server *srv = s_server();
    REQUIRE(srv);
    atomic_int flag = 0;
    es_http_set_thread_cancel(&flag);
    char url[128];
    es_http_request req;
    s_request(&req, srv, "PUT", "/fast", url, sizeof url);
    static const uint8_t body[] = "uploaded bytes";
    req.body = body;
    req.body_len = sizeof body - 1;
    es_http_response resp;
    es_http_response_init(&resp);
    CHECK_OK(es_http_perform(&req, &resp));
    CHECK_INT_EQ(resp.status, 200);
    CHECK_MEM_EQ(resp.body.data, resp.body.len, "quick", 5);
    es_test_http_request got;
    REQUIRE(es_test_http_server_request(srv, 0, &got));
    CHECK_MEM_EQ(got.body, got.body_len, body, sizeof body - 1);
    es_test_http_request_free(&got);
    es_http_set_thread_cancel(NULL);
    es_http_response_clean(&resp);
    es_test_http_server_stop(srv);
}

typedef struct s_other {
    es_test_http_server *srv;
    bool cancelled_here;
    es_err rc;
    long status;
} s_other;

static void *s_other_main(void *arg)
{
    s_other *o = arg;
    o->cancelled_here = es_http_thread_cancelled();
    char url[128];
    es_http_request req;
    s_request(&req, o->srv, "GET", "/fast", url, sizeof url);
    es_http_response resp;
    es_http_response_init(&resp);
    o->rc = es_http_perform(&req, &resp);
    o->status = resp.status;
    es_http_response_clean(&resp);
    return NULL;
}

/* Like the worker's delete batcher: a thread without a token keeps working
 * while another thread's token is raised; removing a token re-enables a thread. */
static void test_token_is_per_thread(void)
{
    es_test_http_server *srv = s_server();
    REQUIRE(srv);
    atomic_int flag = 1;
    es_http_set_thread_cancel(&flag);
    s_other o = {.srv = srv, .rc = ES_ERR_INTERNAL};
    pthread_t th;
    REQUIRE(pthread_create(&th, NULL, s_other_main, &o) == 0);
    pthread_join(th, NULL);
    CHECK(!o.cancelled_here);
    CHECK_OK(o.rc);
    CHECK_INT_EQ(o.status, 200);
    /* Suspending the token (as the multipart abort does) and restoring it. */
    const atomic_int *prev = es_http_set_thread_cancel(NULL);
    CHECK(prev == &flag);
    char url[128];
    es_http_request req;
    s_request(&req, srv, "GET", "/fast", url, sizeof url);
    es_http_response resp;
    es_http_response_init(&resp);
    CHECK_OK(es_http_perform(&req, &resp));
    CHECK_INT_EQ(resp.status, 200);
    CHECK(es_http_set_thread_cancel(prev) == NULL);
    CHECK_INT_EQ(es_http_perform(&req, &resp), ES_ERR_CANCELLED);
    es_http_set_thread_cancel(NULL);
    CHECK_INT_EQ(es_test_http_server_count(srv, "GET", "/fast"), 2);
    es_http_response_clean(&resp);
    es_test_http_server_stop(srv);
}

typedef struct s_nest {
    atomic_int *flag;
    es_test_http_server *srv;
    es_err nested_rc;
    int calls;
} s_nest;

/* Raises the token, then makes a request from inside the body callback (as
 * the worker uploads parts while its GET streams). */
static es_err s_nest_body(void *ctx, const es_http_response *resp, const uint8_t *data, size_t len)
{
    (void)resp, (void)data, (void)len;
    s_nest *n = ctx;
    if (n->calls++ > 0)
        return ES_OK;
    atomic_store(n->flag, 1);
    char url[128];
    es_http_request req;
    s_request(&req, n->srv, "PUT", "/nested", url, sizeof url);
    es_http_response inner;
    es_http_response_init(&inner);
    n->nested_rc = es_http_perform(&req, &inner);
    es_http_response_clean(&inner);
    return ES_OK;
}

static void test_nested_requests_share_the_token(void)
{
    es_test_http_server *srv = s_server();
    REQUIRE(srv);
    atomic_int flag = 0;
    es_http_set_thread_cancel(&flag);
    s_nest n = {.flag = &flag, .srv = srv, .nested_rc = ES_ERR_INTERNAL};
    char url[128];
    es_http_request req;
    s_request(&req, srv, "GET", "/fast", url, sizeof url);
    req.on_body = s_nest_body;
    req.body_ctx = &n;
    es_http_response resp;
    es_http_response_init(&resp);
    es_err rc = es_http_perform(&req, &resp);
    es_http_set_thread_cancel(NULL);
    CHECK(rc == ES_OK || rc == ES_ERR_CANCELLED); /* the outer body may already be complete */
    CHECK_INT_EQ(n.calls, 1);
    CHECK_INT_EQ(n.nested_rc, ES_ERR_CANCELLED);
    CHECK_INT_EQ(es_test_http_server_count(srv, "PUT", "/nested"), 0);
    es_http_response_clean(&resp);
    es_test_http_server_stop(srv);
}

#define S_DEADLINE_MS 500        /* from the request's start */
#define S_AFTER_DEADLINE_MS 2500 /* from the deadline to the call returning (curl polls ~1/s) */

static void test_in_flight_request_ends_at_the_deadline(void)
{
    es_test_http_server *srv = s_server();
    REQUIRE(srv);
    char url[128];
    es_http_request req;
    s_request(&req, srv, "GET", "/slow", url, sizeof url);
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

/* A deadline is not a transient failure to retry: the call gives up after
 * the attempt it stopped, however many attempts remain. */
static void test_signed_call_retries_nothing_after_the_deadline(void)
{
    es_test_http_server *srv = s_server();
    REQUIRE(srv);
    es_creds_provider *creds;
    int sleeps = 0;
    es_s3_client *c = s_s3_client(srv, &creds, &sleeps);
    REQUIRE(c);
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

/* Once the deadline has passed nothing is sent, not in another thread;
 * removed, requests go through. */
static void test_passed_deadline_sends_nothing(void)
{
    es_test_http_server *srv = s_server();
    REQUIRE(srv);
    char url[128];
    es_http_request req;
    s_request(&req, srv, "GET", "/fast", url, sizeof url);
    es_http_response resp;
    es_http_response_init(&resp);
    es_http_set_thread_deadline(es_http_now_ms());
    CHECK_INT_EQ(es_http_perform(&req, &resp), ES_ERR_TIMEOUT);
    CHECK_STR_CONTAINS(resp.error, "deadline passed before the request was sent");
    es_test_sleep_ms(200); /* a request, had one been sent, would be logged by now */
    CHECK_INT_EQ(es_test_http_server_request_count(srv), 0);
    s_other o = {.srv = srv, .rc = ES_ERR_INTERNAL};
    pthread_t th;
    REQUIRE(pthread_create(&th, NULL, s_other_main, &o) == 0);
    pthread_join(th, NULL);
    CHECK_OK(o.rc); /* another thread: no deadline */
    CHECK_INT_EQ(es_test_http_server_count(srv, "GET", "/fast"), 1);
    es_http_set_thread_deadline(0);
    CHECK_INT_EQ(es_http_perform(&req, &resp), ES_OK);
    CHECK_INT_EQ(resp.status, 200);
    es_http_response_clean(&resp);
    es_test_http_server_stop(srv);
}

int main(void)
{
    ES_RUN(test_in_flight_request_ends_at_the_deadline);
    ES_RUN(test_signed_call_retries_nothing_after_the_deadline);
    ES_RUN(test_passed_deadline_sends_nothing);
    ES_RUN(test_in_flight_request_is_cancelled);
    ES_RUN(test_signed_call_is_not_retried);
    ES_RUN(test_raised_token_sends_nothing);
    ES_RUN(test_lowered_token_lets_requests_through);
    ES_RUN(test_process_token_overrides_suspension);
    ES_RUN(test_token_is_per_thread);
    ES_RUN(test_nested_requests_share_the_token);
    return es_test_finish();
}
