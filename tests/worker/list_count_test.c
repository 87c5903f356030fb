/* list_count_test.c - the count ahead of a listing (src/worker/list_count.c)
 * against a scripted S3: it follows the continuation tokens to the end in
 * pages of 1000 from start-after, counts the keys `keep` accepts and their
 * sizes, and only then has a result (es_list_counter_settle: the total
 * until the work's own listing ends, which then wins); a listing that fails leaves no result;
 * a count stopped while its request waits ends at once. */
#include <stdio.h>
#include <string.h>

#include "../harness/test.h"
#include "../support/http_server.h"
#include "../support/sqs_fake.h"
#include "../support/wait.h"
#include "worker/list_count.h"

static es_test_http_server *s_srv;
static es_creds_provider *s_creds;

/* Page 1 (two .jpg, one .txt) names token t2; asked with t2, page 2 ends the listing. */
static void s_handler(void *ctx, const es_test_http_request *req, es_test_http_response *resp)
{
    (void)ctx;
    resp->status = 200;
    if (req->query && strstr(req->query, "continuation-token=t2"))
        resp->body = "<ListBucketResult><IsTruncated>false</IsTruncated>"
                     "<Contents><Key>c.jpg</Key><Size>300</Size></Contents></ListBucketResult>";
    else
        resp->body = "<ListBucketResult><IsTruncated>true</IsTruncated>"
                     "<Contents><Key>a.jpg</Key><Size>100</Size></Contents>"
                     "<Contents><Key>b.txt</Key><Size>7</Size></Contents>"
                     "<Contents><Key>b.jpg</Key><Size>20</Size></Contents>"
                     "<NextContinuationToken>t2</NextContinuationToken></ListBucketResult>";
}

static bool s_is_jpg(void *ctx, const char *key)
{
    (void)ctx;
    size_t n = strlen(key);
    return n >= 4 && !strcmp(key + n - 4, ".jpg");
}

static es_s3_client *s_client(void)
{
    es_aws_config cfg;
    es_test_local_aws_config(&cfg, es_test_http_server_url(s_srv));
    return es_s3_client_new(&cfg, s_creds);
}

static bool s_counted(void *ctx)
{
    uint64_t n, b;
    return es_list_counter_result(ctx, &n, &b);
}

static bool s_requested(void *ctx)
{
    (void)ctx;
    return es_test_http_server_request_count(s_srv) > 0;
}

/* Polls done(ctx) for up to ms milliseconds. */
static bool s_wait_until(long ms, bool (*done)(void *), void *ctx)
{
    uint64_t end = es_test_now_ms() + (uint64_t)ms;
    while (!done(ctx)) {
        if (es_test_now_ms() >= end)
            return false;
        es_test_sleep_ms(5);
    }
    return true;
}

static void test_counts_every_page(void)
{
    es_test_http_server_clear_routes(s_srv);
    es_test_http_server_clear_requests(s_srv);
    es_test_http_server_set_handler(s_srv, s_handler, NULL);
    es_s3_client *s3 = s_client();
    REQUIRE(s3 != NULL);
    es_list_counter *c = es_list_counter_start(&(
        es_list_count_opts){.s3 = s3, .bucket = "bkt", .prefix = "p/", .start_after = "p/0", .keep = s_is_jpg});
    REQUIRE(c != NULL);
    REQUIRE(s_wait_until(5000, s_counted, c));
    uint64_t n = 0, bytes = 0;
    CHECK(es_list_counter_result(c, &n, &bytes));
    CHECK_INT_EQ(n, 3);
    CHECK_INT_EQ(bytes, 420);
    CHECK_INT_EQ(es_test_http_server_request_count(s_srv), 2);
    /* the total a progress display shows: the count ahead's, until the
     * work's own listing is done, whose count is exact and wins */
    bool known = false;
    uint64_t total = 0, total_bytes = 0;
    es_list_counter_settle(c, false, 1, 10, &known, &total, &total_bytes);
    CHECK(known);
    CHECK_INT_EQ(total, 3);
    CHECK_INT_EQ(total_bytes, 420);
    es_list_counter_settle(c, true, 2, 120, &known, &total, &total_bytes);
    CHECK_INT_EQ(total, 2);
    CHECK_INT_EQ(total_bytes, 120);
    es_test_http_request req;
    REQUIRE(es_test_http_server_request(s_srv, 0, &req));
    CHECK_STR_CONTAINS(req.query, "max-keys=1000&prefix=p%2F&start-after=p%2F0");
    es_test_http_request_free(&req);
    es_list_counter_free(c);

    /* every key when keep is NULL */
    c = es_list_counter_start(&(es_list_count_opts){.s3 = s3, .bucket = "bkt"});
    REQUIRE(c != NULL);
    REQUIRE(s_wait_until(5000, s_counted, c));
    CHECK(es_list_counter_result(c, &n, &bytes));
    CHECK_INT_EQ(n, 4);
    CHECK_INT_EQ(bytes, 427);
    es_list_counter_free(c);
    es_s3_client_free(s3);
}

