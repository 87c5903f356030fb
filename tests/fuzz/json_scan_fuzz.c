/* json_scan_fuzz.c - libFuzzer target comparing the strict JSON reader with
 * jansson.
 *
 * Target Functions: es_json_parse, es_json_parse_grow and the accessors
 * (src/common/json_scan.c).
 *
 * The input is parsed by both, jansson with the flags of the event parse
 * (JSON_REJECT_DUPLICATES | JSON_DECODE_ANY; the SQS reply parse uses the
 * same duplicate rule). They must agree on accept/reject, except that the
 * reader refuses nesting deeper than ES_JSON_MAX_DEPTH and a NUL byte right
 * after a number or a literal (jansson skips it). For an accepted input
 * both trees are walked together: same types, same member names (found by
 * es_json_member too), same decoded strings, integers and reals. The token
 * count is exact: one token fewer fails with ES_JSON_E_TOKENS. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/json_scan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The decoded string t into a fresh allocation (abort when decoding fails). */
static char *s_decode(const es_json_doc *d, uint32_t t, size_t *len)
{
    size_t size = d->toks[t].len + 1;
    char *s = malloc(size);
    if (!s || es_json_string(d, t, s, size, len) != ES_OK || *len != d->toks[t].n)
        abort();
    if (d->toks[t].n > 0 && es_json_string(d, t, s, d->toks[t].n, NULL) != ES_ERR_TOO_LARGE)
        abort(); /* one byte short: refused */
    if (es_json_string(d, t, s, size, len) != ES_OK)
        abort();
    return s;
}

static void s_compare(const es_json_doc *d, uint32_t t, json_t *j)
{
    switch (es_json_type_of(d, t)) {
    case ES_JSON_OBJECT: {
        if (!json_is_object(j) || json_object_size(j) != es_json_size(d, t))
            abort();
        size_t members = 0;
        for (uint32_t k = es_json_first(d, t); k != ES_JSON_NONE; k = es_json_next(d, t, k + 1)) {
            size_t len;
            char *name = s_decode(d, k, &len);
            json_t *v = json_object_getn(j, name, len);
            if (!v || es_json_member(d, t, name) != k + 1 || es_json_next(d, t, k) != k + 1)
                abort();
            s_compare(d, k + 1, v);
            free(name);
            members++;
        }
        if (members != es_json_size(d, t))
            abort();
        break;
    }
    case ES_JSON_ARRAY: {
        if (!json_is_array(j) || json_array_size(j) != es_json_size(d, t))
            abort();
        size_t i = 0;
        for (uint32_t e = es_json_first(d, t); e != ES_JSON_NONE; e = es_json_next(d, t, e))
            s_compare(d, e, json_array_get(j, i++));
        if (i != es_json_size(d, t))
            abort();
        break;
    }
    case ES_JSON_STRING: {
        size_t len;
        char *s = s_decode(d, t, &len);
        if (!json_is_string(j) || json_string_length(j) != len || memcmp(json_string_value(j), s, len) != 0 ||
            !es_json_string_eq(d, t, s))
            abort();
        const char *raw;
        size_t raw_len;
        if (es_json_string_raw(d, t, &raw, &raw_len) != !d->toks[t].escaped ||
            (!d->toks[t].escaped && (raw_len != len || memcmp(raw, s, len) != 0)))
            abort();
        free(s);
        break;
    }
    case ES_JSON_INTEGER: {
        int64_t v;
        if (!json_is_integer(j) || es_json_integer(d, t, &v) != ES_OK || v != json_integer_value(j))
            abort();
        break;
    }
    case ES_JSON_REAL: {
        char *copy = strndup(d->text + d->toks[t].start, d->toks[t].len);
        if (!copy || !json_is_real(j) || strtod(copy, NULL) != json_real_value(j))
            abort();
        free(copy);
        break;
    }
    case ES_JSON_TRUE:
        if (!json_is_true(j))
            abort();
        break;
    case ES_JSON_FALSE:
        if (!json_is_false(j))
            abort();
        break;
    case ES_JSON_NULL:
        if (!json_is_null(j))
            abort();
        break;
    case ES_JSON_ABSENT: abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_error_t jerr;
    json_t *root = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
    es_json_tok small[8];
    es_json_doc doc;
    es_err rc = es_json_parse_grow(&doc, (const char *)data, size, small, 8);
    if (rc == ES_ERR_NOMEM || (rc != ES_OK && doc.error == ES_JSON_E_DEPTH)) {
        json_decref(root);
        return 0;
    }
    /* jansson drops a NUL byte right after a number or a literal ("[1\0]",
     * "true\0": its lexer reads one byte past the token and puts it back,
     * and a NUL is lost on the way); the reader refuses at that byte. */
    bool nul_after_token = rc != ES_OK && root && doc.error_at < size && data[doc.error_at] == 0;
    if ((rc == ES_OK) != (root != NULL) && !nul_after_token)
        abort();
    if (nul_after_token) {
        json_decref(root);
        return 0;
    }
    if (rc != ES_OK) {
        if (rc != ES_ERR_PROTOCOL || doc.error == ES_JSON_OK || doc.error_at > size ||
            !es_json_strerror(doc.error)[0])
            abort();
        return 0;
    }
    s_compare(&doc, 0, root);
    json_decref(root);
    if (doc.toks[0].next != doc.count)
        abort();
    /* the exact token count: one fewer does not fit */
    uint32_t count = doc.count;
    es_json_doc exact;
    es_json_tok *toks = malloc(count * sizeof *toks);
    if (!toks || es_json_parse(&exact, (const char *)data, size, toks, count) != ES_OK || exact.count != count ||
        es_json_parse(&exact, (const char *)data, size, toks, count - 1) != ES_ERR_TOO_LARGE ||
        exact.error != ES_JSON_E_TOKENS)
        abort();
    free(toks);
    es_json_doc_free(&doc);
    return 0;
}
