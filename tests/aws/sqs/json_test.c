/* json_test.c - SQS JSON-protocol response parsing (src/aws/sqs/json.c):
 * ReceiveMessage (attributes incl. SentTimestamp, MD5 check, empty, malformed; a message that cannot be
 * used left out and named, the others kept), batch replies with
 * failed and missing entries, error __type namespaces, string members. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../harness/test.h"
#include "aws/sqs/json.h"

#define S(x) (const uint8_t *)(x), strlen(x)

/* What es_sqs_json_parse_receive reported as left out: how many, and the last one. */
typedef struct s_skips {
    size_t n, index;
    char id[ES_SQS_SKIPPED_ID_MAX], problem[160];
} s_skips;

static void s_on_skip(void *ctx, size_t index, const char *message_id, const char *problem)
{
    s_skips *s = ctx;
    s->n++;
    s->index = index;
    snprintf(s->id, sizeof s->id, "%s", message_id);
    snprintf(s->problem, sizeof s->problem, "%s", problem);
}

static void test_receive_messages(void)
{
    /* MD5("hello") = 5d41402abc4b2a76b9719d911017c592 */
    const char *doc = "{\"Messages\":[{\"MessageId\":\"m1\",\"ReceiptHandle\":\"rh1\","
                      "\"MD5OfBody\":\"5d41402abc4b2a76b9719d911017c592\",\"Body\":\"hello\","
                      "\"Attributes\":{\"ApproximateReceiveCount\":\"3\",\"SentTimestamp\":\"1700000000123\","
                      "\"ApproximateFirstReceiveTimestamp\":\"1700000004567\"}},"
                      "{\"MessageId\":\"m2\",\"ReceiptHandle\":\"rh2\",\"Body\":\"{\\\"a\\\":\\\"\\u00e9\\\"}\"},"
                      /* names and values are matched and returned decoded */
                      "{\"MessageId\":\"m\\u00e9\",\"Receipt\\u0048andle\":\"r\\/3\",\"MD5OfBody\":"
                      "\"5D41402ABC4B2A76B9719D911017C592\",\"Body\":\"h\\u0065llo\","
                      "\"Attribute\\u0073\":{\"ApproximateReceiveCount\":\"\\u0032\"}}]}";
    es_sqs_message *m = NULL;
    size_t n = 0;
    CHECK_OK(es_sqs_json_parse_receive(S(doc), &m, &n, NULL, NULL));
    REQUIRE(n == 3 && m);
    CHECK_STR_EQ(m[0].message_id, "m1");
    CHECK_STR_EQ(m[0].receipt_handle, "rh1");
    CHECK_STR_EQ(m[0].body, "hello");
    CHECK_INT_EQ(m[0].receive_count, 3);
    CHECK(m[0].sent_timestamp_ms == 1700000000123ull);
    CHECK(m[0].first_receive_ms == 1700000004567ull);
    CHECK(m[1].sent_timestamp_ms == 0); /* not returned */
    CHECK(m[1].first_receive_ms == 0);
    CHECK_STR_EQ(m[1].body, "{\"a\":\"\xc3\xa9\"}");
    CHECK_INT_EQ(m[1].receive_count, 0);
    CHECK_STR_EQ(m[2].message_id, "m\xc3\xa9");
    CHECK_STR_EQ(m[2].receipt_handle, "r/3");
    CHECK_STR_EQ(m[2].body, "hello");
    CHECK_INT_EQ(m[2].receive_count, 2);
    es_sqs_messages_free(m, n);
}

static void test_receive_empty(void)
{
    es_sqs_message *m = (es_sqs_message *)1;
    size_t n = 99;
    CHECK_OK(es_sqs_json_parse_receive(S("{}"), &m, &n, NULL, NULL));
    CHECK(m == NULL && n == 0);
    CHECK_OK(es_sqs_json_parse_receive(S("{\"Messages\":[]}"), &m, &n, NULL, NULL));
    CHECK(m == NULL && n == 0);
}

