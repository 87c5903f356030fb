/* report.c - builds the DLQ report (report.h) with jansson. Every string is
 * made valid UTF-8 first (jansson refuses anything else); the original body is
 * embedded as parsed JSON when possible, and cut to an excerpt when the report
 * would not fit in an SQS message. */
#include "worker/report.h"

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/utf8.h"

#ifndef ES_VERSION
#define ES_VERSION "0.0.0"
#endif

json_t *es_report_json_string(const char *s, size_t n)
{
    if (!s)
        return json_null();
    if (n > SIZE_MAX / 3 - 1)
        return NULL;
    char *buf = malloc(n * 3 + 1);
    if (!buf)
        return NULL;
    size_t o = 0;
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        size_t len = p[i] ? es_utf8_seq_len(p + i, n - i) : 0;
        if (len == 0) {
            memcpy(buf + o, "\xEF\xBF\xBD", 3);
            o += 3;
            i++;
        } else {
            memcpy(buf + o, s + i, len);
            o += len;
            i += len;
        }
    }
    json_t *v = json_stringn(buf, o);
    free(buf);
    return v;
}

static json_t *s_cstr(const char *s) { return s ? es_report_json_string(s, strlen(s)) : json_null(); }

/* Sets member name to v, taking ownership; returns false when v is NULL or setting failed. */
static bool s_set(json_t *obj, const char *name, json_t *v)
{
    return v && json_object_set_new(obj, name, v) == 0;
}

static json_t *s_event(const es_report_info *info, bool excerpt)
{
    if (!info->body)
        return json_null();
    if (excerpt) {
        size_t n = info->body_len < ES_REPORT_EXCERPT_BYTES ? info->body_len : ES_REPORT_EXCERPT_BYTES;
        return es_report_json_string(info->body, n);
    }
    json_t *parsed = json_loadb(info->body, info->body_len, 0, NULL);
    return parsed ? parsed : es_report_json_string(info->body, info->body_len);
}

static char *s_build(const es_report_info *info, bool excerpt)
{
    char now[ES_LOG_TIME_SIZE];
    es_log_timestamp(now);
    const char *version = info->version_id && *info->version_id ? info->version_id : NULL;
    json_t *root = json_object();
    char *out = NULL;
    bool ok = root && s_set(root, "bucket", s_cstr(info->bucket)) && s_set(root, "key", s_cstr(info->key)) &&
              s_set(root, "version_id", s_cstr(version)) &&
              s_set(root, "reason", s_cstr(info->reason ? info->reason : es_strerror(info->code))) &&
              s_set(root, "error_code", json_string(es_errname(info->code))) &&
              s_set(root, "category", json_string(es_category_name(es_err_category(info->code)))) &&
              s_set(root, "message_id", s_cstr(info->message_id)) &&
              s_set(root, "receive_count", json_integer(info->receive_count)) &&
              s_set(root, "time", json_string(now)) &&
              s_set(root, "reporter", json_string("exifstrip " ES_VERSION)) &&
              s_set(root, "event", s_event(info, excerpt)) &&
              (!excerpt || s_set(root, "event_truncated", json_true()));
    if (ok) /* SQS refuses U+FFFE and U+FFFF in a body (an S3 key may hold them): all escaped */
        out = json_dumps(root, JSON_COMPACT | JSON_ENSURE_ASCII);
    json_decref(root);
    return out;
}

char *es_report_build(const es_report_info *info)
{
    if (!info)
        return NULL;
    char *out = s_build(info, false);
    if (out && strlen(out) > ES_REPORT_MAX_BYTES) {
        free(out);
        out = s_build(info, true);
    }
    return out;
}
