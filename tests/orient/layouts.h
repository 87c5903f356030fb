/* layouts.h - the colour layouts and frame sizes the Huffman coder tests
 * run through (huff_decode_test.c, huff_encode_test.c), and a generated
 * photo of one (header-only, static). */
#ifndef ES_TESTS_ORIENT_LAYOUTS_H
#define ES_TESTS_ORIENT_LAYOUTS_H

#include <stddef.h>
#include <stdint.h>

#include "../support/fixture.h"

/* name, components, es_fixture_opts.sampling */
typedef struct ot_layout {
    const char *name;
    int components;
    int sampling;
} ot_layout;

static const ot_layout ot_layouts[] = {
    {"4:2:0", 3, 0},   {"4:2:2", 3, 422}, {"4:4:4", 3, 444}, {"4:4:0", 3, 440},
    {"4:1:1", 3, 411}, {"gray", 1, 0},    {"CMYK", 4, 0},
};

#define OT_LAYOUTS_N (sizeof ot_layouts / sizeof ot_layouts[0])

/* MCU-aligned, odd, one-pixel, smaller than an MCU, several hundred blocks */
static const int ot_sizes[][2] = {{64, 48}, {67, 41}, {1, 1}, {17, 9}, {301, 203}};

#define OT_SIZES_N (sizeof ot_sizes / sizeof ot_sizes[0])

/* A generated photo of layout l (NULL on failure). */
static inline uint8_t *ot_layout_make(const ot_layout *l, int w, int h, int quality, int restart,
                                      unsigned seed, size_t *len)
{
    es_fixture_opts o = {0};
    o.width = w;
    o.height = h;
    o.components = l->components;
    o.sampling = l->sampling;
    o.quality = quality;
    o.restart_interval = restart;
    o.seed = seed;
    uint8_t *jpeg = NULL;
    if (es_fixture_make(&o, &jpeg, len) != 0)
        return NULL;
    return jpeg;
}

#endif
