/* markers_test.c - marker names, standalone/SOF classification, segment kind
 * from marker + APPn identifier, identifier extraction, and input sniffing. */
#include <stdio.h>

#include "../harness/test.h"
#include "jpeg/markers.h"

#define S_CLASSIFY(code, lit) es_jpeg_classify((code), (const uint8_t *)(lit), sizeof(lit) - 1)

static void test_names(void)
{
    static const struct {
        uint8_t code;
        const char *name;
    } cases[] = {{0xD8, "SOI"},   {0xD9, "EOI"},  {0xDA, "SOS"},     {0xDB, "DQT"},    {0xC4, "DHT"},
                 {0xCC, "DAC"},   {0xDD, "DRI"},  {0xDC, "DNL"},     {0xDE, "DHP"},    {0xDF, "EXP"},
                 {0xC0, "SOF0"},  {0xC2, "SOF2"}, {0xC3, "SOF3"},    {0xC9, "SOF9"},   {0xCF, "SOF15"},
                 {0xC8, "JPG"},   {0xD0, "RST0"}, {0xD7, "RST7"},    {0xE0, "APP0"},   {0xE1, "APP1"},
                 {0xEF, "APP15"}, {0xF0, "JPG0"}, {0xFD, "JPG13"},   {0xFE, "COM"},    {0x01, "TEM"},
                 {0x02, "RES"},   {0xBF, "RES"},  {0x00, "invalid"}, {0xFF, "invalid"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        CHECK_STR_EQ(es_jpeg_marker_name(cases[i].code), cases[i].name);
    for (int c = 0; c < 256; c++)
        CHECK(es_jpeg_marker_name((uint8_t)c) != NULL);
}

/* Every one of the 256 codes, class by class: SOFn, DHT, JPG, DAC, RSTn, SOI,
 * EOI, SOS, DQT, DNL, DRI, DHP, EXP, APPn, JPGn, COM, TEM, RES, invalid. The
 * numbered names are built here with snprintf, independently of the tables. */
static void test_names_of_every_class(void)
{
    static const char *const d8[8] = {"SOI", "EOI", "SOS", "DQT", "DNL", "DRI", "DHP", "EXP"};
    char want[16];
    for (int c = 0; c < 256; c++) {
        if (c == 0x00 || c == 0xFF)
            snprintf(want, sizeof want, "invalid");
        else if (c == 0x01)
            snprintf(want, sizeof want, "TEM");
        else if (c < 0xC0)
            snprintf(want, sizeof want, "RES");
        else if (c == 0xC4 || c == 0xC8 || c == 0xCC)
            snprintf(want, sizeof want, "%s", c == 0xC4 ? "DHT" : c == 0xC8 ? "JPG" : "DAC");
        else if (c < 0xD0)
            snprintf(want, sizeof want, "SOF%d", c - 0xC0);
        else if (c < 0xD8)
            snprintf(want, sizeof want, "RST%d", c - 0xD0);
        else if (c < 0xE0)
            snprintf(want, sizeof want, "%s", d8[c - 0xD8]);
        else if (c < 0xF0)
            snprintf(want, sizeof want, "APP%d", c - 0xE0);
        else if (c < 0xFE)
            snprintf(want, sizeof want, "JPG%d", c - 0xF0);
        else
            snprintf(want, sizeof want, "COM");
        CHECK_STR_EQ(es_jpeg_marker_name((uint8_t)c), want);
    }
}

static void test_standalone_and_sof(void)
{
    int standalone = 0, sof = 0;
    for (int c = 0; c < 256; c++) {
        standalone += es_jpeg_marker_is_standalone((uint8_t)c);
        sof += es_jpeg_marker_is_sof((uint8_t)c);
    }
    CHECK_INT_EQ(standalone, 11); /* SOI EOI TEM RST0-7 */
    CHECK_INT_EQ(sof, 13);
    CHECK(es_jpeg_marker_is_standalone(0xD3));
    CHECK(!es_jpeg_marker_is_standalone(0xDA));
    CHECK(!es_jpeg_marker_is_sof(0xC4));
    CHECK(!es_jpeg_marker_is_sof(0xC8));
    CHECK(!es_jpeg_marker_is_sof(0xCC));
    CHECK(es_jpeg_marker_is_sof(0xCB));
}

static void test_classify(void)
{
    CHECK_INT_EQ(S_CLASSIFY(0xE0, "JFIF\0\x01\x02"), ES_JPEG_KIND_JFIF);
    CHECK_INT_EQ(S_CLASSIFY(0xE0, "JFIF"), ES_JPEG_KIND_OTHER_APP); /* cut before the NUL */
    CHECK_INT_EQ(S_CLASSIFY(0xE0, "JFXX\0\x10"), ES_JPEG_KIND_JFXX);
    CHECK_INT_EQ(S_CLASSIFY(0xE0, "AVI1\0"), ES_JPEG_KIND_OTHER_APP);
    CHECK_INT_EQ(S_CLASSIFY(0xE1, "Exif\0\0II"), ES_JPEG_KIND_EXIF);
    CHECK_INT_EQ(S_CLASSIFY(0xE1, "Exif\0\xFFII"), ES_JPEG_KIND_EXIF);
    CHECK_INT_EQ(S_CLASSIFY(0xE2, "Exif\0\0II"), ES_JPEG_KIND_OTHER_APP); /* wrong APPn */
    CHECK_INT_EQ(S_CLASSIFY(0xE1, "http://ns.adobe.com/xap/1.0/\0<x"), ES_JPEG_KIND_XMP);
    CHECK_INT_EQ(S_CLASSIFY(0xE1, "http://ns.adobe.com/xmp/extension/\0ABC"), ES_JPEG_KIND_XMP_EXT);
    CHECK_INT_EQ(S_CLASSIFY(0xE1, "http://ns.adobe.com/xmp/extension/"), ES_JPEG_KIND_OTHER_APP);
    CHECK_INT_EQ(S_CLASSIFY(0xE1, "FLIR\0"), ES_JPEG_KIND_OTHER_APP);
    CHECK_INT_EQ(S_CLASSIFY(0xE2, "ICC_PROFILE\0\x01\x02"), ES_JPEG_KIND_ICC);
    CHECK_INT_EQ(S_CLASSIFY(0xE2, "MPF\0MM"), ES_JPEG_KIND_MPF);
    CHECK_INT_EQ(S_CLASSIFY(0xE2, "FPXR\0"), ES_JPEG_KIND_OTHER_APP);
    CHECK_INT_EQ(S_CLASSIFY(0xEC, "Ducky\0\x01"), ES_JPEG_KIND_DUCKY);
    CHECK_INT_EQ(S_CLASSIFY(0xED, "Photoshop 3.0\08BIM"), ES_JPEG_KIND_PHOTOSHOP);
    CHECK_INT_EQ(S_CLASSIFY(0xED, "Adobe_CM\0"), ES_JPEG_KIND_OTHER_APP);
    CHECK_INT_EQ(S_CLASSIFY(0xEE, "Adobe\0\x64"), ES_JPEG_KIND_ADOBE);
    CHECK_INT_EQ(S_CLASSIFY(0xEE, "Adob"), ES_JPEG_KIND_OTHER_APP);
    CHECK_INT_EQ(S_CLASSIFY(0xEF, ""), ES_JPEG_KIND_OTHER_APP);
    CHECK_INT_EQ(S_CLASSIFY(0xFE, "text"), ES_JPEG_KIND_COMMENT);
    CHECK_INT_EQ(S_CLASSIFY(0xDB, ""), ES_JPEG_KIND_TABLE);
    CHECK_INT_EQ(S_CLASSIFY(0xC4, ""), ES_JPEG_KIND_TABLE);
    CHECK_INT_EQ(S_CLASSIFY(0xCC, ""), ES_JPEG_KIND_TABLE);
    CHECK_INT_EQ(S_CLASSIFY(0xDD, ""), ES_JPEG_KIND_TABLE);
    CHECK_INT_EQ(S_CLASSIFY(0xC0, ""), ES_JPEG_KIND_FRAME);
    CHECK_INT_EQ(S_CLASSIFY(0xCB, ""), ES_JPEG_KIND_FRAME);
    CHECK_INT_EQ(S_CLASSIFY(0xDA, ""), ES_JPEG_KIND_SCAN);
    CHECK_INT_EQ(S_CLASSIFY(0xDC, ""), ES_JPEG_KIND_DNL);
    CHECK_INT_EQ(S_CLASSIFY(0xD8, ""), ES_JPEG_KIND_SOI);
    CHECK_INT_EQ(S_CLASSIFY(0xD9, ""), ES_JPEG_KIND_EOI);
    CHECK_INT_EQ(S_CLASSIFY(0xDF, ""), ES_JPEG_KIND_OTHER);
    CHECK_INT_EQ(S_CLASSIFY(0xC8, ""), ES_JPEG_KIND_OTHER);
    CHECK_INT_EQ(S_CLASSIFY(0xF3, ""), ES_JPEG_KIND_OTHER);
    CHECK_INT_EQ(S_CLASSIFY(0x42, ""), ES_JPEG_KIND_OTHER);
    CHECK_INT_EQ(S_CLASSIFY(0xD4, ""), ES_JPEG_KIND_OTHER);
}

static void test_ident(void)
{
    char out[32];
    es_jpeg_ident((const uint8_t *)"Exif\0\0II", 8, out);
    CHECK_STR_EQ(out, "Exif");
    es_jpeg_ident((const uint8_t *)"Adobe\x00\x64", 7, out);
    CHECK_STR_EQ(out, "Adobe");
    es_jpeg_ident((const uint8_t *)"Q 70\x01", 5, out);
    CHECK_STR_EQ(out, "Q 70");
    es_jpeg_ident((const uint8_t *)"JFIF", 2, out);
    CHECK_STR_EQ(out, "JF");
    es_jpeg_ident((const uint8_t *)"\x01JFIF", 5, out);
    CHECK_STR_EQ(out, "");
    es_jpeg_ident((const uint8_t *)"http://ns.adobe.com/xmp/extension/\0", 35, out);
    CHECK_STR_EQ(out, "http://ns.adobe.com/xmp/extensi");
}

#define S_SNIFF(lit) es_jpeg_sniff_type((const uint8_t *)(lit), sizeof(lit) - 1)

static void test_sniff(void)
{
    CHECK_STR_EQ(es_jpeg_sniff_type(NULL, 0), "empty file");
    CHECK_STR_EQ(S_SNIFF(""), "empty file");
    CHECK_STR_EQ(S_SNIFF("\xFF\xD8\xFF\xE0"), "JPEG image");
    CHECK_STR_EQ(S_SNIFF("\x89PNG\r\n\x1A\n\0\0"), "PNG image");
    CHECK_STR_EQ(S_SNIFF("\x89PNG\r\n"), "unknown data");
    CHECK_STR_EQ(S_SNIFF("GIF87a\x10\0"), "GIF image");
    CHECK_STR_EQ(S_SNIFF("GIF89a\x10\0"), "GIF image");
    CHECK_STR_EQ(S_SNIFF("\0\0\0\x1C"
                         "ftypheic\0\0\0\0"),
                 "HEIF/ISO-BMFF file");
    CHECK_STR_EQ(S_SNIFF("\0\0\0\x1C"
                         "ftypmif1\0\0\0\0"),
                 "HEIF/ISO-BMFF file");
    CHECK_STR_EQ(S_SNIFF("\0\0\0\x1C"
                         "ftypavif\0\0\0\0"),
                 "HEIF/ISO-BMFF file");
    CHECK_STR_EQ(S_SNIFF("\0\0\0\x1C"
                         "ftypisom\0\0\0\0"),
                 "ISO-BMFF file (MP4/MOV)");
    CHECK_STR_EQ(S_SNIFF("RIFF\0\0\0\0WEBPVP8L"), "WebP image");
    CHECK_STR_EQ(S_SNIFF("RIFF\0\0\0\0WAVEfmt "), "unknown data");
    CHECK_STR_EQ(S_SNIFF("II*\0\x08\0\0\0"), "TIFF image");
    CHECK_STR_EQ(S_SNIFF("MM\0*\0\0\0\x08"), "TIFF image");
    CHECK_STR_EQ(S_SNIFF("%PDF-1.5\n"), "PDF document");
    CHECK_STR_EQ(S_SNIFF("PK\x03\x04\x14\0"), "ZIP archive");
    CHECK_STR_EQ(S_SNIFF("PK\x05\x06\0\0"), "ZIP archive");
    CHECK_STR_EQ(S_SNIFF("Hello, world!\r\n\tSecond line"), "text");
    CHECK_STR_EQ(S_SNIFF("caf\xC3\xA9 \xE2\x82\xAC"), "text");
    CHECK_STR_EQ(S_SNIFF("cut \xE2\x82"), "text"); /* sequence cut by the window */
    CHECK_STR_EQ(S_SNIFF("bad \xC3\x28 utf8"), "unknown data");
    CHECK_STR_EQ(S_SNIFF("\xFF\xD9\xFF\xD8"), "unknown data");
    CHECK_STR_EQ(S_SNIFF("\0\1\2\3"), "unknown data");
    CHECK_STR_EQ(S_SNIFF("text with a \x01 control"), "unknown data");
}

int main(void)
{
    ES_RUN(test_names);
    ES_RUN(test_names_of_every_class);
    ES_RUN(test_standalone_and_sof);
    ES_RUN(test_classify);
    ES_RUN(test_ident);
    ES_RUN(test_sniff);
    return es_test_finish();
}
