/* strip_test.c - byte-level tests of the stripper over hand-built JPEGs: what
 * the default and optional policies keep and drop (every kind), the refusal
 * table (exact codes, message naming offset and marker), fill bytes, entropy
 * data with stuffing/RSTn/DNL, structural markers, stats, segment reports,
 * output-callback errors, API misuse, split invariance and idempotence. */
#include <stdlib.h>
#include <string.h>

#include "../harness/test.h"
#include "strip_util.h"

#define S_RANDOM_SPLITS 50
#define S_PUT(b, lit) es_tj_buf_put((b), (lit), sizeof(lit) - 1)
/* APPn from literals: the identifier with its NUL, the body without. */
#define S_APP(c, kind, code, id, body) s_app((c), (kind), (code), (id), sizeof(id), (body), sizeof(body) - 1)
#define S_TJ_APP(b, code, id, body) es_tj_app((b), (code), (id), sizeof(id), (body), sizeof(body) - 1)
#define S_SEED 20240601u

static es_jpeg_policy s_policy(bool keep_icc, bool keep_comments)
{
    es_jpeg_policy p;
    es_jpeg_policy_default(&p);
    p.keep_icc = keep_icc;
    p.keep_comments = keep_comments;
    return p;
}

/* Which kinds the test expects to survive (written out, not derived from the code). */
static bool s_want_kept(es_jpeg_kind k, const es_jpeg_policy *p)
{
    switch (k) {
    case ES_JPEG_KIND_SOI:
    case ES_JPEG_KIND_JFIF:
    case ES_JPEG_KIND_ADOBE:
    case ES_JPEG_KIND_TABLE:
    case ES_JPEG_KIND_FRAME:
    case ES_JPEG_KIND_SCAN:
    case ES_JPEG_KIND_DNL:
    case ES_JPEG_KIND_OTHER:
    case ES_JPEG_KIND_EOI: return true;
    case ES_JPEG_KIND_ICC: return p->keep_icc;
    case ES_JPEG_KIND_COMMENT: return p->keep_comments;
    default: return false;
    }
}

/* An input and, built alongside, the output and stats the test expects. */
typedef struct s_case {
    const es_jpeg_policy *policy;
    es_tj_buf in, want;
    uint64_t removed_bytes[ES_JPEG_KIND_COUNT];
    uint32_t removed_count[ES_JPEG_KIND_COUNT];
    es_jpeg_kind kinds[128];
    size_t nkinds;
} s_case;

/* Appends raw bytes belonging to a segment of kind k (or to the scan's data). */
static void s_raw(s_case *c, es_jpeg_kind k, const void *d, size_t n)
{
    es_tj_buf_put(&c->in, d, n);
    if (s_want_kept(k, c->policy))
        es_tj_buf_put(&c->want, d, n);
    else
        c->removed_bytes[k] += n;
}

static void s_kind(s_case *c, es_jpeg_kind k)
{
    if (c->nkinds < sizeof c->kinds / sizeof c->kinds[0])
        c->kinds[c->nkinds++] = k;
    if (!s_want_kept(k, c->policy))
        c->removed_count[k]++;
}

static void s_seg(s_case *c, es_jpeg_kind k, uint8_t code, const void *payload, size_t n)
{
    es_tj_buf seg = {0};
    es_tj_seg(&seg, code, payload, n);
    s_raw(c, k, seg.data, seg.len);
    s_kind(c, k);
    es_tj_buf_free(&seg);
}

static void s_app(s_case *c, es_jpeg_kind k, uint8_t code, const char *id, size_t n_id, const char *body,
                  size_t n_body)
{
    es_tj_buf seg = {0};
    es_tj_app(&seg, code, id, n_id, body, n_body);
    s_raw(c, k, seg.data, seg.len);
    s_kind(c, k);
    es_tj_buf_free(&seg);
}

/* Chunk seq of 3 of an ICC profile with nothing to scrub (the stripper keeps
 * it byte for byte): a header without date, device or ID, and one colour tag
 * ('A2B0', 12 bytes) whose data the chunks 2 and 3 carry. */
static void s_clean_icc(s_case *c, uint8_t seq)
{
    uint8_t body[14 + 144] = {0};
    size_t n = 14;
    memcpy(body, "ICC_PROFILE\0", 12);
    body[12] = seq;
    body[13] = 3;
    if (seq == 1) {
        uint8_t *h = body + 14;
        h[3] = 156; /* declared size */
        h[8] = 2;
        memcpy(h + 12, "mntrRGB XYZ ", 12);
        memcpy(h + 36, "acsp", 4);
        h[131] = 1;
        memcpy(h + 132, "A2B0", 4);
        h[139] = 144; /* offset */
        h[143] = 12;  /* size */
        n += 144;
    } else {
        memcpy(body + 14, seq == 2 ? "lut-1:" : "lut-2:", 6);
        n += 6;
    }
    s_seg(c, ES_JPEG_KIND_ICC, 0xE2, body, n);
}

static void s_soi(s_case *c)
{
    s_raw(c, ES_JPEG_KIND_SOI, "\xFF\xD8", 2);
    s_kind(c, ES_JPEG_KIND_SOI);
}

static void s_eoi(s_case *c)
{
    s_raw(c, ES_JPEG_KIND_EOI, "\xFF\xD9", 2);
    s_kind(c, ES_JPEG_KIND_EOI);
}

static void s_image(s_case *c, uint8_t sof)
{
    es_tj_buf img = {0};
    es_tj_image(&img, sof);
    s_raw(c, ES_JPEG_KIND_TABLE, img.data, img.len); /* every part is kept */
    s_kind(c, ES_JPEG_KIND_TABLE);                   /* DQT */
    s_kind(c, ES_JPEG_KIND_FRAME);
    s_kind(c, ES_JPEG_KIND_TABLE);
    s_kind(c, ES_JPEG_KIND_TABLE);
    s_kind(c, ES_JPEG_KIND_SCAN);
    es_tj_buf_free(&img);
}

static void s_trailer(s_case *c, const void *d, size_t n)
{
    s_raw(c, ES_JPEG_KIND_TRAILER, d, n);
    s_kind(c, ES_JPEG_KIND_TRAILER);
}

static void s_case_free(s_case *c)
{
    es_tj_buf_free(&c->in);
    es_tj_buf_free(&c->want);
}

/* Strips c->in and checks output, stats and segment kinds against the
 * expectations, then the split/idempotence invariants. */
