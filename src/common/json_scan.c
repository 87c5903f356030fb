/* json_scan.c - the strict JSON reader declared in json_scan.h: one
 * iterative pass with an explicit stack of open containers, a duplicate-key
 * check when an object closes, and accessors that decode strings on demand. */
#include "common/json_scan.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/hex.h"
#include "common/utf8.h"

/* Bytes that end the fast loop over a string: '"', '\\', controls, non-ASCII. */
static const uint8_t s_special[256] = {[0x00 ... 0x1F] = 1, ['"'] = 1, ['\\'] = 1, [0x80 ... 0xFF] = 1};

typedef struct s_scan {
    const unsigned char *p; /* the text */
    size_t len, pos;
    es_json_doc *doc;
} s_scan;

static es_err s_fail(s_scan *s, es_json_error e, size_t at)
{
    s->doc->error = e;
    s->doc->error_at = at;
    if (e == ES_JSON_E_TOKENS || e == ES_JSON_E_SIZE)
        return ES_ERR_TOO_LARGE;
    return e == ES_JSON_E_NOMEM ? ES_ERR_NOMEM : ES_ERR_PROTOCOL;
}

static void s_skip_ws(s_scan *s)
{
    while (s->pos < s->len) {
        unsigned char c = s->p[s->pos];
        if (c != ' ' && c != '\n' && c != '\r' && c != '\t')
            return;
        s->pos++;
    }
}

/* A new token of type at offset start; ES_JSON_NONE when the array is full. */
static uint32_t s_push(s_scan *s, es_json_type type, size_t start)
{
    es_json_doc *d = s->doc;
    if (d->count >= d->cap)
        return ES_JSON_NONE;
    uint32_t i = d->count++;
    d->toks[i] = (es_json_tok){.start = (uint32_t)start, .type = (uint8_t)type, .next = i + 1};
    return i;
}

/* The value of 4 hex digits at p (4 bytes available), or -1. */
static long s_hex4(const unsigned char *p)
{
    int a = es_hex_byte((const char *)p, 2), b = es_hex_byte((const char *)p + 2, 2);
    return a < 0 || b < 0 ? -1 : (long)a << 8 | b;
}

/* Scans the string whose opening quote is at s->pos into token i. */
static es_err s_string(s_scan *s, uint32_t i)
{
    const unsigned char *p = s->p;
    size_t pos = s->pos + 1, end = s->len, saved = 0;
    es_json_tok *t = &s->doc->toks[i];
    t->type = ES_JSON_STRING;
    t->start = (uint32_t)pos;
    for (;;) {
        /* eight bytes at a time while none is special: '"', '\\', below
         * 0x20 or above 0x7F (the word tests are exact for "any byte") */
        while (end - pos >= 8) {
            uint64_t v;
            memcpy(&v, p + pos, 8);
            const uint64_t ones = 0x0101010101010101u, high = 0x8080808080808080u;
            uint64_t q = v ^ (ones * '"'), b = v ^ (ones * '\\');
            if ((((v - ones * 0x20) & ~v) | ((q - ones) & ~q) | ((b - ones) & ~b) | v) & high)
                break;
            pos += 8;
        }
        while (pos < end && !s_special[p[pos]])
            pos++;
        if (pos >= end)
            return s_fail(s, ES_JSON_E_END, end);
        unsigned char c = p[pos];
        if (c == '"')
            break;
        if (c < 0x20)
            return s_fail(s, ES_JSON_E_CONTROL, pos);
        if (c >= 0x80) {
            size_t n = es_utf8_seq_len(p + pos, end - pos);
            if (n == 0)
                return s_fail(s, ES_JSON_E_UTF8, pos);
            pos += n;
            continue;
        }
        /* a backslash */
        t->escaped = 1;
        if (pos + 1 >= end)
            return s_fail(s, ES_JSON_E_END, end);
        switch (p[pos + 1]) {
        case '"':
        case '\\':
        case '/':
        case 'b':
        case 'f':
        case 'n':
        case 'r':
        case 't':
            saved += 1;
            pos += 2;
            continue;
        case 'u': break;
        default: return s_fail(s, ES_JSON_E_ESCAPE, pos);
        }
        if (end - pos < 6)
            return s_fail(s, ES_JSON_E_END, end);
        long u = s_hex4(p + pos + 2);
        if (u < 0)
            return s_fail(s, ES_JSON_E_ESCAPE, pos);
        if (u == 0)
            return s_fail(s, ES_JSON_E_NUL, pos);
        if (u >= 0xDC00 && u <= 0xDFFF)
            return s_fail(s, ES_JSON_E_SURROGATE, pos);
        if (u >= 0xD800 && u <= 0xDBFF) {
            if (end - pos < 12)
                return s_fail(s, ES_JSON_E_END, end);
            if (p[pos + 6] != '\\' || p[pos + 7] != 'u')
                return s_fail(s, ES_JSON_E_SURROGATE, pos);
            long lo = s_hex4(p + pos + 8);
            if (lo < 0)
                return s_fail(s, ES_JSON_E_ESCAPE, pos + 6);
            if (lo < 0xDC00 || lo > 0xDFFF)
                return s_fail(s, ES_JSON_E_SURROGATE, pos);
            saved += 12 - 4; /* one code point above U+FFFF: 4 UTF-8 bytes */
            pos += 12;
            continue;
        }
        saved += 6 - (u < 0x80 ? 1 : u < 0x800 ? 2 : 3);
        pos += 6;
    }
    t->len = (uint32_t)(pos - t->start);
    t->n = (uint32_t)(t->len - saved);
    s->pos = pos + 1;
    return ES_OK;
}

