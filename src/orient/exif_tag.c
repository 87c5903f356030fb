/* exif_tag.c - the Orientation tag in and out: read from an Exif APP1 payload
 * (the plain cases by src/jpeg/exif_orient_plain.c without libexif, the rest
 * with libexif, data left as it is, so no default entry is invented), and the
 * minimal APP1 segment that holds nothing but that tag (keep mode).
 * libexif parses a private copy of the payload on the stack, never the
 * caller's bytes: those may be a lent mapping of a file that shrinks
 * (`exifstrip strip`, src/cli/stream.c), whose SIGBUS handler jumps out of
 * the read; in the copy it can only come before libexif has allocated
 * anything (tests/orient/abandon_test.c). */
#include <string.h>

#include <libexif/exif-data.h>
#include <libexif/exif-utils.h>

#include "exifstrip/orient.h"
#include "jpeg/exif_defuse.h"
#include "jpeg/exif_orient_plain.h"
#include "jpeg/tiff.h"
#include "orient/exif_load.h"

#define S_EXIF_HEADER_LEN 6 /* "Exif\0\0" */

int es_orient_read_tag(const uint8_t *payload, size_t len, const char **why)
{
    int plain = es_jpeg_exif_orient_plain(payload, len);
    if (plain == ES_JPEG_ORIENT_UNSURE)
        return es_orient_read_tag_libexif(payload, len, why);
    if (why)
        *why = NULL;
    return plain;
}

int es_orient_read_tag_libexif(const uint8_t *payload, size_t len, const char **why)
{
    const char *ignored;
    if (!why)
        why = &ignored;
    *why = NULL;
    if (len <= S_EXIF_HEADER_LEN || len > 0xFFFF || !es_jpeg_is_exif_header(payload, len)) {
        *why = "corrupt Exif (too short or no Exif header)";
        return -1;
    }
    uint8_t copy[0xFFFF]; /* len's bound: one APP1 segment's payload */
    memcpy(copy, payload, len);
    copy[S_EXIF_HEADER_LEN - 1] = 0;      /* libexif reads "Exif\0\0" only */
    es_jpeg_exif_defuse(copy, len, true); /* IFD0 alone holds the tag: no sub-IFD is read */
    es_orient_exif_notes notes;
    ExifData *ed = es_orient_exif_load(copy, len, &notes);
    if (notes.no_memory) {
        *why = "no memory to read the Exif";
        if (ed)
            exif_data_unref(ed);
        return ES_ORIENT_TAG_UNREAD;
    }
    int tag = -1;
    ExifEntry *e = exif_content_get_entry(ed->ifd[EXIF_IFD_0], EXIF_TAG_ORIENTATION);
    if (e && e->data && e->format == EXIF_FORMAT_SHORT && e->components >= 1 && e->size >= 2) {
        unsigned v = exif_get_short(e->data, exif_data_get_byte_order(ed));
        if (v >= 1 && v <= 8)
            tag = (int)v;
        else
            *why = "invalid Orientation value (not 1..8)";
    } else if (e) {
        *why = "invalid Orientation entry (not one SHORT)";
    } else if (ed->ifd[EXIF_IFD_0] && ed->ifd[EXIF_IFD_0]->count == 0 && notes.corrupt) {
        *why = "corrupt Exif (libexif cannot parse it)";
    } else {
        tag = 0;
    }
    exif_data_unref(ed);
    return tag;
}

void es_orient_tag_segment(unsigned tag, uint8_t out[ES_ORIENT_TAG_SEGMENT_LEN])
{
    static const uint8_t head[] = {
        0xFF, 0xE1, 0x00, ES_ORIENT_TAG_SEGMENT_LEN - 2, /* APP1, length */
        'E',  'x',  'i',  'f',
        0,    0, /* Exif identifier */
        'M',  'M',  0x00, 0x2A,
        0x00, 0x00, 0x00, 0x08, /* big-endian TIFF, IFD0 at 8 */
        0x00, 0x01,             /* one entry */
        0x01, 0x12, 0x00, 0x03,
        0x00, 0x00, 0x00, 0x01, /* Orientation, SHORT, count 1 */
    };
    memcpy(out, head, sizeof head);
    out[sizeof head] = 0;
    out[sizeof head + 1] = (uint8_t)(tag >= 1 && tag <= 8 ? tag : 1);
    memset(out + sizeof head + 2, 0, 2 + 4); /* value padding, no next IFD */
}
