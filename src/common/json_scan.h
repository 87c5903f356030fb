/* json_scan.h - a strict, bounded JSON reader for the per-message hot path
 * (the SQS ReceiveMessage reply, the S3 event body). One validating pass over
 * the bytes (RFC 8259) fills a flat token array the caller provides; nothing
 * is copied, strings are decoded on demand into caller buffers (or used in
 * place when they hold no escape).
 *
 * It refuses what jansson refuses with JSON_REJECT_DUPLICATES | JSON_DECODE_ANY
 * (tests/fuzz/json_scan_fuzz.c compares the two): trailing commas, leading
 * zeros and other malformed numbers, integers outside int64_t, reals that
 * overflow a double, control characters in strings, unknown escapes, lone
 * surrogates, \u0000, invalid UTF-8 anywhere, duplicate keys in an object
 * (compared decoded), anything after the value. It is stricter in two ways:
 * containers nest at most ES_JSON_MAX_DEPTH deep (jansson: 2048), and a NUL
 * byte right after a number or a literal is refused (jansson 2.14's lexer
 * loses it: "[1\0]" and "true\0" load). The
 * reader never recurses and allocates only for an object of more than 16
 * members (the duplicate check's hash table), an overflow test of a real
 * number of about 1e309, and in es_json_parse_grow. */
#ifndef ES_COMMON_JSON_SCAN_H
#define ES_COMMON_JSON_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "exifstrip/error.h"

#define ES_JSON_MAX_DEPTH 64
#define ES_JSON_NONE UINT32_MAX /* "no token": an absent member, the end of a list */

typedef enum es_json_type {
    ES_JSON_ABSENT = 0, /* the type of ES_JSON_NONE */
    ES_JSON_OBJECT,
    ES_JSON_ARRAY,
    ES_JSON_STRING,
    ES_JSON_INTEGER,
    ES_JSON_REAL,
    ES_JSON_TRUE,
    ES_JSON_FALSE,
    ES_JSON_NULL
} es_json_type;

/* An object's members are its key (a STRING token) followed by the value;
 * the value's `next` is the following key. */
typedef struct es_json_tok {
    uint32_t start; /* offset of the first byte: for a string, the one after its quote */
    uint32_t len; /* bytes from start: a string's raw content without quotes; a container through its bracket */
    uint32_t next;   /* index of the token after this one's subtree (its next sibling, if it has one) */
    uint32_t n;      /* object: members; array: elements; string: bytes once decoded */
    uint8_t type;    /* es_json_type */
    uint8_t escaped; /* string: holds a backslash escape */
} es_json_tok;

typedef enum es_json_error {
    ES_JSON_OK = 0,
    ES_JSON_E_END,            /* "unexpected end of input" */
    ES_JSON_E_TOKEN,          /* "invalid token" */
    ES_JSON_E_KEY,            /* "string or '}' expected" */
    ES_JSON_E_COLON,          /* "':' expected after an object key" */
    ES_JSON_E_SEPARATOR,      /* "',' or a closing bracket expected" */
    ES_JSON_E_TRAILING_COMMA, /* "trailing comma" */
    ES_JSON_E_NUMBER,         /* "invalid number" */
    ES_JSON_E_INTEGER_RANGE,  /* "integer out of range" */
    ES_JSON_E_REAL_RANGE,     /* "real number overflow" */
    ES_JSON_E_CONTROL,        /* "control character in a string" */
    ES_JSON_E_ESCAPE,         /* "invalid escape in a string" */
    ES_JSON_E_SURROGATE,      /* "lone UTF-16 surrogate in a \\u escape" */
    ES_JSON_E_NUL,            /* "\\u0000 in a string" */
    ES_JSON_E_UTF8,           /* "invalid UTF-8" */
    ES_JSON_E_DEPTH,          /* "nested too deeply" */
    ES_JSON_E_DUPLICATE,      /* "duplicate object key" */
    ES_JSON_E_TRAILING,       /* "data after the JSON value" */
    ES_JSON_E_TOKENS,         /* "too many tokens" */
    ES_JSON_E_SIZE,           /* "document too large" */
    ES_JSON_E_NOMEM           /* "out of memory" */
} es_json_error;

