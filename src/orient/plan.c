/* plan.c - what applying an EXIF Orientation means for one photo: the
 * operation each tag value stands for (Exif 2.32, tag 0x0112), the frame
 * facts a transform depends on, which edge blocks are trimmed (as
 * `jpegtran -trim` does: only partial MCUs on an edge the operation moves),
 * the memory it needs, and when it cannot be done (then the tag is kept). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exifstrip/orient.h"

static const char *const s_mode_names[] = {"apply", "keep", "drop"};

const char *es_orient_mode_name(es_orient_mode mode) { return (unsigned)mode < 3 ? s_mode_names[mode] : "?"; }

bool es_orient_mode_parse(const char *text, es_orient_mode *mode)
{
    for (unsigned i = 0; text && i < 3; i++) {
        if (!strcmp(text, s_mode_names[i])) {
            *mode = (es_orient_mode)i;
            return true;
        }
    }
    return false;
}

bool es_orient_parse_pixels(const char *text, uint64_t *out)
{
    char *end;
    if (!text || *text < '0' || *text > '9')
        return false;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno || v == 0)
        return false;
    if (*end == 'M' && end[1] == '\0') {
        if (v > UINT64_MAX / 1000000u)
            return false;
        v *= 1000000u;
    } else if (*end != '\0') {
        return false;
    }
    *out = v;
    return true;
}

static const struct {
    const char *name, *text;
    bool transposes;
} s_ops[] = {
    [ES_ORIENT_OP_NONE] = {"none", "none", false},
    [ES_ORIENT_OP_FLIP_H] = {"flip_h", "mirror left-right", false},
    [ES_ORIENT_OP_ROT180] = {"rotate180", "rotate 180°", false},
    [ES_ORIENT_OP_FLIP_V] = {"flip_v", "mirror top-bottom", false},
    [ES_ORIENT_OP_TRANSPOSE] = {"transpose", "transpose (mirror across the main diagonal)", true},
    [ES_ORIENT_OP_ROT90] = {"rotate90", "rotate 90° cw", true},
    [ES_ORIENT_OP_TRANSVERSE] = {"transverse", "transverse (mirror across the anti-diagonal)", true},
    [ES_ORIENT_OP_ROT270] = {"rotate270", "rotate 270° cw", true},
};

es_orient_op es_orient_op_for_tag(unsigned tag)
{
    return tag >= 1 && tag <= 8 ? (es_orient_op)(tag - 1) : ES_ORIENT_OP_NONE;
}

const char *es_orient_op_name(es_orient_op op) { return (unsigned)op <= 7 ? s_ops[op].name : "?"; }
const char *es_orient_op_text(es_orient_op op) { return (unsigned)op <= 7 ? s_ops[op].text : "?"; }
bool es_orient_op_transposes(es_orient_op op) { return (unsigned)op <= 7 && s_ops[op].transposes; }

bool es_orient_frame_parse(uint8_t sof_marker, const uint8_t *p, size_t len, es_orient_frame *out)
{
    memset(out, 0, sizeof *out);
    if (!p || len < 6)
        return false;
    out->sof_marker = sof_marker;
    out->precision = p[0];
    out->height = (uint32_t)p[1] << 8 | p[2];
    out->width = (uint32_t)p[3] << 8 | p[4];
    out->components = p[5];
    if (out->components == 0 || len < 6 + 3u * out->components || out->width == 0)
        return false;
    for (unsigned i = 0; i < out->components; i++) {
        uint8_t h = p[7 + 3 * i] >> 4, v = p[7 + 3 * i] & 15;
        if (h == 0 || v == 0)
            return false;
        out->max_h = h > out->max_h ? h : out->max_h;
        out->max_v = v > out->max_v ? v : out->max_v;
        if (i < 4) {
            out->samp_h[i] = h;
            out->samp_v[i] = v;
        }
    }
    if (out->components == 1) {
        out->blocks = ((out->width + 7) / 8) * ((out->height + 7) / 8);
        return true;
    }
    uint64_t cols = (out->width + 8u * out->max_h - 1) / (8u * out->max_h);
    uint64_t rows = (out->height + 8u * out->max_v - 1) / (8u * out->max_v);
    uint64_t blocks = 0;
    for (unsigned i = 0; i < out->components; i++)
        blocks += cols * (p[7 + 3 * i] >> 4) * rows * (p[7 + 3 * i] & 15);
    out->blocks = blocks > UINT32_MAX ? UINT32_MAX : (uint32_t)blocks;
    return true;
}

static bool s_factors(const uint8_t *h, const uint8_t *v, unsigned i, unsigned want_h, unsigned want_v)
{
    return h[i] == want_h && v[i] == want_v;
}

bool es_orient_sampling_named(unsigned n, const uint8_t *h, const uint8_t *v)
{
    static const uint8_t luma[][2] = {{1, 1}, {2, 1}, {2, 2}, {1, 2}, {4, 1}};
    if (n == 1)
        return true;
    if (n != 3 && n != 4)
        return false;
    unsigned h0 = h[0], v0 = v[0];
    bool standard = false, wide_luma = false, same = h0 * v0 <= 3;
    for (unsigned i = 0; i < sizeof luma / sizeof luma[0]; i++)
        standard |= h0 == luma[i][0] && v0 == luma[i][1];
    for (unsigned chroma = 0; chroma < 2; chroma++) {
        bool all = h0 == 2 && v0 == 2;
        for (unsigned k = 1; k < n; k++)
            all &= k == 3 ? s_factors(h, v, k, 2, 2) : s_factors(h, v, k, 1 + !chroma, 1 + chroma);
        wide_luma |= all;
    }
    for (unsigned k = 1; k < n; k++) {
        standard &= k == 3 ? s_factors(h, v, k, h0, v0) : s_factors(h, v, k, 1, 1);
        same &= s_factors(h, v, k, h0, v0);
    }
    return standard || wide_luma || same;
}

/* Why libjpeg-turbo (8-bit, DCT-based) cannot transform this frame, or NULL. */
static const char *s_unsupported(const es_orient_frame *f)
{
    switch (f->sof_marker) {
    case 0xC3:
    case 0xCB: return "lossless frame";
    case 0xC5:
    case 0xC6:
    case 0xC7:
    case 0xCD:
    case 0xCE:
    case 0xCF: return "hierarchical frame";
    default: break;
    }
    if (f->precision != 8)
        return "samples are not 8-bit";
    if (f->components != 1 && f->components != 3 && f->components != 4)
        return "unusual number of components";
    if (f->height == 0)
        return "a height given by a DNL marker after the first scan";
    if (!es_orient_sampling_named(f->components, f->samp_h, f->samp_v))
        return "a sampling libjpeg-turbo does not name";
    return NULL;
}

