/* log.c - the structured logger declared in log.h. A line is built in the
 * thread's fixed 16 KiB buffer (JSON or text), strings are escaped with strict
 * UTF-8 checking (invalid bytes become U+FFFD), secrets are redacted by field
 * name and by value shape, and the line is emitted with a single write under
 * the log mutex. */
#include "common/log.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/utf8.h"

#define S_LINE_MAX 16384
#define S_VALUE_MAX 4096  /* input bytes of one string value that are logged */
#define S_TAIL_RESERVE 48 /* room kept for the closing of a line */
#define S_REDACTED "[redacted]"

static atomic_int s_level = ES_LOG_INFO;
static atomic_int s_format = ES_LOG_FORMAT_JSON;
static pthread_mutex_t s_mutex = PTHREAD_MUTEX_INITIALIZER;
static es_log_sink_fn s_sink;
static void *s_sink_ctx;

typedef struct s_buf {
    char data[S_LINE_MAX];
    size_t len;
    size_t limit; /* len may not exceed this (leaves the tail reserve) */
    bool overflow;
} s_buf;

static void s_put(s_buf *b, const char *s, size_t n)
{
    if (b->overflow || n > b->limit - b->len) {
        b->overflow = true;
        return;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
}

static void s_puts(s_buf *b, const char *s) { s_put(b, s, strlen(s)); }

/* Appends s as the inside of a JSON string literal. */
static void s_put_escaped(s_buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n && !b->overflow) {
        size_t run = i; /* plain printable ASCII goes out as one copy */
        while (run < n && p[run] >= 0x20 && p[run] < 0x7F && p[run] != '"' && p[run] != '\\')
            run++;
        if (run > i) {
            s_put(b, s + i, run - i);
            i = run;
            continue;
        }
        unsigned char c = p[i];
        if (c == '"' || c == '\\') {
            char esc[2] = {'\\', (char)c};
            s_put(b, esc, 2);
            i++;
        } else if (c == '\n') {
            s_put(b, "\\n", 2);
            i++;
        } else if (c == '\r') {
            s_put(b, "\\r", 2);
            i++;
        } else if (c == '\t') {
            s_put(b, "\\t", 2);
            i++;
        } else if (c < 0x20 || c == 0x7F) {
            char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            s_put(b, esc, 6);
            i++;
        } else {
            size_t len = es_utf8_seq_len(p + i, n - i);
            if (len == 0) {
                s_put(b, "\\ufffd", 6);
                i++;
            } else {
                s_put(b, s + i, len);
                i += len;
            }
        }
    }
}

bool es_log_key_is_secret(const char *key)
{
    static const char *const words[] = {"secret", "token",      "authorization", "password",
                                        "passwd", "credential", "signature",     "cookie"};
    if (!key)
        return false;
    /* Keys are short: one lower-cased copy and plain strstr (glibc's
     * strcasestr is byte by byte; this runs for every field of every line). */
    char low[128];
    size_t n = strlen(key);
    bool copied = n < sizeof low;
    for (size_t i = 0; copied && i <= n; i++)
        low[i] = (char)((key[i] >= 'A' && key[i] <= 'Z') ? key[i] - 'A' + 'a' : key[i]);
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (copied ? strstr(low, words[i]) != NULL : strcasestr(key, words[i]) != NULL)
            return true;
    return false;
}

/* Values that carry SigV4 material whatever the field is called. Each mark
 * has its first '-' at `dash`: only the places around a '-' of the value are
 * compared, so a value without one (most) costs one strchr. */
static bool s_value_is_secret(const char *v)
{
    static const struct {
        const char *text;
        size_t dash;
    } marks[] = {{"X-Amz-Signature=", 1},
                 {"X-Amz-Credential=", 1},
                 {"X-Amz-Security-Token", 1},
                 {"AWS4-HMAC-SHA256 Credential", 4}};
    for (const char *d = strchr(v, '-'); d; d = strchr(d + 1, '-'))
        for (size_t i = 0; i < sizeof marks / sizeof marks[0]; i++)
            if ((size_t)(d - v) >= marks[i].dash &&
                strncasecmp(d - marks[i].dash, marks[i].text, strlen(marks[i].text)) == 0)
                return true;
    return false;
}

static bool s_is_reserved(const char *key)
{
    return !strcmp(key, "time") || !strcmp(key, "level") || !strcmp(key, "event");
}

/* Text format: a value is quoted when it is empty or holds blanks, quotes, '=' or non-printables. */
static bool s_text_needs_quotes(const char *s, size_t n)
{
    if (n == 0)
        return true;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= 0x20 || c == '"' || c == '=' || c == '\\' || c >= 0x7F)
            return true;
    }
    return false;
}

