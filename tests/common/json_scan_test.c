/* json_scan_test.c - the strict JSON reader (src/common/json_scan.c):
 * documents it accepts and each rule it refuses by (with the error and its
 * offset), escapes and surrogate pairs, the depth limit, duplicate keys
 * (also escaped and in objects big enough for the hash table), the token
 * buffer running out and growing, and the accessors' size checks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../harness/test.h"
#include "common/json_scan.h"

#define S_TOKS 256

static es_json_tok s_toks[S_TOKS];

static es_err s_parse(es_json_doc *d, const char *text)
{
    return es_json_parse(d, text, strlen(text), s_toks, S_TOKS);
}

static void test_accepts(void)
{
    static const char *const ok[] = {
        "{}",
        "[]",
        "0",
        "-0",
        "1",
        "-1",
        "12.5e-3",
        "1E+2",
        "0.0",
        "\"\"",
        "true",
        "false",
        "null",
        " \t\r\n{ \"a\" : [ 1 , 2 , { } , [ ] ] } \n",
        "[1e-400]",
        "[1.7976931348623157e308]",
        "9223372036854775807",
        "-9223372036854775808",
        "\"\\u00e9\\ud83d\\ude00\\/\\b\\f\\n\\r\\t\\\"\\\\\"",
        "\"caf\xc3\xa9 \xf0\x9f\x98\x80\"",
        "\"\x7f\"",
        "{\"a\":1,\"A\":2,\"a \":3}",
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        es_json_doc d;
        if (s_parse(&d, ok[i]) != ES_OK)
            es_test_fail(__FILE__, __LINE__, "refused %s: %s at %zu", ok[i], es_json_strerror(d.error),
                         d.error_at);
    }
}

static void test_refuses(void)
{
    static const struct {
        const char *text;
        es_json_error error;
        size_t at;
    } bad[] = {
        {"", ES_JSON_E_END, 0},
        {"   ", ES_JSON_E_END, 3},
        {"[1,]", ES_JSON_E_TRAILING_COMMA, 3},
        {"{\"a\":1,}", ES_JSON_E_TRAILING_COMMA, 7},
        {"[,1]", ES_JSON_E_TOKEN, 1},
        {"{,}", ES_JSON_E_KEY, 1},
        {"{1:2}", ES_JSON_E_KEY, 1},
        {"{\"a\" 1}", ES_JSON_E_COLON, 5},
        {"[1 2]", ES_JSON_E_SEPARATOR, 3},
        {"{\"a\":1]", ES_JSON_E_SEPARATOR, 6},
        {"[1", ES_JSON_E_END, 2},
        {"01", ES_JSON_E_NUMBER, 0},
        {"-01", ES_JSON_E_NUMBER, 1},
        {"1.", ES_JSON_E_END, 2},
        {"1.e5", ES_JSON_E_NUMBER, 2},
        {"1e", ES_JSON_E_END, 2},
        {"1e+", ES_JSON_E_END, 3},
        {"-", ES_JSON_E_END, 1},
        {"-a", ES_JSON_E_NUMBER, 1},
        {"+1", ES_JSON_E_TOKEN, 0},
        {".5", ES_JSON_E_TOKEN, 0},
        {"9223372036854775808", ES_JSON_E_INTEGER_RANGE, 0},
        {"[-9223372036854775809]", ES_JSON_E_INTEGER_RANGE, 1},
        {"1e309", ES_JSON_E_REAL_RANGE, 0},
        {"[1.8e308]", ES_JSON_E_REAL_RANGE, 1},
        {"-123456789e400", ES_JSON_E_REAL_RANGE, 0},
        {"\"a\tb\"", ES_JSON_E_CONTROL, 2},
        {"\"a\nb\"", ES_JSON_E_CONTROL, 2},
        {"\"\\x\"", ES_JSON_E_ESCAPE, 1},
        {"\"\\u12g4\"", ES_JSON_E_ESCAPE, 1},
        {"\"\\u0000\"", ES_JSON_E_NUL, 1},
        {"\"\\ud800\"", ES_JSON_E_END, 8},
        {"\"\\ud800 and more text\"", ES_JSON_E_SURROGATE, 1},
        {"\"\\ud800\\u0041\"", ES_JSON_E_SURROGATE, 1},
        {"\"\\udc00\"", ES_JSON_E_SURROGATE, 1},
        {"\"\xc3(\"", ES_JSON_E_UTF8, 1},
        {"\"\xc0\xaf\"", ES_JSON_E_UTF8, 1},     /* overlong '/' */
        {"\"\xed\xa0\x80\"", ES_JSON_E_UTF8, 1}, /* a surrogate in UTF-8 */
        {"\"\xf4\x90\x80\x80\"", ES_JSON_E_UTF8, 1},
        {"\xc3\xa9", ES_JSON_E_TOKEN, 0},
        {"\xff", ES_JSON_E_UTF8, 0},
        {"\"abc", ES_JSON_E_END, 4},
        {"tru", ES_JSON_E_TOKEN, 0},
        {"truex", ES_JSON_E_TRAILING, 4},
        {"nul", ES_JSON_E_TOKEN, 0},
        {"{} {}", ES_JSON_E_TRAILING, 3},
        {"{\"a\":1,\"a\":2}", ES_JSON_E_DUPLICATE, 7},
        {"{\"a\":1,\"\\u0061\":2}", ES_JSON_E_DUPLICATE, 7},
        {"{\"\\u00e9\":1,\"\xc3\xa9\":2}", ES_JSON_E_DUPLICATE, 12},
        {"[{\"x\":{\"k\":1,\"k\":1}}]", ES_JSON_E_DUPLICATE, 13},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        es_json_doc d;
        es_err rc = s_parse(&d, bad[i].text);
        if (rc != ES_ERR_PROTOCOL || d.error != bad[i].error || d.error_at != bad[i].at)
            es_test_fail(__FILE__, __LINE__, "case %zu %s: rc %d, \"%s\" at %zu (expected \"%s\" at %zu)", i,
                         bad[i].text, (int)rc, es_json_strerror(d.error), d.error_at,
                         es_json_strerror(bad[i].error), bad[i].at);
    }
    /* a NUL byte is nothing JSON allows, inside a string or out */
    es_json_doc d;
    CHECK_INT_EQ(es_json_parse(&d, "[\"a\0\"]", 6, s_toks, S_TOKS), ES_ERR_PROTOCOL);
    CHECK_INT_EQ(d.error, ES_JSON_E_CONTROL);
    CHECK_INT_EQ(es_json_parse(&d, "[1]\0", 4, s_toks, S_TOKS), ES_ERR_PROTOCOL);
    CHECK_INT_EQ(d.error, ES_JSON_E_TRAILING);
    /* jansson 2.14 loads these (its lexer loses the NUL after a token); the reader does not */
    CHECK_INT_EQ(es_json_parse(&d, "[1\0]", 4, s_toks, S_TOKS), ES_ERR_PROTOCOL);
    CHECK_INT_EQ(d.error, ES_JSON_E_SEPARATOR);
    CHECK_INT_EQ(es_json_parse(&d, "true\0", 5, s_toks, S_TOKS), ES_ERR_PROTOCOL);
    CHECK_INT_EQ(d.error, ES_JSON_E_TRAILING);
}

