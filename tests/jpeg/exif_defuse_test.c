/* exif_defuse_test.c - the sub-IFD pointer pruning before libexif: a plain
 * structure (IFD0 -> Exif IFD -> Interoperability, IFD0 -> GPS, IFD1) is
 * left alone, or reduced to IFD0 when only IFD0 is wanted; pointers back to
 * an IFD already reached, a second pointer of a kind, and IFD1 pointing back
 * are renamed or zeroed, in both byte orders; a second pass finds nothing
 * left; a payload that is no TIFF, or cut anywhere, is read within its
 * bounds (a private copy of exactly its size, run under ASan). */
#include <stdlib.h>
#include <string.h>

#include "../harness/test.h"
#include "jpeg/cursor.h"
#include "jpeg/exif_defuse.h"

#define S_EXIF 0x8769
#define S_GPS 0x8825
#define S_INTEROP 0xA005

/* A TIFF payload under construction ("Exif\0\0" first; offsets relative to
 * the TIFF header at 6). */
typedef struct s_tiff {
    uint8_t b[1024];
    size_t len;
    bool le;
} s_tiff;

static void s_u16(s_tiff *t, size_t at, uint16_t v)
{
    t->b[at + (t->le ? 0 : 1)] = (uint8_t)v;
    t->b[at + (t->le ? 1 : 0)] = (uint8_t)(v >> 8);
}

static void s_u32(s_tiff *t, size_t at, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        t->b[at + (size_t)(t->le ? i : 3 - i)] = (uint8_t)(v >> (8 * i));
}

static void s_header(s_tiff *t, bool le)
{
    memset(t, 0, sizeof *t);
    t->le = le;
    memcpy(t->b, "Exif\0\0", 6);
    t->b[6] = t->b[7] = le ? 'I' : 'M';
    s_u16(t, 8, 42);
    s_u32(t, 10, 8); /* IFD0 right after the header */
    t->len = 14;
}

/* Writes an IFD at TIFF offset off with the (tag, value) entries given
 * (pointers as LONG, others as SHORT) and next as its next-IFD offset. */
static void s_ifd(s_tiff *t, uint32_t off, const uint32_t (*entries)[2], size_t n, uint32_t next)
{
    size_t at = 6 + off;
    s_u16(t, at, (uint16_t)n);
    for (size_t i = 0; i < n; i++) {
        size_t e = at + 2 + 12 * i;
        uint16_t tag = (uint16_t)entries[i][0];
        bool ptr = tag == S_EXIF || tag == S_GPS || tag == S_INTEROP;
        s_u16(t, e, tag);
        s_u16(t, e + 2, ptr ? 4 : 3);
        s_u32(t, e + 4, 1);
        ptr ? s_u32(t, e + 8, entries[i][1]) : s_u16(t, e + 8, (uint16_t)entries[i][1]);
    }
    s_u32(t, at + 2 + 12 * n, next);
    if (at + 6 + 12 * n > t->len)
        t->len = at + 6 + 12 * n;
}

/* The tag of entry i of the IFD at off. */
static uint16_t s_tag(const s_tiff *t, uint32_t off, size_t i)
{
    return es_jpeg_load_u16(t->b + 6 + off + 2 + 12 * i, t->le);
}

/* IFD0 at 8: Orientation, Exif pointer (to 100), GPS pointer (to 200);
 * the Exif IFD at 100 with an Interoperability pointer (to 300); IFD1 at 400. */
static void s_plain(s_tiff *t, bool le)
{
    static const uint32_t ifd0[][2] = {{0x0112, 6}, {S_EXIF, 100}, {S_GPS, 200}};
    static const uint32_t exif[][2] = {{0x9000, 1}, {S_INTEROP, 300}};
    static const uint32_t gps[][2] = {{0x0000, 2}};
    static const uint32_t interop[][2] = {{0x0001, 1}};
    static const uint32_t ifd1[][2] = {{0x0103, 6}};
    s_header(t, le);
    s_ifd(t, 8, ifd0, 3, 400);
    s_ifd(t, 100, exif, 2, 0);
    s_ifd(t, 200, gps, 1, 0);
    s_ifd(t, 300, interop, 1, 0);
    s_ifd(t, 400, ifd1, 1, 0);
}

/* Defuses a private copy of exactly t's length; the copy replaces t's bytes. */
static unsigned s_defuse(s_tiff *t, bool ifd0_only)
{
    uint8_t *copy = malloc(t->len);
    memcpy(copy, t->b, t->len);
    unsigned n = es_jpeg_exif_defuse(copy, t->len, ifd0_only);
    memcpy(t->b, copy, t->len);
    free(copy);
    return n;
}

