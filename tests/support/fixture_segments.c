/* fixture_segments.c - builders of the non-Exif metadata a fixture can carry:
 * XMP and extended XMP (APP1), IPTC in Photoshop 3.0 8BIM (APP13), a chunked
 * synthetic ICC profile and FPXR/MPF (APP2), JFXX (APP0), Ducky (APP12), COM,
 * and the MP4-like motion-photo trailer. Values are plausible, not precise. */
#include "fixture_priv.h"

#include <string.h>

const char es_fixture_xmp_guid[33] = "5D3E0A6BC1F2448E9A7731C0DE55F00D";

static const char s_xmp_ns[] = "http://ns.adobe.com/xap/1.0/";
static const char s_xmp_ext_ns[] = "http://ns.adobe.com/xmp/extension/";

void es_fixture_seg_xmp(const es_fixture_opts *o, es_fixture_buf *out)
{
    es_fixture_buf p = {0};
    es_fixture_buf_put(&p, s_xmp_ns, sizeof s_xmp_ns); /* with its NUL */
    es_fixture_buf_str(&p, "<?xpacket begin=\"\xEF\xBB\xBF\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n"
                           "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\n"
                           " <rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n"
                           "  <rdf:Description rdf:about=\"\"\n"
                           "    xmlns:exif=\"http://ns.adobe.com/exif/1.0/\"\n"
                           "    xmlns:photoshop=\"http://ns.adobe.com/photoshop/1.0/\"\n"
                           "    xmlns:xmpNote=\"http://ns.adobe.com/xmp/note/\"\n"
                           "    exif:GPSLatitude=\"48,51.4950N\"\n"
                           "    exif:GPSLongitude=\"2,17.4012E\"\n"
                           "    photoshop:City=\"Secretville\"\n");
    if (o->xmp_extended) {
        es_fixture_buf_str(&p, "    xmpNote:HasExtendedXMP=\"");
        es_fixture_buf_str(&p, es_fixture_xmp_guid);
        es_fixture_buf_str(&p, "\"\n");
    }
    es_fixture_buf_str(&p, "  />\n </rdf:RDF>\n</x:xmpmeta>\n");
    es_fixture_buf_fill(&p, ' ', 200); /* the customary padding */
    es_fixture_buf_str(&p, "\n<?xpacket end=\"w\"?>");
    if (p.failed)
        out->failed = true;
    else
        es_fixture_buf_segment(out, 0xE1, p.data, p.len);
    es_fixture_buf_free(&p);
}

/* The extended packet (a fake depth map), split into several APP1 chunks each
 * headed by namespace, GUID, full length and offset. */
void es_fixture_seg_xmp_extended(es_fixture_buf *out)
{
    enum { S_CHUNK = 1200 };
    es_fixture_buf x = {0};
    es_fixture_buf_str(&x, "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF "
                           "xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">"
                           "<rdf:Description rdf:about=\"\" xmlns:GDepth=\"http://ns.google.com/photos/1.0/depthmap/\" "
                           "GDepth:Mime=\"image/png\" GDepth:Data=\"");
    uint32_t st = 12345;
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (int i = 0; i < 2600; i++) {
        char c = b64[es_fixture_rand(&st) % 64];
        es_fixture_buf_put(&x, &c, 1);
    }
    es_fixture_buf_str(&x, "\"/></rdf:RDF></x:xmpmeta>");
    for (size_t off = 0; !x.failed && off < x.len; off += S_CHUNK) {
        size_t n = x.len - off < S_CHUNK ? x.len - off : S_CHUNK;
        es_fixture_buf p = {0};
        es_fixture_buf_put(&p, s_xmp_ext_ns, sizeof s_xmp_ext_ns);
        es_fixture_buf_put(&p, es_fixture_xmp_guid, 32);
        es_fixture_buf_be32(&p, (uint32_t)x.len);
        es_fixture_buf_be32(&p, (uint32_t)off);
        es_fixture_buf_put(&p, x.data + off, n);
        if (p.failed)
            out->failed = true;
        else
            es_fixture_buf_segment(out, 0xE1, p.data, p.len);
        es_fixture_buf_free(&p);
    }
    if (x.failed)
        out->failed = true;
    es_fixture_buf_free(&x);
}

