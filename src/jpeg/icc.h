/* icc.h - scrubbing an ICC profile that streams past in APP2 chunks, without
 * holding the whole profile: a plan built from the profile's first bytes (its
 * header and whole tag table), then applied to any run of profile bytes at its
 * offset, so the output has the input's length and chunking.
 *
 * The plan keeps the colour tags (es_icc_tag_is_colour) byte for byte,
 * replaces the data of 'desc' and 'cprt' with an empty text of the type the
 * profile version uses (v2: textDescriptionType / textType, v4: mluc), removes
 * every other tag from the table (entries shifted up, count lowered, the freed
 * table bytes zeroed) and zeroes every byte after the table that no kept tag
 * references (removed tags' data, gaps, padding). In the header it keeps only
 * what describes the colour data (size, CMM and platform signatures, version,
 * class, colour spaces, 'acsp', the ICC's halves of the flags and device
 * attributes, rendering intent, PCS illuminant) and zeroes the rest: the
 * creation date (bytes 24..35), the vendor halves of flags and attributes,
 * device manufacturer and model (48..55), the profile creator (80..83: who
 * made it, a vendor or a person's tool), the profile ID (84..99: zero means
 * "not computed") and the reserved bytes. Bytes past the declared size are not
 * part of the profile; the caller drops them. Pure: no I/O. */
#ifndef ES_JPEG_ICC_H
#define ES_JPEG_ICC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "exifstrip/error.h"

#define ES_ICC_HEADER_SIZE 128
#define ES_ICC_TABLE_ENTRY 12
/* Tags a kept profile may list (real profiles have a few dozen). */
#define ES_ICC_MAX_TAGS 1024
/* Room for the longest empty text written (v2 textDescriptionType: 91 bytes). */
#define ES_ICC_BLANK_MAX 92
/* Removed tags whose signatures a plan remembers for reports. */
#define ES_ICC_REPORT_SIGS 8

typedef struct es_icc_range {
    uint32_t start, end; /* [start, end) in profile offsets */
} es_icc_range;

typedef struct es_icc_blank {
    uint32_t start, old_end, sig; /* the tag's data [start, old_end) in the input */
    uint8_t len;
    uint8_t bytes[ES_ICC_BLANK_MAX];
} es_icc_blank;

typedef struct es_icc_plan {
    uint32_t size;                             /* declared profile size: bytes at or past it are not kept */
    uint32_t table_end;                        /* 132 + 12 * tags: header and table, written from prefix */
    uint32_t tags, kept, blanked, removed;     /* tag counts: listed, colour, blanked, removed */
    uint32_t removed_sigs[ES_ICC_REPORT_SIGS]; /* the first removed tags' signatures */
    size_t nkeep;                              /* sorted, merged ranges of kept tag data */
    es_icc_range keep[ES_ICC_MAX_TAGS];
    size_t nblank;
    es_icc_blank blank[2];
    uint8_t prefix[ES_ICC_HEADER_SIZE + 4 + ES_ICC_TABLE_ENTRY * ES_ICC_MAX_TAGS];
} es_icc_plan;

/* Whether a tag (by signature, e.g. 'rTRC' = 0x72545243) is kept byte for byte. */
bool es_icc_tag_is_colour(uint32_t sig);

/* Builds the plan from the first len bytes of a profile (the data of its first
 * APP2 chunk, after the 14-byte chunk header). The header, the tag count and
 * the whole tag table must lie within them. Refuses (ES_ERR_INVALID_ARG, *why
 * set to a static reason) anything that is not such a profile: declared size
 * below 132 or below the header and table, no 'acsp' at offset 36, more than
 * ES_ICC_MAX_TAGS tags, a table past len, a kept tag whose data is not between
 * the table's end and the declared size. */
es_err es_icc_plan_build(es_icc_plan *plan, const uint8_t *data, size_t len, const char **why);

/* Writes to out the scrubbed version of the n profile bytes in, which start at
 * profile offset at (at + n must not exceed plan->size). in and out may be the
 * same buffer. Returns how many of the n bytes changed value. */
size_t es_icc_apply(const es_icc_plan *plan, uint32_t at, const uint8_t *in, uint8_t *out, size_t n);

/* "desc" from 0x64657363; out gets 4 characters and a NUL (non-printable bytes as '?'). */
void es_icc_sig_text(uint32_t sig, char out[5]);

#endif
