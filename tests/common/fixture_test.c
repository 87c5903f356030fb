/* fixture_test.c - self-test of the JPEG fixture generator (tests/support):
 * every variant decodes with libjpeg, carries exactly the segments it was
 * asked for (found by an independent marker walk here), and is deterministic. */
#include "../harness/test.h"
#include "../support/fixture.h"
#include "../support/shared_dir.h"
#include "../support/sigv4_req.h"
#include <sys/stat.h>

#include <stdlib.h>
#include <unistd.h>

#include <libexif/exif-data.h>
#include <libexif/exif-utils.h>

#define MAX_SEGS 256

typedef struct seg {
    uint8_t marker;
    size_t offset;       /* of the 0xFF that starts the marker */
    const uint8_t *body; /* payload after the length field (NULL for standalone markers) */
    size_t body_len;
    size_t fill_before; /* 0xFF fill bytes seen before this marker */
} seg;

typedef struct walk {
    seg segs[MAX_SEGS];
    int n;
    size_t eoi_end; /* offset just after EOI, 0 if not reached */
    int rst_count;
} walk;

/* Marker-level walk up to the first EOI; false on a structural problem. */
static bool walk_jpeg(const uint8_t *j, size_t len, walk *w)
{
    memset(w, 0, sizeof *w);
    if (len < 4 || j[0] != 0xFF || j[1] != 0xD8)
        return false;
    size_t pos = 2;
    while (pos + 1 < len && w->n < MAX_SEGS) {
        size_t fill = 0;
        if (j[pos] != 0xFF)
            return false;
        while (pos + 1 < len && j[pos + 1] == 0xFF) {
            pos++;
            fill++;
        }
        if (pos + 1 >= len)
            return false;
        seg *s = &w->segs[w->n++];
        s->marker = j[pos + 1];
        s->offset = pos;
        s->fill_before = fill;
        if (s->marker == 0xD9) {
            w->eoi_end = pos + 2;
            return true;
        }
        if (pos + 4 > len)
            return false;
        size_t l = (size_t)j[pos + 2] << 8 | j[pos + 3];
        if (l < 2 || pos + 2 + l > len)
            return false;
        s->body = j + pos + 4;
        s->body_len = l - 2;
        pos += 2 + l;
        if (s->marker == 0xDA) {
            while (pos + 1 < len) {
                if (j[pos] == 0xFF && j[pos + 1] >= 0xD0 && j[pos + 1] <= 0xD7)
                    w->rst_count++;
                else if (j[pos] == 0xFF && j[pos + 1] != 0x00)
                    break;
                pos += j[pos] == 0xFF ? 2 : 1;
            }
        }
    }
    return false;
}

static int count_app(const walk *w, uint8_t marker, const char *ident, size_t ident_len)
{
    int n = 0;
    for (int i = 0; i < w->n; i++)
        if (w->segs[i].marker == marker && w->segs[i].body_len >= ident_len &&
            !memcmp(w->segs[i].body, ident, ident_len))
            n++;
    return n;
}

static const seg *find_app(const walk *w, uint8_t marker, const char *ident, size_t ident_len)
{
    for (int i = 0; i < w->n; i++)
        if (w->segs[i].marker == marker && w->segs[i].body_len >= ident_len &&
            !memcmp(w->segs[i].body, ident, ident_len))
            return &w->segs[i];
    return NULL;
}

static int count_marker(const walk *w, uint8_t marker)
{
    int n = 0;
    for (int i = 0; i < w->n; i++)
        n += w->segs[i].marker == marker;
    return n;
}

/* Makes, walks and decodes; returns the buffer (caller frees) or NULL. */
static uint8_t *make_ok(const es_fixture_opts *o, size_t *len, walk *w, int ew, int eh, int ec)
{
    uint8_t *j = NULL, *pix = NULL;
    int pw = 0, ph = 0, pc = 0;
    if (es_fixture_make(o, &j, len) != 0) {
        es_test_fail(__FILE__, __LINE__, "es_fixture_make failed");
        return NULL;
    }
    if (!walk_jpeg(j, *len, w))
        es_test_fail(__FILE__, __LINE__, "marker walk failed");
    if (es_fixture_decode(j, *len, &pix, &pw, &ph, &pc) != 0) {
        es_test_fail(__FILE__, __LINE__, "decode failed");
    } else {
        CHECK_INT_EQ(pw, ew);
        CHECK_INT_EQ(ph, eh);
        CHECK_INT_EQ(pc, ec);
    }
    free(pix);
    return j;
}

