/* log.h - structured logging for the worker and the AWS layer: one line per
 * event with an ISO 8601 UTC time, a level, an event name ("job.done") and
 * typed key/value fields, written as JSON lines (default) or as text.
 *
 * Each line is formatted into a bounded buffer and written with one write(2)
 * under a mutex, so lines from concurrent threads never interleave. Values of
 * fields whose name looks secret (secret, token, authorization, password,
 * credential, signature, cookie) and values that look like SigV4 material are
 * replaced by "[redacted]": credentials can never reach the log.
 *
 * Usage: ES_LOG(ES_LOG_INFO, "job.done", ES_LF_STR("bucket", b), ES_LF_UINT("bytes_in", n));
 * A NULL string value omits the field. */
#ifndef ES_COMMON_LOG_H
#define ES_COMMON_LOG_H

#include <stdbool.h>
#include <stddef.h>

#include "exifstrip/error.h"

typedef enum es_log_level { ES_LOG_DEBUG = 0, ES_LOG_INFO, ES_LOG_WARN, ES_LOG_ERROR } es_log_level;
typedef enum es_log_format { ES_LOG_FORMAT_JSON = 0, ES_LOG_FORMAT_TEXT } es_log_format;

typedef enum es_log_type { ES_LOG_T_STR, ES_LOG_T_INT, ES_LOG_T_UINT, ES_LOG_T_BOOL } es_log_type;

typedef struct es_log_field {
    const char *key;
    es_log_type type;
    union {
        const char *s;
        long long i;
        unsigned long long u;
        bool b;
    } v;
} es_log_field;

#define ES_LF_STR(k, val) ((es_log_field){.key = (k), .type = ES_LOG_T_STR, .v.s = (val)})
#define ES_LF_INT(k, val) ((es_log_field){.key = (k), .type = ES_LOG_T_INT, .v.i = (long long)(val)})
#define ES_LF_UINT(k, val) \
    ((es_log_field){.key = (k), .type = ES_LOG_T_UINT, .v.u = (unsigned long long)(val)})
#define ES_LF_BOOL(k, val) ((es_log_field){.key = (k), .type = ES_LOG_T_BOOL, .v.b = (val)})

/* Logs one event with at least one field (use es_log_write(level, event, NULL, 0) for none). */
#define ES_LOG(level, event, ...)                                       \
    es_log_write((level), (event), (const es_log_field[]){__VA_ARGS__}, \
                 sizeof((const es_log_field[]){__VA_ARGS__}) / sizeof(es_log_field))

/* Formats and writes one line if level is enabled. Never fails; a line longer
 * than the internal limit (16 KiB) loses its last fields and gets
 * "log_truncated": true. Thread-safe. */
void es_log_write(es_log_level level, const char *event, const es_log_field *fields, size_t n);
bool es_log_enabled(es_log_level level);
/* Writes a line formatted by the caller (it must end in '\n') as is, whatever
 * the level and format: for records with their own structure, such as the
 * worker's metrics (worker/metrics.h). Goes where es_log_write's lines go,
 * under the same mutex. Thread-safe. */
void es_log_write_line(const char *line, size_t len);

/* Process-wide settings (defaults: info, json, stderr). Thread-safe. */
void es_log_configure(es_log_level min_level, es_log_format format);
/* Reads EXIFSTRIP_LOG_LEVEL and EXIFSTRIP_LOG_FORMAT; ES_ERR_CONFIG naming the
 * variable when a value is not recognised (settings are then unchanged). */
ES_MUST_USE es_err es_log_configure_from_env(es_error *err);
/* "debug", "info", "warn"/"warning", "error" (case-insensitive). */
ES_MUST_USE es_err es_log_parse_level(const char *s, es_log_level *out);
/* "json" or "text" (case-insensitive). */
ES_MUST_USE es_err es_log_parse_format(const char *s, es_log_format *out);
const char *es_log_level_name(es_log_level level);

/* Redirects finished lines (each ends in '\n') to fn instead of stderr, for
 * tests; fn NULL restores stderr. fn is called with the log mutex held. */
typedef void (*es_log_sink_fn)(void *ctx, const char *line, size_t len);
void es_log_set_sink(es_log_sink_fn fn, void *ctx);

/* True when a field of this name is never logged in clear. */
bool es_log_key_is_secret(const char *key);

/* Current UTC time as "2024-05-01T12:34:56.789Z". */
#define ES_LOG_TIME_SIZE 32
void es_log_timestamp(char out[ES_LOG_TIME_SIZE]);

#endif
