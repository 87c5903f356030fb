/* report_test.c - the DLQ report: members and their values, the original
 * body embedded as JSON (or as a string when it is not JSON), invalid UTF-8
 * made valid, the text all ASCII (SQS refuses U+FFFE and U+FFFF in a body,
 * which S3 keys may hold), and the size cap that swaps a huge body for an
 * excerpt. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "../harness/test.h"
#include "worker/report.h"

static json_t *s_build(const es_report_info *info, char **text)
{
    *text = es_report_build(info);
    if (!*text)
        return NULL;
    return json_loads(*text, 0, NULL);
}

static void test_members(void)
{
    const char *body = "{\"Records\":[{\"eventSource\":\"aws:s3\",\"n\":1}]}";
    es_report_info info = {.bucket = "src",
                           .key = "dir/photo 1.jpg",
                           .version_id = "v7",
                           .reason = "offset 2: not a JPEG file (PNG image)",
                           .code = ES_ERR_JPEG_NOT_JPEG,
                           .message_id = "m-123",
                           .receive_count = 3,
                           .body = body,
                           .body_len = strlen(body)};
    char *text;
    json_t *j = s_build(&info, &text);
    REQUIRE(j != NULL);
    CHECK_STR_EQ(json_string_value(json_object_get(j, "bucket")), "src");
    CHECK_STR_EQ(json_string_value(json_object_get(j, "key")), "dir/photo 1.jpg");
    CHECK_STR_EQ(json_string_value(json_object_get(j, "version_id")), "v7");
    CHECK_STR_EQ(json_string_value(json_object_get(j, "reason")), info.reason);
    CHECK_STR_EQ(json_string_value(json_object_get(j, "error_code")), "ES_ERR_JPEG_NOT_JPEG");
    CHECK_STR_EQ(json_string_value(json_object_get(j, "category")), "input");
    CHECK_STR_EQ(json_string_value(json_object_get(j, "message_id")), "m-123");
    CHECK_INT_EQ(json_integer_value(json_object_get(j, "receive_count")), 3);
    const char *t = json_string_value(json_object_get(j, "time"));
    CHECK(t && strlen(t) == 24 && t[23] == 'Z');
    CHECK_STR_CONTAINS(json_string_value(json_object_get(j, "reporter")), "exifstrip");
    json_t *ev = json_object_get(j, "event");
    REQUIRE(json_is_object(ev));
    json_t *rec = json_array_get(json_object_get(ev, "Records"), 0);
    CHECK_STR_EQ(json_string_value(json_object_get(rec, "eventSource")), "aws:s3");
    CHECK(json_object_get(j, "event_truncated") == NULL);
    json_decref(j);
    free(text);
}

static void test_event_level_refusal(void)
{
    const char *body = "this is not json \xff";
    es_report_info info = {.reason = "not JSON",
                           .code = ES_ERR_EVENT_INVALID,
                           .message_id = "m",
                           .body = body,
                           .body_len = strlen(body)};
    char *text;
    json_t *j = s_build(&info, &text);
    REQUIRE(j != NULL);
    CHECK(json_is_null(json_object_get(j, "bucket")));
    CHECK(json_is_null(json_object_get(j, "key")));
    CHECK(json_is_null(json_object_get(j, "version_id")));
    CHECK_STR_EQ(json_string_value(json_object_get(j, "error_code")), "ES_ERR_EVENT_INVALID");
    CHECK_STR_EQ(json_string_value(json_object_get(j, "event")), "this is not json \xEF\xBF\xBD");
    json_decref(j);
    free(text);
}

static void test_invalid_utf8_and_nul_in_fields(void)
{
    const char body[] = "a\0b";
    es_report_info info = {.bucket = "b",
                           .key = "k\xC3",
                           .reason = "r\x80",
                           .code = ES_ERR_TOO_LARGE,
                           .body = body,
                           .body_len = 3};
    char *text;
    json_t *j = s_build(&info, &text);
    REQUIRE(j != NULL);
    CHECK_STR_EQ(json_string_value(json_object_get(j, "key")), "k\xEF\xBF\xBD");
    CHECK_STR_EQ(json_string_value(json_object_get(j, "reason")), "r\xEF\xBF\xBD");
    CHECK_STR_EQ(json_string_value(json_object_get(j, "event")), "a\xEF\xBF\xBD"
                                                                 "b");
    CHECK_STR_EQ(json_string_value(json_object_get(j, "category")), "input");
    json_decref(j);
    free(text);
}

static void test_text_is_ascii(void)
{
    const char *key = "odd\xEF\xBF\xBFname \xF0\x9F\x93\xB7.jpg"; /* U+FFFF, U+1F4F7 */
    const char body[] = "{\"k\":\"\xEF\xBF\xBE\"}";               /* U+FFFE */
    es_report_info info = {.bucket = "b",
                           .key = key,
                           .reason = "caf\xC3\xA9",
                           .code = ES_ERR_JPEG_NOT_JPEG,
                           .body = body,
                           .body_len = sizeof body - 1};
    char *text;
    json_t *j = s_build(&info, &text);
    REQUIRE(j != NULL);
    for (const char *p = text; *p; p++)
        if ((unsigned char)*p >= 0x80) {
            es_test_fail(__FILE__, __LINE__, "byte 0x%02X at %zu is not ASCII", (unsigned char)*p,
                         (size_t)(p - text));
            break;
        }
    CHECK_STR_EQ(json_string_value(json_object_get(j, "key")), key); /* escaped, not changed */
    CHECK_STR_EQ(json_string_value(json_object_get(j, "reason")), "caf\xC3\xA9");
    CHECK_STR_EQ(json_string_value(json_object_get(json_object_get(j, "event"), "k")), "\xEF\xBF\xBE");
    json_decref(j);
    free(text);
}

static void test_huge_body_becomes_excerpt(void)
{
    size_t len = 300 * 1024;
    char *body = malloc(len + 1);
    REQUIRE(body != NULL);
    /* a valid JSON document: {"pad":"xxxx..."} */
    size_t n = (size_t)snprintf(body, len + 1, "{\"pad\":\"");
    memset(body + n, 'x', len - n - 2);
    memcpy(body + len - 2, "\"}", 3);
    es_report_info info = {.bucket = "b", .key = "k", .code = ES_ERR_TOO_LARGE, .body = body, .body_len = len};
    char *text;
    json_t *j = s_build(&info, &text);
    REQUIRE(j != NULL);
    CHECK(strlen(text) <= ES_REPORT_MAX_BYTES);
    CHECK(json_is_true(json_object_get(j, "event_truncated")));
    const char *ex = json_string_value(json_object_get(j, "event"));
    REQUIRE(ex != NULL);
    CHECK_INT_EQ(strlen(ex), ES_REPORT_EXCERPT_BYTES);
    CHECK(strncmp(ex, "{\"pad\":\"xxx", 11) == 0);
    CHECK_STR_EQ(json_string_value(json_object_get(j, "reason")), es_strerror(ES_ERR_TOO_LARGE));
    json_decref(j);
    free(text);
    free(body);
}

static void test_null_info(void) { CHECK(es_report_build(NULL) == NULL); }

int main(void)
{
    ES_RUN(test_members);
    ES_RUN(test_event_level_refusal);
    ES_RUN(test_invalid_utf8_and_nul_in_fields);
    ES_RUN(test_text_is_ascii);
    ES_RUN(test_huge_body_becomes_excerpt);
    ES_RUN(test_null_info);
    return es_test_finish();
}
