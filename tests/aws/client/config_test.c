/* config_test.c - es_aws_config_from_env (src/aws/client/config.c) and endpoint
 * parsing (src/aws/client/endpoint.c): precedence of the variables, defaults, and
 * errors that name the variable at fault. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../harness/test.h"
#include "aws/client/client.h"
#include "aws/client/config.h"

static const char *const s_vars[] = {
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_MAX_ATTEMPTS",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_S3",
    "AWS_ENDPOINT_URL_SQS",
    "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
    "AWS_USE_FIPS_ENDPOINT",
    "AWS_USE_DUALSTACK_ENDPOINT",
    "EXIFSTRIP_S3_PATH_STYLE",
    "AWS_CA_BUNDLE",
};
static char s_dir[64];

/* A clean environment whose shared config files do not exist. */
static void s_reset_env(void)
{
    for (size_t i = 0; i < sizeof s_vars / sizeof s_vars[0]; i++)
        unsetenv(s_vars[i]);
    char path[128];
    snprintf(path, sizeof path, "%s/none-config", s_dir);
    setenv("AWS_CONFIG_FILE", path, 1);
    snprintf(path, sizeof path, "%s/none-credentials", s_dir);
    setenv("AWS_SHARED_CREDENTIALS_FILE", path, 1);
    setenv("HOME", s_dir, 1);
}

/* Loads the config and expects failure whose message names var (and does
 * not repeat hidden, when given). */
static void s_expect_error(const char *var, const char *hidden, int line)
{
    es_aws_config cfg;
    es_error err;
    es_error_clear(&err);
    es_err rc = es_aws_config_from_env(&cfg, &err);
    if (rc != ES_ERR_CONFIG || err.code != ES_ERR_CONFIG || !strstr(err.msg, var))
        es_test_fail(__FILE__, line, "expected ES_ERR_CONFIG naming %s, got %s \"%s\"", var, es_errname(rc),
                     err.msg);
    if (hidden && strstr(err.msg, hidden))
        es_test_fail(__FILE__, line, "the message repeats \"%s\": %s", hidden, err.msg);
}
#define EXPECT_ERROR(var) s_expect_error(var, NULL, __LINE__)
#define EXPECT_ERROR_HIDING(var, hidden) s_expect_error(var, hidden, __LINE__)

static es_err s_load(es_aws_config *cfg)
{
    es_error err;
    es_error_clear(&err);
    es_err rc = es_aws_config_from_env(cfg, &err);
    if (rc != ES_OK)
        fprintf(stderr, "  config: %s\n", err.msg);
    return rc;
}

static void test_defaults(void)
{
    s_reset_env();
    setenv("AWS_REGION", "eu-central-1", 1);
    es_aws_config cfg;
    REQUIRE(s_load(&cfg) == ES_OK);
    CHECK_STR_EQ(cfg.region, "eu-central-1");
    CHECK_STR_EQ(cfg.s3_endpoint, "");
    CHECK_STR_EQ(cfg.sqs_endpoint, "");
    CHECK(!cfg.s3_path_style);
    CHECK_INT_EQ(cfg.max_attempts, 3);
    CHECK_INT_EQ(cfg.connect_timeout_ms, 3000);
    CHECK_INT_EQ(cfg.low_speed_time_s, 30);
    CHECK_STR_EQ(cfg.ca_bundle, "");
}

