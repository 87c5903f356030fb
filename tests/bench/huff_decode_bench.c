/* huff_decode_bench.c - the Huffman decode alone (not a test): reads a JPEG's
 * coefficients (jpeg_read_coefficients from memory into full arrays, then
 * copied out) with libjpeg-turbo's decoder and with huff_decode.c's,
 * alternating (the arrays' memory kept by malloc between reads, so page
 * faults do not hide the decoding), and prints each one's median thread CPU ms over the rounds and
 * whether the coefficients were equal.
 * Usage: huff_decode_bench FILE.jpg [ROUNDS (default 9)] */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "../orient/huff_util.h"
#include "../support/fixture.h"

static double s_cpu_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int s_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: huff_decode_bench FILE.jpg [ROUNDS]\n");
        return 2;
    }
    mallopt(M_MMAP_THRESHOLD, 1 << 30);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
    int rounds = argc > 2 ? atoi(argv[2]) : 9;
    if (rounds < 1 || rounds > 1000)
        rounds = 9;
    uint8_t *jpeg = NULL;
    size_t len = 0;
    if (es_fixture_read_file(argv[1], &jpeg, &len) != 0) {
        fprintf(stderr, "huff_decode_bench: cannot read %s\n", argv[1]);
        return 1;
    }
    double *t[2] = {calloc((size_t)rounds, sizeof(double)), calloc((size_t)rounds, sizeof(double))};
    int bad = 0;
    for (int i = 0; i < rounds && t[0] && t[1]; i++) {
        hu_coefs c[2];
        hu_result rc[2];
        char msg[JMSG_LENGTH_MAX];
        for (int fast = 0; fast < 2; fast++) {
            double t0 = s_cpu_ms();
            rc[fast] = hu_read(jpeg, len, fast, UINT64_MAX, &c[fast], msg, sizeof msg);
            t[fast][i] = s_cpu_ms() - t0;
        }
        if (rc[0] != HU_OK || rc[1] != HU_OK || !c[1].installed || hu_diff(&c[0], &c[1]) >= 0)
            bad++;
        hu_free(&c[0]);
        hu_free(&c[1]);
    }
    qsort(t[0], (size_t)rounds, sizeof(double), s_cmp);
    qsort(t[1], (size_t)rounds, sizeof(double), s_cmp);
    printf("libjpeg-turbo %.2f ms (min %.2f max %.2f), huff_decode %.2f ms (min %.2f max %.2f), %d of %d rounds "
           "unequal or failed\n",
           t[0][rounds / 2], t[0][0], t[0][rounds - 1], t[1][rounds / 2], t[1][0], t[1][rounds - 1], bad,
           rounds);
    free(t[0]);
    free(t[1]);
    free(jpeg);
    return bad != 0;
}