static void t_defaults_baseline_ycbcr(void)
{
    es_fixture_opts o = {0};
    size_t len;
    walk w;
    uint8_t *j = make_ok(&o, &len, &w, 64, 48, 3);
    REQUIRE(j);
    CHECK_INT_EQ(count_app(&w, 0xE0, "JFIF", 5), 1);
    CHECK_INT_EQ(w.segs[0].marker, 0xE0);
    CHECK_INT_EQ(count_marker(&w, 0xC0), 1);
    CHECK_INT_EQ(count_marker(&w, 0xDA), 1);
    CHECK_INT_EQ(w.eoi_end, len); /* nothing after EOI */
    CHECK_INT_EQ(count_marker(&w, 0xE1) + count_marker(&w, 0xE2) + count_marker(&w, 0xFE), 0);
    free(j);
}

static void t_gray_and_size(void)
{
    es_fixture_opts o = {.components = 1, .width = 33, .height = 17, .no_jfif = true};
    size_t len;
    walk w;
    uint8_t *j = make_ok(&o, &len, &w, 33, 17, 1);
    REQUIRE(j);
    CHECK_INT_EQ(count_marker(&w, 0xE0), 0);
    const seg *sof = find_app(&w, 0xC0, "", 0);
    REQUIRE(sof && sof->body_len >= 6);
    CHECK_INT_EQ(sof->body[5], 1);
    free(j);
}

static void t_cmyk_has_adobe(void)
{
    es_fixture_opts o = {.components = 4};
    size_t len;
    walk w;
    uint8_t *j = make_ok(&o, &len, &w, 64, 48, 4);
    REQUIRE(j);
    CHECK_INT_EQ(count_app(&w, 0xEE, "Adobe", 5), 1);
    free(j);
}

static void t_progressive_and_arithmetic(void)
{
    size_t len;
    walk w;
    es_fixture_opts p = {.progressive = true};
    uint8_t *j = make_ok(&p, &len, &w, 64, 48, 3);
    REQUIRE(j);
    CHECK_INT_EQ(count_marker(&w, 0xC2), 1);
    CHECK(count_marker(&w, 0xDA) > 2);
    free(j);

    es_fixture_opts a = {.arithmetic = true};
    j = make_ok(&a, &len, &w, 64, 48, 3);
    REQUIRE(j);
    CHECK_INT_EQ(count_marker(&w, 0xC9), 1);
    CHECK_INT_EQ(count_marker(&w, 0xC4), 0); /* no Huffman tables */
    free(j);

    es_fixture_opts pa = {.arithmetic = true, .progressive = true, .components = 1};
    j = make_ok(&pa, &len, &w, 64, 48, 1);
    REQUIRE(j);
    CHECK_INT_EQ(count_marker(&w, 0xCA), 1);
    free(j);
}

static void t_restart_interval(void)
{
    es_fixture_opts o = {.restart_interval = 2, .width = 128, .height = 64};
    size_t len;
    walk w;
    uint8_t *j = make_ok(&o, &len, &w, 128, 64, 3);
    REQUIRE(j);
    CHECK_INT_EQ(count_marker(&w, 0xDD), 1);
    CHECK(w.rst_count > 10);
    free(j);
}

