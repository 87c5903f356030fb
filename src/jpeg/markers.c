/* markers.c - marker names and segment classification (marker code plus, for
 * APPn, the identifier at the start of the payload -> es_jpeg_kind). */
#include "jpeg/markers.h"

#include <string.h>

static const char *const s_sof_names[16] = {"SOF0", "SOF1",  "SOF2",  "SOF3", "DHT",   "SOF5",
                                            "SOF6", "SOF7",  "JPG",   "SOF9", "SOF10", "SOF11",
                                            "DAC",  "SOF13", "SOF14", "SOF15"};
static const char *const s_rst_names[8] = {"RST0", "RST1", "RST2", "RST3", "RST4", "RST5", "RST6", "RST7"};
static const char *const s_d8_names[8] = {"SOI", "EOI", "SOS", "DQT", "DNL", "DRI", "DHP", "EXP"};
static const char *const s_app_names[16] = {"APP0",  "APP1",  "APP2",  "APP3", "APP4",  "APP5",
                                            "APP6",  "APP7",  "APP8",  "APP9", "APP10", "APP11",
                                            "APP12", "APP13", "APP14", "APP15"};
static const char *const s_jpg_names[14] = {"JPG0", "JPG1", "JPG2", "JPG3",  "JPG4",  "JPG5",  "JPG6",
                                            "JPG7", "JPG8", "JPG9", "JPG10", "JPG11", "JPG12", "JPG13"};

const char *es_jpeg_marker_name(uint8_t code)
{
    if (code == 0x00 || code == 0xFF)
        return "invalid";
    if (code == ES_JPEG_M_TEM)
        return "TEM";
    if (code < 0xC0)
        return "RES";
    if (code < 0xD0)
        return s_sof_names[code - 0xC0];
    if (code < 0xD8)
        return s_rst_names[code - 0xD0];
    if (code < 0xE0)
        return s_d8_names[code - 0xD8];
    if (code < 0xF0)
        return s_app_names[code - 0xE0];
    if (code < 0xFE)
        return s_jpg_names[code - 0xF0];
    return "COM";
}

bool es_jpeg_marker_is_standalone(uint8_t code)
{
    return code == ES_JPEG_M_SOI || code == ES_JPEG_M_EOI || code == ES_JPEG_M_TEM ||
           es_jpeg_marker_is_rst(code);
}

bool es_jpeg_marker_is_sof(uint8_t code)
{
    return code >= 0xC0 && code <= 0xCF && code != ES_JPEG_M_DHT && code != ES_JPEG_M_JPG &&
           code != ES_JPEG_M_DAC;
}

/* One APPn identifier: the payload must start with the n bytes of id. */
typedef struct s_app_id {
    uint8_t marker;
    const char *id;
    size_t n;
    es_jpeg_kind kind;
} s_app_id;

#define S_ID(marker, lit, kind)            \
    {                                      \
        marker, lit, sizeof(lit) - 1, kind \
    }
static const s_app_id s_app_ids[] = {
    S_ID(0xE0, "JFIF\0", ES_JPEG_KIND_JFIF),
    S_ID(0xE0, "JFXX\0", ES_JPEG_KIND_JFXX),
    S_ID(0xE1, "Exif\0", ES_JPEG_KIND_EXIF), /* second NUL is sometimes 0xFF */
    S_ID(0xE1, "http://ns.adobe.com/xap/1.0/\0", ES_JPEG_KIND_XMP),
    S_ID(0xE1, "http://ns.adobe.com/xmp/extension/\0", ES_JPEG_KIND_XMP_EXT),
    S_ID(0xE2, "ICC_PROFILE\0", ES_JPEG_KIND_ICC),
    S_ID(0xE2, "MPF\0", ES_JPEG_KIND_MPF),
    S_ID(0xEC, "Ducky", ES_JPEG_KIND_DUCKY),
    S_ID(0xED, "Photoshop 3.0\0", ES_JPEG_KIND_PHOTOSHOP),
    S_ID(0xEE, "Adobe", ES_JPEG_KIND_ADOBE),
};
#undef S_ID

es_jpeg_kind es_jpeg_classify(uint8_t code, const uint8_t *payload, size_t len)
{
    if (es_jpeg_marker_is_app(code)) {
        for (size_t i = 0; i < sizeof s_app_ids / sizeof s_app_ids[0]; i++) {
            const s_app_id *a = &s_app_ids[i];
            if (a->marker == code && len >= a->n && memcmp(payload, a->id, a->n) == 0)
                return a->kind;
        }
        return ES_JPEG_KIND_OTHER_APP;
    }
    if (es_jpeg_marker_is_sof(code))
        return ES_JPEG_KIND_FRAME;
    switch (code) {
    case ES_JPEG_M_SOI: return ES_JPEG_KIND_SOI;
    case ES_JPEG_M_EOI: return ES_JPEG_KIND_EOI;
    case ES_JPEG_M_SOS: return ES_JPEG_KIND_SCAN;
    case ES_JPEG_M_DQT:
    case ES_JPEG_M_DHT:
    case ES_JPEG_M_DAC:
    case ES_JPEG_M_DRI: return ES_JPEG_KIND_TABLE;
    case ES_JPEG_M_DNL: return ES_JPEG_KIND_DNL;
    case ES_JPEG_M_COM: return ES_JPEG_KIND_COMMENT;
    default: return ES_JPEG_KIND_OTHER; /* RSTn, TEM, JPG, JPGn, DHP, EXP, RES */
    }
}

void es_jpeg_ident(const uint8_t *payload, size_t len, char out[32])
{
    size_t n = 0;
    while (n < len && n < 31 && payload[n] >= 0x20 && payload[n] < 0x7F) {
        out[n] = (char)payload[n];
        n++;
    }
    out[n] = '\0';
}
