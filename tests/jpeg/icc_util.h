/* icc_util.h - ICC profiles for the scrub tests (header-only, static), made
 * with liblcms2 (a test-only dependency): sRGB with identifying text in
 * 'desc', 'cprt', 'dmnd', 'dmdd', a 'meta' dictionary, a private tag and the
 * header's date, device, creator, vendor and reserved fields; and the check that two profiles
 * transform a set of colours to exactly the same values. */
#ifndef ES_TESTS_JPEG_ICC_UTIL_H
#define ES_TESTS_JPEG_ICC_UTIL_H

#include <lcms2.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Every string the profiles carry that identifies someone. */
static const char *const es_ti_secrets[] = {"Jane Doe",     "C02XK1ABJGH5", "12 Elm St",
                                            "SECRETSERIAL", "PrivateNote",  "HeaderNote"};

/* Whether buf holds any secret, as ASCII or as UTF-16 (either byte order). */
static inline bool es_ti_has_secret(const uint8_t *buf, size_t len)
{
    for (size_t i = 0; i < sizeof es_ti_secrets / sizeof es_ti_secrets[0]; i++) {
        const char *s = es_ti_secrets[i];
        size_t n = strlen(s);
        for (int form = 0; form < 3; form++) {
            size_t w = form == 0 ? n : 2 * n;
            for (size_t at = 0; w <= len && at <= len - w; at++) {
                size_t k = 0;
                for (; k < n; k++) {
                    uint8_t c = (uint8_t)s[k];
                    if (form == 0   ? buf[at + k] != c
                        : form == 1 ? buf[at + 2 * k] != 0 || buf[at + 2 * k + 1] != c
                                    : buf[at + 2 * k] != c || buf[at + 2 * k + 1] != 0)
                        break;
                }
                if (k == n)
                    return true;
            }
        }
    }
    return false;
}

static inline void es_ti_text_tag(cmsHPROFILE h, cmsTagSignature sig, const wchar_t *wide)
{
    cmsMLU *m = cmsMLUalloc(NULL, 1);
    cmsMLUsetWide(m, "en", "US", wide);
    cmsWriteTag(h, sig, m);
    cmsMLUfree(m);
}

/* An sRGB profile of version 2.1 or 4.3 with identifying text everywhere a
 * profile can hold it; *len bytes, caller frees. NULL on failure. */
static inline uint8_t *es_ti_profile(bool v4, size_t *len)
{
    cmsHPROFILE h = cmsCreate_sRGBProfile();
    uint8_t *out = NULL;
    cmsUInt32Number n = 0;
    if (!h)
        return NULL;
    cmsSetProfileVersion(h, v4 ? 4.3 : 2.1);
    es_ti_text_tag(h, cmsSigProfileDescriptionTag, L"Jane Doe's MacBook Pro display");
    es_ti_text_tag(h, cmsSigCopyrightTag, L"Copyright Jane Doe, 12 Elm St, Springfield");
    es_ti_text_tag(h, cmsSigDeviceMfgDescTag, L"Apple serial C02XK1ABJGH5");
    es_ti_text_tag(h, cmsSigDeviceModelDescTag, L"Color LCD SECRETSERIAL");
    cmsHANDLE dict = cmsDictAlloc(NULL);
    cmsDictAddEntry(dict, L"EDID_SERIAL", L"SECRETSERIAL", NULL, NULL);
    cmsDictAddEntry(dict, L"OWNER", L"Jane Doe", NULL, NULL);
    cmsWriteTag(h, cmsSigMetaTag, dict);
    cmsDictFree(dict);
    static const char priv[] = "ZZZZ\0\0\0\0PrivateNote: Jane Doe, GPS 48.858200,2.294500";
    cmsWriteRawTag(h, (cmsTagSignature)0x5A5A5A5A, priv, sizeof priv);
    cmsSetHeaderManufacturer(h, 0x4150504C); /* 'APPL' */
    cmsSetHeaderModel(h, 0x4A414E45);        /* 'JANE' */
    cmsMD5computeID(h);
    if (cmsSaveProfileToMem(h, NULL, &n) && n > 0 && (out = malloc(n)) != NULL &&
        !cmsSaveProfileToMem(h, out, &n)) {
        free(out);
        out = NULL;
    }
    cmsCloseProfile(h);
    if (out) {                           /* header fields lcms sets no other way */
        memcpy(out + 44, "\xAB\xCD", 2); /* the vendor's half of the flags */
        memcpy(out + 56, "VNDR", 4);     /* the vendor's half of the device attributes */
        memcpy(out + 80, "janD", 4);     /* the profile creator */
        memcpy(out + 100, "HeaderNote: GPS 48.8582,2.29", 28); /* the reserved bytes */
    }
    *len = n;
    return out;
}

/* Transforms a grid of RGB colours (and the profile's own output direction)
 * with each profile; true when both open and every value is the same. */
static inline bool es_ti_same_colours(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    cmsHPROFILE pa = cmsOpenProfileFromMem(a, (cmsUInt32Number)alen);
    cmsHPROFILE pb = cmsOpenProfileFromMem(b, (cmsUInt32Number)blen);
    cmsHPROFILE lab = cmsCreateLab4Profile(NULL);
    bool same = false;
    if (pa && pb && lab) {
        enum { N = 6 * 6 * 6 };
        uint8_t rgb[N * 3], back_a[N * 3], back_b[N * 3];
        double lab_a[N * 3], lab_b[N * 3];
        for (int i = 0; i < N; i++) {
            rgb[3 * i] = (uint8_t)(51 * (i % 6));
            rgb[3 * i + 1] = (uint8_t)(51 * (i / 6 % 6));
            rgb[3 * i + 2] = (uint8_t)(51 * (i / 36));
        }
        int intents[] = {INTENT_PERCEPTUAL, INTENT_RELATIVE_COLORIMETRIC, INTENT_ABSOLUTE_COLORIMETRIC};
        same = true;
        for (size_t k = 0; k < 3 && same; k++) {
            cmsHTRANSFORM ta = cmsCreateTransform(pa, TYPE_RGB_8, lab, TYPE_Lab_DBL, intents[k], 0);
            cmsHTRANSFORM tb = cmsCreateTransform(pb, TYPE_RGB_8, lab, TYPE_Lab_DBL, intents[k], 0);
            cmsHTRANSFORM ra = cmsCreateTransform(lab, TYPE_Lab_DBL, pa, TYPE_RGB_8, intents[k], 0);
            cmsHTRANSFORM rb = cmsCreateTransform(lab, TYPE_Lab_DBL, pb, TYPE_RGB_8, intents[k], 0);
            if (ta && tb && ra && rb) {
                cmsDoTransform(ta, rgb, lab_a, N);
                cmsDoTransform(tb, rgb, lab_b, N);
                cmsDoTransform(ra, lab_a, back_a, N);
                cmsDoTransform(rb, lab_a, back_b, N);
                same = memcmp(lab_a, lab_b, sizeof lab_a) == 0 && memcmp(back_a, back_b, sizeof back_a) == 0;
            } else {
                same = false;
            }
            if (ta)
                cmsDeleteTransform(ta);
            if (tb)
                cmsDeleteTransform(tb);
            if (ra)
                cmsDeleteTransform(ra);
            if (rb)
                cmsDeleteTransform(rb);
        }
    }
    if (pa)
        cmsCloseProfile(pa);
    if (pb)
        cmsCloseProfile(pb);
    if (lab)
        cmsCloseProfile(lab);
    return same;
}

#endif
