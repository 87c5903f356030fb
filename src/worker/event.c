/* event.c - the SQS message body parser declared in event.h. The body is
 * scanned once with the strict JSON reader of common/json_scan.h (duplicate
 * keys refused; strings are decoded only when a field is read); the shape is
 * recognised from its distinguishing members and each record is copied into
 * a fixed-size es_event_record after its fields have been decoded and
 * validated. A record that fails is marked INVALID with the reason (its
 * siblings are unaffected); a notification of another kind is marked OTHER.
 * An SNS envelope is unwrapped once (its Message string is parsed the same
 * way); deeper nesting is refused. Removals (ObjectRemoved:*, "Object
 * Deleted") are parsed like creations but never refuse a message. */
#include "worker/event.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/s3/s3.h"
#include "common/hex.h"
#include "common/json_scan.h"
#include "common/utf8.h"
#include "worker/config.h"

#define S_MAX_NESTING 1 /* SNS envelope around an S3/EventBridge event */

/* Checks what every key must satisfy once decoded (encoded or not). */
static es_err s_check_key(const char *key, size_t len, es_error *err)
{
    if (len == 0)
        return es_error_set(err, ES_ERR_EVENT_INVALID, "object key is empty");
    if (len > ES_EVENT_MAX_KEY)
        return es_error_set(err, ES_ERR_EVENT_INVALID, "object key is %zu bytes long (the limit is %u)", len,
                            (unsigned)ES_EVENT_MAX_KEY);
    if (memchr(key, '\0', len))
        return es_error_set(err, ES_ERR_EVENT_INVALID, "object key contains a NUL byte");
    if (!es_utf8_valid(key, len))
        return es_error_set(err, ES_ERR_EVENT_INVALID, "object key is not valid UTF-8");
    return ES_OK;
}

es_err es_event_decode_key(const char *in, size_t len, char *out, size_t out_size, size_t *out_len,
                           es_error *err)
{
    ES_ENSURE_REF(in);
    ES_ENSURE_REF(out);
    ES_ENSURE(out_size >= ES_EVENT_MAX_KEY + 1, ES_ERR_INVALID_ARG);
    size_t o = 0, at = 0;
    switch (es_form_decode(in, len, out, ES_EVENT_MAX_KEY + 1, &o, &at)) {
    case ES_FORM_OK: break;
    case ES_FORM_TOO_LONG:
        return es_error_set(err, ES_ERR_EVENT_INVALID, "object key is longer than %u bytes once decoded",
                            (unsigned)ES_EVENT_MAX_KEY);
    case ES_FORM_BAD_ESCAPE:
        return es_error_set(err, ES_ERR_EVENT_INVALID, "object key has a bad percent escape at byte %zu", at);
    }
    ES_GUARD(s_check_key(out, o, err));
    if (out_len)
        *out_len = o;
    return ES_OK;
}

/* ---- small typed accessors that produce a reason naming the field ---- */

/* Tokens on the stack per parse (one record takes about 60); a bigger
 * message is scanned again into an allocation (es_json_parse_grow). */
#define S_TOKENS 256

/* Copies the string member `name` of obj into out. Absent/null is OK when !required.
 * (A decoded JSON string never holds a NUL byte: the reader refuses \u0000.) */
static es_err s_get_str(const es_json_doc *d, uint32_t obj, const char *name, bool required, char *out,
                        size_t size, const char *where, es_error *err)
{
    uint32_t v = es_json_member(d, obj, name);
    out[0] = '\0';
    if (v == ES_JSON_NONE || es_json_type_of(d, v) == ES_JSON_NULL) {
        if (required)
            return es_error_set(err, ES_ERR_EVENT_INVALID, "%s.%s is missing", where, name);
        return ES_OK;
    }
    if (es_json_type_of(d, v) != ES_JSON_STRING)
        return es_error_set(err, ES_ERR_EVENT_INVALID, "%s.%s is not a string", where, name);
    size_t len = d->toks[v].n;
    if (len >= size || es_json_string(d, v, out, size, NULL) != ES_OK)
        return es_error_set(err, ES_ERR_EVENT_INVALID, "%s.%s is too long (%zu bytes)", where, name, len);
    if (required && len == 0)
        return es_error_set(err, ES_ERR_EVENT_INVALID, "%s.%s is empty", where, name);
    return ES_OK;
}

