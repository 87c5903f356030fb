/* audit_endpoint_test.c - the audit engine (src/worker/audit.c) against a
 * scripted endpoint (tests/support/http_server.h) that misbehaves where the
 * emulator cannot: a listing that hands back the continuation token it was
 * given ends with an error instead of looping (the first page still
 * audited); progress is reported after each page and each object; a GET cut after some body bytes starts over and is judged once;
 * a GET refused with 403 is an error naming the key; with a source bucket, a
 * key missing there is an orphan. */
#include <stdio.h>
#include <string.h>

#include "../harness/test.h"
#include "../support/http_server.h"
#include "../support/sqs_fake.h"
#include "aws/creds/creds.h"
#include "aws/s3/s3.h"
#include "worker/audit.h"

static es_test_http_server *s_srv;

/* What the callbacks saw. */
typedef struct s_seen {
    char findings[8][96]; /* "kind key" */
    size_t nfindings;
    char errors[4][512];
    size_t nerrors;
    es_audit_summary progress; /* the last on_progress */
    size_t nprogress;
} s_seen;

static void s_on_finding(void *ctx, const es_audit_finding *f)
{
    s_seen *s = ctx;
    if (s->nfindings < 8)
        snprintf(s->findings[s->nfindings++], sizeof s->findings[0], "%s %s", es_audit_kind_name(f->kind),
                 f->key);
}

static void s_on_progress(void *ctx, const es_audit_summary *sum)
{
    s_seen *s = ctx;
    s->progress = *sum;
    s->nprogress++;
}

static void s_on_error(void *ctx, const char *key, const char *what)
{
    s_seen *s = ctx;
    if (s->nerrors < 4)
        snprintf(s->errors[s->nerrors++], sizeof s->errors[0], "%s| %s", key ? key : "(listing)", what);
}

/* Audits bucket "bbb" (source "aaa" when with_source) at concurrency 2. */
static es_err s_audit(bool with_source, es_audit_summary *sum, s_seen *seen)
{
    es_aws_config cfg;
    es_test_local_aws_config(&cfg, es_test_http_server_url(s_srv)); /* one attempt: no retries hide a cut */
    es_creds_provider *creds = es_creds_provider_new_static("AKIDEXAMPLE", "secret", NULL);
    es_s3_client *s3 = creds ? es_s3_client_new(&cfg, creds) : NULL;
    memset(seen, 0, sizeof *seen);
    es_audit_options opt = {.bucket = "bbb",
                            .prefix = "",
                            .source_bucket = with_source ? "aaa" : NULL,
                            .concurrency = 2,
                            .on_finding = s_on_finding,
                            .on_error = s_on_error,
                            .on_progress = s_on_progress,
                            .ctx = seen};
    es_jpeg_policy_default(&opt.policy);
    es_err rc = s3 ? es_audit_run(s3, &opt, sum) : ES_ERR_NOMEM;
    es_s3_client_free(s3);
    es_creds_provider_release(creds);
    return rc;
}

#define S_PAGE(token)                                                           \
    "<ListBucketResult><IsTruncated>true</IsTruncated>"                         \
    "<Contents><Key>one.jpg</Key><Size>40</Size><ETag>\"e1\"</ETag></Contents>" \
    "<NextContinuationToken>" token "</NextContinuationToken></ListBucketResult>"
#define S_LAST_PAGE                                      \
    "<ListBucketResult><IsTruncated>false</IsTruncated>" \
    "<Contents><Key>one.jpg</Key><Size>40</Size><ETag>\"e1\"</ETag></Contents></ListBucketResult>"
#define S_TEXT "this is a text file named .jpg, 40 bytes"

static void test_listing_that_does_not_advance(void)
{
    es_test_http_server_clear_routes(s_srv);
    /* a few times, then a last page: an audit that lists on regardless ends
     * without the error this test wants, instead of hanging */
    es_test_http_server_add_route(s_srv, &(es_test_http_route){.method = "GET",
                                                               .path = "/bbb",
                                                               .status = 200,
                                                               .times = 4,
                                                               .body = S_PAGE("again")});
    es_test_http_server_route(s_srv, "GET", "/bbb", 200, S_LAST_PAGE);
    es_test_http_server_route(s_srv, "GET", "/bbb/one.jpg", 200, S_TEXT);
    es_audit_summary sum;
    s_seen seen;
    CHECK_INT_EQ(s_audit(false, &sum, &seen), ES_ERR_PROTOCOL);
    REQUIRE(seen.nerrors == 1);
    CHECK_STR_CONTAINS(seen.errors[0], "(listing)| ListObjectsV2 s3://bbb/ failed");
    CHECK_STR_CONTAINS(seen.errors[0], "does not advance");
    CHECK_STR_CONTAINS(seen.errors[0], "\"again\"");
    CHECK_INT_EQ(es_test_http_server_count(s_srv, "GET", "/bbb"), 2);
    CHECK_INT_EQ(sum.objects, 1); /* the first page was audited */
    CHECK(!sum.listing_done);
    CHECK_INT_EQ(sum.settled, 1);
    REQUIRE(seen.nfindings == 1);
    CHECK_STR_EQ(seen.findings[0], "not-jpeg one.jpg");
}

