/* policy.c - the stripping policy: which segment kinds survive, how much of a
 * kept APPn segment survives, their stable names, and the "privacy" defaults
 * (keep only what rendering needs: the JFIF and Adobe headers, ICC, tables,
 * frames, scans, DNL, structural markers). */
#include <stddef.h>
#include <stdint.h>

#include "exifstrip/jpeg.h"

/* The one table of kinds: stable name and what it is, for people. */
typedef struct s_kind_info {
    const char *name;
    const char *text;
} s_kind_info;

static const s_kind_info s_kinds[ES_JPEG_KIND_COUNT] = {
    [ES_JPEG_KIND_SOI] = {"soi", "start of image"},
    [ES_JPEG_KIND_JFIF] = {"jfif", "JFIF header (a thumbnail beyond its 14 bytes)"},
    [ES_JPEG_KIND_JFXX] = {"jfxx", "JFXX thumbnail"},
    [ES_JPEG_KIND_EXIF] = {"exif", "EXIF metadata (camera, time, GPS, thumbnail)"},
    [ES_JPEG_KIND_XMP] = {"xmp", "XMP packet"},
    [ES_JPEG_KIND_XMP_EXT] = {"xmp-ext", "extended XMP"},
    [ES_JPEG_KIND_ICC] = {"icc", "ICC colour profile"},
    [ES_JPEG_KIND_MPF] = {"mpf", "MPF multi-picture index"},
    [ES_JPEG_KIND_PHOTOSHOP] = {"photoshop", "Photoshop resources (IPTC)"},
    [ES_JPEG_KIND_ADOBE] = {"adobe", "Adobe header (bytes beyond its 12)"},
    [ES_JPEG_KIND_DUCKY] = {"ducky", "Ducky (Save for Web) metadata"},
    [ES_JPEG_KIND_OTHER_APP] = {"other-app", "other APPn segment"},
    [ES_JPEG_KIND_COMMENT] = {"comment", "COM comment"},
    [ES_JPEG_KIND_TABLE] = {"table", "coding tables"},
    [ES_JPEG_KIND_FRAME] = {"frame", "frame header"},
    [ES_JPEG_KIND_SCAN] = {"scan", "scan"},
    [ES_JPEG_KIND_DNL] = {"dnl", "number of lines"},
    [ES_JPEG_KIND_OTHER] = {"other", "other marker"},
    [ES_JPEG_KIND_EOI] = {"eoi", "end of image"},
    [ES_JPEG_KIND_TRAILER] = {"trailer", "data after EOI (MPF images, motion-photo video, ...)"},
};

const char *es_jpeg_kind_name(es_jpeg_kind kind)
{
    if ((unsigned)kind >= ES_JPEG_KIND_COUNT)
        return "unknown";
    return s_kinds[kind].name;
}

const char *es_jpeg_kind_text(es_jpeg_kind kind)
{
    if ((unsigned)kind >= ES_JPEG_KIND_COUNT)
        return "unknown";
    return s_kinds[kind].text;
}

void es_jpeg_policy_default(es_jpeg_policy *policy)
{
    if (!policy)
        return;
    policy->keep_icc = true;
    policy->keep_comments = false;
}

bool es_jpeg_policy_keeps(const es_jpeg_policy *policy, es_jpeg_kind kind)
{
    es_jpeg_policy def;
    if (!policy) {
        es_jpeg_policy_default(&def);
        policy = &def;
    }
    switch (kind) {
    case ES_JPEG_KIND_SOI:
    case ES_JPEG_KIND_JFIF:
    case ES_JPEG_KIND_ADOBE:
    case ES_JPEG_KIND_TABLE:
    case ES_JPEG_KIND_FRAME:
    case ES_JPEG_KIND_SCAN:
    case ES_JPEG_KIND_DNL:
    case ES_JPEG_KIND_OTHER:
    case ES_JPEG_KIND_EOI: return true;
    case ES_JPEG_KIND_ICC: return policy->keep_icc;
    case ES_JPEG_KIND_COMMENT: return policy->keep_comments;
    case ES_JPEG_KIND_JFXX:
    case ES_JPEG_KIND_EXIF:
    case ES_JPEG_KIND_XMP:
    case ES_JPEG_KIND_XMP_EXT:
    case ES_JPEG_KIND_MPF:
    case ES_JPEG_KIND_PHOTOSHOP:
    case ES_JPEG_KIND_DUCKY:
    case ES_JPEG_KIND_OTHER_APP:
    case ES_JPEG_KIND_TRAILER:
    case ES_JPEG_KIND_COUNT: break;
    }
    return false;
}

size_t es_jpeg_policy_payload_limit(es_jpeg_kind kind)
{
    switch (kind) {
    case ES_JPEG_KIND_JFIF:
        return 14; /* "JFIF\0", version 2, units 1, X/Y density 2+2, thumbnail width/height 1+1 */
    case ES_JPEG_KIND_ADOBE: return 12; /* "Adobe", version 2, flags0 2, flags1 2, transform 1 */
    case ES_JPEG_KIND_DNL: return 2;    /* the number of lines */
    default: return SIZE_MAX;
    }
}
