/* event_fuzz.c - libFuzzer target for the worker's SQS message parsing and
 * the DLQ report that embeds a message body.
 *
 * Target Functions: es_event_parse, es_event_decode_key, es_event_clear
 * (src/worker/event.c), es_report_build (src/worker/report.c).
 *
 * Invariants checked: a parsed event is a test event or 1..100 records; a
 * record to process has a well-formed bucket name, a non-empty valid-UTF-8
 * key of at most 1024 bytes, an ObjectCreated event name and an ETag,
 * versionId and sequencer free of control characters; a refused record has
 * a reason; a skipped one is not an ObjectCreated event; a refusal leaves the event empty, carries a
 * reason and is an INPUT error; a decoded key is valid UTF-8 without NUL;
 * the report built around any body is valid JSON within the SQS size cap. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/utf8.h"
#include "worker/config.h"
#include "worker/event.h"
#include "worker/report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool s_has_control(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x21 || (unsigned char)*s > 0x7E)
            return true;
    return false;
}

/* A create event's name depends on the shape: "ObjectCreated:*" in an S3
 * notification, exactly "Object Created" (the detail-type) in EventBridge,
 * where e.g. "ObjectCreated:Object Created" is another event, skipped (a
 * campaign finding: this oracle used to accept either name in either shape). */
static void s_check_record(const es_event *ev, const es_event_record *r)
{
    bool eventbridge = ev->shape && strstr(ev->shape, "eventbridge");
    bool created = eventbridge ? !strcmp(r->event_name, "Object Created")
                               : !strncmp(r->event_name, "ObjectCreated:", 14);
    switch (r->state) {
    case ES_EVENT_RECORD_CREATED: {
        size_t klen = strlen(r->key);
        if (!es_cfg_bucket_name_valid(r->bucket, strlen(r->bucket)) || klen == 0 || klen > ES_EVENT_MAX_KEY ||
            !es_utf8_valid(r->key, klen) || !created)
            abort();
        if (s_has_control(r->etag) || strchr(r->etag, '"') || s_has_control(r->version_id) ||
            s_has_control(r->sequencer))
            abort();
        break;
    }
    case ES_EVENT_RECORD_REMOVED: {
        bool removed = eventbridge ? !strcmp(r->event_name, "Object Deleted")
                                   : !strncmp(r->event_name, "ObjectRemoved:", 14);
        if (!removed || (r->problem[0] && es_err_category(r->problem_code) != ES_CAT_INPUT))
            abort();
        if (!r->problem[0] && (!r->key[0] || !es_utf8_valid(r->key, strlen(r->key)) ||
                               s_has_control(r->version_id) || s_has_control(r->sequencer)))
            abort();
        break;
    }
    case ES_EVENT_RECORD_OTHER:
        if (created)
            abort();
        break;
    case ES_EVENT_RECORD_INVALID:
        if (!r->problem[0] || es_err_category(r->problem_code) != ES_CAT_INPUT)
            abort();
        break;
    default: abort();
    }
}

static void s_check_event(const uint8_t *data, size_t size)
{
    es_event ev;
    es_error err;
    es_error_clear(&err);
    es_err rc = es_event_parse((const char *)data, size, &ev, &err);
    if (rc != ES_OK) {
        if (ev.records || ev.count || !err.msg[0] || es_err_category(rc) != ES_CAT_INPUT)
            abort();
        return;
    }
    if (ev.kind == ES_EVENT_TEST) {
        if (ev.count != 0)
            abort();
    } else if (ev.count == 0 || ev.count > ES_EVENT_MAX_RECORDS || !ev.records) {
        abort();
    }
    for (size_t i = 0; i < ev.count; i++)
        s_check_record(&ev, &ev.records[i]);
    es_event_clear(&ev);
    if (ev.records || ev.count)
        abort();
}

static void s_check_decode(const uint8_t *data, size_t size)
{
    char out[ES_EVENT_MAX_KEY + 1];
    size_t len = 0;
    if (es_event_decode_key((const char *)data, size, out, sizeof out, &len, NULL) != ES_OK)
        return;
    if (len == 0 || len > ES_EVENT_MAX_KEY || strlen(out) != len || !es_utf8_valid(out, len))
        abort();
}

static void s_check_report(const uint8_t *data, size_t size)
{
    es_report_info info = {.bucket = "b",
                           .key = "k",
                           .reason = "r",
                           .code = ES_ERR_EVENT_INVALID,
                           .body = (const char *)data,
                           .body_len = size};
    char *report = es_report_build(&info);
    if (!report)
        return; /* out of memory */
    if (strlen(report) > ES_REPORT_MAX_BYTES)
        abort();
    json_t *j = json_loads(report, 0, NULL);
    if (!json_is_object(j) || !json_object_get(j, "event"))
        abort();
    json_decref(j);
    free(report);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    s_check_event(data, size);
    s_check_decode(data, size);
    s_check_report(data, size);
    return 0;
}
