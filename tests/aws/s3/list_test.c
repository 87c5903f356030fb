/* list_test.c - ListObjectsV2 (es_s3_list_objects_with) against a scripted
 * S3 on 127.0.0.1: the query carries the continuation token, prefix,
 * start-after and max-keys given; a page naming a new token is a success;
 * a page that hands back the token it was asked with (an endpoint that would
 * make every caller's listing loop) fails with ES_ERR_PROTOCOL, an empty
 * page and one message naming the bucket, the prefix and the token, a long
 * token and prefix cut short and marked; a reply that is no listing (a
 * proxy's HTML page, another document, a broken field) says which. */
#include <stdio.h>
#include <string.h>

#include "../../harness/test.h"
#include "../../support/http_server.h"
#include "../../support/sqs_fake.h"
#include "aws/s3/s3.h"

static es_test_http_server *s_srv;
static es_creds_provider *s_creds;

#define S_PAGE(token)                                                            \
    "<ListBucketResult><IsTruncated>true</IsTruncated>"                          \
    "<Contents><Key>a/one.jpg</Key><Size>5</Size><ETag>\"e1\"</ETag></Contents>" \
    "<NextContinuationToken>" token "</NextContinuationToken></ListBucketResult>"

/* A client of the scripted S3, which answers every listing of "bkt" with page. */
static es_s3_client *s_client(const char *page)
{
    es_test_http_server_clear_routes(s_srv);
    es_test_http_server_route(s_srv, "GET", "/bkt", 200, page);
    es_test_http_server_clear_requests(s_srv);
    es_aws_config cfg;
    es_test_local_aws_config(&cfg, es_test_http_server_url(s_srv));
    return es_s3_client_new(&cfg, s_creds);
}

/* The query of the last request ("" when none). */
static void s_last_query(char *out, size_t cap)
{
    es_test_http_request req;
    size_t n = es_test_http_server_request_count(s_srv);
    out[0] = '\0';
    if (n && es_test_http_server_request(s_srv, n - 1, &req)) {
        snprintf(out, cap, "%s", req.query ? req.query : "");
        es_test_http_request_free(&req);
    }
}

static void test_pages_that_advance(void)
{
    es_s3_client *s3 = s_client(S_PAGE("tok-2"));
    REQUIRE(s3 != NULL);
    es_s3_list_page page;
    es_aws_result res;
    char query[512];

    es_s3_list_options first = {.prefix = "a/", .start_after = "a/0.jpg", .max_keys = 7};
    CHECK_INT_EQ(es_s3_list_objects_with(s3, "bkt", &first, &page, &res), ES_OK);
    CHECK_INT_EQ(page.count, 1);
    CHECK_STR_EQ(page.next_token, "tok-2");
    es_s3_list_free(&page);
    s_last_query(query, sizeof query);
    CHECK_STR_EQ(query, "encoding-type=url&list-type=2&max-keys=7&prefix=a%2F&start-after=a%2F0.jpg");

    es_s3_list_options next = {.prefix = "a/", .continuation = "tok-1"};
    CHECK_INT_EQ(es_s3_list_objects_with(s3, "bkt", &next, &page, &res), ES_OK);
    CHECK_INT_EQ(page.count, 1);
    CHECK_STR_EQ(page.next_token, "tok-2");
    es_s3_list_free(&page);
    s_last_query(query, sizeof query);
    CHECK_STR_CONTAINS(query, "continuation-token=tok-1&");
    es_s3_client_free(s3);
}

static void test_page_that_does_not_advance(void)
{
    es_s3_client *s3 = s_client(S_PAGE("tok-2"));
    REQUIRE(s3 != NULL);
    es_s3_list_page page;
    es_aws_result res;
    es_s3_list_options again = {.prefix = "a/", .continuation = "tok-2"};
    CHECK_INT_EQ(es_s3_list_objects_with(s3, "bkt", &again, &page, &res), ES_ERR_PROTOCOL);
    CHECK_INT_EQ(res.code, ES_ERR_PROTOCOL);
    CHECK_INT_EQ(page.count, 0);
    CHECK(page.keys == NULL);
    CHECK_STR_EQ(page.next_token, "");
    CHECK_STR_EQ(res.message, "the listing of s3://bkt/a/ does not advance: "
                              "the continuation token \"tok-2\" came back unchanged");
    CHECK_INT_EQ(es_test_http_server_count(s_srv, "GET", "/bkt"), 1);
    es_s3_list_free(&page); /* harmless on the emptied page */

    /* without a result to fill, the call still fails */
    CHECK_INT_EQ(es_s3_list_objects_with(s3, "bkt", &again, &page, NULL), ES_ERR_PROTOCOL);
    CHECK_INT_EQ(page.count, 0);
    es_s3_client_free(s3);
}

#define S_LONG_TOKEN "T123456789T123456789T123456789T123456789T123456789T123456789T123456789"
#define S_LONG_PREFIX "p123456789p123456789p123456789p123456789p123456789p123456789/"