/* Decides whether a real overflows a double, as jansson's strtod does:
 * certain below 1e308 and from 1e310 on, strtod on a copy in between.
 * int_digits/frac_zeros describe the first nonzero digit. */
static bool s_real_overflows(const unsigned char *num, size_t len, long magnitude)
{
    if (magnitude <= 308)
        return false;
    if (magnitude >= 310)
        return true;
    char small[64];
    char *copy = len < sizeof small ? small : malloc(len + 1);
    if (!copy)
        return true; /* refused rather than guessed; see es_json_parse */
    memcpy(copy, num, len);
    copy[len] = '\0';
    errno = 0;
    double v = strtod(copy, NULL);
    bool over = errno == ERANGE && isinf(v);
    if (copy != small)
        free(copy);
    return over;
}

static size_t s_digits(const unsigned char *p, size_t pos, size_t end)
{
    while (pos < end && p[pos] >= '0' && p[pos] <= '9')
        pos++;
    return pos;
}

/* Scans the number at s->pos into token i. */
static es_err s_number(s_scan *s, uint32_t i)
{
    const unsigned char *p = s->p;
    size_t start = s->pos, pos = start, end = s->len;
    bool neg = p[pos] == '-';
    if (neg)
        pos++;
    if (pos >= end || p[pos] < '0' || p[pos] > '9')
        return s_fail(s, pos >= end ? ES_JSON_E_END : ES_JSON_E_NUMBER, pos);
    size_t int_start = pos;
    pos = p[pos] == '0' ? pos + 1 : s_digits(p, pos, end);
    if (pos < end && p[pos] >= '0' && p[pos] <= '9')
        return s_fail(s, ES_JSON_E_NUMBER, int_start); /* a leading zero */
    size_t int_end = pos, frac_start = pos, frac_end = pos;
    bool real = false;
    if (pos < end && p[pos] == '.') {
        real = true;
        frac_start = ++pos;
        pos = frac_end = s_digits(p, pos, end);
        if (pos == frac_start)
            return s_fail(s, pos >= end ? ES_JSON_E_END : ES_JSON_E_NUMBER, pos);
    }
    long exp = 0;
    if (pos < end && (p[pos] == 'e' || p[pos] == 'E')) {
        real = true;
        pos++;
        bool eneg = pos < end && p[pos] == '-';
        if (pos < end && (p[pos] == '+' || p[pos] == '-'))
            pos++;
        size_t e0 = pos;
        pos = s_digits(p, pos, end);
        if (pos == e0)
            return s_fail(s, pos >= end ? ES_JSON_E_END : ES_JSON_E_NUMBER, pos);
        for (size_t k = e0; k < pos; k++)
            if (exp < 100000)
                exp = exp * 10 + (p[k] - '0');
        if (eneg)
            exp = -exp;
    }
    es_json_tok *t = &s->doc->toks[i];
    t->type = real ? ES_JSON_REAL : ES_JSON_INTEGER;
    t->len = (uint32_t)(pos - start);
    if (!real) {
        /* within int64_t: at most 9223372036854775807, or ...808 when negative */
        uint64_t v = 0, limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
        for (size_t k = int_start; k < int_end; k++) {
            unsigned d = p[k] - '0';
            if (v > (limit - d) / 10)
                return s_fail(s, ES_JSON_E_INTEGER_RANGE, start);
            v = v * 10 + d;
        }
    } else {
        /* the decimal magnitude: the value is 0.dddd x 10^magnitude */
        size_t k = int_start;
        while (k < int_end && p[k] == '0')
            k++;
        long magnitude;
        if (k < int_end) {
            magnitude = (long)(int_end - k);
        } else {
            size_t z = frac_start;
            while (z < frac_end && p[z] == '0')
                z++;
            magnitude = z < frac_end ? -(long)(z - frac_start) : -1000000; /* zero */
        }
        if (magnitude > 1000000)
            magnitude = 1000000;
        if (s_real_overflows(p + start, pos - start, magnitude + exp))
            return s_fail(s, ES_JSON_E_REAL_RANGE, start);
    }
    s->pos = pos;
    return ES_OK;
}

