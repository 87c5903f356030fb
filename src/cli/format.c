/* format.c - human-readable sizes, removal summaries, and names (file names,
 * S3 keys) made safe to print or to paste into a shell, for the CLI's
 * stderr/stdout reports. */
#include "cli/format.h"

#include <stdio.h>
#include <string.h>

#include "common/utf8.h"

void es_cli_human_size(uint64_t bytes, char *buf, size_t cap)
{
    static const char *const units[] = {"KiB", "MiB", "GiB", "TiB"};
    if (bytes < 1024) {
        snprintf(buf, cap, "%llu B", (unsigned long long)bytes);
        return;
    }
    double v = (double)bytes / 1024.0;
    size_t u = 0;
    while (v >= 1024.0 && u + 1 < sizeof units / sizeof units[0]) {
        v /= 1024.0;
        u++;
    }
    snprintf(buf, cap, "%.1f %s", v, units[u]);
}

/* Whether the character at s (n > 0 bytes left) must not be printed as it
 * is: a control character (C0, DEL, C1), a line or paragraph separator
 * (U+2028, U+2029), a bidi embedding, override or isolate (U+202A..U+202E,
 * U+2066..U+2069), or a byte that does not start valid UTF-8. *len is its
 * length in bytes. */
static bool s_unsafe(const unsigned char *s, size_t n, size_t *len)
{
    *len = es_utf8_seq_len(s, n);
    if (*len == 0) {
        *len = 1;
        return true;
    }
    if (*len == 1)
        return s[0] < 0x20 || s[0] == 0x7f;
    if (*len == 2)
        return s[0] == 0xC2 && s[1] < 0xA0; /* U+0080..U+009F */
    if (*len == 3 && s[0] == 0xE2) {
        unsigned cp = 0x2000u | (unsigned)(s[1] & 0x3F) << 6 | (unsigned)(s[2] & 0x3F);
        return (cp >= 0x2028 && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
    }
    return false;
}

static bool s_has_unsafe(const char *s)
{
    size_t n = strlen(s), len;
    for (size_t i = 0; i < n; i += len)
        if (s_unsafe((const unsigned char *)s + i, n - i, &len))
            return true;
    return false;
}

/* Writes s to buf (cap > 0 bytes) with each byte of an unsafe character as
 * \xNN and, when quote, \ and ' as \\ and \' (bash's $'...'). Cut at a
 * whole character when buf is too small: then false. */
static bool s_escape(const char *s, bool quote, char *buf, size_t cap)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s), o = 0, len;
    for (size_t i = 0; i < n; i += len) {
        bool unsafe = s_unsafe(p + i, n - i, &len);
        bool backslash = !unsafe && quote && (p[i] == '\\' || p[i] == '\'');
        size_t need = unsafe ? 4 * len : len + backslash;
        if (need >= cap - o) {
            buf[o] = '\0';
            return false;
        }
        for (size_t k = 0; unsafe && k < len; k++)
            o += (size_t)snprintf(buf + o, cap - o, "\\x%02X", p[i + k]);
        if (backslash)
            buf[o++] = '\\';
        if (!unsafe) {
            memcpy(buf + o, p + i, len);
            o += len;
        }
    }
    buf[o] = '\0';
    return true;
}

const char *es_cli_shown_path(const char *path, char *buf, size_t cap)
{
    if (cap == 0 || !s_has_unsafe(path))
        return path;
    (void)s_escape(path, false, buf, cap);
    return buf;
}

/* s between single quotes, each ' as '\''. False when cap is too small. */
static bool s_single_quoted(const char *s, char *buf, size_t cap)
{
    size_t o = 0;
    for (const char *c = s; *c; c++) {
        const char *part = *c == '\'' ? "'\\''" : NULL;
        size_t need = part ? 4 : 1;
        if (need >= cap - o - 1) /* room for the closing quote and the NUL */
            return false;
        if (part)
            memcpy(buf + o, part, need);
        else
            buf[o] = *c;
        o += need;
    }
    buf[o++] = '\'';
    buf[o] = '\0';
    return true;
}

bool es_cli_shell_word(const char *s, char *buf, size_t cap)
{
    bool dollar = s_has_unsafe(s);
    size_t open = dollar ? 2 : 1;
    if (cap < open + 2)
        return false;
    memcpy(buf, dollar ? "$'" : "'", open);
    if (!dollar)
        return s_single_quoted(s, buf + open, cap - open);
    if (!s_escape(s, true, buf + open, cap - open - 1))
        return false;
    size_t o = open + strlen(buf + open);
    buf[o++] = '\'';
    buf[o] = '\0';
    return true;
}

/* Appends "<name><qualifier> <size><tail>" to the list in buf (used bytes so
 * far), ", " between items; a list longer than cap is cut there. */
static void s_append_removed_item(char *buf, size_t cap, size_t *used, const char *name,
                                  const char *qualifier, uint64_t bytes, const char *tail)
{
    char size[32];
    es_cli_human_size(bytes, size, sizeof size);
    int n = snprintf(buf + *used, cap - *used, "%s%s%s %s%s", *used ? ", " : "", name, qualifier, size, tail);
    if (n > 0)
        *used += (size_t)n < cap - *used ? (size_t)n : cap - *used - 1;
}

void es_cli_removed_summary(const es_jpeg_stats *st, char *buf, size_t cap)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int k = 0; k < ES_JPEG_KIND_COUNT; k++) {
        if (!st->removed_bytes[k] && !st->removed_count[k])
            continue;
        bool gps = k == ES_JPEG_KIND_EXIF && st->exif_has_gps;
        s_append_removed_item(buf, cap, &used, es_jpeg_kind_name((es_jpeg_kind)k),
                              gps ? "(" ES_JPEG_ITEM_GPS ")" : "", st->removed_bytes[k], "");
    }
    if (st->scrubbed_bytes) /* a kept ICC profile, zeroed in place (audit's name) */
        s_append_removed_item(buf, cap, &used, ES_JPEG_ITEM_ICC_TEXT, "", st->scrubbed_bytes,
                              " (zeroed in place)");
    if (!used)
        snprintf(buf, cap, "nothing");
}

void es_cli_refuse(const char *command, const char *prefix, const char *msg)
{
    char shown[ES_CLI_SHOWN_SIZE];
    fprintf(stderr, "exifstrip %s: %s%s\n", command, prefix, es_cli_shown_path(msg, shown, sizeof shown));
}
