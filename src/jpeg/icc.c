/* icc.c - the ICC profile scrub plan (icc.h): validates the header and tag
 * table of a profile's first chunk, decides per tag (colour tags kept, 'desc'
 * and 'cprt' blanked, the rest removed), and rewrites any run of profile
 * bytes by where they lie: header and table from the rewritten prefix, kept
 * tag data as is, blanked tags from their empty text, everything else zero.
 * Every offset and size is checked against the declared size and the bytes
 * given, in 64-bit arithmetic where a sum could overflow. */
#include "jpeg/icc.h"

#include <string.h>

#include "jpeg/cursor.h"

#define S_SIG(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))
#define S_SIG_DESC S_SIG('d', 'e', 's', 'c')
#define S_SIG_CPRT S_SIG('c', 'p', 'r', 't')

/* The tags a colour transform reads (ICC.1:2022 section 9, ICC.1:2001-04 for
 * the v2-only ones, plus 'vcgt' and 'arts' that display profiles carry),
 * kept byte for byte. Everything else is text, device or private data. */
static const char s_colour_tags[][5] = {
    "A2B0", "A2B1", "A2B2", "A2B3", "A2M0", "B2A0", "B2A1", "B2A2", "B2A3", "B2D0", "B2D1", "B2D2",
    "B2D3", "D2B0", "D2B1", "D2B2", "D2B3", "rXYZ", "gXYZ", "bXYZ", "rTRC", "gTRC", "bTRC", "kTRC",
    "wtpt", "bkpt", "chad", "chrm", "cicp", "clro", "clrt", "clot", "gamt", "lumi", "meas", "ncl2",
    "pre0", "pre1", "pre2", "rig0", "rig2", "tech", "view", "ciis", "vcgt", "arts",
};

/* The header bytes kept: size, preferred CMM, version (major, minor), device
 * class, colour space, PCS, 'acsp', primary platform, the ICC's half of the
 * flags (16 bits), the ICC's half of the device attributes (32 bits), the
 * rendering intent (16 bits) and the PCS illuminant. CMM and platform are
 * registered signatures of a colour engine and a system, not of a person or
 * a device. The rest is zeroed, zero being a valid value of each: the
 * version's reserved bytes, the creation date, the vendor halves of the flags
 * and the device attributes (free for any data), device manufacturer and
 * model, the intent's reserved half, the creator, the profile ID ("not
 * computed") and the 28 reserved bytes (an iccMAX profile, version 5, keeps
 * the 24 of them that ICC.2 gives its spectral PCS and subclass). */
static const es_icc_range s_header_keep[] = {{0, 10}, {12, 24}, {36, 44}, {46, 48}, {60, 64}, {66, 80}};

/* Empty texts: v2 textDescriptionType (ASCII count 1: the NUL; no Unicode,
 * no ScriptCode string), v2 textType (a NUL), v4 multiLocalizedUnicodeType
 * (one en-US record of length 0, its offset just past the record table). */
static const uint8_t s_empty_desc_v2[91] = {'d', 'e', 's', 'c', 0, 0, 0, 0, 0, 0, 0, 1};
static const uint8_t s_empty_text_v2[9] = {'t', 'e', 'x', 't'};
static const uint8_t s_empty_mluc[28] = {'m', 'l', 'u', 'c', 0,   0,   0, 0, 0, 0, 0, 1, 0, 0,
                                         0,   12,  'e', 'n', 'U', 'S', 0, 0, 0, 0, 0, 0, 0, 28};

bool es_icc_tag_is_colour(uint32_t sig)
{
    for (size_t i = 0; i < sizeof s_colour_tags / sizeof s_colour_tags[0]; i++)
        if (es_jpeg_load_u32((const uint8_t *)s_colour_tags[i], false) == sig)
            return true;
    return false;
}

void es_icc_sig_text(uint32_t sig, char out[5])
{
    for (int i = 0; i < 4; i++) {
        uint8_t b = (uint8_t)(sig >> (24 - 8 * i));
        out[i] = b >= 0x20 && b < 0x7F ? (char)b : '?';
    }
    out[4] = '\0';
}

static void s_store_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* Whether [off, off + size) lies between the table's end and the declared size. */
static bool s_in_profile(const es_icc_plan *p, uint32_t off, uint32_t size)
{
    return off >= p->table_end && (uint64_t)off + size <= p->size;
}