static void s_iptc_field(es_fixture_buf *b, uint8_t dataset, const char *value)
{
    uint8_t head[3] = {0x1C, 0x02, dataset};
    es_fixture_buf_put(b, head, 3);
    es_fixture_buf_be16(b, (unsigned)strlen(value));
    es_fixture_buf_str(b, value);
}

static void s_8bim(es_fixture_buf *b, unsigned id, const uint8_t *data, size_t len)
{
    es_fixture_buf_str(b, "8BIM");
    es_fixture_buf_be16(b, id);
    es_fixture_buf_be16(b, 0); /* empty Pascal name, padded to even */
    es_fixture_buf_be32(b, (uint32_t)len);
    es_fixture_buf_put(b, data, len);
    if (len % 2)
        es_fixture_buf_fill(b, 0, 1);
}

void es_fixture_seg_iptc(es_fixture_buf *out)
{
    es_fixture_buf iptc = {0}, p = {0};
    static const uint8_t version[] = {0x1C, 0x02, 0x00, 0x00, 0x02, 0x00, 0x04};
    es_fixture_buf_put(&iptc, version, sizeof version);
    s_iptc_field(&iptc, 0x78, "Caption: the fixture photographer's house");
    s_iptc_field(&iptc, 0x5A, "Secretville");
    s_iptc_field(&iptc, 0x37, "20210601");
    s_iptc_field(&iptc, 0x50, "Jane Fixture");
    es_fixture_buf_str(&p, "Photoshop 3.0");
    es_fixture_buf_fill(&p, 0, 1);
    if (!iptc.failed)
        s_8bim(&p, 0x0404, iptc.data, iptc.len);
    static const uint8_t digest[16] = {0x3a, 0x51, 0x07, 0x9c, 0x41, 0x88, 0xe2, 0x10,
                                       0x55, 0xd0, 0x6b, 0x73, 0x19, 0xaf, 0x04, 0xc2};
    s_8bim(&p, 0x0425, digest, sizeof digest);
    if (p.failed || iptc.failed)
        out->failed = true;
    else
        es_fixture_buf_segment(out, 0xED, p.data, p.len);
    es_fixture_buf_free(&iptc);
    es_fixture_buf_free(&p);
}

/* A v2 display profile in the shape real ones have: a header naming a date,
 * a device maker and model, and a tag table with the texts the stripper
 * scrubs ('desc': textDescriptionType, 'cprt': textType, a private 'ZZZZ'
 * tag) around the colour tags it keeps ('wtpt', and an 'A2B0' of filler
 * sized so that each chunk carries some bytes). */
static void s_icc_text_tag(es_fixture_buf *b, const char *type, const char *text, uint32_t size)
{
    size_t start = b->len, n = strlen(text);
    es_fixture_buf_str(b, type);
    es_fixture_buf_fill(b, 0, 4);
    if (!strcmp(type, "desc"))
        es_fixture_buf_be32(b, (uint32_t)n + 1);
    es_fixture_buf_put(b, text, n);
    es_fixture_buf_fill(b, 0, size - (b->len - start));
}

