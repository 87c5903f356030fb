/* headers_test.c - the bounded response header parser (src/aws/http/headers.c):
 * status lines, case-insensitive and repeated lookups, folding, malformed
 * lines, interim (100 Continue) responses and the size bounds; a response
 * initialised over old storage (src/aws/http/request.c) shows none of it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/http/http.h"
#include "../../harness/test.h"

static es_http_headers *s_new(void)
{
    es_http_headers *h = malloc(sizeof *h);
    if (h)
        es_http_headers_reset(h);
    return h;
}

static es_err s_feed(es_http_headers *h, const char *line)
{
    return es_http_headers_feed(h, line, strlen(line));
}

static void test_basic_block(void)
{
    es_http_headers *h = s_new();
    REQUIRE(h);
    CHECK_OK(s_feed(h, "HTTP/1.1 200 OK\r\n"));
    CHECK_OK(s_feed(h, "Content-Length: 42\r\n"));
    CHECK_OK(s_feed(h, "ETag:   \"abc\"  \r\n"));
    CHECK_OK(s_feed(h, "x-amz-request-id:\tREQ1\r\n"));
    CHECK(!h->complete);
    CHECK_OK(s_feed(h, "\r\n"));
    CHECK(h->complete);
    CHECK_INT_EQ(h->status, 200);
    CHECK_STR_EQ(es_http_headers_get(h, "content-length"), "42");
    CHECK_STR_EQ(es_http_headers_get(h, "ETAG"), "\"abc\"");
    CHECK_STR_EQ(es_http_headers_get(h, "X-Amz-Request-Id"), "REQ1");
    CHECK(es_http_headers_get(h, "missing") == NULL);
    CHECK(es_http_headers_get(h, "content-lengt") == NULL);
    CHECK_INT_EQ(h->bad_lines, 0);
    free(h);
}

static void test_status_lines(void)
{
    es_http_headers *h = s_new();
    REQUIRE(h);
    CHECK_OK(s_feed(h, "HTTP/2 503 \r\n"));
    CHECK_INT_EQ(h->status, 503);
    CHECK_OK(s_feed(h, "HTTP/1.0 404\n"));
    CHECK_INT_EQ(h->status, 404);
    static const char *const bad[] = {"HTTP/1.1 20 OK", "HTTP/1.1 2000 OK", "HTTP/1.1 abc", "HTTP/1.1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_OK(s_feed(h, bad[i]));
        CHECK_INT_EQ(h->status, 0);
        CHECK_INT_EQ(h->bad_lines, 1);
    }
    free(h);
}

/* A "100 Continue" block is followed by the real response: only the last counts. */
static void test_interim_response_resets(void)
{
    es_http_headers *h = s_new();
    REQUIRE(h);
    CHECK_OK(s_feed(h, "HTTP/1.1 100 Continue\r\n"));
    CHECK_OK(s_feed(h, "X-Interim: yes\r\n"));
    CHECK_OK(s_feed(h, "\r\n"));
    CHECK_OK(s_feed(h, "HTTP/1.1 201 Created\r\n"));
    CHECK(!h->complete);
    CHECK_OK(s_feed(h, "Location: /x\r\n"));
    CHECK_OK(s_feed(h, "\r\n"));
    CHECK_INT_EQ(h->status, 201);
    CHECK(es_http_headers_get(h, "x-interim") == NULL);
    CHECK_STR_EQ(es_http_headers_get(h, "location"), "/x");
    free(h);
}

static void test_repeated_values(void)
{
    es_http_headers *h = s_new();
    REQUIRE(h);
    CHECK_OK(s_feed(h, "HTTP/1.1 200 OK"));
    CHECK_OK(s_feed(h, "Set-Thing: a"));
    CHECK_OK(s_feed(h, "Other: z"));
    CHECK_OK(s_feed(h, "set-thing: b"));
    CHECK_OK(s_feed(h, "SET-THING:"));
    CHECK_INT_EQ(es_http_headers_count_of(h, "Set-Thing"), 3);
    CHECK_STR_EQ(es_http_headers_get_nth(h, "set-thing", 0), "a");
    CHECK_STR_EQ(es_http_headers_get_nth(h, "set-thing", 1), "b");
    CHECK_STR_EQ(es_http_headers_get_nth(h, "set-thing", 2), "");
    CHECK(es_http_headers_get_nth(h, "set-thing", 3) == NULL);
    CHECK_INT_EQ(es_http_headers_count_of(h, "absent"), 0);
    free(h);
}

