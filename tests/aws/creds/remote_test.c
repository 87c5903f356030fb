/* remote_test.c - the credential sources that fetch over HTTP, each
 * against the scripted test server on 127.0.0.1 (tests/support/http_server.h):
 * ECS relative and full URIs (Authorization header, allowed hosts), IMDSv2
 * (token PUT, then role and credentials GETs carrying the token; disabled;
 * unreachable), STS AssumeRoleWithWebIdentity (request form, XML answer,
 * error codes), the default chain picking them up, a shared cache under
 * concurrent callers, and error messages free of tokens and secrets. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/creds/creds.h"
#include "aws/http/http.h"
#include "../../harness/test.h"
#include "../../support/aws_env.h"
#include "../../support/http_server.h"

#define CREDS_JSON                                                                     \
    "{\"AccessKeyId\":\"ASIAREMOTE\",\"SecretAccessKey\":\"remote-secret\",\"Token\":" \
    "\"remote-token\",\"Expiration\":\"2030-01-01T00:00:00Z\"}"
#define LEAK_SECRET "leakSecretKEY/do+not/print0123456789ABCDEF"
#define LEAK_TOKEN "eyJleakJWTdoNotPrint.eyJzdWIiOiJzeXN0ZW0ifQ.c2lnbmF0dXJl"

static char *s_home;
static es_test_http_server *s_srv;

static void s_setup(void)
{
    es_test_tmpdir_remove(s_home);
    s_home = es_test_tmpdir_new("creds_remote");
    es_test_aws_env_reset(s_home);
    es_test_http_server_clear_routes(s_srv);
    es_test_http_server_clear_requests(s_srv);
}

static void s_no_leak(const char *msg, int line)
{
    if (strstr(msg, LEAK_SECRET) || strstr(msg, LEAK_TOKEN) || strstr(msg, "leak"))
        es_test_fail(__FILE__, line, "message leaks a secret: %s", msg);
}

static es_err s_get_once(es_creds_provider *p, es_creds *c, es_error *err)
{
    es_error_clear(err);
    es_err rc = p ? es_creds_get(p, c, err) : ES_ERR_NOMEM;
    es_creds_provider_release(p);
    return rc;
}

/* ---- ECS -------------------------------------------------------------------- */

static void test_ecs_relative_uri(void)
{
    es_creds c;
    es_error err;
    es_test_http_request r;
    s_setup();
    es_test_http_server_route(s_srv, "GET", "/v2/credentials/task-1", 200, CREDS_JSON);
    setenv("EXIFSTRIP_ECS_ENDPOINT", es_test_http_server_url(s_srv), 1);
    setenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/task-1", 1);
    setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", "not-for-relative", 1);
    CHECK_OK(s_get_once(es_creds_provider_new_ecs(), &c, &err));
    CHECK_STR_EQ(c.access_key_id, "ASIAREMOTE");
    CHECK_STR_EQ(c.secret_access_key, "remote-secret");
    CHECK_STR_EQ(c.session_token, "remote-token");
    CHECK_INT_EQ(c.expiration, 1893456000);
    CHECK_STR_EQ(c.source, "ecs");
    REQUIRE(es_test_http_server_request_count(s_srv) == 1);
    REQUIRE(es_test_http_server_request(s_srv, 0, &r));
    CHECK_STR_EQ(r.method, "GET");
    CHECK_STR_EQ(r.path, "/v2/credentials/task-1");
    CHECK(es_test_http_request_header(&r, "Authorization") == NULL);
    es_test_http_request_free(&r);

    /* a host without its scheme is refused at start, as every configured URL */
    s_setup();
    es_test_http_server_route(s_srv, "GET", "/v2/credentials/task-1", 200, CREDS_JSON);
    setenv("EXIFSTRIP_ECS_ENDPOINT", es_test_http_server_url(s_srv) + strlen("http://"), 1);
    setenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/task-1", 1);
    es_creds_provider *p = es_creds_provider_new_ecs();
    REQUIRE(p);
    es_error_clear(&err);
    CHECK_INT_EQ(es_creds_check(p, &err), ES_ERR_CONFIG);
    CHECK_STR_CONTAINS(err.msg, "ECS: EXIFSTRIP_ECS_ENDPOINT: \"127.0.0.1:");
    CHECK_STR_CONTAINS(err.msg, "\" is not an http:// or https:// URL");
    es_creds_provider_release(p);
    CHECK_INT_EQ(es_test_http_server_request_count(s_srv), 0);
}

