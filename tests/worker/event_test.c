/* event_test.c - the SQS message body parser: key decoding table, every
 * accepted shape (S3 notification, TestEvent, SNS envelope, EventBridge),
 * removals (ObjectRemoved:*, "Object Deleted"),
 * refusals with their reasons, and the size/record limits. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../harness/test.h"
#include "worker/event.h"

/* A minimal S3 notification with one record whose key is given already encoded. */
#define S_S3_EVENT_FMT                                                                                \
    "{\"Records\":[{\"eventVersion\":\"2.1\",\"eventSource\":\"aws:s3\",\"awsRegion\":\"us-east-1\"," \
    "\"eventTime\":\"2024-05-01T12:00:00.000Z\",\"eventName\":\"%s\","                                \
    "\"s3\":{\"s3SchemaVersion\":\"1.0\",\"configurationId\":\"c\","                                  \
    "\"bucket\":{\"name\":\"%s\",\"arn\":\"arn:aws:s3:::%s\"},"                                       \
    "\"object\":{\"key\":\"%s\",\"size\":1234,\"eTag\":\"0123456789abcdef0123456789abcdef\","         \
    "\"versionId\":\"v1\",\"sequencer\":\"0055AED6DCD90281E5\"}}}]}"

/* A minimal S3 notification with one record whose key is given already encoded. */
static char *s_s3_event(const char *event_name, const char *bucket, const char *enc_key)
{
    size_t n = strlen(S_S3_EVENT_FMT) + strlen(event_name) + 2 * strlen(bucket) + strlen(enc_key) + 1;
    char *out = malloc(n);
    snprintf(out, n, S_S3_EVENT_FMT, event_name, bucket, bucket, enc_key);
    return out;
}

static es_err s_parse(const char *body, es_event *ev, es_error *err)
{
    es_error_clear(err);
    return es_event_parse(body, strlen(body), ev, err);
}

static void test_decode_key_table(void)
{
    static const struct {
        const char *in, *out;
    } ok[] = {
        {"photo.jpg", "photo.jpg"},
        {"my+photo.jpg", "my photo.jpg"},
        {"a%2Bb.jpg", "a+b.jpg"},
        {"100%25.jpg", "100%.jpg"},
        {"%E6%97%A5%E6%9C%AC.jpg", "\xE6\x97\xA5\xE6\x9C\xAC.jpg"},
        {"dir%2Fsub/x.JPG", "dir/sub/x.JPG"},
        {"%7e%7E", "~~"},
        {"+", " "},
        {"%2B%2B+", "++ "},
        {"caf%C3%A9.jpeg", "caf\xC3\xA9.jpeg"},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        char out[ES_EVENT_MAX_KEY + 1];
        size_t len = 0;
        es_error err;
        es_error_clear(&err);
        CHECK_OK(es_event_decode_key(ok[i].in, strlen(ok[i].in), out, sizeof out, &len, &err));
        CHECK_STR_EQ(out, ok[i].out);
        CHECK_INT_EQ(len, strlen(ok[i].out));
    }
}

static void test_decode_key_rejects(void)
{
    static const char *const bad[] = {
        "%",         /* escape cut short */
        "abc%4",     /* one hex digit */
        "%zz.jpg",   /* not hex */
        "%G0",       /* not hex */
        "a%00b",     /* NUL byte */
        "%FF.jpg",   /* not UTF-8 */
        "%C3.jpg",   /* truncated UTF-8 sequence */
        "%C0%AF",    /* overlong UTF-8 */
        "%ED%A0%80", /* UTF-16 surrogate */
        "",          /* empty */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char out[ES_EVENT_MAX_KEY + 1];
        es_error err;
        es_error_clear(&err);
        es_err rc = es_event_decode_key(bad[i], strlen(bad[i]), out, sizeof out, NULL, &err);
        if (rc != ES_ERR_EVENT_INVALID)
            es_test_fail(__FILE__, __LINE__, "key \"%s\" decoded (rc %d)", bad[i], rc);
        CHECK(err.msg[0] != '\0');
    }
}

static void test_decode_key_length_limit(void)
{
    char in[3 * 1100 + 1];
    char out[ES_EVENT_MAX_KEY + 1];
    es_error err;
    /* exactly 1024 decoded bytes, half of them from escapes: accepted */
    size_t n = 0;
    for (int i = 0; i < 512; i++)
        n += (size_t)snprintf(in + n, sizeof in - n, "a%%41");
    es_error_clear(&err);
    size_t len = 0;
    CHECK_OK(es_event_decode_key(in, n, out, sizeof out, &len, &err));
    CHECK_INT_EQ(len, 1024);
    /* 1025 decoded bytes: refused, naming the limit */
    n += (size_t)snprintf(in + n, sizeof in - n, "+");
    es_error_clear(&err);
    CHECK_INT_EQ(es_event_decode_key(in, n, out, sizeof out, &len, &err), ES_ERR_EVENT_INVALID);
    CHECK_STR_CONTAINS(err.msg, "1024");
}