static void s_icc_profile(int chunks, es_fixture_buf *b)
{
    uint32_t size = 560u + 300u * (uint32_t)chunks;
    es_fixture_buf_be32(b, size);
    es_fixture_buf_str(b, "lcms");
    es_fixture_buf_be32(b, 0x02100000u);
    es_fixture_buf_str(b, "mntrRGB XYZ ");
    static const uint8_t date[12] = {0x07, 0xE5, 0, 6, 0, 1, 0, 12, 0, 34, 0, 56};
    es_fixture_buf_put(b, date, sizeof date);
    es_fixture_buf_str(b, "acspAPPL");
    es_fixture_buf_fill(b, 0, 4);
    es_fixture_buf_str(b, "APPLJANE"); /* device manufacturer and model */
    es_fixture_buf_fill(b, 0, 128 - 56);
    static const char *tags[5] = {"desc", "wtpt", "cprt", "ZZZZ", "A2B0"};
    static const uint32_t at[5] = {204, 304, 324, 384, 444};
    es_fixture_buf_be32(b, 5); /* tag count; the table ends at 192, the data starts at 204 */
    for (uint32_t i = 0; i < 5; i++) {
        es_fixture_buf_str(b, tags[i]);
        es_fixture_buf_be32(b, at[i]);
        es_fixture_buf_be32(b, i == 4 ? size - at[i] : (i + 1 < 5 ? at[i + 1] : size) - at[i]);
    }
    es_fixture_buf_fill(b, 0, 12);
    s_icc_text_tag(b, "desc", "Jane Fixture's monitor", 100);
    static const uint8_t wtpt[20] = {'X',  'Y',  'Z', ' ', 0, 0, 0, 0, 0,    0,
                                     0xF6, 0xD6, 0,   1,   0, 0, 0, 0, 0xD3, 0x2D};
    es_fixture_buf_put(b, wtpt, sizeof wtpt);
    s_icc_text_tag(b, "text", "Copyright Jane Fixture, 1 Fixture Lane", 60);
    s_icc_text_tag(b, "text", "serial FIXTURE-SN-0042", 60);
    es_fixture_buf_str(b, "mft2");
    uint32_t st = 777;
    while (!b->failed && b->len < size) {
        uint8_t v = (uint8_t)es_fixture_rand(&st);
        es_fixture_buf_put(b, &v, 1);
    }
}

void es_fixture_seg_icc(int chunks, es_fixture_buf *out)
{
    if (chunks < 1 || chunks > 255) {
        out->failed = true;
        return;
    }
    es_fixture_buf prof = {0};
    s_icc_profile(chunks, &prof);
    size_t per = (prof.len + (size_t)chunks - 1) / (size_t)chunks;
    for (int i = 0; i < chunks && !prof.failed; i++) {
        size_t off = (size_t)i * per;
        size_t n = off >= prof.len ? 0 : (prof.len - off < per ? prof.len - off : per);
        es_fixture_buf p = {0};
        es_fixture_buf_put(&p, "ICC_PROFILE", 12);
        uint8_t seq[2] = {(uint8_t)(i + 1), (uint8_t)chunks};
        es_fixture_buf_put(&p, seq, 2);
        es_fixture_buf_put(&p, prof.data + off, n);
        if (p.failed)
            out->failed = true;
        else
            es_fixture_buf_segment(out, 0xE2, p.data, p.len);
        es_fixture_buf_free(&p);
    }
    if (prof.failed)
        out->failed = true;
    es_fixture_buf_free(&prof);
}

/* JFXX extension 0x13: a 4x3 thumbnail stored as RGB triplets. */
void es_fixture_seg_jfxx(es_fixture_buf *out)
{
    uint8_t p[5 + 3 + 36];
    memcpy(p, "JFXX", 5);
    p[5] = 0x13;
    p[6] = 4;
    p[7] = 3;
    for (int i = 0; i < 36; i++)
        p[8 + i] = (uint8_t)(i * 7);
    es_fixture_buf_segment(out, 0xE0, p, sizeof p);
}

/* Photoshop "Save for Web" Ducky: quality tag, then the end tag. */
void es_fixture_seg_ducky(es_fixture_buf *out)
{
    static const uint8_t p[] = {'D', 'u', 'c', 'k', 'y', 0, 1, 0, 4, 0, 0, 0, 60, 0, 0};
    es_fixture_buf_segment(out, 0xEC, p, sizeof p);
}

