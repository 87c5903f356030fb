/* configured_url_test.c - the checks every configured URL passes
 * (src/aws/http/configured_url.c): user info is found where curl would send
 * it (scheme-less URLs too) and refused without showing it; a URL without
 * http:// or https:// is refused, naming the setting and the value. */
#include <string.h>

#include "../../harness/test.h"
#include "aws/http/http.h"

static void test_userinfo_found_where_curl_sends_it(void)
{
    static const struct {
        const char *url;
        bool userinfo;
    } info[] = {
        {"http://u@h", true},         {"https://u:p@h:1/x", true}, {"http://h:9/p@x", false},
        {"http://h?x=@", false},      {"http://h#@", false},       {"u:p@h", true},
        {"https://[::1]:9/@", false}, {"http://:@h", true},        {NULL, false},
    };
    for (size_t i = 0; i < sizeof info / sizeof info[0]; i++)
        if (es_url_has_userinfo(info[i].url) != info[i].userinfo)
            es_test_fail(__FILE__, __LINE__, "es_url_has_userinfo(\"%s\") is not %d",
                         info[i].url ? info[i].url : "(null)", info[i].userinfo);
}

static void test_http_schemes_any_case(void)
{
    CHECK(es_url_is_http("http://h"));
    CHECK(es_url_is_http("HTTPS://h:1/p"));
    CHECK(es_url_is_http("Http://h"));
    CHECK(!es_url_is_http("h:4566"));
    CHECK(!es_url_is_http("ftp://h"));
    CHECK(!es_url_is_http("http:/h"));
    CHECK(!es_url_is_http(""));
    CHECK(!es_url_is_http(NULL));
}

static void test_good_urls_pass(void)
{
    es_error err;
    es_error_clear(&err);
    CHECK_OK(es_url_check_configured("IMDS", "V", "http://169.254.169.254", &err));
    CHECK_OK(es_url_check_configured(NULL, "V", "HTTPS://sqs.eu-west-1.amazonaws.com/1/q", &err));
    CHECK_INT_EQ(err.code, ES_OK);
}

/* user info first: the scheme's message would show the password */
static void test_userinfo_refused_unshown(void)
{
    static const char *const urls[] = {"admin:s3cret@h:4566", "https://admin:s3cret@h", "ftp://admin:s3cret@h"};
    for (size_t i = 0; i < sizeof urls / sizeof urls[0]; i++) {
        es_error err;
        es_error_clear(&err);
        CHECK_INT_EQ(es_url_check_configured("web identity", "AWS_ENDPOINT_URL_STS", urls[i], &err),
                     ES_ERR_CONFIG);
        CHECK_STR_CONTAINS(err.msg, "web identity: AWS_ENDPOINT_URL_STS: a user name or password");
        CHECK_STR_CONTAINS(err.msg, "(value not shown)");
        CHECK(strstr(err.msg, "s3cret") == NULL);
    }
}

static void test_scheme_required_and_value_shown(void)
{
    es_error err;
    es_error_clear(&err);
    CHECK_INT_EQ(es_url_check_configured(NULL, "EXIFSTRIP_QUEUE_URL", "localhost:4566/q", &err), ES_ERR_CONFIG);
    CHECK_STR_EQ(err.msg, "EXIFSTRIP_QUEUE_URL: \"localhost:4566/q\" is not an http:// or https:// URL");
    char long_url[300];
    memset(long_url, 'a', sizeof long_url - 1);
    long_url[sizeof long_url - 1] = '\0';
    es_error_clear(&err);
    CHECK_INT_EQ(es_url_check_configured("ECS", "V", long_url, &err), ES_ERR_CONFIG);
    CHECK_STR_CONTAINS(err.msg, "ECS: V: \"aaaa");
    CHECK_STR_CONTAINS(err.msg, "a...\" is not an http:// or https:// URL");
    CHECK(strlen(err.msg) < 200); /* the value is cut */
    es_error_clear(&err);
    CHECK_INT_EQ(es_url_check_configured("IMDS", "V", NULL, &err), ES_ERR_CONFIG);
    CHECK_STR_EQ(err.msg, "IMDS: V: \"\" is not an http:// or https:// URL");
}

int main(void)
{
    ES_RUN(test_userinfo_found_where_curl_sends_it);
    ES_RUN(test_http_schemes_any_case);
    ES_RUN(test_good_urls_pass);
    ES_RUN(test_userinfo_refused_unshown);
    ES_RUN(test_scheme_required_and_value_shown);
    return es_test_finish();
}