/* The code point of the decoded unit at *pp (inside a validated string) and
 * the position after it. */
static uint32_t s_next_cp(const unsigned char **pp)
{
    const unsigned char *p = *pp;
    unsigned char c = p[0];
    if (c == '\\') {
        if (p[1] != 'u') {
            *pp = p + 2;
            switch (p[1]) {
            case 'b': return '\b';
            case 'f': return '\f';
            case 'n': return '\n';
            case 'r': return '\r';
            case 't': return '\t';
            default: return p[1]; /* '"', '\\', '/' */
            }
        }
        uint32_t u = (uint32_t)s_hex4(p + 2);
        if (u >= 0xD800 && u <= 0xDBFF) {
            uint32_t lo = (uint32_t)s_hex4(p + 8);
            *pp = p + 12;
            return 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
        }
        *pp = p + 6;
        return u;
    }
    if (c < 0x80) {
        *pp = p + 1;
        return c;
    }
    if (c < 0xE0) {
        *pp = p + 2;
        return (uint32_t)(c & 0x1F) << 6 | (p[1] & 0x3F);
    }
    if (c < 0xF0) {
        *pp = p + 3;
        return (uint32_t)(c & 0x0F) << 12 | (uint32_t)(p[1] & 0x3F) << 6 | (p[2] & 0x3F);
    }
    *pp = p + 4;
    return (uint32_t)(c & 0x07) << 18 | (uint32_t)(p[1] & 0x3F) << 12 | (uint32_t)(p[2] & 0x3F) << 6 |
           (p[3] & 0x3F);
}

