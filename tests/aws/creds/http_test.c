/* http_test.c - the credential providers' HTTP call (src/aws/creds/http.h) over
 * the shared transport, against the scripted server on 127.0.0.1: methods,
 * headers and bodies as sent, empty and non-2xx bodies, the 64 KiB body cap,
 * retries of transient outcomes only, timeouts, proxies bypassed on request,
 * AWS_CA_BUNDLE honoured, and messages that name the origin but never the
 * path or query. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws/creds/http.h"
#include "aws/http/http.h"
#include "../../harness/test.h"
#include "../../support/aws_env.h"
#include "../../support/http_server.h"

static es_test_http_server *s_srv;
static char s_url[512];

static void s_setup(void)
{
    es_test_aws_env_reset(NULL);
    unsetenv("NO_PROXY");
    unsetenv("no_proxy");
    es_test_http_server_clear_routes(s_srv);
    es_test_http_server_clear_requests(s_srv);
}

static const char *s_at(const char *path)
{
    snprintf(s_url, sizeof s_url, "%s%s", es_test_http_server_url(s_srv), path);
    return s_url;
}

static double s_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A URL on 127.0.0.1 where nothing listens (a stopped server's port). */
static void s_dead_origin(char *out, size_t n)
{
    es_test_http_server *dead = es_test_http_server_start();
    snprintf(out, n, "%s", dead ? es_test_http_server_url(dead) : "http://127.0.0.1:1");
    es_test_http_server_stop(dead);
}

static void test_get_put_post_as_sent(void)
{
    es_creds_http_resp resp;
    es_error err;
    es_test_http_request r;
    s_setup();
    es_test_http_server_route(s_srv, "GET", "/role", 200, "my-role\n");
    es_test_http_server_route(s_srv, "PUT", "/token", 200, "tok");
    es_test_http_server_route(s_srv, "POST", "/", 200, "<ok/>");

    const char *h1[] = {"Accept: application/json"};
    es_creds_http_req get = {.method = "GET", .url = s_at("/role"), .headers = h1, .header_count = 1};
    es_error_clear(&err);
    CHECK_OK(es_creds_http_do(&get, &resp, &err));
    CHECK_INT_EQ(resp.status, 200);
    CHECK_STR_EQ(resp.body, "my-role\n");
    CHECK_INT_EQ(resp.len, 8);
    es_creds_http_resp_free(&resp);
    CHECK(resp.body == NULL);

    const char *h2[] = {"X-aws-ec2-metadata-token-ttl-seconds: 21600"};
    es_creds_http_req put = {.method = "PUT", .url = s_at("/token"), .headers = h2, .header_count = 1};
    CHECK_OK(es_creds_http_do(&put, &resp, &err));
    CHECK_STR_EQ(resp.body, "tok");
    es_creds_http_resp_free(&resp);

    const char *h3[] = {"Content-Type: application/x-www-form-urlencoded", "Accept: text/xml"};
    const char *form = "Action=AssumeRoleWithWebIdentity&WebIdentityToken=abc";
    es_creds_http_req post = {.method = "POST",
                              .url = s_at("/"),
                              .headers = h3,
                              .header_count = 2,
                              .body = form,
                              .body_len = strlen(form)};
    CHECK_OK(es_creds_http_do(&post, &resp, &err));
    CHECK_STR_EQ(resp.body, "<ok/>");
    es_creds_http_resp_free(&resp);

    REQUIRE(es_test_http_server_request_count(s_srv) == 3);
    REQUIRE(es_test_http_server_request(s_srv, 0, &r));
    CHECK_STR_EQ(r.method, "GET");
    CHECK_STR_EQ(es_test_http_request_header(&r, "Accept"), "application/json");
    CHECK_STR_CONTAINS(es_test_http_request_header(&r, "User-Agent"), "exifstrip/");
    es_test_http_request_free(&r);
    REQUIRE(es_test_http_server_request(s_srv, 1, &r));
    CHECK_STR_EQ(r.method, "PUT");
    CHECK_STR_EQ(es_test_http_request_header(&r, "X-aws-ec2-metadata-token-ttl-seconds"), "21600");
    CHECK_INT_EQ(r.body_len, 0);
    es_test_http_request_free(&r);
    REQUIRE(es_test_http_server_request(s_srv, 2, &r));
    CHECK_STR_EQ(r.method, "POST");
    CHECK_STR_EQ(r.body, form);
    CHECK_STR_EQ(es_test_http_request_header(&r, "Content-Type"), "application/x-www-form-urlencoded");
    CHECK_STR_EQ(es_test_http_request_header(&r, "Accept"), "text/xml");
    CHECK(es_test_http_request_header(&r, "Expect") == NULL);
    es_test_http_request_free(&r);
}