static void test_plain_structure_is_kept(void)
{
    for (int le = 0; le < 2; le++) {
        s_tiff t, before;
        s_plain(&t, le);
        before = t;
        CHECK_INT_EQ(s_defuse(&t, false), 0);
        CHECK_MEM_EQ(t.b, t.len, before.b, before.len);
    }
}

static void test_ifd0_only(void)
{
    for (int le = 0; le < 2; le++) {
        s_tiff t;
        s_plain(&t, le);
        CHECK_INT_EQ(s_defuse(&t, true), 3); /* two pointers renamed, IFD1's offset zeroed */
        CHECK_INT_EQ(s_tag(&t, 8, 0), 0x0112);
        CHECK_INT_EQ(s_tag(&t, 8, 1), ES_EXIF_DEFUSED_TAG);
        CHECK_INT_EQ(s_tag(&t, 8, 2), ES_EXIF_DEFUSED_TAG);
        CHECK_INT_EQ(es_jpeg_load_u32(t.b + 6 + 8 + 2 + 36, t.le), 0);
        CHECK_INT_EQ(s_defuse(&t, true), 0);
    }
}

/* IFD0 full of pointers back to itself, a second Exif pointer to a fresh
 * IFD, an Exif IFD pointing back to IFD0, IFD1 pointing back to IFD0. */
static void test_loops_and_duplicates_are_cut(void)
{
    for (int le = 0; le < 2; le++) {
        static const uint32_t ifd0[][2] = {{0x0112, 6}, {S_EXIF, 100},  {S_EXIF, 200},
                                           {S_GPS, 8},  {S_INTEROP, 8}, {S_GPS, 300}};
        static const uint32_t exif[][2] = {{S_GPS, 8}, {S_EXIF, 100}, {S_INTEROP, 400}};
        static const uint32_t other[][2] = {{0x0001, 1}};
        s_tiff t;
        s_header(&t, le);
        s_ifd(&t, 8, ifd0, 6, 8);
        s_ifd(&t, 100, exif, 3, 0);
        s_ifd(&t, 200, other, 1, 0);
        s_ifd(&t, 300, other, 1, 0);
        s_ifd(&t, 400, other, 1, 0);
        CHECK_INT_EQ(s_defuse(&t, false), 6);
        CHECK_INT_EQ(s_tag(&t, 8, 1), S_EXIF);                /* the first Exif pointer, to a fresh IFD */
        CHECK_INT_EQ(s_tag(&t, 8, 2), ES_EXIF_DEFUSED_TAG);   /* a second Exif pointer */
        CHECK_INT_EQ(s_tag(&t, 8, 3), ES_EXIF_DEFUSED_TAG);   /* back to IFD0 */
        CHECK_INT_EQ(s_tag(&t, 8, 4), ES_EXIF_DEFUSED_TAG);   /* back to IFD0 */
        CHECK_INT_EQ(s_tag(&t, 8, 5), S_GPS);                 /* the first GPS pointer to a fresh IFD */
        CHECK_INT_EQ(s_tag(&t, 100, 0), ES_EXIF_DEFUSED_TAG); /* GPS already followed */
        CHECK_INT_EQ(s_tag(&t, 100, 1), ES_EXIF_DEFUSED_TAG); /* back to itself */
        CHECK_INT_EQ(s_tag(&t, 100, 2), S_INTEROP);
        CHECK_INT_EQ(es_jpeg_load_u32(t.b + 6 + 8 + 2 + 72, t.le), 0); /* IFD1 was IFD0 */
        CHECK_INT_EQ(s_defuse(&t, false), 0);
    }
}

static void test_cut_and_odd_payloads(void)
{
    s_tiff t;
    s_plain(&t, true);
    for (size_t len = 0; len <= t.len; len++) { /* any cut: read within bounds */
        s_tiff cut = t;
        cut.len = len;
        (void)s_defuse(&cut, false);
        cut = t;
        cut.len = len;
        (void)s_defuse(&cut, true);
    }
    s_tiff bad = t;
    bad.b[6] = 'X'; /* no TIFF header */
    CHECK_INT_EQ(s_defuse(&bad, true), 0);
    bad = t;
    bad.b[0] = 'J'; /* no Exif identifier */
    CHECK_INT_EQ(s_defuse(&bad, true), 0);
    static const uint32_t huge[][2] = {{0x0112, 1}};
    s_tiff over;
    s_header(&over, true);
    s_ifd(&over, 8, huge, 1, 0);
    s_u16(&over, 14, 0xFFFF); /* a count far past the data: clamped */
    CHECK_INT_EQ(s_defuse(&over, false), 0);
}

int main(void)
{
    ES_RUN(test_plain_structure_is_kept);
    ES_RUN(test_ifd0_only);
    ES_RUN(test_loops_and_duplicates_are_cut);
    ES_RUN(test_cut_and_odd_payloads);
    return es_test_finish();
}
