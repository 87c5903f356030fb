/* rules_pin_test.c - pins what exifstrip makes of a photo to the generation
 * of the rules (exifstrip/rules.h): a digest of the output of the stripper the
 * worker and `strip` run (es_orient_strip_buffer: strip, then the turn or the
 * tag the orientation mode asks for) on a fixed set of inputs, built byte by
 * byte here (no encoder, no libexif, no liblcms: the same on every platform
 * and library version), must be S_PINNED_DIGEST while ES_RULES is
 * S_PINNED_RULES. A change of what is removed, kept, zeroed, turned or
 * refused changes it: then ES_RULES must go up (so workers make copies of the
 * older output again) and the pin be renewed for it. */
#include <stdio.h>

#include "../harness/test.h"
#include "common/crc.h"
#include "exifstrip/rules.h"
#include "../jpeg/strip_util.h"
#include "exifstrip/orient.h"

#define S_PINNED_RULES 1
#define S_PINNED_DIGEST 0x3727cecbab34246dull

static void s_put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* A version 4 RGB display profile whose header and 'desc' text identify its
 * owner, with a white point (colour data): 128-byte header, two tags. */
static void s_icc_app2(es_tj_buf *b)
{
    static const char text[] = "Jane Doe's camera";
    uint8_t p[128 + 4 + 2 * 12 + 28 + 2 * (sizeof text - 1) + 2 + 20];
    memset(p, 0, sizeof p);
    size_t desc_len = 28 + 2 * (sizeof text - 1), desc_at = 156, wtpt_at = desc_at + ((desc_len + 3) & ~3u);
    s_put32(p, (uint32_t)sizeof p);
    memcpy(p + 4, "lcms", 4);
    s_put32(p + 8, 0x04300000);
    memcpy(p + 12, "mntrRGB XYZ ", 12);
    memcpy(p + 24, "\x07\xEA\x00\x0C\x00\x07\x00\x0C\x00\x22\x00\x38", 12); /* 2026-12-07 12:34:56 */
    memcpy(p + 36, "acspAPPL", 8);
    s_put32(p + 44, 0xAB000001); /* flags: vendor half, ICC half */
    memcpy(p + 48, "VNDR\x00\x00\x12\x34", 8);
    memcpy(p + 56, "\x01\x02\x03\x04\x00\x00\x00\x01", 8); /* attributes: vendor half, ICC half */
    s_put32(p + 68, 0x0000F6D6);
    s_put32(p + 72, 0x00010000);
    s_put32(p + 76, 0x0000D32D);
    memcpy(p + 80, "janD", 4);
    memset(p + 84, 0x5A, 16);             /* profile ID */
    memcpy(p + 100, "SECRET-SERIAL", 13); /* reserved */
    s_put32(p + 128, 2);
    memcpy(p + 132, "desc", 4);
    s_put32(p + 136, (uint32_t)desc_at);
    s_put32(p + 140, (uint32_t)desc_len);
    memcpy(p + 144, "wtpt", 4);
    s_put32(p + 148, (uint32_t)wtpt_at);
    s_put32(p + 152, 20);
    memcpy(p + desc_at, "mluc\0\0\0\0", 8);
    s_put32(p + desc_at + 8, 1);
    s_put32(p + desc_at + 12, 12);
    memcpy(p + desc_at + 16, "enUS", 4);
    s_put32(p + desc_at + 20, (uint32_t)(2 * (sizeof text - 1)));
    s_put32(p + desc_at + 24, 28);
    for (size_t i = 0; i + 1 < sizeof text; i++)
        p[desc_at + 28 + 2 * i + 1] = (uint8_t)text[i];
    memcpy(p + wtpt_at, "XYZ \0\0\0\0", 8);
    s_put32(p + wtpt_at + 8, 0x0000F6D6);
    s_put32(p + wtpt_at + 12, 0x00010000);
    s_put32(p + wtpt_at + 16, 0x0000D32D);
    es_tj_buf body = {0};
    es_tj_buf_put(&body, "\x01\x01", 2); /* chunk 1 of 1 */
    es_tj_buf_put(&body, p, wtpt_at + 20);
    es_tj_app(b, 0xE2, "ICC_PROFILE", 12, (const char *)body.data, body.len);
    es_tj_buf_free(&body);
}

