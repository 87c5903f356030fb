/* url_test.c - S3 request targets (src/aws/s3/url.c, client/client.c URL
 * building): virtual-hosted vs path-style addressing and the encoding of
 * awkward keys, which must equal the path the signer canonicalises. */
#include <stdlib.h>
#include <string.h>

#include "../../harness/test.h"
#include "aws/s3/internal.h"
#include "aws/sigv4/sigv4.h"

static es_creds_provider *s_creds;

static es_s3_client *s_client(const char *region, const char *endpoint, bool path_style)
{
    es_aws_config cfg;
    memset(&cfg, 0, sizeof cfg);
    strcpy(cfg.region, region);
    strcpy(cfg.s3_endpoint, endpoint);
    cfg.s3_path_style = path_style;
    cfg.max_attempts = 3;
    return es_s3_client_new(&cfg, s_creds);
}

static void s_check_url(es_s3_client *c, const char *bucket, const char *key, const char *query,
                        const char *want, int line)
{
    char *url = es_s3_url(c, bucket, key, query);
    if (!url || strcmp(url, want) != 0)
        es_test_fail(__FILE__, line, "url(%s, %s):\n  got:      %s\n  expected: %s", bucket,
                     key ? key : "(null)", url ? url : "(null)", want);
    free(url);
}
#define CHECK_URL(c, b, k, q, want) s_check_url(c, b, k, q, want, __LINE__)

static void test_virtual_hosted(void)
{
    es_s3_client *c = s_client("eu-west-1", "", false);
    REQUIRE(c);
    CHECK_URL(c, "my-bucket", "photo.jpg", NULL, "https://my-bucket.s3.eu-west-1.amazonaws.com/photo.jpg");
    CHECK_URL(c, "my-bucket", NULL, "list-type=2", "https://my-bucket.s3.eu-west-1.amazonaws.com/?list-type=2");
    CHECK_URL(c, "b12", "k", NULL, "https://b12.s3.eu-west-1.amazonaws.com/k");
    /* Not DNS-compatible (or dotted, over https): path-style on the regional endpoint. */
    CHECK_URL(c, "my.bucket", "k", NULL, "https://s3.eu-west-1.amazonaws.com/my.bucket/k");
    CHECK_URL(c, "MyBucket", "k", NULL, "https://s3.eu-west-1.amazonaws.com/MyBucket/k");
    CHECK_URL(c, "my_bucket", "k", NULL, "https://s3.eu-west-1.amazonaws.com/my_bucket/k");
    CHECK_URL(c, "ab", NULL, NULL, "https://s3.eu-west-1.amazonaws.com/ab");
    es_s3_client_free(c);

    c = s_client("cn-north-1", "", false);
    REQUIRE(c);
    CHECK_URL(c, "bkt", "k", NULL, "https://bkt.s3.cn-north-1.amazonaws.com.cn/k");
    es_s3_client_free(c);
}

static void test_path_style(void)
{
    es_s3_client *c = s_client("us-east-1", "", true);
    REQUIRE(c);
    CHECK_URL(c, "my-bucket", "k.jpg", NULL, "https://s3.us-east-1.amazonaws.com/my-bucket/k.jpg");
    es_s3_client_free(c);

    c = s_client("us-east-1", "http://127.0.0.1:4566", false);
    REQUIRE(c);
    CHECK_URL(c, "my-bucket", "k.jpg", NULL, "http://127.0.0.1:4566/my-bucket/k.jpg");
    CHECK_URL(c, "my-bucket", NULL, "list-type=2&prefix=a",
              "http://127.0.0.1:4566/my-bucket?list-type=2&prefix=a");
    es_s3_client_free(c);

    /* Default ports vanish; a base path is kept (without its trailing slash). */
    c = s_client("us-east-1", "HTTP://minio.local:80/s3/", false);
    REQUIRE(c);
    CHECK_URL(c, "b", "k", NULL, "http://minio.local/s3/b/k");
    es_s3_client_free(c);
    c = s_client("us-east-1", "https://[::1]:9000", false);
    REQUIRE(c);
    CHECK_URL(c, "b", "k", NULL, "https://[::1]:9000/b/k");
    es_s3_client_free(c);
}

typedef struct s_key_case {
    const char *key;
    const char *encoded;
} s_key_case;

