/* error.c - messages, names and categories of es_err, and the first-failure-wins
 * error record. Everything is derived from the ES_ERR_ENTRIES table in error.h. */
#include "exifstrip/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* clang-format 14 merges these into one broken macro (short case labels in a
 * macro body): kept as written. */
/* clang-format off */
#define S_MSG_CASE(name, cat, msg) \
    case name:                     \
        return msg;
#define S_NAME_CASE(name, cat, msg) \
    case name:                      \
        return #name;
#define S_CAT_CASE(name, cat, msg) \
    case name:                     \
        return cat;
/* clang-format on */

/* Switches without default: -Wswitch flags a code missing from the table. */
const char *es_strerror(es_err code)
{
    switch (code) {
        ES_ERR_ENTRIES(S_MSG_CASE)
    case ES_ERR_LAST: break;
    }
    return "unknown error";
}

const char *es_errname(es_err code)
{
    switch (code) {
        ES_ERR_ENTRIES(S_NAME_CASE)
    case ES_ERR_LAST: break;
    }
    return "ES_ERR_UNKNOWN";
}

es_category es_err_category(es_err code)
{
    switch (code) {
        ES_ERR_ENTRIES(S_CAT_CASE)
    case ES_ERR_LAST: break;
    }
    return ES_CAT_INTERNAL;
}

const char *es_category_name(es_category cat)
{
    switch (cat) {
    case ES_CAT_NONE: return "none";
    case ES_CAT_INPUT: return "input";
    case ES_CAT_GONE: return "gone";
    case ES_CAT_TRANSIENT: return "transient";
    case ES_CAT_AUTH: return "auth";
    case ES_CAT_CONFIG: return "config";
    case ES_CAT_INTERNAL: return "internal";
    }
    return "internal";
}

void es_error_clear(es_error *e)
{
    if (!e)
        return;
    e->code = ES_OK;
    e->msg[0] = '\0';
}

es_err es_error_set(es_error *e, es_err code, const char *fmt, ...)
{
    if (!e || e->code != ES_OK || code == ES_OK)
        return code;
    e->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    return code;
}
