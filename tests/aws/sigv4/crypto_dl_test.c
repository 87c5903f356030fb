/* crypto_dl_test.c - libcrypto loaded at run time (src/aws/sigv4/crypto_dl.h): the
 * first use from several threads at once yields one table, every function is
 * resolved and computes known digests (SHA-256, MD5, HMAC-SHA256 of RFC 4231
 * case 2), and a missing or foreign library is refused with ES_ERR_CONFIG and
 * a message naming it. Also covers common/secure.h, its secret helpers. */
#include <stdio.h>
#include <string.h>

#include "aws/sigv4/crypto_dl.h"
#include "common/secure.h"
#include "../../harness/test.h"
#include "../../support/threads.h"

#define S_THREADS 8

static void s_hex(const unsigned char *md, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static const void *s_get(void)
{
    return es_crypto_api_get(NULL);
}

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
#define S_CHECK_FIELD(field, symbol)                                                 \
    if (!cr->field)                                                                  \
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

    n = 0;
    static const char data[] = "what do ya want for nothing?";
    REQUIRE(cr->hmac(cr->sha256(), "Jefe", 4, (const unsigned char *)data, strlen(data), md, &n) != NULL);
    REQUIRE(n == 32);
    s_hex(md, n, hex);
    CHECK_STR_EQ(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
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
    CHECK(api.hmac == cr->hmac); /* the same library, loaded once */
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
    ES_RUN(test_missing_library);
    ES_RUN(test_library_without_crypto);
    ES_RUN(test_open_by_name_and_bad_args);
    ES_RUN(test_secure_zero);
    ES_RUN(test_secure_equal);
    return es_test_finish();
}