static void test_ecs_full_uri_authorization(void)
{
    es_creds c;
    es_error err;
    es_test_http_request r;
    char url[256];
    s_setup();
    es_test_http_server_route(s_srv, "GET", "/get-credentials", 200, CREDS_JSON);
    snprintf(url, sizeof url, "%s/get-credentials", es_test_http_server_url(s_srv));
    setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", url, 1);
    setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", "Basic abcd", 1);
    CHECK_OK(s_get_once(es_creds_provider_new_ecs(), &c, &err));
    CHECK_STR_EQ(c.access_key_id, "ASIAREMOTE");
    REQUIRE(es_test_http_server_request(s_srv, 0, &r));
    CHECK_STR_EQ(es_test_http_request_header(&r, "Authorization"), "Basic abcd");
    es_test_http_request_free(&r);

    /* The token file wins over the variable and is re-read on every fetch. */
    char *tf = es_test_write_file(s_home, "eks-token", "file-token-1\n");
    REQUIRE(tf);
    setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", tf, 1);
    es_creds_provider *p = es_creds_provider_new_ecs();
    es_error_clear(&err);
    CHECK_OK(es_creds_get(p, &c, &err));
    free(es_test_write_file(s_home, "eks-token", "file-token-2"));
    CHECK_OK(es_creds_get(p, &c, &err));
    es_creds_provider_release(p);
    REQUIRE(es_test_http_server_request_count(s_srv) == 3);
    REQUIRE(es_test_http_server_request(s_srv, 1, &r));
    CHECK_STR_EQ(es_test_http_request_header(&r, "Authorization"), "file-token-1");
    es_test_http_request_free(&r);
    REQUIRE(es_test_http_server_request(s_srv, 2, &r));
    CHECK_STR_EQ(es_test_http_request_header(&r, "Authorization"), "file-token-2");
    es_test_http_request_free(&r);
    free(tf);

    /* A token file that cannot be read says why. */
    setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", s_home, 1); /* a directory */
    CHECK_INT_EQ(s_get_once(es_creds_provider_new_ecs(), &c, &err), ES_ERR_CONFIG);
    CHECK_STR_CONTAINS(err.msg, "cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
    CHECK_STR_CONTAINS(err.msg, "(Is a directory)");

    /* A header-injecting token is refused before any request. */
    unsetenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
    setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", "a\r\nX-Evil: 1", 1);
    CHECK_INT_EQ(s_get_once(es_creds_provider_new_ecs(), &c, &err), ES_ERR_CONFIG);
    CHECK_INT_EQ(es_test_http_server_request_count(s_srv), 3);
}

static void test_ecs_full_uri_allowed_hosts(void)
{
    static const char *const refused[] = {"http://example.com/creds", "http://169.254.169.254/x",
                                          "http://10.0.0.1/x", "ftp://127.0.0.1/x", "not a url"};
    es_creds c;
    es_error err;
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        s_setup();
        setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", refused[i], 1);
        if (s_get_once(es_creds_provider_new_ecs(), &c, &err) != ES_ERR_CONFIG)
            es_test_fail(__FILE__, __LINE__, "FULL_URI %s was not refused", refused[i]);
        CHECK_STR_CONTAINS(err.msg, "AWS_CONTAINER_CREDENTIALS_FULL_URI");
    }
    CHECK_INT_EQ(es_test_http_server_request_count(s_srv), 0);
    /* Allowed hosts get as far as connecting (nothing listens on port 9 of these). */
    static const char *const allowed[] = {"http://127.0.0.1:9/x", "http://localhost:9/x", "http://[::1]:9/x",
                                          "http://127.1.2.3:9/x"};
    for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++) {
        s_setup();
        setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", allowed[i], 1);
        es_err rc = s_get_once(es_creds_provider_new_ecs(), &c, &err);
        if (rc == ES_ERR_CONFIG)
            es_test_fail(__FILE__, __LINE__, "FULL_URI %s was refused: %s", allowed[i], err.msg);
    }
}

static void test_ecs_failures(void)
{
    es_creds c;
    es_error err;
    char url[256];
    s_setup();
    snprintf(url, sizeof url, "%s/creds", es_test_http_server_url(s_srv));
    setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", url, 1);
    setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", LEAK_TOKEN, 1);
    es_test_http_server_route(s_srv, "GET", "/creds", 500, "oops");
    CHECK_INT_EQ(s_get_once(es_creds_provider_new_ecs(), &c, &err), ES_ERR_SERVER);
    CHECK_INT_EQ(es_test_http_server_count(s_srv, "GET", "/creds"), 2); /* retried once */
    CHECK_STR_CONTAINS(err.msg, "HTTP 500");
    s_no_leak(err.msg, __LINE__);

    /* 503 once, then success: the retry recovers. */
    s_setup();
    setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", url, 1);
    es_test_http_route once = {.method = "GET", .path = "/creds", .status = 503, .times = 1};
    es_test_http_server_add_route(s_srv, &once);
    es_test_http_server_route(s_srv, "GET", "/creds", 200, CREDS_JSON);
    CHECK_OK(s_get_once(es_creds_provider_new_ecs(), &c, &err));
    CHECK_STR_EQ(c.access_key_id, "ASIAREMOTE");

    /* Secrets in a broken document stay out of the message. */
    s_setup();
    setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", url, 1);
    es_test_http_server_route(s_srv, "GET", "/creds", 200,
                              "{\"SecretAccessKey\":\"" LEAK_SECRET "\",\"Token\":\"" LEAK_TOKEN "\"");
    CHECK_INT_EQ(s_get_once(es_creds_provider_new_ecs(), &c, &err), ES_ERR_PROTOCOL);
    s_no_leak(err.msg, __LINE__);
    es_test_http_server_clear_routes(s_srv);
    es_test_http_server_route(s_srv, "GET", "/creds", 403, LEAK_SECRET);
    CHECK_INT_EQ(s_get_once(es_creds_provider_new_ecs(), &c, &err), ES_ERR_AUTH);
    s_no_leak(err.msg, __LINE__);

    /* An oversized answer is refused. */
    char *huge = malloc(70000);
    REQUIRE(huge);
    memset(huge, ' ', 69999);
    huge[69999] = '\0';
    es_test_http_server_clear_routes(s_srv);
    es_test_http_server_route(s_srv, "GET", "/creds", 200, huge);
    free(huge);
    CHECK_INT_EQ(s_get_once(es_creds_provider_new_ecs(), &c, &err), ES_ERR_TOO_LARGE);
}

