/* sniff.c - es_jpeg_sniff_type: names what an input that is not a JPEG looks
 * like from its first bytes, so a refusal can say "this is a PNG image". */
#include <stdbool.h>
#include <string.h>

#include "exifstrip/jpeg.h"

static bool s_starts(const uint8_t *d, size_t len, size_t at, const char *lit, size_t n)
{
    return len >= at + n && memcmp(d + at, lit, n) == 0;
}
#define S_STARTS(d, len, at, lit) s_starts(d, len, at, lit, sizeof(lit) - 1)

/* ISO-BMFF: a first box of type "ftyp"; the major brand says whether it is HEIF/AVIF. */
static const char *s_bmff(const uint8_t *d, size_t len)
{
    static const char *const heif_brands[] = {"heic", "heix", "hevc", "hevx", "heim", "heis",
                                              "mif1", "msf1", "avif", "avis", "mif2"};
    if (!S_STARTS(d, len, 4, "ftyp"))
        return NULL;
    for (size_t i = 0; i < sizeof heif_brands / sizeof heif_brands[0]; i++)
        if (s_starts(d, len, 8, heif_brands[i], 4))
            return "HEIF/ISO-BMFF file";
    return "ISO-BMFF file (MP4/MOV)";
}

/* Printable ASCII, common whitespace and well-formed UTF-8 only (a sequence
 * cut by the end of the window is accepted). */
static bool s_looks_text(const uint8_t *d, size_t len)
{
    size_t i = 0;
    while (i < len) {
        uint8_t b = d[i];
        size_t follow = b >= 0xF0 && b <= 0xF4   ? 3
                        : b >= 0xE0 && b <= 0xEF ? 2
                        : b >= 0xC2 && b <= 0xDF ? 1
                                                 : 0;
        if (b < 0x80) {
            if (!(b == '\t' || b == '\n' || b == '\r' || (b >= 0x20 && b != 0x7F)))
                return false;
            i++;
            continue;
        }
        if (follow == 0)
            return false;
        for (size_t k = 1; k <= follow && i + k < len; k++)
            if ((d[i + k] & 0xC0) != 0x80)
                return false;
        i += follow + 1;
    }
    return true;
}

const char *es_jpeg_sniff_type(const uint8_t *data, size_t len)
{
    const char *bmff;
    if (!data || len == 0)
        return "empty file";
    if (S_STARTS(data, len, 0, "\xFF\xD8\xFF"))
        return "JPEG image";
    if (S_STARTS(data, len, 0, "\x89PNG\r\n\x1A\n"))
        return "PNG image";
    if (S_STARTS(data, len, 0, "GIF87a") || S_STARTS(data, len, 0, "GIF89a"))
        return "GIF image";
    if ((bmff = s_bmff(data, len)) != NULL)
        return bmff;
    if (S_STARTS(data, len, 0, "RIFF") && S_STARTS(data, len, 8, "WEBP"))
        return "WebP image";
    if (S_STARTS(data, len, 0, "II*\0") || S_STARTS(data, len, 0, "MM\0*"))
        return "TIFF image";
    if (S_STARTS(data, len, 0, "%PDF-"))
        return "PDF document";
    if (S_STARTS(data, len, 0, "PK\x03\x04") || S_STARTS(data, len, 0, "PK\x05\x06"))
        return "ZIP archive";
    if (s_looks_text(data, len))
        return "text";
    return "unknown data";
}
