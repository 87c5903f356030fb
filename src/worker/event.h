/* event.h - parses an SQS message body into the S3 objects it announces.
 *
 * Accepted shapes: S3 event notifications ({"Records": [...]} with eventSource
 * "aws:s3" and eventName "ObjectCreated:*"; keys URL-form-encoded), the
 * "s3:TestEvent" S3 sends when a notification is configured, SNS envelopes
 * ({"Type": "Notification", "Message": "<one of these, as a string>"}) and
 * EventBridge "Object Created" events (source "aws.s3"; keys not encoded).
 * A message that is none of these (not JSON, no Records array, ...) is
 * refused as a whole with ES_ERR_EVENT_INVALID (category INPUT) and a reason
 * naming the offending field; limits give ES_ERR_TOO_LARGE.
 *
 * Records are judged one by one, so that one bad record does not spoil its
 * siblings: each record is CREATED (an object creation to process), REMOVED
 * (an object removal: S3's "ObjectRemoved:*" or EventBridge's "Object
 * Deleted", acted on only when deletes are propagated), OTHER (a well-formed
 * notification of another kind: nothing to do) or INVALID (malformed: its
 * problem names the field). A REMOVED record whose fields are malformed keeps
 * its state and carries the problem, so that it is skipped like before when
 * deletes are not propagated and refused when they are. Fields are validated here, before any request is
 * made: bucket name shape, key (decoded, UTF-8, 1..1024 bytes, no NUL), size
 * (a non-negative integer), ETag (printable ASCII without '"' once its quotes
 * are removed), versionId (printable ASCII) and sequencer (hex digits). */
#ifndef ES_WORKER_EVENT_H
#define ES_WORKER_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "exifstrip/error.h"

#define ES_EVENT_MAX_BODY (256u * 1024u) /* bytes of one message body */
#define ES_EVENT_MAX_RECORDS 100
#define ES_EVENT_MAX_KEY 1024 /* bytes of a decoded key (S3's limit) */
#define ES_EVENT_MAX_BUCKET 255

typedef enum es_event_record_state {
    ES_EVENT_RECORD_CREATED = 0, /* an object creation: process it */
    ES_EVENT_RECORD_OTHER,       /* another kind of event (event_name says which): skip it */
    ES_EVENT_RECORD_INVALID,     /* malformed: refuse this record; problem says why */
    ES_EVENT_RECORD_REMOVED      /* an object removal (problem set when malformed) */
} es_event_record_state;

typedef struct es_event_record {
    char bucket[ES_EVENT_MAX_BUCKET + 1];
    char key[ES_EVENT_MAX_KEY + 1]; /* decoded, UTF-8, no NUL bytes; never empty when CREATED */
    uint64_t size;
    bool has_size;
    char etag[128];        /* without quotes; "" when absent */
    char version_id[1025]; /* "" when absent */
    char sequencer[128];
    char event_name[64]; /* "ObjectCreated:Put", or "Object Created" (EventBridge) */
    es_event_record_state state;
    bool delete_marker;           /* REMOVED: a delete marker was created (version_id is the marker's) */
    es_err problem_code;          /* INVALID, malformed REMOVED: ES_ERR_EVENT_INVALID (or ES_ERR_TOO_LARGE) */
    char problem[ES_ERRBUF_SIZE]; /* INVALID, malformed REMOVED: the reason, naming the field ("" otherwise) */
} es_event_record;

typedef enum es_event_kind {
    ES_EVENT_OBJECTS = 0, /* records holds 1..ES_EVENT_MAX_RECORDS objects */
    ES_EVENT_TEST         /* s3:TestEvent: nothing to do */
} es_event_kind;

typedef struct es_event {
    es_event_kind kind;
    const char *shape; /* "s3", "sns/s3", "eventbridge", "sns/eventbridge" */
    es_event_record *records;
    size_t count;
    char test_bucket[ES_EVENT_MAX_BUCKET + 1]; /* ES_EVENT_TEST: the "Bucket" field */
} es_event;

/* Parses len bytes of body. On success fills ev (release with es_event_clear);
 * its records may still be REMOVED, OTHER or INVALID one by one. On failure (the
 * message as a whole is unusable) ev is empty and err holds the reason.
 * For OTHER, INVALID and malformed REMOVED records, bucket and key hold what
 * could be read ("" otherwise). */
ES_MUST_USE es_err es_event_parse(const char *body, size_t len, es_event *ev, es_error *err);
/* Frees what es_event_parse allocated and empties ev; accepts a zeroed ev. */
void es_event_clear(es_event *ev);

/* Decodes an S3-notification key ('+' is a space, then %XX escapes) into out
 * (NUL-terminated, *out_len bytes). Refuses bad escapes, NUL bytes, invalid
 * UTF-8, empty keys and keys longer than ES_EVENT_MAX_KEY bytes.
 * out_size must be at least ES_EVENT_MAX_KEY + 1. */
ES_MUST_USE es_err es_event_decode_key(const char *in, size_t len, char *out, size_t out_size,
                                       size_t *out_len, es_error *err);

#endif
