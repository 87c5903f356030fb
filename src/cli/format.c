/* format.c - human-readable sizes, marker names and removal summaries for the
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

const char *es_cli_marker_name(uint8_t m, char buf[8])
{
    static const struct {
        uint8_t marker;
        const char *name;
    } fixed[] = {{0xC4, "DHT"}, {0xC8, "JPG"}, {0xCC, "DAC"}, {0xD8, "SOI"}, {0xD9, "EOI"},
                 {0xDA, "SOS"}, {0xDB, "DQT"}, {0xDC, "DNL"}, {0xDD, "DRI"}, {0xDE, "DHP"},
                 {0xDF, "EXP"}, {0xFE, "COM"}, {0x01, "TEM"}};
    if (m == 0) {
        snprintf(buf, 8, "-");
        return buf;
    }
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        if (fixed[i].marker == m) {
            snprintf(buf, 8, "%s", fixed[i].name);
            return buf;
        }
    if (m >= 0xC0 && m <= 0xCF)
        snprintf(buf, 8, "SOF%u", (unsigned)(m - 0xC0));
    else if (m >= 0xD0 && m <= 0xD7)
        snprintf(buf, 8, "RST%u", (unsigned)(m - 0xD0));
    else if (m >= 0xE0 && m <= 0xEF)
        snprintf(buf, 8, "APP%u", (unsigned)(m - 0xE0));
    else if (m >= 0xF0 && m <= 0xFD)
        snprintf(buf, 8, "JPG%u", (unsigned)(m - 0xF0));
    else
        snprintf(buf, 8, "0x%02X", (unsigned)m);
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
        int n = snprintf(buf + used, cap - used, "%s%s%s %s", used ? ", " : "", es_jpeg_kind_name((es_jpeg_kind)k),
                         k == ES_JPEG_KIND_EXIF && st->exif_has_gps ? "(gps)" : "", size);
        if (n < 0)
            break;
        used += (size_t)n < cap - used ? (size_t)n : cap - used - 1;
    }
    if (!used)
        snprintf(buf, cap, "nothing");
}