/* String t decoded into out as snprintf("%s") would: cut to size - 1 bytes. */
static void s_copy_cut(const es_json_doc *d, uint32_t t, char *out, size_t size)
{
    out[0] = '\0';
    if (es_json_type_of(d, t) != ES_JSON_STRING)
        return;
    if (es_json_string(d, t, out, size, NULL) == ES_OK)
        return;
    char *all = es_json_string_dup(d, t, NULL);
    if (all)
        snprintf(out, size, "%s", all);
    free(all);
}

static uint32_t s_get_obj(const es_json_doc *d, uint32_t obj, const char *name, const char *where, es_error *err)
{
    uint32_t v = es_json_member(d, obj, name);
    if (es_json_type_of(d, v) != ES_JSON_OBJECT) {
        es_error_set(err, ES_ERR_EVENT_INVALID, "%s.%s is %s", where, name,
                     v != ES_JSON_NONE ? "not an object" : "missing");
        return ES_JSON_NONE;
    }
    return v;
}

static bool s_str_is(const es_json_doc *d, uint32_t obj, const char *name, const char *expected)
{
    return es_json_string_eq(d, es_json_member(d, obj, name), expected);
}

/* Fills the size of rec from an optional non-negative integer member. */
static es_err s_get_size(const es_json_doc *d, uint32_t obj, const char *name, es_event_record *rec,
                         const char *where, es_error *err)
{
    uint32_t v = es_json_member(d, obj, name);
    rec->has_size = false;
    rec->size = 0;
    if (v == ES_JSON_NONE || es_json_type_of(d, v) == ES_JSON_NULL)
        return ES_OK;
    int64_t n = -1;
    if (es_json_integer(d, v, &n) != ES_OK || n < 0)
        return es_error_set(err, ES_ERR_EVENT_INVALID, "%s.%s is not a non-negative integer", where, name);
    rec->size = (uint64_t)n;
    rec->has_size = true;
    return ES_OK;
}

/* ETags are stored without surrounding quotes (the job adds them for If-Match). */
static void s_unquote(char *etag)
{
    const char *bare;
    size_t n = es_s3_etag_bare(etag, strlen(etag), &bare);
    memmove(etag, bare, n);
    etag[n] = '\0';
}

/* Checks (and decodes, when encoded) key bytes raw[0..len) into rec->key. */
static es_err s_store_key(const char *raw, size_t len, bool encoded, es_event_record *rec, es_error *local)
{
    if (encoded)
        return es_event_decode_key(raw, len, rec->key, sizeof rec->key, NULL, local);
    ES_GUARD(s_check_key(raw, len, local));
    memcpy(rec->key, raw, len);
    rec->key[len] = '\0';
    return ES_OK;
}

/* Copies a key member into rec->key, decoding it when it comes URL-form-encoded.
 * A key without JSON escapes is read in place. */
static es_err s_get_key(const es_json_doc *d, uint32_t object, bool encoded, es_event_record *rec,
                        const char *where, es_error *err)
{
    uint32_t v = es_json_member(d, object, "key");
    if (es_json_type_of(d, v) != ES_JSON_STRING)
        return es_error_set(err, ES_ERR_EVENT_INVALID, "%s.key is %s", where,
                            v != ES_JSON_NONE ? "not a string" : "missing");
    es_error local;
    es_error_clear(&local);
    const char *raw;
    size_t len;
    char *decoded = NULL;
    if (!es_json_string_raw(d, v, &raw, &len) && !(raw = decoded = es_json_string_dup(d, v, &len)))
        return es_error_set(err, ES_ERR_NOMEM, "%s.key: out of memory", where);
    es_err rc = s_store_key(raw, len, encoded, rec, &local);
    if (rc != ES_OK) {
        /* the key as the event gave it (the log escapes it), so the object can be found */
        rec->key[0] = '\0';
        es_error_set(err, rc, "%s.key \"%.*s%s\": %s", where, (int)(len < 64 ? len : 64), raw,
                     len > 64 ? "..." : "", local.msg);
    }
    free(decoded);
    return rc;
}