static void test_region_precedence(void)
{
    s_reset_env();
    EXPECT_ERROR("AWS_REGION");
    setenv("AWS_DEFAULT_REGION", "us-west-2", 1);
    es_aws_config cfg;
    REQUIRE(s_load(&cfg) == ES_OK);
    CHECK_STR_EQ(cfg.region, "us-west-2");
    setenv("AWS_REGION", "ap-southeast-2", 1);
    REQUIRE(s_load(&cfg) == ES_OK);
    CHECK_STR_EQ(cfg.region, "ap-southeast-2");
    setenv("AWS_REGION", "", 1); /* empty counts as unset */
    REQUIRE(s_load(&cfg) == ES_OK);
    CHECK_STR_EQ(cfg.region, "us-west-2");
    setenv("AWS_REGION", "US East 1", 1);
    EXPECT_ERROR("AWS_REGION");
    unsetenv("AWS_REGION");
    setenv("AWS_DEFAULT_REGION", "eu-west-1/../x", 1);
    EXPECT_ERROR("AWS_DEFAULT_REGION");
    setenv("AWS_DEFAULT_REGION", "-bad", 1);
    EXPECT_ERROR("AWS_DEFAULT_REGION");
    /* the SDKs' global pseudo-regions are no region (sqs.aws-global.amazonaws.com is no host) */
    setenv("AWS_DEFAULT_REGION", "aws-global", 1);
    EXPECT_ERROR("names global endpoints");
    setenv("AWS_REGION", "aws-us-gov-global", 1);
    EXPECT_ERROR("AWS_REGION");
}

static void test_region_from_profile(void)
{
    s_reset_env();
    char path[128];
    snprintf(path, sizeof path, "%s/config", s_dir);
    FILE *f = fopen(path, "w");
    REQUIRE(f);
    fputs("[default]\nregion = sa-east-1\n\n[profile other]\nregion=ca-central-1\n", f);
    fclose(f);
    setenv("AWS_CONFIG_FILE", path, 1);
    es_aws_config cfg;
    REQUIRE(s_load(&cfg) == ES_OK);
    CHECK_STR_EQ(cfg.region, "sa-east-1");
    setenv("AWS_PROFILE", "other", 1);
    REQUIRE(s_load(&cfg) == ES_OK);
    CHECK_STR_EQ(cfg.region, "ca-central-1");
    setenv("AWS_REGION", "us-east-2", 1); /* the environment wins */
    REQUIRE(s_load(&cfg) == ES_OK);
    CHECK_STR_EQ(cfg.region, "us-east-2");
    unlink(path);
}

static void test_max_attempts(void)
{
    s_reset_env();
    setenv("AWS_REGION", "us-east-1", 1);
    es_aws_config cfg;
    setenv("AWS_MAX_ATTEMPTS", "1", 1);
    REQUIRE(s_load(&cfg) == ES_OK);
    CHECK_INT_EQ(cfg.max_attempts, 1);
    setenv("AWS_MAX_ATTEMPTS", "20", 1);
    REQUIRE(s_load(&cfg) == ES_OK);
    CHECK_INT_EQ(cfg.max_attempts, 20);
    static const char *const bad[] = {"0", "21", "-1", "abc", "5x", " 5", "99999999999999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        setenv("AWS_MAX_ATTEMPTS", bad[i], 1);
        EXPECT_ERROR("AWS_MAX_ATTEMPTS");
    }
}

static void test_endpoint_precedence(void)
{
    s_reset_env();
    setenv("AWS_REGION", "us-east-1", 1);
    es_aws_config cfg;
    setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:4566", 1);
    REQUIRE(s_load(&cfg) == ES_OK);
    CHECK_STR_EQ(cfg.s3_endpoint, "http://127.0.0.1:4566");
    CHECK_STR_EQ(cfg.sqs_endpoint, "http://127.0.0.1:4566");
    setenv("AWS_ENDPOINT_URL_S3", "http://s3.local:9000", 1);
    REQUIRE(s_load(&cfg) == ES_OK);
    CHECK_STR_EQ(cfg.s3_endpoint, "http://s3.local:9000");
    CHECK_STR_EQ(cfg.sqs_endpoint, "http://127.0.0.1:4566");
    setenv("AWS_ENDPOINT_URL_SQS", "https://sqs.local", 1);
    REQUIRE(s_load(&cfg) == ES_OK);
    CHECK_STR_EQ(cfg.sqs_endpoint, "https://sqs.local");
    setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true", 1);
    REQUIRE(s_load(&cfg) == ES_OK);
    CHECK_STR_EQ(cfg.s3_endpoint, "");
    CHECK_STR_EQ(cfg.sqs_endpoint, "");
    unsetenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
    setenv("AWS_ENDPOINT_URL_S3", "ftp://s3.local", 1);
    EXPECT_ERROR("AWS_ENDPOINT_URL_S3");
    unsetenv("AWS_ENDPOINT_URL_S3");
    setenv("AWS_ENDPOINT_URL_SQS", "http://user:Sup3rS3cretPw@host", 1);
    EXPECT_ERROR_HIDING("AWS_ENDPOINT_URL_SQS", "Sup3rS3cretPw");
    unsetenv("AWS_ENDPOINT_URL_SQS");
    setenv("AWS_ENDPOINT_URL", "localhost:4566", 1);
    EXPECT_ERROR("AWS_ENDPOINT_URL");
}

