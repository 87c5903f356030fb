/* exif_defuse.c - the sub-IFD pointer pruning of exif_defuse.h: a walk of
 * the IFDs libexif would load (IFD0, IFD1 and those its pointers reach), at
 * most one of each kind, with the offsets already reached remembered. */
#include "jpeg/exif_defuse.h"

#include "jpeg/cursor.h"
#include "jpeg/tiff.h"

#define S_LIBEXIF_MAX_DS 0xFFFEu /* libexif reads at most this much of the payload */
#define S_MAX_IFDS 5             /* IFD0, IFD1, Exif, GPS, Interoperability */

static bool s_is_sub_ifd_pointer(uint16_t tag) { return tag == 0x8769 || tag == 0x8825 || tag == 0xA005; }

static void s_store_u16(uint8_t *p, uint16_t v, bool le)
{
    p[le ? 0 : 1] = (uint8_t)(v & 0xFF);
    p[le ? 1 : 0] = (uint8_t)(v >> 8);
}

static void s_store_u32(uint8_t *p, uint32_t v, bool le)
{
    for (int i = 0; i < 4; i++)
        p[le ? i : 3 - i] = (uint8_t)(v >> (8 * i));
}

typedef struct s_walk {
    uint8_t *tiff;
    uint32_t len;
    bool le;
    uint32_t ifds[S_MAX_IFDS]; /* offsets reached, in the order they are walked */
    unsigned nifds;
    uint16_t kinds_kept[3]; /* pointer tags already followed */
    unsigned nkinds;
} s_walk;

static bool s_reached(const s_walk *w, uint32_t off)
{
    for (unsigned i = 0; i < w->nifds; i++)
        if (w->ifds[i] == off)
            return true;
    return false;
}

static bool s_kind_kept(const s_walk *w, uint16_t tag)
{
    for (unsigned i = 0; i < w->nkinds; i++)
        if (w->kinds_kept[i] == tag)
            return true;
    return false;
}

/* Where IFD off's entries end (the offset of its next-IFD field), or 0 when
 * its count field lies outside the data; the entries are clamped to it. */
static uint32_t s_entries(const s_walk *w, uint32_t off, uint32_t *count)
{
    if (off > w->len || w->len - off < 2)
        return 0;
    uint32_t n = es_jpeg_load_u16(w->tiff + off, w->le);
    uint32_t room = (w->len - off - 2) / ES_TIFF_ENTRY_SIZE;
    *count = n < room ? n : room;
    return off + 2 + *count * ES_TIFF_ENTRY_SIZE;
}

/* Prunes the pointers of IFD off; queues the IFDs it keeps pointers to. */
static unsigned s_prune_ifd(s_walk *w, uint32_t off, bool rename_all)
{
    uint32_t count = 0;
    unsigned pruned = 0;
    if (!s_entries(w, off, &count))
        return 0;
    for (uint32_t i = 0; i < count; i++) {
        uint8_t *entry = w->tiff + off + 2 + i * ES_TIFF_ENTRY_SIZE;
        uint16_t tag = es_jpeg_load_u16(entry, w->le);
        if (!s_is_sub_ifd_pointer(tag))
            continue;
        uint32_t target = es_jpeg_load_u32(entry + 8, w->le);
        if (!rename_all && !s_kind_kept(w, tag) && !s_reached(w, target) && w->nifds < S_MAX_IFDS) {
            w->kinds_kept[w->nkinds++] = tag;
            w->ifds[w->nifds++] = target;
            continue;
        }
        s_store_u16(entry, ES_EXIF_DEFUSED_TAG, w->le);
        pruned++;
    }
    return pruned;
}

unsigned es_jpeg_exif_defuse(uint8_t *payload, size_t len, bool ifd0_only)
{
    if (!es_jpeg_is_exif_header(payload, len) || len < ES_TIFF_START + 8)
        return 0;
    size_t ds = len > S_LIBEXIF_MAX_DS ? S_LIBEXIF_MAX_DS : len;
    s_walk w = {.tiff = payload + ES_TIFF_START, .len = (uint32_t)(ds - ES_TIFF_START)};
    es_jpeg_cursor header;
    es_jpeg_cursor_init(&header, w.tiff, w.len);
    uint32_t ifd0;
    if (es_jpeg_tiff_header(&header, &w.le, &ifd0) != ES_OK)
        return 0;
    w.ifds[w.nifds++] = ifd0;
    unsigned pruned = s_prune_ifd(&w, ifd0, ifd0_only);
    uint32_t count;
    uint32_t next_field = s_entries(&w, ifd0, &count);
    if (next_field && w.len - next_field >= 4) { /* IFD1's offset, after IFD0's entries */
        uint32_t ifd1 = es_jpeg_load_u32(w.tiff + next_field, w.le);
        if (ifd1 && (ifd0_only || s_reached(&w, ifd1) || w.nifds >= S_MAX_IFDS)) {
            s_store_u32(w.tiff + next_field, 0, w.le);
            pruned++;
        } else if (ifd1) {
            w.ifds[w.nifds++] = ifd1;
        }
    }
    for (unsigned i = 1; i < w.nifds; i++) /* the IFDs reached, each once; more may join */
        pruned += s_prune_ifd(&w, w.ifds[i], false);
    return pruned;
}