static void s_expect(s_case *c)
{
    es_tj_result r;
    REQUIRE(!c->in.failed && !c->want.failed);
    es_tj_strip(c->policy, c->in.data, c->in.len, es_tj_oneshot(), &r);
    CHECK_INT_EQ(r.rc, ES_OK);
    CHECK_STR_EQ(r.msg, "");
    CHECK_MEM_EQ(r.out.data, r.out.len, c->want.data, c->want.len);
    for (int k = 0; k < ES_JPEG_KIND_COUNT; k++) {
        if (r.stats.removed_bytes[k] != c->removed_bytes[k] || r.stats.removed_count[k] != c->removed_count[k])
            es_test_fail(__FILE__, __LINE__, "kind %s: removed %llu bytes in %u segments, expected %llu in %u",
                         es_jpeg_kind_name((es_jpeg_kind)k), (unsigned long long)r.stats.removed_bytes[k],
                         r.stats.removed_count[k], (unsigned long long)c->removed_bytes[k],
                         c->removed_count[k]);
    }
    CHECK_INT_EQ(r.stats.bytes_in, c->in.len);
    CHECK_INT_EQ(r.stats.bytes_out, c->want.len);
    CHECK_INT_EQ(r.nsegs, c->nkinds);
    for (size_t i = 0; i < r.nsegs && i < c->nkinds; i++) {
        if (r.segs[i].kind != c->kinds[i])
            es_test_fail(__FILE__, __LINE__, "segment %zu at %llu: kind %s, expected %s", i,
                         (unsigned long long)r.segs[i].offset, es_jpeg_kind_name(r.segs[i].kind),
                         es_jpeg_kind_name(c->kinds[i]));
        CHECK_INT_EQ(r.segs[i].kept, s_want_kept(c->kinds[i], c->policy));
    }
    const char *why = es_tj_check(c->policy, c->in.data, c->in.len, S_RANDOM_SPLITS, S_SEED, 1u << 20);
    if (why)
        es_test_fail(__FILE__, __LINE__, "invariant: %s", why);
    es_tj_result_free(&r);
}

static const char s_jfif[] = "\x01\x02\x00\x00\x01\x00\x01\x00\x00";

/* Every metadata kind the issue names, in one file, plus a trailer. */
static void s_build_everything(s_case *c)
{
    static const char xmp_id[] = "http://ns.adobe.com/xap/1.0/";
    static const char xmpx_id[] = "http://ns.adobe.com/xmp/extension/";
    es_tj_buf exif = {0};
    s_soi(c);
    S_APP(c, ES_JPEG_KIND_JFIF, 0xE0, "JFIF", s_jfif);
    S_APP(c, ES_JPEG_KIND_JFXX, 0xE0, "JFXX", "\x10thumbnail");
    S_APP(c, ES_JPEG_KIND_OTHER_APP, 0xE0, "AVI1", "avi");
    es_tj_exif(&exif, true, 6, 2);
    s_seg(c, ES_JPEG_KIND_EXIF, 0xE1, exif.data, exif.len);
    S_APP(c, ES_JPEG_KIND_XMP, 0xE1, xmp_id, "<x:xmpmeta/>");
    S_APP(c, ES_JPEG_KIND_XMP_EXT, 0xE1, xmpx_id, "0123456789ABCDEF0123456789ABCDEF....");
    S_APP(c, ES_JPEG_KIND_OTHER_APP, 0xE1, "QVCI", "casio");
    s_clean_icc(c, 1);
    S_APP(c, ES_JPEG_KIND_MPF, 0xE2, "MPF", "MM\x00*index");
    s_clean_icc(c, 2);
    S_APP(c, ES_JPEG_KIND_OTHER_APP, 0xE2, "FPXR", "flashpix");
    s_clean_icc(c, 3);
    S_APP(c, ES_JPEG_KIND_OTHER_APP, 0xE3, "Meta", "kodak");
    for (uint8_t app = 0xE4; app <= 0xEB; app++)
        S_APP(c, ES_JPEG_KIND_OTHER_APP, app, "Vendor", "stuff");
    S_APP(c, ES_JPEG_KIND_DUCKY, 0xEC, "Ducky", "\x01\x00\x04\x00\x00\x00\x50");
    S_APP(c, ES_JPEG_KIND_PHOTOSHOP, 0xED, "Photoshop 3.0", "8BIM\x04\x04iptc");
    S_APP(c, ES_JPEG_KIND_OTHER_APP, 0xED, "Adobe_CM", "cm");
    S_APP(c, ES_JPEG_KIND_ADOBE, 0xEE, "Adobe", "\x64\x00\x00\x00\x00\x01");
    S_APP(c, ES_JPEG_KIND_OTHER_APP, 0xEE, "NotAdobe", "x");
    S_APP(c, ES_JPEG_KIND_OTHER_APP, 0xEF, "Q 70", "");
    s_seg(c, ES_JPEG_KIND_COMMENT, 0xFE, "a comment", 9);
    s_image(c, 0xC0);
    s_eoi(c);
    s_trailer(c,
              "\xFF\xD8\xFF\xE1\x00\x10MPF second image...\x00\x00\x00\x18"
              "ftypmp42 motion photo",
              47);
    es_tj_buf_free(&exif);
}

static void test_default_policy_drops_every_metadata_kind(void)
{
    es_jpeg_policy p = s_policy(true, false);
    s_case c = {.policy = &p};
    s_build_everything(&c);
    s_expect(&c);
    s_case_free(&c);
}

static void test_keep_icc_false_drops_icc(void)
{
    es_jpeg_policy p = s_policy(false, false);
    s_case c = {.policy = &p};
    s_build_everything(&c);
    s_expect(&c);
    CHECK_INT_EQ(c.removed_count[ES_JPEG_KIND_ICC], 3);
    s_case_free(&c);
}

static void test_keep_comments_true_keeps_com(void)
{
    es_jpeg_policy p = s_policy(true, true);
    s_case c = {.policy = &p};
    s_build_everything(&c);
    s_expect(&c);
    s_case_free(&c);
}

static void test_null_policy_is_default(void)
{
    es_jpeg_policy p = s_policy(true, false);
    s_case c = {.policy = &p};
    es_tj_result r;
    s_build_everything(&c);
    es_tj_strip(NULL, c.in.data, c.in.len, es_tj_oneshot(), &r);
    CHECK_INT_EQ(r.rc, ES_OK);
    CHECK_MEM_EQ(r.out.data, r.out.len, c.want.data, c.want.len);
    es_tj_result_free(&r);
    s_case_free(&c);
}

static void test_policy_keeps_table(void)
{
    es_jpeg_policy p;
    es_jpeg_policy_default(&p);
    CHECK(p.keep_icc);
    CHECK(!p.keep_comments);
    for (int k = 0; k < ES_JPEG_KIND_COUNT; k++) {
        CHECK_INT_EQ(es_jpeg_policy_keeps(&p, (es_jpeg_kind)k), s_want_kept((es_jpeg_kind)k, &p));
        CHECK_INT_EQ(es_jpeg_policy_keeps(NULL, (es_jpeg_kind)k), s_want_kept((es_jpeg_kind)k, &p));
    }
    p.keep_icc = false;
    p.keep_comments = true;
    CHECK(!es_jpeg_policy_keeps(&p, ES_JPEG_KIND_ICC));
    CHECK(es_jpeg_policy_keeps(&p, ES_JPEG_KIND_COMMENT));
    CHECK(!es_jpeg_policy_keeps(&p, ES_JPEG_KIND_EXIF));
    CHECK(!es_jpeg_policy_keeps(&p, ES_JPEG_KIND_TRAILER));
}

