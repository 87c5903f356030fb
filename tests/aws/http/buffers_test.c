/* buffers_test.c - the enlarged transfer buffers of src/aws/http/request.c
 * (ES_HTTP_STREAM_BUFFER) against the scripted 127.0.0.1 server of
 * tests/support/http_server: a streamed 1 MiB body reaches on_body byte for
 * byte in order, in pieces no larger than curl promises (CURL_MAX_WRITE_SIZE,
 * whatever the receive buffer), and request bodies on both sides of the
 * 64 KiB upload-buffer switch and of the buffer size arrive intact. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../harness/test.h"
#include "../../support/http_server.h"
#include <curl/curl.h>

#include "aws/http/http.h"

#define S_BODY_LEN (1024u * 1024u)

static uint8_t *s_pattern(size_t len, unsigned seed)
{
    uint8_t *p = malloc(len);
    uint32_t x = seed * 2654435761u + 1u;
    for (size_t i = 0; p && i < len; i++) {
        x = x * 1103515245u + 12345u;
        p[i] = (uint8_t)(x >> 16);
    }
    return p;
}

/* Answers every request with the S_BODY_LEN bytes at ctx. */
static void s_serve_big(void *ctx, const es_test_http_request *req, es_test_http_response *resp)
{
    (void)req;
    *resp = (es_test_http_response){.status = 200, .body = ctx, .body_len = S_BODY_LEN};
}

typedef struct s_sink {
    uint8_t *got;
    size_t len, cap, largest, calls;
} s_sink;

static es_err s_collect(void *ctx, const es_http_response *resp, const uint8_t *data, size_t len)
{
    (void)resp;
    s_sink *s = ctx;
    if (s->len + len > s->cap)
        return ES_ERR_TOO_LARGE;
    memcpy(s->got + s->len, data, len);
    s->len += len;
    s->calls++;
    if (len > s->largest)
        s->largest = len;
    return ES_OK;
}

static void test_streamed_body_arrives_intact(void)
{
    uint8_t *body = s_pattern(S_BODY_LEN, 1);
    s_sink sink = {.got = malloc(S_BODY_LEN), .cap = S_BODY_LEN};
    REQUIRE(body && sink.got);
    es_test_http_server *srv = es_test_http_server_start();
    REQUIRE(srv);
    es_test_http_server_set_handler(srv, s_serve_big, body);
    char url[256];
    snprintf(url, sizeof url, "%s/big", es_test_http_server_url(srv));
    es_http_request req = {.method = "GET", .url = url, .max_body = 4096, .on_body = s_collect, .body_ctx = &sink};
    es_http_response resp;
    es_http_response_init(&resp);
    CHECK_OK(es_http_perform(&req, &resp));
    CHECK_INT_EQ(resp.status, 200);
    CHECK_MEM_EQ(sink.got, sink.len, body, S_BODY_LEN);
    CHECK(sink.largest > 0 && sink.largest <= CURL_MAX_WRITE_SIZE);
    es_http_response_clean(&resp);
    es_test_http_server_stop(srv);
    free(sink.got);
    free(body);
}

static void test_request_bodies_arrive_intact(void)
{
    static const size_t sizes[] = {65536, 65537, (size_t)ES_HTTP_STREAM_BUFFER + 1, 3 * 1024 * 1024 + 7};
    es_test_http_server *srv = es_test_http_server_start();
    REQUIRE(srv);
    es_test_http_server_route(srv, "PUT", "/up", 200, "ok");
    char url[256];
    snprintf(url, sizeof url, "%s/up", es_test_http_server_url(srv));
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        uint8_t *body = s_pattern(sizes[i], (unsigned)i + 2);
        REQUIRE(body);
        es_http_request req = {.method = "PUT", .url = url, .body = body, .body_len = sizes[i], .max_body = 4096};
        es_http_response resp;
        es_http_response_init(&resp);
        CHECK_OK(es_http_perform(&req, &resp));
        CHECK_INT_EQ(resp.status, 200);
        es_test_http_request got;
        REQUIRE(es_test_http_server_request(srv, i, &got));
        CHECK_MEM_EQ(got.body, got.body_len, body, sizes[i]);
        es_test_http_request_free(&got);
        es_http_response_clean(&resp);
        free(body);
    }
    es_test_http_server_stop(srv);
}

int main(void)
{
    ES_RUN(test_streamed_body_arrives_intact);
    ES_RUN(test_request_bodies_arrive_intact);
    return es_test_finish();
}
