/* event_fuzz.c - libFuzzer target for the worker's SQS message parsing and
 * the DLQ report that embeds a message body.
 *
 * Target Functions: es_event_parse, es_event_decode_key, es_event_clear
 * (src/worker/event.c), es_report_build (src/worker/report.c).
 *
 * Invariants checked: a parsed event is a test event or 1..100 records, each
 * with a bucket, a non-empty valid-UTF-8 key of at most 1024 bytes and an
 * ObjectCreated event name; a refusal leaves the event empty, carries a
 * reason and is an INPUT error; a decoded key is valid UTF-8 without NUL;
 * the report built around any body is valid JSON within the SQS size cap. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/utf8.h"
#include "worker/event.h"
#include "worker/report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
    for (size_t i = 0; i < ev.count; i++) {
        const es_event_record *r = &ev.records[i];
        size_t klen = strlen(r->key);
        if (!r->bucket[0] || klen == 0 || klen > ES_EVENT_MAX_KEY || !es_utf8_valid(r->key, klen))
            abort();
        if (strncmp(r->event_name, "ObjectCreated:", 14) != 0 && strcmp(r->event_name, "Object Created") != 0)
            abort();
    }
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
    es_report_info info = {.bucket = "b", .key = "k", .reason = "r",
                           .code = ES_ERR_EVENT_INVALID, .body = (const char *)data, .body_len = size};
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
