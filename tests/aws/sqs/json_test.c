/* json_test.c - SQS JSON-protocol response parsing (src/aws/sqs/json.c):
 * ReceiveMessage (attributes incl. SentTimestamp, MD5 check, empty, malformed), batch replies with
 * failed and missing entries, error __type namespaces, string members. */
#include <stdlib.h>
#include <string.h>

#include "../../harness/test.h"
#include "aws/sqs/json.h"

#define S(x) (const uint8_t *)(x), strlen(x)

static void test_receive_messages(void)
{
    /* MD5("hello") = 5d41402abc4b2a76b9719d911017c592 */
    const char *doc = "{\"Messages\":[{\"MessageId\":\"m1\",\"ReceiptHandle\":\"rh1\","
                      "\"MD5OfBody\":\"5d41402abc4b2a76b9719d911017c592\",\"Body\":\"hello\","
                      "\"Attributes\":{\"ApproximateReceiveCount\":\"3\",\"SentTimestamp\":\"1700000000123\"}},"
                      "{\"MessageId\":\"m2\",\"ReceiptHandle\":\"rh2\",\"Body\":\"{\\\"a\\\":\\\"\\u00e9\\\"}\"},"
                      /* names and values are matched and returned decoded */
                      "{\"MessageId\":\"m\\u00e9\",\"Receipt\\u0048andle\":\"r\\/3\",\"MD5OfBody\":"
                      "\"5D41402ABC4B2A76B9719D911017C592\",\"Body\":\"h\\u0065llo\","
                      "\"Attribute\\u0073\":{\"ApproximateReceiveCount\":\"\\u0032\"}}]}";
    es_sqs_message *m = NULL;
    size_t n = 0;
    CHECK_OK(es_sqs_json_parse_receive(S(doc), &m, &n));
    REQUIRE(n == 3 && m);
    CHECK_STR_EQ(m[0].message_id, "m1");
    CHECK_STR_EQ(m[0].receipt_handle, "rh1");
    CHECK_STR_EQ(m[0].body, "hello");
    CHECK_INT_EQ(m[0].receive_count, 3);
    CHECK(m[0].sent_timestamp_ms == 1700000000123ull);
    CHECK(m[1].sent_timestamp_ms == 0); /* not returned */
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
    CHECK_OK(es_sqs_json_parse_receive(S("{}"), &m, &n));
    CHECK(m == NULL && n == 0);
    CHECK_OK(es_sqs_json_parse_receive(S("{\"Messages\":[]}"), &m, &n));
    CHECK(m == NULL && n == 0);
}