/* Loads the config (which must succeed) and expects service's endpoint check
 * to fail naming what (ES_OK: to pass). */
static void s_expect_endpoint_check(const char *service, const char *what, int line)
{
    es_aws_config cfg;
    es_error err;
    es_error_clear(&err);
    if (s_load(&cfg) != ES_OK) {
        es_test_fail(__FILE__, line, "the config did not load");
        return;
    }
    es_err rc = es_aws_config_check_endpoint(&cfg, service, &err);
    if (!what && rc != ES_OK)
        es_test_fail(__FILE__, line, "%s: expected ES_OK, got %s \"%s\"", service, es_errname(rc), err.msg);
    if (what && (rc != ES_ERR_CONFIG || !strstr(err.msg, what)))
        es_test_fail(__FILE__, line, "%s: expected ES_ERR_CONFIG naming %s, got %s \"%s\"", service, what,
                     es_errname(rc), err.msg);
}
#define EXPECT_ENDPOINT_REFUSED(service, what) s_expect_endpoint_check(service, what, __LINE__)
#define EXPECT_ENDPOINT_OK(service) s_expect_endpoint_check(service, NULL, __LINE__)

/* Writes the shared config file (AWS_CONFIG_FILE names it) after s_reset_env. */
static void s_config_file(const char *text)
{
    char path[128];
    snprintf(path, sizeof path, "%s/config", s_dir);
    s_reset_env();
    FILE *f = fopen(path, "w");
    REQUIRE(f);
    fputs(text, f);
    fclose(f);
    setenv("AWS_CONFIG_FILE", path, 1);
}

/* FIPS and dual-stack endpoints (environment or profile) are not chosen by
 * exifstrip: a service used without an endpoint configured would silently
 * reach the standard AWS host, so that is refused naming the setting and
 * the variable to set, for that service only; "false", and an endpoint set
 * for the service (which wins in the SDKs too), are fine. */