static bool s_overlaps_kept(const es_icc_plan *p, uint32_t start, uint32_t end)
{
    for (size_t i = 0; i < p->nkeep; i++)
        if (p->keep[i].start < end && start < p->keep[i].end)
            return true;
    return false;
}

/* Sorts the kept ranges by start (insertion sort: at most ES_ICC_MAX_TAGS,
 * usually a dozen) and merges the overlapping or touching ones. */
static void s_merge_kept(es_icc_plan *p)
{
    size_t n = 0;
    for (size_t i = 1; i < p->nkeep; i++) {
        es_icc_range r = p->keep[i];
        size_t j = i;
        while (j > 0 && p->keep[j - 1].start > r.start) {
            p->keep[j] = p->keep[j - 1];
            j--;
        }
        p->keep[j] = r;
    }
    for (size_t i = 0; i < p->nkeep; i++) {
        if (p->keep[i].start == p->keep[i].end)
            continue;
        if (n > 0 && p->keep[i].start <= p->keep[n - 1].end) {
            if (p->keep[i].end > p->keep[n - 1].end)
                p->keep[n - 1].end = p->keep[i].end;
        } else {
            p->keep[n++] = p->keep[i];
        }
    }
    p->nkeep = n;
}

/* Tries to blank the text tag sig whose data is [off, off + size): the empty
 * text must fit in it and it must share no byte with a kept or blanked tag.
 * Returns the new size, 0 when the tag is removed instead. */
static uint32_t s_blank(es_icc_plan *p, bool v4, uint32_t sig, uint32_t off, uint32_t size)
{
    const uint8_t *text = v4 ? s_empty_mluc : sig == S_SIG_DESC ? s_empty_desc_v2 : s_empty_text_v2;
    size_t len = v4                  ? sizeof s_empty_mluc
                 : sig == S_SIG_DESC ? sizeof s_empty_desc_v2
                                     : sizeof s_empty_text_v2;
    if (p->nblank >= sizeof p->blank / sizeof p->blank[0] || !s_in_profile(p, off, size) || size < len ||
        s_overlaps_kept(p, off, off + size))
        return 0;
    for (size_t i = 0; i < p->nblank; i++)
        if (p->blank[i].start < off + size && off < p->blank[i].old_end)
            return 0;
    es_icc_blank *b = &p->blank[p->nblank++];
    b->start = off;
    b->old_end = off + size;
    b->sig = sig;
    b->len = (uint8_t)len;
    memcpy(b->bytes, text, len);
    return (uint32_t)len;
}

static es_err s_refuse(const char **why, const char *reason)
{
    if (why)
        *why = reason;
    return ES_ERR_INVALID_ARG;
}