static void test_s3_notification(void)
{
    char *body = s_s3_event("ObjectCreated:Put", "src-bucket", "holiday/my+photo%2B1.jpg");
    es_event ev;
    es_error err;
    REQUIRE(s_parse(body, &ev, &err) == ES_OK);
    CHECK_INT_EQ(ev.kind, ES_EVENT_OBJECTS);
    CHECK_STR_EQ(ev.shape, "s3");
    REQUIRE(ev.count == 1);
    const es_event_record *r = &ev.records[0];
    CHECK_STR_EQ(r->bucket, "src-bucket");
    CHECK_STR_EQ(r->key, "holiday/my photo+1.jpg");
    CHECK(r->has_size);
    CHECK_INT_EQ(r->size, 1234);
    CHECK_STR_EQ(r->etag, "0123456789abcdef0123456789abcdef");
    CHECK_STR_EQ(r->version_id, "v1");
    CHECK_STR_EQ(r->sequencer, "0055AED6DCD90281E5");
    CHECK_STR_EQ(r->event_name, "ObjectCreated:Put");
    es_event_clear(&ev);
    CHECK(ev.records == NULL && ev.count == 0);
    free(body);
}

/* JSON escapes in the fields are decoded before the key's form decoding;
 * a key without escapes is read in place, one with escapes through a copy. */
static void test_json_escapes_decoded(void)
{
    char *body = s_s3_event("Object\\u0043reated:Put", "src-b\\u0075cket", "holiday\\/caf\\u00e9+%2B1.jpg");
    es_event ev;
    es_error err;
    REQUIRE(s_parse(body, &ev, &err) == ES_OK);
    REQUIRE(ev.count == 1);
    CHECK_INT_EQ(ev.records[0].state, ES_EVENT_RECORD_CREATED);
    CHECK_STR_EQ(ev.records[0].event_name, "ObjectCreated:Put");
    CHECK_STR_EQ(ev.records[0].bucket, "src-bucket");
    CHECK_STR_EQ(ev.records[0].key, "holiday/caf\xc3\xa9 +1.jpg");
    es_event_clear(&ev);
    free(body);
}

static void test_s3_optional_fields(void)
{
    const char *body = "{\"Records\":[{\"eventSource\":\"aws:s3\",\"eventName\":"
                       "\"ObjectCreated:CompleteMultipartUpload\",\"s3\":{\"bucket\":{\"name\":"
                       "\"bkt\"},\"object\":{\"key\":\"a.jpg\",\"eTag\":\"\\\"quoted\\\"\"}}}]}";
    es_event ev;
    es_error err;
    REQUIRE(s_parse(body, &ev, &err) == ES_OK);
    REQUIRE(ev.count == 1);
    CHECK(!ev.records[0].has_size);
    CHECK_STR_EQ(ev.records[0].etag, "quoted"); /* quotes removed */
    CHECK_STR_EQ(ev.records[0].version_id, "");
    es_event_clear(&ev);
}

static void test_s3_multiple_records(void)
{
    char body[8192];
    size_t n = (size_t)snprintf(body, sizeof body, "{\"Records\":[");
    for (int i = 0; i < 3; i++)
        n += (size_t)snprintf(body + n, sizeof body - n,
                              "%s{\"eventSource\":\"aws:s3\",\"eventName\":\"ObjectCreated:Copy\","
                              "\"s3\":{\"bucket\":{\"name\":\"bkt%d\"},\"object\":{\"key\":\"k%d.jpg\","
                              "\"size\":%d}}}",
                              i ? "," : "", i, i, i * 10);
    snprintf(body + n, sizeof body - n, "]}");
    es_event ev;
    es_error err;
    REQUIRE(s_parse(body, &ev, &err) == ES_OK);
    REQUIRE(ev.count == 3);
    CHECK_STR_EQ(ev.records[0].bucket, "bkt0");
    CHECK_STR_EQ(ev.records[2].key, "k2.jpg");
    CHECK_INT_EQ(ev.records[2].size, 20);
    es_event_clear(&ev);
}

static void test_record_limit(void)
{
    const char *rec = "{\"eventSource\":\"aws:s3\",\"eventName\":\"ObjectCreated:Put\",\"s3\":{"
                      "\"bucket\":{\"name\":\"bkt\"},\"object\":{\"key\":\"k.jpg\"}}}";
    for (int count = 100; count <= 101; count++) {
        size_t cap = (strlen(rec) + 1) * (size_t)count + 64;
        char *body = malloc(cap);
        size_t n = (size_t)snprintf(body, cap, "{\"Records\":[");
        for (int i = 0; i < count; i++)
            n += (size_t)snprintf(body + n, cap - n, "%s%s", i ? "," : "", rec);
        snprintf(body + n, cap - n, "]}");
        es_event ev;
        es_error err;
        es_err rc = s_parse(body, &ev, &err);
        if (count == 100) {
            CHECK_OK(rc);
            CHECK_INT_EQ(ev.count, 100);
        } else {
            CHECK_INT_EQ(rc, ES_ERR_TOO_LARGE);
            CHECK_STR_CONTAINS(err.msg, "101 records");
            CHECK(ev.records == NULL);
        }
        es_event_clear(&ev);
        free(body);
    }
}