static void test_endpoint_variants_not_chosen(void)
{
    static const char *const vars[] = {"AWS_USE_FIPS_ENDPOINT", "AWS_USE_DUALSTACK_ENDPOINT"};
    for (size_t i = 0; i < 2; i++) {
        s_reset_env();
        setenv("AWS_REGION", "us-gov-west-1", 1);
        setenv(vars[i], "false", 1);
        EXPECT_ENDPOINT_OK("s3");
        EXPECT_ENDPOINT_OK("sqs");
        setenv(vars[i], "TRUE", 1);
        EXPECT_ENDPOINT_REFUSED("s3", vars[i]);
        EXPECT_ENDPOINT_REFUSED("sqs", "AWS_ENDPOINT_URL_SQS");
        setenv("AWS_ENDPOINT_URL_S3", "https://s3-fips.us-gov-west-1.amazonaws.com", 1);
        EXPECT_ENDPOINT_OK("s3"); /* a command using only S3 may run */
        EXPECT_ENDPOINT_REFUSED("sqs", "AWS_ENDPOINT_URL_SQS");
        setenv("AWS_ENDPOINT_URL_SQS", "https://sqs.us-gov-west-1.amazonaws.com", 1);
        EXPECT_ENDPOINT_OK("sqs");
    }
    s_reset_env();
    setenv("AWS_REGION", "us-east-1", 1);
    setenv("AWS_USE_FIPS_ENDPOINT", "true", 1);
    EXPECT_ENDPOINT_REFUSED("sqs", "https://sqs-fips.us-east-1.amazonaws.com");
    /* AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true ignores the variable to set: named */
    setenv("AWS_ENDPOINT_URL_S3", "https://s3-fips.us-east-1.amazonaws.com", 1);
    setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true", 1);
    EXPECT_ENDPOINT_REFUSED("s3", "unset AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
    static const struct {
        const char *text, *named;
    } profiles[] = {
        {"[default]\nregion = us-east-1\nuse_fips_endpoint = true\n", "use_fips_endpoint"},
        {"[default]\nregion = us-east-1\nuse_dualstack_endpoint = True\n", "use_dualstack_endpoint"},
    };
    for (size_t i = 0; i < sizeof profiles / sizeof profiles[0]; i++) {
        s_config_file(profiles[i].text);
        EXPECT_ENDPOINT_REFUSED("s3", profiles[i].named);
        setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:4566", 1); /* a configured endpoint wins */
        EXPECT_ENDPOINT_OK("s3");
        EXPECT_ENDPOINT_OK("sqs");
    }
    /* ... the profile's endpoint_url too */
    s_config_file("[default]\nregion = us-east-1\nuse_fips_endpoint = true\nendpoint_url = http://h:1\n");
    EXPECT_ENDPOINT_OK("s3");
    setenv("AWS_USE_FIPS_ENDPOINT", "false", 1); /* the environment wins over the profile */
    setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true", 1);
    EXPECT_ENDPOINT_OK("s3");
    /* the profile's ignore_configured_endpoint_urls ignores the variable to set as well: named */
    s_config_file("[default]\nregion = us-east-1\nuse_fips_endpoint = true\n"
                  "ignore_configured_endpoint_urls = true\n");
    setenv("AWS_ENDPOINT_URL_S3", "https://s3-fips.us-east-1.amazonaws.com", 1);
    EXPECT_ENDPOINT_REFUSED("s3", "set AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=false (the AWS profile's");
    setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "false", 1);
    EXPECT_ENDPOINT_OK("s3");
}

/* The true/false settings that decide where requests go take true or false
 * (any case) only: "1" or "yes" is refused naming the setting, in the
 * environment and in the profile, rather than read as false. */
static void test_endpoint_flags_are_true_or_false(void)
{
    static const char *const vars[] = {"AWS_USE_FIPS_ENDPOINT", "AWS_USE_DUALSTACK_ENDPOINT",
                                       "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"};
    static const char *const keys[] = {"use_fips_endpoint", "use_dualstack_endpoint",
                                       "ignore_configured_endpoint_urls"};
    es_aws_config cfg;
    for (size_t i = 0; i < 3; i++) {
        s_reset_env();
        setenv("AWS_REGION", "us-east-1", 1);
        setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:4566", 1);
        setenv(vars[i], "False", 1);
        REQUIRE(s_load(&cfg) == ES_OK);
        setenv(vars[i], "1", 1);
        EXPECT_ERROR(vars[i]);
        setenv(vars[i], "yes", 1);
        EXPECT_ERROR(vars[i]);
        char text[160];
        snprintf(text, sizeof text, "[default]\nregion = us-east-1\n%s = on\n", keys[i]);
        s_config_file(text);
        setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:4566", 1);
        EXPECT_ERROR(keys[i]);
        snprintf(text, sizeof text, "[default]\nregion = us-east-1\n%s = FALSE\n", keys[i]);
        s_config_file(text);
        REQUIRE(s_load(&cfg) == ES_OK);
        /* the value read last counts, as for any key: the config file's over
         * the credentials file's, a later line over an earlier one */
        char path[128];
        snprintf(path, sizeof path, "%s/credentials", s_dir);
        FILE *f = fopen(path, "w");
        REQUIRE(f);
        fprintf(f, "[default]\n%s = on\n", keys[i]);
        fclose(f);
        setenv("AWS_SHARED_CREDENTIALS_FILE", path, 1);
        setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:4566", 1);
        if (s_load(&cfg) != ES_OK)
            es_test_fail(__FILE__, __LINE__,
                         "%s: the credentials file's \"on\" under the config file's "
                         "FALSE was refused",
                         keys[i]);
        unlink(path);
        snprintf(text, sizeof text, "[default]\nregion = us-east-1\n%s = on\n%s = false\n", keys[i], keys[i]);
        s_config_file(text);
        setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:4566", 1);
        REQUIRE(s_load(&cfg) == ES_OK);
        snprintf(text, sizeof text, "[default]\nregion = us-east-1\n%s = false\n%s = 1\n", keys[i], keys[i]);
        s_config_file(text);
        setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:4566", 1);
        EXPECT_ERROR(keys[i]);
        /* another key still wrong is still refused, named */
        snprintf(text, sizeof text, "[default]\nregion = us-east-1\n%s = 1\n%s = yes\n%s = true\n",
                 keys[(i + 1) % 3], keys[i], keys[i]);
        s_config_file(text);
        setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:4566", 1);
        EXPECT_ERROR(keys[(i + 1) % 3]);
    }
}