static void test_segment_idents_and_offsets(void)
{
    es_jpeg_policy p = s_policy(true, false);
    s_case c = {.policy = &p};
    es_tj_result r;
    s_build_everything(&c);
    es_tj_strip(&p, c.in.data, c.in.len, es_tj_oneshot(), &r);
    REQUIRE(r.rc == ES_OK && r.nsegs == c.nkinds);
    CHECK_INT_EQ(r.segs[0].offset, 0);
    CHECK_INT_EQ(r.segs[0].length, 2);
    CHECK_INT_EQ(r.segs[0].marker, 0xD8);
    CHECK_STR_EQ(r.segs[1].ident, "JFIF");
    CHECK_INT_EQ(r.segs[1].offset, 2);
    CHECK_INT_EQ(r.segs[1].marker, 0xE0);
    CHECK_STR_EQ(r.segs[4].ident, "Exif");
    CHECK_INT_EQ(r.segs[4].marker, 0xE1);
    CHECK_STR_EQ(r.segs[5].ident, "http://ns.adobe.com/xap/1.0/");
    CHECK_STR_EQ(r.segs[6].ident, "http://ns.adobe.com/xmp/extensi"); /* 31 characters */
    CHECK_STR_EQ(r.segs[8].ident, "ICC_PROFILE");
    const es_jpeg_segment *last = &r.segs[r.nsegs - 1], *eoi = &r.segs[r.nsegs - 2];
    CHECK_INT_EQ(last->kind, ES_JPEG_KIND_TRAILER);
    CHECK_INT_EQ(last->marker, 0);
    CHECK(!last->kept);
    CHECK_INT_EQ(last->offset, eoi->offset + 2);
    CHECK_INT_EQ(last->offset + last->length, c.in.len);
    CHECK_INT_EQ(r.stats.removed_count[ES_JPEG_KIND_TRAILER], 1);
    CHECK_INT_EQ(r.stats.removed_bytes[ES_JPEG_KIND_TRAILER], last->length);
    CHECK_STR_EQ(eoi->ident, "");
    es_tj_result_free(&r);
    s_case_free(&c);
}

static void test_stats_frame_scan_exif(void)
{
    es_jpeg_policy p = s_policy(true, false);
    s_case c = {.policy = &p};
    es_tj_result r;
    s_build_everything(&c);
    es_tj_strip(&p, c.in.data, c.in.len, es_tj_oneshot(), &r);
    CHECK_INT_EQ(r.rc, ES_OK);
    CHECK_INT_EQ(r.stats.frames, 1);
    CHECK_INT_EQ(r.stats.scans, 1);
    CHECK_INT_EQ(r.stats.sof_marker, 0xC0);
    CHECK(r.stats.exif_has_gps);
    CHECK_INT_EQ(r.stats.exif_orientation, 6);
    es_tj_result_free(&r);
    s_case_free(&c);
}

/* Exif facts in both byte orders; only the first Exif segment counts. */
/* The facts of the first Exif segment in either byte order, with a second
 * segment after it: its GPS counts too (readers may take it from any), its
 * orientation does not (the first one's is used). */
static void test_exif_facts_both_byte_orders(void)
{
    static const struct {
        bool little;
        uint16_t orientation;
        int gps, second_gps;
        bool want_gps;
    } cases[] = {{true, 6, 2, 0, true},   {false, 8, 2, 0, true},  {true, 1, 0, 0, false},
                 {false, 0, 1, 0, false}, {false, 9, 0, 0, false}, {true, 3, 1, 0, false},
                 {true, 6, 0, 2, true},   {false, 1, 1, 2, true}};
    es_jpeg_policy p = s_policy(true, false);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        s_case c = {.policy = &p};
        es_tj_buf exif = {0}, second = {0};
        es_tj_result r;
        es_tj_exif(&exif, cases[i].little, cases[i].orientation, cases[i].gps);
        es_tj_exif(&second, true, 5, cases[i].second_gps);
        s_soi(&c);
        s_seg(&c, ES_JPEG_KIND_EXIF, 0xE1, exif.data, exif.len);
        s_seg(&c, ES_JPEG_KIND_EXIF, 0xE1, second.data, second.len);
        s_image(&c, 0xC0);
        s_eoi(&c);
        s_expect(&c);
        es_tj_strip(&p, c.in.data, c.in.len, es_tj_chunks(3), &r);
        CHECK_INT_EQ(r.stats.exif_has_gps, cases[i].want_gps);
        CHECK_INT_EQ(r.stats.exif_orientation, cases[i].orientation <= 8 ? cases[i].orientation : 0);
        es_tj_result_free(&r);
        es_tj_buf_free(&exif);
        es_tj_buf_free(&second);
        s_case_free(&c);
    }
}

/* Fill bytes: kept before a kept marker, dropped (counted) before a dropped one. */
static void test_fill_bytes(void)
{
    es_jpeg_policy p = s_policy(true, false);
    s_case c = {.policy = &p};
    es_tj_buf img = {0};
    s_soi(&c);
    s_raw(&c, ES_JPEG_KIND_JFIF, "\xFF\xFF", 2);
    S_APP(&c, ES_JPEG_KIND_JFIF, 0xE0, "JFIF", s_jfif);
    s_raw(&c, ES_JPEG_KIND_EXIF, "\xFF\xFF\xFF", 3);
    S_APP(&c, ES_JPEG_KIND_EXIF, 0xE1, "Exif\0", "II*\0");
    s_raw(&c, ES_JPEG_KIND_COMMENT, "\xFF", 1);
    s_seg(&c, ES_JPEG_KIND_COMMENT, 0xFE, "c", 1);
    uint8_t ffs[150];
    memset(ffs, 0xFF, sizeof ffs);
    s_raw(&c, ES_JPEG_KIND_TABLE, ffs, 100); /* a long run before a kept marker (DQT) */
    s_image(&c, 0xC0);
    /* Entropy data: 0xFF runs before 0x00 and RSTn are scan data, kept as is. */
    s_raw(&c, ES_JPEG_KIND_SCAN, "\x12\xFF\xFF\x00\x34\xFF\xFF\xD1\x56\xFF\x00", 11);
    s_raw(&c, ES_JPEG_KIND_SCAN, ffs, sizeof ffs);
    s_raw(&c, ES_JPEG_KIND_SCAN, "\x00\x77", 2);
    s_raw(&c, ES_JPEG_KIND_EXIF, ffs, 130); /* a long run before a dropped marker */
    S_APP(&c, ES_JPEG_KIND_EXIF, 0xE1, "Exif\0", "x");
    s_raw(&c, ES_JPEG_KIND_EOI, "\xFF\xFF\xFF", 3); /* fill before EOI */
    s_eoi(&c);
    s_expect(&c);
    es_tj_result r;
    es_tj_strip(&p, c.in.data, c.in.len, es_tj_oneshot(), &r);
    REQUIRE(r.rc == ES_OK && r.nsegs >= 4);
    CHECK_INT_EQ(r.segs[1].offset, 2); /* JFIF with its fill bytes */
    CHECK_INT_EQ(r.segs[1].length, 2 + 4 + 14);
    CHECK_INT_EQ(r.segs[2].kind, ES_JPEG_KIND_EXIF);
    CHECK_INT_EQ(r.segs[2].length, 3 + 4 + 10);
    CHECK_STR_EQ(r.segs[2].ident, "Exif");
    CHECK_INT_EQ(r.segs[r.nsegs - 1].length, 5); /* EOI with 3 fill bytes */
    es_tj_result_free(&r);
    es_tj_buf_free(&img);
    s_case_free(&c);
}

/* A progressive-style stream: tables and metadata between scans, RSTn, DNL,
 * stuffing, structural markers (EXP, TEM, RSTn between segments). */
