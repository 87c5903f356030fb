/* event.c - the SQS message body parser declared in event.h. The body is
 * parsed once with jansson (duplicate keys refused); the shape is recognised
 * from its distinguishing members and each record is copied into a
 * fixed-size es_event_record after its fields have been decoded and
 * validated. A record that fails is marked INVALID with the reason (its
 * siblings are unaffected); a notification of another kind is marked OTHER.
 * An SNS envelope is unwrapped once (its Message string is parsed the same
 * way); deeper nesting is refused. Removals (ObjectRemoved:*, "Object
 * Deleted") are parsed like creations but never refuse a message. */
#include "worker/event.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "common/hex.h"
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

/* Copies the string member `name` of obj into out. Absent/null is OK when !required. */
static es_err s_get_str(json_t *obj, const char *name, bool required, char *out, size_t size,
                        const char *where, es_error *err)
{
    json_t *v = json_object_get(obj, name);
    out[0] = '\0';
    if (!v || json_is_null(v)) {
        if (required)
            return es_error_set(err, ES_ERR_EVENT_INVALID, "%s.%s is missing", where, name);
        return ES_OK;
    }
    if (!json_is_string(v))
        return es_error_set(err, ES_ERR_EVENT_INVALID, "%s.%s is not a string", where, name);
    size_t len = json_string_length(v);
    if (len >= size)
        return es_error_set(err, ES_ERR_EVENT_INVALID, "%s.%s is too long (%zu bytes)", where, name, len);
    if (memchr(json_string_value(v), '\0', len))
        return es_error_set(err, ES_ERR_EVENT_INVALID, "%s.%s contains a NUL byte", where, name);
    memcpy(out, json_string_value(v), len + 1);
    if (required && len == 0)
        return es_error_set(err, ES_ERR_EVENT_INVALID, "%s.%s is empty", where, name);
    return ES_OK;
}

static json_t *s_get_obj(json_t *obj, const char *name, const char *where, es_error *err)
{
    json_t *v = json_object_get(obj, name);
    if (!json_is_object(v))
        es_error_set(err, ES_ERR_EVENT_INVALID, "%s.%s is %s", where, name, v ? "not an object" : "missing");
    return json_is_object(v) ? v : NULL;
}

static bool s_str_is(json_t *obj, const char *name, const char *expected)
{
    json_t *v = json_object_get(obj, name);
    return json_is_string(v) && !strcmp(json_string_value(v), expected);
}

/* Fills the size of rec from an optional non-negative integer member. */
static es_err s_get_size(json_t *obj, const char *name, es_event_record *rec, const char *where, es_error *err)
{
    json_t *v = json_object_get(obj, name);
    rec->has_size = false;
    rec->size = 0;
    if (!v || json_is_null(v))
        return ES_OK;
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return es_error_set(err, ES_ERR_EVENT_INVALID, "%s.%s is not a non-negative integer", where, name);
    rec->size = (uint64_t)json_integer_value(v);
    rec->has_size = true;
    return ES_OK;
}

/* ETags are stored without surrounding quotes (the job adds them for If-Match). */
static void s_unquote(char *etag)
{
    size_t n = strlen(etag);
    if (n >= 2 && etag[0] == '"' && etag[n - 1] == '"') {
        memmove(etag, etag + 1, n - 2);
        etag[n - 2] = '\0';
    }
}