static void test_body_limit(void)
{
    size_t len = ES_EVENT_MAX_BODY + 1;
    char *body = malloc(len);
    memset(body, ' ', len);
    body[0] = '{';
    body[len - 1] = '}';
    es_event ev;
    es_error err;
    es_error_clear(&err);
    CHECK_INT_EQ(es_event_parse(body, len, &ev, &err), ES_ERR_TOO_LARGE);
    CHECK_STR_CONTAINS(err.msg, "limit");
    /* the same body one byte shorter is within the limit (and parses as an unknown shape) */
    es_error_clear(&err);
    body[len - 2] = '}';
    CHECK_INT_EQ(es_event_parse(body, len - 1, &ev, &err), ES_ERR_EVENT_INVALID);
    CHECK_STR_CONTAINS(err.msg, "unrecognised");
    free(body);
}

static void test_test_event(void)
{
    const char *body = "{\"Service\":\"Amazon S3\",\"Event\":\"s3:TestEvent\",\"Time\":"
                       "\"2024-05-01T12:00:00.000Z\",\"Bucket\":\"src-bucket\",\"RequestId\":\"R\","
                       "\"HostId\":\"H\"}";
    es_event ev;
    es_error err;
    REQUIRE(s_parse(body, &ev, &err) == ES_OK);
    CHECK_INT_EQ(ev.kind, ES_EVENT_TEST);
    CHECK_INT_EQ(ev.count, 0);
    CHECK_STR_EQ(ev.test_bucket, "src-bucket");
    es_event_clear(&ev);
}

/* Wraps inner as the JSON string Message of an SNS notification. */
static char *s_sns_wrap(const char *inner)
{
    size_t cap = strlen(inner) * 2 + 512;
    char *out = malloc(cap);
    size_t n = (size_t)snprintf(out, cap,
                                "{\"Type\":\"Notification\",\"MessageId\":\"m-1\",\"TopicArn\":"
                                "\"arn:aws:sns:us-east-1:123456789012:t\",\"Subject\":\"Amazon S3 "
                                "Notification\",\"Message\":\"");
    for (const char *p = inner; *p; p++) {
        if (*p == '"' || *p == '\\')
            out[n++] = '\\';
        out[n++] = *p;
    }
    snprintf(out + n, cap - n, "\",\"Timestamp\":\"2024-05-01T12:00:00.000Z\",\"SignatureVersion\":\"1\"}");
    return out;
}

static void test_sns_wrapped(void)
{
    char *inner = s_s3_event("ObjectCreated:Post", "bkt", "a%20b+c.jpg");
    char *body = s_sns_wrap(inner);
    es_event ev;
    es_error err;
    REQUIRE(s_parse(body, &ev, &err) == ES_OK);
    CHECK_STR_EQ(ev.shape, "sns/s3");
    REQUIRE(ev.count == 1);
    CHECK_STR_EQ(ev.records[0].key, "a b c.jpg");
    CHECK_STR_EQ(ev.records[0].event_name, "ObjectCreated:Post");
    es_event_clear(&ev);
    free(body);
    free(inner);
}

static void test_sns_test_event_and_nesting(void)
{
    char *body = s_sns_wrap("{\"Service\":\"Amazon S3\",\"Event\":\"s3:TestEvent\",\"Bucket\":\"b\"}");
    es_event ev;
    es_error err;
    REQUIRE(s_parse(body, &ev, &err) == ES_OK);
    CHECK_INT_EQ(ev.kind, ES_EVENT_TEST);
    es_event_clear(&ev);
    /* SNS inside SNS is refused */
    char *twice = s_sns_wrap(body);
    CHECK_INT_EQ(s_parse(twice, &ev, &err), ES_ERR_EVENT_INVALID);
    CHECK_STR_CONTAINS(err.msg, "nested");
    free(twice);
    free(body);
    /* an SNS subscription confirmation is not an event */
    CHECK_INT_EQ(s_parse("{\"Type\":\"SubscriptionConfirmation\",\"Message\":\"x\"}", &ev, &err),
                 ES_ERR_EVENT_INVALID);
    CHECK_STR_CONTAINS(err.msg, "SubscriptionConfirmation");
    /* SNS whose message is garbage: reason says where */
    char *garbage = s_sns_wrap("not json");
    CHECK_INT_EQ(s_parse(garbage, &ev, &err), ES_ERR_EVENT_INVALID);
    CHECK_STR_CONTAINS(err.msg, "SNS Message: not JSON");
    free(garbage);
}

