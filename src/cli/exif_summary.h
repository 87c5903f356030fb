/* exif_summary.h - the privacy-relevant facts of an Exif APP1 payload, read
 * with libexif for `exifstrip inspect`: GPS (and the position), orientation,
 * camera make/model, capture time and the embedded thumbnail's size. */
#ifndef ES_CLI_EXIF_SUMMARY_H
#define ES_CLI_EXIF_SUMMARY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Largest Exif payload inspect reads (an APP1 segment cannot be bigger). */
#define ES_CLI_EXIF_MAX ((size_t)64 * 1024)

typedef struct es_cli_exif {
    bool unread;       /* no memory to read it: nothing below is known */
    bool parsed;       /* libexif found at least one IFD entry */
    bool gps;          /* the GPS IFD has entries */
    bool has_position; /* latitude and longitude (decimal degrees) are valid */
    double latitude, longitude;
    int orientation;                                 /* 0 when absent */
    char make[64], model[64], datetime_original[32]; /* printable ASCII, "" when absent */
    uint32_t thumbnail_bytes;
} es_cli_exif;

/* Summarises payload (starting with "Exif\0\0", at most ES_CLI_EXIF_MAX bytes). */
void es_cli_exif_summarize(const uint8_t *payload, size_t len, es_cli_exif *out);

#endif