static void test_failed_listing_has_no_result(void)
{
    es_test_http_server_set_handler(s_srv, NULL, NULL);
    es_test_http_server_clear_routes(s_srv);
    es_test_http_server_clear_requests(s_srv);
    es_test_http_server_route(s_srv, "GET", "/bkt", 403,
                              "<Error><Code>AccessDenied</Code><Message>no</Message></Error>");
    es_s3_client *s3 = s_client();
    REQUIRE(s3 != NULL);
    es_list_counter *c = es_list_counter_start(&(es_list_count_opts){.s3 = s3, .bucket = "bkt"});
    REQUIRE(c != NULL);
    uint64_t n = 7, bytes = 7;
    REQUIRE(s_wait_until(5000, s_requested, NULL));
    es_test_sleep_ms(50);
    CHECK(!es_list_counter_result(c, &n, &bytes));
    CHECK_INT_EQ(n, 7); /* untouched */
    bool known = false;
    es_list_counter_settle(c, false, 1, 1, &known, &n, &bytes);
    CHECK(!known); /* no total until the work's own listing ends */
    es_list_counter_settle(NULL, true, 5, 50, &known, &n, &bytes);
    CHECK(known);
    CHECK_INT_EQ(n, 5);
    CHECK_INT_EQ(bytes, 50);
    es_list_counter_free(c);
    es_s3_client_free(s3);
}

static void test_stop_ends_a_waiting_request(void)
{
    es_test_http_server_clear_routes(s_srv);
    es_test_http_server_clear_requests(s_srv);
    es_test_http_server_add_route(s_srv, &(es_test_http_route){.method = "GET",
                                                               .path = "/bkt",
                                                               .status = 200,
                                                               .delay_ms = 10000,
                                                               .body = "<ListBucketResult/>"});
    es_s3_client *s3 = s_client();
    REQUIRE(s3 != NULL);
    es_list_counter *c = es_list_counter_start(&(es_list_count_opts){.s3 = s3, .bucket = "bkt"});
    REQUIRE(c != NULL);
    REQUIRE(s_wait_until(5000, s_requested, NULL));
    uint64_t t0 = es_test_now_ms();
    es_list_counter_free(c);
    CHECK(es_test_now_ms() - t0 < 5000); /* not the 10 s the answer takes */
    es_s3_client_free(s3);
}

int main(void)
{
    s_srv = es_test_http_server_start();
    s_creds = es_creds_provider_new_static("AKIDEXAMPLE", "secret", NULL);
    if (!s_srv || !s_creds)
        return 1;
    ES_RUN(test_counts_every_page);
    ES_RUN(test_failed_listing_has_no_result);
    ES_RUN(test_stop_ends_a_waiting_request);
    es_test_http_server_stop(s_srv);
    es_creds_provider_release(s_creds);
    return es_test_finish();
}
