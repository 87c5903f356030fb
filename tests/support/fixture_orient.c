/* fixture_orient.c - the oriented test picture: four distinct corner colours
 * (so any rotation or mirror shows), stored transformed as an EXIF
 * Orientation tag says so that all eight tags display the same upright
 * picture, and that upright reference itself for pixel comparisons. The
 * stored->displayed mapping is written from the Exif definition of each tag
 * (tag 6: the 0th row is the visual right side, the 0th column the top). */
#include "fixture_priv.h"

#include <stdlib.h>

/* Corner colours per component count: top-left, top-right, bottom-left, bottom-right. */
static const uint8_t s_corners[3][4][4] = {
    {{30}, {100}, {170}, {240}},
    {{220, 30, 30}, {30, 200, 40}, {40, 40, 220}, {230, 220, 40}},
    {{200, 20, 20, 10}, {20, 200, 20, 40}, {20, 20, 200, 70}, {150, 150, 20, 100}},
};

static uint8_t s_upright_sample(const es_fixture_opts *o, int x, int y, int c)
{
    int comps = o->components ? o->components : 3;
    int set = comps == 1 ? 0 : comps == 3 ? 1 : 2;
    int quadrant = (y * 2 >= o->height ? 2 : 0) + (x * 2 >= o->width ? 1 : 0);
    int v = s_corners[set][quadrant][c] + (x % 16) - 8; /* a little texture within quadrants */
    return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
}

void es_fixture_orient_xy(int tag, int sw, int sh, int x, int y, int *dx, int *dy)
{
    switch (tag) {
    case 2: *dx = sw - 1 - x, *dy = y; break;          /* mirror left-right */
    case 3: *dx = sw - 1 - x, *dy = sh - 1 - y; break; /* rotate 180 */
    case 4: *dx = x, *dy = sh - 1 - y; break;          /* mirror top-bottom */
    case 5: *dx = y, *dy = x; break;                   /* transpose */
    case 6: *dx = sh - 1 - y, *dy = x; break;          /* rotate 90 cw */
    case 7: *dx = sh - 1 - y, *dy = sw - 1 - x; break; /* transverse */
    case 8: *dx = y, *dy = sw - 1 - x; break;          /* rotate 270 cw */
    default: *dx = x, *dy = y; break;
    }
}

uint8_t es_fixture_oriented_sample(const es_fixture_opts *o, int x, int y, int c)
{
    int tag = o->orientation, dx, dy;
    bool swap = tag >= 5 && tag <= 8;
    es_fixture_orient_xy(tag, swap ? o->height : o->width, swap ? o->width : o->height, x, y, &dx, &dy);
    return s_upright_sample(o, dx, dy, c);
}

int es_fixture_upright(const es_fixture_opts *opts, uint8_t **pixels)
{
    es_fixture_opts o = *opts;
    o.width = o.width ? o.width : 64;
    o.height = o.height ? o.height : 48;
    int comps = o.components ? o.components : 3;
    uint8_t *p = malloc((size_t)o.width * (size_t)o.height * (size_t)comps);
    *pixels = p;
    if (!p)
        return -1;
    for (int y = 0; y < o.height; y++)
        for (int x = 0; x < o.width; x++)
            for (int c = 0; c < comps; c++)
                *p++ = s_upright_sample(&o, x, y, c);
    return 0;
}

uint8_t *es_fixture_turned_with_exif(size_t *len, size_t *exif_body)
{
    es_fixture_opts o = {.width = 64,
                         .height = 48,
                         .components = 3,
                         .quality = 90,
                         .oriented_pixels = true,
                         .orientation = 6,
                         .exif_gps = true};
    uint8_t *jpeg = NULL;
    if (es_fixture_make(&o, &jpeg, len) != 0)
        return NULL;
    *exif_body = 0;
    for (size_t i = 2; i + 4 <= *len && jpeg[i] == 0xFF && jpeg[i + 1] != 0xDA;
         i += 2 + (size_t)(jpeg[i + 2] << 8 | jpeg[i + 3]))
        if (jpeg[i + 1] == 0xE1 && !*exif_body)
            *exif_body = (size_t)(jpeg[i + 2] << 8 | jpeg[i + 3]) - 2;
    if (!*exif_body) {
        free(jpeg);
        return NULL;
    }
    return jpeg;
}