static void test_structure_kept_byte_for_byte(void)
{
    es_jpeg_policy p = s_policy(true, false);
    s_case c = {.policy = &p};
    static const uint8_t dri[] = {0x00, 0x02};
    static const uint8_t sos2[] = {1, 1, 0x00, 1, 63, 0x10};
    static const uint8_t dnl[] = {0x00, 0x08};
    static const uint8_t scan_data[] = {0xAB, 0xFF, 0x00, 0xCD, 0xFF, 0xD0, 0xEF, 0xFF, 0xD7, 0x01};
    s_soi(&c);
    s_seg(&c, ES_JPEG_KIND_TABLE, 0xDD, dri, sizeof dri);
    s_seg(&c, ES_JPEG_KIND_OTHER, 0xDF, "\x00", 1); /* EXP */
    s_raw(&c, ES_JPEG_KIND_OTHER, "\xFF\x01", 2);   /* TEM */
    s_kind(&c, ES_JPEG_KIND_OTHER);
    s_image(&c, 0xC2);
    s_raw(&c, ES_JPEG_KIND_SCAN, scan_data, sizeof scan_data);
    s_seg(&c, ES_JPEG_KIND_DNL, 0xDC, dnl, sizeof dnl);
    S_APP(&c, ES_JPEG_KIND_EXIF, 0xE1, "Exif\0", "between scans");
    s_seg(&c, ES_JPEG_KIND_TABLE, 0xCC, "\x00\x11", 2); /* DAC */
    s_raw(&c, ES_JPEG_KIND_OTHER, "\xFF\xD3", 2);       /* RST3 between segments */
    s_kind(&c, ES_JPEG_KIND_OTHER);
    s_seg(&c, ES_JPEG_KIND_SCAN, 0xDA, sos2, sizeof sos2);
    s_raw(&c, ES_JPEG_KIND_SCAN, scan_data, sizeof scan_data);
    s_seg(&c, ES_JPEG_KIND_COMMENT, 0xFE, "", 0); /* empty COM */
    s_eoi(&c);
    s_expect(&c);
    es_tj_result r;
    es_tj_strip(&p, c.in.data, c.in.len, es_tj_oneshot(), &r);
    CHECK_INT_EQ(r.stats.scans, 2);
    CHECK_INT_EQ(r.stats.sof_marker, 0xC2);
    /* A scan is reported as header plus data up to the next non-RST marker. */
    uint64_t scan_len[2] = {0, 0};
    for (size_t i = 0, n = 0; i < r.nsegs; i++)
        if (r.segs[i].kind == ES_JPEG_KIND_SCAN && n < 2)
            scan_len[n++] = r.segs[i].length;
    CHECK_INT_EQ(scan_len[0], 10 + 1 + sizeof scan_data);
    CHECK_INT_EQ(scan_len[1], 10 + sizeof scan_data);
    es_tj_result_free(&r);
    s_case_free(&c);
}

/* Each frame type is kept and reported in stats.sof_marker. */
static void test_frame_types(void)
{
    static const uint8_t sofs[] = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7,
                                   0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF};
    es_jpeg_policy p = s_policy(true, false);
    for (size_t i = 0; i < sizeof sofs; i++) {
        s_case c = {.policy = &p};
        es_tj_result r;
        s_soi(&c);
        s_image(&c, sofs[i]);
        s_eoi(&c);
        s_expect(&c);
        es_tj_strip(&p, c.in.data, c.in.len, es_tj_oneshot(), &r);
        CHECK_INT_EQ(r.stats.sof_marker, sofs[i]);
        CHECK_INT_EQ(r.stats.frames, 1);
        es_tj_result_free(&r);
        s_case_free(&c);
    }
}

/* ---- refusals ---------------------------------------------------------- */

typedef void (*s_builder)(es_tj_buf *b);

static void s_valid(es_tj_buf *b)
{
    es_tj_soi(b);
    es_tj_image(b, 0xC0); /* DQT at 2, SOF0 at 71, DHT at 84 and 106, SOS at 128, data at 138 */
    es_tj_eoi(b);         /* at 139 */
}

static void b_empty(es_tj_buf *b) { (void)b; }
static void b_png(es_tj_buf *b)
{
    S_PUT(b, "\x89PNG\r\n\x1A\n\0\0\0\x0DIHDR\0\0\0\x10\0\0\0\x10\x08\x06\0\0\0\x1F\xF3\xFF\x61");
}
static void b_png_short(es_tj_buf *b) { S_PUT(b, "\x89PNG\r\n\x1A\n"); }
static void b_gif(es_tj_buf *b)
{
    S_PUT(b,
          "GIF89a\x01\x00\x01\x00\x80\x00\x00\xFF\xFF\xFF\x00\x00\x00!\xF9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00");
}
static void b_heif(es_tj_buf *b)
{
    S_PUT(b, "\0\0\0\x18"
             "ftypheic\0\0\0\0mif1heic\0\0\0\x22meta");
}
static void b_mp4(es_tj_buf *b)
{
    S_PUT(b, "\0\0\0\x18"
             "ftypisom\0\0\x02\0isomiso2\0\0\0\x08"
             "free");
}
static void b_webp(es_tj_buf *b)
{
    S_PUT(b, "RIFF\x24\0\0\0WEBPVP8 \x18\0\0\0\x30\x01\0\x9D\x01\x2A\x01\0\x01\0\x02\0");
}
static void b_tiff_ii(es_tj_buf *b) { S_PUT(b, "II*\0\x08\0\0\0"); }
static void b_tiff_mm(es_tj_buf *b) { S_PUT(b, "MM\0*\0\0\0\x08\0\x01"); }
static void b_pdf(es_tj_buf *b) { S_PUT(b, "%PDF-1.7\n%\xE2\xE3\xCF\xD3\n1 0 obj\n<< /Type /Catalog >>\n"); }
static void b_zip(es_tj_buf *b) { S_PUT(b, "PK\x03\x04\x14\0\0\0\x08\0"); }
static void b_text(es_tj_buf *b) { S_PUT(b, "<html><body>not a picture</body></html>\n"); }
static void b_binary(es_tj_buf *b) { S_PUT(b, "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0A\x0B"); }
static void b_ff(es_tj_buf *b) { S_PUT(b, "\xFF"); }
static void b_soi_only(es_tj_buf *b) { es_tj_soi(b); }
static void b_soi_then_data(es_tj_buf *b) { S_PUT(b, "\xFF\xD8\x00\x10JFIF\x00"); }
static void b_eoi_first(es_tj_buf *b) { S_PUT(b, "\xFF\xD9\xFF\xD8"); }
static void b_len1_exif(es_tj_buf *b)
{
    S_PUT(b, "\xFF\xD8\xFF\xE1\x00\x01"
             "Exif\0\0II*\0");
}
static void b_len0_dqt(es_tj_buf *b)
{
    es_tj_soi(b);
    S_TJ_APP(b, 0xE0, "JFIF", s_jfif);
    S_PUT(b, "\xFF\xDB\x00\x00"); /* at 20 */
}
static void b_overrun_exif(es_tj_buf *b)
{
    S_PUT(b, "\xFF\xD8\xFF\xE1\x03\xE8");
    es_tj_exif(b, true, 1, 2);
}
/* An unknown APPn cut short whose first bytes are free text, and one whose
 * first bytes are a vendor's tag. */
