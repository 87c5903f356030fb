/* exif_orient_fuzz.c - fuzz target for the Orientation read without libexif
 * (src/jpeg/exif_orient_plain.c) against libexif's read.
 *
 * Target Functions: es_jpeg_exif_orient_plain, es_orient_read_tag,
 * es_orient_read_tag_libexif, es_jpeg_exif_defuse.
 *
 * The input is the TIFF data of an Exif APP1 payload: "Exif\0\0" is put in
 * front of it (so every input explores IFD0, not the header check), unless
 * it starts with 'X', whose rest is then the whole payload. Invariants (any
 * violation aborts): whenever the plain reader answers, libexif reads the
 * same tag and gives no `why`; es_orient_read_tag equals libexif's read (tag
 * and `why`); the pointer pruning stays within the payload. Each input is
 * read from a buffer of exactly its size. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exifstrip/orient.h"
#include "jpeg/exif_defuse.h"
#include "jpeg/exif_orient_plain.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define S_REQUIRE(cond, what)                                \
    do {                                                     \
        if (!(cond)) {                                       \
            fprintf(stderr, "exif_orient_fuzz: %s\n", what); \
            abort();                                         \
        }                                                    \
    } while (0)

#define S_MAX_PAYLOAD 0xFFFF /* an APP1 payload is at most 65533 bytes; a bit more tests the limit */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    bool whole = size > 0 && data[0] == 'X';
    size_t len = whole ? size - 1 : size + 6;
    if (len > S_MAX_PAYLOAD + 8)
        return 0;
    uint8_t *payload = malloc(len ? len : 1);
    if (!payload)
        return 0;
    if (whole) {
        memcpy(payload, data + 1, len);
    } else {
        memcpy(payload, "Exif\0\0", 6);
        memcpy(payload + 6, data, size);
    }
    const char *ref_why = NULL, *why = NULL;
    int ref = es_orient_read_tag_libexif(payload, len, &ref_why);
    int plain = es_jpeg_exif_orient_plain(payload, len);
    int tag = es_orient_read_tag(payload, len, &why);
    /* The pointer pruning libexif's callers run first (on copies) reads and
     * writes only within the payload, and never prunes more pointers than
     * the IFDs it walks can hold. */
    for (int ifd0_only = 0; ifd0_only < 2; ifd0_only++) {
        uint8_t *copy = malloc(len ? len : 1);
        if (!copy)
            break;
        memcpy(copy, payload, len);
        S_REQUIRE(es_jpeg_exif_defuse(copy, len, ifd0_only) <= 5u * (0xFFFEu / 12u + 1u),
                  "pruned more pointers than five IFDs hold");
        free(copy);
    }
    free(payload);
    if (plain != ES_JPEG_ORIENT_UNSURE) {
        S_REQUIRE(plain >= 0 && plain <= 8, "the plain reader answered outside 0..8");
        S_REQUIRE(plain == ref, "the plain reader and libexif disagree on the tag");
        S_REQUIRE(ref_why == NULL, "the plain reader answered where libexif gives a why");
    }
    S_REQUIRE(tag == ref, "es_orient_read_tag and libexif disagree on the tag");
    S_REQUIRE((why == NULL) == (ref_why == NULL), "es_orient_read_tag and libexif disagree on the why");
    S_REQUIRE(!why || strcmp(why, ref_why) == 0, "es_orient_read_tag and libexif give different whys");
    return 0;
}