static void test_get_cut_short_starts_over(void)
{
    es_test_http_server_clear_routes(s_srv);
    es_test_http_server_clear_requests(s_srv);
    es_test_http_server_route(s_srv, "GET", "/bbb", 200, S_LAST_PAGE);
    /* 10 bytes, then the connection closes: too few to judge (the sniff needs 32) */
    es_test_http_server_add_route(s_srv, &(es_test_http_route){.method = "GET",
                                                               .path = "/bbb/one.jpg",
                                                               .status = 200,
                                                               .body = S_TEXT,
                                                               .times = 1,
                                                               .truncate_at = 10});
    es_test_http_server_route(s_srv, "GET", "/bbb/one.jpg", 200, S_TEXT);
    es_audit_summary sum;
    s_seen seen;
    CHECK_INT_EQ(s_audit(false, &sum, &seen), ES_OK);
    CHECK_INT_EQ(seen.nerrors, 0);
    CHECK_INT_EQ(es_test_http_server_count(s_srv, "GET", "/bbb/one.jpg"), 2);
    REQUIRE(seen.nfindings == 1);
    CHECK_STR_EQ(seen.findings[0], "not-jpeg one.jpg");
    CHECK_INT_EQ(sum.findings[ES_AUDIT_NOT_JPEG], 1);
    CHECK_INT_EQ(sum.with_findings, 1);
    /* progress: after the (last) page, then after the object */
    CHECK_INT_EQ(seen.nprogress, 2);
    CHECK(seen.progress.listing_done);
    CHECK_INT_EQ(seen.progress.objects, 1);
    CHECK_INT_EQ(seen.progress.settled, 1);
    CHECK_INT_EQ(seen.progress.settled_bytes, 40);
    CHECK_INT_EQ(seen.progress.with_findings, 1);
}

static void test_get_refused_and_orphan(void)
{
    es_test_http_server_clear_routes(s_srv);
    es_test_http_server_clear_requests(s_srv);
    es_test_http_server_route(s_srv, "GET", "/bbb", 200, S_LAST_PAGE);
    es_test_http_server_route(s_srv, "GET", "/bbb/one.jpg", 403,
                              "<Error><Code>AccessDenied</Code><Message>no GetObject</Message></Error>");
    es_audit_summary sum;
    s_seen seen;
    CHECK_INT_EQ(s_audit(false, &sum, &seen), ES_OK); /* the listing completed */
    REQUIRE(seen.nerrors == 1);
    CHECK_STR_CONTAINS(seen.errors[0], "one.jpg| GET s3://bbb/one.jpg failed");
    CHECK_STR_CONTAINS(seen.errors[0], "AccessDenied");
    CHECK_INT_EQ(sum.errors, 1);
    CHECK_INT_EQ(sum.clean + sum.with_findings, 0);

    es_test_http_server_clear_routes(s_srv);
    es_test_http_server_route(s_srv, "GET", "/bbb", 200, S_LAST_PAGE);
    es_test_http_server_route(s_srv, "GET", "/bbb/one.jpg", 200, S_TEXT);
    es_test_http_server_route(s_srv, "HEAD", "/aaa/one.jpg", 404, NULL);
    CHECK_INT_EQ(s_audit(true, &sum, &seen), ES_OK);
    CHECK_INT_EQ(seen.nerrors, 0);
    REQUIRE(seen.nfindings == 2);
    CHECK_STR_EQ(seen.findings[0], "not-jpeg one.jpg");
    CHECK_STR_EQ(seen.findings[1], "orphan one.jpg");
    CHECK_INT_EQ(sum.with_findings, 1); /* one object, two findings */
}

int main(void)
{
    s_srv = es_test_http_server_start();
    if (!s_srv)
        return 1;
    ES_RUN(test_listing_that_does_not_advance);
    ES_RUN(test_get_cut_short_starts_over);
    ES_RUN(test_get_refused_and_orphan);
    es_test_http_server_stop(s_srv);
    return es_test_finish();
}