static void b_overrun_free_text(es_tj_buf *b)
{
    S_PUT(b, "\xFF\xD8\xFF\xEB\x02\x1EHome of J. Smith, 12 Elm St, Springfield, and more text");
}
static void b_overrun_vendor_tag(es_tj_buf *b)
{
    S_PUT(b, "\xFF\xD8\xFF\xEB\x02\x1E"
             "FPXR\0 and enough bytes for the identifier peek");
}
static void b_overrun_in_peek(es_tj_buf *b)
{
    S_PUT(b, "\xFF\xD8\xFF\xE1\x00\x64"
             "Exi");
}
static void b_overrun_dqt(es_tj_buf *b) { S_PUT(b, "\xFF\xD8\xFF\xDB\x00\x43\x00\x01\x01\x01"); }
static void b_overrun_sos(es_tj_buf *b)
{
    es_tj_soi(b);
    es_tj_image(b, 0xC0);
    b->len -= 3; /* cut inside the SOS header */
}
static void b_no_frame_eoi(es_tj_buf *b)
{
    uint8_t dqt[65] = {0};
    es_tj_soi(b);
    es_tj_seg(b, 0xDB, dqt, sizeof dqt);
    es_tj_eoi(b); /* at 71 */
}
static void b_no_scan_eoi(es_tj_buf *b)
{
    s_valid(b);
    b->len = 84; /* SOI DQT SOF0 */
    es_tj_eoi(b);
}
static void b_sos_before_sof(es_tj_buf *b)
{
    static const uint8_t sos[] = {1, 1, 0x00, 0, 63, 0};
    uint8_t dqt[65] = {0};
    es_tj_soi(b);
    es_tj_seg(b, 0xDB, dqt, sizeof dqt);
    es_tj_seg(b, 0xDA, sos, sizeof sos); /* at 71 */
    S_PUT(b, "\x3F\xFF\xD9");
}
static void b_metadata_only(es_tj_buf *b)
{
    es_tj_soi(b);
    S_TJ_APP(b, 0xE1, "Exif\0", "II*\0"); /* at 2 */
}
static void b_frame_no_scan(es_tj_buf *b)
{
    s_valid(b);
    b->len = 84;
}
static void b_cut_in_entropy(es_tj_buf *b)
{
    s_valid(b);
    b->len = 139;
}
static void b_cut_after_ff_in_entropy(es_tj_buf *b)
{
    s_valid(b);
    b->len = 140; /* the EOI's 0xFF */
}
static void b_cut_after_table(es_tj_buf *b)
{
    s_valid(b);
    b->len = 139;
    es_tj_image(b, 0xC0); /* more tables after the scan ... then the input stops after DQT */
    b->len = 139 + 69;
}
static void b_cut_in_marker(es_tj_buf *b)
{
    b_cut_after_table(b);
    S_PUT(b, "\xFF\xFF");
}
static void b_cut_in_length(es_tj_buf *b) { S_PUT(b, "\xFF\xD8\xFF\xDB\x00"); }
static void b_ff00_top(es_tj_buf *b)
{
    es_tj_soi(b);
    S_TJ_APP(b, 0xE0, "JFIF", s_jfif);
    S_PUT(b, "\xFF\x00"); /* at 20 */
    s_valid(b);
}
static void b_garbage(es_tj_buf *b)
{
    es_tj_soi(b);
    S_TJ_APP(b, 0xE0, "JFIF", s_jfif);
    S_PUT(b, "A"); /* at 20 */
    s_valid(b);
}
static void b_second_soi(es_tj_buf *b)
{
    es_tj_soi(b);
    S_TJ_APP(b, 0xE0, "JFIF", s_jfif);
    S_PUT(b, "\xFF\xFF");
    s_valid(b); /* its SOI marker is at 22 (fill byte at 20, 21) */
}

/* An Exif segment whose APP1 marker was damaged into SOF1 (one bit). */
static void b_exif_as_sof1(es_tj_buf *b)
{
    es_tj_soi(b);
    S_TJ_APP(b, 0xC1, "Exif", "MM\x00\x2A\x00\x00\x00\x08 GPS 48.8582 N 2.2945 E");
    es_tj_image(b, 0xC0);
    es_tj_eoi(b);
}
/* An Exif segment whose APP1 marker was damaged into JPG1 (one bit). */
static void b_exif_as_jpg1(es_tj_buf *b)
{
    es_tj_soi(b);
    S_TJ_APP(b, 0xF1, "Exif", "MM\x00\x2A\x00\x00\x00\x08 GPS 48.8582 N 2.2945 E");
    s_valid(b);
}
static void b_jpg(es_tj_buf *b)
{
    es_tj_soi(b);
    S_PUT(b, "\xFF\xC8\x00\x02");
    s_valid(b);
}
static void b_res(es_tj_buf *b)
{
    es_tj_soi(b);
    S_PUT(b, "\xFF\x05\x00\x05res");
    s_valid(b);
}
/* An Exif segment (with its GPS) behind a DRI, EXP or DHP marker: a segment
 * T.81 gives a fixed length. */
static void s_exif_behind(es_tj_buf *b, uint8_t code)
{
    es_tj_soi(b);
    S_TJ_APP(b, code, "Exif", "MM\x00\x2A\x00\x00\x00\x08 GPS 48.8582 N 2.2945 E");
    s_valid(b);
}
static void b_exif_as_dri(es_tj_buf *b) { s_exif_behind(b, 0xDD); }
static void b_exif_as_exp(es_tj_buf *b) { s_exif_behind(b, 0xDF); }
static void b_exif_as_dhp(es_tj_buf *b) { s_exif_behind(b, 0xDE); }
/* Table segments whose tables do not fill their length (T.81 B.2.4.2,
 * B.2.4.3): bytes no decoder reads. */
static void b_exif_as_dht(es_tj_buf *b) { s_exif_behind(b, 0xC4); }
static void b_exif_as_dqt(es_tj_buf *b) { s_exif_behind(b, 0xDB); }
static void b_app12_as_dac(es_tj_buf *b) /* APP12 0xEC -> DAC 0xCC: one bit */
{
    es_tj_soi(b);
    S_PUT(b, "\xFF\xCC\x00\x1A[picture info]GPS=51.50N");
    s_valid(b);
}
static void b_dht_bytes_after(es_tj_buf *b) /* one table of one code, then 9 bytes */
{
    es_tj_soi(b);
    S_PUT(b, "\xFF\xC4\x00\x1D\x00\x00\x01\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x00"
             "GPS 48.85");
    s_valid(b);
}
static void b_dht_too_short(es_tj_buf *b)
{
    es_tj_soi(b);
    S_PUT(b, "\xFF\xC4\x00\x07GPS48");
    s_valid(b);
}
static void b_dht_codes_past_end(es_tj_buf *b) /* 12 codes, 3 values */
{
    es_tj_soi(b);
    S_PUT(b, "\xFF\xC4\x00\x16\x10\x00\x0C\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x01\x02\x03");
    s_valid(b);
}
static void b_dac_odd(es_tj_buf *b)
{
    es_tj_soi(b);
    S_PUT(b, "\xFF\xCC\x00\x05\x00\x10\x00");
    s_valid(b);
}
/* A scan header with bytes past its one component's. */
static void b_sos_with_extra(es_tj_buf *b)
{
    es_tj_soi(b);
    es_tj_image(b, 0xC0); /* SOS at 128: length 8 */
    b->len = 128;
    S_PUT(b, "\xFF\xDA\x00\x0A\x01\x01\x00\x00\x3F\x00GP\x00\xFF\xD9");
}
/* A frame header too short to name its component count. */
static void b_sof_too_short(es_tj_buf *b)
{
    es_tj_soi(b);
    S_PUT(b, "\xFF\xC0\x00\x05\x08\x00\x10");
    s_valid(b);
}
/* A frame header that declares no component. */
static void b_sof_no_component(es_tj_buf *b)
{
    es_tj_soi(b);
    S_PUT(b, "\xFF\xC0\x00\x08\x08\x00\x10\x00\x10\x00");
    s_valid(b);
}

