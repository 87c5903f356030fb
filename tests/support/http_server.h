/* http_server.h - a tiny scripted HTTP/1.1 server for tests. It runs in its
 * own thread on 127.0.0.1 with an ephemeral port, answers one connection at a
 * time (every response carries "Connection: close"), serves responses chosen
 * by method + path from a route table, and records every request (method,
 * path, query, headers, body) for later assertions. Routes can be limited to
 * N uses (to script "fail twice, then succeed"), delayed, or told to drop the
 * connection without answering. Request bodies may use Content-Length or
 * chunked encoding; "Expect: 100-continue" is honoured. All functions are
 * thread-safe. */
#ifndef ES_TEST_HTTP_SERVER_H
#define ES_TEST_HTTP_SERVER_H

#include <stdbool.h>
#include <stddef.h>

#include "aws/sigv4/sigv4.h"

typedef struct es_test_http_server es_test_http_server;

/* {name, value}, both owned by the request: the signer's header type, so a
 * recorded or parsed request can be signed as it is (sigv4_req.h). */
typedef es_sigv4_header es_test_http_header;

typedef struct es_test_http_request {
    char *method;
    char *path;  /* request-target up to '?', as sent (not decoded) */
    char *query; /* after '?', or NULL */
    es_test_http_header *headers;
    size_t header_count;
    char *body; /* NUL-terminated; "" when none */
    size_t body_len;
} es_test_http_request;

typedef struct es_test_http_route {
    const char *method;   /* NULL = any method */
    const char *path;     /* exact path without query; NULL = any path */
    int status;           /* 0 = close the connection without answering */
    const char *body;     /* NULL = empty */
    const char *headers;  /* extra raw header lines, each ending "\r\n", or NULL */
    unsigned delay_ms;    /* wait this long before answering */
    unsigned times;       /* retire the route after this many uses; 0 = never */
    unsigned truncate_at; /* >0: send only this many body bytes, then close (Content-Length stays full) */
} es_test_http_route;

/* Fills a response for requests no route matched (default: 404, empty body).
 * body/headers must stay valid until the server has sent them (static or owned by ctx). */
typedef struct es_test_http_response {
    int status;
    const char *body;
    size_t body_len; /* 0 with a non-NULL body = strlen(body) */
    const char *headers;
} es_test_http_response;
typedef void (*es_test_http_handler)(void *ctx, const es_test_http_request *req, es_test_http_response *resp);

/* Starts listening on 127.0.0.1:0. NULL on failure (message on stderr). */
es_test_http_server *es_test_http_server_start(void);
/* Stops the thread, closes the socket, frees everything; accepts NULL. */
void es_test_http_server_stop(es_test_http_server *s);
unsigned short es_test_http_server_port(const es_test_http_server *s);
/* "http://127.0.0.1:<port>" (no trailing slash). */
const char *es_test_http_server_url(const es_test_http_server *s);

/* Appends a route (strings are copied). Routes are tried in the order added. */
void es_test_http_server_add_route(es_test_http_server *s, const es_test_http_route *r);
/* Shorthand: method + path answered with status and body, forever. */
void es_test_http_server_route(es_test_http_server *s, const char *method, const char *path, int status,
                               const char *body);
void es_test_http_server_clear_routes(es_test_http_server *s);
void es_test_http_server_set_handler(es_test_http_server *s, es_test_http_handler fn, void *ctx);

/* Requests received so far, in arrival order. */
size_t es_test_http_server_request_count(es_test_http_server *s);
/* Deep copy of request i into out (free with es_test_http_request_free); false if i is out of range. */
bool es_test_http_server_request(es_test_http_server *s, size_t i, es_test_http_request *out);
/* Number of received requests with this method and path (either may be NULL = any). */
size_t es_test_http_server_count(es_test_http_server *s, const char *method, const char *path);
void es_test_http_server_clear_requests(es_test_http_server *s);

/* First header of that name (case-insensitive), or NULL. */
const char *es_test_http_request_header(const es_test_http_request *r, const char *name);
void es_test_http_request_free(es_test_http_request *r);

#endif