static void test_receive_malformed(void)
{
    /* Not a receive answer at all: the whole answer fails. */
    static const char *const bad[] = {
        "",
        "[]",
        "null",
        "{\"Messages\":{}}",
        "{\"Messages\":[], \"Messages\":[]}", /* duplicate keys */
        "{\"Messages\":[{\"MessageId\":\"m\",\"ReceiptHandle\":\"r\",\"Body\":\"b\"}]",
        "{\"Messages\":[{\"MessageId\":\"m\",\"ReceiptHandle\":\"r\",\"Body\":\"b\",}]}", /* trailing comma */
        "{\"Messages\":[{\"MessageId\":\"m\",\"ReceiptHandle\":\"r\",\"Body\":\"b\",\"Body\":\"c\"}]}",
        "{\"Messages\":[{\"MessageId\":\"m\",\"ReceiptHandle\":\"r\",\"Body\":\"b\",\"B\\u006fdy\":\"c\"}]}",
        "{\"Messages\":[{\"MessageId\":\"m\",\"ReceiptHandle\":\"r\",\"Body\":\"\\ud800\"}]}", /* lone surrogate */
        "{\"Messages\":[{\"MessageId\":\"m\",\"ReceiptHandle\":\"r\",\"Body\":\"\xc3\"}]}", /* bad UTF-8 */
        "{\"Messages\":[{\"MessageId\":\"m\",\"ReceiptHandle\":\"r\",\"Body\":\"a\\u0000b\"}]}",
        "{\"Messages\":[{\"MessageId\":\"m\",\"ReceiptHandle\":\"r\",\"Body\":\"b\"}]} x",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        es_sqs_message *m = NULL;
        size_t n = 0;
        s_skips skips = {0};
        es_err rc = es_sqs_json_parse_receive(S(bad[i]), &m, &n, s_on_skip, &skips);
        if (rc != ES_ERR_PROTOCOL)
            es_test_fail(__FILE__, __LINE__, "bad[%zu] gave %s: %s", i, es_errname(rc), bad[i]);
        CHECK(m == NULL && n == 0);
        CHECK_INT_EQ(skips.n, 0);
    }
}

/* One message that cannot be used is left out and named (its MessageId and
 * what is wrong); the healthy messages around it are returned. */
/* A message that cannot be used (placed between two good ones), the
 * MessageId reported for it and a part of the problem reported. */
typedef struct s_skip_case {
    const char *message, *id, *problem;
} s_skip_case;