/* True when s holds only printable ASCII (0x21..0x7E) and none of `except`. */
static bool s_printable_ascii(const char *s, const char *except)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x21 || (unsigned char)*s > 0x7E || strchr(except, *s))
            return false;
    return true;
}

static bool s_hex_digits(const char *s)
{
    for (; *s; s++)
        if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f') || (*s >= 'A' && *s <= 'F')))
            return false;
    return true;
}

/* Copies bucket.name into rec->bucket when it has the shape of a bucket name. */
static es_err s_get_bucket(const es_json_doc *d, uint32_t bucket, es_event_record *rec, const char *where,
                           es_error *err)
{
    ES_GUARD(s_get_str(d, bucket, "name", true, rec->bucket, sizeof rec->bucket, where, err));
    if (es_cfg_bucket_name_valid(rec->bucket, strlen(rec->bucket)))
        return ES_OK;
    rec->bucket[0] = '\0';
    return es_error_set(err, ES_ERR_EVENT_INVALID,
                        "%s.name is not a valid bucket name (3 to 255 letters, digits, '.', "
                        "'-', '_', starting and ending with a letter or digit)",
                        where);
}

/* The names an event shape gives the object's optional members. */
typedef struct s_member_names {
    const char *etag, *version_id;
} s_member_names;

/* Fills rec's bucket, key, size, ETag, versionId and sequencer from the
 * bucket and object members, validating each; the first bad one is named. */
static es_err s_get_object_fields(const es_json_doc *d, uint32_t bucket, uint32_t object, bool encoded,
                                  const s_member_names *names, const char *bwhere, const char *owhere,
                                  es_event_record *rec, es_error *err)
{
    ES_GUARD(s_get_bucket(d, bucket, rec, bwhere, err));
    ES_GUARD(s_get_key(d, object, encoded, rec, owhere, err));
    ES_GUARD(s_get_size(d, object, "size", rec, owhere, err));
    ES_GUARD(s_get_str(d, object, names->etag, false, rec->etag, sizeof rec->etag, owhere, err));
    s_unquote(rec->etag);
    if (!s_printable_ascii(rec->etag, "\""))
        return es_error_set(err, ES_ERR_EVENT_INVALID,
                            "%s.%s is not a valid ETag (printable ASCII without '\"' expected)", owhere,
                            names->etag);
    ES_GUARD(
        s_get_str(d, object, names->version_id, false, rec->version_id, sizeof rec->version_id, owhere, err));
    if (!s_printable_ascii(rec->version_id, ""))
        return es_error_set(err, ES_ERR_EVENT_INVALID,
                            "%s.%s is not a valid version id (printable ASCII expected)", owhere,
                            names->version_id);
    ES_GUARD(s_get_str(d, object, "sequencer", false, rec->sequencer, sizeof rec->sequencer, owhere, err));
    if (!s_hex_digits(rec->sequencer))
        return es_error_set(err, ES_ERR_EVENT_INVALID, "%s.sequencer is not a hexadecimal string", owhere);
    return ES_OK;
}

/* For a record that is skipped: keeps the bucket and key when they are readable (for the log). */
static void s_get_location_if_any(const es_json_doc *d, uint32_t bucket, uint32_t object, bool encoded,
                                  es_event_record *rec)
{
    es_error ignored;
    es_error_clear(&ignored);
    if (es_json_type_of(d, bucket) == ES_JSON_OBJECT)
        (void)s_get_bucket(d, bucket, rec, "bucket", &ignored);
    if (es_json_type_of(d, object) == ES_JSON_OBJECT)
        (void)s_get_key(d, object, encoded, rec, "object", &ignored);
}

/* ---- the shapes ---- */

static const s_member_names s_s3_names = {"eTag", "versionId"};
static const s_member_names s_eventbridge_names = {"etag", "version-id"};

