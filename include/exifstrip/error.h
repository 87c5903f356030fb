/* error.h - the one error enum of exifstrip (es_err), its categories and a
 * fixed-size "first failure wins" error record.
 *
 * Codes are append-only: never renumber or remove one. Each code belongs to a
 * category that decides what callers do with it: INPUT (bad JPEG/event: report
 * and drop), GONE (object deleted or replaced: settle quietly), TRANSIENT
 * (network, 5xx, throttling: retry / leave for redelivery), AUTH, CONFIG and
 * INTERNAL. Messages and names come from the single ES_ERR_ENTRIES table. */
#ifndef EXIFSTRIP_ERROR_H
#define EXIFSTRIP_ERROR_H

#include <stddef.h>

#if defined(__GNUC__) || defined(__clang__)
#define ES_MUST_USE __attribute__((warn_unused_result))
#define ES_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define ES_MUST_USE
#define ES_PRINTF(fmt, args)
#endif

typedef enum es_category {
    ES_CAT_NONE = 0,
    ES_CAT_INPUT,     /* the input itself is unacceptable: never retry */
    ES_CAT_GONE,      /* the object vanished or changed under us: settle */
    ES_CAT_TRANSIENT, /* may succeed if tried again later */
    ES_CAT_AUTH,      /* credentials missing, expired or refused */
    ES_CAT_CONFIG,    /* the operator's configuration is wrong */
    ES_CAT_INTERNAL   /* a bug or resource exhaustion on our side */
} es_category;

/* X(name, category, message) - append new entries at the end only. */
#define ES_ERR_ENTRIES(X)                                                              \
    X(ES_OK, ES_CAT_NONE, "success")                                                   \
    X(ES_ERR_NEED_MORE, ES_CAT_INTERNAL, "more input is needed")                       \
    X(ES_ERR_NOMEM, ES_CAT_INTERNAL, "out of memory")                                  \
    X(ES_ERR_INVALID_ARG, ES_CAT_INTERNAL, "invalid argument")                         \
    X(ES_ERR_TOO_LARGE, ES_CAT_INPUT, "input exceeds its size limit")                  \
    X(ES_ERR_IO, ES_CAT_TRANSIENT, "input/output error")                               \
    X(ES_ERR_JPEG_EMPTY, ES_CAT_INPUT, "empty input")                                  \
    X(ES_ERR_JPEG_NOT_JPEG, ES_CAT_INPUT, "not a JPEG file")                           \
    X(ES_ERR_JPEG_BAD_MARKER, ES_CAT_INPUT, "invalid or unexpected JPEG marker")       \
    X(ES_ERR_JPEG_BAD_LENGTH, ES_CAT_INPUT, "invalid JPEG segment length")             \
    X(ES_ERR_JPEG_OVERRUN, ES_CAT_INPUT, "JPEG segment runs past the end of input")    \
    X(ES_ERR_JPEG_NO_FRAME, ES_CAT_INPUT, "JPEG has no frame header (SOFn)")           \
    X(ES_ERR_JPEG_NO_SCAN, ES_CAT_INPUT, "JPEG has no scan (SOS)")                     \
    X(ES_ERR_JPEG_TRUNCATED, ES_CAT_INPUT, "JPEG is truncated (no EOI)")               \
    X(ES_ERR_JPEG_STATE, ES_CAT_INTERNAL, "stripper used after it finished or failed") \
    X(ES_ERR_OUTPUT, ES_CAT_TRANSIENT, "writing the output failed")                    \
    X(ES_ERR_EVENT_INVALID, ES_CAT_INPUT, "message is not a recognised event")         \
    X(ES_ERR_CONFIG, ES_CAT_CONFIG, "invalid configuration")                           \
    X(ES_ERR_NO_CREDENTIALS, ES_CAT_AUTH, "no AWS credentials found")                  \
    X(ES_ERR_AUTH, ES_CAT_AUTH, "request was refused (authentication/authorization)")  \
    X(ES_ERR_NETWORK, ES_CAT_TRANSIENT, "network error")                               \
    X(ES_ERR_TIMEOUT, ES_CAT_TRANSIENT, "request timed out")                           \
    X(ES_ERR_THROTTLED, ES_CAT_TRANSIENT, "request was throttled")                     \
    X(ES_ERR_SERVER, ES_CAT_TRANSIENT, "service error (5xx)")                          \
    X(ES_ERR_NOT_FOUND, ES_CAT_GONE, "object or resource not found")                   \
    X(ES_ERR_PRECONDITION, ES_CAT_GONE, "object changed (precondition failed)")        \
    X(ES_ERR_CLIENT, ES_CAT_INPUT, "request rejected by the service (4xx)")            \
    X(ES_ERR_PROTOCOL, ES_CAT_TRANSIENT, "malformed response from the service")        \
    X(ES_ERR_CANCELLED, ES_CAT_TRANSIENT, "operation cancelled")                       \
    X(ES_ERR_INTERNAL, ES_CAT_INTERNAL, "internal error")

#define ES_ERR_ENUM_ENTRY_(name, cat, msg) name,
typedef enum es_err { ES_ERR_ENTRIES(ES_ERR_ENUM_ENTRY_) ES_ERR_LAST } es_err;
#undef ES_ERR_ENUM_ENTRY_

/* Static description of a code; never NULL ("unknown error" for values out of range). */
const char *es_strerror(es_err code);
/* The enum constant's name, e.g. "ES_ERR_JPEG_TRUNCATED". */
const char *es_errname(es_err code);
es_category es_err_category(es_err code);
/* "input", "gone", "transient", "auth", "config", "internal" or "none". */
const char *es_category_name(es_category cat);

/* A per-operation error record: the first failure recorded wins, later ones
 * are ignored until es_error_clear(). msg holds the root cause (offset,
 * marker, HTTP status, AWS code ...). Never put secrets into it. */
#define ES_ERRBUF_SIZE 256
typedef struct es_error {
    es_err code;
    char msg[ES_ERRBUF_SIZE];
} es_error;

void es_error_clear(es_error *e);
/* Records code and a formatted message unless e already holds a failure.
 * Returns code so callers can write `return es_error_set(e, ...)`. e may be NULL. */
es_err es_error_set(es_error *e, es_err code, const char *fmt, ...) ES_PRINTF(3, 4);

/* Guard macros for functions returning es_err. */
#define ES_GUARD(expr)                \
    do {                              \
        es_err es_guard_rc_ = (expr); \
        if (es_guard_rc_ != ES_OK)    \
            return es_guard_rc_;      \
    } while (0)
#define ES_ENSURE(cond, code) \
    do {                      \
        if (!(cond))          \
            return (code);    \
    } while (0)
#define ES_ENSURE_REF(ptr) ES_ENSURE((ptr) != NULL, ES_ERR_INVALID_ARG)

#endif
