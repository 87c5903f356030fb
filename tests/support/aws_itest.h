/* aws_itest.h - helpers for integration tests against the local S3+SQS
 * emulator (tests/emulator): its URL from ES_TEST_ENDPOINT, the one setup of
 * S3 and SQS clients pointing at it (every *_itest uses es_itest_clients),
 * unique resource names, and its unsigned control API (fault rules, request
 * log, reset). */
#ifndef ES_TEST_AWS_ITEST_H
#define ES_TEST_AWS_ITEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aws/client/config.h"
#include "aws/creds/creds.h"
#include "aws/s3/s3.h"
#include "aws/sqs/sqs.h"

/* The emulator's access key pair (tests/emulator/lib/credentials.mjs). */
#define ES_ITEST_AKID "test"
#define ES_ITEST_SECRET "test"

/* ES_TEST_ENDPOINT, or NULL when unset/empty. */
const char *es_itest_endpoint(void);
/* Clients for the emulator: region us-east-1, both endpoints, path style,
 * 3 attempts, static credentials. */
typedef struct es_itest_clients {
    es_aws_config cfg;
    es_creds_provider *creds;
    es_s3_client *s3;
    es_sqs_client *sqs;
} es_itest_clients;

/* Opens c with the emulator's credentials. 0, or -1 (reason on stderr; c
 * then holds nothing) when ES_TEST_ENDPOINT is unset or a client cannot be
 * made. No request is sent. */
int es_itest_clients_open(es_itest_clients *c);
/* The same with credentials the emulator refuses (for refusal and redaction
 * tests): akid (NULL = the emulator's own key id) with a wrong secret and an
 * optional session token. */
int es_itest_clients_open_refused(es_itest_clients *c, const char *akid, const char *secret, const char *token);
/* Frees the clients and credentials; accepts a zeroed or failed c. */
void es_itest_clients_close(es_itest_clients *c);
/* "<prefix>-<pid>-<counter>" in lower case, valid as a bucket or queue name. */
void es_itest_name(char *out, size_t size, const char *prefix);

/* Control API: method + path under /_emulator (e.g. "POST", "/faults"), JSON
 * body or NULL. Returns the HTTP status (or -1), reply body in *reply if
 * reply != NULL (malloc'd, caller frees). */
int es_itest_control(const char *method, const char *path, const char *json, char **reply);
/* Adds one fault rule (JSON object); 0 or -1. */
int es_itest_fault(const char *rule_json);
/* Adds an S3 fault rule for action on bucket/key (neither needing JSON
 * escaping) with the rule's other members in fields, e.g.
 * "\"status\":500,\"times\":1"; 0 or -1. */
int es_itest_s3_fault(const char *action, const char *bucket, const char *key, const char *fields);
/* The request log's current sequence number (-1 on failure). */
long es_itest_log_seq(void);
/* How many logged requests after seq `since` for action (e.g. "GetObject")
 * contain needle (e.g. "ConnectionReset") in their log record; -1 on failure. */
int es_itest_log_count(long since, const char *action, const char *needle);
/* Removes all fault rules. */
void es_itest_clear_faults(void);

/* True when text appears in r's message, AWS code or request id (a secret
 * that should have been redacted). */
bool es_itest_mentions(const es_aws_result *r, const char *text);

/* Appends n bytes to the malloc'd buffer *buf (*len used of *cap), growing it;
 * ES_ERR_NOMEM when it cannot. For GetObject body callbacks. */
es_err es_itest_append(uint8_t **buf, size_t *len, size_t *cap, const uint8_t *data, size_t n);

#endif