typedef struct s_bad {
    const char *name;
    s_builder build;
    es_err code;
    const char *msg1, *msg2;
} s_bad;

static const s_bad s_bad_cases[] = {
    {"empty", b_empty, ES_ERR_JPEG_EMPTY, "offset 0: empty input", "0 bytes"},
    {"png", b_png, ES_ERR_JPEG_NOT_JPEG, "offset 0: not a JPEG", "PNG image"},
    {"png short", b_png_short, ES_ERR_JPEG_NOT_JPEG, "no SOI marker", "PNG image"},
    {"gif", b_gif, ES_ERR_JPEG_NOT_JPEG, "not a JPEG", "GIF image"},
    {"heif", b_heif, ES_ERR_JPEG_NOT_JPEG, "not a JPEG", "HEIF/ISO-BMFF file"},
    {"mp4", b_mp4, ES_ERR_JPEG_NOT_JPEG, "not a JPEG", "ISO-BMFF file (MP4/MOV)"},
    {"webp", b_webp, ES_ERR_JPEG_NOT_JPEG, "not a JPEG", "WebP image"},
    {"tiff II", b_tiff_ii, ES_ERR_JPEG_NOT_JPEG, "not a JPEG", "TIFF image"},
    {"tiff MM", b_tiff_mm, ES_ERR_JPEG_NOT_JPEG, "not a JPEG", "TIFF image"},
    {"pdf", b_pdf, ES_ERR_JPEG_NOT_JPEG, "not a JPEG", "PDF document"},
    {"zip", b_zip, ES_ERR_JPEG_NOT_JPEG, "not a JPEG", "ZIP archive"},
    {"text", b_text, ES_ERR_JPEG_NOT_JPEG, "not a JPEG", "looks like: text"},
    {"binary", b_binary, ES_ERR_JPEG_NOT_JPEG, "not a JPEG", "unknown data"},
    {"lone FF", b_ff, ES_ERR_JPEG_TRUNCATED, "offset 1", "inside the SOI marker"},
    {"SOI only", b_soi_only, ES_ERR_JPEG_NO_FRAME, "offset 2: input ends after the SOI segment at offset 0",
     "without any frame header"},
    {"SOI then data", b_soi_then_data, ES_ERR_JPEG_NOT_JPEG, "offset 2: not a JPEG", "followed by byte 0x00"},
    {"EOI first", b_eoi_first, ES_ERR_JPEG_NOT_JPEG, "offset 0: not a JPEG", "unknown data"},
    {"length 1", b_len1_exif, ES_ERR_JPEG_BAD_LENGTH,
     "offset 2: APP1 segment length 1 is invalid (minimum 2)", ""},
    {"length 0", b_len0_dqt, ES_ERR_JPEG_BAD_LENGTH, "offset 20: DQT segment length 0 is invalid", ""},
    {"overrun exif", b_overrun_exif, ES_ERR_JPEG_OVERRUN,
     "offset 2: APP1 (Exif) segment declares length 1000 but input ends after 80 bytes", ""},
    {"overrun, free text not quoted", b_overrun_free_text, ES_ERR_JPEG_OVERRUN,
     "offset 2: APP11 segment declares length 542 but input ends after", ""},
    {"overrun, a vendor's tag named", b_overrun_vendor_tag, ES_ERR_JPEG_OVERRUN,
     "offset 2: APP11 (FPXR) segment declares length 542", ""},
    {"overrun in identifier", b_overrun_in_peek, ES_ERR_JPEG_OVERRUN,
     "offset 2: APP1 segment declares length 100 but input ends after 9 bytes", ""},
    {"overrun dqt", b_overrun_dqt, ES_ERR_JPEG_OVERRUN, "offset 2: DQT segment declares length 67",
     "after 10 bytes"},
    {"overrun sos", b_overrun_sos, ES_ERR_JPEG_OVERRUN, "offset 128: SOS segment declares length 8", ""},
    {"EOI without frame", b_no_frame_eoi, ES_ERR_JPEG_NO_FRAME, "offset 71: EOI before any frame header", ""},
    {"EOI without scan", b_no_scan_eoi, ES_ERR_JPEG_NO_SCAN, "offset 84: EOI before any scan (SOS)", ""},
    {"SOS before SOF", b_sos_before_sof, ES_ERR_JPEG_NO_FRAME,
     "offset 71: SOS (scan) before any frame header", ""},
    {"metadata only", b_metadata_only, ES_ERR_JPEG_NO_FRAME, "after the APP1 segment at offset 2",
     "without any frame header (SOFn) or EOI"},
    {"frame without scan", b_frame_no_scan, ES_ERR_JPEG_NO_SCAN,
     "offset 84: input ends after the SOF0 segment at offset 71", "without any scan (SOS)"},
    {"cut in entropy data", b_cut_in_entropy, ES_ERR_JPEG_TRUNCATED,
     "offset 139: input ends inside the entropy-coded data of scan 1 (SOS at offset 128)", "no EOI"},
    {"cut after 0xFF in entropy data", b_cut_after_ff_in_entropy, ES_ERR_JPEG_TRUNCATED,
     "offset 140: input ends inside the entropy-coded data of scan 1", ""},
    {"cut after a table", b_cut_after_table, ES_ERR_JPEG_TRUNCATED,
     "offset 208: input ends after the DQT segment at offset 139; no EOI", ""},
    {"cut in a marker", b_cut_in_marker, ES_ERR_JPEG_TRUNCATED, "offset 210: input ends inside a marker", ""},
    {"cut in a length", b_cut_in_length, ES_ERR_JPEG_TRUNCATED,
     "input ends inside the length field of the DQT marker at offset 2", ""},
    {"FF00 between segments", b_ff00_top, ES_ERR_JPEG_BAD_MARKER,
     "offset 20: 0xFF00 outside a scan is not a marker", "after the APP0 segment at offset 2"},
    {"garbage between segments", b_garbage, ES_ERR_JPEG_BAD_MARKER,
     "offset 20: expected a marker after the APP0 segment at offset 2, found byte 0x41",
     "data between segments"},
    {"second SOI", b_second_soi, ES_ERR_JPEG_BAD_MARKER, "offset 22: unexpected SOI marker", ""},
    {"Exif behind a SOF1 marker", b_exif_as_sof1, ES_ERR_JPEG_BAD_LENGTH,
     "offset 2: SOF1 frame header declares length 38, but one of 77 components has 239", ""},
    {"Exif behind a JPG1 marker", b_exif_as_jpg1, ES_ERR_JPEG_BAD_MARKER,
     "offset 2: JPG1 marker (0xFFF1) is reserved for JPEG extensions", ""},
    {"JPG", b_jpg, ES_ERR_JPEG_BAD_MARKER, "offset 2: JPG marker (0xFFC8) is reserved", ""},
    {"RES", b_res, ES_ERR_JPEG_BAD_MARKER, "offset 2: RES marker (0xFF05) is reserved", ""},
    {"Exif behind a DRI marker", b_exif_as_dri, ES_ERR_JPEG_BAD_LENGTH,
     "offset 2: DRI segment declares length 38, but one has 4", ""},
    {"Exif behind an EXP marker", b_exif_as_exp, ES_ERR_JPEG_BAD_LENGTH,
     "offset 2: EXP segment declares length 38, but one has 3", ""},
    {"Exif behind a DHP marker", b_exif_as_dhp, ES_ERR_JPEG_BAD_LENGTH,
     "offset 2: DHP frame header declares length 38, but one of 77 components has 239", ""},
    {"Exif behind a DHT marker", b_exif_as_dht, ES_ERR_JPEG_BAD_MARKER,
     "offset 2: DHT segment's Huffman table 1 has class and destination byte 0x45, which no decoder accepts",
     ""},
    {"Exif behind a DQT marker", b_exif_as_dqt, ES_ERR_JPEG_BAD_MARKER,
     "offset 2: DQT segment's quantization table 1 has class and destination byte 0x45", ""},
    {"APP12 text behind a DAC marker", b_app12_as_dac, ES_ERR_JPEG_BAD_MARKER,
     "offset 2: DAC segment's conditioning table 1 has class and destination byte 0x5B", ""},
    {"DHT with bytes after its table", b_dht_bytes_after, ES_ERR_JPEG_BAD_LENGTH,
     "offset 2: DHT segment has 9 bytes after its 1 Huffman table, fewer than a table's 17-byte header", ""},
    {"DHT too short for a table", b_dht_too_short, ES_ERR_JPEG_BAD_LENGTH,
     "offset 2: DHT segment declares length 7, too short for a Huffman table (19 bytes", ""},
    {"DHT table with more codes than bytes", b_dht_codes_past_end, ES_ERR_JPEG_BAD_LENGTH,
     "offset 2: DHT segment's Huffman table 1 declares 12 codes, but fewer bytes are left", ""},
    {"DAC of an odd length", b_dac_odd, ES_ERR_JPEG_BAD_LENGTH,
     "offset 2: DAC segment declares length 5, but its conditioning tables take 2 bytes each", ""},
    {"scan header with extra bytes", b_sos_with_extra, ES_ERR_JPEG_BAD_LENGTH,
     "offset 128: SOS scan header declares length 10, but one of 1 component has 8", ""},
    {"frame header too short", b_sof_too_short, ES_ERR_JPEG_BAD_LENGTH,
     "offset 2: SOF0 frame header is too short (length 5", ""},
    {"frame of no component", b_sof_no_component, ES_ERR_JPEG_BAD_LENGTH,
     "offset 2: SOF0 frame header declares 0 components (1 to 255)", ""},
};

