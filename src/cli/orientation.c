/* orientation.c - the orientation options strip and inspect share, and the
 * orientation summary inspect prints ("orientation: 6: strip would rotate
 * 90° cw, trim 5 px left -> 48x45"). */
#include "cli/orientation.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool es_cli_orientation_mode_arg(const char *cmd, const char *text, es_orient_config *cfg)
{
    if (es_orient_mode_parse(text, &cfg->mode))
        return true;
    fprintf(stderr, "exifstrip %s: --orientation must be apply, keep or drop, not '%s'\n", cmd, text);
    return false;
}

static bool s_pixels(const char *cmd, const char *source, const char *text, es_orient_config *cfg)
{
    if (es_orient_parse_pixels(text, &cfg->max_pixels))
        return true;
    fprintf(stderr, "exifstrip %s: %s must be a positive number, not '%s'\n", cmd, source, text);
    return false;
}

bool es_cli_orientation_pixels_arg(const char *cmd, const char *text, es_orient_config *cfg)
{
    return s_pixels(cmd, "--max-pixels", text, cfg);
}

bool es_cli_orientation_env(const char *cmd, es_orient_config *cfg)
{
    const char *text = getenv("EXIFSTRIP_MAX_PIXELS");
    return !text || !*text || s_pixels(cmd, "EXIFSTRIP_MAX_PIXELS", text, cfg);
}

void es_cli_orientation_plan(const es_orient_config *cfg, const uint8_t *exif, size_t exif_len,
                             uint8_t sof_marker, const uint8_t *sof, size_t sof_len, uint64_t frame_end,
                             uint64_t file_len, es_cli_orientation *out)
{
    memset(out, 0, sizeof *out);
    out->mode = cfg->mode;
    out->tag = exif ? es_orient_read_tag(exif, exif_len, &out->why) : 0;
    es_orient_frame f;
    out->have_frame = sof && es_orient_frame_parse(sof_marker, sof, sof_len, &f);
    if (out->tag < 2 || out->mode != ES_ORIENT_APPLY)
        return;
    es_orient_plan_make((unsigned)out->tag, out->have_frame ? &f : NULL, cfg->max_pixels, file_len, &out->plan);
    if (frame_end > ES_ORIENT_DECIDE_CAP) /* strip judges this first */
        es_orient_plan_frame_too_far(&out->plan);
}

bool es_cli_orientation_turns(const es_cli_orientation *o)
{
    return o->tag >= 2 && o->mode == ES_ORIENT_APPLY && !o->plan.fallback[0];
}

bool es_cli_orientation_keeps_tag(const es_cli_orientation *o)
{
    return o->tag >= 2 && (o->mode == ES_ORIENT_KEEP || (o->mode == ES_ORIENT_APPLY && o->plan.fallback[0]));
}

void es_cli_orientation_text(const es_cli_orientation *o, char *buf, size_t cap)
{
    char what[160];
    if (o->tag < 0) {
        snprintf(buf, cap, "unreadable (%s): treated as 1, nothing to do", o->why ? o->why : "?");
    } else if (o->tag == 0) {
        snprintf(buf, cap, "none");
    } else if (o->tag == 1) {
        snprintf(buf, cap, "1 (upright): nothing to do");
    } else if (o->mode == ES_ORIENT_KEEP) {
        snprintf(buf, cap, "%d: strip would keep only the tag (--orientation keep)", o->tag);
    } else if (o->mode == ES_ORIENT_DROP) {
        snprintf(buf, cap, "%d: strip would drop the tag (--orientation drop): the photo shows as stored",
                 o->tag);
    } else if (o->plan.fallback[0]) {
        snprintf(buf, cap, "%d: strip would keep the tag (%s)", o->tag, o->plan.fallback);
    } else {
        es_orient_plan_describe(&o->plan, what, sizeof what);
        snprintf(buf, cap, "%d: strip would %s -> %ux%u", o->tag, what, o->plan.out_width, o->plan.out_height);
    }
}
