/* format.c - human-readable sizes and removal summaries for the
 * CLI's stderr/stdout reports. */
#include "cli/format.h"

#include <stdio.h>
#include <string.h>

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

const char *es_cli_shown_path(const char *path, char *buf, size_t cap)
{
    const char *p = path;
    while (*p && (unsigned char)*p >= 0x20 && *p != 0x7f)
        p++;
    if (!*p || cap == 0)
        return path;
    size_t o = 0;
    for (p = path; *p && o + 5 <= cap; p++) {
        unsigned char c = (unsigned char)*p;
        if (c < 0x20 || c == 0x7f)
            o += (size_t)snprintf(buf + o, cap - o, "\\x%02X", c);
        else
            buf[o++] = (char)c;
    }
    buf[o < cap ? o : cap - 1] = '\0';
    return buf;
}

void es_cli_removed_summary(const es_jpeg_stats *st, char *buf, size_t cap)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int k = 0; k < ES_JPEG_KIND_COUNT && used < cap; k++) {
        if (!st->removed_bytes[k] && !st->removed_count[k])
            continue;
        char size[32];
        es_cli_human_size(st->removed_bytes[k], size, sizeof size);
        int n = snprintf(buf + used, cap - used, "%s%s%s %s", used ? ", " : "",
                         es_jpeg_kind_name((es_jpeg_kind)k),
                         k == ES_JPEG_KIND_EXIF && st->exif_has_gps ? "(gps)" : "", size);
        if (n < 0)
            break;
        used += (size_t)n < cap - used ? (size_t)n : cap - used - 1;
    }
    if (!used)
        snprintf(buf, cap, "nothing");
}