static void check_exif(const seg *s, bool gps, bool thumb, int orientation)
{
    ExifData *ed = exif_data_new_from_data(s->body, (unsigned int)s->body_len);
    REQUIRE(ed);
    ExifEntry *make = exif_content_get_entry(ed->ifd[EXIF_IFD_0], EXIF_TAG_MAKE);
    CHECK(make && make->size >= 10 && !memcmp(make->data, "FixtureCam", 10));
    ExifEntry *lat = exif_content_get_entry(ed->ifd[EXIF_IFD_GPS], (ExifTag)EXIF_TAG_GPS_LATITUDE);
    CHECK_INT_EQ(lat != NULL, gps);
    if (lat && lat->size == 24) {
        ExifRational deg = exif_get_rational(lat->data, exif_data_get_byte_order(ed));
        CHECK_INT_EQ(deg.numerator, 48);
    }
    ExifEntry *ori = exif_content_get_entry(ed->ifd[EXIF_IFD_0], EXIF_TAG_ORIENTATION);
    CHECK_INT_EQ(ori ? exif_get_short(ori->data, exif_data_get_byte_order(ed)) : 0, orientation);
    CHECK(exif_content_get_entry(ed->ifd[EXIF_IFD_EXIF], EXIF_TAG_DATE_TIME_ORIGINAL) != NULL);
    CHECK_INT_EQ(ed->size > 0, thumb);
    if (thumb && ed->size > 0) {
        uint8_t *pix = NULL;
        int tw = 0, th = 0, tc = 0;
        CHECK_OK(es_fixture_decode(ed->data, ed->size, &pix, &tw, &th, &tc));
        CHECK_INT_EQ(tw, 16);
        free(pix);
    }
    exif_data_unref(ed);
}

static void t_exif_gps_thumbnail_both_byte_orders(void)
{
    for (unsigned seed = 0; seed < 2; seed++) {
        es_fixture_opts o = {.exif_gps = true, .exif_thumbnail = true, .orientation = 6, .seed = seed};
        size_t len;
        walk w;
        uint8_t *j = make_ok(&o, &len, &w, 64, 48, 3);
        REQUIRE(j);
        CHECK_INT_EQ(count_app(&w, 0xE1, "Exif\0\0", 6), 1);
        const seg *s = find_app(&w, 0xE1, "Exif\0\0", 6);
        REQUIRE(s);
        CHECK(!memcmp(s->body + 6, seed ? "MM" : "II", 2));
        CHECK_INT_EQ(w.segs[0].marker, 0xE0); /* JFIF stays first */
        check_exif(s, true, true, 6);
        free(j);
    }
    es_fixture_opts only_orientation = {.orientation = 8};
    size_t olen;
    walk ow;
    uint8_t *oj = make_ok(&only_orientation, &olen, &ow, 64, 48, 3);
    REQUIRE(oj);
    const seg *os = find_app(&ow, 0xE1, "Exif\0\0", 6);
    CHECK(os != NULL); /* an orientation implies an Exif segment */
    if (os)
        check_exif(os, false, false, 8);
    free(oj);

    es_fixture_opts plain = {.exif = true};
    size_t len;
    walk w;
    uint8_t *j = make_ok(&plain, &len, &w, 64, 48, 3);
    REQUIRE(j);
    const seg *s = find_app(&w, 0xE1, "Exif\0\0", 6);
    REQUIRE(s);
    check_exif(s, false, false, 0);
    free(j);
}

static void t_xmp_and_extended(void)
{
    static const char ns[] = "http://ns.adobe.com/xap/1.0/";
    static const char ext[] = "http://ns.adobe.com/xmp/extension/";
    es_fixture_opts o = {.xmp = true, .xmp_extended = true};
    size_t len;
    walk w;
    uint8_t *j = make_ok(&o, &len, &w, 64, 48, 3);
    REQUIRE(j);
    const seg *main_xmp = find_app(&w, 0xE1, ns, sizeof ns);
    REQUIRE(main_xmp);
    CHECK(memmem(main_xmp->body, main_xmp->body_len, "GPSLatitude", 11) != NULL);
    REQUIRE(memmem(main_xmp->body, main_xmp->body_len, "HasExtendedXMP=\"", 16) != NULL);
    const char *guid = (const char *)memmem(main_xmp->body, main_xmp->body_len, "HasExtendedXMP=\"", 16) + 16;
    int chunks = count_app(&w, 0xE1, ext, sizeof ext);
    CHECK(chunks >= 2);
    size_t covered = 0, total = 0;
    for (int i = 0; i < w.n; i++) {
        const seg *s = &w.segs[i];
        if (s->marker != 0xE1 || s->body_len < sizeof ext + 40 || memcmp(s->body, ext, sizeof ext))
            continue;
        const uint8_t *h = s->body + sizeof ext;
        CHECK(!memcmp(h, guid, 32));
        size_t full = (size_t)h[32] << 24 | (size_t)h[33] << 16 | (size_t)h[34] << 8 | h[35];
        size_t off = (size_t)h[36] << 24 | (size_t)h[37] << 16 | (size_t)h[38] << 8 | h[39];
        CHECK_INT_EQ(off, covered);
        covered += s->body_len - sizeof ext - 40;
        total = full;
    }
    CHECK_INT_EQ(covered, total);
    free(j);
}