static es_err s_parse_s3_record(const es_json_doc *d, uint32_t r, size_t index, es_event_record *rec,
                                es_error *err)
{
    char where[64];
    snprintf(where, sizeof where, "Records[%zu]", index);
    if (es_json_type_of(d, r) != ES_JSON_OBJECT)
        return es_error_set(err, ES_ERR_EVENT_INVALID, "%s is not an object", where);
    if (!s_str_is(d, r, "eventSource", "aws:s3"))
        return es_error_set(err, ES_ERR_EVENT_INVALID, "%s.eventSource is not \"aws:s3\"", where);
    ES_GUARD(s_get_str(d, r, "eventName", true, rec->event_name, sizeof rec->event_name, where, err));
    uint32_t s3 = es_json_member(d, r, "s3");
    if (!strncmp(rec->event_name, "ObjectRemoved:", 14)) {
        rec->state = ES_EVENT_RECORD_REMOVED;
        rec->delete_marker = !strcmp(rec->event_name, "ObjectRemoved:DeleteMarkerCreated");
    } else if (strncmp(rec->event_name, "ObjectCreated:", 14) != 0) {
        rec->state = ES_EVENT_RECORD_OTHER;
        s_get_location_if_any(d, es_json_member(d, s3, "bucket"), es_json_member(d, s3, "object"), true, rec);
        return ES_OK;
    }
    s3 = s_get_obj(d, r, "s3", where, err);
    ES_ENSURE(s3 != ES_JSON_NONE, ES_ERR_EVENT_INVALID);
    char sub[96];
    snprintf(sub, sizeof sub, "%s.s3", where);
    uint32_t bucket = s_get_obj(d, s3, "bucket", sub, err);
    uint32_t object = bucket != ES_JSON_NONE ? s_get_obj(d, s3, "object", sub, err) : ES_JSON_NONE;
    ES_ENSURE(bucket != ES_JSON_NONE && object != ES_JSON_NONE, ES_ERR_EVENT_INVALID);
    char bwhere[112], owhere[112];
    snprintf(bwhere, sizeof bwhere, "%s.bucket", sub);
    snprintf(owhere, sizeof owhere, "%s.object", sub);
    return s_get_object_fields(d, bucket, object, true, &s_s3_names, bwhere, owhere, rec, err);
}

/* Marks a record that failed to parse: it is refused on its own (a removal
 * stays REMOVED, carrying the problem). */
static void s_mark_invalid(es_event_record *rec, es_err rc, const es_error *why)
{
    if (rec->state != ES_EVENT_RECORD_REMOVED)
        rec->state = ES_EVENT_RECORD_INVALID;
    rec->problem_code = rc == ES_ERR_TOO_LARGE ? rc : ES_ERR_EVENT_INVALID;
    snprintf(rec->problem, sizeof rec->problem, "%s", why->msg);
}

static es_err s_alloc_records(es_event *ev, size_t n)
{
    ev->records = calloc(n, sizeof *ev->records);
    ES_ENSURE(ev->records, ES_ERR_NOMEM);
    ev->count = n;
    return ES_OK;
}

static es_err s_parse_s3(const es_json_doc *d, uint32_t root, es_event *ev, es_error *err)
{
    uint32_t records = es_json_member(d, root, "Records");
    if (es_json_type_of(d, records) != ES_JSON_ARRAY)
        return es_error_set(err, ES_ERR_EVENT_INVALID, "Records is not an array");
    size_t n = es_json_size(d, records);
    if (n == 0)
        return es_error_set(err, ES_ERR_EVENT_INVALID, "Records is empty");
    if (n > ES_EVENT_MAX_RECORDS)
        return es_error_set(err, ES_ERR_TOO_LARGE, "message has %zu records (the limit is %d)", n,
                            ES_EVENT_MAX_RECORDS);
    ES_GUARD(s_alloc_records(ev, n));
    uint32_t r = es_json_first(d, records);
    for (size_t i = 0; i < n; i++, r = es_json_next(d, records, r)) {
        es_error why;
        es_error_clear(&why);
        es_err rc = s_parse_s3_record(d, r, i, &ev->records[i], &why);
        if (rc != ES_OK)
            s_mark_invalid(&ev->records[i], rc, &why);
    }
    return ES_OK;
}

/* An EventBridge "Object Deleted" record: REMOVED, a malformed one carrying
 * its problem (the message stays usable). */