/* FlashPix ready (FPXR) contents list as written by some Kodak/Apple devices. */
void es_fixture_seg_fpxr(es_fixture_buf *out)
{
    static const uint8_t p[] = {'F', 'P', 'X', 'R', 0,   0, 1,   0, 1,   0, 0, 0,
                                16,  0,   '/', 0,   'E', 0, 'x', 0, 't', 0, 0, 0};
    es_fixture_buf_segment(out, 0xE2, p, sizeof p);
}

void es_fixture_seg_comment(es_fixture_buf *out)
{
    static const char c[] = "fixture comment: shot at Jane Fixture's home, 12 Secret Lane";
    es_fixture_buf_segment(out, 0xFE, (const uint8_t *)c, sizeof c - 1);
}

/* MP offsets (big-endian TIFF layout) of the two MP entries after the index IFD. */
enum { S_MPF_ENTRIES = 8 + 2 + 3 * 12 + 4 };

void es_fixture_seg_mpf(es_fixture_buf *out, size_t *tiff_pos)
{
    es_fixture_buf p = {0};
    es_fixture_buf_put(&p, "MPF", 4);
    es_fixture_buf_put(&p, "MM\0\x2A", 4);
    es_fixture_buf_be32(&p, 8);
    es_fixture_buf_be16(&p, 3);
    es_fixture_buf_be16(&p, 0xB000); /* MPFVersion */
    es_fixture_buf_be16(&p, 7);
    es_fixture_buf_be32(&p, 4);
    es_fixture_buf_put(&p, "0100", 4);
    es_fixture_buf_be16(&p, 0xB001); /* NumberOfImages */
    es_fixture_buf_be16(&p, 4);
    es_fixture_buf_be32(&p, 1);
    es_fixture_buf_be32(&p, 2);
    es_fixture_buf_be16(&p, 0xB002); /* MPEntry */
    es_fixture_buf_be16(&p, 7);
    es_fixture_buf_be32(&p, 32);
    es_fixture_buf_be32(&p, S_MPF_ENTRIES);
    es_fixture_buf_be32(&p, 0); /* no next IFD */
    es_fixture_buf_fill(&p, 0, 32);
    if (p.failed) {
        out->failed = true;
    } else {
        *tiff_pos = out->len + 4 + 4; /* marker, length, "MPF\0" */
        es_fixture_buf_segment(out, 0xE2, p.data, p.len);
    }
    es_fixture_buf_free(&p);
}

static void s_put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

void es_fixture_mpf_patch(uint8_t *file, size_t tiff_pos, uint32_t first_len, uint32_t second_len)
{
    uint8_t *e = file + tiff_pos + S_MPF_ENTRIES;
    s_put_be32(e, 0x20030000u); /* representative baseline MP primary image */
    s_put_be32(e + 4, first_len);
    s_put_be32(e + 8, 0);
    s_put_be32(e + 16, 0x00020002u); /* multi-frame, disparity */
    s_put_be32(e + 20, second_len);
    s_put_be32(e + 24, first_len - (uint32_t)tiff_pos);
}

void es_fixture_mp4_trailer(unsigned seed, es_fixture_buf *out)
{
    es_fixture_buf_be32(out, 24);
    es_fixture_buf_str(out, "ftypmp42");
    es_fixture_buf_be32(out, 0);
    es_fixture_buf_str(out, "isommp42");
    enum { S_MDAT = 3000 };
    es_fixture_buf_be32(out, 8 + S_MDAT);
    es_fixture_buf_str(out, "mdat");
    uint32_t st = seed * 2654435761u + 1u;
    for (int i = 0; i < S_MDAT; i++) {
        uint8_t v = (uint8_t)es_fixture_rand(&st);
        es_fixture_buf_put(out, &v, 1);
    }
}