static const char *s_eventbridge =
    "{\"version\":\"0\",\"id\":\"17793124-05d4-b198-2fde-7ededc63b103\",\"detail-type\":\"Object "
    "Created\",\"source\":\"aws.s3\",\"account\":\"123456789012\",\"time\":\"2021-11-12T00:00:00Z\","
    "\"region\":\"ca-central-1\",\"resources\":[\"arn:aws:s3:::example-bucket\"],\"detail\":{"
    "\"version\":\"0\",\"bucket\":{\"name\":\"example-bucket\"},\"object\":{\"key\":\"my photo+%41.jpg\","
    "\"size\":5,\"etag\":\"b1946ac92492d2347c6235b4d2611184\",\"version-id\":\"IYV3p45BT0ac8hjHg1houSdS1a.Mro8e\","
    "\"sequencer\":\"00617F08299329D189\"},\"request-id\":\"N4N7GDK58NMKJ12R\",\"requester\":"
    "\"123456789012\",\"source-ip-address\":\"1.2.3.4\",\"reason\":\"PutObject\"}}";

static void test_eventbridge(void)
{
    es_event ev;
    es_error err;
    REQUIRE(s_parse(s_eventbridge, &ev, &err) == ES_OK);
    CHECK_STR_EQ(ev.shape, "eventbridge");
    REQUIRE(ev.count == 1);
    const es_event_record *r = &ev.records[0];
    CHECK_STR_EQ(r->bucket, "example-bucket");
    CHECK_STR_EQ(r->key, "my photo+%41.jpg"); /* EventBridge keys are not encoded */
    CHECK_INT_EQ(r->size, 5);
    CHECK_STR_EQ(r->etag, "b1946ac92492d2347c6235b4d2611184");
    CHECK_STR_EQ(r->version_id, "IYV3p45BT0ac8hjHg1houSdS1a.Mro8e");
    CHECK_STR_EQ(r->sequencer, "00617F08299329D189");
    CHECK_STR_EQ(r->event_name, "Object Created");
    es_event_clear(&ev);
}

static void test_eventbridge_refusals(void)
{
    es_event ev;
    es_error err;
    /* another detail-type is a record to skip, not a refusal */
    REQUIRE(s_parse("{\"source\":\"aws.s3\",\"detail-type\":\"Object Restore Completed\","
                    "\"detail\":{\"bucket\":{\"name\":\"bkt\"},\"object\":{\"key\":\"k.jpg\"}}}",
                    &ev, &err) == ES_OK);
    REQUIRE(ev.count == 1);
    CHECK_INT_EQ(ev.records[0].state, ES_EVENT_RECORD_OTHER);
    CHECK_STR_EQ(ev.records[0].event_name, "Object Restore Completed");
    CHECK_STR_EQ(ev.records[0].key, "k.jpg");
    es_event_clear(&ev);
    CHECK_INT_EQ(s_parse("{\"source\":\"aws.s3\",\"detail-type\":7,\"detail\":{}}", &ev, &err),
                 ES_ERR_EVENT_INVALID);
    CHECK_STR_CONTAINS(err.msg, "detail-type");
    CHECK_INT_EQ(s_parse("{\"source\":\"aws.s3\",\"detail-type\":\"Object Created\",\"detail\":"
                         "{\"bucket\":{\"name\":\"bkt\"},\"object\":{\"key\":\"\"}}}",
                         &ev, &err),
                 ES_ERR_EVENT_INVALID);
    CHECK_STR_CONTAINS(err.msg, "detail.object.key");
    CHECK_INT_EQ(s_parse("{\"source\":\"aws.s3\",\"detail-type\":\"Object Created\",\"detail\":"
                         "{\"bucket\":{\"name\":\"bkt\"},\"object\":{\"key\":\"k.jpg\","
                         "\"etag\":\"x\\r\\ny\"}}}",
                         &ev, &err),
                 ES_ERR_EVENT_INVALID);
    CHECK_STR_CONTAINS(err.msg, "detail.object.etag is not a valid ETag");
    CHECK_INT_EQ(s_parse("{\"source\":\"aws.s3\",\"detail-type\":\"Object Created\",\"detail\":"
                         "{\"bucket\":{\"name\":\"b\"},\"object\":{\"key\":\"k.jpg\"}}}",
                         &ev, &err),
                 ES_ERR_EVENT_INVALID);
    CHECK_STR_CONTAINS(err.msg, "detail.bucket.name is not a valid bucket name");
    /* the JSON reader refuses \u0000 inside strings, so a NUL can never reach a key */
    CHECK_INT_EQ(s_parse("{\"source\":\"aws.s3\",\"detail-type\":\"Object Created\",\"detail\":"
                         "{\"bucket\":{\"name\":\"bkt\"},\"object\":{\"key\":\"a\\u0000b.jpg\"}}}",
                         &ev, &err),
                 ES_ERR_EVENT_INVALID);
}

