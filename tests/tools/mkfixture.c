/* mkfixture.c - writes a generated JPEG fixture (tests/support/fixture.h) to a
 * file or stdout, for the shell tests of the CLI.
 * Usage: mkfixture [options] OUT.jpg   (OUT "-" = stdout); see s_usage. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../support/fixture.h"

static void s_usage(void)
{
    fprintf(stderr,
            "usage: mkfixture [--size WxH] [--gray|--cmyk] [--quality Q] [--progressive] [--arith]\n"
            "                 [--restart N] [--seed S] [--exif] [--gps] [--thumb] [--orientation N]\n"
            "                 [--xmp] [--xmp-ext] [--iptc] [--icc N] [--comment] [--jfxx] [--ducky]\n"
            "                 [--fpxr] [--no-jfif] [--mpf] [--mp4] [--fill] [--all] [--oriented] [--444]\n"
            "                 OUT.jpg|-\n"
            "  --oriented: corner-coloured picture stored turned as --orientation says, so it\n"
            "  displays upright (and --size is the displayed size)\n");
}

static bool s_int_arg(int argc, char **argv, int *i, int *value)
{
    if (*i + 1 >= argc)
        return false;
    char *end;
    long v = strtol(argv[++*i], &end, 10);
    if (*end || v < 0 || v > 65535)
        return false;
    *value = (int)v;
    return true;
}

static bool s_flag(es_fixture_opts *o, const char *a)
{
    static const struct {
        const char *name;
        size_t off;
    } flags[] = {
        {"--progressive", offsetof(es_fixture_opts, progressive)},
        {"--arith", offsetof(es_fixture_opts, arithmetic)},
        {"--exif", offsetof(es_fixture_opts, exif)},
        {"--gps", offsetof(es_fixture_opts, exif_gps)},
        {"--thumb", offsetof(es_fixture_opts, exif_thumbnail)},
        {"--xmp", offsetof(es_fixture_opts, xmp)},
        {"--xmp-ext", offsetof(es_fixture_opts, xmp_extended)},
        {"--iptc", offsetof(es_fixture_opts, iptc)},
        {"--comment", offsetof(es_fixture_opts, comment)},
        {"--jfxx", offsetof(es_fixture_opts, jfxx)},
        {"--ducky", offsetof(es_fixture_opts, ducky)},
        {"--fpxr", offsetof(es_fixture_opts, apple_app2_fpxr)},
        {"--no-jfif", offsetof(es_fixture_opts, no_jfif)},
        {"--mpf", offsetof(es_fixture_opts, mpf_second_image)},
        {"--mp4", offsetof(es_fixture_opts, mp4_trailer)},
        {"--fill", offsetof(es_fixture_opts, fill_bytes)},
        {"--oriented", offsetof(es_fixture_opts, oriented_pixels)},
    };
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++)
        if (!strcmp(a, flags[i].name)) {
            *(bool *)((char *)o + flags[i].off) = true;
            return true;
        }
    if (!strcmp(a, "--gray"))
        o->components = 1;
    else if (!strcmp(a, "--cmyk"))
        o->components = 4;
    else if (!strcmp(a, "--444"))
        o->sampling = 444;
    else if (!strcmp(a, "--all")) {
        o->exif_gps = o->exif_thumbnail = o->xmp = o->xmp_extended = o->iptc = o->comment = true;
        o->jfxx = o->ducky = o->apple_app2_fpxr = o->mpf_second_image = o->mp4_trailer = true;
        o->orientation = 6;
        o->icc_chunks = 2;
    } else
        return false;
    return true;
}

int main(int argc, char **argv)
{
    es_fixture_opts o = {0};
    const char *out = NULL;
    int seed = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool ok = true;
        if (!strcmp(a, "--size"))
            ok = i + 1 < argc && sscanf(argv[++i], "%dx%d", &o.width, &o.height) == 2 && o.width > 0 &&
                 o.height > 0;
        else if (!strcmp(a, "--quality"))
            ok = s_int_arg(argc, argv, &i, &o.quality);
        else if (!strcmp(a, "--restart"))
            ok = s_int_arg(argc, argv, &i, &o.restart_interval);
        else if (!strcmp(a, "--orientation"))
            ok = s_int_arg(argc, argv, &i, &o.orientation);
        else if (!strcmp(a, "--icc"))
            ok = s_int_arg(argc, argv, &i, &o.icc_chunks);
        else if (!strcmp(a, "--seed"))
            ok = s_int_arg(argc, argv, &i, &seed);
        else if (a[0] == '-' && a[1] == '-')
            ok = s_flag(&o, a);
        else if (!out)
            out = a;
        else
            ok = false;
        if (!ok) {
            s_usage();
            return 1;
        }
    }
    if (!out) {
        s_usage();
        return 1;
    }
    o.seed = (unsigned)seed;
    uint8_t *data = NULL;
    size_t len = 0;
    if (es_fixture_make(&o, &data, &len) != 0)
        return 1;
    FILE *f = strcmp(out, "-") ? fopen(out, "wb") : stdout;
    int rc = f && fwrite(data, 1, len, f) == len ? 0 : 1;
    if (f && f != stdout && fclose(f) != 0)
        rc = 1;
    if (rc)
        perror(out);
    free(data);
    return rc;
}
