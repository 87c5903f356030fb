/* aws_itest.h - helpers for integration tests against the local S3+SQS
 * emulator (tests/emulator): its URL from ES_TEST_ENDPOINT, a client config
 * pointing at it, unique resource names, and its unsigned control API
 * (fault rules, request log, reset). */
#ifndef ES_TEST_AWS_ITEST_H
#define ES_TEST_AWS_ITEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aws/client/config.h"
#include "aws/creds/creds.h"

/* The emulator's access key pair (tests/emulator/lib/credentials.mjs). */
#define ES_ITEST_AKID "test"
#define ES_ITEST_SECRET "test"

/* ES_TEST_ENDPOINT, or NULL when unset/empty. */
const char *es_itest_endpoint(void);
/* Config for the emulator: region us-east-1, both endpoints, path style. 0 or -1. */
int es_itest_config(es_aws_config *cfg);
/* Static credentials for the emulator (release with es_creds_provider_release). */
es_creds_provider *es_itest_creds(void);
/* es_itest_config(cfg) plus static credentials the emulator refuses: its key
 * id with a wrong secret and a session token (release with
 * es_creds_provider_release). NULL when either cannot be made. */
es_creds_provider *es_itest_wrong_creds(es_aws_config *cfg, const char *secret,
                                        const char *token);
/* "<prefix>-<pid>-<counter>" in lower case, valid as a bucket or queue name. */
void es_itest_name(char *out, size_t size, const char *prefix);

/* Control API: method + path under /_emulator (e.g. "POST", "/faults"), JSON
 * body or NULL. Returns the HTTP status (or -1), reply body in *reply if
 * reply != NULL (malloc'd, caller frees). */
int es_itest_control(const char *method, const char *path, const char *json, char **reply);
/* Adds one fault rule (JSON object); 0 or -1. */
int es_itest_fault(const char *rule_json);
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
