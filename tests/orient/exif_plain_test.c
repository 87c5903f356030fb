/* exif_plain_test.c - the Orientation read without libexif
 * (src/jpeg/exif_orient_plain.c) against libexif's (es_orient_read_tag_libexif),
 * differentially: whenever the plain reader answers, libexif gives the same
 * tag and no `why`; es_orient_read_tag always equals libexif (tag and why).
 * Inputs: every Exif APP1 of the shared corpus (../shared/corpus/dev when
 * present), generated payloads in both byte orders (Orientation absent, 1..8,
 * 0, 9, wrong type, count 2, duplicated, in IFD1 only, behind an out-of-range
 * sub-IFD pointer, IFD0 out of range, odd headers), each cut at every length
 * and with every byte changed. The plain cases must be answered. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../harness/test.h"
#include "../support/fixture.h"
#include "../support/shared_dir.h"
#include "exifstrip/orient.h"
#include "jpeg/exif_orient_plain.h"
#include "orient_util.h"

static unsigned s_checked, s_answered;

/* Compares the readers on a private copy of exactly len bytes (ASan sees any
 * over-read); returns the plain reader's answer. */
static int s_agree(const uint8_t *payload, size_t len, const char *what)
{
    uint8_t *copy = malloc(len ? len : 1);
    memcpy(copy, payload, len);
    const char *ref_why = NULL, *why = NULL;
    int ref = es_orient_read_tag_libexif(copy, len, &ref_why);
    int plain = es_jpeg_exif_orient_plain(copy, len);
    int tag = es_orient_read_tag(copy, len, &why);
    free(copy);
    s_checked++;
    if (plain != ES_JPEG_ORIENT_UNSURE) {
        s_answered++;
        if (plain != ref || ref_why)
            es_test_fail(__FILE__, __LINE__, "%s (%zu bytes): plain reader says %d, libexif %d (%s)", what,
                         len, plain, ref, ref_why ? ref_why : "no why");
    }
    if (tag != ref || (why == NULL) != (ref_why == NULL) || (why && strcmp(why, ref_why) != 0))
        es_test_fail(__FILE__, __LINE__, "%s (%zu bytes): es_orient_read_tag %d (%s), libexif %d (%s)", what,
                     len, tag, why ? why : "-", ref, ref_why ? ref_why : "-");
    return plain;
}

typedef struct s_entry {
    uint16_t tag, type;
    uint32_t count, value; /* value: the 4 inline bytes (a SHORT in the first two) */
} s_entry;

static void s_put16(uint8_t *p, bool le, uint32_t v)
{
    p[le ? 0 : 1] = (uint8_t)v;
    p[le ? 1 : 0] = (uint8_t)(v >> 8);
}

static void s_put32(uint8_t *p, bool le, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[le ? i : 3 - i] = (uint8_t)(v >> (8 * i));
}

/* Writes "Exif\0\0", a TIFF header and IFD0 (n entries, then the IFD1 link
 * ifd1) at offset 8, then 16 bytes of "data" (offsets 8 + 2 + 12n + 4 ...).
 * Returns the payload length. */
static size_t s_payload(uint8_t *out, bool le, const s_entry *e, size_t n, uint32_t ifd1)
{
    memcpy(out, "Exif\0\0", 6);
    uint8_t *t = out + 6;
    memcpy(t, le ? "II" : "MM", 2);
    s_put16(t + 2, le, 42);
    s_put32(t + 4, le, 8);
    s_put16(t + 8, le, (uint32_t)n);
    for (size_t i = 0; i < n; i++) {
        uint8_t *p = t + 10 + 12 * i;
        s_put16(p, le, e[i].tag);
        s_put16(p + 2, le, e[i].type);
        s_put32(p + 4, le, e[i].count);
        if (e[i].type == 3 && e[i].count == 1) {
            s_put16(p + 8, le, e[i].value);
            s_put16(p + 10, le, 0);
        } else {
            s_put32(p + 8, le, e[i].value);
        }
    }
    s_put32(t + 10 + 12 * n, le, ifd1);
    memset(t + 14 + 12 * n, 'd', 16);
    return 6 + 14 + 12 * n + 16;
}

/* Every cut and every single-byte change of a payload agrees. */
static void s_agree_mutated(const uint8_t *p, size_t len, const char *what)
{
    uint8_t m[512];
    for (size_t cut = 0; cut < len; cut++)
        s_agree(p, cut, what);
    static const uint8_t vals[] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x07, 0x08,
                                   0x09, 0x12, 0x2A, 0x49, 0x4D, 0xFF};
    for (size_t i = 0; i < len; i++)
        for (size_t v = 0; v < sizeof vals; v++) {
            memcpy(m, p, len);
            m[i] = vals[v];
            s_agree(m, len, what);
            m[i] = p[i] ^ 0x80;
            s_agree(m, len, what);
        }
}

