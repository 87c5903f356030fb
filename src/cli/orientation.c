/* orientation.c - the orientation summary inspect prints ("orientation: 6, strip would rotate 90° cw, trim 5 px left"). */
#include "cli/orientation.h"

#include <stdio.h>
#include <string.h>

void es_cli_orientation_plan(const uint8_t *exif, size_t exif_len, uint8_t sof_marker, const uint8_t *sof,
                             size_t sof_len, uint64_t frame_end, uint64_t file_len, es_cli_orientation *out)
{
    memset(out, 0, sizeof *out);
    out->tag = exif ? es_orient_read_tag(exif, exif_len, &out->why) : 0;
    es_orient_frame f;
    out->have_frame = sof && es_orient_frame_parse(sof_marker, sof, sof_len, &f);
    if (out->tag < 2)
        return;
    es_orient_plan_make((unsigned)out->tag, out->have_frame ? &f : NULL, 0, file_len, &out->plan);
    if (frame_end > ES_ORIENT_DECIDE_CAP) /* strip judges this first */
        es_orient_plan_frame_too_far(&out->plan);
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
    } else if (o->plan.fallback[0]) {
        snprintf(buf, cap, "%d: strip would keep the tag (%s)", o->tag, o->plan.fallback);
    } else {
        es_orient_plan_describe(&o->plan, what, sizeof what);
        snprintf(buf, cap, "%d: strip would %s -> %ux%u", o->tag, what, o->plan.out_width, o->plan.out_height);
    }
}