/* ---- IMDS ------------------------------------------------------------------- */

static void s_imds_routes(const char *role_body)
{
    es_test_http_server_route(s_srv, "PUT", "/latest/api/token", 200, "IMDS-SESSION-TOKEN");
    es_test_http_server_route(s_srv, "GET", "/latest/meta-data/iam/security-credentials/", 200, role_body);
    es_test_http_server_route(s_srv, "GET", "/latest/meta-data/iam/security-credentials/ec2-role", 200,
                              "{\"Code\":\"Success\",\"LastUpdated\":\"2024-01-01T00:00:00Z\",\"Type\":"
                              "\"AWS-HMAC\",\"AccessKeyId\":\"ASIAIMDS\",\"SecretAccessKey\":\"imds-secret\","
                              "\"Token\":\"imds-token\",\"Expiration\":\"2030-01-01T06:00:00Z\"}");
}

static void test_imds_v2_flow(void)
{
    es_creds c;
    es_error err;
    es_test_http_request r;
    s_setup();
    unsetenv("AWS_EC2_METADATA_DISABLED");
    setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", es_test_http_server_url(s_srv), 1);
    s_imds_routes("ec2-role\n");
    CHECK_OK(s_get_once(es_creds_provider_new_imds(), &c, &err));
    CHECK_STR_EQ(c.access_key_id, "ASIAIMDS");
    CHECK_STR_EQ(c.secret_access_key, "imds-secret");
    CHECK_STR_EQ(c.session_token, "imds-token");
    CHECK_INT_EQ(c.expiration, 1893456000 + 6 * 3600);
    CHECK_STR_EQ(c.source, "imds");
    REQUIRE(es_test_http_server_request_count(s_srv) == 3);
    REQUIRE(es_test_http_server_request(s_srv, 0, &r));
    CHECK_STR_EQ(r.method, "PUT");
    CHECK_STR_EQ(r.path, "/latest/api/token");
    CHECK_STR_EQ(es_test_http_request_header(&r, "X-aws-ec2-metadata-token-ttl-seconds"), "21600");
    es_test_http_request_free(&r);
    for (size_t i = 1; i < 3; i++) {
        REQUIRE(es_test_http_server_request(s_srv, i, &r));
        CHECK_STR_EQ(r.method, "GET");
        CHECK_STR_EQ(es_test_http_request_header(&r, "X-aws-ec2-metadata-token"), "IMDS-SESSION-TOKEN");
        es_test_http_request_free(&r);
    }
    REQUIRE(es_test_http_server_request(s_srv, 2, &r));
    CHECK_STR_EQ(r.path, "/latest/meta-data/iam/security-credentials/ec2-role");
    es_test_http_request_free(&r);
}

/* AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE other than IPv4/IPv6 (any case), or an
 * endpoint that is not an http(s) URL, is a configuration error, as in the
 * SDKs, not a silent IPv4 (an IPv6-only instance then never finds IMDS);
 * a set endpoint makes the mode unused. No request is made. */