static void s_put_string_value(s_buf *b, const char *s, bool json)
{
    size_t n = strnlen(s, S_VALUE_MAX);
    if (json || s_text_needs_quotes(s, n)) {
        s_put(b, "\"", 1);
        s_put_escaped(b, s, n);
        if (s[n] != '\0')
            s_puts(b, "...");
        s_put(b, "\"", 1);
    } else {
        s_put(b, s, n);
        if (s[n] != '\0')
            s_puts(b, "...");
    }
}

/* v in decimal, as "%llu" prints it (a snprintf per number cost more than the rest of a field). */
static void s_put_u64(s_buf *b, unsigned long long v)
{
    char digits[ES_U64_DIGITS];
    const char *at = es_u64_decimal(v, digits);
    s_put(b, at, (size_t)(digits + ES_U64_DIGITS - at));
}

static void s_put_field(s_buf *b, const es_log_field *f, bool json)
{
    if (!f->key || (f->type == ES_LOG_T_STR && !f->v.s))
        return;
    s_puts(b, json ? ",\"" : " ");
    if (s_is_reserved(f->key))
        s_puts(b, "f_");
    s_put_escaped(b, f->key, strnlen(f->key, 128));
    s_puts(b, json ? "\":" : "=");
    bool secret = es_log_key_is_secret(f->key) || (f->type == ES_LOG_T_STR && s_value_is_secret(f->v.s));
    if (secret) {
        s_put_string_value(b, S_REDACTED, json);
        return;
    }
    switch (f->type) {
    case ES_LOG_T_STR: s_put_string_value(b, f->v.s, json); return;
    case ES_LOG_T_INT:
        if (f->v.i < 0)
            s_put(b, "-", 1);
        /* the magnitude as unsigned: -LLONG_MIN does not fit a long long */
        s_put_u64(b, f->v.i < 0 ? 0u - (unsigned long long)f->v.i : (unsigned long long)f->v.i);
        return;
    case ES_LOG_T_UINT: s_put_u64(b, f->v.u); return;
    case ES_LOG_T_BOOL: s_puts(b, f->v.b ? "true" : "false"); return;
    }
}

/* The calling thread's last second and its text: gmtime_r (which takes
 * glibc's time zone lock) and strftime run once per second, not per line. */
static _Thread_local time_t s_stamp_second = -1;
static _Thread_local char s_stamp_text[ES_LOG_TIME_SIZE];
static _Thread_local size_t s_stamp_len;

void es_log_timestamp(char out[ES_LOG_TIME_SIZE])
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    if (ts.tv_sec != s_stamp_second) {
        struct tm tm;
        gmtime_r(&ts.tv_sec, &tm);
        s_stamp_len = strftime(s_stamp_text, ES_LOG_TIME_SIZE - 6, "%Y-%m-%dT%H:%M:%S", &tm);
        s_stamp_second = ts.tv_sec;
    }
    size_t n = s_stamp_len;
    memcpy(out, s_stamp_text, n);
    unsigned ms = (unsigned)(ts.tv_nsec / 1000000L) % 1000u;
    out[n++] = '.';
    out[n++] = (char)('0' + ms / 100);
    out[n++] = (char)('0' + ms / 10 % 10);
    out[n++] = (char)('0' + ms % 10);
    out[n++] = 'Z';
    out[n] = '\0';
}

const char *es_log_level_name(es_log_level level)
{
    switch (level) {
    case ES_LOG_DEBUG: return "debug";
    case ES_LOG_INFO: return "info";
    case ES_LOG_WARN: return "warn";
    case ES_LOG_ERROR: return "error";
    }
    return "info";
}

bool es_log_enabled(es_log_level level) { return (int)level >= atomic_load(&s_level); }

static void s_emit(const char *line, size_t len)
{
    pthread_mutex_lock(&s_mutex);
    if (s_sink) {
        s_sink(s_sink_ctx, line, len);
    } else {
        size_t off = 0;
        while (off < len) {
            ssize_t w = write(STDERR_FILENO, line + off, len - off);
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0)
                break;
            off += (size_t)w;
        }
    }
    pthread_mutex_unlock(&s_mutex);
}

void es_log_write_line(const char *line, size_t len)
{
    if (line && len > 0)
        s_emit(line, len);
}

/* Each thread's line buffer, allocated on its first line and freed at thread
 * exit (or, without a key, one per line): a 16 KiB malloc and free per line
 * cost more than building the line (a thread's arena trimmed and refaulted
 * its top). */
static pthread_once_t s_line_once = PTHREAD_ONCE_INIT;
static pthread_key_t s_line_key;
static bool s_line_key_ok;

