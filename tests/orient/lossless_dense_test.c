/* lossless_dense_test.c - a sequential source whose blocks are nearly all
 * dense (random pixels at quality 100) overflows the sparse coefficient
 * store that lossless.c decodes sequential sources into (its limit is the
 * full array's size less the row buffer and index); the transform then
 * starts again with the full array and still writes tjTransform's bytes,
 * for every operation and sampling. */
#include <stdlib.h>
#include <string.h>

#include "../harness/test.h"
#include "tj_oracle.h"

/* Random pixels compressed at quality 100 (small enough to be tried with
 * the sparse store: lossless.c keeps the full array for large dense files). */
static unsigned char *s_noise_jpeg(int w, int h, int subsamp, unsigned long *len)
{
    unsigned char *pix = malloc((size_t)w * h * 3);
    if (!pix)
        return NULL;
    uint32_t x = 2463534242u;
    for (size_t i = 0; i < (size_t)w * h * 3; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        pix[i] = (unsigned char)x;
    }
    tjhandle tj = tjInitCompress();
    unsigned char *jpeg = NULL;
    *len = 0;
    if (tj && tjCompress2(tj, pix, w, 0, h, TJPF_RGB, &jpeg, len, subsamp, 100, 0) != 0) {
        tjFree(jpeg);
        jpeg = NULL;
    }
    if (tj)
        tjDestroy(tj);
    free(pix);
    return jpeg;
}

static void test_dense_source_falls_back_to_the_full_array(void)
{
    static const int samplings[] = {TJSAMP_444, TJSAMP_420, TJSAMP_GRAY};
    for (size_t s = 0; s < sizeof samplings / sizeof samplings[0]; s++) {
        unsigned long len = 0;
        unsigned char *jpeg = s_noise_jpeg(72, 56, samplings[s], &len);
        REQUIRE(jpeg);
        for (int op = 1; op < 8; op++)
            CHECK_INT_EQ(ot_check_same_as_tj("dense noise", jpeg, len, (es_orient_op)op, false), 1);
        tjFree(jpeg);
    }
}

int main(void)
{
    ES_RUN(test_dense_source_falls_back_to_the_full_array);
    return es_test_finish();
}