#define S_MAKE                   \
    {                            \
        0x010F, 2, 4, 0x43616D00 \
    } /* Make "Cam" inline (ASCII, 4 bytes) */
#define S_ORIENT(v)       \
    {                     \
        0x0112, 3, 1, (v) \
    }

static void test_plain_cases_are_answered(void)
{
    uint8_t p[256];
    for (int le = 0; le < 2; le++) {
        for (uint32_t v = 1; v <= 8; v++) {
            s_entry e[] = {S_MAKE, S_ORIENT(v)};
            size_t len = s_payload(p, le, e, 2, 0);
            CHECK_INT_EQ(s_agree(p, len, "Make + Orientation"), (int)v);
            s_entry only[] = {S_ORIENT(v)};
            len = s_payload(p, le, only, 1, 0);
            CHECK_INT_EQ(s_agree(p, len, "Orientation alone"), (int)v);
            s_agree_mutated(p, len, "Orientation alone");
            p[5] = 0xFF; /* "Exif\0\xFF", as some cameras write it (browsers read it) */
            CHECK_INT_EQ(s_agree(p, len, "Exif header padded with 0xFF"), (int)v);
            CHECK_INT_EQ(es_orient_read_tag(p, len, NULL), (int)v);
            p[5] = 0x01;
            CHECK_INT_EQ(s_agree(p, len, "Exif header padded with 0x01"), ES_JPEG_ORIENT_UNSURE);
            CHECK_INT_EQ(es_orient_read_tag(p, len, NULL), -1);
        }
        s_entry e[] = {S_MAKE, {0x0110, 2, 4, 0x4D6F6400}};
        size_t len = s_payload(p, le, e, 2, 0);
        CHECK_INT_EQ(s_agree(p, len, "no Orientation"), 0);
        s_agree_mutated(p, len, "no Orientation");
        s_entry in_ifd1[] = {S_MAKE};
        len = s_payload(p, le, in_ifd1, 1, 8 + 2 + 12 + 4);
        /* IFD1 right after the link: the 'd' bytes give it a bogus count; put a real one there. */
        s_put16(p + 6 + 26, le, 1);
        s_put16(p + 6 + 28, le, 0x0112);
        s_put16(p + 6 + 30, le, 3);
        s_put32(p + 6 + 32, le, 1);
        s_put16(p + 6 + 36, le, 6);
        CHECK_INT_EQ(s_agree(p, len, "Orientation in IFD1 only"), 0);
    }
    es_orient_tag_segment(6, p);
    CHECK_INT_EQ(s_agree(p + 4, ES_ORIENT_TAG_SEGMENT_LEN - 4, "keep-mode segment"), 6);
}

/* Each tag the plain reader counts as "kept" really is kept by libexif: with
 * a corrupt IFD1 link logged, libexif says 0 only when IFD0 kept an entry. */
static void test_known_tags_are_kept(void)
{
    static const uint16_t tags[] = {0x010E, 0x010F, 0x0110, 0x011A, 0x011B, 0x0128,
                                    0x0131, 0x0132, 0x013B, 0x0213, 0x8298};
    uint8_t p[256];
    for (int le = 0; le < 2; le++)
        for (size_t i = 0; i < sizeof tags / sizeof tags[0]; i++) {
            s_entry e[] = {{tags[i], 2, 4, 0x41424300}};
            size_t len = s_payload(p, le, e, 1, 0xFFF0);
            CHECK_INT_EQ(s_agree(p, len, "known tag, bogus IFD1"), 0);
            e[0].type = 5; /* RATIONAL: 8 bytes at offset 24 (the 'd' bytes) */
            e[0].count = 1;
            e[0].value = 8 + 2 + 12 + 4;
            len = s_payload(p, le, e, 1, 0xFFF0);
            CHECK_INT_EQ(s_agree(p, len, "known tag, data outside the entry"), 0);
            e[0].value = (uint32_t)len - 6 - 4; /* the data runs past the end */
            s_payload(p, le, e, 1, 0xFFF0);
            CHECK_INT_EQ(s_agree(p, len, "known tag, data past the end"), ES_JPEG_ORIENT_UNSURE);
        }
}

