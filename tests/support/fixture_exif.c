/* fixture_exif.c - the APP1 Exif segment of a fixture, built with libexif:
 * IFD0 Make/Model/DateTime/Orientation, an Exif IFD with DateTimeOriginal,
 * optionally a GPS IFD and an IFD1 with a small JPEG thumbnail. Odd seeds use
 * Motorola (big-endian) byte order, even seeds Intel. */
#include "fixture_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libexif/exif-data.h>
#include <libexif/exif-utils.h>

/* Adds an entry with freshly allocated zeroed data; returns the data or NULL. */
static unsigned char *s_entry(ExifData *ed, ExifIfd ifd, ExifTag tag, ExifFormat fmt, unsigned long n)
{
    ExifMem *mem = exif_mem_new_default();
    ExifEntry *e = mem ? exif_entry_new_mem(mem) : NULL;
    size_t size = (size_t)exif_format_get_size(fmt) * n;
    unsigned char *data = e ? exif_mem_alloc(mem, (ExifLong)size) : NULL;
    if (data) {
        memset(data, 0, size);
        e->data = data;
        e->size = (unsigned int)size;
        e->tag = tag;
        e->format = fmt;
        e->components = n;
        exif_content_add_entry(ed->ifd[ifd], e);
    }
    if (e)
        exif_entry_unref(e);
    if (mem)
        exif_mem_unref(mem);
    return data;
}

static void s_ascii(ExifData *ed, ExifIfd ifd, ExifTag tag, const char *s)
{
    unsigned char *d = s_entry(ed, ifd, tag, EXIF_FORMAT_ASCII, (unsigned long)strlen(s) + 1);
    if (d)
        memcpy(d, s, strlen(s) + 1);
}

static void s_short(ExifData *ed, ExifIfd ifd, ExifTag tag, ExifShort v)
{
    unsigned char *d = s_entry(ed, ifd, tag, EXIF_FORMAT_SHORT, 1);
    if (d)
        exif_set_short(d, exif_data_get_byte_order(ed), v);
}

/* Degrees/minutes/seconds as three rationals. */
static void s_dms(ExifData *ed, ExifTag tag, unsigned deg, unsigned min, unsigned sec_x100)
{
    unsigned char *d = s_entry(ed, EXIF_IFD_GPS, tag, EXIF_FORMAT_RATIONAL, 3);
    if (!d)
        return;
    ExifByteOrder bo = exif_data_get_byte_order(ed);
    ExifRational r[3] = {{deg, 1}, {min, 1}, {sec_x100, 100}};
    for (int i = 0; i < 3; i++)
        exif_set_rational(d + 8 * i, bo, r[i]);
}

static void s_gps(ExifData *ed, unsigned seed)
{
    unsigned char *ver = s_entry(ed, EXIF_IFD_GPS, (ExifTag)EXIF_TAG_GPS_VERSION_ID, EXIF_FORMAT_BYTE, 4);
    if (ver)
        memcpy(ver, "\x02\x02\x00\x00", 4);
    s_ascii(ed, EXIF_IFD_GPS, (ExifTag)EXIF_TAG_GPS_LATITUDE_REF, "N");
    s_dms(ed, (ExifTag)EXIF_TAG_GPS_LATITUDE, 48, 51, 2950 + seed % 100);
    s_ascii(ed, EXIF_IFD_GPS, (ExifTag)EXIF_TAG_GPS_LONGITUDE_REF, "E");
    s_dms(ed, (ExifTag)EXIF_TAG_GPS_LONGITUDE, 2, 17, 4012);
}

static int s_thumbnail(ExifData *ed, unsigned seed)
{
    es_fixture_opts t = {.components = 3, .quality = 60, .no_jfif = true};
    es_fixture_buf jpg = {0};
    if (es_fixture_encode(&t, 16, 12, seed + 7, &jpg) != 0)
        return -1;
    /* libexif frees ed->data with its default allocator (free). */
    ed->data = jpg.data;
    ed->size = (unsigned int)jpg.len;
    s_short(ed, EXIF_IFD_1, EXIF_TAG_COMPRESSION, 6);
    return 0;
}

void es_fixture_seg_exif(const es_fixture_opts *o, es_fixture_buf *out)
{
    ExifData *ed = exif_data_new();
    unsigned char *raw = NULL;
    unsigned int raw_len = 0;
    if (!ed) {
        out->failed = true;
        return;
    }
    exif_data_unset_option(ed, EXIF_DATA_OPTION_FOLLOW_SPECIFICATION);
    exif_data_set_byte_order(ed, o->seed % 2 ? EXIF_BYTE_ORDER_MOTOROLA : EXIF_BYTE_ORDER_INTEL);
    s_ascii(ed, EXIF_IFD_0, EXIF_TAG_MAKE, "FixtureCam");
    s_ascii(ed, EXIF_IFD_0, EXIF_TAG_MODEL, "FC-1 Secret Edition");
    s_ascii(ed, EXIF_IFD_0, EXIF_TAG_DATE_TIME, "2021:06:01 12:34:56");
    if (o->orientation > 0)
        s_short(ed, EXIF_IFD_0, EXIF_TAG_ORIENTATION, (ExifShort)o->orientation);
    unsigned char *ver = s_entry(ed, EXIF_IFD_EXIF, EXIF_TAG_EXIF_VERSION, EXIF_FORMAT_UNDEFINED, 4);
    if (ver)
        memcpy(ver, "0230", 4);
    s_ascii(ed, EXIF_IFD_EXIF, EXIF_TAG_DATE_TIME_ORIGINAL, "2021:06:01 12:34:56");
    if (o->exif_gps)
        s_gps(ed, o->seed);
    if (o->exif_thumbnail && s_thumbnail(ed, o->seed) != 0)
        out->failed = true;
    exif_data_save_data(ed, &raw, &raw_len); /* starts with "Exif\0\0" */
    if (!raw || raw_len < 14 || memcmp(raw, "Exif\0\0", 6) != 0) {
        fprintf(stderr, "fixture: libexif produced no Exif data\n");
        out->failed = true;
    } else {
        es_fixture_buf_segment(out, 0xE1, raw, raw_len);
    }
    free(raw);
    exif_data_unref(ed);
}