void es_orient_plan_frame_too_far(es_orient_plan *plan)
{
    snprintf(plan->fallback, sizeof plan->fallback, "no frame header within the first %u MiB",
             (unsigned)(ES_ORIENT_DECIDE_CAP >> 20));
}

void es_orient_plan_make(unsigned tag, const es_orient_frame *f, uint64_t max_pixels, uint64_t input_len,
                         es_orient_plan *plan)
{
    memset(plan, 0, sizeof *plan);
    plan->tag = tag >= 1 && tag <= 8 ? tag : 1;
    plan->op = es_orient_op_for_tag(plan->tag);
    if (!f) {
        snprintf(plan->fallback, sizeof plan->fallback, "no readable frame header");
        return;
    }
    bool swap = es_orient_op_transposes(plan->op);
    uint32_t mw = f->components == 1 ? 8 : 8u * f->max_h, mh = f->components == 1 ? 8 : 8u * f->max_v;
    uint32_t w = f->width, h = f->height, left = 0, top = 0;
    /* Partial MCUs sit at the stored right (w % mw) and bottom (h % mh)
     * edges; each operation that moves that edge drops it, and it would have
     * shown at the upright picture's left or top. */
    switch (plan->op) {
    case ES_ORIENT_OP_FLIP_H: left = w % mw; break;
    case ES_ORIENT_OP_FLIP_V: top = h % mh; break;
    case ES_ORIENT_OP_ROT90: left = h % mh; break;
    case ES_ORIENT_OP_ROT270: top = w % mw; break;
    case ES_ORIENT_OP_ROT180:
        left = w % mw;
        top = h % mh;
        break;
    case ES_ORIENT_OP_TRANSVERSE:
        left = h % mh;
        top = w % mw;
        break;
    default: break;
    }
    plan->out_width = (swap ? h : w) - left;
    plan->out_height = (swap ? w : h) - top;
    plan->trim_left = left;
    plan->trim_top = top;
    /* The source's coefficient array (the destination's rows are produced
     * while they are encoded, lossless.c), the input and the output (about
     * the input's size, with room to grow). A sequential source's sparse
     * store is limited to the array's size less its row buffer, so this
     * stays an upper bound even when every block is dense (lossless.c). */
    uint64_t coefs = 1ull * f->blocks * 128u;
    plan->memory = input_len > (UINT64_MAX - coefs) / 3 ? UINT64_MAX : coefs + 3ull * input_len;
    if (max_pixels == 0)
        max_pixels = ES_ORIENT_DEFAULT_MAX_PIXELS;
    const char *why = s_unsupported(f);
    if (why)
        snprintf(plan->fallback, sizeof plan->fallback, "%s (SOF%u, %u-bit) cannot be transformed", why,
                 f->sof_marker - 0xC0u, f->precision);
    else if ((uint64_t)w * h > max_pixels)
        snprintf(plan->fallback, sizeof plan->fallback, "%ux%u is over the limit of %llu pixels", w, h,
                 (unsigned long long)max_pixels);
    else if (plan->out_width == 0 || plan->out_height == 0)
        snprintf(plan->fallback, sizeof plan->fallback, "%ux%u is smaller than one %ux%u MCU", w, h, mw, mh);
}

void es_orient_plan_describe(const es_orient_plan *plan, char *buf, size_t cap)
{
    int n = snprintf(buf, cap, "%s", es_orient_op_text(plan->op));
    if (n < 0 || (size_t)n >= cap)
        return;
    if (plan->trim_left && plan->trim_top)
        snprintf(buf + n, cap - (size_t)n, ", trim %u px left and %u px top", plan->trim_left, plan->trim_top);
    else if (plan->trim_left || plan->trim_top)
        snprintf(buf + n, cap - (size_t)n, ", trim %u px %s", plan->trim_left + plan->trim_top,
                 plan->trim_left ? "left" : "top");
}
