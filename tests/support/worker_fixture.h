/* worker_fixture.h - shared setup for the worker's integration tests against
 * the emulator (the *_itest.c files of tests/worker): clients, a source and
 * a destination bucket, a DLQ (and optionally an event queue) with unique
 * names, a worker configuration pointing at them, object helpers, S3 event
 * bodies, JPEGs large enough for multipart uploads and request-log queries. */
#ifndef ES_TEST_WORKER_FIXTURE_H
#define ES_TEST_WORKER_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include "aws_itest.h"
#include "aws/s3/s3.h"
#include "aws/sqs/sqs.h"
#include "worker/config.h"

typedef struct es_wfix {
    es_itest_clients emu; /* owns the clients below (aws_itest.h) */
    es_s3_client *s3;     /* = emu.s3 */
    es_sqs_client *sqs;   /* = emu.sqs */
    es_cfg cfg;           /* queue_url (if created), dest_bucket, source allowlist = {src}, dlq_url */
    char src[64], dst[64];
    char dlq_url[512], queue_url[512];
} es_wfix;

/* Creates clients and resources; with_queue also creates the event queue.
 * Returns 0, or -1 (message on stderr) e.g. when ES_TEST_ENDPOINT is unset. */
int es_wfix_setup(es_wfix *w, int with_queue);
void es_wfix_teardown(es_wfix *w);

ES_MUST_USE es_err es_wfix_put(es_wfix *w, const char *bucket, const char *key, const uint8_t *data,
                               size_t len);
/* Reads a whole object into a malloc'd buffer (caller frees); info may be NULL. */
ES_MUST_USE es_err es_wfix_get(es_wfix *w, const char *bucket, const char *key, uint8_t **out, size_t *len,
                               es_s3_object_info *info);
/* The object's ETag without quotes. */
ES_MUST_USE es_err es_wfix_etag(es_wfix *w, const char *bucket, const char *key, char *out, size_t size);

/* An S3 notification body with one ObjectCreated:Put record for key (raw
 * bytes, form-encoded here as S3 does); etag/version may be NULL. */
void es_wfix_s3_event(char *out, size_t size, const char *bucket, const char *key, const char *etag,
                      const char *version_id, long long size_field);

/* A valid JPEG (with EXIF/GPS, XMP and a comment) whose stripped output is
 * still at least min_output bytes, thanks to kept ICC chunks. Caller frees. */
int es_wfix_big_jpeg(size_t min_output, uint8_t **out, size_t *len);
/* jpeg (len bytes, SOI first) with APP2 ICC_PROFILE chunks (a profile with
 * nothing to scrub, kept byte for byte by the stripper) inserted after its SOI so that it is exactly total bytes
 * (malloc'd, caller frees); NULL when it cannot be (too little - under 162
 * bytes in the first chunk - or more than 255 chunks' worth of padding). */
uint8_t *es_wfix_pad_with_icc(const uint8_t *jpeg, size_t len, size_t total);

/* Sequence number of the emulator's newest logged request (0 if none). */
long es_wfix_last_seq(void);
/* Requests logged after since with this action whose key (or queue) contains
 * `match` (NULL = any). -1 on error. */
int es_wfix_count(long since, const char *action, const char *match);

/* Raw query string of the newest request after since with this action whose
 * key (or queue) contains match, copied into out ("" when none). */
void es_wfix_last_query(long since, const char *action, const char *match, char *out, size_t size);
/* The same for any string field of the logged request ("request_id": the
 * id the emulator answered it with). */
void es_wfix_last_field(long since, const char *action, const char *match, const char *field, char *out,
                        size_t size);

/* A numeric attribute of the event queue (e.g. "ApproximateNumberOfMessages"),
 * or -1 when it cannot be read. */
long es_wfix_queue_attr(es_wfix *w, const char *name);

/* Receives one message from queue_url (waiting up to wait_s), deletes it and
 * returns its body (malloc'd) or NULL when none arrived. */
char *es_wfix_receive_body(es_wfix *w, const char *queue_url, int wait_s);

#endif