static void test_tokens_and_accessors(void)
{
    es_json_doc d;
    const char *text = "{\"Messages\":[{\"Id\":\"m1\",\"N\":-42},{\"Id\":\"m\\u00e92\",\"N\":7}],\"x\":null}";
    REQUIRE(s_parse(&d, text) == ES_OK);
    CHECK_INT_EQ(d.count, 15);
    CHECK_INT_EQ(es_json_type_of(&d, 0), ES_JSON_OBJECT);
    CHECK_INT_EQ(es_json_size(&d, 0), 2);
    CHECK_INT_EQ(d.toks[0].len, strlen(text));
    uint32_t msgs = es_json_member(&d, 0, "Messages");
    CHECK_INT_EQ(es_json_type_of(&d, msgs), ES_JSON_ARRAY);
    CHECK_INT_EQ(es_json_size(&d, msgs), 2);
    CHECK_INT_EQ(es_json_type_of(&d, es_json_member(&d, 0, "x")), ES_JSON_NULL);
    CHECK_INT_EQ(es_json_member(&d, 0, "messages"), ES_JSON_NONE);
    CHECK_INT_EQ(es_json_member(&d, msgs, "Id"), ES_JSON_NONE); /* not an object */
    CHECK_INT_EQ(es_json_type_of(&d, ES_JSON_NONE), ES_JSON_ABSENT);
    const char *want_id[] = {"m1", "m\xc3\xa9"
                                   "2"};
    const int64_t want_n[] = {-42, 7};
    size_t i = 0;
    for (uint32_t m = es_json_first(&d, msgs); m != ES_JSON_NONE; m = es_json_next(&d, msgs, m), i++) {
        REQUIRE(i < 2);
        char id[8];
        size_t len = 0;
        uint32_t idv = es_json_member(&d, m, "Id");
        CHECK_OK(es_json_string(&d, idv, id, sizeof id, &len));
        CHECK_STR_EQ(id, want_id[i]);
        CHECK_INT_EQ(len, strlen(want_id[i]));
        CHECK(es_json_string_eq(&d, idv, want_id[i]));
        CHECK(!es_json_string_eq(&d, idv, "m"));
        const char *raw;
        size_t raw_len;
        CHECK_INT_EQ(es_json_string_raw(&d, idv, &raw, &raw_len), i == 0);
        int64_t n = 0;
        CHECK_OK(es_json_integer(&d, es_json_member(&d, m, "N"), &n));
        CHECK_INT_EQ(n, want_n[i]);
        CHECK_INT_EQ(es_json_integer(&d, idv, &n), ES_ERR_INVALID_ARG);
    }
    CHECK_INT_EQ(i, 2);
    /* member iteration: key, value, next key */
    uint32_t k = es_json_first(&d, 0);
    CHECK(es_json_string_eq(&d, k, "Messages"));
    k = es_json_next(&d, 0, es_json_next(&d, 0, k));
    CHECK(es_json_string_eq(&d, k, "x"));
    CHECK_INT_EQ(es_json_next(&d, 0, k + 1), ES_JSON_NONE);

    int64_t v = 0;
    REQUIRE(s_parse(&d, "[9223372036854775807,-9223372036854775808]") == ES_OK);
    CHECK_OK(es_json_integer(&d, 1, &v));
    CHECK(v == INT64_MAX);
    CHECK_OK(es_json_integer(&d, 2, &v));
    CHECK(v == INT64_MIN);
}