static void test_refusals(void)
{
    for (size_t i = 0; i < sizeof s_bad_cases / sizeof s_bad_cases[0]; i++) {
        const s_bad *bc = &s_bad_cases[i];
        es_tj_buf in = {0};
        es_tj_result r;
        bc->build(&in);
        es_tj_strip(NULL, in.data, in.len, es_tj_oneshot(), &r);
        if (r.rc != bc->code || !strstr(r.msg, bc->msg1) || !strstr(r.msg, bc->msg2))
            es_test_fail(__FILE__, __LINE__, "%s: got %s \"%s\", expected %s with \"%s\" and \"%s\"",
                         bc->name, es_errname(r.rc), r.msg, es_errname(bc->code), bc->msg1, bc->msg2);
        CHECK_INT_EQ(es_err_category(r.rc), ES_CAT_INPUT);
        const char *why = es_tj_check(NULL, in.data, in.len, S_RANDOM_SPLITS, S_SEED + (uint32_t)i, 1u << 20);
        if (why)
            es_test_fail(__FILE__, __LINE__, "%s: %s", bc->name, why);
        es_tj_result_free(&r);
        es_tj_buf_free(&in);
    }
}

/* Whatever follows the first EOI is dropped, even garbage or a cut image. */
static void test_trailer_dropped_whatever_it_is(void)
{
    static const struct {
        const char *bytes;
        size_t n;
    } trailers[] = {{"\x00", 1}, {"garbage", 7},          {"\xFF\xD8\xFF\xE1\x00", 5},
                    {"\xFF", 1}, {"\xFF\xD9\xFF\xD9", 4}, {"\x00\x00\x00\x00\x00\x00\x00\x00", 8}};
    es_jpeg_policy p = s_policy(true, false);
    for (size_t i = 0; i < sizeof trailers / sizeof trailers[0]; i++) {
        s_case c = {.policy = &p};
        s_soi(&c);
        s_image(&c, 0xC0);
        s_eoi(&c);
        s_trailer(&c, trailers[i].bytes, trailers[i].n);
        s_expect(&c);
        s_case_free(&c);
    }
}

static void test_valid_minimal_no_trailer(void)
{
    es_tj_buf in = {0};
    uint8_t *out = NULL;
    size_t out_len = 0;
    es_error err;
    es_jpeg_stats st;
    es_error_clear(&err);
    s_valid(&in);
    CHECK_OK(es_jpeg_strip_buffer(NULL, in.data, in.len, &out, &out_len, &err, &st));
    CHECK_MEM_EQ(out, out_len, in.data, in.len);
    CHECK_INT_EQ(err.code, ES_OK);
    CHECK_INT_EQ(st.bytes_in, in.len);
    CHECK_INT_EQ(st.bytes_out, in.len);
    CHECK_INT_EQ(st.removed_count[ES_JPEG_KIND_TRAILER], 0);
    free(out);
    es_tj_buf_free(&in);
}

static void test_strip_buffer_error(void)
{
    uint8_t *out = (uint8_t *)1;
    size_t out_len = 7;
    es_error err;
    es_jpeg_stats st;
    es_error_clear(&err);
    CHECK_INT_EQ(es_jpeg_strip_buffer(NULL, (const uint8_t *)"GIF89a", 6, &out, &out_len, &err, &st),
                 ES_ERR_JPEG_NOT_JPEG);
    CHECK(out == NULL);
    CHECK_INT_EQ(out_len, 0);
    CHECK_INT_EQ(err.code, ES_ERR_JPEG_NOT_JPEG);
    CHECK_STR_CONTAINS(err.msg, "GIF image");
    CHECK_INT_EQ(st.bytes_in, 6);
    CHECK_INT_EQ(es_jpeg_strip_buffer(NULL, NULL, 0, &out, &out_len, NULL, NULL), ES_ERR_JPEG_EMPTY);
    CHECK_INT_EQ(es_jpeg_strip_buffer(NULL, NULL, 5, &out, &out_len, NULL, NULL), ES_ERR_INVALID_ARG);
}

/* ---- API behaviour -------------------------------------------------------- */

