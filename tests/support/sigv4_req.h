/* sigv4_req.h - test helpers for the SigV4 vector suites: a lenient parser
 * for the raw HTTP request files of the AWS test suites (request line,
 * headers with folded continuation lines, body after the blank line), and
 * locating/reading the optional shared vector directory. */
#ifndef ES_TEST_SIGV4_REQ_H
#define ES_TEST_SIGV4_REQ_H

#include <stddef.h>

#include "aws/sigv4.h"
#include "http_server.h"

#define ES_TEST_REQ_MAX_HEADERS 32

/* A parsed request file has the shape the test HTTP server records (path as
 * written, query after '?' or NULL, body "" when none); free it with
 * es_test_http_request_free, look headers up with es_test_http_request_header. */
typedef es_test_http_request es_test_req;

/* Parses "METHOD target HTTP/x.y\nName:value\n continued\n...\n\nbody".
 * The request line splits at its first and last space, so a target holding a
 * space still parses; at most ES_TEST_REQ_MAX_HEADERS headers. Returns 0, or -1
 * on a malformed request (message on stderr). */
int es_test_req_parse(const char *text, size_t len, es_test_req *out);
/* Reads a whole file as a NUL-terminated string (malloc'd), NULL on failure. */
char *es_test_read_text(const char *path, size_t *len);
/* Directory of the shared SigV4 vectors (../shared/sigv4, located by the rule
 * of shared_dir.h), or NULL when absent. */
const char *es_test_sigv4_dir(void);
/* One signing case: inputs and the expected output of each stage (NULL =
 * not checked). payload_hash NULL = hex SHA-256 of the request body. */
typedef struct es_test_sigv4_case {
    const char *name;
    const char *request; /* raw request text (see es_test_req_parse) */
    const char *region, *service;
    long long time;
    const char *akid, *secret, *token;
    unsigned flags;
    const char *payload_hash;
    int presign; /* 0 = header signing, 1 = presigned query */
    unsigned expires;
    const char *creq, *sts, *signature, *authz;
} es_test_sigv4_case;

/* Signs c and compares every given expectation. Returns 0 when all match;
 * otherwise -1 after printing the first difference to stderr. */
int es_test_sigv4_run(const es_test_sigv4_case *c);

/* Parses "2015-08-30T12:36:00Z" or "20150830T123600Z" (UTC). Returns -1 on failure. */
long long es_test_parse_utc(const char *s);

#endif
