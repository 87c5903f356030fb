/* exif_summary.c - reads an Exif payload with libexif (without "fixing" it,
 * so no default entries are invented) and extracts the facts inspect shows. */
#include "cli/exif_summary.h"

#include <stdlib.h>
#include <string.h>

#include <libexif/exif-data.h>
#include <libexif/exif-utils.h>

#include "jpeg/exif_defuse.h"
#include "jpeg/tiff.h"
#include "orient/exif_load.h"

/* Copies an ASCII entry as printable ASCII ('?' for anything else). */
static void s_ascii(ExifContent *c, ExifTag tag, char *dst, size_t cap)
{
    ExifEntry *e = exif_content_get_entry(c, tag);
    size_t n = 0;
    if (e && e->data && e->format == EXIF_FORMAT_ASCII) {
        for (size_t i = 0; i < e->size && e->data[i] && n + 1 < cap; i++)
            dst[n++] = e->data[i] >= 0x20 && e->data[i] < 0x7F ? (char)e->data[i] : '?';
        while (n > 0 && dst[n - 1] == ' ')
            n--;
    }
    dst[n] = '\0';
}

/* Degrees from a GPS coordinate (3 rationals) and its N/S/E/W reference. */
static bool s_coordinate(ExifData *ed, ExifTag tag, ExifTag ref_tag, char negative, double *out)
{
    ExifContent *gps = ed->ifd[EXIF_IFD_GPS];
    ExifEntry *e = exif_content_get_entry(gps, tag);
    ExifEntry *ref = exif_content_get_entry(gps, ref_tag);
    if (!e || !e->data || e->format != EXIF_FORMAT_RATIONAL || e->components < 3 || e->size < 24)
        return false;
    ExifByteOrder bo = exif_data_get_byte_order(ed);
    double v = 0, scale = 1;
    for (int i = 0; i < 3; i++, scale *= 60) {
        ExifRational r = exif_get_rational(e->data + 8 * i, bo);
        if (r.denominator == 0)
            return false;
        v += (double)r.numerator / (double)r.denominator / scale;
    }
    if (ref && ref->data && ref->size >= 1 && ref->data[0] == (unsigned char)negative)
        v = -v;
    *out = v;
    return true;
}

void es_cli_exif_summarize(const uint8_t *payload, size_t len, es_cli_exif *out)
{
    memset(out, 0, sizeof *out);
    if (!payload || len < 14 || len > ES_CLI_EXIF_MAX)
        return;
    /* libexif reads a copy: "Exif\0\0" only (a 0xFF pad byte is set to 0),
     * and each sub-IFD reached once (exif_defuse.h) */
    uint8_t *copy = malloc(len);
    if (!copy) {
        out->unread = true;
        return;
    }
    memcpy(copy, payload, len);
    if (es_jpeg_is_exif_header(copy, len))
        copy[ES_TIFF_START - 1] = 0;
    es_jpeg_exif_defuse(copy, len, false);
    es_orient_exif_notes notes;
    ExifData *ed = es_orient_exif_load(copy, len, &notes);
    if (notes.no_memory) { /* entries were dropped: what is left says less than the segment holds */
        out->unread = true;
        if (ed)
            exif_data_unref(ed);
        free(copy);
        return;
    }
    unsigned entries = 0;
    for (int i = 0; i < EXIF_IFD_COUNT; i++)
        entries += ed->ifd[i] ? ed->ifd[i]->count : 0;
    out->parsed = entries > 0 || ed->size > 0;
    out->gps = ed->ifd[EXIF_IFD_GPS]->count > 0;
    out->has_position = s_coordinate(ed, (ExifTag)EXIF_TAG_GPS_LATITUDE, (ExifTag)EXIF_TAG_GPS_LATITUDE_REF,
                                     'S', &out->latitude) &&
                        s_coordinate(ed, (ExifTag)EXIF_TAG_GPS_LONGITUDE, (ExifTag)EXIF_TAG_GPS_LONGITUDE_REF,
                                     'W', &out->longitude);
    ExifEntry *o = exif_content_get_entry(ed->ifd[EXIF_IFD_0], EXIF_TAG_ORIENTATION);
    if (o && o->data && o->format == EXIF_FORMAT_SHORT && o->size >= 2)
        out->orientation = exif_get_short(o->data, exif_data_get_byte_order(ed));
    s_ascii(ed->ifd[EXIF_IFD_0], EXIF_TAG_MAKE, out->make, sizeof out->make);
    s_ascii(ed->ifd[EXIF_IFD_0], EXIF_TAG_MODEL, out->model, sizeof out->model);
    s_ascii(ed->ifd[EXIF_IFD_EXIF], EXIF_TAG_DATE_TIME_ORIGINAL, out->datetime_original,
            sizeof out->datetime_original);
    out->thumbnail_bytes = ed->size;
    exif_data_unref(ed);
    free(copy);
}