/* Copies a key member into rec->key, decoding it when it comes URL-form-encoded. */
static es_err s_get_key(json_t *object, bool encoded, es_event_record *rec, const char *where, es_error *err)
{
    json_t *v = json_object_get(object, "key");
    if (!json_is_string(v))
        return es_error_set(err, ES_ERR_EVENT_INVALID, "%s.key is %s", where, v ? "not a string" : "missing");
    const char *raw = json_string_value(v);
    size_t len = json_string_length(v);
    es_error local;
    es_error_clear(&local);
    es_err rc;
    if (encoded) {
        rc = es_event_decode_key(raw, len, rec->key, sizeof rec->key, NULL, &local);
    } else {
        rc = s_check_key(raw, len, &local);
        if (rc == ES_OK)
            memcpy(rec->key, raw, len + 1);
    }
    if (rc != ES_OK) {
        rec->key[0] = '\0';
        return es_error_set(err, rc, "%s.key: %s", where, local.msg);
    }
    return ES_OK;
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
static es_err s_get_bucket(json_t *bucket, es_event_record *rec, const char *where, es_error *err)
{
    ES_GUARD(s_get_str(bucket, "name", true, rec->bucket, sizeof rec->bucket, where, err));
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
static es_err s_get_object_fields(json_t *bucket, json_t *object, bool encoded, const s_member_names *names,
                                  const char *bwhere, const char *owhere, es_event_record *rec, es_error *err)
{
    ES_GUARD(s_get_bucket(bucket, rec, bwhere, err));
    ES_GUARD(s_get_key(object, encoded, rec, owhere, err));
    ES_GUARD(s_get_size(object, "size", rec, owhere, err));
    ES_GUARD(s_get_str(object, names->etag, false, rec->etag, sizeof rec->etag, owhere, err));
    s_unquote(rec->etag);
    if (!s_printable_ascii(rec->etag, "\""))
        return es_error_set(err, ES_ERR_EVENT_INVALID,
                            "%s.%s is not a valid ETag (printable ASCII without '\"' expected)", owhere,
                            names->etag);
    ES_GUARD(s_get_str(object, names->version_id, false, rec->version_id, sizeof rec->version_id, owhere, err));
    if (!s_printable_ascii(rec->version_id, ""))
        return es_error_set(err, ES_ERR_EVENT_INVALID,
                            "%s.%s is not a valid version id (printable ASCII expected)", owhere,
                            names->version_id);
    ES_GUARD(s_get_str(object, "sequencer", false, rec->sequencer, sizeof rec->sequencer, owhere, err));
    if (!s_hex_digits(rec->sequencer))
        return es_error_set(err, ES_ERR_EVENT_INVALID, "%s.sequencer is not a hexadecimal string", owhere);
    return ES_OK;
}

/* For a record that is skipped: keeps the bucket and key when they are readable (for the log). */
static void s_get_location_if_any(json_t *bucket, json_t *object, bool encoded, es_event_record *rec)
{
    es_error ignored;
    es_error_clear(&ignored);
    if (json_is_object(bucket))
        (void)s_get_bucket(bucket, rec, "bucket", &ignored);
    if (json_is_object(object))
        (void)s_get_key(object, encoded, rec, "object", &ignored);
}

/* ---- the shapes ---- */

static const s_member_names s_s3_names = {"eTag", "versionId"};
static const s_member_names s_eventbridge_names = {"etag", "version-id"};

static es_err s_parse_s3_record(json_t *r, size_t index, es_event_record *rec, es_error *err)
{
    char where[64];
    snprintf(where, sizeof where, "Records[%zu]", index);
    if (!json_is_object(r))
        return es_error_set(err, ES_ERR_EVENT_INVALID, "%s is not an object", where);
    if (!s_str_is(r, "eventSource", "aws:s3"))
        return es_error_set(err, ES_ERR_EVENT_INVALID, "%s.eventSource is not \"aws:s3\"", where);
    ES_GUARD(s_get_str(r, "eventName", true, rec->event_name, sizeof rec->event_name, where, err));
    json_t *s3 = json_object_get(r, "s3");
    if (!strncmp(rec->event_name, "ObjectRemoved:", 14)) {
        rec->state = ES_EVENT_RECORD_REMOVED;
        rec->delete_marker = !strcmp(rec->event_name, "ObjectRemoved:DeleteMarkerCreated");
    } else if (strncmp(rec->event_name, "ObjectCreated:", 14) != 0) {
        rec->state = ES_EVENT_RECORD_OTHER;
        s_get_location_if_any(json_object_get(s3, "bucket"), json_object_get(s3, "object"), true, rec);
        return ES_OK;
    }
    s3 = s_get_obj(r, "s3", where, err);
    ES_ENSURE(s3, ES_ERR_EVENT_INVALID);
    char sub[96];
    snprintf(sub, sizeof sub, "%s.s3", where);
    json_t *bucket = s_get_obj(s3, "bucket", sub, err);
    json_t *object = bucket ? s_get_obj(s3, "object", sub, err) : NULL;
    ES_ENSURE(bucket && object, ES_ERR_EVENT_INVALID);
    char bwhere[112], owhere[112];
    snprintf(bwhere, sizeof bwhere, "%s.bucket", sub);
    snprintf(owhere, sizeof owhere, "%s.object", sub);
    return s_get_object_fields(bucket, object, true, &s_s3_names, bwhere, owhere, rec, err);
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

static es_err s_parse_s3(json_t *root, es_event *ev, es_error *err)
{
    json_t *records = json_object_get(root, "Records");
    if (!json_is_array(records))
        return es_error_set(err, ES_ERR_EVENT_INVALID, "Records is not an array");
    size_t n = json_array_size(records);
    if (n == 0)
        return es_error_set(err, ES_ERR_EVENT_INVALID, "Records is empty");
    if (n > ES_EVENT_MAX_RECORDS)
        return es_error_set(err, ES_ERR_TOO_LARGE, "message has %zu records (the limit is %d)", n,
                            ES_EVENT_MAX_RECORDS);
    ES_GUARD(s_alloc_records(ev, n));
    for (size_t i = 0; i < n; i++) {
        es_error why;
        es_error_clear(&why);
        es_err rc = s_parse_s3_record(json_array_get(records, i), i, &ev->records[i], &why);
        if (rc != ES_OK)
            s_mark_invalid(&ev->records[i], rc, &why);
    }
    return ES_OK;
}

/* An EventBridge "Object Deleted" record: REMOVED, a malformed one carrying
 * its problem (the message stays usable). */
static es_err s_parse_eventbridge_deleted(json_t *root, es_event *ev)
{
    ES_GUARD(s_alloc_records(ev, 1));
    es_event_record *rec = &ev->records[0];
    rec->state = ES_EVENT_RECORD_REMOVED;
    snprintf(rec->event_name, sizeof rec->event_name, "Object Deleted");
    es_error why;
    es_error_clear(&why);
    json_t *d = s_get_obj(root, "detail", "event", &why);
    json_t *bucket = d ? s_get_obj(d, "bucket", "detail", &why) : NULL;
    json_t *object = bucket ? s_get_obj(d, "object", "detail", &why) : NULL;
    es_err rc = object ? s_get_object_fields(bucket, object, false, &s_eventbridge_names, "detail.bucket",
                                             "detail.object", rec, &why)
                       : ES_ERR_EVENT_INVALID;
    if (rc != ES_OK)
        s_mark_invalid(rec, rc, &why);
    rec->delete_marker = d && s_str_is(d, "deletion-type", "Delete Marker Created");
    return ES_OK;
}

/* An EventBridge event holds one object. "Object Deleted" is a removal;
 * another detail-type from aws.s3 is a record to skip; a malformed "Object
 * Created" refuses the message (its only record). */
static es_err s_parse_eventbridge(json_t *root, es_event *ev, es_error *err)
{
    json_t *dt = json_object_get(root, "detail-type");
    if (!json_is_string(dt))
        return es_error_set(err, ES_ERR_EVENT_INVALID, "EventBridge detail-type is not a string");
    if (!strcmp(json_string_value(dt), "Object Deleted"))
        return s_parse_eventbridge_deleted(root, ev);
    json_t *detail = json_object_get(root, "detail");
    if (strcmp(json_string_value(dt), "Object Created") != 0) {
        ES_GUARD(s_alloc_records(ev, 1));
        es_event_record *rec = &ev->records[0];
        rec->state = ES_EVENT_RECORD_OTHER;
        snprintf(rec->event_name, sizeof rec->event_name, "%s", json_string_value(dt));
        s_get_location_if_any(json_object_get(detail, "bucket"), json_object_get(detail, "object"), false, rec);
        return ES_OK;
    }
    detail = s_get_obj(root, "detail", "event", err);
    ES_ENSURE(detail, ES_ERR_EVENT_INVALID);
    json_t *bucket = s_get_obj(detail, "bucket", "detail", err);
    json_t *object = bucket ? s_get_obj(detail, "object", "detail", err) : NULL;
    ES_ENSURE(bucket && object, ES_ERR_EVENT_INVALID);
    ES_GUARD(s_alloc_records(ev, 1));
    es_event_record *rec = &ev->records[0];
    snprintf(rec->event_name, sizeof rec->event_name, "Object Created");
    return s_get_object_fields(bucket, object, false, &s_eventbridge_names, "detail.bucket", "detail.object",
                               rec, err);
}

static es_err s_parse_text(const char *body, size_t len, int depth, es_event *ev, es_error *err);

static es_err s_parse_sns(json_t *root, int depth, es_event *ev, es_error *err)
{
    json_t *type = json_object_get(root, "Type");
    if (!json_is_string(type) || strcmp(json_string_value(type), "Notification") != 0)
        return es_error_set(err, ES_ERR_EVENT_INVALID, "SNS message Type \"%.48s\" is not supported",
                            json_is_string(type) ? json_string_value(type) : "(not a string)");
    json_t *msg = json_object_get(root, "Message");
    if (!json_is_string(msg))
        return es_error_set(err, ES_ERR_EVENT_INVALID, "SNS Message is not a string");
    if (depth >= S_MAX_NESTING)
        return es_error_set(err, ES_ERR_EVENT_INVALID, "SNS envelopes nested too deeply");
    es_error inner;
    es_error_clear(&inner);
    es_err rc = s_parse_text(json_string_value(msg), json_string_length(msg), depth + 1, ev, &inner);
    if (rc != ES_OK)
        return es_error_set(err, rc, "SNS Message: %s", inner.msg);
    if (!strcmp(ev->shape, "s3"))
        ev->shape = "sns/s3";
    else if (!strcmp(ev->shape, "eventbridge"))
        ev->shape = "sns/eventbridge";
    return ES_OK;
}

static es_err s_parse_root(json_t *root, int depth, es_event *ev, es_error *err)
{
    if (!json_is_object(root))
        return es_error_set(err, ES_ERR_EVENT_INVALID, "message body is not a JSON object");
    if (json_object_get(root, "Records")) {
        ev->kind = ES_EVENT_OBJECTS;
        ev->shape = "s3";
        return s_parse_s3(root, ev, err);
    }
    if (s_str_is(root, "Event", "s3:TestEvent")) {
        ev->kind = ES_EVENT_TEST;
        ev->shape = "s3";
        json_t *b = json_object_get(root, "Bucket");
        if (json_is_string(b))
            snprintf(ev->test_bucket, sizeof ev->test_bucket, "%s", json_string_value(b));
        return ES_OK;
    }
    if (json_object_get(root, "Type") && json_object_get(root, "Message"))
        return s_parse_sns(root, depth, ev, err);
    if (s_str_is(root, "source", "aws.s3") && json_object_get(root, "detail-type")) {
        ev->kind = ES_EVENT_OBJECTS;
        ev->shape = "eventbridge";
        return s_parse_eventbridge(root, ev, err);
    }
    return es_error_set(err, ES_ERR_EVENT_INVALID,
                        "unrecognised message (expected an S3 event notification, an SNS "
                        "notification or an EventBridge Object Created event)");
}

static es_err s_parse_text(const char *body, size_t len, int depth, es_event *ev, es_error *err)
{
    json_error_t jerr;
    json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
    if (!root)
        return es_error_set(err, ES_ERR_EVENT_INVALID, "not JSON: %s (line %d, column %d)", jerr.text,
                            jerr.line, jerr.column);
    es_err rc = s_parse_root(root, depth, ev, err);
    json_decref(root);
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
