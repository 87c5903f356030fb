/* huff_decode_fuzz.c - differential fuzz target for src/orient/huff_decode.c:
 * every input is read with jpeg_read_coefficients twice, with libjpeg-turbo's
 * Huffman decoder and with huff_decode.c's in its place (tests/orient/
 * huff_util.h; frames over 16384 blocks are skipped).
 *
 * Target Functions: es_huff_decode_install and the decoder it installs.
 *
 * Invariants (any violation aborts): when huff_decode.c decodes an input,
 * libjpeg-turbo decodes it without a warning and every coefficient is equal;
 * when libjpeg-turbo decodes an input without a warning, huff_decode.c
 * decodes it too or gives up (it never fails otherwise). The inputs it gives
 * up on that libjpeg-turbo decodes silently are the ones huff_decode.h lists:
 * a code longer than 16 bits (libjpeg-turbo's fast path reads it as 0), FF FF
 * 00 as a data byte, and bytes after a scan's or interval's data that
 * libjpeg-turbo's bit buffer had already taken in before the marker. */
#include <stdio.h>
#include <stdlib.h>

#include "../orient/huff_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define S_MAX_BLOCKS 16384u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    hu_coefs slow, fast;
    char msg[JMSG_LENGTH_MAX];
    hu_result rs = hu_read(data, size, false, S_MAX_BLOCKS, &slow, msg, sizeof msg);
    hu_result rf = hu_read(data, size, true, S_MAX_BLOCKS, &fast, msg, sizeof msg);
    if (rs != HU_SKIPPED && rf != HU_SKIPPED) {
        if (rf == HU_OK && fast.installed && (rs != HU_OK || hu_diff(&slow, &fast) >= 0)) {
            fprintf(stderr, "huff_decode_fuzz: decoded %s libjpeg-turbo\n",
                    rs != HU_OK ? "where it fails in" : "other coefficients than");
            abort();
        }
        if (rs == HU_OK && rf == HU_FAILED) {
            fprintf(stderr, "huff_decode_fuzz: failed where libjpeg-turbo decodes: %s\n", msg);
            abort();
        }
        if (rs != HU_OK && rf == HU_OK) {
            fprintf(stderr,
                    "huff_decode_fuzz: libjpeg-turbo fails where the read with huff_decode.c succeeds\n");
            abort();
        }
    }
    hu_free(&slow);
    hu_free(&fast);
    return 0;
}
