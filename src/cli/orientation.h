/* orientation.h - the CLI's side of the EXIF orientation handling: what
 * inspect shows about a photo's orientation. */
#ifndef ES_CLI_ORIENTATION_H
#define ES_CLI_ORIENTATION_H

#include <stdbool.h>
#include <stdint.h>

#include "exifstrip/orient.h"

/* What `strip --orientation apply` would do with a photo: from the first
 * Exif payload (NULL: none) and the first frame header payload (NULL: none). */
typedef struct es_cli_orientation {
    int tag;         /* 1..8, 0 none, -1 corrupt/invalid */
    const char *why; /* for -1 */
    bool have_frame;
    es_orient_plan plan; /* valid when tag >= 2 and have_frame */
} es_cli_orientation;

/* frame_end: where the frame header segment ends in the file (its offset
 * plus length); past ES_ORIENT_DECIDE_CAP strip keeps the tag, and so says
 * this. The caller passes only an Exif segment ending within that cap. */
void es_cli_orientation_plan(const uint8_t *exif, size_t exif_len, uint8_t sof_marker, const uint8_t *sof,
                             size_t sof_len, uint64_t frame_end, uint64_t file_len, es_cli_orientation *out);
/* One line: "6 (rotate 90° cw, trim 5 px left)", "none", "1 (upright, nothing to do)". */
void es_cli_orientation_text(const es_cli_orientation *o, char *buf, size_t cap);

#endif
