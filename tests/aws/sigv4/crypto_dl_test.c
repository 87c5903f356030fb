/* crypto_dl_test.c - libcrypto loaded at run time (src/aws/sigv4/crypto_dl.h): the
 * first use from several threads at once yields one table, every function is
 * resolved and computes known digests (SHA-256, MD5, also with the digests
 * fetched at load), es_sigv4_hmac gives RFC 4231's HMAC-SHA-256 values, and a missing or foreign library is refused with ES_ERR_CONFIG and
 * a message naming it. Also covers common/secure.h, its secret helpers. */
#include <stdio.h>
#include <string.h>

#include "aws/sigv4/crypto_dl.h"
#include "aws/sigv4/internal.h"
#include "common/secure.h"
#include "../../harness/test.h"
#include "../../support/threads.h"

#define S_THREADS 8

static void s_hex(const unsigned char *md, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static const void *s_get(void) { return es_crypto_api_get(NULL); }

/* Must run first: nothing in this process has loaded the library yet. */
static void test_concurrent_first_use(void)
{
    const void *first = es_test_same_from_threads(s_get, S_THREADS);
    REQUIRE(first != NULL);
    es_error err;
    es_error_clear(&err);
    CHECK(es_crypto_api_get(&err) == first);
    CHECK_INT_EQ(err.code, ES_OK);
}

static void test_every_function_resolved_and_usable(void)
{
    const es_crypto_api *cr = es_crypto_api_get(NULL);
    REQUIRE(cr != NULL);
#define S_CHECK_FIELD(field, symbol) \
    if (!cr->field)                  \
        es_test_fail(__FILE__, __LINE__, "%s was not resolved", #symbol);
    ES_CRYPTO_FUNCTIONS(S_CHECK_FIELD)
#undef S_CHECK_FIELD

    unsigned char md[EVP_MAX_MD_SIZE];
    char hex[2 * EVP_MAX_MD_SIZE + 1];
    unsigned int n = 0;
    REQUIRE(cr->Digest("abc", 3, md, &n, cr->sha256(), NULL) == 1);
    REQUIRE(n == 32);
    s_hex(md, n, hex);
    CHECK_STR_EQ(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");

    n = 0;
    REQUIRE(cr->Digest("abc", 3, md, &n, cr->md5(), NULL) == 1);
    REQUIRE(n == 16);
    s_hex(md, n, hex);
    CHECK_STR_EQ(hex, "900150983cd24fb0d6963f7d28e17f72");

    /* The digests fetched at load give the same values. */
    n = 0;
    REQUIRE(cr->sha256_md != NULL && cr->md5_md != NULL);
    REQUIRE(cr->Digest("abc", 3, md, &n, cr->sha256_md, NULL) == 1);
    s_hex(md, n, hex);
    CHECK_STR_EQ(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    REQUIRE(cr->Digest("abc", 3, md, &n, cr->md5_md, NULL) == 1);
    s_hex(md, n, hex);
    CHECK_STR_EQ(hex, "900150983cd24fb0d6963f7d28e17f72");
}

/* es_sigv4_hmac (two digests over the fetched SHA-256) against RFC 4231's
 * HMAC-SHA-256 test cases 2 (short key), 6 and 7 (131-byte keys, hashed
 * first; case 7's message is longer than a block), a long message and the
 * empty key and message. */
static void test_hmac_rfc4231(void)
{
    uint8_t md[32];
    char hex[65];
    static const char data2[] = "what do ya want for nothing?";
    REQUIRE(es_sigv4_hmac("Jefe", 4, data2, strlen(data2), md));
    s_hex(md, 32, hex);
    CHECK_STR_EQ(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    uint8_t key[131];
    memset(key, 0xaa, sizeof key);
    static const char data6[] = "Test Using Larger Than Block-Size Key - Hash Key First";
    REQUIRE(es_sigv4_hmac(key, sizeof key, data6, strlen(data6), md));
    s_hex(md, 32, hex);
    CHECK_STR_EQ(hex, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
    static const char data7[] = "This is a test using a larger than block-size key and a larger than "
                                "block-size data. The key needs to be hashed before being used by the "
                                "HMAC algorithm.";
    REQUIRE(es_sigv4_hmac(key, sizeof key, data7, strlen(data7), md));
    s_hex(md, 32, hex);
    CHECK_STR_EQ(hex, "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
    /* A message longer than the stack buffer (the heap path); the value is
     * Python's hmac.new(b"k", b"x" * 5000, sha256). */
    static uint8_t big[5000];
    memset(big, 'x', sizeof big);
    REQUIRE(es_sigv4_hmac("k", 1, big, sizeof big, md));
    s_hex(md, 32, hex);
    CHECK_STR_EQ(hex, "68509912bfd7e7a77befbb6195a030b8982953e73c8520bb4d0e4676d51684f5");
    REQUIRE(es_sigv4_hmac("", 0, "", 0, md)); /* empty key and message */
    s_hex(md, 32, hex);
    CHECK_STR_EQ(hex, "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

static void test_missing_library(void)
{
    es_crypto_api api;
    es_error err;
    es_error_clear(&err);
    CHECK_INT_EQ(es_crypto_dl_open("libexifstrip-no-such-library.so.9", &api, &err), ES_ERR_CONFIG);
    CHECK_INT_EQ(err.code, ES_ERR_CONFIG);
    CHECK_STR_CONTAINS(err.msg, "cannot load libexifstrip-no-such-library.so.9");
    CHECK_STR_CONTAINS(err.msg, "libssl3");
}

static void test_library_without_crypto(void)
{
    es_crypto_api api;
    es_error err;
    es_error_clear(&err);
    CHECK_INT_EQ(es_crypto_dl_open("libm.so.6", &api, &err), ES_ERR_CONFIG);
    CHECK_STR_CONTAINS(err.msg, "libm.so.6 lacks EVP_Digest (libcrypto too old?)");
}

static void test_open_by_name_and_bad_args(void)
{
    es_crypto_api api;
    memset(&api, 0, sizeof api);
    CHECK_OK(es_crypto_dl_open(ES_CRYPTO_LIBRARY, &api, NULL));
    const es_crypto_api *cr = es_crypto_api_get(NULL);
    REQUIRE(cr != NULL);
    CHECK(api.Digest == cr->Digest); /* the same library, loaded once */
    CHECK_INT_EQ(es_crypto_dl_open(NULL, &api, NULL), ES_ERR_INVALID_ARG);
    CHECK_INT_EQ(es_crypto_dl_open(ES_CRYPTO_LIBRARY, NULL, NULL), ES_ERR_INVALID_ARG);
}

static void test_secure_zero(void)
{
    unsigned char buf[19];
    memset(buf, 0xA5, sizeof buf);
    es_secure_zero(buf + 1, sizeof buf - 2);
    CHECK_INT_EQ(buf[0], 0xA5);
    CHECK_INT_EQ(buf[sizeof buf - 1], 0xA5);
    for (size_t i = 1; i + 1 < sizeof buf; i++)
        CHECK_INT_EQ(buf[i], 0);
    es_secure_zero(NULL, 0); /* allowed */
}

static void test_secure_equal(void)
{
    unsigned char a[32], b[32];
    for (int i = 0; i < 32; i++)
        a[i] = b[i] = (unsigned char)(i * 7);
    CHECK(es_secure_equal(a, b, 32));
    CHECK(es_secure_equal(a, b, 0));
    b[0] ^= 1;
    CHECK(!es_secure_equal(a, b, 32));
    b[0] ^= 1;
    b[31] ^= 0x80;
    CHECK(!es_secure_equal(a, b, 32));
    CHECK(es_secure_equal(a, b, 31));
}

int main(void)
{
    ES_RUN(test_concurrent_first_use);
    ES_RUN(test_every_function_resolved_and_usable);
    ES_RUN(test_hmac_rfc4231);
    ES_RUN(test_missing_library);
    ES_RUN(test_library_without_crypto);
    ES_RUN(test_open_by_name_and_bad_args);
    ES_RUN(test_secure_zero);
    ES_RUN(test_secure_equal);
    return es_test_finish();
}