static void test_string_decoding(void)
{
    es_json_doc d;
    REQUIRE(s_parse(&d, "\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\\u0041\\u00e9\\u20ac\\ud83d\\ude00z\"") == ES_OK);
    static const char want[] = "a\"b\\c/d\b\f\n\r\tA\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80z";
    CHECK_INT_EQ(d.toks[0].n, strlen(want));
    char out[64];
    size_t len = 0;
    CHECK_OK(es_json_string(&d, 0, out, sizeof out, &len));
    CHECK_STR_EQ(out, want);
    CHECK_INT_EQ(len, strlen(want));
    /* exactly the decoded length plus the NUL fits; one byte less does not */
    CHECK_OK(es_json_string(&d, 0, out, strlen(want) + 1, NULL));
    CHECK_INT_EQ(es_json_string(&d, 0, out, strlen(want), NULL), ES_ERR_TOO_LARGE);
    CHECK_STR_EQ(out, "");
    CHECK(es_json_string_eq(&d, 0, want));
    size_t dup_len = 0;
    char *dup = es_json_string_dup(&d, 0, &dup_len);
    REQUIRE(dup);
    CHECK_STR_EQ(dup, want);
    CHECK_INT_EQ(dup_len, strlen(want));
    free(dup);
    const char *raw;
    size_t raw_len;
    CHECK(!es_json_string_raw(&d, 0, &raw, &raw_len));
    REQUIRE(s_parse(&d, "\"plain\"") == ES_OK);
    CHECK(es_json_string_raw(&d, 0, &raw, &raw_len));
    CHECK_MEM_EQ(raw, raw_len, "plain", 5);
    CHECK_INT_EQ(es_json_string(&d, 0, out, 5, NULL), ES_ERR_TOO_LARGE);
    CHECK_OK(es_json_string(&d, 0, out, 6, NULL));
    /* member names are matched decoded */
    REQUIRE(s_parse(&d, "{\"\\u0042ody\":\"x\"}") == ES_OK);
    CHECK_INT_EQ(es_json_member(&d, 0, "Body"), 2);
    CHECK(!es_json_string_dup(&d, 0, NULL)); /* an object is not a string */
    CHECK_INT_EQ(es_json_member(&d, 0, "Bodx"), ES_JSON_NONE);
    CHECK_INT_EQ(es_json_member(&d, 0, "Bod"), ES_JSON_NONE);
}

