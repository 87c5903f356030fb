/* digest_stream_test.c - streamed SHA-256 and SHA-1 (src/aws/sigv4/digest_stream.h):
 * known digests in base64 as S3 states them, the same however the bytes are
 * cut into pieces (empty ones included), the empty input, and the misuse
 * refusals (update before begin, begin twice); end is safe on any state. */
#include <string.h>

#include "aws/sigv4/digest_stream.h"
#include "../../harness/test.h"

static void s_digest_in_pieces(es_digest_kind kind, const unsigned char *data, size_t len, size_t step,
                               char out[ES_DIGEST_BASE64_SIZE])
{
    es_digest_stream d = {0};
    REQUIRE(es_digest_stream_begin(&d, kind) == ES_OK);
    for (size_t at = 0; at < len; at += step) {
        size_t n = len - at < step ? len - at : step;
        CHECK_OK(es_digest_stream_update(&d, data + at, n));
        CHECK_OK(es_digest_stream_update(&d, data + at, 0));
    }
    CHECK_OK(es_digest_stream_finish_base64(&d, out));
    CHECK(d.ctx == NULL);
}

static void test_known_digests(void)
{
    char out[ES_DIGEST_BASE64_SIZE];
    s_digest_in_pieces(ES_DIGEST_SHA256, (const unsigned char *)"abc", 3, 1, out);
    CHECK_STR_EQ(out, "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=");
    s_digest_in_pieces(ES_DIGEST_SHA1, (const unsigned char *)"abc", 3, 2, out);
    CHECK_STR_EQ(out, "qZk+NkcGgWq6PiVxeFDCbJzQ2J0=");
    s_digest_in_pieces(ES_DIGEST_SHA256, (const unsigned char *)"", 0, 1, out);
    CHECK_STR_EQ(out, "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
}

static void test_any_cut_gives_the_same_digest(void)
{
    static unsigned char data[256 * 40];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (unsigned char)i;
    static const size_t steps[] = {1, 63, 64, 65, 4096, sizeof data};
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        char out[ES_DIGEST_BASE64_SIZE];
        s_digest_in_pieces(ES_DIGEST_SHA256, data, sizeof data, steps[i], out);
        CHECK_STR_EQ(out, "6WdgqHdocXvOvP0l3cfUa028laSwAU3vCAwIU599kNA=");
        s_digest_in_pieces(ES_DIGEST_SHA1, data, sizeof data, steps[i], out);
        CHECK_STR_EQ(out, "NoEumfLVkcURSnsJUZ6p19q6I4A=");
    }
}

static void test_misuse_refused(void)
{
    es_digest_stream d = {0};
    char out[ES_DIGEST_BASE64_SIZE];
    CHECK_INT_EQ(es_digest_stream_update(&d, "x", 1), ES_ERR_INVALID_ARG);
    CHECK_INT_EQ(es_digest_stream_finish_base64(&d, out), ES_ERR_INVALID_ARG);
    es_digest_stream_end(&d);
    REQUIRE(es_digest_stream_begin(&d, ES_DIGEST_SHA256) == ES_OK);
    CHECK_INT_EQ(es_digest_stream_begin(&d, ES_DIGEST_SHA1), ES_ERR_INVALID_ARG);
    es_digest_stream_end(&d); /* unfinished: freed */
    CHECK(d.ctx == NULL);
    es_digest_stream_end(&d);
    es_digest_stream_end(NULL);
}

int main(void)
{
    ES_RUN(test_known_digests);
    ES_RUN(test_any_cut_gives_the_same_digest);
    ES_RUN(test_misuse_refused);
    return es_test_finish();
}
