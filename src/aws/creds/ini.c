/* ini.c - the line-oriented parser of ini.h. Each line is copied
 * into a bounded scratch buffer, trimmed and classified; nothing is kept
 * between lines except the current section and the previous top-level key
 * (whether it opened a nested block, and its name). */
#include "aws/creds/ini.h"

#include <ctype.h>
#include <stdbool.h>
#include <string.h>

#include "common/secure.h"

#define S_MAX_LINE 8192

static bool s_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }

static char *s_trim(char *s)
{
    while (s_blank(*s))
        s++;
    size_t n = strlen(s);
    while (n && s_blank(s[n - 1]))
        s[--n] = '\0';
    return s;
}

/* Cuts "value  # comment" / "value ; comment" at the blank before the marker. */
static void s_strip_inline_comment(char *v)
{
    for (char *p = v; *p; p++)
        if ((*p == '#' || *p == ';') && p > v && s_blank(p[-1])) {
            *p = '\0';
            break;
        }
}

static void s_bad(es_creds_ini_stats *st, size_t line_no)
{
    if (st->malformed++ == 0)
        st->first_bad_line = line_no;
}

/* "key = value" in t (trimmed) split in place: the key lower-cased, the value
 * without an inline comment. NULL when there is no '=' or no key. */
static char *s_split(char *t, char **value)
{
    char *eq = strchr(t, '=');
    if (!eq)
        return NULL;
    *eq = '\0';
    char *key = s_trim(t), *v = eq + 1;
    s_strip_inline_comment(v);
    *value = s_trim(v);
    for (char *k = key; *k; k++)
        *k = (char)tolower((unsigned char)*k);
    return *key ? key : NULL;
}

void es_creds_ini_parse(const char *text, size_t len, es_creds_ini_fn fn, void *ctx, es_creds_ini_stats *stats)
{
    es_creds_ini_stats local;
    es_creds_ini_stats *st = stats ? stats : &local;
    char section[S_MAX_LINE], line[S_MAX_LINE], parent[S_MAX_LINE];
    bool have_section = false, after_key = false;
    size_t pos = 0, line_no = 0, key_indent = 0;
    memset(st, 0, sizeof *st);
    section[0] = '\0';
    parent[0] = '\0'; /* the previous key when its value was empty (it opens a nested block) */
    if (len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3))
        pos = 3; /* a UTF-8 byte order mark (Windows editors write one) is no part of the first line */
    while (pos < len) {
        const char *start = text + pos;
        const char *nl = memchr(start, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - start) : len - pos;
        pos += n + (nl ? 1 : 0);
        line_no++;
        if (n >= S_MAX_LINE) {
            s_bad(st, line_no);
            continue;
        }
        memcpy(line, start, n);
        line[n] = '\0'; /* an embedded NUL simply ends the line early */
        size_t indent = 0;
        while (s_blank(line[indent]))
            indent++;
        char *t = s_trim(line);
        if (!*t || *t == '#' || *t == ';')
            continue;
        char *key, *value;
        if (after_key && indent > key_indent) {
            /* a nested setting ("s3 =\n  endpoint_url = ...") or a continuation
             * of the previous key's value (skipped, as is nested text without '=') */
            if (parent[0] && fn && (key = s_split(t, &value)) != NULL)
                fn(ctx, section, parent, key, value);
            continue;
        }
        after_key = false;
        if (*t == '[') {
            size_t tl = strlen(t);
            if (tl < 3 || t[tl - 1] != ']') {
                s_bad(st, line_no);
                have_section = false;
                continue;
            }
            t[tl - 1] = '\0';
            char *name = s_trim(t + 1);
            have_section = *name != '\0';
            if (!have_section) {
                s_bad(st, line_no);
                continue;
            }
            memmove(section, name, strlen(name) + 1);
            continue;
        }
        if (!have_section || (key = s_split(t, &value)) == NULL) {
            s_bad(st, line_no);
            continue;
        }
        after_key = true;
        key_indent = indent;
        if (value[0])
            parent[0] = '\0';
        else
            memmove(parent, key, strlen(key) + 1);
        if (fn)
            fn(ctx, section, "", key, value);
    }
    es_secure_zero(line, sizeof line);
}