/* Loads the config, which must succeed, expecting these endpoints. */
static void s_expect_endpoints(const char *s3, const char *sqs, int line)
{
    es_aws_config cfg;
    if (s_load(&cfg) != ES_OK) {
        es_test_fail(__FILE__, line, "the config did not load");
        return;
    }
    if (strcmp(cfg.s3_endpoint, s3) || strcmp(cfg.sqs_endpoint, sqs))
        es_test_fail(__FILE__, line, "endpoints s3 \"%s\" sqs \"%s\", expected \"%s\" and \"%s\"",
                     cfg.s3_endpoint, cfg.sqs_endpoint, s3, sqs);
}
#define EXPECT_ENDPOINTS(s3, sqs) s_expect_endpoints(s3, sqs, __LINE__)

/* A profile's endpoint_url and its services section are used as the SDKs use
 * them: AWS_ENDPOINT_URL_<SERVICE> > AWS_ENDPOINT_URL > the services
 * section's block for the service > endpoint_url; all of them ignored when
 * AWS_IGNORE_CONFIGURED_ENDPOINT_URLS (else the profile's
 * ignore_configured_endpoint_urls) is true. Bad ones are refused naming
 * where they came from. */
static void test_profile_endpoints(void)
{
    s_config_file("[default]\nregion = us-east-1\nendpoint_url = http://127.0.0.1:4566\n");
    EXPECT_ENDPOINTS("http://127.0.0.1:4566", "http://127.0.0.1:4566");
    setenv("AWS_ENDPOINT_URL", "http://env:1", 1);
    EXPECT_ENDPOINTS("http://env:1", "http://env:1");
    setenv("AWS_ENDPOINT_URL_SQS", "http://sqs-env:2", 1);
    EXPECT_ENDPOINTS("http://env:1", "http://sqs-env:2");
    setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "TRUE", 1);
    EXPECT_ENDPOINTS("", "");

    static const char services[] = "[profile local]\n"
                                   "region = eu-west-1\n"
                                   "endpoint_url = http://everything:3\n"
                                   "services = here\n"
                                   "s3 =\n"
                                   "  endpoint_url = http://profile-nested-not-read:9\n"
                                   "[services elsewhere]\n"
                                   "s3 =\n"
                                   "  endpoint_url = http://other-section:9\n"
                                   "[services  here]\n"
                                   "dynamodb =\n"
                                   "  endpoint_url = http://dynamo:8000\n"
                                   "s3 =\n"
                                   "  addressing_style = path\n"
                                   "  endpoint_url = http://s3-here:4\n";
    s_config_file(services);
    setenv("AWS_PROFILE", "local", 1);
    EXPECT_ENDPOINTS("http://s3-here:4", "http://everything:3");
    setenv("AWS_ENDPOINT_URL_S3", "http://s3-env:5", 1);
    EXPECT_ENDPOINTS("http://s3-env:5", "http://everything:3");

    /* a section naming only other services: the standard endpoints, no refusal */
    s_config_file("[default]\nregion = us-east-1\nservices = dyn\n[services dyn]\ndynamodb =\n"
                  "  endpoint_url = http://dynamo:8000\n");
    EXPECT_ENDPOINTS("", "");
    /* a section named but absent: refused (as the SDKs do) unless the environment sets both */
    s_config_file("[default]\nregion = us-east-1\nservices = missing\n");
    EXPECT_ERROR("[services missing]");
    setenv("AWS_ENDPOINT_URL", "http://env:1", 1);
    EXPECT_ENDPOINTS("http://env:1", "http://env:1");

    /* the profile's ignore_configured_endpoint_urls ignores the environment's too ... */
    s_config_file("[default]\nregion = us-east-1\nendpoint_url = http://h:1\n"
                  "ignore_configured_endpoint_urls = true\n");
    setenv("AWS_ENDPOINT_URL_S3", "http://s3-env:5", 1);
    EXPECT_ENDPOINTS("", "");
    /* ... and the variable overrides it either way */
    setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "false", 1);
    EXPECT_ENDPOINTS("http://s3-env:5", "http://h:1");

    s_config_file("[default]\nregion = us-east-1\nendpoint_url = localhost:4566\n");
    EXPECT_ERROR("the AWS profile's endpoint_url: \"localhost:4566\"");
    s_config_file("[default]\nregion = us-east-1\nendpoint_url = http://me:Sup3rS3cretPw@h:1\n");
    EXPECT_ERROR_HIDING("the AWS profile's endpoint_url", "Sup3rS3cretPw");
    /* the scheme forgotten: still user info to curl, so still not shown */
    s_config_file("[default]\nregion = us-east-1\nendpoint_url = me:Sup3rS3cretPw@h:1\n");
    EXPECT_ERROR_HIDING("the AWS profile's endpoint_url", "Sup3rS3cretPw");
    s_config_file(
        "[default]\nregion = us-east-1\nservices = s\n[services s]\nsqs =\n  endpoint_url = ftp://x\n");
    EXPECT_ERROR("the AWS profile's services section (sqs endpoint_url)");
    char long_url[700];
    memset(long_url, 'a', sizeof long_url);
    memcpy(long_url, "http://", 7);
    long_url[sizeof long_url - 1] = '\0';
    char text[900];
    snprintf(text, sizeof text, "[default]\nregion = us-east-1\nendpoint_url = %s\n", long_url);
    s_config_file(text);
    EXPECT_ERROR("longer than 511 bytes");
    /* a services name has its own, shorter limit, which the message gives */
    snprintf(text, sizeof text, "[default]\nregion = us-east-1\nservices = %0200d\n", 5);
    s_config_file(text);
    EXPECT_ERROR("services is longer than 127");
    char path[128];
    snprintf(path, sizeof path, "%s/config", s_dir);
    unlink(path);
}