static es_err s_parse_eventbridge_deleted(const es_json_doc *d, uint32_t root, es_event *ev)
{
    ES_GUARD(s_alloc_records(ev, 1));
    es_event_record *rec = &ev->records[0];
    rec->state = ES_EVENT_RECORD_REMOVED;
    snprintf(rec->event_name, sizeof rec->event_name, "Object Deleted");
    es_error why;
    es_error_clear(&why);
    uint32_t det = s_get_obj(d, root, "detail", "event", &why);
    uint32_t bucket = det != ES_JSON_NONE ? s_get_obj(d, det, "bucket", "detail", &why) : ES_JSON_NONE;
    uint32_t object = bucket != ES_JSON_NONE ? s_get_obj(d, det, "object", "detail", &why) : ES_JSON_NONE;
    es_err rc = object != ES_JSON_NONE ? s_get_object_fields(d, bucket, object, false, &s_eventbridge_names,
                                                             "detail.bucket", "detail.object", rec, &why)
                                       : ES_ERR_EVENT_INVALID;
    if (rc != ES_OK)
        s_mark_invalid(rec, rc, &why);
    rec->delete_marker = det != ES_JSON_NONE && s_str_is(d, det, "deletion-type", "Delete Marker Created");
    return ES_OK;
}

/* An EventBridge event holds one object. "Object Deleted" is a removal;
 * another detail-type from aws.s3 is a record to skip; a malformed "Object
 * Created" refuses the message (its only record). */
static es_err s_parse_eventbridge(const es_json_doc *d, uint32_t root, es_event *ev, es_error *err)
{
    uint32_t dt = es_json_member(d, root, "detail-type");
    if (es_json_type_of(d, dt) != ES_JSON_STRING)
        return es_error_set(err, ES_ERR_EVENT_INVALID, "EventBridge detail-type is not a string");
    if (es_json_string_eq(d, dt, "Object Deleted"))
        return s_parse_eventbridge_deleted(d, root, ev);
    uint32_t detail = es_json_member(d, root, "detail");
    if (!es_json_string_eq(d, dt, "Object Created")) {
        ES_GUARD(s_alloc_records(ev, 1));
        es_event_record *rec = &ev->records[0];
        rec->state = ES_EVENT_RECORD_OTHER;
        s_copy_cut(d, dt, rec->event_name, sizeof rec->event_name);
        s_get_location_if_any(d, es_json_member(d, detail, "bucket"), es_json_member(d, detail, "object"),
                              false, rec);
        return ES_OK;
    }
    detail = s_get_obj(d, root, "detail", "event", err);
    ES_ENSURE(detail != ES_JSON_NONE, ES_ERR_EVENT_INVALID);
    uint32_t bucket = s_get_obj(d, detail, "bucket", "detail", err);
    uint32_t object = bucket != ES_JSON_NONE ? s_get_obj(d, detail, "object", "detail", err) : ES_JSON_NONE;
    ES_ENSURE(bucket != ES_JSON_NONE && object != ES_JSON_NONE, ES_ERR_EVENT_INVALID);
    ES_GUARD(s_alloc_records(ev, 1));
    es_event_record *rec = &ev->records[0];
    snprintf(rec->event_name, sizeof rec->event_name, "Object Created");
    return s_get_object_fields(d, bucket, object, false, &s_eventbridge_names, "detail.bucket",
                               "detail.object", rec, err);
}

static es_err s_parse_text(const char *body, size_t len, int depth, es_event *ev, es_error *err);

