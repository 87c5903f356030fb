/* orientation.h - the CLI's side of the EXIF orientation handling: the
 * options strip and inspect share (--orientation, --max-pixels and
 * EXIFSTRIP_MAX_PIXELS) and what inspect shows about a photo's orientation. */
#ifndef ES_CLI_ORIENTATION_H
#define ES_CLI_ORIENTATION_H

#include <stdbool.h>
#include <stdint.h>

#include "exifstrip/orient.h"

/* Each sets its part of cfg from text, or prints "exifstrip CMD: ..." on
 * stderr and returns false. _env reads EXIFSTRIP_MAX_PIXELS (unset or empty:
 * nothing to do); a later --max-pixels overrides it. */
bool es_cli_orientation_mode_arg(const char *cmd, const char *text, es_orient_config *cfg);
bool es_cli_orientation_pixels_arg(const char *cmd, const char *text, es_orient_config *cfg);
bool es_cli_orientation_env(const char *cmd, es_orient_config *cfg);

/* What `strip --orientation MODE` would do with a photo: from the first
 * Exif payload (NULL: none) and the first frame header payload (NULL: none). */
typedef struct es_cli_orientation {
    int tag;         /* 1..8, 0 none, -1 corrupt/invalid */
    const char *why; /* for -1 */
    bool have_frame;
    es_orient_mode mode;
    es_orient_plan plan; /* valid when tag >= 2, mode apply and have_frame */
} es_cli_orientation;

/* frame_end: where the frame header segment ends in the file (its offset
 * plus length); past ES_ORIENT_DECIDE_CAP strip keeps the tag, and so says
 * this. The caller passes only an Exif segment ending within that cap. */
void es_cli_orientation_plan(const es_orient_config *cfg, const uint8_t *exif, size_t exif_len,
                             uint8_t sof_marker, const uint8_t *sof, size_t sof_len, uint64_t frame_end,
                             uint64_t file_len, es_cli_orientation *out);
/* Whether strip would turn the pixels (apply with a tag 2..8 and no fallback). */
bool es_cli_orientation_turns(const es_cli_orientation *o);
/* Whether strip would write back the minimal Exif holding only the tag
 * (ES_ORIENT_TAG_SEGMENT_LEN bytes): keep with a tag 2..8, or apply's fallback. */
bool es_cli_orientation_keeps_tag(const es_cli_orientation *o);
/* One line: "6 (rotate 90° cw, trim 5 px left)", "none", "1 (upright, nothing to do)". */
void es_cli_orientation_text(const es_cli_orientation *o, char *buf, size_t cap);

#endif