static void test_path_style_flag(void)
{
    s_reset_env();
    setenv("AWS_REGION", "us-east-1", 1);
    es_aws_config cfg;
    static const struct {
        const char *v;
        bool want;
    } ok[] = {{"1", true},  {"true", true},   {"TRUE", true}, {"yes", true}, {"On", true},
              {"0", false}, {"false", false}, {"no", false},  {"OFF", false}};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        setenv("EXIFSTRIP_S3_PATH_STYLE", ok[i].v, 1);
        REQUIRE(s_load(&cfg) == ES_OK);
        CHECK(cfg.s3_path_style == ok[i].want);
    }
    setenv("EXIFSTRIP_S3_PATH_STYLE", "y", 1); /* the same words as every EXIFSTRIP_* flag, and only those */
    EXPECT_ERROR("EXIFSTRIP_S3_PATH_STYLE");
    setenv("EXIFSTRIP_S3_PATH_STYLE", "2", 1);
    EXPECT_ERROR("EXIFSTRIP_S3_PATH_STYLE");
}

static void test_ca_bundle(void)
{
    s_reset_env();
    setenv("AWS_REGION", "us-east-1", 1);
    char path[128];
    snprintf(path, sizeof path, "%s/ca.pem", s_dir);
    setenv("AWS_CA_BUNDLE", path, 1);
    EXPECT_ERROR("AWS_CA_BUNDLE"); /* does not exist yet */
    FILE *f = fopen(path, "w");
    REQUIRE(f);
    fputs("-----BEGIN CERTIFICATE-----\n", f);
    fclose(f);
    es_aws_config cfg;
    REQUIRE(s_load(&cfg) == ES_OK);
    CHECK_STR_EQ(cfg.ca_bundle, path);
    unlink(path);
}