static size_t s_put_utf8(uint32_t cp, char *o)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | cp >> 6);
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | cp >> 12);
        o[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | cp >> 18);
    o[1] = (char)(0x80 | (cp >> 12 & 0x3F));
    o[2] = (char)(0x80 | (cp >> 6 & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* True when strings a and b decode to the same bytes. */
static bool s_same_string(const es_json_doc *d, const es_json_tok *a, const es_json_tok *b)
{
    if (a->n != b->n)
        return false;
    const unsigned char *pa = (const unsigned char *)d->text + a->start,
                        *pb = (const unsigned char *)d->text + b->start;
    if (!a->escaped && !b->escaped)
        return memcmp(pa, pb, a->n) == 0;
    const unsigned char *ea = pa + a->len;
    while (pa < ea)
        if (s_next_cp(&pa) != s_next_cp(&pb))
            return false;
    return true;
}

static uint32_t s_hash_string(const es_json_doc *d, const es_json_tok *t)
{
    const unsigned char *p = (const unsigned char *)d->text + t->start, *e = p + t->len;
    uint32_t h = 2166136261u;
    while (p < e)
        h = (h ^ s_next_cp(&p)) * 16777619u;
    return h;
}

/* Refuses object obj (just closed) when two of its keys decode alike. */
static es_err s_check_duplicates(s_scan *s, uint32_t obj)
{
    es_json_doc *d = s->doc;
    uint32_t n = d->toks[obj].n;
    if (n < 2)
        return ES_OK;
    if (n <= 16) {
        uint32_t keys[16], k = obj + 1;
        for (uint32_t i = 0; i < n; i++, k = d->toks[k + 1].next) {
            keys[i] = k;
            for (uint32_t j = 0; j < i; j++)
                if (s_same_string(d, &d->toks[keys[j]], &d->toks[k]))
                    return s_fail(s, ES_JSON_E_DUPLICATE, d->toks[k].start - 1);
        }
        return ES_OK;
    }
    size_t size = 32;
    while (size < 2 * (size_t)n)
        size *= 2;
    uint32_t *table = malloc(size * sizeof *table);
    if (!table)
        return s_fail(s, ES_JSON_E_NOMEM, d->toks[obj].start);
    memset(table, 0xFF, size * sizeof *table);
    es_err rc = ES_OK;
    uint32_t k = obj + 1;
    for (uint32_t i = 0; i < n && rc == ES_OK; i++, k = d->toks[k + 1].next) {
        size_t h = s_hash_string(d, &d->toks[k]) & (size - 1);
        while (table[h] != ES_JSON_NONE && rc == ES_OK) {
            if (s_same_string(d, &d->toks[table[h]], &d->toks[k]))
                rc = s_fail(s, ES_JSON_E_DUPLICATE, d->toks[k].start - 1);
            h = (h + 1) & (size - 1);
        }
        table[h] = k;
    }
    free(table);
    return rc;
}

/* Scans an object key and its ':' at s->pos (after whitespace); the object is obj. */
static es_err s_key(s_scan *s, uint32_t obj)
{
    s_skip_ws(s);
    if (s->pos >= s->len)
        return s_fail(s, ES_JSON_E_END, s->pos);
    if (s->p[s->pos] != '"')
        return s_fail(s, ES_JSON_E_KEY, s->pos);
    uint32_t k = s_push(s, ES_JSON_STRING, s->pos);
    if (k == ES_JSON_NONE)
        return s_fail(s, ES_JSON_E_TOKENS, s->pos);
    ES_GUARD(s_string(s, k));
    s->doc->toks[obj].n++;
    s_skip_ws(s);
    if (s->pos >= s->len)
        return s_fail(s, ES_JSON_E_END, s->pos);
    if (s->p[s->pos] != ':')
        return s_fail(s, ES_JSON_E_COLON, s->pos);
    s->pos++;
    return ES_OK;
}

static bool s_literal(s_scan *s, const char *word, size_t n)
{
    if (s->len - s->pos < n || memcmp(s->p + s->pos, word, n) != 0)
        return false;
    s->pos += n;
    return true;
}

static es_err s_scan_all(s_scan *s)
{
    es_json_doc *d = s->doc;
    uint32_t stack[ES_JSON_MAX_DEPTH];
    int depth = 0;
    for (;;) {
        /* a value is expected */
        s_skip_ws(s);
        if (s->pos >= s->len)
            return s_fail(s, ES_JSON_E_END, s->pos);
        size_t at = s->pos;
        unsigned char c = s->p[at];
        uint32_t i = s_push(s, ES_JSON_NULL, at);
        if (i == ES_JSON_NONE)
            return s_fail(s, ES_JSON_E_TOKENS, at);
        if (depth > 0 && d->toks[stack[depth - 1]].type == ES_JSON_ARRAY)
            d->toks[stack[depth - 1]].n++;
        bool opened = false;
        switch (c) {
        case '{':
        case '[':
            if (depth == ES_JSON_MAX_DEPTH)
                return s_fail(s, ES_JSON_E_DEPTH, at);
            d->toks[i].type = c == '{' ? ES_JSON_OBJECT : ES_JSON_ARRAY;
            stack[depth++] = i;
            s->pos++;
            s_skip_ws(s);
            if (s->pos < s->len && s->p[s->pos] == (c == '{' ? '}' : ']'))
                break; /* empty: closed below */
            if (c == '{')
                ES_GUARD(s_key(s, i));
            opened = true;
            break;
        case '"': ES_GUARD(s_string(s, i)); break;
        case 't':
        case 'f':
        case 'n':
            if (s_literal(s, "true", 4))
                d->toks[i].type = ES_JSON_TRUE;
            else if (s_literal(s, "false", 5))
                d->toks[i].type = ES_JSON_FALSE;
            else if (!s_literal(s, "null", 4))
                return s_fail(s, ES_JSON_E_TOKEN, at);
            d->toks[i].len = (uint32_t)(s->pos - at);
            break;
        default:
            if (c == '-' || (c >= '0' && c <= '9')) {
                ES_GUARD(s_number(s, i));
                break;
            }
            if (c == ']' && depth > 0 && d->toks[stack[depth - 1]].type == ES_JSON_ARRAY &&
                d->toks[stack[depth - 1]].n > 1)
                return s_fail(s, ES_JSON_E_TRAILING_COMMA, at);
            return s_fail(s,
                          c >= 0x80 && !es_utf8_seq_len(s->p + at, s->len - at) ? ES_JSON_E_UTF8
                                                                                : ES_JSON_E_TOKEN,
                          at);
        }
        if (opened)
            continue;
        /* after a value: close containers, or a ',' leads to the next value */
        for (;;) {
            s_skip_ws(s);
            if (depth == 0) {
                if (s->pos < s->len)
                    return s_fail(s, ES_JSON_E_TRAILING, s->pos);
                return ES_OK;
            }
            if (s->pos >= s->len)
                return s_fail(s, ES_JSON_E_END, s->pos);
            uint32_t top = stack[depth - 1];
            bool obj = d->toks[top].type == ES_JSON_OBJECT;
            c = s->p[s->pos];
            if (c == (obj ? '}' : ']')) {
                s->pos++;
                d->toks[top].len = (uint32_t)(s->pos - d->toks[top].start);
                d->toks[top].next = d->count;
                depth--;
                if (obj)
                    ES_GUARD(s_check_duplicates(s, top));
                continue;
            }
            if (c != ',')
                return s_fail(s, ES_JSON_E_SEPARATOR, s->pos);
            s->pos++;
            if (obj) {
                s_skip_ws(s);
                if (s->pos < s->len && s->p[s->pos] == '}')
                    return s_fail(s, ES_JSON_E_TRAILING_COMMA, s->pos);
                ES_GUARD(s_key(s, top));
            }
            break;
        }
    }
}

/* es_json_parse without touching doc->owned. */
static es_err s_parse(es_json_doc *doc, const char *text, size_t len, es_json_tok *toks, size_t cap)
{
    es_json_tok *owned = doc->owned;
    *doc = (es_json_doc){.text = text, .len = len, .toks = toks, .owned = owned};
    ES_ENSURE(text || len == 0, ES_ERR_INVALID_ARG);
    ES_ENSURE(toks || cap == 0, ES_ERR_INVALID_ARG);
    doc->cap = cap > UINT32_MAX - 1 ? UINT32_MAX - 1 : (uint32_t)cap;
    s_scan s = {.p = (const unsigned char *)text, .len = len, .doc = doc};
    if (len > UINT32_MAX - 1)
        return s_fail(&s, ES_JSON_E_SIZE, 0);
    return s_scan_all(&s);
}

es_err es_json_parse(es_json_doc *doc, const char *text, size_t len, es_json_tok *toks, size_t cap)
{
    ES_ENSURE_REF(doc);
    doc->owned = NULL;
    return s_parse(doc, text, len, toks, cap);
}

es_err es_json_parse_grow(es_json_doc *doc, const char *text, size_t len, es_json_tok *toks, size_t cap)
{
    ES_ENSURE_REF(doc);
    doc->owned = NULL;
    es_err rc = s_parse(doc, text, len, toks, cap);
    if (rc != ES_ERR_TOO_LARGE || doc->error != ES_JSON_E_TOKENS)
        return rc;
    /* Enough for any text: each token but the first follows a byte of its
     * own ('[', '{', ',' or ':'), and each but the open containers (at most
     * ES_JSON_MAX_DEPTH) and the last one has a byte of its own after that
     * (a scalar's first byte, a container's closing bracket). */
    size_t need = len / 2 + ES_JSON_MAX_DEPTH + 4;
    doc->owned = malloc(need * sizeof *doc->owned);
    if (!doc->owned) {
        doc->error = ES_JSON_E_NOMEM;
        return ES_ERR_NOMEM;
    }
    rc = s_parse(doc, text, len, doc->owned, need);
    if (rc != ES_OK)
        es_json_doc_free(doc);
    return rc;
}

void es_json_doc_free(es_json_doc *doc)
{
    if (!doc)
        return;
    if (doc->owned && doc->toks == doc->owned) {
        doc->toks = NULL;
        doc->count = 0;
    }
    free(doc->owned);
    doc->owned = NULL;
}

const char *es_json_strerror(es_json_error e)
{
    switch (e) {
    case ES_JSON_OK: return "no error";
    case ES_JSON_E_END: return "unexpected end of input";
    case ES_JSON_E_TOKEN: return "invalid token";
    case ES_JSON_E_KEY: return "string or '}' expected";
    case ES_JSON_E_COLON: return "':' expected after an object key";
    case ES_JSON_E_SEPARATOR: return "',' or a closing bracket expected";
    case ES_JSON_E_TRAILING_COMMA: return "trailing comma";
    case ES_JSON_E_NUMBER: return "invalid number";
    case ES_JSON_E_INTEGER_RANGE: return "integer out of range";
    case ES_JSON_E_REAL_RANGE: return "real number overflow";
    case ES_JSON_E_CONTROL: return "control character in a string";
    case ES_JSON_E_ESCAPE: return "invalid escape in a string";
    case ES_JSON_E_SURROGATE: return "lone UTF-16 surrogate in a \\u escape";
    case ES_JSON_E_NUL: return "\\u0000 in a string";
    case ES_JSON_E_UTF8: return "invalid UTF-8";
    case ES_JSON_E_DEPTH: return "nested too deeply";
    case ES_JSON_E_DUPLICATE: return "duplicate object key";
    case ES_JSON_E_TRAILING: return "data after the JSON value";
    case ES_JSON_E_TOKENS: return "too many tokens";
    case ES_JSON_E_SIZE: return "document too large";
    case ES_JSON_E_NOMEM: return "out of memory";
    }
    return "unknown error";
}

void es_json_position(const es_json_doc *doc, size_t at, int *line, int *column)
{
    int l = 1, c = 1;
    for (size_t i = 0; i < at && i < doc->len; i++) {
        if (doc->text[i] == '\n') {
            l++;
            c = 1;
        } else if (c < 1000000000) {
            c++;
        }
        if (l == 1000000000)
            break;
    }
    *line = l;
    *column = c;
}

es_json_type es_json_type_of(const es_json_doc *doc, uint32_t t)
{
    return t < doc->count ? (es_json_type)doc->toks[t].type : ES_JSON_ABSENT;
}

size_t es_json_size(const es_json_doc *doc, uint32_t t)
{
    es_json_type ty = es_json_type_of(doc, t);
    return ty == ES_JSON_OBJECT || ty == ES_JSON_ARRAY ? doc->toks[t].n : 0;
}

/* True when string token k decodes to the n bytes of name. */
static bool s_string_is(const es_json_doc *d, const es_json_tok *k, const char *name, size_t n)
{
    if (k->n != n)
        return false;
    const unsigned char *p = (const unsigned char *)d->text + k->start;
    if (!k->escaped)
        return memcmp(p, name, n) == 0;
    const unsigned char *e = p + k->len;
    size_t o = 0;
    while (p < e) {
        char unit[4];
        size_t u = s_put_utf8(s_next_cp(&p), unit);
        if (memcmp(name + o, unit, u) != 0)
            return false;
        o += u;
    }
    return true;
}

uint32_t es_json_member(const es_json_doc *doc, uint32_t obj, const char *name)
{
    if (es_json_type_of(doc, obj) != ES_JSON_OBJECT || !name)
        return ES_JSON_NONE;
    size_t n = strlen(name);
    uint32_t k = obj + 1;
    for (uint32_t i = 0; i < doc->toks[obj].n; i++, k = doc->toks[k + 1].next)
        if (s_string_is(doc, &doc->toks[k], name, n))
            return k + 1;
    return ES_JSON_NONE;
}

uint32_t es_json_first(const es_json_doc *doc, uint32_t t)
{
    return es_json_size(doc, t) ? t + 1 : ES_JSON_NONE;
}

uint32_t es_json_next(const es_json_doc *doc, uint32_t parent, uint32_t t)
{
    if (parent >= doc->count || t >= doc->count)
        return ES_JSON_NONE;
    uint32_t u = doc->toks[t].next;
    return u < doc->toks[parent].next ? u : ES_JSON_NONE;
}

bool es_json_string_raw(const es_json_doc *doc, uint32_t t, const char **s, size_t *len)
{
    if (es_json_type_of(doc, t) != ES_JSON_STRING || doc->toks[t].escaped)
        return false;
    *s = doc->text + doc->toks[t].start;
    *len = doc->toks[t].len;
    return true;
}

es_err es_json_string(const es_json_doc *doc, uint32_t t, char *out, size_t size, size_t *out_len)
{
    ES_ENSURE(out && size, ES_ERR_INVALID_ARG);
    out[0] = '\0';
    ES_ENSURE(es_json_type_of(doc, t) == ES_JSON_STRING, ES_ERR_INVALID_ARG);
    const es_json_tok *k = &doc->toks[t];
    ES_ENSURE(k->n < size, ES_ERR_TOO_LARGE);
    const unsigned char *p = (const unsigned char *)doc->text + k->start, *e = p + k->len;
    char *o = out;
    while (p < e) {
        const unsigned char *q = k->escaped ? memchr(p, '\\', (size_t)(e - p)) : NULL;
        size_t run = (size_t)((q ? q : e) - p);
        memcpy(o, p, run);
        o += run;
        p += run;
        if (q)
            o += s_put_utf8(s_next_cp(&p), o);
    }
    *o = '\0';
    if (out_len)
        *out_len = (size_t)(o - out);
    return ES_OK;
}

char *es_json_string_dup(const es_json_doc *doc, uint32_t t, size_t *out_len)
{
    if (es_json_type_of(doc, t) != ES_JSON_STRING)
        return NULL;
    size_t size = (size_t)doc->toks[t].n + 1;
    char *s = malloc(size);
    if (s && es_json_string(doc, t, s, size, out_len) != ES_OK) {
        free(s);
        s = NULL;
    }
    return s;
}

bool es_json_string_eq(const es_json_doc *doc, uint32_t t, const char *s)
{
    return es_json_type_of(doc, t) == ES_JSON_STRING && s && s_string_is(doc, &doc->toks[t], s, strlen(s));
}

es_err es_json_integer(const es_json_doc *doc, uint32_t t, int64_t *out)
{
    ES_ENSURE(out && es_json_type_of(doc, t) == ES_JSON_INTEGER, ES_ERR_INVALID_ARG);
    const char *p = doc->text + doc->toks[t].start, *e = p + doc->toks[t].len;
    bool neg = *p == '-';
    uint64_t v = 0;
    for (p += neg; p < e; p++)
        v = v * 10 + (uint64_t)(*p - '0');
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return ES_OK;
}