static void test_empty_and_error_bodies(void)
{
    es_creds_http_resp resp;
    es_error err;
    s_setup();
    es_test_http_server_route(s_srv, "GET", "/empty", 204, NULL);
    es_test_http_server_route(s_srv, "GET", "/denied", 403, "{\"message\":\"no\"}");
    es_creds_http_req req = {.method = "GET", .url = s_at("/empty")};
    es_error_clear(&err);
    CHECK_OK(es_creds_http_do(&req, &resp, &err));
    CHECK_INT_EQ(resp.status, 204);
    REQUIRE(resp.body != NULL);
    CHECK_STR_EQ(resp.body, "");
    CHECK_INT_EQ(resp.len, 0);
    es_creds_http_resp_free(&resp);

    req.url = s_at("/denied");
    CHECK_OK(es_creds_http_do(&req, &resp, &err)); /* any status is a response */
    CHECK_INT_EQ(resp.status, 403);
    CHECK_STR_EQ(resp.body, "{\"message\":\"no\"}");
    es_creds_http_resp_free(&resp);
    CHECK_INT_EQ(err.code, ES_OK);
}

static void test_body_cap(void)
{
    es_creds_http_resp resp;
    es_error err;
    s_setup();
    char *big = malloc(ES_CREDS_HTTP_MAX_BODY + 2);
    REQUIRE(big != NULL);
    memset(big, 'x', ES_CREDS_HTTP_MAX_BODY + 1);
    big[ES_CREDS_HTTP_MAX_BODY + 1] = '\0';
    es_test_http_server_route(s_srv, "GET", "/over", 200, big);
    big[ES_CREDS_HTTP_MAX_BODY] = '\0';
    es_test_http_server_route(s_srv, "GET", "/at", 200, big);
    free(big);

    es_creds_http_req req = {.method = "GET", .url = s_at("/at")};
    es_error_clear(&err);
    CHECK_OK(es_creds_http_do(&req, &resp, &err));
    CHECK_INT_EQ(resp.len, ES_CREDS_HTTP_MAX_BODY);
    es_creds_http_resp_free(&resp);

    req.url = s_at("/over?X-Amz-Security-Token=leak");
    CHECK_INT_EQ(es_creds_http_do(&req, &resp, &err), ES_ERR_TOO_LARGE);
    CHECK(resp.body == NULL);
    CHECK_STR_CONTAINS(err.msg, "GET http://127.0.0.1:");
    CHECK_STR_CONTAINS(err.msg, "65536");
    CHECK(strstr(err.msg, "/over") == NULL && strstr(err.msg, "leak") == NULL);
    es_creds_http_resp_free(&resp);
}

static void test_retry_transient_only(void)
{
    es_creds_http_resp resp;
    es_error err;
    s_setup();
    es_test_http_route flaky = {.method = "GET", .path = "/flaky", .status = 503, .times = 1};
    es_test_http_server_add_route(s_srv, &flaky);
    es_test_http_server_route(s_srv, "GET", "/flaky", 200, "ok");
    es_test_http_server_route(s_srv, "GET", "/missing", 404, "");
    es_creds_http_req req = {.method = "GET", .url = s_at("/flaky")};
    es_error_clear(&err);
    CHECK_OK(es_creds_http_do_retry(&req, 2, &resp, &err));
    CHECK_INT_EQ(resp.status, 200);
    CHECK_STR_EQ(resp.body, "ok");
    es_creds_http_resp_free(&resp);
    CHECK_INT_EQ(es_test_http_server_count(s_srv, "GET", "/flaky"), 2);

    req.url = s_at("/missing");
    CHECK_OK(es_creds_http_do_retry(&req, 3, &resp, &err));
    CHECK_INT_EQ(resp.status, 404);
    es_creds_http_resp_free(&resp);
    CHECK_INT_EQ(es_test_http_server_count(s_srv, "GET", "/missing"), 1);

    char dead[128], url[256];
    s_dead_origin(dead, sizeof dead);
    snprintf(url, sizeof url, "%s/latest/leak?token=leak", dead);
    req.url = url;
    CHECK_INT_EQ(es_creds_http_do_retry(&req, 2, &resp, &err), ES_ERR_NETWORK);
    CHECK_STR_CONTAINS(err.msg, dead);
    CHECK(strstr(err.msg, "leak") == NULL);
    CHECK(resp.body == NULL);
}