static void test_refusals_with_reasons(void)
{
    static const struct {
        const char *body;
        const char *reason_part;
    } cases[] = {
        {"not json at all", "not JSON"},
        {"[1,2,3]", "not a JSON object"},
        {"\"a string\"", "not a JSON object"},
        {"{}", "unrecognised"},
        {"{\"Records\":{}}", "Records is not an array"},
        {"{\"Records\":[]}", "Records is empty"},
        {"{\"Records\":[],\"Records\":[]}", "not JSON"}, /* duplicate keys */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        es_event ev;
        es_error err;
        es_err rc = s_parse(cases[i].body, &ev, &err);
        if (rc != ES_ERR_EVENT_INVALID)
            es_test_fail(__FILE__, __LINE__, "case %zu: rc %d, expected ES_ERR_EVENT_INVALID", i, rc);
        if (!strstr(err.msg, cases[i].reason_part))
            es_test_fail(__FILE__, __LINE__, "case %zu: reason \"%s\" lacks \"%s\"", i, err.msg,
                         cases[i].reason_part);
        CHECK(ev.records == NULL && ev.count == 0);
        CHECK_INT_EQ(es_err_category(rc), ES_CAT_INPUT);
    }
    /* the reader's reason, with the place it stopped at */
    static const struct {
        const char *body, *reason;
    } exact[] = {
        {"{\"Records\":[],\"Records\":[]}", "not JSON: duplicate object key (line 1, column 15)"},
        {"{\"Records\":[1,]}", "not JSON: trailing comma (line 1, column 15)"},
        {"{\n\"Records\": [01]}", "not JSON: invalid number (line 2, column 13)"},
        {"{\"Records\":[\"\\u0000\"]}", "not JSON: \\u0000 in a string (line 1, column 14)"},
        {"{\"Records\":[]", "not JSON: unexpected end of input (line 1, column 14)"},
    };
    for (size_t i = 0; i < sizeof exact / sizeof exact[0]; i++) {
        es_event ev;
        es_error err;
        CHECK_INT_EQ(s_parse(exact[i].body, &ev, &err), ES_ERR_EVENT_INVALID);
        CHECK_STR_EQ(err.msg, exact[i].reason);
    }
}

/* Each malformed record is refused on its own (state INVALID) with a reason
 * naming the field; fields are validated before any request could use them. */