static es_err s_parse_sns(const es_json_doc *d, uint32_t root, int depth, es_event *ev, es_error *err)
{
    uint32_t type = es_json_member(d, root, "Type");
    if (!es_json_string_eq(d, type, "Notification")) {
        char shown[49] = "(not a string)";
        if (es_json_type_of(d, type) == ES_JSON_STRING)
            s_copy_cut(d, type, shown, sizeof shown);
        return es_error_set(err, ES_ERR_EVENT_INVALID, "SNS message Type \"%s\" is not supported", shown);
    }
    uint32_t msg = es_json_member(d, root, "Message");
    if (es_json_type_of(d, msg) != ES_JSON_STRING)
        return es_error_set(err, ES_ERR_EVENT_INVALID, "SNS Message is not a string");
    if (depth >= S_MAX_NESTING)
        return es_error_set(err, ES_ERR_EVENT_INVALID, "SNS envelopes nested too deeply");
    size_t len = 0;
    char *text = es_json_string_dup(d, msg, &len);
    if (!text)
        return es_error_set(err, ES_ERR_NOMEM, "SNS Message: out of memory");
    es_error inner;
    es_error_clear(&inner);
    es_err rc = s_parse_text(text, len, depth + 1, ev, &inner);
    free(text);
    if (rc != ES_OK)
        return es_error_set(err, rc, "SNS Message: %s", inner.msg);
    if (!strcmp(ev->shape, "s3"))
        ev->shape = "sns/s3";
    else if (!strcmp(ev->shape, "eventbridge"))
        ev->shape = "sns/eventbridge";
    return ES_OK;
}

static es_err s_parse_root(const es_json_doc *d, int depth, es_event *ev, es_error *err)
{
    const uint32_t root = 0;
    if (es_json_type_of(d, root) != ES_JSON_OBJECT)
        return es_error_set(err, ES_ERR_EVENT_INVALID, "message body is not a JSON object");
    if (es_json_member(d, root, "Records") != ES_JSON_NONE) {
        ev->kind = ES_EVENT_OBJECTS;
        ev->shape = "s3";
        return s_parse_s3(d, root, ev, err);
    }
    if (s_str_is(d, root, "Event", "s3:TestEvent")) {
        ev->kind = ES_EVENT_TEST;
        ev->shape = "s3";
        s_copy_cut(d, es_json_member(d, root, "Bucket"), ev->test_bucket, sizeof ev->test_bucket);
        return ES_OK;
    }
    if (es_json_member(d, root, "Type") != ES_JSON_NONE && es_json_member(d, root, "Message") != ES_JSON_NONE)
        return s_parse_sns(d, root, depth, ev, err);
    if (s_str_is(d, root, "source", "aws.s3") && es_json_member(d, root, "detail-type") != ES_JSON_NONE) {
        ev->kind = ES_EVENT_OBJECTS;
        ev->shape = "eventbridge";
        return s_parse_eventbridge(d, root, ev, err);
    }
    return es_error_set(err, ES_ERR_EVENT_INVALID,
                        "unrecognised message (expected an S3 event notification, an SNS "
                        "notification or an EventBridge Object Created event)");
}

/* Parses body with the strict reader (common/json_scan.h: duplicate keys,
 * \u0000 and anything else jansson refuses are refused). */
static es_err s_parse_text(const char *body, size_t len, int depth, es_event *ev, es_error *err)
{
    es_json_tok toks[S_TOKENS];
    es_json_doc doc;
    if (es_json_parse_grow(&doc, body, len, toks, S_TOKENS) != ES_OK) {
        int line = 0, column = 0;
        es_json_position(&doc, doc.error_at, &line, &column);
        return es_error_set(err, ES_ERR_EVENT_INVALID, "not JSON: %s (line %d, column %d)",
                            es_json_strerror(doc.error), line, column);
    }
    es_err rc = s_parse_root(&doc, depth, ev, err);
    es_json_doc_free(&doc);
    return rc;
}

es_err es_event_parse(const char *body, size_t len, es_event *ev, es_error *err)
{
    ES_ENSURE_REF(ev);
    memset(ev, 0, sizeof *ev);
    ES_ENSURE_REF(body);
    if (len > ES_EVENT_MAX_BODY)
        return es_error_set(err, ES_ERR_TOO_LARGE, "message body is %zu bytes (the limit is %u)", len,
                            ES_EVENT_MAX_BODY);
    if (len == 0)
        return es_error_set(err, ES_ERR_EVENT_INVALID, "message body is empty");
    es_err rc = s_parse_text(body, len, 0, ev, err);
    if (rc != ES_OK)
        es_event_clear(ev);
    return rc;
}

void es_event_clear(es_event *ev)
{
    if (!ev)
        return;
    free(ev->records);
    memset(ev, 0, sizeof *ev);
}