static void test_endpoint_parse(void)
{
    static const struct {
        const char *url;
        bool https;
        const char *host, *base;
    } ok[] = {
        {"http://127.0.0.1:4566", false, "127.0.0.1:4566", ""},
        {"https://s3.example.com", true, "s3.example.com", ""},
        {"https://s3.example.com:443/", true, "s3.example.com", ""},
        {"http://h:80", false, "h", ""},
        {"http://h:8080/base/path//", false, "h:8080", "/base/path"},
        {"HTTPS://[::1]:9000", true, "[::1]:9000", ""},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        es_aws_endpoint ep;
        REQUIRE(es_aws_endpoint_parse(ok[i].url, &ep) == ES_OK);
        CHECK(ep.https == ok[i].https);
        CHECK_STR_EQ(ep.host, ok[i].host);
        CHECK_STR_EQ(ep.base_path, ok[i].base);
    }
    static const char *const bad[] = {
        "",
        "127.0.0.1:4566",
        "ftp://h",
        "http://",
        "http://:80",
        "http://h:0",
        "http://h:65536",
        "http://h:12a",
        "http://u@h",
        "http://h/p?q=1",
        "http://h/p#f",
        "http://h h",
        "http://[zz]",
        "http://h:",
        "http://h/%41",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        es_aws_endpoint ep;
        if (es_aws_endpoint_parse(bad[i], &ep) != ES_ERR_CONFIG)
            es_test_fail(__FILE__, __LINE__, "accepted bad endpoint \"%s\"", bad[i]);
    }
    char out[128];
    CHECK_OK(es_aws_regional_endpoint("sqs", "us-east-1", out, sizeof out));
    CHECK_STR_EQ(out, "https://sqs.us-east-1.amazonaws.com");
    CHECK_OK(es_aws_regional_endpoint("s3", "cn-northwest-1", out, sizeof out));
    CHECK_STR_EQ(out, "https://s3.cn-northwest-1.amazonaws.com.cn");
    /* each partition's domain (the SDKs' partitions.json) */
    static const struct {
        const char *region, *url;
    } parts[] = {
        {"us-gov-west-1", "https://sqs.us-gov-west-1.amazonaws.com"},
        {"us-iso-east-1", "https://sqs.us-iso-east-1.c2s.ic.gov"},
        {"us-isob-east-1", "https://sqs.us-isob-east-1.sc2s.sgov.gov"},
        {"us-isof-south-1", "https://sqs.us-isof-south-1.csp.hci.ic.gov"},
        {"eu-isoe-west-1", "https://sqs.eu-isoe-west-1.cloud.adc-e.uk"},
        {"eusc-de-east-1", "https://sqs.eusc-de-east-1.amazonaws.eu"},
        {"eu-west-1", "https://sqs.eu-west-1.amazonaws.com"},
    };
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        CHECK_OK(es_aws_regional_endpoint("sqs", parts[i].region, out, sizeof out));
        CHECK_STR_EQ(out, parts[i].url);
    }
    CHECK_INT_EQ(es_aws_regional_endpoint("s3", "us-east-1", out, 10), ES_ERR_TOO_LARGE);
}