static void test_imds_settings_checked(void)
{
    static const struct {
        const char *endpoint, *mode;
        es_err check;
        const char *named;
    } cases[] = {
        {NULL, "IPv6", ES_OK, NULL},
        {NULL, "ipv4", ES_OK, NULL},
        {NULL, "IPv7", ES_ERR_CONFIG, "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE"},
        {NULL, "IPv6 ", ES_ERR_CONFIG, "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE"},
        {"169.254.169.254", NULL, ES_ERR_CONFIG, "AWS_EC2_METADATA_SERVICE_ENDPOINT"},
        {"http://127.0.0.1:1", "bogus", ES_OK, NULL},
        {"HTTP://[::1]:1", NULL, ES_OK, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        es_error err;
        s_setup();
        unsetenv("AWS_EC2_METADATA_DISABLED");
        if (cases[i].endpoint)
            setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", cases[i].endpoint, 1);
        if (cases[i].mode)
            setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", cases[i].mode, 1);
        es_creds_provider *p = es_creds_provider_new_imds();
        REQUIRE(p);
        es_error_clear(&err);
        es_err rc = es_creds_check(p, &err);
        es_creds_provider_release(p);
        if (rc != cases[i].check || (cases[i].named && !strstr(err.msg, cases[i].named)))
            es_test_fail(__FILE__, __LINE__, "endpoint %s, mode %s: check %d \"%s\", want %d naming %s",
                         cases[i].endpoint ? cases[i].endpoint : "-", cases[i].mode ? cases[i].mode : "-",
                         (int)rc, err.msg, (int)cases[i].check, cases[i].named ? cases[i].named : "-");
    }
    CHECK_INT_EQ(es_test_http_server_request_count(s_srv), 0);
}

static void test_imds_disabled_and_unreachable(void)
{
    es_creds c;
    es_error err;
    s_setup(); /* AWS_EC2_METADATA_DISABLED=true */
    setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", es_test_http_server_url(s_srv), 1);
    s_imds_routes("ec2-role");
    setenv("AWS_EC2_METADATA_DISABLED", "TRUE", 1);
    CHECK_INT_EQ(s_get_once(es_creds_provider_new_imds(), &c, &err), ES_ERR_NO_CREDENTIALS);
    CHECK_STR_CONTAINS(err.msg, "disabled");
    CHECK_INT_EQ(es_test_http_server_request_count(s_srv), 0);

    setenv("AWS_EC2_METADATA_DISABLED", "false", 1);
    setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:9", 1); /* nothing listens */
    CHECK_INT_EQ(s_get_once(es_creds_provider_new_imds(), &c, &err), ES_ERR_NO_CREDENTIALS);
    CHECK_STR_CONTAINS(err.msg, "IMDS unreachable");

    s_setup(); /* no role attached */
    unsetenv("AWS_EC2_METADATA_DISABLED");
    setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", es_test_http_server_url(s_srv), 1);
    es_test_http_server_route(s_srv, "PUT", "/latest/api/token", 200, "T");
    CHECK_INT_EQ(s_get_once(es_creds_provider_new_imds(), &c, &err), ES_ERR_NO_CREDENTIALS);
    CHECK_STR_CONTAINS(err.msg, "no IAM role");

    s_setup(); /* IMDSv2 token refused */
    unsetenv("AWS_EC2_METADATA_DISABLED");
    setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", es_test_http_server_url(s_srv), 1);
    es_test_http_server_route(s_srv, "PUT", "/latest/api/token", 403, "");
    CHECK_INT_EQ(s_get_once(es_creds_provider_new_imds(), &c, &err), ES_ERR_NO_CREDENTIALS);
    CHECK_INT_EQ(es_test_http_server_count(s_srv, "GET", NULL), 0);

    s_setup(); /* a role name that would escape the path */
    unsetenv("AWS_EC2_METADATA_DISABLED");
    setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", es_test_http_server_url(s_srv), 1);
    s_imds_routes("../../x");
    CHECK_INT_EQ(s_get_once(es_creds_provider_new_imds(), &c, &err), ES_ERR_PROTOCOL);
}

/* ---- STS web identity -------------------------------------------------------- */

#define STS_OK                                                                                \
    "<AssumeRoleWithWebIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">" \
    "<AssumeRoleWithWebIdentityResult><Credentials><AccessKeyId>ASIASTS</AccessKeyId>"        \
    "<SecretAccessKey>sts-secret</SecretAccessKey><SessionToken>sts-token</SessionToken>"     \
    "<Expiration>2030-01-01T00:00:00Z</Expiration></Credentials>"                             \
    "</AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>"

static void s_webid_env(const char *endpoint_var)
{
    char *tf = es_test_write_file(s_home, "token", LEAK_TOKEN "\n");
    setenv("AWS_WEB_IDENTITY_TOKEN_FILE", tf, 1);
    free(tf);
    setenv("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/exif role", 1);
    setenv(endpoint_var, es_test_http_server_url(s_srv), 1);
}

static void test_web_identity_sts(void)
{
    es_creds c;
    es_error err;
    es_test_http_request r;
    s_setup();
    s_webid_env("AWS_ENDPOINT_URL_STS");
    setenv("AWS_ROLE_SESSION_NAME", "exif-session", 1);
    es_test_http_server_route(s_srv, "POST", "/", 200, STS_OK);
    CHECK_OK(s_get_once(es_creds_provider_new_web_identity(), &c, &err));
    CHECK_STR_EQ(c.access_key_id, "ASIASTS");
    CHECK_STR_EQ(c.secret_access_key, "sts-secret");
    CHECK_STR_EQ(c.session_token, "sts-token");
    CHECK_INT_EQ(c.expiration, 1893456000);
    CHECK_STR_EQ(c.source, "web-identity");
    REQUIRE(es_test_http_server_request(s_srv, 0, &r));
    CHECK_STR_EQ(r.method, "POST");
    CHECK_STR_CONTAINS(r.body, "Action=AssumeRoleWithWebIdentity");
    CHECK_STR_CONTAINS(r.body, "Version=2011-06-15");
    CHECK_STR_CONTAINS(r.body, "RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fexif%20role");
    CHECK_STR_CONTAINS(r.body, "RoleSessionName=exif-session");
    CHECK_STR_CONTAINS(r.body, "WebIdentityToken=" LEAK_TOKEN);
    CHECK_STR_CONTAINS(es_test_http_request_header(&r, "Content-Type"), "application/x-www-form-urlencoded");
    CHECK(es_test_http_request_header(&r, "Authorization") == NULL); /* unsigned */
    es_test_http_request_free(&r);

    /* AWS_ENDPOINT_URL is the fallback endpoint; the session name defaults. */
    s_setup();
    s_webid_env("AWS_ENDPOINT_URL");
    es_test_http_server_route(s_srv, "POST", "/", 200, STS_OK);
    CHECK_OK(s_get_once(es_creds_provider_new_web_identity(), &c, &err));
    REQUIRE(es_test_http_server_request(s_srv, 0, &r));
    CHECK_STR_CONTAINS(r.body, "RoleSessionName=exifstrip-");
    es_test_http_request_free(&r);
}

/* Without AWS_ENDPOINT_URL_STS or AWS_ENDPOINT_URL, the profile's services
 * section (its sts block), else its endpoint_url, is STS's endpoint, as in
 * the SDKs; ignore_configured_endpoint_urls = true ignores both. */
static void test_web_identity_profile_endpoint(void)
{
    static const struct {
        const char *before, *after; /* the config file around the test server's URL */
    } layouts[] = {
        {"[default]\nendpoint_url = http://127.0.0.1:1\nservices = local\n"
         "[services local]\ns3 =\n  endpoint_url = http://127.0.0.1:1\nsts =\n  endpoint_url = ",
         "\n"},
        {"[default]\nendpoint_url = ", "\n"},
        {"[default]\nendpoint_url = ", "\nignore_configured_endpoint_urls = true\nregion = eu-west-1\n"},
    };
    for (size_t i = 0; i < sizeof layouts / sizeof layouts[0]; i++) {
        es_creds c;
        es_error err;
        s_setup();
        s_webid_env("AWS_ENDPOINT_URL_STS");
        unsetenv("AWS_ENDPOINT_URL_STS");
        char text[512];
        snprintf(text, sizeof text, "%s%s%s", layouts[i].before, es_test_http_server_url(s_srv),
                 layouts[i].after);
        char *cfg = es_test_write_file(s_home, "config", text);
        setenv("AWS_CONFIG_FILE", cfg, 1);
        free(cfg);
        es_test_http_server_route(s_srv, "POST", "/", 200, STS_OK);
        bool ignored = i == 2;
        if (ignored) { /* then STS is asked at its regional endpoint: through the test server as a proxy */
            setenv("https_proxy", es_test_http_server_url(s_srv), 1);
            es_http_proxy_env_reload();
        }
        es_err rc = s_get_once(es_creds_provider_new_web_identity(), &c, &err);
        if (ignored) {
            CHECK(rc != ES_OK);
            CHECK(es_test_http_server_count(s_srv, "CONNECT", "sts.eu-west-1.amazonaws.com:443") > 0);
            unsetenv("https_proxy");
            es_http_proxy_env_reload();
        } else {
            CHECK_OK(rc);
            CHECK_INT_EQ(es_test_http_server_count(s_srv, "POST", "/"), 1);
        }
    }
}

/* An STS endpoint written without its scheme ("127.0.0.1:4566") is refused
 * at start, as the S3 and SQS ones are: curl would guess http:// and post the
 * web identity token in clear. */
static void test_web_identity_endpoint_needs_scheme(void)
{
    es_creds c;
    es_error err;
    s_setup();
    s_webid_env("AWS_ENDPOINT_URL_STS");
    setenv("AWS_ENDPOINT_URL_STS", es_test_http_server_url(s_srv) + strlen("http://"), 1);
    es_test_http_server_route(s_srv, "POST", "/", 200, STS_OK);
    es_creds_provider *p = es_creds_provider_new_web_identity();
    REQUIRE(p);
    es_error_clear(&err);
    CHECK_INT_EQ(es_creds_check(p, &err), ES_ERR_CONFIG);
    CHECK_STR_CONTAINS(err.msg, "AWS_ENDPOINT_URL_STS");
    CHECK_STR_CONTAINS(err.msg, "is not an http:// or https:// URL");
    CHECK_INT_EQ(s_get_once(p, &c, &err), ES_ERR_CONFIG);
    CHECK_INT_EQ(es_test_http_server_request_count(s_srv), 0);
}

/* Without an endpoint URL, STS is asked in the services' region (the
 * environment's, else the profile's) under its partition's domain: in China
 * sts.<region>.amazonaws.com.cn, in the ISO partitions their own. The
 * request goes through an https_proxy that is the test server, whose log
 * shows the CONNECT target; nothing leaves the host. */
static void test_web_identity_partition_endpoint(void)
{
    static const struct {
        const char *env_region, *profile_region, *target;
    } cases[] = {
        {"cn-north-1", NULL, "sts.cn-north-1.amazonaws.com.cn:443"},
        {NULL, "cn-northwest-1", "sts.cn-northwest-1.amazonaws.com.cn:443"},
        {"us-iso-east-1", NULL, "sts.us-iso-east-1.c2s.ic.gov:443"},
        {"us-isob-east-1", NULL, "sts.us-isob-east-1.sc2s.sgov.gov:443"},
        {"eu-isoe-west-1", NULL, "sts.eu-isoe-west-1.cloud.adc-e.uk:443"},
        {"us-gov-west-1", NULL, "sts.us-gov-west-1.amazonaws.com:443"},
        {"eu-west-1", NULL, "sts.eu-west-1.amazonaws.com:443"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        es_creds c;
        es_error err;
        s_setup();
        s_webid_env("AWS_ENDPOINT_URL_STS");
        unsetenv("AWS_ENDPOINT_URL_STS");
        if (cases[i].env_region)
            setenv("AWS_REGION", cases[i].env_region, 1);
        if (cases[i].profile_region) {
            char text[128];
            snprintf(text, sizeof text, "[default]\nregion = %s\n", cases[i].profile_region);
            char *cfg = es_test_write_file(s_home, "config", text);
            setenv("AWS_CONFIG_FILE", cfg, 1);
            free(cfg);
        }
        setenv("https_proxy", es_test_http_server_url(s_srv), 1);
        es_http_proxy_env_reload();
        CHECK(s_get_once(es_creds_provider_new_web_identity(), &c, &err) != ES_OK);
        if (es_test_http_server_count(s_srv, "CONNECT", cases[i].target) == 0)
            es_test_fail(__FILE__, __LINE__, "region %s: STS not asked at %s (%s)",
                         cases[i].env_region ? cases[i].env_region : cases[i].profile_region, cases[i].target,
                         err.msg);
        unsetenv("https_proxy");
        es_http_proxy_env_reload();
    }
}

static void test_web_identity_errors(void)
{
    es_creds c;
    es_error err;
    s_setup();
    s_webid_env("AWS_ENDPOINT_URL_STS");
    es_test_http_server_route(s_srv, "POST", "/", 403,
                              "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code>"
                              "<Message>Token " LEAK_TOKEN " is not allowed</Message></Error>"
                              "</ErrorResponse>");
    CHECK_INT_EQ(s_get_once(es_creds_provider_new_web_identity(), &c, &err), ES_ERR_AUTH);
    CHECK_STR_CONTAINS(err.msg, "AccessDenied");
    CHECK_STR_CONTAINS(err.msg, "[redacted]");
    s_no_leak(err.msg, __LINE__);

    s_setup(); /* STS throttles, then the 5xx is retried once */
    s_webid_env("AWS_ENDPOINT_URL_STS");
    es_test_http_server_route(s_srv, "POST", "/", 400,
                              "<ErrorResponse><Error><Code>Throttling</Code><Message>Rate exceeded"
                              "</Message></Error></ErrorResponse>");
    CHECK_INT_EQ(s_get_once(es_creds_provider_new_web_identity(), &c, &err), ES_ERR_THROTTLED);
    s_setup();
    s_webid_env("AWS_ENDPOINT_URL_STS");
    es_test_http_server_route(s_srv, "POST", "/", 502, "bad gateway");
    CHECK_INT_EQ(s_get_once(es_creds_provider_new_web_identity(), &c, &err), ES_ERR_SERVER);
    CHECK_INT_EQ(es_test_http_server_count(s_srv, "POST", "/"), 2);

    s_setup(); /* a 200 without credentials */
    s_webid_env("AWS_ENDPOINT_URL_STS");
    es_test_http_server_route(s_srv, "POST", "/", 200, "<html>" LEAK_SECRET "</html>");
    CHECK_INT_EQ(s_get_once(es_creds_provider_new_web_identity(), &c, &err), ES_ERR_PROTOCOL);
    s_no_leak(err.msg, __LINE__);

    s_setup(); /* missing token file, and not configured at all */
    setenv("AWS_WEB_IDENTITY_TOKEN_FILE", "/nonexistent/token", 1);
    setenv("AWS_ROLE_ARN", "arn:aws:iam::1:role/r", 1);
    CHECK_INT_EQ(s_get_once(es_creds_provider_new_web_identity(), &c, &err), ES_ERR_AUTH);
    CHECK_STR_CONTAINS(err.msg, "token file");
    unsetenv("AWS_ROLE_ARN");
    CHECK_INT_EQ(s_get_once(es_creds_provider_new_web_identity(), &c, &err), ES_ERR_NO_CREDENTIALS);
    CHECK_INT_EQ(es_test_http_server_request_count(s_srv), 0);
}

/* ---- default chain and concurrency ------------------------------------------- */

static void test_default_chain_remote_sources(void)
{
    es_creds c;
    es_error err;
    s_setup(); /* web identity comes before the profile */
    s_webid_env("AWS_ENDPOINT_URL_STS");
    es_test_http_server_route(s_srv, "POST", "/", 200, STS_OK);
    free(es_test_write_file(s_home, ".aws/credentials",
                            "[default]\naws_access_key_id=AKIDPROFILE\naws_secret_access_key=p\n"));
    CHECK_OK(s_get_once(es_creds_provider_new_default(), &c, &err));
    CHECK_STR_EQ(c.source, "web-identity");

    s_setup(); /* the profile comes before ECS */
    free(es_test_write_file(s_home, ".aws/credentials",
                            "[default]\naws_access_key_id=AKIDPROFILE\naws_secret_access_key=p\n"));
    setenv("EXIFSTRIP_ECS_ENDPOINT", es_test_http_server_url(s_srv), 1);
    setenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/ecs", 1);
    es_test_http_server_route(s_srv, "GET", "/ecs", 200, CREDS_JSON);
    CHECK_OK(s_get_once(es_creds_provider_new_default(), &c, &err));
    CHECK_STR_EQ(c.source, "profile");
    CHECK_INT_EQ(es_test_http_server_request_count(s_srv), 0);

    s_setup(); /* ECS when nothing local is set */
    setenv("EXIFSTRIP_ECS_ENDPOINT", es_test_http_server_url(s_srv), 1);
    setenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/ecs", 1);
    es_test_http_server_route(s_srv, "GET", "/ecs", 200, CREDS_JSON);
    CHECK_OK(s_get_once(es_creds_provider_new_default(), &c, &err));
    CHECK_STR_EQ(c.source, "ecs");

    s_setup(); /* IMDS last, when enabled */
    unsetenv("AWS_EC2_METADATA_DISABLED");
    setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", es_test_http_server_url(s_srv), 1);
    s_imds_routes("ec2-role");
    CHECK_OK(s_get_once(es_creds_provider_new_default(), &c, &err));
    CHECK_STR_EQ(c.source, "imds");
}

/* The server's URL with "user:pw@" in its authority. */
static const char *s_url_with_userinfo(const char *pw)
{
    static char url[256];
    const char *base = es_test_http_server_url(s_srv); /* "http://127.0.0.1:port" */
    snprintf(url, sizeof url, "http://user:%s@%s", pw, base + 7);
    return url;
}

/* A user name or password in a credential source's URL would be shown in
 * every message about its requests: each is refused, before any request and
 * at start (es_creds_check), without showing the value, as AWS_ENDPOINT_URL* are. */
static void test_urls_with_userinfo_are_refused(void)
{
    static const struct {
        const char *var, *pw;
        bool no_scheme; /* "user:pw@host": curl guesses http:// and sends the user info */
    } cases[] = {
        {"AWS_CONTAINER_CREDENTIALS_FULL_URI", "EcsFullPassw0rd", false},
        {"EXIFSTRIP_ECS_ENDPOINT", "EcsHostPassw0rd", false},
        {"AWS_EC2_METADATA_SERVICE_ENDPOINT", "ImdsPassw0rd", false},
        {"AWS_ENDPOINT_URL_STS", "StsPassw0rd", false},
        {"AWS_ENDPOINT_URL", "StsAnyPassw0rd", false}, /* the STS endpoint when AWS_ENDPOINT_URL_STS is unset */
        {"AWS_ENDPOINT_URL_STS", "StsNoSchemePassw0rd", true},
        {"AWS_EC2_METADATA_SERVICE_ENDPOINT", "ImdsNoSchemePassw0rd", true},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        es_creds c;
        es_error err;
        s_setup();
        unsetenv("AWS_EC2_METADATA_DISABLED");
        s_imds_routes("ec2-role");
        es_test_http_server_route(s_srv, "GET", "/creds", 200, CREDS_JSON);
        es_test_http_server_route(s_srv, "POST", "/", 200, STS_OK);
        if (!strcmp(cases[i].var, "EXIFSTRIP_ECS_ENDPOINT"))
            setenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/creds", 1);
        if (!strncmp(cases[i].var, "AWS_ENDPOINT_URL", 16))
            s_webid_env(cases[i].var);
        const char *url = s_url_with_userinfo(cases[i].pw);
        char full[300];
        snprintf(full, sizeof full, "%s%s", url + (cases[i].no_scheme ? strlen("http://") : 0),
                 !strcmp(cases[i].var, "AWS_CONTAINER_CREDENTIALS_FULL_URI") ? "/creds" : "");
        setenv(cases[i].var, full, 1);
        es_creds_provider *p = es_creds_provider_new_default();
        REQUIRE(p);
        es_error_clear(&err);
        CHECK_INT_EQ(es_creds_check(p, &err), ES_ERR_CONFIG); /* exit 78 at start */
        CHECK_STR_CONTAINS(err.msg, cases[i].var);
        CHECK_STR_CONTAINS(err.msg, "user name or password");
        if (strstr(err.msg, cases[i].pw))
            es_test_fail(__FILE__, __LINE__, "the check shows the password: %s", err.msg);
        CHECK_INT_EQ(s_get_once(p, &c, &err), ES_ERR_CONFIG);
        CHECK_STR_CONTAINS(err.msg, "(value not shown)");
        if (strstr(err.msg, cases[i].pw))
            es_test_fail(__FILE__, __LINE__, "the error shows the password: %s", err.msg);
        if (es_test_http_server_request_count(s_srv) != 0)
            es_test_fail(__FILE__, __LINE__, "%s: a request was made", cases[i].var);
    }
}

/* AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true ignores the STS endpoint URLs too,
 * as the AWS SDKs ignore every configured endpoint: one set beside it is not
 * read at all (one with a password in it no longer fails the start-up check);
 * "false" keeps it. */
static void test_web_identity_ignores_configured_endpoints(void)
{
    static const char *const vars[] = {"AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL"};
    static const struct {
        const char *value;
        es_err check;
    } settings[] = {{"TRUE", ES_OK}, {"true", ES_OK}, {"false", ES_ERR_CONFIG}, {"1", ES_ERR_CONFIG}};
    for (size_t v = 0; v < sizeof vars / sizeof vars[0]; v++)
        for (size_t s = 0; s < sizeof settings / sizeof settings[0]; s++) {
            es_error err;
            s_setup();
            s_webid_env(vars[v]);
            setenv(vars[v], s_url_with_userinfo("IgnoredPassw0rd"), 1);
            setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", settings[s].value, 1);
            es_creds_provider *p = es_creds_provider_new_web_identity();
            REQUIRE(p);
            es_error_clear(&err);
            es_err rc = es_creds_check(p, &err);
            es_creds_provider_release(p);
            if (rc != settings[s].check)
                es_test_fail(__FILE__, __LINE__,
                             "%s with AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=%s: check %d, want %d", vars[v],
                             settings[s].value, (int)rc, (int)settings[s].check);
        }
    CHECK_INT_EQ(es_test_http_server_request_count(s_srv), 0);
}

typedef struct s_worker {
    es_creds_provider *p;
    int failures;
} s_worker;

static void *s_worker_main(void *arg)
{
    s_worker *w = arg;
    for (int i = 0; i < 40; i++) {
        es_creds c;
        es_error err;
        es_error_clear(&err);
        if (es_creds_get(w->p, &c, &err) != ES_OK || strcmp(c.access_key_id, "ASIAREMOTE") != 0)
            w->failures++;
    }
    return NULL;
}

static void test_default_chain_concurrent_gets(void)
{
    s_setup();
    setenv("EXIFSTRIP_ECS_ENDPOINT", es_test_http_server_url(s_srv), 1);
    setenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/ecs", 1);
    es_test_http_route slow = {.method = "GET", .path = "/ecs", .status = 200, .body = CREDS_JSON, .delay_ms = 50};
    es_test_http_server_add_route(s_srv, &slow);
    es_creds_provider *p = es_creds_provider_new_default();
    REQUIRE(p);
    pthread_t th[6];
    s_worker w[6];
    for (int i = 0; i < 6; i++) {
        w[i].p = p;
        w[i].failures = 0;
        REQUIRE(pthread_create(&th[i], NULL, s_worker_main, &w[i]) == 0);
    }
    for (int i = 0; i < 6; i++) {
        pthread_join(th[i], NULL);
        CHECK_INT_EQ(w[i].failures, 0);
    }
    CHECK_INT_EQ(es_test_http_server_count(s_srv, "GET", "/ecs"), 1); /* one fetch, then cached */
    es_creds_provider_release(p);
}

/* The test server itself: routes limited in uses, unmatched paths, drops. */
static void test_http_server_scripting(void)
{
    es_creds c;
    es_error err;
    char url[256];
    s_setup();
    snprintf(url, sizeof url, "%s/c", es_test_http_server_url(s_srv));
    setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", url, 1);
    es_test_http_route drop = {.path = "/c", .status = 0, .times = 2};
    es_test_http_server_add_route(s_srv, &drop);
    es_test_http_server_route(s_srv, NULL, "/c", 200, CREDS_JSON);
    CHECK_INT_EQ(s_get_once(es_creds_provider_new_ecs(), &c, &err), ES_ERR_NETWORK);
    CHECK_INT_EQ(es_test_http_server_count(s_srv, NULL, "/c"), 2);
    CHECK_OK(s_get_once(es_creds_provider_new_ecs(), &c, &err));
    snprintf(url, sizeof url, "%s/unrouted?x=1", es_test_http_server_url(s_srv));
    setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", url, 1);
    CHECK_INT_EQ(s_get_once(es_creds_provider_new_ecs(), &c, &err), ES_ERR_AUTH); /* 404 */
    es_test_http_request r;
    REQUIRE(es_test_http_server_request(s_srv, 3, &r));
    CHECK_STR_EQ(r.path, "/unrouted");
    CHECK_STR_EQ(r.query, "x=1");
    es_test_http_request_free(&r);
    CHECK(!es_test_http_server_request(s_srv, 99, &r));
}

int main(void)
{
    s_srv = es_test_http_server_start();
    if (!s_srv) {
        fprintf(stderr, "cannot start the test HTTP server\n");
        return 1;
    }
    ES_RUN(test_ecs_relative_uri);
    ES_RUN(test_ecs_full_uri_authorization);
    ES_RUN(test_ecs_full_uri_allowed_hosts);
    ES_RUN(test_ecs_failures);
    ES_RUN(test_imds_v2_flow);
    ES_RUN(test_imds_disabled_and_unreachable);
    ES_RUN(test_imds_settings_checked);
    ES_RUN(test_web_identity_sts);
    ES_RUN(test_web_identity_errors);
    ES_RUN(test_web_identity_partition_endpoint);
    ES_RUN(test_web_identity_profile_endpoint);
    ES_RUN(test_web_identity_endpoint_needs_scheme);
    ES_RUN(test_default_chain_remote_sources);
    ES_RUN(test_urls_with_userinfo_are_refused);
    ES_RUN(test_web_identity_ignores_configured_endpoints);
    ES_RUN(test_default_chain_concurrent_gets);
    ES_RUN(test_http_server_scripting);
    es_test_http_server_stop(s_srv);
    es_test_tmpdir_remove(s_home);
    return es_test_finish();
}