static void s_line_key_init(void) { s_line_key_ok = pthread_key_create(&s_line_key, free) == 0; }

static s_buf *s_thread_line(void)
{
    pthread_once(&s_line_once, s_line_key_init);
    if (!s_line_key_ok)
        return malloc(sizeof(s_buf));
    s_buf *b = pthread_getspecific(s_line_key);
    if (!b) {
        b = malloc(sizeof *b);
        if (b && pthread_setspecific(s_line_key, b) != 0) {
            free(b);
            b = NULL;
        }
    }
    return b;
}

void es_log_write(es_log_level level, const char *event, const es_log_field *fields, size_t n)
{
    if (!es_log_enabled(level))
        return;
    bool json = atomic_load(&s_format) == ES_LOG_FORMAT_JSON;
    char now[ES_LOG_TIME_SIZE];
    es_log_timestamp(now);
    s_buf *b = s_thread_line(); /* never nested: a sink that logged would wait on s_mutex for ever */
    if (!b)
        return;
    b->len = 0;
    b->limit = sizeof b->data - S_TAIL_RESERVE;
    b->overflow = false;
    const char *ev = event ? event : "log";
    if (json) {
        s_puts(b, "{\"time\":\"");
        s_puts(b, now);
        s_puts(b, "\",\"level\":\"");
        s_puts(b, es_log_level_name(level));
        s_puts(b, "\",\"event\":\"");
        s_put_escaped(b, ev, strnlen(ev, 128));
        s_puts(b, "\"");
    } else {
        char head[64];
        snprintf(head, sizeof head, "%s %-5s ", now, es_log_level_name(level));
        s_puts(b, head);
        s_put_escaped(b, ev, strnlen(ev, 128));
    }
    bool truncated = false;
    for (size_t i = 0; i < n && fields; i++) {
        size_t mark = b->len;
        s_put_field(b, &fields[i], json);
        if (b->overflow) { /* drop the field that did not fit and everything after it */
            b->len = mark;
            truncated = true;
            break;
        }
    }
    b->limit = sizeof b->data; /* the reserve is for the closing */
    b->overflow = false;
    if (truncated)
        s_puts(b, json ? ",\"log_truncated\":true" : " log_truncated=true");
    s_puts(b, json ? "}\n" : "\n");
    s_emit(b->data, b->len);
    if (!s_line_key_ok)
        free(b);
}

void es_log_configure(es_log_level min_level, es_log_format format)
{
    atomic_store(&s_level, (int)min_level);
    atomic_store(&s_format, (int)format);
}

es_err es_log_parse_level(const char *s, es_log_level *out)
{
    static const struct {
        const char *name;
        es_log_level level;
    } names[] = {{"debug", ES_LOG_DEBUG},
                 {"info", ES_LOG_INFO},
                 {"warn", ES_LOG_WARN},
                 {"warning", ES_LOG_WARN},
                 {"error", ES_LOG_ERROR}};
    ES_ENSURE_REF(s);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!strcasecmp(s, names[i].name)) {
            *out = names[i].level;
            return ES_OK;
        }
    return ES_ERR_CONFIG;
}

es_err es_log_parse_format(const char *s, es_log_format *out)
{
    ES_ENSURE_REF(s);
    if (!strcasecmp(s, "json"))
        *out = ES_LOG_FORMAT_JSON;
    else if (!strcasecmp(s, "text"))
        *out = ES_LOG_FORMAT_TEXT;
    else
        return ES_ERR_CONFIG;
    return ES_OK;
}

es_err es_log_configure_from_env(es_error *err)
{
    es_log_level level = (es_log_level)atomic_load(&s_level);
    es_log_format format = (es_log_format)atomic_load(&s_format);
    const char *v = getenv("EXIFSTRIP_LOG_LEVEL");
    if (v && *v && es_log_parse_level(v, &level) != ES_OK)
        return es_error_set(err, ES_ERR_CONFIG, "EXIFSTRIP_LOG_LEVEL: expected debug, info, warn or error");
    v = getenv("EXIFSTRIP_LOG_FORMAT");
    if (v && *v && es_log_parse_format(v, &format) != ES_OK)
        return es_error_set(err, ES_ERR_CONFIG, "EXIFSTRIP_LOG_FORMAT: expected json or text");
    es_log_configure(level, format);
    return ES_OK;
}

void es_log_set_sink(es_log_sink_fn fn, void *ctx)
{
    pthread_mutex_lock(&s_mutex);
    s_sink = fn;
    s_sink_ctx = ctx;
    pthread_mutex_unlock(&s_mutex);
}