static void test_depth(void)
{
    char text[2 * (ES_JSON_MAX_DEPTH + 1) + 1];
    es_json_doc d;
    for (int depth = ES_JSON_MAX_DEPTH; depth <= ES_JSON_MAX_DEPTH + 1; depth++) {
        memset(text, '[', (size_t)depth);
        memset(text + depth, ']', (size_t)depth);
        text[2 * depth] = '\0';
        es_err rc = s_parse(&d, text);
        if (depth == ES_JSON_MAX_DEPTH) {
            CHECK_OK(rc);
        } else {
            CHECK_INT_EQ(rc, ES_ERR_PROTOCOL);
            CHECK_INT_EQ(d.error, ES_JSON_E_DEPTH);
            CHECK_INT_EQ(d.error_at, ES_JSON_MAX_DEPTH);
        }
    }
    /* objects count too */
    char *deep = malloc(8 * (ES_JSON_MAX_DEPTH + 1) + 1);
    REQUIRE(deep);
    size_t n = 0;
    for (int i = 0; i <= ES_JSON_MAX_DEPTH; i++)
        n += (size_t)sprintf(deep + n, "{\"a\":");
    CHECK_INT_EQ(es_json_parse(&d, deep, n, s_toks, S_TOKS), ES_ERR_PROTOCOL);
    CHECK_INT_EQ(d.error, ES_JSON_E_DEPTH);
    free(deep);
}

/* Objects of 17 and more members go through the hash table. */
static void test_duplicates_in_big_objects(void)
{
    char text[4096];
    es_json_doc d;
    for (int members = 17; members <= 120; members += 103) {
        size_t n = (size_t)snprintf(text, sizeof text, "{");
        for (int i = 0; i < members; i++)
            n += (size_t)snprintf(text + n, sizeof text - n, "%s\"key%d\":%d", i ? "," : "", i, i);
        snprintf(text + n, sizeof text - n, "}");
        CHECK_OK(s_parse(&d, text));
        CHECK_INT_EQ(es_json_size(&d, 0), members);
        int64_t v = -1;
        CHECK_OK(es_json_integer(&d, es_json_member(&d, 0, "key16"), &v));
        CHECK_INT_EQ(v, 16);
        /* the last key repeats an earlier one, written with an escape */
        snprintf(text + n, sizeof text - n, ",\"k\\u0065y%d\":0}", members / 2);
        CHECK_INT_EQ(s_parse(&d, text), ES_ERR_PROTOCOL);
        CHECK_INT_EQ(d.error, ES_JSON_E_DUPLICATE);
        CHECK_INT_EQ(d.error_at, n + 1);
    }
}