static void test_folding(void)
{
    es_http_headers *h = s_new();
    REQUIRE(h);
    CHECK_OK(s_feed(h, "HTTP/1.1 200 OK\r\n"));
    CHECK_OK(s_feed(h, "X-Long: first\r\n"));
    CHECK_OK(s_feed(h, "   second  \r\n"));
    CHECK_OK(s_feed(h, "\tthird\r\n"));
    CHECK_OK(s_feed(h, "X-Next: n\r\n"));
    CHECK_STR_EQ(es_http_headers_get(h, "x-long"), "first second third");
    CHECK_STR_EQ(es_http_headers_get(h, "x-next"), "n");
    /* A continuation with nothing to continue is a bad line. */
    es_http_headers_reset(h);
    CHECK_OK(s_feed(h, "HTTP/1.1 200 OK\r\n"));
    CHECK_OK(s_feed(h, " orphan\r\n"));
    CHECK_INT_EQ(h->bad_lines, 1);
    CHECK_INT_EQ(h->count, 0);
    free(h);
}

static void test_bad_lines_skipped(void)
{
    es_http_headers *h = s_new();
    REQUIRE(h);
    CHECK_OK(s_feed(h, "HTTP/1.1 200 OK\r\n"));
    static const char *const bad[] = {
        "no colon here\r\n",           ": empty name\r\n",
        "Bad Name: space in name\r\n", "Name : space before colon\r\n",
        "X-Ctl: a\001b\r\n",           "X-Del: \x7f\r\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_OK(s_feed(h, bad[i]));
    CHECK_INT_EQ(h->bad_lines, sizeof bad / sizeof bad[0]);
    CHECK_INT_EQ(h->count, 0);
    CHECK(es_http_headers_get(h, "name") == NULL);
    CHECK(es_http_headers_get(h, "X-Ctl") == NULL);
    /* A NUL inside the line is a control character as well. */
    const char nul_line[] = "X-Nul: a\0b\r\n";
    CHECK_OK(es_http_headers_feed(h, nul_line, sizeof nul_line - 1));
    CHECK(es_http_headers_get(h, "x-nul") == NULL);
    /* obs-text (bytes >= 0x80) is allowed in values. */
    CHECK_OK(s_feed(h, "X-Utf8: caf\xc3\xa9\r\n"));
    CHECK_STR_EQ(es_http_headers_get(h, "x-utf8"), "caf\xc3\xa9");
    free(h);
}

static void test_field_count_bound(void)
{
    es_http_headers *h = s_new();
    REQUIRE(h);
    CHECK_OK(s_feed(h, "HTTP/1.1 200 OK\r\n"));
    char line[64];
    for (int i = 0; i < ES_HTTP_HEADERS_MAX_FIELDS; i++) {
        snprintf(line, sizeof line, "X-%d: v\r\n", i);
        CHECK_OK(s_feed(h, line));
    }
    CHECK_INT_EQ(s_feed(h, "X-Too-Many: v\r\n"), ES_ERR_TOO_LARGE);
    CHECK_STR_EQ(es_http_headers_get(h, "x-0"), "v");
    CHECK(es_http_headers_get(h, "x-too-many") == NULL);
    free(h);
}

/* Issue 10 item 4: what S3 may legally send fits. User metadata is limited
 * to 2 KB of keys and values; the most lines that allows are 2-byte keys
 * with empty values, next to the usual response headers. */
static void test_s3_worst_case_metadata_fits(void)
{
    es_http_headers *h = s_new();
    REQUIRE(h);
    CHECK_OK(s_feed(h, "HTTP/1.1 200 OK\r\n"));
    static const char *const usual[] = {
        "x-amz-id-2: Ee6y1J2zJ6JtJ6gk1J2zJ6JtJ6gk1J2zJ6JtJ6gk1J2zJ6JtJ6gk1J2zJ6JtJ6gk=\r\n",
        "x-amz-request-id: 0A1B2C3D4E5F6071\r\n",
        "Date: Thu, 03 Dec 2026 03:00:00 GMT\r\n",
        "Last-Modified: Thu, 03 Dec 2026 02:00:00 GMT\r\n",
        "ETag: \"0123456789abcdef0123456789abcdef\"\r\n",
        "x-amz-version-id: 3HL4kqtJlcpXroDTDmJ\r\n",
        "Accept-Ranges: bytes\r\n",
        "Content-Type: image/jpeg\r\n",
        "Content-Length: 12345\r\n",
        "Server: AmazonS3\r\n"};
    for (size_t i = 0; i < sizeof usual / sizeof usual[0]; i++)
        CHECK_OK(s_feed(h, usual[i]));
    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    char line[64];
    for (int i = 0; i < 1024; i++) { /* 1024 distinct 2-byte keys = the 2 KB limit */
        snprintf(line, sizeof line, "x-amz-meta-%c%c:\r\n", alphabet[i / 36], alphabet[i % 36]);
        CHECK_OK(s_feed(h, line));
    }
    CHECK_INT_EQ(h->count, 1024 + sizeof usual / sizeof usual[0]);
    CHECK_STR_EQ(es_http_headers_get(h, "content-length"), "12345");
    free(h);
}

static void test_byte_bound(void)
{
    es_http_headers *h = s_new();
    REQUIRE(h);
    size_t big = ES_HTTP_HEADERS_MAX_BYTES;
    char *line = malloc(big + 16);
    REQUIRE(line);
    memcpy(line, "X-Big: ", 7);
    memset(line + 7, 'a', big);
    CHECK_INT_EQ(es_http_headers_feed(h, line, big + 7), ES_ERR_TOO_LARGE);
    CHECK_INT_EQ(h->count, 0);
    /* Almost full, then a folded line that would overflow. */
    CHECK_OK(es_http_headers_feed(h, line, big - 100));
    CHECK_INT_EQ(h->count, 1);
    line[0] = ' ';
    CHECK_INT_EQ(es_http_headers_feed(h, line, 200), ES_ERR_TOO_LARGE);
    CHECK_INT_EQ(strlen(es_http_headers_get(h, "x-big")), big - 100 - 7);
    /* Everything stored stays NUL-terminated and within the buffer. */
    CHECK(h->used <= sizeof h->buf);
    free(line);
    free(h);
}

/* es_http_response_init leaves the header storage as it is (a memset of it
 * per request cost more than parsing): a response over leftover bytes, and
 * over a previous reply, shows nothing of them. */
static void test_response_init_over_old_storage(void)
{
    es_http_response *r = malloc(sizeof *r);
    REQUIRE(r);
    memset(r, 0xA5, sizeof *r);
    es_http_response_init(r);
    CHECK_INT_EQ(r->status, 0);
    CHECK_INT_EQ(r->headers.count, 0);
    CHECK(es_http_headers_get(&r->headers, "ETag") == NULL);
    CHECK(r->body.data == NULL && r->body.len == 0);
    CHECK_INT_EQ(r->streamed, 0);
    CHECK(!r->callback_failed && !r->body_truncated && r->error[0] == '\0');
    CHECK_OK(s_feed(&r->headers, "HTTP/1.1 200 OK\r\n"));
    CHECK_OK(s_feed(&r->headers, "ETag: \"old\"\r\n"));
    CHECK_OK(s_feed(&r->headers, "x-amz-version-id: v1\r\n"));
    es_http_response_init(r);
    CHECK(es_http_headers_get(&r->headers, "ETag") == NULL);
    CHECK_OK(s_feed(&r->headers, "HTTP/1.1 404 Not Found\r\n"));
    CHECK_OK(s_feed(&r->headers, "Content-Length: 0\r\n"));
    CHECK_INT_EQ(r->headers.status, 404);
    CHECK_INT_EQ(r->headers.count, 1);
    CHECK(es_http_headers_get(&r->headers, "ETag") == NULL);
    CHECK(es_http_headers_get(&r->headers, "x-amz-version-id") == NULL);
    CHECK_STR_EQ(es_http_headers_get(&r->headers, "content-length"), "0");
    es_http_response_clean(r);
    free(r);
}

static void test_empty_and_null(void)
{
    es_http_headers *h = s_new();
    REQUIRE(h);
    CHECK_INT_EQ(es_http_headers_feed(NULL, "a: b", 4), ES_ERR_INVALID_ARG);
    CHECK_INT_EQ(es_http_headers_feed(h, NULL, 3), ES_ERR_INVALID_ARG);
    CHECK_OK(es_http_headers_feed(h, "", 0));
    CHECK(h->complete);
    CHECK_OK(s_feed(h, "\n"));
    CHECK(es_http_headers_get(NULL, "x") == NULL);
    CHECK(es_http_headers_get(h, NULL) == NULL);
    free(h);
}

int main(void)
{
    ES_RUN(test_basic_block);
    ES_RUN(test_status_lines);
    ES_RUN(test_interim_response_resets);
    ES_RUN(test_repeated_values);
    ES_RUN(test_folding);
    ES_RUN(test_bad_lines_skipped);
    ES_RUN(test_field_count_bound);
    ES_RUN(test_byte_bound);
    ES_RUN(test_s3_worst_case_metadata_fits);
    ES_RUN(test_response_init_over_old_storage);
    ES_RUN(test_empty_and_null);
    return es_test_finish();
}