static void test_result_clear(void)
{
    es_aws_result r;
    memset(&r, 0x5a, sizeof r);
    es_aws_result_clear(&r);
    CHECK_INT_EQ(r.code, ES_OK);
    CHECK_INT_EQ(r.http_status, 0);
    CHECK_INT_EQ(r.attempts, 0);
    CHECK_STR_EQ(r.aws_code, "");
    CHECK_STR_EQ(r.message, "");
    CHECK_STR_EQ(r.request_id, "");
    es_aws_result_clear(NULL);
}

/* A failure is told once: the status and code the client put in the message
 * are not repeated, nor is the transport's failure that starts it. */
static void test_result_describe(void)
{
    es_aws_result r;
    char out[256];
    es_aws_result_clear(&r);
    es_aws_result_describe(&r, ES_ERR_NETWORK, out, sizeof out);
    CHECK_STR_EQ(out, es_strerror(ES_ERR_NETWORK));
    snprintf(r.message, sizeof r.message, "%s: Connection refused", es_strerror(ES_ERR_NETWORK));
    es_aws_result_describe(&r, ES_ERR_NETWORK, out, sizeof out);
    CHECK_STR_EQ(out, r.message);
    r.http_status = 403;
    snprintf(r.aws_code, sizeof r.aws_code, "AccessDenied");
    snprintf(r.message, sizeof r.message, "HTTP 403 AccessDenied: Access Denied");
    es_aws_result_describe(&r, ES_ERR_AUTH, out, sizeof out);
    char want[256];
    snprintf(want, sizeof want, "%s: HTTP 403 AccessDenied: Access Denied", es_strerror(ES_ERR_AUTH));
    CHECK_STR_EQ(out, want);
    es_aws_result_describe(&r, ES_ERR_AUTH, out, 8); /* cut, never overrun */
    CHECK_INT_EQ((long)strlen(out), 7);
    /* The transport failed after the status line came: its message starts
     * with the failure already, which is not said twice. */
    r.http_status = 200;
    r.aws_code[0] = '\0';
    snprintf(r.message, sizeof r.message, "%s: transfer closed with 7 bytes remaining to read",
             es_strerror(ES_ERR_NETWORK));
    es_aws_result_describe(&r, ES_ERR_NETWORK, out, sizeof out);
    CHECK_STR_EQ(out, "network error: transfer closed with 7 bytes remaining to read");
    snprintf(r.message, sizeof r.message, "%s", es_strerror(ES_ERR_CANCELLED));
    es_aws_result_describe(&r, ES_ERR_CANCELLED, out, sizeof out);
    CHECK_STR_EQ(out, "operation cancelled");
    /* ... but a message that only begins with the same words is kept whole after it */
    snprintf(r.message, sizeof r.message, "%sx", es_strerror(ES_ERR_NETWORK));
    es_aws_result_describe(&r, ES_ERR_NETWORK, out, sizeof out);
    CHECK_STR_EQ(out, "network error: network errorx");
}

int main(void)
{
    snprintf(s_dir, sizeof s_dir, "/tmp/es-config-test-XXXXXX");
    if (!mkdtemp(s_dir))
        return 1;
    ES_RUN(test_defaults);
    ES_RUN(test_region_precedence);
    ES_RUN(test_region_from_profile);
    ES_RUN(test_max_attempts);
    ES_RUN(test_endpoint_precedence);
    ES_RUN(test_endpoint_variants_not_chosen);
    ES_RUN(test_profile_endpoints);
    ES_RUN(test_endpoint_flags_are_true_or_false);
    ES_RUN(test_path_style_flag);
    ES_RUN(test_ca_bundle);
    ES_RUN(test_endpoint_parse);
    ES_RUN(test_result_clear);
    ES_RUN(test_result_describe);
    rmdir(s_dir);
    return es_test_finish();
}