static void test_receive_malformed(void)
{
    static const char *const bad[] = {
        "",
        "[]",
        "null",
        "{\"Messages\":{}}",
        "{\"Messages\":[1]}",
        "{\"Messages\":[{\"ReceiptHandle\":\"r\",\"Body\":\"b\"}]}", /* no id */
        "{\"Messages\":[{\"MessageId\":\"m\",\"Body\":\"b\"}]}",     /* no handle */
        "{\"Messages\":[{\"MessageId\":\"m\",\"ReceiptHandle\":\"\",\"Body\":\"b\"}]}",
        "{\"Messages\":[{\"MessageId\":\"m\",\"ReceiptHandle\":\"r\",\"Body\":7}]}",
        "{\"Messages\":[{\"MessageId\":\"m\",\"ReceiptHandle\":\"r\",\"Body\":\"hello\","
        "\"MD5OfBody\":\"00000000000000000000000000000000\"}]}", /* corrupted body */
        "{\"Messages\":[{\"MessageId\":\"m\",\"ReceiptHandle\":\"r\",\"Body\":\"b\","
        "\"Attributes\":{\"ApproximateReceiveCount\":\"x\"}}]}",
        "{\"Messages\":[{\"MessageId\":\"m\",\"ReceiptHandle\":\"r\",\"Body\":\"b\","
        "\"Attributes\":{\"ApproximateReceiveCount\":3}}]}",
        "{\"Messages\":[{\"MessageId\":\"m\",\"ReceiptHandle\":\"r\",\"Body\":\"b\",\"Attributes\":[]}]}",
        "{\"Messages\":[{\"MessageId\":\"m\",\"ReceiptHandle\":\"r\",\"Body\":\"b\","
        "\"Attributes\":{\"SentTimestamp\":\"-5\"}}]}",
        "{\"Messages\":[{\"MessageId\":\"m\",\"ReceiptHandle\":\"r\",\"Body\":\"b\","
        "\"Attributes\":{\"SentTimestamp\":\"17e11\"}}]}",
        "{\"Messages\":[{\"MessageId\":\"m\",\"ReceiptHandle\":\"r\",\"Body\":\"b\","
        "\"Attributes\":{\"SentTimestamp\":\"99999999999999999999\"}}]}",
        "{\"Messages\":[{\"MessageId\":\"m\",\"ReceiptHandle\":\"r\",\"Body\":\"b\","
        "\"Attributes\":{\"SentTimestamp\":1700000000000}}]}",
        "{\"Messages\":[{\"MessageId\":\"m\",\"ReceiptHandle\":\"r\",\"Body\":\"a\\u0000b\"}]}",
        "{\"Messages\":[], \"Messages\":[]}", /* duplicate keys */
        "{\"Messages\":[{\"MessageId\":\"m\",\"ReceiptHandle\":\"r\",\"Body\":\"b\"}]",
        "{\"Messages\":[{\"MessageId\":\"m\",\"ReceiptHandle\":\"r\",\"Body\":\"b\","
        "\"Attributes\":{\"ApproximateReceiveCount\":\"\"}}]}",
        "{\"Messages\":[{\"MessageId\":\"m\",\"ReceiptHandle\":\"r\",\"Body\":\"b\","
        "\"Attributes\":{\"ApproximateReceiveCount\":\"1000000001\"}}]}",
        "{\"Messages\":[{\"MessageId\":\"m\",\"ReceiptHandle\":\"r\",\"Body\":\"b\","
        "\"Attributes\":{\"ApproximateReceiveCount\":\"-1\"}}]}",
        "{\"Messages\":[{\"MessageId\":\"m\",\"ReceiptHandle\":\"r\",\"Body\":\"b\","
        "\"Attributes\":{\"SentTimestamp\":\"\"}}]}",
        "{\"Messages\":[{\"MessageId\":\"m\",\"ReceiptHandle\":\"r\",\"Body\":\"b\",}]}", /* trailing comma */
        "{\"Messages\":[{\"MessageId\":\"m\",\"ReceiptHandle\":\"r\",\"Body\":\"b\",\"Body\":\"c\"}]}",
        "{\"Messages\":[{\"MessageId\":\"m\",\"ReceiptHandle\":\"r\",\"Body\":\"b\",\"B\\u006fdy\":\"c\"}]}",
        "{\"Messages\":[{\"MessageId\":\"m\",\"ReceiptHandle\":\"r\",\"Body\":\"\\ud800\"}]}", /* lone surrogate */
        "{\"Messages\":[{\"MessageId\":\"m\",\"ReceiptHandle\":\"r\",\"Body\":\"\xc3\"}]}", /* bad UTF-8 */
        "{\"Messages\":[{\"MessageId\":\"m\",\"ReceiptHandle\":\"r\",\"Body\":\"b\"}]} x",
        "{\"Messages\":[{\"MessageId\":\"m\",\"ReceiptHandle\":\"r\",\"Body\":\"hello\","
        "\"MD5OfBody\":\"5d41402abc4b2a76b9719d911017c5920000000000000000000000000000000000000000\"}]}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        es_sqs_message *m = NULL;
        size_t n = 0;
        es_err rc = es_sqs_json_parse_receive(S(bad[i]), &m, &n);
        if (rc != ES_ERR_PROTOCOL)
            es_test_fail(__FILE__, __LINE__, "bad[%zu] gave %s: %s", i, es_errname(rc), bad[i]);
        CHECK(m == NULL && n == 0);
    }
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
        es_err rc = es_sqs_json_parse_receive(S(doc), &m, &n);
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
    ES_RUN(test_batch_results);
    ES_RUN(test_error_type);
    ES_RUN(test_string_members);
    return es_test_finish();
}