static const s_key_case s_keys[] = {
    {"with space.jpg", "with%20space.jpg"},
    {"plus+sign.jpg", "plus%2Bsign.jpg"},
    {"100%.jpg", "100%25.jpg"},
    {"what?.jpg", "what%3F.jpg"},
    {"hash#tag.jpg", "hash%23tag.jpg"},
    {"caf\xc3\xa9/\xe5\x86\x99\xe7\x9c\x9f.jpg", "caf%C3%A9/%E5%86%99%E7%9C%9F.jpg"},
    {"a//b.jpg", "a//b.jpg"},
    {"../up.jpg", "../up.jpg"},
    {"a/./b/../c", "a/./b/../c"},
    {"dir/", "dir/"},
    {"/leading", "/leading"},
    {"~tilde-_.x", "~tilde-_.x"},
    {"amp&eq=semi;colon:comma,", "amp%26eq%3Dsemi%3Bcolon%3Acomma%2C"},
    {"quote\"'<>|\\^`{}[]!*()$@", "quote%22%27%3C%3E%7C%5C%5E%60%7B%7D%5B%5D%21%2A%28%29%24%40"},
    {"ctl\x01\x7f", "ctl%01%7F"},
};

static void test_awkward_keys(void)
{
    es_s3_client *vc = s_client("us-east-1", "", false);
    es_s3_client *pc = s_client("us-east-1", "http://localhost:9000", false);
    REQUIRE(vc && pc);
    for (size_t i = 0; i < sizeof s_keys / sizeof s_keys[0]; i++) {
        char want[512];
        snprintf(want, sizeof want, "https://bkt.s3.us-east-1.amazonaws.com/%s", s_keys[i].encoded);
        CHECK_URL(vc, "bkt", s_keys[i].key, NULL, want);
        snprintf(want, sizeof want, "http://localhost:9000/bkt/%s", s_keys[i].encoded);
        CHECK_URL(pc, "bkt", s_keys[i].key, NULL, want);

        /* The path sent is exactly the canonical URI the signer computes (S3 rules). */
        es_s3_target t;
        REQUIRE(es_s3_target_make(pc, "bkt", s_keys[i].key, &t) == ES_OK);
        char *canon = es_sigv4_canonical_uri(t.path, ES_SIGV4_S3_RULES);
        char *sent = es_aws_encode_path("", t.path);
        CHECK(canon && sent);
        if (canon && sent && strcmp(canon, sent) != 0)
            es_test_fail(__FILE__, __LINE__, "key %zu: canonical %s != sent %s", i, canon, sent);
        free(canon);
        free(sent);
        es_s3_target_clean(&t);
    }
    es_s3_client_free(vc);
    es_s3_client_free(pc);
}

static void test_invalid_targets(void)
{
    es_s3_client *c = s_client("us-east-1", "", false);
    REQUIRE(c);
    char longkey[1100];
    memset(longkey, 'k', sizeof longkey - 1);
    longkey[sizeof longkey - 1] = '\0';
    CHECK(es_s3_url(c, "bkt", "", NULL) == NULL);
    CHECK(es_s3_url(c, "", "k", NULL) == NULL);
    CHECK(es_s3_url(c, NULL, "k", NULL) == NULL);
    CHECK(es_s3_url(c, "a/b", "k", NULL) == NULL);
    CHECK(es_s3_url(c, "a\nb", "k", NULL) == NULL);
    CHECK(es_s3_url(c, "bkt", longkey, NULL) == NULL);
    longkey[1024] = '\0';
    char *ok = es_s3_url(c, "bkt", longkey, NULL);
    CHECK(ok != NULL);
    free(ok);
    es_s3_client_free(c);
}

static void test_bucket_dns_rules(void)
{
    static const struct {
        const char *bucket;
        bool https, http;
    } rows[] = {
        {"abc", true, true},
        {"a-b-c", true, true},
        {"123", true, true},
        {"ab", false, false},
        {"a.b.c", false, true},
        {"Abc", false, false},
        {"-abc", false, false},
        {"abc-", false, false},
        {"a..b", false, false},
        {"a.-b", false, false},
        {"a-.b", false, false},
        {"192.168.1.1", false, false},
        {"a_b", false, false},
        {"", false, false},
        {"a234567890123456789012345678901234567890123456789012345678901234", false, false}, /* 64 */
        {"a23456789012345678901234567890123456789012345678901234567890123", true, true},    /* 63 */
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        if (es_s3_bucket_virtual_ok(rows[i].bucket, true) != rows[i].https ||
            es_s3_bucket_virtual_ok(rows[i].bucket, false) != rows[i].http)
            es_test_fail(__FILE__, __LINE__, "bucket \"%s\": wrong verdict", rows[i].bucket);
    }
    CHECK(!es_s3_bucket_virtual_ok(NULL, true));
}

int main(void)
{
    s_creds = es_creds_provider_new_static("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", NULL);
    if (!s_creds)
        return 1;
    ES_RUN(test_virtual_hosted);
    ES_RUN(test_path_style);
    ES_RUN(test_awkward_keys);
    ES_RUN(test_invalid_targets);
    ES_RUN(test_bucket_dns_rules);
    es_creds_provider_release(s_creds);
    return es_test_finish();
}