typedef struct es_json_doc {
    const char *text;
    size_t len;
    es_json_tok *toks; /* toks[0] is the top-level value */
    uint32_t count;    /* tokens used */
    uint32_t cap;
    es_json_tok *owned; /* tokens allocated by es_json_parse_grow (es_json_doc_free) */
    es_json_error error;
    size_t error_at; /* byte offset the error was found at */
} es_json_doc;

/* Scans len bytes of text into toks (cap tokens). ES_OK; ES_ERR_PROTOCOL when
 * the text is not JSON (doc->error, doc->error_at say why and where);
 * ES_ERR_TOO_LARGE when the tokens do not fit (ES_JSON_E_TOKENS) or len
 * exceeds 4 GiB - 1; ES_ERR_NOMEM. text must stay alive while doc is used. */
ES_MUST_USE es_err es_json_parse(es_json_doc *doc, const char *text, size_t len, es_json_tok *toks, size_t cap);
/* The same, starting with the caller's toks and, when they do not suffice,
 * scanning again into an allocation big enough for any text of len bytes. */
ES_MUST_USE es_err es_json_parse_grow(es_json_doc *doc, const char *text, size_t len, es_json_tok *toks,
                                      size_t cap);
/* Frees what es_json_parse_grow allocated; accepts a zeroed doc. */
void es_json_doc_free(es_json_doc *doc);

/* A short English description of doc->error ("duplicate object key"). */
const char *es_json_strerror(es_json_error e);
/* The 1-based line and column (in bytes) of byte offset at. */
void es_json_position(const es_json_doc *doc, size_t at, int *line, int *column);

/* ES_JSON_ABSENT for ES_JSON_NONE. */
es_json_type es_json_type_of(const es_json_doc *doc, uint32_t t);
/* Members of an object, elements of an array, 0 otherwise. */
size_t es_json_size(const es_json_doc *doc, uint32_t t);
/* The value of member name of object obj; ES_JSON_NONE when obj is not an
 * object or has no such member. */
uint32_t es_json_member(const es_json_doc *doc, uint32_t obj, const char *name);
/* The first element of an array, the first key of an object (ES_JSON_NONE
 * when empty or not a container); es_json_next: the next element (after a
 * key: its value; after a member's value: the next key), ES_JSON_NONE past
 * the container's last. */
uint32_t es_json_first(const es_json_doc *doc, uint32_t t);
uint32_t es_json_next(const es_json_doc *doc, uint32_t parent, uint32_t t);

/* A string with no escape, in place (not NUL-terminated): true and *s, *len;
 * false for anything else. */
bool es_json_string_raw(const es_json_doc *doc, uint32_t t, const char **s, size_t *len);
/* Decodes string t into out (NUL-terminated; *out_len bytes without the NUL,
 * out_len may be NULL). ES_ERR_INVALID_ARG when t is not a string,
 * ES_ERR_TOO_LARGE (out = "") when it needs more than size bytes. A decoded
 * string never contains a NUL byte and is valid UTF-8; it is at most as long
 * as its raw bytes (doc->toks[t].len). */
ES_MUST_USE es_err es_json_string(const es_json_doc *doc, uint32_t t, char *out, size_t size, size_t *out_len);
/* String t decoded into a new allocation (free()), NUL-terminated, *out_len
 * bytes without the NUL (out_len may be NULL); NULL when t is not a string
 * or memory runs out. */
char *es_json_string_dup(const es_json_doc *doc, uint32_t t, size_t *out_len);
/* True when t is a string whose decoded bytes are those of s. */
bool es_json_string_eq(const es_json_doc *doc, uint32_t t, const char *s);
/* An integer's value (always within int64_t: the scan refused others);
 * ES_ERR_INVALID_ARG when t is not an integer. */
ES_MUST_USE es_err es_json_integer(const es_json_doc *doc, uint32_t t, int64_t *out);

#endif