static void test_odd_cases_are_left_to_libexif(void)
{
    uint8_t p[256];
    for (int le = 0; le < 2; le++) {
        struct {
            const char *what;
            s_entry e[3];
            size_t n;
        } cases[] = {
            {"value 0", {S_MAKE, S_ORIENT(0)}, 2},
            {"value 9", {S_MAKE, S_ORIENT(9)}, 2},
            {"type LONG", {S_MAKE, {0x0112, 4, 1, 6}}, 2},
            {"type SSHORT", {S_MAKE, {0x0112, 8, 1, 6}}, 2},
            {"count 2", {S_MAKE, {0x0112, 3, 2, le ? 0x00010006u : 0x00060001u}}, 2},
            {"count 0", {S_MAKE, {0x0112, 3, 0, 6}}, 2},
            {"duplicated", {S_ORIENT(6), S_MAKE, S_ORIENT(1)}, 3},
            {"duplicated, same value", {S_ORIENT(6), S_ORIENT(6)}, 2},
            {"Exif IFD pointer out of range first", {{0x8769, 4, 1, 0xFFF0}, S_ORIENT(6)}, 2},
            {"GPS pointer out of range, no Orientation", {S_MAKE, {0x8825, 4, 1, 0xFFF0}}, 2},
            {"only an Exif IFD pointer", {{0x8769, 4, 1, 8}}, 1},
            {"only an unknown tag", {{0x1234, 2, 4, 0}}, 1},
            {"no entries", {{0}}, 0},
        };
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
            size_t len = s_payload(p, le, cases[i].e, cases[i].n, 0);
            CHECK_INT_EQ(s_agree(p, len, cases[i].what), ES_JPEG_ORIENT_UNSURE);
            s_agree_mutated(p, len, cases[i].what);
        }
        s_entry e[] = {S_ORIENT(6)};
        size_t len = s_payload(p, le, e, 1, 0);
        s_put32(p + 10, le, 0xFFFF); /* IFD0 out of range */
        CHECK_INT_EQ(s_agree(p, len, "IFD0 out of range"), ES_JPEG_ORIENT_UNSURE);
        len = s_payload(p, le, e, 1, 0);
        s_put16(p + 14, le, 2); /* IFD0 claims an entry more than the payload holds */
        CHECK_INT_EQ(s_agree(p, 6 + 8 + 2 + 12 + 4, "entries past the end"), ES_JPEG_ORIENT_UNSURE);
        len = s_payload(p, le, e, 1, 0);
        s_put16(p + 8, le, 43); /* not 42 */
        CHECK_INT_EQ(s_agree(p, len, "not 42"), ES_JPEG_ORIENT_UNSURE);
    }
}

/* Every Exif APP1 of the shared corpus agrees; the count answered is printed. */
static void test_corpus(void)
{
    const char *shared = es_fixture_shared_dir();
    if (!shared)
        SKIP_WITHOUT_SHARED("../shared/corpus");
    char dir[4096], path[8192];
    snprintf(dir, sizeof dir, "%s/dev", shared);
    DIR *d = opendir(dir);
    REQUIRE(d != NULL);
    unsigned payloads = 0, answered = 0, answerable = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        size_t nl = strlen(de->d_name);
        if (nl < 4 || strcasecmp(de->d_name + nl - 4, ".jpg") != 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        uint8_t *j;
        size_t len;
        if (es_fixture_read_file(path, &j, &len) != 0)
            continue;
        ot_seg segs[64];
        size_t n = ot_header_segments(j, len, segs, 64);
        for (size_t i = 0; i < n; i++) {
            const uint8_t *pl = j + segs[i].start + 4;
            size_t pl_len = segs[i].len - 4;
            if (segs[i].marker != 0xE1 || pl_len < 6 || memcmp(pl, "Exif\0\0", 6) != 0)
                continue;
            payloads++;
            answerable += es_orient_read_tag_libexif(pl, pl_len, NULL) >= 0;
            answered += s_agree(pl, pl_len, de->d_name) != ES_JPEG_ORIENT_UNSURE;
        }
        free(j);
    }
    closedir(d);
    printf("# corpus: %u Exif APP1 payloads, libexif reads a tag in %u, the plain reader answers %u\n",
           payloads, answerable, answered);
    CHECK(payloads > 0);
    CHECK(answered * 10 >= answerable * 9);
}

int main(void)
{
    ES_RUN(test_plain_cases_are_answered);
    ES_RUN(test_known_tags_are_kept);
    ES_RUN(test_odd_cases_are_left_to_libexif);
    ES_RUN(test_corpus);
    int rc = es_test_finish();
    printf("# %u payloads compared, the plain reader answered %u\n", s_checked, s_answered);
    return rc;
}
