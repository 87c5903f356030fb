/* sign_test.c - unit tests of the SigV4 signer: a few published vectors
 * carried inline (so this runs without ../shared), S3 and non-S3 URI
 * encoding of awkward keys, canonical query and header rules, session
 * tokens, config validation, the signing-key cache (derivation count and
 * thread safety), and that no error message ever carries a secret. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws/sigv4/sigv4.h"
#include "aws/sigv4/internal.h"
#include "../../harness/test.h"
#include "../../support/sigv4_req.h"

#define AKID "AKIDEXAMPLE"
#define SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define T_2015 1440938160LL /* 20150830T123600Z */
#define S3_AKID "AKIAIOSFODNN7EXAMPLE"
#define S3_SECRET "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
#define T_2013 1369353600LL /* 20130524T000000Z */
#define EMPTY_SHA "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

/* Inputs and expected outputs copied from botocore's aws4_testsuite and the
 * Amazon S3 API reference (the same cases live in ../shared/sigv4). */
static const es_test_sigv4_case s_inline_cases[] = {
    {.name = "botocore/get-vanilla",
     .request = "GET / HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z",
     .region = "us-east-1",
     .service = "service",
     .time = T_2015,
     .akid = AKID,
     .secret = SECRET,
     .flags = ES_SIGV4_PATH_ENCODED,
     .creq = "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n" EMPTY_SHA,
     .sts = "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
            "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63",
     .signature = "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
     .authz = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
              "SignedHeaders=host;x-amz-date, "
              "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
    {.name = "botocore/post-x-www-form-urlencoded",
     .request = "POST / HTTP/1.1\nContent-Type:application/x-www-form-urlencoded\n"
                "Host:example.amazonaws.com\nX-Amz-Date:20150830T123600Z\n\nParam1=value1",
     .region = "us-east-1",
     .service = "service",
     .time = T_2015,
     .akid = AKID,
     .secret = SECRET,
     .flags = ES_SIGV4_PATH_ENCODED,
     .creq = "POST\n/\n\ncontent-type:application/x-www-form-urlencoded\nhost:example.amazonaws.com\n"
             "x-amz-date:20150830T123600Z\n\ncontent-type;host;x-amz-date\n"
             "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e",
     .sts = "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
            "42a5e5bb34198acb3e84da4f085bb7927f2bc277ca766e6d19c73c2154021281",
     .signature = "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a",
     .authz = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
              "SignedHeaders=content-type;host;x-amz-date, "
              "Signature=ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a"},
    {.name = "botocore/get-vanilla-query-order-key-case",
     .request = "GET /?Param2=value2&Param1=value1 HTTP/1.1\nHost:example.amazonaws.com\n"
                "X-Amz-Date:20150830T123600Z",
     .region = "us-east-1",
     .service = "service",
     .time = T_2015,
     .akid = AKID,
     .secret = SECRET,
     .flags = ES_SIGV4_PATH_ENCODED,
     .creq = "GET\n/\nParam1=value1&Param2=value2\nhost:example.amazonaws.com\n"
             "x-amz-date:20150830T123600Z\n\nhost;x-amz-date\n" EMPTY_SHA,
     .sts = "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
            "816cd5b414d056048ba4f7c5386d6e0533120fb1fcfa93762cf0fc39e2cf19e0",
     .signature = "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500",
     .authz = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
              "SignedHeaders=host;x-amz-date, "
              "Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"},
    /* S3: raw key, S3 rules add x-amz-content-sha256 themselves. */
    {.name = "aws-docs-s3/get-object-range",
     .request = "GET /test.txt HTTP/1.1\nHost:examplebucket.s3.amazonaws.com\nRange:bytes=0-9\n\n",
     .region = "us-east-1",
     .service = "s3",
     .time = T_2013,
     .akid = S3_AKID,
     .secret = S3_SECRET,
     .flags = ES_SIGV4_S3_RULES,
     .payload_hash = EMPTY_SHA,
     .creq = "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n"
             "x-amz-content-sha256:" EMPTY_SHA "\nx-amz-date:20130524T000000Z\n\n"
             "host;range;x-amz-content-sha256;x-amz-date\n" EMPTY_SHA,
     .sts = "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
            "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972",
     .signature = "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41",
     .authz = "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
              "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
              "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"},
    {.name = "aws-docs-s3/presign-get-object-unsigned-payload",
     .request = "GET /test.txt HTTP/1.1\nHost:examplebucket.s3.amazonaws.com\n\n",
     .region = "us-east-1",
     .service = "s3",
     .time = T_2013,
     .akid = S3_AKID,
     .secret = S3_SECRET,
     .flags = ES_SIGV4_S3_RULES,
     .payload_hash = ES_SIGV4_UNSIGNED_PAYLOAD,
     .presign = 1,
     .expires = 86400,
     .creq = "GET\n/test.txt\nX-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE"
             "%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&"
             "X-Amz-Expires=86400&X-Amz-SignedHeaders=host\nhost:examplebucket.s3.amazonaws.com\n\n"
             "host\nUNSIGNED-PAYLOAD",
     .sts = "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
            "3bfa292879f6447bbcda7001decf97f4a54dc650c8942174ae0a9121cf58ad04",
     .signature = "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"},
};

static void test_inline_vectors(void)
{
    size_t n = sizeof s_inline_cases / sizeof s_inline_cases[0];
    for (size_t i = 0; i < n; i++)
        if (es_test_sigv4_run(&s_inline_cases[i]) != 0)
            es_test_fail(__FILE__, __LINE__, "inline vector %s failed", s_inline_cases[i].name);
    printf("# inline vectors: %zu cases checked\n", n);
}

/* A wrong expectation must be reported (the runner is not vacuous). */
static void test_vector_runner_detects_mismatch(void)
{
    es_test_sigv4_case c = s_inline_cases[0];
    c.signature = "0000000000000000000000000000000000000000000000000000000000000000";
    fprintf(stderr, "(a signature mismatch report follows; it is expected)\n");
    CHECK(es_test_sigv4_run(&c) != 0);
    c = s_inline_cases[0];
    c.secret = "wrong-secret";
    CHECK(es_test_sigv4_run(&c) != 0);
}

static void test_presigned_url_query(void)
{
    es_creds cr = {.access_key_id = S3_AKID, .secret_access_key = S3_SECRET};
    es_sigv4_header h[] = {{"Host", "examplebucket.s3.amazonaws.com"}};
    es_sigv4_request req = {"GET", "/test.txt", NULL, h, 1};
    es_sigv4_config cfg = {.region = "us-east-1",
                           .service = "s3",
                           .date = T_2013,
                           .creds = &cr,
                           .payload_hash = ES_SIGV4_UNSIGNED_PAYLOAD,
                           .flags = ES_SIGV4_S3_RULES,
                           .expires = 86400};
    char *q = NULL;
    es_error err;
    es_error_clear(&err);
    REQUIRE(es_sigv4_presign(&cfg, &req, &q, NULL, &err) == ES_OK);
    /* The documented URL's query, parameter for parameter. */
    CHECK_STR_EQ(q, "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524"
                    "%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&"
                    "X-Amz-SignedHeaders=host&X-Amz-Signature="
                    "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
    free(q);
}

static void s_check_uri(const char *path, unsigned flags, const char *want)
{
    char *got = es_sigv4_canonical_uri(path, flags);
    if (!got || strcmp(got, want) != 0)
        es_test_fail(__FILE__, __LINE__, "canonical URI of \"%s\" (flags %u): got \"%s\", want \"%s\"", path,
                     flags, got ? got : "(null)", want);
    free(got);
}

static void test_s3_key_encoding(void)
{
    const unsigned s3 = ES_SIGV4_S3_RULES;
    s_check_uri("/bucket/my photo.jpg", s3, "/bucket/my%20photo.jpg");
    s_check_uri("/bucket/a+b.jpg", s3, "/bucket/a%2Bb.jpg");
    s_check_uri("/bucket/100%.jpg", s3, "/bucket/100%25.jpg");
    s_check_uri("/bucket/what?.jpg", s3, "/bucket/what%3F.jpg");
    s_check_uri("/bucket/#1.jpg", s3, "/bucket/%231.jpg");
    s_check_uri("/bucket/caf\xc3\xa9.jpg", s3, "/bucket/caf%C3%A9.jpg");
    s_check_uri("/bucket/\xe6\x97\xa5\xe6\x9c\xac/x.jpg", s3, "/bucket/%E6%97%A5%E6%9C%AC/x.jpg");
    s_check_uri("/bucket/a//b.jpg", s3, "/bucket/a//b.jpg");
    s_check_uri("/bucket/../x/./y.jpg", s3, "/bucket/../x/./y.jpg");
    s_check_uri("/bucket/dir/", s3, "/bucket/dir/");
    s_check_uri("/bucket/-_.~AZaz09", s3, "/bucket/-_.~AZaz09");
    s_check_uri("/bucket/a=b&c:d,e;f@g$h!i'j(k)l*m", s3,
                "/bucket/a%3Db%26c%3Ad%2Ce%3Bf%40g%24h%21i%27j%28k%29l%2Am");
    s_check_uri("", s3, "/");
    /* S3 with an already-encoded path: decoded, then encoded once. */
    s_check_uri("/bucket/my%20photo%2Bx.jpg", s3 | ES_SIGV4_PATH_ENCODED, "/bucket/my%20photo%2Bx.jpg");
    s_check_uri("/bucket/a$b", s3 | ES_SIGV4_PATH_ENCODED, "/bucket/a%24b");
}

static void test_other_service_path_rules(void)
{
    /* Raw paths: normalised, then every segment encoded twice. */
    s_check_uri("/my photo.jpg", 0, "/my%2520photo.jpg");
    s_check_uri("/a+b", 0, "/a%252Bb");
    s_check_uri("/100%", 0, "/100%2525");
    s_check_uri("/caf\xc3\xa9", 0, "/caf%25C3%25A9");
    s_check_uri("/\xe6\x97\xa5\xe6\x9c\xac", 0, "/%25E6%2597%25A5%25E6%259C%25AC");
    s_check_uri("//a//b//", 0, "/a/b/");
    s_check_uri("/a/./b/../c", 0, "/a/c");
    s_check_uri("/a/b/../..", 0, "/");
    s_check_uri("/../..", 0, "/");
    s_check_uri("/./", 0, "/");
    s_check_uri("/x/..y/.z", 0, "/x/..y/.z");
    s_check_uri("/dir/", 0, "/dir/");
    /* NO_NORMALIZE keeps the path but still double-encodes. */
    s_check_uri("//a/../b c", ES_SIGV4_NO_NORMALIZE, "//a/../b%2520c");
    /* Wire-form paths are encoded once more. */
    s_check_uri("/example space/", ES_SIGV4_PATH_ENCODED, "/example%20space/");
    s_check_uri("/a%20b/../c", ES_SIGV4_PATH_ENCODED, "/c");
    s_check_uri("/a%20b", ES_SIGV4_PATH_ENCODED, "/a%2520b");
    /* a lone or short "%" stays one (as before the decoder copied runs) */
    s_check_uri("/a%zz%2%41b%", ES_SIGV4_PATH_ENCODED, "/a%25zz%252%2541b%25");
    s_check_uri("/a%zz%2%41b%", ES_SIGV4_S3_RULES | ES_SIGV4_PATH_ENCODED, "/a%25zz%252Ab%25");
}

static void s_check_query(const char *q, const char *want)
{
    char *got = es_sigv4_canonical_query(q);
    if (!got || strcmp(got, want) != 0)
        es_test_fail(__FILE__, __LINE__, "canonical query of \"%s\": got \"%s\", want \"%s\"",
                     q ? q : "(null)", got ? got : "(null)", want);
    free(got);
}

static void test_canonical_query(void)
{
    s_check_query(NULL, "");
    s_check_query("x=%zz%41%&y=%7e", "x=%25zzA%25&y=~");
    s_check_query("", "");
    s_check_query("b=2&a=1&a=0", "a=0&a=1&b=2");
    s_check_query("Param1=value2&Param1=Value1", "Param1=Value1&Param1=value2");
    s_check_query("lifecycle", "lifecycle=");
    s_check_query("uploads&prefix=", "prefix=&uploads=");
    s_check_query("x=a%20b", "x=a%20b");
    s_check_query("x=a+b", "x=a%2Bb");
    s_check_query("k=%2f%7e", "k=%2F~");
    s_check_query("&&a=1&", "a=1");
    s_check_query("p=%zz&q=%4", "p=%25zz&q=%254");
    s_check_query("a=1=2", "a=1%3D2");
    s_check_query("prefix=photos/2024/", "prefix=photos%2F2024%2F");
    s_check_query("%E1%88%B4=x&Z=1&a=2", "%E1%88%B4=x&Z=1&a=2");
    s_check_query("k=\xc3\xa9", "k=%C3%A9");
}

typedef struct s_signed_view {
    const char *authz, *date, *token, *sha;
} s_signed_view;

static s_signed_view s_view(const es_sigv4_signed *s)
{
    s_signed_view v = {0};
    for (size_t i = 0; i < s->header_count; i++) {
        const char *n = s->headers[i].name, *val = s->headers[i].value;
        if (!strcasecmp(n, "authorization"))
            v.authz = val;
        else if (!strcasecmp(n, "x-amz-date"))
            v.date = val;
        else if (!strcasecmp(n, "x-amz-security-token"))
            v.token = val;
        else if (!strcasecmp(n, "x-amz-content-sha256"))
            v.sha = val;
    }
    return v;
}

static void test_canonical_headers_rules(void)
{
    es_creds cr = {.access_key_id = AKID, .secret_access_key = SECRET};
    es_sigv4_header h[] = {{"Host", "example.amazonaws.com"}, {"My-Header1", "  a   b \t c  "},
                           {"User-Agent", "exifstrip/1.0"},   {"my-header1", "second"},
                           {"Content-Type", "text/plain"},    {"X-Amzn-Trace-Id", "Root=1"}};
    es_sigv4_request req = {"PUT", "/", NULL, h, 6};
    es_sigv4_config cfg = {.region = "us-east-1", .service = "service", .date = T_2015, .creds = &cr};
    es_sigv4_signed s;
    es_error err;
    es_error_clear(&err);
    REQUIRE(es_sigv4_sign_headers(&cfg, &req, &s, &err) == ES_OK);
    CHECK_STR_EQ(s.canonical_request,
                 "PUT\n/\n\ncontent-type:text/plain\nhost:example.amazonaws.com\nmy-header1:a b c,second\n"
                 "x-amz-date:20150830T123600Z\n\ncontent-type;host;my-header1;x-amz-date\n" EMPTY_SHA);
    s_signed_view v = s_view(&s);
    CHECK_STR_EQ(v.date, "20150830T123600Z");
    CHECK(v.token == NULL);
    CHECK(v.sha == NULL);
    CHECK_STR_CONTAINS(v.authz, "SignedHeaders=content-type;host;my-header1;x-amz-date, Signature=");
    es_sigv4_signed_clean(&s);

    /* No host, bad name, injected line: refused with a message. */
    es_sigv4_header nohost[] = {{"X-Foo", "1"}};
    es_sigv4_request r2 = {"GET", "/", NULL, nohost, 1};
    es_error_clear(&err);
    CHECK_INT_EQ(es_sigv4_sign_headers(&cfg, &r2, &s, &err), ES_ERR_INVALID_ARG);
    CHECK_STR_CONTAINS(err.msg, "host");
    es_sigv4_header badname[] = {{"Host", "h"}, {"Bad Name", "1"}};
    es_sigv4_request r3 = {"GET", "/", NULL, badname, 2};
    es_error_clear(&err);
    CHECK_INT_EQ(es_sigv4_sign_headers(&cfg, &r3, &s, &err), ES_ERR_INVALID_ARG);
    CHECK_STR_CONTAINS(err.msg, "header name");
    es_sigv4_header inject[] = {{"Host", "h"}, {"X-A", "1\r\nX-Evil: 2"}};
    es_sigv4_request r4 = {"GET", "/", NULL, inject, 2};
    es_error_clear(&err);
    CHECK_INT_EQ(es_sigv4_sign_headers(&cfg, &r4, &s, &err), ES_ERR_INVALID_ARG);
    CHECK_STR_CONTAINS(err.msg, "control character");
    es_sigv4_signed_clean(&s);
}

static void test_s3_signing_adds_content_sha_and_unsigned_payload(void)
{
    es_creds cr = {.access_key_id = S3_AKID, .secret_access_key = S3_SECRET};
    es_sigv4_header h[] = {{"Host", "bucket.s3.us-west-2.amazonaws.com"}};
    es_sigv4_request req = {"GET", "/photos/caf\xc3\xa9 1+1.jpg", "versionId=3%2F4", h, 1};
    es_sigv4_config cfg = {.region = "us-west-2",
                           .service = "s3",
                           .date = T_2013,
                           .creds = &cr,
                           .payload_hash = ES_SIGV4_UNSIGNED_PAYLOAD,
                           .flags = ES_SIGV4_S3_RULES};
    es_sigv4_signed s;
    es_error err;
    es_error_clear(&err);
    REQUIRE(es_sigv4_sign_headers(&cfg, &req, &s, &err) == ES_OK);
    CHECK_STR_EQ(s.canonical_request,
                 "GET\n/photos/caf%C3%A9%201%2B1.jpg\nversionId=3%2F4\n"
                 "host:bucket.s3.us-west-2.amazonaws.com\nx-amz-content-sha256:UNSIGNED-PAYLOAD\n"
                 "x-amz-date:20130524T000000Z\n\nhost;x-amz-content-sha256;x-amz-date\nUNSIGNED-PAYLOAD");
    CHECK_STR_EQ(s_view(&s).sha, "UNSIGNED-PAYLOAD");
    CHECK_INT_EQ(strlen(s.signature), 64);
    es_sigv4_signed_clean(&s);
}

static void test_session_token_modes(void)
{
    es_creds cr = {.access_key_id = AKID, .secret_access_key = SECRET, .session_token = "TOKEN/+="};
    es_sigv4_header h[] = {{"Host", "example.amazonaws.com"}};
    es_sigv4_request req = {"GET", "/", NULL, h, 1};
    es_sigv4_config cfg = {.region = "us-east-1", .service = "service", .date = T_2015, .creds = &cr};
    es_sigv4_signed s;
    es_error err;
    char *q = NULL;
    es_error_clear(&err);

    REQUIRE(es_sigv4_sign_headers(&cfg, &req, &s, &err) == ES_OK);
    CHECK_STR_CONTAINS(s.canonical_request, "\nx-amz-security-token:TOKEN/+=\n");
    CHECK_STR_CONTAINS(s_view(&s).authz, "SignedHeaders=host;x-amz-date;x-amz-security-token,");
    CHECK_STR_EQ(s_view(&s).token, "TOKEN/+=");
    es_sigv4_signed_clean(&s);

    cfg.flags = ES_SIGV4_OMIT_SESSION_TOKEN;
    REQUIRE(es_sigv4_sign_headers(&cfg, &req, &s, &err) == ES_OK);
    CHECK(strstr(s.canonical_request, "security-token") == NULL);
    CHECK_STR_CONTAINS(s_view(&s).authz, "SignedHeaders=host;x-amz-date,");
    CHECK_STR_EQ(s_view(&s).token, "TOKEN/+="); /* still sent, just not signed */
    es_sigv4_signed_clean(&s);

    cfg.flags = 0;
    cfg.expires = 60;
    REQUIRE(es_sigv4_presign(&cfg, &req, &q, &s, &err) == ES_OK);
    CHECK_STR_CONTAINS(s.canonical_request, "&X-Amz-Security-Token=TOKEN%2F%2B%3D&");
    CHECK_STR_CONTAINS(q, "X-Amz-Security-Token=TOKEN%2F%2B%3D");
    CHECK_INT_EQ(s.header_count, 0);
    free(q);
    es_sigv4_signed_clean(&s);

    cfg.flags = ES_SIGV4_OMIT_SESSION_TOKEN;
    REQUIRE(es_sigv4_presign(&cfg, &req, &q, &s, &err) == ES_OK);
    CHECK(strstr(s.canonical_request, "Security-Token") == NULL);
    CHECK_STR_CONTAINS(q, "X-Amz-Security-Token=TOKEN%2F%2B%3D&X-Amz-Signature=");
    free(q);
    es_sigv4_signed_clean(&s);
}

static void test_date_and_hash_helpers(void)
{
    char d[17], h[65];
    es_sigv4_format_date((time_t)T_2015, d);
    CHECK_STR_EQ(d, "20150830T123600Z");
    es_sigv4_format_date((time_t)951782400, d); /* 2000-02-29 */
    CHECK_STR_EQ(d, "20000229T000000Z");
    es_sigv4_sha256_hex("", 0, h);
    CHECK_STR_EQ(h, EMPTY_SHA);
    es_sigv4_sha256_hex("Welcome to Amazon S3.", 21, h);
    CHECK_STR_EQ(h, "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
    char *e = es_sigv4_uri_encode("a b/c~", 6, false);
    CHECK_STR_EQ(e, "a%20b%2Fc~");
    free(e);
    e = es_sigv4_uri_encode("a b/c~", 6, true);
    CHECK_STR_EQ(e, "a%20b/c~");
    free(e);
}

#define SECRET_MARK "SuperSecretKey+DoNotLeak/0123456789abcdefXYZ"
#define TOKEN_MARK "SessionTokenDoNotLeak/ABCDEFGHIJKLMNOPQRSTUV=="

static void s_expect_invalid(const es_sigv4_config *cfg, const es_sigv4_request *req, bool presign,
                             const char *needle, int line)
{
    es_error err;
    es_sigv4_signed s;
    char *q = NULL;
    es_error_clear(&err);
    es_err rc = presign ? es_sigv4_presign(cfg, req, &q, &s, &err) : es_sigv4_sign_headers(cfg, req, &s, &err);
    if (rc == ES_OK)
        es_test_fail(__FILE__, line, "signing succeeded, expected an error containing \"%s\"", needle);
    else if (!strstr(err.msg, needle))
        es_test_fail(__FILE__, line, "error \"%s\" lacks \"%s\"", err.msg, needle);
    if (strstr(err.msg, SECRET_MARK) || strstr(err.msg, TOKEN_MARK))
        es_test_fail(__FILE__, line, "error message leaks a secret");
    free(q);
    es_sigv4_signed_clean(&s);
}

static void test_config_validation(void)
{
    es_creds cr = {.access_key_id = AKID, .secret_access_key = SECRET_MARK, .session_token = TOKEN_MARK};
    es_creds nocreds = {.access_key_id = AKID};
    es_sigv4_header h[] = {{"Host", "h"}};
    es_sigv4_header wrong_date[] = {{"Host", "h"}, {"X-Amz-Date", "20000101T000000Z"}};
    es_sigv4_header wrong_token[] = {{"Host", "h"}, {"X-Amz-Security-Token", "other"}};
    es_sigv4_header wrong_sha[] = {{"Host", "h"}, {"x-amz-content-sha256", EMPTY_SHA}};
    es_sigv4_request req = {"GET", "/", NULL, h, 1};
    const es_sigv4_config good = {.region = "us-east-1", .service = "sqs", .date = T_2015, .creds = &cr};
    es_sigv4_config c;
    es_error err;

    es_error_clear(&err);
    CHECK_OK(es_sigv4_config_validate(&good, &err));
    c = good, c.region = NULL;
    s_expect_invalid(&c, &req, false, "region", __LINE__);
    c = good, c.region = "us/east";
    s_expect_invalid(&c, &req, false, "region", __LINE__);
    c = good, c.service = "";
    s_expect_invalid(&c, &req, false, "service", __LINE__);
    c = good, c.date = 0;
    s_expect_invalid(&c, &req, false, "date", __LINE__);
    c = good, c.creds = NULL;
    s_expect_invalid(&c, &req, false, "no credentials", __LINE__);
    c = good, c.creds = &nocreds;
    s_expect_invalid(&c, &req, false, "secret key", __LINE__);
    c = good, c.payload_hash = "abc";
    s_expect_invalid(&c, &req, false, "payload_hash", __LINE__);
    c = good, c.payload_hash = ES_SIGV4_UNSIGNED_PAYLOAD;
    s_expect_invalid(&c, &req, false, "only accepted by S3", __LINE__);
    c = good, c.flags = 1u << 20;
    s_expect_invalid(&c, &req, false, "unknown flag", __LINE__);
    c = good, c.expires = 604801;
    s_expect_invalid(&c, &req, true, "7-day", __LINE__);
    c = good, c.expires = 0;
    s_expect_invalid(&c, &req, true, "expires", __LINE__);
    c = good;
    es_sigv4_request r = {"GET", "/", NULL, wrong_date, 2};
    s_expect_invalid(&c, &r, false, "x-amz-date", __LINE__);
    r.headers = wrong_token;
    s_expect_invalid(&c, &r, false, "x-amz-security-token header differs", __LINE__);
    r.headers = wrong_sha;
    c.payload_hash = "0000000000000000000000000000000000000000000000000000000000000000";
    s_expect_invalid(&c, &r, false, "x-amz-content-sha256", __LINE__);
    c = good;
    es_sigv4_request badm = {"GE T", "/", NULL, h, 1};
    s_expect_invalid(&c, &badm, false, "method", __LINE__);
    es_creds notoken = {.access_key_id = AKID, .secret_access_key = SECRET_MARK};
    c = good, c.creds = &notoken, c.flags = ES_SIGV4_OMIT_SESSION_TOKEN;
    s_expect_invalid(&c, &req, false, "no session token", __LINE__);
}

/* ---- signing-key cache -------------------------------------------------- */

static void s_sign_once(const char *region, time_t date, char sig[65])
{
    es_creds cr = {.access_key_id = AKID, .secret_access_key = SECRET};
    es_sigv4_header h[] = {{"Host", "example.amazonaws.com"}};
    es_sigv4_request req = {"GET", "/", NULL, h, 1};
    es_sigv4_config cfg = {.region = region, .service = "service", .date = date, .creds = &cr};
    es_sigv4_signed s;
    sig[0] = '\0';
    if (es_sigv4_sign_headers(&cfg, &req, &s, NULL) == ES_OK)
        memcpy(sig, s.signature, 65);
    es_sigv4_signed_clean(&s);
}

static void test_signing_key_cached(void)
{
    char sig[65], first[65];
    es_sigv4_key_cache_reset();
    unsigned long base = es_sigv4_key_derivations();
    s_sign_once("us-east-1", (time_t)T_2015, first);
    CHECK_STR_EQ(first, "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
    for (int i = 0; i < 20; i++) {
        s_sign_once("us-east-1", (time_t)T_2015 + i, sig); /* same day */
        CHECK_INT_EQ(strlen(sig), 64);
    }
    CHECK_INT_EQ(es_sigv4_key_derivations() - base, 1);
    s_sign_once("eu-west-1", (time_t)T_2015, sig);
    CHECK_INT_EQ(es_sigv4_key_derivations() - base, 2);
    s_sign_once("us-east-1", (time_t)T_2015 + 86400, sig); /* next day */
    CHECK_INT_EQ(es_sigv4_key_derivations() - base, 3);
    s_sign_once("us-east-1", (time_t)T_2015, sig);
    CHECK_STR_EQ(sig, first);
    CHECK_INT_EQ(es_sigv4_key_derivations() - base, 3);
    /* A different secret must not hit the cached key. */
    uint8_t k1[32], k2[32];
    CHECK_OK(es_sigv4_signing_key(SECRET, "20150830", "us-east-1", "service", k1));
    CHECK_OK(es_sigv4_signing_key("other", "20150830", "us-east-1", "service", k2));
    CHECK(memcmp(k1, k2, 32) != 0);
    CHECK_INT_EQ(es_sigv4_key_derivations() - base, 4);
}

typedef struct s_thread_arg {
    int id;
    int mismatches;
    char expect[2][65];
} s_thread_arg;

static void *s_sign_thread(void *p)
{
    s_thread_arg *a = p;
    static const char *const regions[2] = {"us-east-1", "ap-south-1"};
    char sig[65];
    for (int i = 0; i < 300; i++) {
        int r = (i + a->id) & 1;
        s_sign_once(regions[r], (time_t)T_2015, sig);
        if (strcmp(sig, a->expect[r]) != 0)
            a->mismatches++;
    }
    return NULL;
}

static void test_signing_key_cache_threads(void)
{
    s_thread_arg args[4];
    pthread_t th[4];
    char ref[2][65];
    s_sign_once("us-east-1", (time_t)T_2015, ref[0]);
    s_sign_once("ap-south-1", (time_t)T_2015, ref[1]);
    es_sigv4_key_cache_reset();
    unsigned long base = es_sigv4_key_derivations();
    for (int i = 0; i < 4; i++) {
        args[i].id = i;
        args[i].mismatches = 0;
        memcpy(args[i].expect, ref, sizeof ref);
        REQUIRE(pthread_create(&th[i], NULL, s_sign_thread, &args[i]) == 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        CHECK_INT_EQ(args[i].mismatches, 0);
    }
    CHECK_INT_EQ(es_sigv4_key_derivations() - base, 2);
}

int main(void)
{
    ES_RUN(test_inline_vectors);
    ES_RUN(test_vector_runner_detects_mismatch);
    ES_RUN(test_presigned_url_query);
    ES_RUN(test_s3_key_encoding);
    ES_RUN(test_other_service_path_rules);
    ES_RUN(test_canonical_query);
    ES_RUN(test_canonical_headers_rules);
    ES_RUN(test_s3_signing_adds_content_sha_and_unsigned_payload);
    ES_RUN(test_session_token_modes);
    ES_RUN(test_date_and_hash_helpers);
    ES_RUN(test_config_validation);
    ES_RUN(test_signing_key_cached);
    ES_RUN(test_signing_key_cache_threads);
    return es_test_finish();
}
