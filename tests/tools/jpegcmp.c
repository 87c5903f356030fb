/* jpegcmp.c - test helper for the CLI shell tests:
 *   jpegcmp oneshot [--drop-icc] [--keep-comments] IN OUT
 *       writes es_jpeg_strip_buffer()'s result (the library's one-shot strip);
 *       exit 2 (and the reason on stderr) when the library refuses IN.
 *   jpegcmp pixels A B
 *       exit 0 when both decode (libjpeg) to identical samples, 1 otherwise. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../support/fixture.h"
#include "exifstrip/jpeg.h"

static int s_oneshot(int argc, char **argv)
{
    es_jpeg_policy policy;
    es_jpeg_policy_default(&policy);
    int i = 2;
    for (; i < argc && argv[i][0] == '-' && argv[i][1] == '-'; i++) {
        if (!strcmp(argv[i], "--drop-icc"))
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
    es_err rc = es_jpeg_strip_buffer(&policy, in, in_len, &out, &out_len, &err, NULL);
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

static int s_pixels(const char *a, const char *b)
{
    uint8_t *da = NULL, *db = NULL, *pa = NULL, *pb = NULL;
    size_t la = 0, lb = 0;
    int wa = 0, ha = 0, ca = 0, wb = 0, hb = 0, cb = 0;
    int same = es_fixture_read_file(a, &da, &la) == 0 && es_fixture_read_file(b, &db, &lb) == 0 &&
               es_fixture_decode(da, la, &pa, &wa, &ha, &ca) == 0 &&
               es_fixture_decode(db, lb, &pb, &wb, &hb, &cb) == 0 && wa == wb && ha == hb && ca == cb &&
               !memcmp(pa, pb, (size_t)wa * (size_t)ha * (size_t)ca);
    free(da);
    free(db);
    free(pa);
    free(pb);
    return same ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && !strcmp(argv[1], "oneshot"))
        return s_oneshot(argc, argv);
    if (argc == 4 && !strcmp(argv[1], "pixels"))
        return s_pixels(argv[2], argv[3]);
    fprintf(stderr, "usage: jpegcmp oneshot [--drop-icc] [--keep-comments] IN OUT | jpegcmp pixels A B\n");
    return 1;
}
