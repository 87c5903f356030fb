/* huff_encode_fuzz.c - differential fuzz target for src/orient/huff_encode.c:
 * the input chooses a generated photo (layout, size up to 96x96, restart
 * interval, one scan per component or not, tiny destination windows) and the
 * content of every block (tests/orient/huff_enc_util.h's fill: per block a
 * kind - DC only, sparse small values, dense values up to +-1023, extremes,
 * long zero runs - and the values, from the input's bytes); the coefficients
 * are written with libjpeg-turbo's encoder and with huff_encode.c's (its C
 * coding and, where the CPU has it, its AVX-512 one).
 *
 * Target Functions: es_huff_encode_install and the encoder it installs.
 *
 * Invariants (any violation aborts): where huff_encode.c writes the
 * coefficients, its bytes are libjpeg-turbo's; it gives up only when some
 * coefficient's magnitude is beyond 1023 (an AC value of more than 10 bits,
 * or DC values whose difference may need more than 11); it never fails
 * where libjpeg-turbo writes. */
#include <stdio.h>
#include <stdlib.h>

#include "../orient/huff_enc_util.h"
#include "../support/fixture.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct s_src {
    const uint8_t *data;
    size_t size;
    bool big; /* some coefficient's magnitude is beyond 1023 */
} s_src;

static unsigned s_byte(const s_src *s, uint64_t i) { return s->size ? s->data[i % s->size] : 0; }

static void s_fill(void *ctx, uint64_t n, int ci, JDIMENSION row, JDIMENSION col, JCOEF *b)
{
    s_src *s = ctx;
    (void)ci;
    (void)row;
    (void)col;
    uint64_t at = n * 97;
    unsigned kind = s_byte(s, at++) % 6;
    static const JCOEF extremes[] = {1023, -1023, 1024, -1024, 2047, -2048, 32767, -32768, 1, -1, 0, 512};
    for (int k = 0; k < DCTSIZE2; k++) {
        unsigned x = s_byte(s, at), y = s_byte(s, at + 1) << 8 | s_byte(s, at + 2);
        at += 3;
        int v = 0;
        switch (kind) {
        case 0: /* DC only */ v = k == 0 ? (int)(int8_t)x * 8 : 0; break;
        case 1: /* sparse small */ v = x < 48 ? (int)(x % 7) - 3 : 0; break;
        case 2: /* dense, within the limits */ v = (int)(y % 2047) - 1023; break;
        case 3: /* extremes */ v = x < 128 ? extremes[y % (sizeof extremes / sizeof extremes[0])] : 0; break;
        case 4: /* long runs: a value every 16 + x % 48 positions */
            v = k % (16 + (int)(s_byte(s, n * 97) >> 2) % 48) == 0 ? (int)(x % 255) - 127 : 0;
            break;
        default: /* any 16-bit value, mostly zero */ v = x < 16 ? (int)(int16_t)y : 0; break;
        }
        b[k] = (JCOEF)v;
        s->big |= v > 1023 || v < -1023;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 6)
        return 0;
    static const int comps[] = {3, 3, 3, 3, 3, 1, 4}, sampling[] = {0, 422, 444, 440, 411, 0, 0};
    int layout = data[0] % 7;
    es_fixture_opts o = {0};
    o.width = 1 + data[1] % 96;
    o.height = 1 + data[2] % 96;
    o.components = comps[layout];
    o.sampling = sampling[layout];
    o.quality = 90;
    o.seed = 1;
    uint8_t *jpeg = NULL;
    size_t len = 0;
    if (es_fixture_make(&o, &jpeg, &len) != 0)
        abort();
    he_params p = {data[3] % 5, (data[4] & 1) != 0, (data[4] & 2) != 0, 0};
    s_src src = {data + 5, size - 5, false};
    uint8_t *want = NULL;
    size_t want_len = 0;
    he_result rw = he_write(jpeg, len, s_fill, &src, &p, HE_LIBRARY, &want, &want_len);
    for (int impl = ES_HUFF_ENCODE_FAST; rw == HE_OK && impl <= ES_HUFF_ENCODE_PORTABLE; impl++) {
        uint8_t *got = NULL;
        size_t got_len = 0;
        bool big = src.big;
        he_result r = he_write(jpeg, len, s_fill, &src, &p, impl, &got, &got_len);
        if (r == HE_OK && (got_len != want_len || memcmp(got, want, want_len) != 0)) {
            fprintf(stderr, "huff_encode_fuzz: impl %d wrote other bytes than libjpeg-turbo\n", impl);
            abort();
        }
        if (r == HE_GAVE_UP && !big) {
            fprintf(stderr, "huff_encode_fuzz: impl %d gave up on values within the limits\n", impl);
            abort();
        }
        if (r == HE_FAILED) {
            fprintf(stderr, "huff_encode_fuzz: impl %d failed where libjpeg-turbo writes\n", impl);
            abort();
        }
        free(got);
    }
    free(want);
    free(jpeg);
    return 0;
}
