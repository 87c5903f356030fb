/* jpegcmp.c - test helper for the CLI shell tests:
 *   jpegcmp oneshot [--drop-icc] [--keep-comments] [--orientation MODE] IN OUT
 *       writes es_orient_strip_buffer()'s result (the library's one-shot strip,
 *       orientation applied unless MODE says keep/drop);
 *       exit 2 (and the reason on stderr) when the library refuses IN.
 *   jpegcmp pixels A B
 *       exit 0 when both *display* the same: decoded (libjpeg) after each one's
 *       EXIF Orientation is applied as `jpegtran -trim` does (tjTransform), the
 *       samples are identical; 1 otherwise; 2 (and the reason on stderr) when
 *       a file's orientation cannot be read (the stripper refuses the file) or
 *       applied (tjTransform fails): its stored pixels are never compared as
 *       if they were what it displays.
 *   jpegcmp rawpixels A B
 *       the same on the stored pixels, orientation ignored. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../support/fixture.h"
#include "exifstrip/jpeg.h"
#include "exifstrip/orient.h"

#include <turbojpeg.h>

static int s_oneshot(int argc, char **argv)
{
    es_jpeg_policy policy;
    es_jpeg_policy_default(&policy);
    es_orient_config cfg = {.mode = ES_ORIENT_APPLY};
    int i = 2;
    for (; i < argc && argv[i][0] == '-' && argv[i][1] == '-'; i++) {
        if (!strcmp(argv[i], "--orientation") && i + 1 < argc) {
            if (!es_orient_mode_parse(argv[++i], &cfg.mode))
                return 1;
        } else if (!strcmp(argv[i], "--drop-icc"))
            policy.keep_icc = false;
        else if (!strcmp(argv[i], "--keep-comments"))
            policy.keep_comments = true;
        else
            return 1;
    }
    if (argc - i != 2)
        return 1;
    uint8_t *in = NULL, *out = NULL;
    size_t in_len = 0, out_len = 0;
    es_error err;
    es_error_clear(&err);
    if (es_fixture_read_file(argv[i], &in, &in_len) != 0) {
        perror(argv[i]);
        return 1;
    }
    es_err rc = es_orient_strip_buffer(&policy, &cfg, in, in_len, &out, &out_len, &err, NULL);
    free(in);
    if (rc != ES_OK) {
        fprintf(stderr, "%s: %s\n", argv[i], err.msg);
        return 2;
    }
    FILE *f = fopen(argv[i + 1], "wb");
    int status = f && fwrite(out, 1, out_len, f) == out_len ? 0 : 1;
    if (f && fclose(f) != 0)
        status = 1;
    free(out);
    return status;
}

/* Replaces *jpeg (read from path) by what it displays as: its orientation
 * applied with tjTransform and trimming (as jpegtran -trim), when it has a tag
 * 2..8. Returns 0, or -1 with the reason on stderr when the orientation cannot
 * be read (the stripper, which reads it, refuses the file) or applied: never
 * the stored pixels in place of the displayed ones. */
static int s_display(const char *path, uint8_t **jpeg, size_t *len)
{
    static const int ops[] = {TJXOP_NONE,      TJXOP_NONE,  TJXOP_HFLIP,      TJXOP_ROT180, TJXOP_VFLIP,
                              TJXOP_TRANSPOSE, TJXOP_ROT90, TJXOP_TRANSVERSE, TJXOP_ROT270};
    es_jpeg_stats st;
    es_error err;
    es_error_clear(&err);
    uint8_t *stripped = NULL;
    size_t stripped_len = 0;
    if (es_jpeg_strip_buffer(NULL, *jpeg, *len, &stripped, &stripped_len, &err, &st) != ES_OK) {
        fprintf(stderr, "jpegcmp: %s: cannot read its EXIF Orientation: %s\n", path, err.msg);
        return -1;
    }
    free(stripped);
    if (st.exif_orientation < 2 || st.exif_orientation > 8)
        return 0;
    tjhandle tj = tjInitTransform();
    tjtransform xf;
    memset(&xf, 0, sizeof xf);
    xf.op = ops[st.exif_orientation];
    xf.options = TJXOPT_TRIM | TJXOPT_COPYNONE;
    unsigned char *dst = NULL;
    unsigned long dst_len = 0;
    const char *why = NULL;
    if (!tj)
        why = "tjInitTransform failed";
    else if (tjTransform(tj, *jpeg, (unsigned long)*len, 1, &dst, &dst_len, &xf, 0) != 0)
        why = tjGetErrorStr2(tj);
    else {
        uint8_t *copy = malloc(dst_len);
        if (copy) {
            memcpy(copy, dst, dst_len);
            free(*jpeg);
            *jpeg = copy;
            *len = dst_len;
        } else
            why = "out of memory";
    }
    if (why)
        fprintf(stderr, "jpegcmp: %s: EXIF Orientation %u cannot be applied: tjTransform: %s\n", path,
                (unsigned)st.exif_orientation, why);
    tjFree(dst);
    if (tj)
        tjDestroy(tj);
    return why ? -1 : 0;
}

/* 0 when a and b decode to the same samples (displayed: each one's
 * orientation applied first), 1 when not (or unreadable), 2 when an
 * orientation cannot be read or applied (s_display). */
static int s_pixels(const char *a, const char *b, bool displayed)
{
    uint8_t *da = NULL, *db = NULL, *pa = NULL, *pb = NULL;
    size_t la = 0, lb = 0;
    int wa = 0, ha = 0, ca = 0, wb = 0, hb = 0, cb = 0;
    int read = es_fixture_read_file(a, &da, &la) == 0 && es_fixture_read_file(b, &db, &lb) == 0;
    bool unoriented = false;
    if (read && displayed) {
        unoriented = s_display(a, &da, &la) != 0;
        unoriented = s_display(b, &db, &lb) != 0 || unoriented;
    }
    int same = read && !unoriented && es_fixture_decode(da, la, &pa, &wa, &ha, &ca) == 0 &&
               es_fixture_decode(db, lb, &pb, &wb, &hb, &cb) == 0 && wa == wb && ha == hb && ca == cb &&
               !memcmp(pa, pb, (size_t)wa * (size_t)ha * (size_t)ca);
    free(da);
    free(db);
    free(pa);
    free(pb);
    return unoriented ? 2 : same ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && !strcmp(argv[1], "oneshot"))
        return s_oneshot(argc, argv);
    if (argc == 4 && !strcmp(argv[1], "pixels"))
        return s_pixels(argv[2], argv[3], true);
    if (argc == 4 && !strcmp(argv[1], "rawpixels"))
        return s_pixels(argv[2], argv[3], false);
    fprintf(stderr, "usage: jpegcmp oneshot [--drop-icc] [--keep-comments] [--orientation MODE] IN OUT\n"
                    "       jpegcmp pixels|rawpixels A B\n");
    return 1;
}