static void t_iptc_icc_and_small_segments(void)
{
    es_fixture_opts o =
        {.iptc = true, .icc_chunks = 3, .comment = true, .jfxx = true, .ducky = true, .apple_app2_fpxr = true};
    size_t len;
    walk w;
    uint8_t *j = make_ok(&o, &len, &w, 64, 48, 3);
    REQUIRE(j);
    const seg *ps = find_app(&w, 0xED, "Photoshop 3.0\0", 14);
    REQUIRE(ps);
    CHECK(ps->body_len > 30 && !memcmp(ps->body + 14, "8BIM\x04\x04", 6));
    CHECK(memmem(ps->body, ps->body_len, "Secretville", 11) != NULL);
    CHECK_INT_EQ(count_app(&w, 0xE2, "ICC_PROFILE\0", 12), 3);
    size_t icc_len = 0, declared = 0;
    int expect_seq = 1;
    for (int i = 0; i < w.n; i++) {
        const seg *s = &w.segs[i];
        if (s->marker != 0xE2 || s->body_len < 14 || memcmp(s->body, "ICC_PROFILE\0", 12))
            continue;
        CHECK_INT_EQ(s->body[12], expect_seq++);
        CHECK_INT_EQ(s->body[13], 3);
        if (s->body[12] == 1 && s->body_len >= 18) {
            declared = (size_t)s->body[14] << 24 | (size_t)s->body[15] << 16 | (size_t)s->body[16] << 8 |
                       s->body[17];
            CHECK(!memcmp(s->body + 14 + 36, "acsp", 4));
        }
        icc_len += s->body_len - 14;
    }
    CHECK_INT_EQ(icc_len, declared);
    CHECK_INT_EQ(count_marker(&w, 0xFE), 1);
    CHECK_INT_EQ(count_app(&w, 0xE0, "JFXX\0", 5), 1);
    CHECK_INT_EQ(count_app(&w, 0xEC, "Ducky", 5), 1);
    CHECK_INT_EQ(count_app(&w, 0xE2, "FPXR\0", 5), 1);
    free(j);
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void t_mpf_second_image(void)
{
    es_fixture_opts o = {.mpf_second_image = true, .exif = true};
    size_t len;
    walk w;
    uint8_t *j = make_ok(&o, &len, &w, 64, 48, 3);
    REQUIRE(j);
    const seg *mpf = find_app(&w, 0xE2, "MPF\0", 4);
    REQUIRE(mpf && mpf->body_len >= 4 + 50 + 32);
    const uint8_t *tiff = mpf->body + 4;
    const uint8_t *e = tiff + 50;
    CHECK_INT_EQ(be32(e + 4), w.eoi_end);
    size_t second = (size_t)(tiff - j) + be32(e + 24);
    CHECK_INT_EQ(second, w.eoi_end);
    CHECK_INT_EQ(second + be32(e + 20), len);
    REQUIRE(second + 2 < len);
    CHECK(j[second] == 0xFF && j[second + 1] == 0xD8);
    uint8_t *pix = NULL;
    int pw = 0, ph = 0, pc = 0;
    CHECK_OK(es_fixture_decode(j + second, len - second, &pix, &pw, &ph, &pc));
    CHECK_INT_EQ(pw, 32);
    free(pix);
    free(j);
}

static void t_mp4_trailer(void)
{
    es_fixture_opts o = {.mp4_trailer = true};
    size_t len;
    walk w;
    uint8_t *j = make_ok(&o, &len, &w, 64, 48, 3);
    REQUIRE(j);
    REQUIRE(w.eoi_end > 0 && len - w.eoi_end > 24);
    CHECK(!memcmp(j + w.eoi_end + 4, "ftypmp42", 8));
    CHECK(!memcmp(j + w.eoi_end + 28, "mdat", 4));
    free(j);
}

static bool same_pixels(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    uint8_t *pa = NULL, *pb = NULL;
    int wa, ha, ca, wb, hb, cb;
    bool ok = es_fixture_decode(a, alen, &pa, &wa, &ha, &ca) == 0 &&
              es_fixture_decode(b, blen, &pb, &wb, &hb, &cb) == 0 && wa == wb && ha == hb && ca == cb &&
              !memcmp(pa, pb, (size_t)wa * (size_t)ha * (size_t)ca);
    free(pa);
    free(pb);
    return ok;
}

static void t_fill_bytes_and_everything(void)
{
    es_fixture_opts all = {.progressive = true,
                           .restart_interval = 1,
                           .exif_gps = true,
                           .exif_thumbnail = true,
                           .orientation = 3,
                           .xmp = true,
                           .xmp_extended = true,
                           .iptc = true,
                           .comment = true,
                           .jfxx = true,
                           .ducky = true,
                           .apple_app2_fpxr = true,
                           .icc_chunks = 2,
                           .mpf_second_image = true,
                           .mp4_trailer = true,
                           .fill_bytes = true};
    es_fixture_opts plain = {.progressive = true, .restart_interval = 1};
    size_t len, plen;
    walk w, pw;
    uint8_t *j = make_ok(&all, &len, &w, 64, 48, 3);
    uint8_t *p = make_ok(&plain, &plen, &pw, 64, 48, 3);
    REQUIRE(j && p);
    int filled = 0;
    for (int i = 0; i < w.n; i++)
        filled += w.segs[i].fill_before > 0;
    CHECK(filled > 5);
    CHECK(w.segs[w.n - 1].fill_before > 0); /* before EOI, after entropy data */
    CHECK(same_pixels(j, len, p, plen));
    CHECK(len > plen + 3000);
    free(j);
    free(p);
}

static void t_deterministic_by_seed(void)
{
    es_fixture_opts a = {.exif_gps = true, .xmp = true, .seed = 7};
    es_fixture_opts b = a;
    b.seed = 8;
    uint8_t *j1 = NULL, *j2 = NULL, *j3 = NULL;
    size_t l1, l2, l3;
    CHECK_OK(es_fixture_make(&a, &j1, &l1));
    CHECK_OK(es_fixture_make(&a, &j2, &l2));
    CHECK_OK(es_fixture_make(&b, &j3, &l3));
    REQUIRE(j1 && j2 && j3);
    CHECK_MEM_EQ(j1, l1, j2, l2);
    CHECK(!same_pixels(j1, l1, j3, l3));
    free(j1);
    free(j2);
    free(j3);
}

static void t_decode_refuses_garbage(void)
{
    static const uint8_t png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n', 0, 0, 0, 13};
    uint8_t *pix = (uint8_t *)1;
    int w, h, c;
    CHECK_INT_EQ(es_fixture_decode(png, sizeof png, &pix, &w, &h, &c), -1);
    CHECK(pix == NULL);
    CHECK_INT_EQ(es_fixture_decode(png, 0, &pix, &w, &h, &c), -1);
    es_fixture_opts o = {0};
    uint8_t *j = NULL;
    size_t len;
    REQUIRE(es_fixture_make(&o, &j, &len) == 0);
    CHECK_INT_EQ(es_fixture_decode(j, 30, &pix, &w, &h, &c), -1); /* cut inside the headers */
    free(j);
}

static void t_read_file_and_shared_dir(void)
{
    char path[] = "/tmp/es_fixture_test_XXXXXX";
    int fd = mkstemp(path);
    REQUIRE(fd >= 0);
    static const uint8_t data[] = "hello fixture";
    CHECK_INT_EQ(write(fd, data, sizeof data), (long long)sizeof data);
    close(fd);
    uint8_t *got = NULL;
    size_t got_len = 0;
    CHECK_OK(es_fixture_read_file(path, &got, &got_len));
    CHECK_MEM_EQ(got, got_len, data, sizeof data);
    free(got);
    unlink(path);
    CHECK_INT_EQ(es_fixture_read_file(path, &got, &got_len), -1);

    const char *old = getenv("ES_SHARED_DIR");
    char *saved = old ? strdup(old) : NULL;
    setenv("ES_SHARED_DIR", "/nonexistent/shared", 1);
    CHECK(es_fixture_shared_dir() == NULL);
    if (saved) {
        setenv("ES_SHARED_DIR", saved, 1);
        free(saved);
    } else {
        unsetenv("ES_SHARED_DIR");
    }
    const char *dir = es_fixture_shared_dir();
    if (dir) {
        char probe[4096];
        snprintf(probe, sizeof probe, "%s/dev", dir);
        CHECK(access(probe, R_OK) == 0);
    }
}

/* One rule for both kinds of shared material: ES_SHARED_DIR names the shared
 * folder, and the corpus and the SigV4 vectors are both found under it (they
 * once used two readings of the variable, so one of them silently skipped). */
static void t_shared_dir_one_rule(void)
{
    char root[] = "/tmp/es_shared_test_XXXXXX", sub[4200];
    REQUIRE(mkdtemp(root) != NULL);
    snprintf(sub, sizeof sub, "%s/corpus", root);
    CHECK_INT_EQ(mkdir(sub, 0700), 0);
    snprintf(sub, sizeof sub, "%s/corpus/dev", root);
    CHECK_INT_EQ(mkdir(sub, 0700), 0);
    snprintf(sub, sizeof sub, "%s/sigv4", root);
    CHECK_INT_EQ(mkdir(sub, 0700), 0);

    const char *old = getenv("ES_SHARED_DIR");
    char *saved = old ? strdup(old) : NULL;
    setenv("ES_SHARED_DIR", root, 1);
    char want[4200];
    snprintf(want, sizeof want, "%s/corpus", root);
    CHECK_STR_EQ(es_fixture_shared_dir(), want);
    snprintf(want, sizeof want, "%s/sigv4", root);
    CHECK_STR_EQ(es_test_sigv4_dir(), want);
    CHECK_STR_EQ(es_test_shared_path("sigv4"), want);
    snprintf(want, sizeof want, "%s/corpus", root);
    CHECK_STR_EQ(es_fixture_shared_dir(), want); /* the sigv4 lookup left it intact */
    CHECK(es_test_shared_path("missing") == NULL);

    setenv("ES_SHARED_DIR", "/nonexistent/shared", 1);
    CHECK(es_fixture_shared_dir() == NULL);
    CHECK(es_test_sigv4_dir() == NULL);
    if (saved) {
        setenv("ES_SHARED_DIR", saved, 1);
        free(saved);
    } else {
        unsetenv("ES_SHARED_DIR");
    }
    snprintf(sub, sizeof sub, "%s/corpus/dev", root);
    rmdir(sub);
    snprintf(sub, sizeof sub, "%s/corpus", root);
    rmdir(sub);
    snprintf(sub, sizeof sub, "%s/sigv4", root);
    rmdir(sub);
    rmdir(root);
}

int main(void)
{
    ES_RUN(t_shared_dir_one_rule);
    ES_RUN(t_defaults_baseline_ycbcr);
    ES_RUN(t_gray_and_size);
    ES_RUN(t_cmyk_has_adobe);
    ES_RUN(t_progressive_and_arithmetic);
    ES_RUN(t_restart_interval);
    ES_RUN(t_exif_gps_thumbnail_both_byte_orders);
    ES_RUN(t_xmp_and_extended);
    ES_RUN(t_iptc_icc_and_small_segments);
    ES_RUN(t_mpf_second_image);
    ES_RUN(t_mp4_trailer);
    ES_RUN(t_fill_bytes_and_everything);
    ES_RUN(t_deterministic_by_seed);
    ES_RUN(t_decode_refuses_garbage);
    ES_RUN(t_read_file_and_shared_dir);
    return es_test_finish();
}
