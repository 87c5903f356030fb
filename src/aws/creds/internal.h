/* internal.h - what the credential providers share: the provider base
 * (vtable + impl + refcount), filling an es_creds with length checks, ISO 8601
 * expiration parsing, the JSON and STS XML credential documents, reading small
 * files, and environment lookup. Not for modules outside src/aws/creds/. */
#ifndef ES_AWS_CREDS_INTERNAL_H
#define ES_AWS_CREDS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "aws/creds/creds.h"

typedef struct es_creds_provider_vtable {
    /* Fetches credentials into out (already cleared). Must be thread-safe. */
    es_err (*get)(void *impl, es_creds *out, es_error *err);
    void (*destroy)(void *impl); /* frees impl */
    /* What get would answer, told without a request (es_creds_check); NULL
     * for a source that must be asked over the network to tell. */
    es_err (*check)(void *impl, es_error *err);
    /* The service refused these credentials as expired (es_creds_expired);
     * NULL for a source that keeps nothing. */
    void (*expired)(void *impl, const es_creds *used);
} es_creds_provider_vtable;

/* Wraps impl with refcount 1. On allocation failure destroys impl and returns NULL. */
es_creds_provider *es_creds_provider_wrap(const es_creds_provider_vtable *vt, void *impl);

/* Copies the parts into out, checking each fits. ES_ERR_PROTOCOL naming the
 * field (never its value) when one is missing, too long or holds a control
 * character (a header could not carry it). */
ES_MUST_USE es_err es_creds_fill(es_creds *out, const char *akid, const char *secret, const char *token,
                                 time_t expiration, const char *source, es_error *err);

/* "2019-11-09T13:34:41Z", with optional fraction and +hh:mm / -hh:mm offset. */
bool es_creds_parse_iso8601(const char *s, time_t *out);

/* {"AccessKeyId","SecretAccessKey","Token","Expiration"[,"Code"]} as served by
 * ECS and IMDS. ES_ERR_PROTOCOL when malformed (message names source). */
ES_MUST_USE es_err es_creds_parse_json(const char *body, size_t len, const char *source, es_creds *out,
                                       es_error *err);

/* The AssumeRoleWithWebIdentity response (or an STS ErrorResponse) parsed with
 * expat. On an ErrorResponse returns ES_ERR_AUTH with code[]/message[] filled.
 * ES_ERR_PROTOCOL when the document is malformed or lacks credentials. */
ES_MUST_USE es_err es_creds_parse_sts_xml(const char *xml, size_t len, es_creds *out, char *code,
                                          size_t code_n, char *message, size_t message_n);

/* Reads a whole small file (<= max bytes) into a NUL-terminated malloc'd
 * buffer. ES_ERR_NOT_FOUND when absent, ES_ERR_TOO_LARGE, ES_ERR_IO; for the
 * first and last *sys_err (may be NULL) gets the errno saying why (EACCES,
 * EISDIR, ...), 0 otherwise. */
ES_MUST_USE es_err es_creds_read_file(const char *path, size_t max, char **out, size_t *len, int *sys_err);
/* Why es_creds_read_file failed, for a message: strerror(sys_err) when set, else es_strerror(rc). */
const char *es_creds_read_error(es_err rc, int sys_err);

/* A setting found wrong when a provider was made, kept in config (code ES_OK
 * when there is none), answered again: ES_OK or config's code and message in err. */
es_err es_creds_replay(const es_error *config, es_error *err);

/* Strips trailing whitespace (CR, LF, blanks) in place; returns s. */
char *es_creds_rtrim(char *s);

#endif