static void test_token_buffer(void)
{
    const char *text = "{\"a\":[1,2,3],\"b\":{\"c\":\"d\"}}"; /* 10 tokens */
    es_json_tok toks[10];
    es_json_doc d;
    CHECK_OK(es_json_parse(&d, text, strlen(text), toks, 10));
    CHECK_INT_EQ(d.count, 10);
    for (size_t cap = 0; cap < 10; cap++) {
        CHECK_INT_EQ(es_json_parse(&d, text, strlen(text), toks, cap), ES_ERR_TOO_LARGE);
        CHECK_INT_EQ(d.error, ES_JSON_E_TOKENS);
    }
    /* es_json_parse_grow: the caller's tokens, else an allocation */
    CHECK_OK(es_json_parse_grow(&d, text, strlen(text), toks, 10));
    CHECK(d.toks == toks && !d.owned);
    es_json_doc_free(&d);
    CHECK_OK(es_json_parse_grow(&d, text, strlen(text), toks, 3));
    CHECK(d.toks != toks && d.owned == d.toks);
    CHECK_INT_EQ(d.count, 10);
    CHECK(es_json_string_eq(&d, es_json_member(&d, es_json_member(&d, 0, "b"), "c"), "d"));
    es_json_doc_free(&d);
    CHECK(!d.owned);
    /* the worst case for the allocation's size: one-digit elements */
    char many[2001];
    many[0] = '[';
    for (int i = 0; i < 999; i++) {
        many[1 + 2 * i] = '0';
        many[2 + 2 * i] = i < 998 ? ',' : ']';
    }
    CHECK_OK(es_json_parse_grow(&d, many, 1999, toks, 1));
    CHECK_INT_EQ(d.count, 1000);
    es_json_doc_free(&d);
    /* unclosed containers take a token per byte: the allocation still holds them, and the
     * refusal says what is wrong with the text */
    CHECK_INT_EQ(es_json_parse_grow(&d, "[[[[[[[[[[[[{\"", 14, toks, 1), ES_ERR_PROTOCOL);
    CHECK_INT_EQ(d.error, ES_JSON_E_END);
    es_json_doc_free(&d);
    /* a refusal found after growing frees the allocation */
    CHECK_INT_EQ(es_json_parse_grow(&d, "[1,2,3,4,]", 10, toks, 2), ES_ERR_PROTOCOL);
    CHECK_INT_EQ(d.error, ES_JSON_E_TRAILING_COMMA);
    CHECK(!d.owned);
    es_json_doc_free(&d);
}

static void test_error_text_and_position(void)
{
    es_json_doc d;
    const char *text = "{\n  \"a\": 1,\n  \"a\": 2\n}";
    CHECK_INT_EQ(s_parse(&d, text), ES_ERR_PROTOCOL);
    CHECK_STR_EQ(es_json_strerror(d.error), "duplicate object key");
    int line = 0, column = 0;
    es_json_position(&d, d.error_at, &line, &column);
    CHECK_INT_EQ(line, 3);
    CHECK_INT_EQ(column, 3);
    for (int e = ES_JSON_OK; e <= ES_JSON_E_NOMEM; e++)
        CHECK(strcmp(es_json_strerror((es_json_error)e), "unknown error") != 0);
}

int main(void)
{
    ES_RUN(test_accepts);
    ES_RUN(test_refuses);
    ES_RUN(test_tokens_and_accessors);
    ES_RUN(test_string_decoding);
    ES_RUN(test_depth);
    ES_RUN(test_duplicates_in_big_objects);
    ES_RUN(test_token_buffer);
    ES_RUN(test_error_text_and_position);
    return es_test_finish();
}