es_err es_icc_plan_build(es_icc_plan *plan, const uint8_t *data, size_t len, const char **why)
{
    uint32_t count;
    ES_ENSURE_REF(plan);
    memset(plan, 0, sizeof *plan);
    if (!data || len < ES_ICC_HEADER_SIZE + 4)
        return s_refuse(why, "the profile header is not in the first chunk");
    if (memcmp(data + 36, "acsp", 4) != 0)
        return s_refuse(why, "not an ICC profile (no 'acsp' signature)");
    plan->size = es_jpeg_load_u32(data, false);
    count = es_jpeg_load_u32(data + ES_ICC_HEADER_SIZE, false);
    if (plan->size < ES_ICC_HEADER_SIZE + 4)
        return s_refuse(why, "declared profile size below 132 bytes");
    if (count > ES_ICC_MAX_TAGS)
        return s_refuse(why, "too many tags");
    plan->tags = count;
    plan->table_end = ES_ICC_HEADER_SIZE + 4 + ES_ICC_TABLE_ENTRY * count;
    if (plan->table_end > plan->size)
        return s_refuse(why, "tag table runs past the declared profile size");
    if (plan->table_end > len)
        return s_refuse(why, "tag table is not in the first chunk");
    const uint8_t *table = data + ES_ICC_HEADER_SIZE + 4;
    for (uint32_t i = 0; i < count; i++) { /* the colour tags first: blanks must not touch them */
        const uint8_t *e = table + ES_ICC_TABLE_ENTRY * i;
        uint32_t off = es_jpeg_load_u32(e + 4, false), size = es_jpeg_load_u32(e + 8, false);
        if (!es_icc_tag_is_colour(es_jpeg_load_u32(e, false)))
            continue;
        if (!s_in_profile(plan, off, size))
            return s_refuse(why, "a colour tag's data lies outside the profile");
        plan->keep[plan->nkeep++] = (es_icc_range){off, off + size};
    }
    s_merge_kept(plan);
    bool v4 = data[8] >= 4;
    uint8_t *out = plan->prefix + ES_ICC_HEADER_SIZE + 4;
    for (size_t i = 0; i < sizeof s_header_keep / sizeof s_header_keep[0]; i++) /* the rest stays zero */
        memcpy(plan->prefix + s_header_keep[i].start, data + s_header_keep[i].start,
               s_header_keep[i].end - s_header_keep[i].start);
    if (data[8] >= 5) /* iccMAX (ICC.2) describes its spectral PCS and subclass in bytes 100..123 */
        memcpy(plan->prefix + 100, data + 100, 24);
    for (uint32_t i = 0; i < count; i++) {
        const uint8_t *e = table + ES_ICC_TABLE_ENTRY * i;
        uint32_t sig = es_jpeg_load_u32(e, false), off = es_jpeg_load_u32(e + 4, false);
        uint32_t size = es_jpeg_load_u32(e + 8, false);
        if (es_icc_tag_is_colour(sig)) {
            plan->kept++;
        } else if ((sig == S_SIG_DESC || sig == S_SIG_CPRT) && (size = s_blank(plan, v4, sig, off, size)) > 0) {
            plan->blanked++;
        } else {
            if (plan->removed < ES_ICC_REPORT_SIGS)
                plan->removed_sigs[plan->removed] = sig;
            plan->removed++;
            continue;
        }
        memcpy(out, e, 8);
        s_store_u32(out + 8, size);
        out += ES_ICC_TABLE_ENTRY;
    }
    s_store_u32(plan->prefix + ES_ICC_HEADER_SIZE, plan->kept + plan->blanked);
    return ES_OK; /* the freed entries stay zero (memset above) */
}

/* Where the byte at profile offset o comes from, and up to which offset
 * (exclusive) the same source continues. */
typedef enum s_source { S_PREFIX, S_INPUT, S_BLANK, S_ZERO } s_source;

static s_source s_where(const es_icc_plan *p, uint32_t o, uint32_t *until, const es_icc_blank **blank)
{
    uint32_t next = p->size;
    if (o < p->table_end) {
        *until = p->table_end;
        return S_PREFIX;
    }
    size_t lo = 0, hi = p->nkeep; /* the first kept range ending after o */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (p->keep[mid].end <= o)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < p->nkeep) {
        if (p->keep[lo].start <= o) {
            *until = p->keep[lo].end;
            return S_INPUT;
        }
        next = p->keep[lo].start;
    }
    for (size_t i = 0; i < p->nblank; i++) {
        const es_icc_blank *b = &p->blank[i];
        if (o >= b->start && o < b->start + b->len) {
            *until = b->start + b->len;
            *blank = b;
            return S_BLANK;
        }
        if (b->start > o && b->start < next)
            next = b->start;
    }
    *until = next;
    return S_ZERO;
}

size_t es_icc_apply(const es_icc_plan *plan, uint32_t at, const uint8_t *in, uint8_t *out, size_t n)
{
    size_t changed = 0, i = 0;
    while (i < n) {
        uint64_t o64 = (uint64_t)at + i;
        uint32_t o = (uint32_t)o64, until = 0;
        const es_icc_blank *b = NULL;
        s_source src = o64 < plan->size ? s_where(plan, o, &until, &b) : S_ZERO;
        size_t k = o64 < plan->size && until > o ? until - o : n - i;
        if (k > n - i)
            k = n - i;
        for (size_t j = 0; j < k; j++) {
            uint8_t v = src == S_INPUT    ? in[i + j]
                        : src == S_PREFIX ? plan->prefix[o + j]
                        : src == S_BLANK  ? b->bytes[o + j - b->start]
                                          : 0;
            changed += in[i + j] != v;
            out[i + j] = v;
        }
        i += k;
    }
    return changed;
}
