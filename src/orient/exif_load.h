/* exif_load.h - an Exif payload loaded into libexif the way exifstrip reads
 * it: data left as it is (nothing fixed, no default entry invented, the
 * maker note untouched) and libexif's log watched, because that log is the
 * only place where libexif says it met corrupt data or dropped entries for
 * lack of memory. Shared by the Orientation read (exif_tag.c) and inspect's
 * summary (src/cli/exif_summary.c). Internal to exifstrip. */
#ifndef ES_ORIENT_EXIF_LOAD_H
#define ES_ORIENT_EXIF_LOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libexif/exif-data.h>

typedef struct es_orient_exif_notes {
    bool corrupt;   /* libexif logged corrupt data (or lack of memory) */
    bool no_memory; /* libexif dropped what it had no memory for: what it read is incomplete */
} es_orient_exif_notes;

/* Loads len bytes of payload ("Exif\0\0" and a TIFF structure) into new
 * libexif data; NULL when there is no memory for it (then notes->no_memory
 * is set too). notes is written by libexif's log while the data lives, so
 * it must outlive the result; the caller releases it with exif_data_unref. */
ExifData *es_orient_exif_load(const uint8_t *payload, size_t len, es_orient_exif_notes *notes);

#endif