typedef struct s_failing_sink {
    size_t calls, fail_at;
} s_failing_sink;

static es_err s_failing_write(void *ctx, const uint8_t *data, size_t len)
{
    s_failing_sink *f = ctx;
    (void)data;
    (void)len;
    return ++f->calls >= f->fail_at ? ES_ERR_IO : ES_OK;
}

static void test_output_error_aborts_and_sticks(void)
{
    es_tj_buf in = {0};
    s_failing_sink sink = {0, 2};
    s_valid(&in);
    es_jpeg_stripper *s = es_jpeg_stripper_new(NULL, s_failing_write, &sink);
    REQUIRE(s);
    CHECK_INT_EQ(es_jpeg_stripper_feed(s, in.data, in.len), ES_ERR_IO);
    CHECK_INT_EQ(es_jpeg_stripper_status(s), ES_ERR_IO);
    CHECK_STR_CONTAINS(es_jpeg_stripper_error(s), "output callback failed");
    CHECK_INT_EQ(es_jpeg_stripper_feed(s, in.data, in.len), ES_ERR_IO);
    CHECK_INT_EQ(es_jpeg_stripper_finish(s), ES_ERR_IO);
    CHECK_INT_EQ(sink.calls, 2);
    es_jpeg_stripper_free(s);
    es_tj_buf_free(&in);
}

static void test_error_sticks_and_state(void)
{
    es_tj_buf in = {0};
    s_valid(&in);
    es_jpeg_stripper *s = es_jpeg_stripper_new(NULL, NULL, NULL);
    REQUIRE(s);
    CHECK_INT_EQ(es_jpeg_stripper_status(s), ES_OK);
    CHECK_STR_EQ(es_jpeg_stripper_error(s), "");
    CHECK_OK(es_jpeg_stripper_feed(s, in.data, in.len));
    CHECK_OK(es_jpeg_stripper_feed(s, NULL, 0));
    CHECK_OK(es_jpeg_stripper_finish(s));
    CHECK_INT_EQ(es_jpeg_stripper_stats(s)->bytes_out, in.len); /* counted without a writer */
    CHECK_INT_EQ(es_jpeg_stripper_feed(s, in.data, 1), ES_ERR_JPEG_STATE);
    CHECK_INT_EQ(es_jpeg_stripper_finish(s), ES_ERR_JPEG_STATE);
    CHECK_INT_EQ(es_jpeg_stripper_status(s), ES_OK);
    es_jpeg_stripper_free(s);

    s = es_jpeg_stripper_new(NULL, NULL, NULL);
    REQUIRE(s);
    CHECK_INT_EQ(es_jpeg_stripper_feed(s, (const uint8_t *)"\xFF\xD8\xFF\x00", 4), ES_ERR_JPEG_BAD_MARKER);
    CHECK_INT_EQ(es_jpeg_stripper_feed(s, in.data, in.len), ES_ERR_JPEG_BAD_MARKER);
    CHECK_INT_EQ(es_jpeg_stripper_finish(s), ES_ERR_JPEG_BAD_MARKER);
    CHECK_STR_CONTAINS(es_jpeg_stripper_error(s), "offset 2: 0xFF00");
    es_jpeg_stripper_free(s);

    es_jpeg_stripper_free(NULL);
    CHECK_INT_EQ(es_jpeg_stripper_feed(NULL, in.data, 1), ES_ERR_INVALID_ARG);
    CHECK_INT_EQ(es_jpeg_stripper_finish(NULL), ES_ERR_INVALID_ARG);
    es_tj_buf_free(&in);
}

/* Entropy data goes out in whole runs, across 0xFF00 stuffing and RSTn. */
static void test_entropy_copied_in_runs(void)
{
    const size_t n = 1u << 20;
    es_tj_buf in = {0};
    uint32_t rnd = 7;
    uint8_t *data = malloc(n);
    REQUIRE(data);
    for (size_t i = 0; i < n; i++) {
        data[i] = (uint8_t)es_tj_rand(&rnd);
        if (data[i] == 0xFF && i + 1 < n) { /* stuffing, now and then a restart marker */
            data[i + 1] = (i / 2) % 64 == 0 ? (uint8_t)(0xD0 + i % 8) : 0x00;
            i++;
        }
    }
    data[n - 1] = 0x00;
    es_tj_soi(&in);
    es_tj_image(&in, 0xC0);
    es_tj_buf_put(&in, data, n);
    es_tj_eoi(&in);
    es_tj_result r;
    es_tj_strip(NULL, in.data, in.len, es_tj_oneshot(), &r);
    CHECK_INT_EQ(r.rc, ES_OK);
    CHECK_MEM_EQ(r.out.data, r.out.len, in.data, in.len);
    CHECK(r.calls < 16);
    es_tj_result_free(&r);
    es_tj_strip(NULL, in.data, in.len, es_tj_chunks(65536), &r);
    CHECK_INT_EQ(r.rc, ES_OK);
    CHECK_MEM_EQ(r.out.data, r.out.len, in.data, in.len);
    CHECK(r.calls < 16 + 2 * (in.len / 65536));
    es_tj_result_free(&r);
    free(data);
    es_tj_buf_free(&in);
}

static void test_kind_names(void)
{
    CHECK_STR_EQ(es_jpeg_kind_name(ES_JPEG_KIND_EXIF), "exif");
    CHECK_STR_EQ(es_jpeg_kind_name(ES_JPEG_KIND_XMP), "xmp");
    CHECK_STR_EQ(es_jpeg_kind_name(ES_JPEG_KIND_ICC), "icc");
    CHECK_STR_EQ(es_jpeg_kind_name(ES_JPEG_KIND_TRAILER), "trailer");
    CHECK_STR_EQ(es_jpeg_kind_name(ES_JPEG_KIND_COUNT), "unknown");
    for (int k = 0; k < ES_JPEG_KIND_COUNT; k++) {
        CHECK(es_jpeg_kind_name((es_jpeg_kind)k) != NULL);
        for (int j = 0; j < k; j++)
            CHECK(strcmp(es_jpeg_kind_name((es_jpeg_kind)k), es_jpeg_kind_name((es_jpeg_kind)j)) != 0);
    }
}

int main(void)
{
    ES_RUN(test_default_policy_drops_every_metadata_kind);
    ES_RUN(test_keep_icc_false_drops_icc);
    ES_RUN(test_keep_comments_true_keeps_com);
    ES_RUN(test_null_policy_is_default);
    ES_RUN(test_policy_keeps_table);
    ES_RUN(test_segment_idents_and_offsets);
    ES_RUN(test_stats_frame_scan_exif);
    ES_RUN(test_exif_facts_both_byte_orders);
    ES_RUN(test_fill_bytes);
    ES_RUN(test_structure_kept_byte_for_byte);
    ES_RUN(test_frame_types);
    ES_RUN(test_refusals);
    ES_RUN(test_trailer_dropped_whatever_it_is);
    ES_RUN(test_valid_minimal_no_trailer);
    ES_RUN(test_strip_buffer_error);
    ES_RUN(test_output_error_aborts_and_sticks);
    ES_RUN(test_error_sticks_and_state);
    ES_RUN(test_entropy_copied_in_runs);
    ES_RUN(test_kind_names);
    return es_test_finish();
}