static void test_invalid_record_fields(void)
{
    static const struct {
        const char *body;
        const char *reason_part;
    } cases[] = {
        {"{\"Records\":[42]}", "Records[0] is not an object"},
        {"{\"Records\":[{\"eventSource\":\"aws:sqs\",\"eventName\":\"ObjectCreated:Put\"}]}",
         "Records[0].eventSource"},
        {"{\"Records\":[{\"eventSource\":\"aws:s3\",\"eventName\":\"ObjectCreated:Put\"}]}",
         "Records[0].s3 is missing"},
        {"{\"Records\":[{\"eventSource\":\"aws:s3\",\"eventName\":\"ObjectCreated:Put\",\"s3\":{"
         "\"bucket\":{},\"object\":{\"key\":\"k.jpg\"}}}]}",
         "Records[0].s3.bucket.name is missing"},
        {"{\"Records\":[{\"eventSource\":\"aws:s3\",\"eventName\":\"ObjectCreated:Put\",\"s3\":{"
         "\"bucket\":{\"name\":\"bkt\"},\"object\":{\"key\":\"bad%zzkey\"}}}]}",
         "Records[0].s3.object.key \"bad%zzkey\": object key has a bad percent escape at byte 3"},
        {"{\"Records\":[{\"eventSource\":\"aws:s3\",\"eventName\":\"ObjectCreated:Put\",\"s3\":{"
         "\"bucket\":{\"name\":\"bkt\"},\"object\":{\"key\":\"k.jpg\",\"size\":-1}}}]}",
         "size is not a non-negative integer"},
        {"{\"Records\":[{\"eventSource\":\"aws:s3\",\"eventName\":\"ObjectCreated:Put\",\"s3\":{"
         "\"bucket\":{\"name\":\"bkt\"},\"object\":{\"key\":\"k.jpg\",\"size\":\"12\"}}}]}",
         "size is not a non-negative integer"},
        {"{\"Records\":[{\"eventSource\":\"aws:s3\",\"eventName\":\"ObjectCreated:Put\",\"s3\":{"
         "\"bucket\":{\"name\":\"bkt\"},\"object\":{\"key\":7}}}]}",
         "key is not a string"},
        {"{\"Records\":[{\"eventSource\":\"aws:s3\",\"eventName\":\"ObjectCreated:Put\",\"s3\":{"
         "\"bucket\":{\"name\":\"bkt\"},\"object\":{\"key\":\"k.jpg\",\"eTag\":\"abc\\r\\nX-Injected: 1\"}}}]}",
         "Records[0].s3.object.eTag is not a valid ETag"},
        {"{\"Records\":[{\"eventSource\":\"aws:s3\",\"eventName\":\"ObjectCreated:Put\",\"s3\":{"
         "\"bucket\":{\"name\":\"bkt\"},\"object\":{\"key\":\"k.jpg\",\"eTag\":\"\\\"ab\\\"cd\\\"\"}}}]}",
         "Records[0].s3.object.eTag is not a valid ETag"},
        {"{\"Records\":[{\"eventSource\":\"aws:s3\",\"eventName\":\"ObjectCreated:Put\",\"s3\":{"
         "\"bucket\":{\"name\":\"bkt\"},\"object\":{\"key\":\"k.jpg\",\"eTag\":\"ab cd\"}}}]}",
         "eTag is not a valid ETag"},
        {"{\"Records\":[{\"eventSource\":\"aws:s3\",\"eventName\":\"ObjectCreated:Put\",\"s3\":{"
         "\"bucket\":{\"name\":\"bkt\"},\"object\":{\"key\":\"k.jpg\",\"eTag\":\"caf\\u00e9\"}}}]}",
         "eTag is not a valid ETag"},
        {"{\"Records\":[{\"eventSource\":\"aws:s3\",\"eventName\":\"ObjectCreated:Put\",\"s3\":{"
         "\"bucket\":{\"name\":\"bkt\"},\"object\":{\"key\":\"k.jpg\",\"versionId\":\"v1\\nv2\"}}}]}",
         "Records[0].s3.object.versionId is not a valid version id"},
        {"{\"Records\":[{\"eventSource\":\"aws:s3\",\"eventName\":\"ObjectCreated:Put\",\"s3\":{"
         "\"bucket\":{\"name\":\"bkt\"},\"object\":{\"key\":\"k.jpg\",\"sequencer\":\"00zz\"}}}]}",
         "Records[0].s3.object.sequencer is not a hexadecimal string"},
        {"{\"Records\":[{\"eventSource\":\"aws:s3\",\"eventName\":\"ObjectCreated:Put\",\"s3\":{"
         "\"bucket\":{\"name\":\"ab\"},\"object\":{\"key\":\"k.jpg\"}}}]}",
         "Records[0].s3.bucket.name is not a valid bucket name"},
        {"{\"Records\":[{\"eventSource\":\"aws:s3\",\"eventName\":\"ObjectCreated:Put\",\"s3\":{"
         "\"bucket\":{\"name\":\"bad/bucket\"},\"object\":{\"key\":\"k.jpg\"}}}]}",
         "Records[0].s3.bucket.name is not a valid bucket name"},
        {"{\"Records\":[{\"eventSource\":\"aws:s3\",\"eventName\":\"ObjectCreated:Put\",\"s3\":{"
         "\"bucket\":{\"name\":\"-bucket\"},\"object\":{\"key\":\"k.jpg\"}}}]}",
         "bucket.name is not a valid bucket name"},
        {"{\"Records\":[{\"eventSource\":\"aws:s3\",\"eventName\":\"ObjectCreated:Put\",\"s3\":{"
         "\"bucket\":{\"name\":\"bkt\\r\\nx\"},\"object\":{\"key\":\"k.jpg\"}}}]}",
         "bucket.name is not a valid bucket name"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        es_event ev;
        es_error err;
        es_err rc = s_parse(cases[i].body, &ev, &err);
        if (rc != ES_OK) {
            es_test_fail(__FILE__, __LINE__, "case %zu: rc %d (%s), expected a parsed message", i, rc, err.msg);
            continue;
        }
        REQUIRE(ev.count == 1);
        const es_event_record *r = &ev.records[0];
        if (r->state != ES_EVENT_RECORD_INVALID)
            es_test_fail(__FILE__, __LINE__, "case %zu: record state %d, expected INVALID", i, r->state);
        if (!strstr(r->problem, cases[i].reason_part))
            es_test_fail(__FILE__, __LINE__, "case %zu: problem \"%s\" lacks \"%s\"", i, r->problem,
                         cases[i].reason_part);
        CHECK_INT_EQ(r->problem_code, ES_ERR_EVENT_INVALID);
        CHECK(strpbrk(r->bucket, "/\r\n") == NULL); /* never a bad bucket name for the report */
        es_event_clear(&ev);
    }
}

static void test_key_length_limit_in_record(void)
{
    char key[1100], body[1600];
    memset(key, 'k', 1025);
    key[1025] = '\0';
    snprintf(body, sizeof body,
             "{\"Records\":[{\"eventSource\":\"aws:s3\",\"eventName\":\"ObjectCreated:Put\","
             "\"s3\":{\"bucket\":{\"name\":\"bkt\"},\"object\":{\"key\":\"%s\"}}}]}",
             key);
    es_event ev;
    es_error err;
    REQUIRE(s_parse(body, &ev, &err) == ES_OK);
    CHECK_INT_EQ(ev.records[0].state, ES_EVENT_RECORD_INVALID);
    CHECK_STR_CONTAINS(ev.records[0].problem, "Records[0].s3.object.key");
    CHECK_STR_CONTAINS(ev.records[0].problem, "1024");
    CHECK_STR_EQ(ev.records[0].bucket, "bkt");
    CHECK_STR_EQ(ev.records[0].key, "");
    es_event_clear(&ev);
    key[1024] = '\0'; /* exactly 1024 bytes: accepted */
    snprintf(body, sizeof body,
             "{\"Records\":[{\"eventSource\":\"aws:s3\",\"eventName\":\"ObjectCreated:Put\","
             "\"s3\":{\"bucket\":{\"name\":\"bkt\"},\"object\":{\"key\":\"%s\"}}}]}",
             key);
    REQUIRE(s_parse(body, &ev, &err) == ES_OK);
    CHECK_INT_EQ(ev.records[0].state, ES_EVENT_RECORD_CREATED);
    CHECK_INT_EQ(strlen(ev.records[0].key), 1024);
    es_event_clear(&ev);
}

/* A bad record and an ObjectRemoved record do not spoil a valid sibling. */
static void test_records_judged_one_by_one(void)
{
    const char *body =
        "{\"Records\":[{\"eventSource\":\"aws:s3\",\"eventName\":\"ObjectCreated:Put\",\"s3\":{"
        "\"bucket\":{\"name\":\"bkt\"},\"object\":{\"key\":\"k.jpg\"}}},{\"eventSource\":\"aws:s3\","
        "\"eventName\":\"ObjectRemoved:Delete\",\"s3\":{\"bucket\":{\"name\":\"bkt\"},\"object\":{"
        "\"key\":\"gone+1.jpg\"}}},{\"eventSource\":\"aws:s3\",\"eventName\":\"ObjectCreated:Put\","
        "\"s3\":{\"bucket\":{\"name\":\"bkt\"},\"object\":{\"key\":\"x.jpg\",\"eTag\":\"a\\r\\nb\"}}},"
        "{\"eventSource\":\"aws:s3\",\"eventName\":\"ObjectRemoved:Delete\"}]}";
    es_event ev;
    es_error err;
    REQUIRE(s_parse(body, &ev, &err) == ES_OK);
    REQUIRE(ev.count == 4);
    CHECK_INT_EQ(ev.records[0].state, ES_EVENT_RECORD_CREATED);
    CHECK_STR_EQ(ev.records[0].key, "k.jpg");
    CHECK_INT_EQ(ev.records[1].state, ES_EVENT_RECORD_REMOVED);
    CHECK_STR_EQ(ev.records[1].event_name, "ObjectRemoved:Delete");
    CHECK_STR_EQ(ev.records[1].key, "gone 1.jpg");
    CHECK_STR_EQ(ev.records[1].problem, "");
    CHECK_INT_EQ(ev.records[2].state, ES_EVENT_RECORD_INVALID);
    CHECK_STR_CONTAINS(ev.records[2].problem, "Records[2].s3.object.eTag");
    CHECK_STR_EQ(ev.records[2].key, "x.jpg"); /* kept for the report */
    /* no s3 member: a removal carrying its problem (skipped unless deletes are propagated) */
    CHECK_INT_EQ(ev.records[3].state, ES_EVENT_RECORD_REMOVED);
    CHECK_STR_CONTAINS(ev.records[3].problem, "Records[3].s3 is missing");
    CHECK_STR_EQ(ev.records[3].bucket, "");
    es_event_clear(&ev);
}

/* Removals: S3's ObjectRemoved:Delete (a version id when a version was
 * deleted) and ObjectRemoved:DeleteMarkerCreated, EventBridge's "Object
 * Deleted" with its deletion-type; fields validated as for creations. */
static void test_removals(void)
{
    es_event ev;
    es_error err;
    char *body = s_s3_event("ObjectRemoved:Delete", "bkt", "a/b+c.jpg");
    REQUIRE(s_parse(body, &ev, &err) == ES_OK);
    free(body);
    REQUIRE(ev.count == 1);
    const es_event_record *r = &ev.records[0];
    CHECK_INT_EQ(r->state, ES_EVENT_RECORD_REMOVED);
    CHECK(!r->delete_marker);
    CHECK_STR_EQ(r->key, "a/b c.jpg");
    CHECK_STR_EQ(r->version_id, "v1");
    CHECK_STR_EQ(r->sequencer, "0055AED6DCD90281E5");
    CHECK_STR_EQ(r->problem, "");
    es_event_clear(&ev);

    body = s_s3_event("ObjectRemoved:DeleteMarkerCreated", "bkt", "k.jpg");
    REQUIRE(s_parse(body, &ev, &err) == ES_OK);
    free(body);
    CHECK_INT_EQ(ev.records[0].state, ES_EVENT_RECORD_REMOVED);
    CHECK(ev.records[0].delete_marker);
    es_event_clear(&ev);

    body = s_s3_event("ObjectRemoved:Delete", "bkt", "bad%ZZ.jpg");
    REQUIRE(s_parse(body, &ev, &err) == ES_OK); /* the message stays usable */
    free(body);
    CHECK_INT_EQ(ev.records[0].state, ES_EVENT_RECORD_REMOVED);
    CHECK_STR_CONTAINS(ev.records[0].problem, "Records[0].s3.object.key");
    CHECK_INT_EQ(ev.records[0].problem_code, ES_ERR_EVENT_INVALID);
    es_event_clear(&ev);

    static const char *const eventbridge[] = {
        ("{\"source\":\"aws.s3\",\"detail-type\":\"Object Deleted\",\"detail\":{\"bucket\":{"
         "\"name\":\"bkt\"},\"object\":{\"key\":\"my photo+%41.jpg\",\"version-id\":\"m1\","
         "\"sequencer\":\"617f08299329d189\"},\"deletion-type\":\"Delete Marker Created\"}}"),
        ("{\"source\":\"aws.s3\",\"detail-type\":\"Object Deleted\",\"detail\":{\"bucket\":{"
         "\"name\":\"bkt\"},\"object\":{\"key\":\"k.jpg\",\"sequencer\":\"617f\"},"
         "\"deletion-type\":\"Permanently Deleted\"}}"),
        ("{\"source\":\"aws.s3\",\"detail-type\":\"Object Deleted\",\"detail\":{\"bucket\":{"
         "\"name\":\"bkt\"},\"object\":{\"key\":\"k.jpg\",\"sequencer\":\"not hex\"}}}"),
    };
    REQUIRE(s_parse(eventbridge[0], &ev, &err) == ES_OK);
    r = &ev.records[0];
    CHECK_INT_EQ(r->state, ES_EVENT_RECORD_REMOVED);
    CHECK(r->delete_marker);
    CHECK_STR_EQ(r->event_name, "Object Deleted");
    CHECK_STR_EQ(r->key, "my photo+%41.jpg"); /* EventBridge keys are not encoded */
    CHECK_STR_EQ(r->version_id, "m1");
    CHECK_STR_EQ(r->sequencer, "617f08299329d189");
    es_event_clear(&ev);
    REQUIRE(s_parse(eventbridge[1], &ev, &err) == ES_OK);
    CHECK(!ev.records[0].delete_marker);
    CHECK_STR_EQ(ev.records[0].problem, "");
    es_event_clear(&ev);
    REQUIRE(s_parse(eventbridge[2], &ev, &err) == ES_OK);
    CHECK_INT_EQ(ev.records[0].state, ES_EVENT_RECORD_REMOVED);
    CHECK_STR_CONTAINS(ev.records[0].problem, "detail.object.sequencer");
    CHECK_STR_EQ(ev.records[0].key, "k.jpg");
    es_event_clear(&ev);
}

static void test_empty_and_null_body(void)
{
    es_event ev;
    es_error err;
    es_error_clear(&err);
    CHECK_INT_EQ(es_event_parse("", 0, &ev, &err), ES_ERR_EVENT_INVALID);
    CHECK_STR_CONTAINS(err.msg, "empty");
    CHECK_INT_EQ(es_event_parse(NULL, 0, &ev, NULL), ES_ERR_INVALID_ARG);
    es_event_clear(NULL);
}

int main(void)
{
    ES_RUN(test_decode_key_table);
    ES_RUN(test_decode_key_rejects);
    ES_RUN(test_decode_key_length_limit);
    ES_RUN(test_s3_notification);
    ES_RUN(test_json_escapes_decoded);
    ES_RUN(test_s3_optional_fields);
    ES_RUN(test_s3_multiple_records);
    ES_RUN(test_record_limit);
    ES_RUN(test_body_limit);
    ES_RUN(test_test_event);
    ES_RUN(test_sns_wrapped);
    ES_RUN(test_sns_test_event_and_nesting);
    ES_RUN(test_eventbridge);
    ES_RUN(test_eventbridge_refusals);
    ES_RUN(test_refusals_with_reasons);
    ES_RUN(test_invalid_record_fields);
    ES_RUN(test_key_length_limit_in_record);
    ES_RUN(test_records_judged_one_by_one);
    ES_RUN(test_removals);
    ES_RUN(test_empty_and_null_body);
    return es_test_finish();
}
