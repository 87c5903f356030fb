/* backfill_listing_test.c - the backfill engine's listing against a scripted
 * endpoint (tests/support/http_server.h) that misbehaves: a listing that
 * keeps handing back the continuation token it was given must end with an
 * error instead of looping, with the keys of the first page still run; a
 * listing that fails ends the run with the reason and the first key not
 * listed to resume from. */
#include <stdio.h>
#include <string.h>

#include "../harness/test.h"
#include "../support/backfill_run.h"
#include "../support/http_server.h"
#include "aws/creds/creds.h"
#include "aws/s3/s3.h"
#include "worker/backfill.h"

static es_test_http_server *s_srv;

static es_s3_client *s_client(es_creds_provider *creds)
{
    es_aws_config cfg;
    memset(&cfg, 0, sizeof cfg);
    snprintf(cfg.region, sizeof cfg.region, "us-east-1");
    snprintf(cfg.s3_endpoint, sizeof cfg.s3_endpoint, "%s", es_test_http_server_url(s_srv));
    cfg.max_attempts = 1;
    cfg.connect_timeout_ms = 2000;
    cfg.low_speed_time_s = 10;
    return es_s3_client_new(&cfg, creds);
}

/* Runs a dry-run backfill of bucket "aaa" into "bbb" (one HEAD per key). */
static bool s_run(es_s3_client *s3, es_backfill_stats *st, FILE *plan)
{
    es_cfg cfg;
    es_cfg_defaults(&cfg);
    snprintf(cfg.dest_bucket, sizeof cfg.dest_bucket, "bbb");
    cfg.concurrency = 2;
    es_job_env env = {.cfg = &cfg, .s3 = s3};
    es_backfill_opts opts = {.bucket = "aaa", .dry_run = true, .plan = plan};
    return es_test_backfill_run(&env, &opts, 20000, st);
}

static void test_listing_that_does_not_advance(void)
{
    es_test_http_server_clear_routes(s_srv);
    /* the first page names a token; asked with it, the endpoint returns it
     * again (a few times, then a last page: a backfill that lists on regardless
     * ends without the error this test wants, instead of hanging) */
    es_test_http_server_add_route(
        s_srv, &(es_test_http_route){
                   .method = "GET",
                   .path = "/aaa",
                   .status = 200,
                   .times = 6,
                   .body = "<ListBucketResult><IsTruncated>true</IsTruncated>"
                           "<Contents><Key>one.jpg</Key><Size>5</Size><ETag>\"e1\"</ETag></Contents>"
                           "<NextContinuationToken>again</NextContinuationToken></ListBucketResult>"});
    es_test_http_server_route(s_srv, "GET", "/aaa", 200,
                              "<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>");
    es_test_http_server_route(s_srv, "HEAD", "/bbb/one.jpg", 404, NULL);
    es_creds_provider *creds = es_creds_provider_new_static("AKIDEXAMPLE", "secret", NULL);
    es_s3_client *s3 = s_client(creds);
    REQUIRE(s3 != NULL);
    char plan_buf[4096] = "";
    FILE *plan = fmemopen(plan_buf, sizeof plan_buf, "w");
    REQUIRE(plan != NULL);
    es_backfill_stats st;
    bool finished = s_run(s3, &st, plan);
    fclose(plan);
    REQUIRE(finished);
    CHECK_INT_EQ(st.list_error, ES_ERR_PROTOCOL);
    CHECK_STR_CONTAINS(st.list_reason, "does not advance");
    CHECK_STR_CONTAINS(st.list_reason, "\"again\"");
    CHECK(st.listing_done);
    CHECK_INT_EQ(st.listed, 1);
    CHECK_INT_EQ(st.outcomes[ES_JOB_STRIPPED], 1); /* "would strip": B has no copy */
    CHECK_STR_CONTAINS(plan_buf, "{\"action\":\"strip\",\"key\":\"one.jpg\",\"size\":5}");
    CHECK_STR_EQ(st.resume_after, "one.jpg");
    es_s3_client_free(s3);
    es_creds_provider_release(creds);
}

static void test_listing_that_fails(void)
{
    es_test_http_server_clear_routes(s_srv);
    es_test_http_server_route(s_srv, "GET", "/aaa", 403,
                              "<Error><Code>AccessDenied</Code><Message>no ListBucket</Message></Error>");
    es_creds_provider *creds = es_creds_provider_new_static("AKIDEXAMPLE", "secret", NULL);
    es_s3_client *s3 = s_client(creds);
    REQUIRE(s3 != NULL);
    es_backfill_stats st;
    FILE *plan = fopen("/dev/null", "w");
    REQUIRE(plan != NULL);
    bool finished = s_run(s3, &st, plan);
    fclose(plan);
    REQUIRE(finished);
    CHECK(st.list_error != ES_OK);
    CHECK_STR_CONTAINS(st.list_reason, "listing bucket aaa failed");
    CHECK_STR_CONTAINS(st.list_reason, "AccessDenied");
    CHECK_INT_EQ(st.settled, 0);
    CHECK_STR_EQ(st.resume_after, "");
    es_s3_client_free(s3);
    es_creds_provider_release(creds);
}

int main(void)
{
    s_srv = es_test_http_server_start();
    if (!s_srv)
        return 1;
    ES_RUN(test_listing_that_does_not_advance);
    ES_RUN(test_listing_that_fails);
    es_test_http_server_stop(s_srv);
    return es_test_finish();
}