static void test_timeout(void)
{
    es_creds_http_resp resp;
    es_error err;
    s_setup();
    es_test_http_route slow = {.method = "GET", .path = "/slow", .status = 200, .body = "late", .delay_ms = 1500};
    es_test_http_server_add_route(s_srv, &slow);
    es_creds_http_req req = {.method = "GET", .url = s_at("/slow"), .timeout_ms = 300, .connect_timeout_ms = 300};
    es_error_clear(&err);
    double t0 = s_now();
    CHECK_INT_EQ(es_creds_http_do(&req, &resp, &err), ES_ERR_TIMEOUT);
    double took = s_now() - t0;
    CHECK(took < 1.2);
    CHECK_STR_CONTAINS(err.msg, "timed out");
    CHECK(strstr(err.msg, "/slow") == NULL);
    es_creds_http_resp_free(&resp);
}

static void test_no_proxy(void)
{
    es_creds_http_resp resp;
    es_error err;
    char dead[128];
    s_setup();
    s_dead_origin(dead, sizeof dead);
    setenv("http_proxy", dead, 1);
    es_http_proxy_env_reload(); /* the process read the variables at its first request */
    es_test_http_server_route(s_srv, "GET", "/meta", 200, "direct");
    es_creds_http_req req = {.method = "GET", .url = s_at("/meta")};
    es_error_clear(&err);
    CHECK_INT_EQ(es_creds_http_do(&req, &resp, &err), ES_ERR_NETWORK); /* via the dead proxy */
    es_creds_http_resp_free(&resp);
    req.no_proxy = true;
    CHECK_OK(es_creds_http_do(&req, &resp, &err));
    CHECK_STR_EQ(resp.body, "direct");
    es_creds_http_resp_free(&resp);
    unsetenv("http_proxy");
    es_http_proxy_env_reload();
    CHECK_INT_EQ(es_test_http_server_count(s_srv, "GET", "/meta"), 1);
}

static void test_ca_bundle_honoured(void)
{
    es_creds_http_resp resp;
    es_error err;
    char url[256];
    s_setup();
    setenv("AWS_CA_BUNDLE", "/nonexistent/exifstrip-ca.pem", 1);
    snprintf(url, sizeof url, "https://127.0.0.1:%u/x", (unsigned)es_test_http_server_port(s_srv));
    es_creds_http_req req = {.method = "GET", .url = url, .timeout_ms = 2000};
    es_error_clear(&err);
    CHECK_INT_EQ(es_creds_http_do(&req, &resp, &err), ES_ERR_CONFIG);
    CHECK_STR_CONTAINS(err.msg, "GET https://127.0.0.1:");
    es_creds_http_resp_free(&resp);
    unsetenv("AWS_CA_BUNDLE");
}

static void test_bad_args(void)
{
    es_creds_http_resp resp;
    es_creds_http_req req = {.method = "GET", .url = NULL};
    CHECK_INT_EQ(es_creds_http_do(&req, &resp, NULL), ES_ERR_INVALID_ARG);
    CHECK_INT_EQ(es_creds_http_do(NULL, &resp, NULL), ES_ERR_INVALID_ARG);
    es_creds_http_resp_free(NULL);
}

int main(void)
{
    s_srv = es_test_http_server_start();
    if (!s_srv) {
        fprintf(stderr, "cannot start the test HTTP server\n");
        return 1;
    }
    ES_RUN(test_get_put_post_as_sent);
    ES_RUN(test_empty_and_error_bodies);
    ES_RUN(test_body_cap);
    ES_RUN(test_retry_transient_only);
    ES_RUN(test_timeout);
    ES_RUN(test_no_proxy);
    ES_RUN(test_ca_bundle_honoured);
    ES_RUN(test_bad_args);
    es_test_http_server_stop(s_srv);
    return es_test_finish();
}
