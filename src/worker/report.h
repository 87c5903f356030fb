/* report.h - the JSON document sent to EXIFSTRIP_DLQ_URL for every refused
 * input (not a JPEG, corrupt, too large, unrecognised event ...), so an
 * operator can see what was dropped and why without the original message. */
#ifndef ES_WORKER_REPORT_H
#define ES_WORKER_REPORT_H

#include <stddef.h>

#include <jansson.h>

#include "exifstrip/error.h"

/* SQS accepts bodies up to 256 KiB; reports stay below this. */
#define ES_REPORT_MAX_BYTES (250u * 1024u)
/* Bytes of the original body kept when it is too large to embed whole. */
#define ES_REPORT_EXCERPT_BYTES 4096u

typedef struct es_report_info {
    const char *bucket; /* NULL when the event itself was refused */
    const char *key;
    const char *version_id; /* NULL or "" when none */
    const char *reason;     /* human-readable cause */
    es_err code;            /* -> "error_code" (its name) and "category" */
    const char *message_id;
    int receive_count;
    const char *body; /* the original SQS message body */
    size_t body_len;
} es_report_info;

/* Returns a malloc'd, NUL-terminated JSON object (caller frees) with the
 * members bucket, key, version_id, reason, error_code, category, message_id,
 * receive_count, time, reporter and event (the body parsed as JSON, or the
 * body as a string when it is not JSON). When the whole report would exceed
 * ES_REPORT_MAX_BYTES, event is replaced by a string excerpt and
 * "event_truncated": true is added. Invalid UTF-8 is replaced by U+FFFD.
 * Returns NULL only when out of memory. */
char *es_report_build(const es_report_info *info);

/* A JSON string from n arbitrary bytes (keys, messages): invalid UTF-8 and
 * NULs become U+FFFD, as jansson accepts only valid UTF-8. json_null() for
 * NULL; NULL when out of memory. Also used by `exifstrip audit --json`. */
json_t *es_report_json_string(const char *s, size_t n);

#endif