static void test_long_token_is_cut_short(void)
{
    es_s3_client *s3 = s_client(S_PAGE(S_LONG_TOKEN));
    REQUIRE(s3 != NULL);
    es_s3_list_page page;
    es_aws_result res;
    es_s3_list_options again = {.prefix = S_LONG_PREFIX, .continuation = S_LONG_TOKEN};
    CHECK_INT_EQ(es_s3_list_objects_with(s3, "bkt", &again, &page, &res), ES_ERR_PROTOCOL);
    CHECK_STR_CONTAINS(res.message, "s3://bkt/p123456789p123456789p123456789p123456789p1234567... does not");
    CHECK_STR_CONTAINS(res.message, "token \"T123456789T123456789T123456789T123456789T1234567...\" came back");
    es_s3_client_free(s3);
}

/* A token as long as resuming after a 1024-byte key takes (base64 of the
 * key: 1368 characters) is a page like any other, and the next listing sends
 * it back; one longer than ES_S3_MAX_CONTINUATION_TOKEN fails the page. */
static void test_token_after_the_longest_key(void)
{
    static char reply[8192], token[ES_S3_MAX_CONTINUATION_TOKEN + 1];
    const size_t lengths[] = {1368, ES_S3_MAX_CONTINUATION_TOKEN - 1, ES_S3_MAX_CONTINUATION_TOKEN};
    for (size_t i = 0; i < sizeof lengths / sizeof lengths[0]; i++) {
        memset(token, 'T', lengths[i]);
        token[lengths[i]] = '\0';
        snprintf(reply, sizeof reply,
                 "<ListBucketResult><IsTruncated>true</IsTruncated><Contents><Key>k</Key><Size>5</Size>"
                 "<ETag>\"e\"</ETag></Contents><NextContinuationToken>%s</NextContinuationToken>"
                 "</ListBucketResult>",
                 token);
        es_s3_client *s3 = s_client(reply);
        REQUIRE(s3 != NULL);
        es_s3_list_page page;
        es_aws_result res;
        es_s3_list_options opt = {.continuation = "tok-1"};
        bool fits = i < 2; /* the last is one too long */
        CHECK_INT_EQ(es_s3_list_objects_with(s3, "bkt", &opt, &page, &res), fits ? ES_OK : ES_ERR_PROTOCOL);
        CHECK_INT_EQ(page.count, fits ? 1 : 0);
        CHECK_INT_EQ(strlen(page.next_token), fits ? lengths[i] : 0);
        if (fits) {
            static char sent[ES_S3_MAX_CONTINUATION_TOKEN];
            snprintf(sent, sizeof sent, "%s", page.next_token);
            es_s3_list_free(&page);
            es_s3_list_options next = {.continuation = sent};
            CHECK_INT_EQ(es_s3_list_objects_with(s3, "bkt", &next, &page, &res), ES_ERR_PROTOCOL);
            CHECK_STR_CONTAINS(res.message, "came back unchanged"); /* sent back, and answered with itself */
        } else {
            CHECK_STR_CONTAINS(res.message, "continuation token");
        }
        es_s3_list_free(&page);
        es_s3_client_free(s3);
    }
}

static void test_reply_that_is_no_listing(void)
{
    static const struct {
        const char *reply, *says;
    } cases[] = {
        {"<html><body>Please log in to the proxy</body></html>",
         "the ListObjectsV2 reply's root element is <html>, not <ListBucketResult>"},
        {"<ListBucketResult><Contents><Key>a\x01b</Key></Contents></ListBucketResult>",
         "the ListObjectsV2 reply (71 bytes) is not well-formed XML"},
        {"<ListBucketResult><Contents><Key>k</Key><Size>-5</Size></Contents></ListBucketResult>",
         "the ListObjectsV2 reply has a field that is missing, malformed or too long"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        es_s3_client *s3 = s_client(cases[i].reply);
        REQUIRE(s3 != NULL);
        es_s3_list_page page;
        es_aws_result res;
        es_s3_list_options opt = {.prefix = "a/"};
        CHECK_INT_EQ(es_s3_list_objects_with(s3, "bkt", &opt, &page, &res), ES_ERR_PROTOCOL);
        CHECK_INT_EQ(page.count, 0);
        CHECK_STR_CONTAINS(res.message, cases[i].says);
        es_s3_client_free(s3);
    }
}

int main(void)
{
    s_srv = es_test_http_server_start();
    s_creds = es_creds_provider_new_static("AKIDEXAMPLE", "secret", NULL);
    if (!s_srv || !s_creds)
        return 1;
    ES_RUN(test_pages_that_advance);
    ES_RUN(test_page_that_does_not_advance);
    ES_RUN(test_long_token_is_cut_short);
    ES_RUN(test_token_after_the_longest_key);
    ES_RUN(test_reply_that_is_no_listing);
    es_test_http_server_stop(s_srv);
    es_creds_provider_release(s_creds);
    return es_test_finish();
}
