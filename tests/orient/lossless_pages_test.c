/* lossless_pages_test.c - the memory a lossless transform writes is
 * populated before it is written (lossless.c, sparse_coefs.c, page_ahead.c):
 * rotating a 3 MP photo takes few page faults (perf's count of this
 * thread's faults; the old code took one for each page of the sparse store,
 * the output and the row buffers, about 1150 here), with the same bytes as
 * tjTransform; so does rotating a source too dense for the sparse store
 * (its whole coefficient array, dense_coefs.c, is populated too). And the
 * output, handed to the encoder window by window, comes out right across
 * windows and when it outgrows its first capacity
 * (a progressive photo of random pixels written baseline: the standard
 * Huffman tables make it about a third longer). The fault bound is not
 * checked under ASan (its allocator) or where perf events are not allowed. */
#include <malloc.h>
#include <stdlib.h>
#include <unistd.h>

#include "../harness/test.h"
#include "../support/fixture.h"
#include "pages_util.h"
#include "tj_oracle.h"

/* The old code took about 1150 faults for this photo, this one 15; with
 * the sparse store not populated ~757, the output ~363, the row buffers ~67. */
#define S_FAULTS_MAX 32

/* Rotates jpeg by 90 degrees (after checking the result against
 * tjTransform) and checks the page faults that took. */
static void s_check_rotation_faults(const char *name, const uint8_t *jpeg, size_t len)
{
    /* as the worker (src/worker/memory.c): every large block a fresh
     * mapping, given back when freed (glibc's default would keep the first
     * transform's blocks in the heap after raising its threshold) */
    mallopt(M_MMAP_THRESHOLD, 128 << 10);
    CHECK_INT_EQ(ot_check_same_as_tj(name, jpeg, len, ES_ORIENT_OP_ROT90, false), 1);
    int counter = ot_fault_counter();
    if (OT_SANITIZED || counter < 0 || !es_test_populate_supported()) {
        if (counter >= 0)
            close(counter);
        SKIP("ASan, no perf events, or no MADV_POPULATE_WRITE");
    }
    es_error err = {0};
    uint8_t *out = NULL;
    size_t out_len = 0;
    long long before = ot_faults(counter);
    es_orient_lossless_job *job = NULL;
    es_err rc = es_orient_lossless(jpeg, len, ES_ORIENT_OP_ROT90, false, &out, &out_len, &job, &err);
    long long after = ot_faults(counter), faults = after - before;
    CHECK_INT_EQ(rc, ES_OK);
    printf("# rotate90 of %s (%zu bytes): %lld page faults\n", name, len, faults);
    CHECK(before >= 0 && after >= 0 && faults <= S_FAULTS_MAX);
    close(counter);
    es_block_free(out);
}

static void test_rotation_takes_few_faults(void)
{
    es_fixture_opts o = {.width = 2048, .height = 1536, .quality = 90, .seed = 7};
    uint8_t *jpeg = NULL;
    size_t len = 0;
    REQUIRE(es_fixture_make(&o, &jpeg, &len) == 0);
    s_check_rotation_faults("2048x1536", jpeg, len);
    free(jpeg);
}

/* A source too dense for the sparse store (random pixels at quality 100,
 * far more than 24 bytes a block) is decoded into a whole array
 * (dense_coefs.c), populated too: libjpeg-turbo's own array, zeroed as the
 * decoder reached it, took ~390 faults here. */
static void test_dense_rotation_takes_few_faults(void)
{
    unsigned long len = 0;
    unsigned char *jpeg = ot_noise_jpeg(1024, 768, TJSAMP_420, 0, &len);
    REQUIRE(jpeg);
    CHECK(len > 24ul * (128 * 96 + 2 * 64 * 48) + 65536); /* past the sparse store's limit */
    s_check_rotation_faults("1024x768 noise", jpeg, len);
    tjFree(jpeg);
}

static void test_output_across_windows_and_grown(void)
{
    unsigned long len = 0;
    unsigned char *jpeg = ot_noise_jpeg(480, 360, TJSAMP_420, TJFLAG_PROGRESSIVE, &len);
    REQUIRE(jpeg);
    unsigned char *ref = NULL;
    unsigned long ref_len = 0;
    REQUIRE(ot_tj_transform(jpeg, len, ES_ORIENT_OP_ROT270, false, &ref, &ref_len) == 0);
    /* past the first capacity (the input's size and an eighth), several windows */
    CHECK(ref_len > len + len / 8 + 4096 && ref_len > 2 * (128u << 10));
    for (int op = ES_ORIENT_OP_NONE; op <= ES_ORIENT_OP_ROT270; op++)
        CHECK_INT_EQ(ot_check_same_as_tj("noise written baseline", jpeg, len, (es_orient_op)op, false), 1);
    tjFree(ref);
    tjFree(jpeg);
}

int main(void)
{
    ES_RUN(test_rotation_takes_few_faults);
    ES_RUN(test_dense_rotation_takes_few_faults);
    ES_RUN(test_output_across_windows_and_grown);
    return es_test_finish();
}