static void test_receive_skips_the_bad_message_only(void)
{
    static const s_skip_case cases[] = {
        {"1", "", "not an object"},
        {"{\"ReceiptHandle\":\"r\",\"Body\":\"b\"}", "", "no MessageId"},
        {"{\"MessageId\":\"\",\"ReceiptHandle\":\"r\",\"Body\":\"b\"}", "", "no MessageId"},
        {"{\"MessageId\":\"m-x\",\"Body\":\"b\"}", "m-x", "no ReceiptHandle"},
        {"{\"MessageId\":\"m-x\",\"ReceiptHandle\":\"\",\"Body\":\"b\"}", "m-x", "no ReceiptHandle"},
        {"{\"MessageId\":\"m-x\",\"ReceiptHandle\":\"r\",\"Body\":7}", "m-x", "Body is not a string"},
        {"{\"MessageId\":\"m-x\",\"ReceiptHandle\":\"r\",\"Body\":\"hello\","
         "\"MD5OfBody\":\"00000000000000000000000000000000\"}", /* corrupted body */
         "m-x", "MD5OfBody 00000000000000000000000000000000 does not match the body (5 bytes)"},
        {"{\"MessageId\":\"m-x\",\"ReceiptHandle\":\"r\",\"Body\":\"hello\","
         "\"MD5OfBody\":\"5d41402abc4b2a76b9719d911017c5920000000000000000000000000000000000000000\"}",
         "m-x", "MD5OfBody (over 63 bytes) does not match"},
        {"{\"MessageId\":\"m-x\",\"ReceiptHandle\":\"r\",\"Body\":\"hello\",\"MD5OfBody\":7}", "m-x",
         "MD5OfBody is not a string"},
        {"{\"MessageId\":\"m-x\",\"ReceiptHandle\":\"r\",\"Body\":\"b\",\"Attributes\":[]}", "m-x",
         "Attributes is not an object"},
        {"{\"MessageId\":\"m-x\",\"ReceiptHandle\":\"r\",\"Body\":\"b\","
         "\"Attributes\":{\"ApproximateReceiveCount\":\"x\"}}",
         "m-x", "ApproximateReceiveCount is not"},
        {"{\"MessageId\":\"m-x\",\"ReceiptHandle\":\"r\",\"Body\":\"b\","
         "\"Attributes\":{\"ApproximateReceiveCount\":3}}",
         "m-x", "ApproximateReceiveCount is not"},
        {"{\"MessageId\":\"m-x\",\"ReceiptHandle\":\"r\",\"Body\":\"b\","
         "\"Attributes\":{\"ApproximateReceiveCount\":\"\"}}",
         "m-x", "ApproximateReceiveCount is not"},
        {"{\"MessageId\":\"m-x\",\"ReceiptHandle\":\"r\",\"Body\":\"b\","
         "\"Attributes\":{\"ApproximateReceiveCount\":\"1000000001\"}}",
         "m-x", "ApproximateReceiveCount is not"},
        {"{\"MessageId\":\"m-x\",\"ReceiptHandle\":\"r\",\"Body\":\"b\","
         "\"Attributes\":{\"ApproximateReceiveCount\":\"-1\"}}",
         "m-x", "ApproximateReceiveCount is not"},
        {"{\"MessageId\":\"m-x\",\"ReceiptHandle\":\"r\",\"Body\":\"b\",\"Attributes\":{\"SentTimestamp\":\"-5\"}}",
         "m-x", "SentTimestamp is not"},
        {"{\"MessageId\":\"m-x\",\"ReceiptHandle\":\"r\",\"Body\":\"b\","
         "\"Attributes\":{\"ApproximateFirstReceiveTimestamp\":\"soon\"}}",
         "m-x", "ApproximateFirstReceiveTimestamp is not"},
        {"{\"MessageId\":\"m-x\",\"ReceiptHandle\":\"r\",\"Body\":\"b\",\"Attributes\":{\"SentTimestamp\":\"17e11\"}}",
         "m-x", "SentTimestamp is not"},
        {"{\"MessageId\":\"m-x\",\"ReceiptHandle\":\"r\",\"Body\":\"b\","
         "\"Attributes\":{\"SentTimestamp\":\"99999999999999999999\"}}",
         "m-x", "SentTimestamp is not"},
        {"{\"MessageId\":\"m-x\",\"ReceiptHandle\":\"r\",\"Body\":\"b\","
         "\"Attributes\":{\"SentTimestamp\":1700000000000}}",
         "m-x", "SentTimestamp is not"},
        {"{\"MessageId\":\"m-x\",\"ReceiptHandle\":\"r\",\"Body\":\"b\",\"Attributes\":{\"SentTimestamp\":\"\"}}",
         "m-x", "SentTimestamp is not"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char doc[1024];
        snprintf(doc, sizeof doc,
                 "{\"Messages\":[{\"MessageId\":\"a\",\"ReceiptHandle\":\"ra\",\"Body\":\"b\"},%s,"
                 "{\"MessageId\":\"c\",\"ReceiptHandle\":\"rc\",\"Body\":\"hello\","
                 "\"MD5OfBody\":\"5d41402abc4b2a76b9719d911017c592\"}]}",
                 cases[i].message);
        es_sqs_message *m = NULL;
        size_t n = 0;
        s_skips skips = {0};
        es_err rc = es_sqs_json_parse_receive(S(doc), &m, &n, s_on_skip, &skips);
        if (rc != ES_OK || n != 2 || skips.n != 1 || skips.index != 1 || strcmp(skips.id, cases[i].id) ||
            !strstr(skips.problem, cases[i].problem))
            es_test_fail(__FILE__, __LINE__, "cases[%zu] gave %s, %zu messages, %zu skipped (%s: %s): %s", i,
                         es_errname(rc), n, skips.n, skips.id, skips.problem, cases[i].message);
        if (rc == ES_OK && n == 2) {
            CHECK_STR_EQ(m[0].message_id, "a");
            CHECK_STR_EQ(m[1].message_id, "c");
            CHECK_STR_EQ(m[1].receipt_handle, "rc");
        }
        es_sqs_messages_free(m, n);
    }
    /* Every message left out: an empty receive, each one reported. */
    es_sqs_message *m = NULL;
    size_t n = 0;
    s_skips skips = {0};
    CHECK_OK(es_sqs_json_parse_receive(S("{\"Messages\":[{\"MessageId\":\"x\"},{\"MessageId\":\"y\"}]}"), &m,
                                       &n, s_on_skip, &skips));
    CHECK(m == NULL && n == 0);
    CHECK_INT_EQ(skips.n, 2);
    CHECK_STR_EQ(skips.id, "y");
    /* Without a callback they are left out all the same. */
    CHECK_OK(es_sqs_json_parse_receive(S("{\"Messages\":[1,{\"MessageId\":\"a\",\"ReceiptHandle\":\"r\"}]}"),
                                       &m, &n, NULL, NULL));
    REQUIRE(n == 1 && m);
    CHECK_STR_EQ(m[0].message_id, "a");
    CHECK_STR_EQ(m[0].body, "");
    es_sqs_messages_free(m, n);
}

static void test_receive_surplus_bound(void)
{
    /* More than SQS's 10 (a non-compliant endpoint) still parses, so the pool
     * can give the surplus back; past ES_SQS_MAX_RECEIVE_PARSED it is no reply. */
    static char doc[64 * (ES_SQS_MAX_RECEIVE_PARSED + 2)];
    for (int total = ES_SQS_MAX_BATCH + 1; total <= ES_SQS_MAX_RECEIVE_PARSED + 1;
         total += ES_SQS_MAX_RECEIVE_PARSED - ES_SQS_MAX_BATCH) {
        strcpy(doc, "{\"Messages\":[");
        for (int i = 0; i < total; i++)
            strcat(doc, i ? ",{\"MessageId\":\"m\",\"ReceiptHandle\":\"r\",\"Body\":\"b\"}"
                          : "{\"MessageId\":\"m\",\"ReceiptHandle\":\"r\",\"Body\":\"b\"}");
        strcat(doc, "]}");
        es_sqs_message *m = NULL;
        size_t n = 0;
        es_err rc = es_sqs_json_parse_receive(S(doc), &m, &n, NULL, NULL);
        if (total <= ES_SQS_MAX_RECEIVE_PARSED) {
            CHECK_OK(rc);
            CHECK_INT_EQ(n, total);
        } else {
            CHECK_INT_EQ(rc, ES_ERR_PROTOCOL);
            CHECK(m == NULL && n == 0);
        }
        es_sqs_messages_free(m, n);
    }
}

static void test_batch_results(void)
{
    es_sqs_batch_entry e[4];
    memset(e, 0, sizeof e);
    const char *doc = "{\"Successful\":[{\"Id\":\"0\"},{\"Id\":\"2\"},{\"Id\":\"99\"},{\"Id\":\"x\"}],"
                      "\"Failed\":[{\"Id\":\"1\",\"SenderFault\":true,\"Code\":\"ReceiptHandleIsInvalid\","
                      "\"Message\":\"The receipt handle is not valid.\"}]}";
    CHECK_OK(es_sqs_json_parse_batch(S(doc), e, 4));
    CHECK_INT_EQ(e[0].failed, 0);
    CHECK_STR_EQ(e[0].error, "");
    CHECK_INT_EQ(e[1].failed, 1);
    CHECK_STR_EQ(e[1].error, "ReceiptHandleIsInvalid: The receipt handle is not valid.");
    CHECK_INT_EQ(e[2].failed, 0);
    CHECK_INT_EQ(e[3].failed, 1); /* not mentioned at all */
    CHECK_STR_CONTAINS(e[3].error, "no result");
    /* An entry cannot be both: the first list wins, duplicates are ignored. */
    memset(e, 0, sizeof e);
    CHECK_OK(es_sqs_json_parse_batch(
        S("{\"Successful\":[{\"Id\":\"0\"}],\"Failed\":[{\"Id\":\"0\",\"Code\":\"X\"}]}"), e, 1));
    CHECK_INT_EQ(e[0].failed, 0);
    /* A Failed entry without Code/Message still reads as failed. */
    memset(e, 0, sizeof e);
    CHECK_OK(es_sqs_json_parse_batch(S("{\"Failed\":[{\"Id\":\"0\"}]}"), e, 1));
    CHECK_INT_EQ(e[0].failed, 1);
    CHECK_STR_EQ(e[0].error, "failed");
    /* Empty Code/Message strings are no reason either (found by the fuzzer). */
    memset(e, 0, sizeof e);
    CHECK_OK(es_sqs_json_parse_batch(S("{\"Failed\":[{\"Id\":\"0\",\"Code\":\"\",\"Message\":\"\"}]}"), e, 1));
    CHECK_INT_EQ(e[0].failed, 1);
    CHECK_STR_EQ(e[0].error, "failed");
    /* Malformed replies fail, leaving every entry marked failed. */
    memset(e, 0, sizeof e);
    CHECK_INT_EQ(es_sqs_json_parse_batch(S("{\"Successful\":{}}"), e, 2), ES_ERR_PROTOCOL);
    CHECK_INT_EQ(e[0].failed, 1);
    CHECK_INT_EQ(e[1].failed, 1);
    CHECK_INT_EQ(es_sqs_json_parse_batch(S("nope"), e, 2), ES_ERR_PROTOCOL);
    CHECK_INT_EQ(es_sqs_json_parse_batch(S("{}"), e, 11), ES_ERR_INVALID_ARG);
}

static void test_error_type(void)
{
    es_aws_result r;
    es_aws_result_clear(&r);
    es_sqs_json_parse_error(S("{\"__type\":\"com.amazonaws.sqs#QueueDoesNotExist\","
                              "\"message\":\"The specified queue does not exist.\"}"),
                            &r);
    CHECK_STR_EQ(r.aws_code, "QueueDoesNotExist");
    CHECK_STR_EQ(r.message, "The specified queue does not exist.");
    es_aws_result_clear(&r);
    es_sqs_json_parse_error(S("{\"__type\":\"com.amazon.coral.service#UnrecognizedClientException\","
                              "\"Message\":\"The security token included in the request is invalid.\"}"),
                            &r);
    CHECK_STR_EQ(r.aws_code, "UnrecognizedClientException");
    CHECK_STR_CONTAINS(r.message, "security token");
    es_aws_result_clear(&r);
    es_sqs_json_parse_error(S("{\"__type\":\"ThrottlingException:http://internal.amazon.com/\"}"), &r);
    CHECK_STR_EQ(r.aws_code, "ThrottlingException");
    es_aws_result_clear(&r);
    es_sqs_json_parse_error(S("<html>502 Bad Gateway</html>"), &r);
    CHECK_STR_EQ(r.aws_code, "");
    CHECK_STR_EQ(r.message, "");
    char big[600] = "{\"__type\":\"";
    memset(big + strlen(big), 'X', 300);
    strcpy(big + 11 + 300, "\"}");
    es_sqs_json_parse_error(S(big), &r);
    CHECK_INT_EQ(strlen(r.aws_code), sizeof r.aws_code - 1);
}

static void test_string_members(void)
{
    char out[16];
    CHECK_OK(es_sqs_json_get_string(S("{\"MessageId\":\"abc\",\"MD5OfMessageBody\":\"x\"}"), "MessageId", out,
                                    sizeof out));
    CHECK_STR_EQ(out, "abc");
    CHECK_INT_EQ(es_sqs_json_get_string(S("{\"MessageId\":5}"), "MessageId", out, sizeof out), ES_ERR_PROTOCOL);
    CHECK_INT_EQ(es_sqs_json_get_string(S("{\"QueueUrl\":\"http://very-long-queue-url\"}"), "QueueUrl", out,
                                        sizeof out),
                 ES_ERR_TOO_LARGE);
    CHECK_OK(es_sqs_json_parse_attribute(S("{\"Attributes\":{\"ApproximateNumberOfMessages\":\"12\"}}"),
                                         "ApproximateNumberOfMessages", out, sizeof out));
    CHECK_STR_EQ(out, "12");
    CHECK_INT_EQ(es_sqs_json_parse_attribute(S("{\"Attributes\":{}}"), "QueueArn", out, sizeof out),
                 ES_ERR_PROTOCOL);
    CHECK_INT_EQ(es_sqs_json_parse_attribute(S("{}"), "QueueArn", out, sizeof out), ES_ERR_PROTOCOL);
}

int main(void)
{
    ES_RUN(test_receive_messages);
    ES_RUN(test_receive_empty);
    ES_RUN(test_receive_malformed);
    ES_RUN(test_receive_skips_the_bad_message_only);
    ES_RUN(test_receive_surplus_bound);
    ES_RUN(test_batch_results);
    ES_RUN(test_error_type);
    ES_RUN(test_string_members);
    return es_test_finish();
}