/* Input number i (false once there are no more); *policy and *config set for it. */
static bool s_input(int i, es_tj_buf *b, es_jpeg_policy *policy, es_orient_config *config)
{
    static const char xmp[] = "<x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF/>GPS 48.85</x:xmpmeta>";
    static const char jfif[] = "\x01\x02\x01\x00\x48\x00\x48\x01\x01\x10\x20\x30"; /* 1x1 thumbnail */
    static const char adobe[] = "\x00\x64\x00\x00\x00\x00\x01MORE";
    es_jpeg_policy_default(policy);
    *config = (es_orient_config){.mode = ES_ORIENT_APPLY};
    es_tj_soi(b);
    es_tj_buf e = {0};
    switch (i) {
    case 0: /* JFIF with a thumbnail, Exif (GPS, orientation 6), XMP, comment, image, trailer */
        es_tj_app(b, 0xE0, "JFIF", 5, jfif, sizeof jfif - 1);
        es_tj_exif(&e, false, 6, 2);
        es_tj_seg(b, 0xE1, e.data, e.len);
        es_tj_app(b, 0xE1, "http://ns.adobe.com/xap/1.0/", 29, xmp, sizeof xmp - 1);
        es_tj_seg(b, 0xFE, "taken at home", 13);
        es_tj_image(b, 0xC0);
        es_tj_eoi(b);
        es_tj_buf_put(b,
                      "\0\0\0\x18"
                      "ftypmp42 motion",
                      19);
        break;
    case 1: /* little-endian Exif with orientation only, IPTC, Adobe with extra bytes, Ducky */
        es_tj_exif(&e, true, 1, 0);
        es_tj_seg(b, 0xE1, e.data, e.len);
        es_tj_app(b, 0xED, "Photoshop 3.0", 14,
                  "8BIM\x04\x04\0\0\0\0\0\x05\x1c\x02\x50\0\x01"
                  "J",
                  18);
        es_tj_app(b, 0xEE, "Adobe", 5, adobe, sizeof adobe - 1);
        es_tj_app(b, 0xEC, "Ducky", 5,
                  "\x01\0\0\0\x04"
                  "abc",
                  8);
        es_tj_image(b, 0xC0);
        es_tj_eoi(b);
        break;
    case 2: /* an ICC profile to scrub, progressive frame */
        s_icc_app2(b);
        es_tj_image(b, 0xC2);
        es_tj_eoi(b);
        break;
    case 3: /* MPF index, second image after EOI, unknown APP4, comments kept */
        es_tj_app(b, 0xE2, "MPF", 4, "MM\0*\0\0\0\x08\0\0", 10);
        es_tj_app(b, 0xE4, "Vendor", 7, "serial 12345", 12);
        es_tj_seg(b, 0xFE, "kept comment", 12);
        policy->keep_comments = true;
        es_tj_image(b, 0xC0);
        es_tj_eoi(b);
        es_tj_buf_put(b, "\xFF\xD8\xFF\xD9", 4);
        break;
    case 4: /* refused: the scan is cut before its end */
        es_tj_image(b, 0xC0);
        b->len -= 3;
        break;
    case 5: /* Exif orientation 6 with GPS: turned upright */
    case 6: /* the same with the orientation kept as a tag */
        es_tj_exif(&e, false, 6, 2);
        es_tj_seg(b, 0xE1, e.data, e.len);
        es_tj_image(b, 0xC0);
        es_tj_eoi(b);
        config->mode = i == 5 ? ES_ORIENT_APPLY : ES_ORIENT_KEEP;
        break;
    default:
        es_tj_buf_free(&e);
        es_tj_buf_free(b);
        return false;
    }
    es_tj_buf_free(&e);
    return true;
}

static void test_output_pinned_to_the_rules(void)
{
    uint64_t digest = 0;
    int inputs = 0, changed = 0;
    es_tj_buf b = {0};
    es_jpeg_policy policy;
    es_orient_config config;
    es_orient_outcome turned = ES_ORIENT_NONE, kept = ES_ORIENT_NONE;
    for (int i = 0; s_input(i, &b, &policy, &config); i++, es_tj_buf_free(&b)) {
        REQUIRE(!b.failed);
        uint8_t *out = NULL;
        size_t out_len = 0;
        es_orient_result result;
        es_err rc = es_orient_strip_buffer(&policy, &config, b.data, b.len, &out, &out_len, NULL, &result);
        if (i == 5)
            turned = result.outcome;
        if (i == 6)
            kept = result.outcome;
        uint8_t head[12];
        s_put32(head, (uint32_t)i);
        s_put32(head + 4, (uint32_t)rc);
        s_put32(head + 8, (uint32_t)out_len);
        digest = es_crc_update(ES_CRC64NVME, digest, head, sizeof head);
        if (out_len)
            digest = es_crc_update(ES_CRC64NVME, digest, out, out_len);
        changed += rc == ES_OK && (out_len != b.len || memcmp(out, b.data, out_len) != 0);
        inputs++;
        free(out);
    }
    CHECK_INT_EQ(inputs, 7);
    CHECK_INT_EQ(changed, 6); /* every accepted input has something removed, zeroed or turned */
    CHECK_INT_EQ(turned, ES_ORIENT_TRANSFORMED);
    CHECK_INT_EQ(kept, ES_ORIENT_TAG_KEPT);
    if (ES_RULES != S_PINNED_RULES)
        es_test_fail(__FILE__, __LINE__, "ES_RULES is %d: renew this pin for it (S_PINNED_RULES %d)",
                     ES_RULES, S_PINNED_RULES);
    else if (digest != S_PINNED_DIGEST)
        es_test_fail(__FILE__, __LINE__,
                     "the stripper's output changed (digest 0x%016llx, pinned 0x%016llx for rules %d): raise "
                     "ES_RULES in include/exifstrip/rules.h, then pin the new digest for it",
                     (unsigned long long)digest, (unsigned long long)S_PINNED_DIGEST, S_PINNED_RULES);
}

int main(void)
{
    ES_RUN(test_output_pinned_to_the_rules);
    return es_test_finish();
}
