/* base64_test.c - es_base64_encode (src/common/base64.c): the RFC 4648
 * test vectors (every padding case) with ES_BASE64_SIZE against what is
 * written, and the alphabet's two ends. */
#include <string.h>

#include "../harness/test.h"
#include "common/base64.h"

static void test_rfc4648_vectors(void)
{
    static const char *const in[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    static const char *const want[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
    for (size_t i = 0; i < sizeof in / sizeof in[0]; i++) {
        char out[ES_BASE64_SIZE(6)];
        memset(out, 'x', sizeof out);
        es_base64_encode((const unsigned char *)in[i], strlen(in[i]), out);
        CHECK_STR_EQ(out, want[i]);
        CHECK_INT_EQ(strlen(out) + 1, ES_BASE64_SIZE(strlen(in[i])));
    }
}

static void test_alphabet_ends(void)
{
    static const unsigned char ones[] = {0xFB, 0xFF, 0xBF}, zeros[] = {0, 0, 0};
    char out[ES_BASE64_SIZE(3)];
    es_base64_encode(ones, 3, out);
    CHECK_STR_EQ(out, "+/+/");
    es_base64_encode(zeros, 3, out);
    CHECK_STR_EQ(out, "AAAA");
}

int main(void)
{
    ES_RUN(test_rfc4648_vectors);
    ES_RUN(test_alphabet_ends);
    return es_test_finish();
}
