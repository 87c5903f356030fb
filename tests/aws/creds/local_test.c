/* local_test.c - unit tests of the local credential sources and the
 * machinery around them: static and environment providers, the shared
 * profile files (INI dialect, named profiles, precedence, malformed lines,
 * region lookup), the STS XML and JSON documents, the chain's order and stop
 * rules, the refreshing cache (injectable clock, failed refresh, threads),
 * and that no error message ever contains a secret key or token. The HTTP
 * sources (ECS, IMDS, STS) are in creds_remote_test.c. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aws/creds/creds.h"
#include "aws/creds/ini.h"
#include "aws/creds/internal.h"
#include "common/log.h"
#include "../../harness/test.h"
#include "../../support/aws_env.h"
#include "../../support/log_capture.h"

#define LEAK_SECRET "leakSecretKEY/do+not/print0123456789ABCDEF"
#define LEAK_TOKEN "leakTOKEN//do-not-print//FwoGZXIvYXdzEBYaDExampleToken=="

static char *s_home;

/* Fails the test when msg contains a marker secret. */
static void s_no_leak(const char *msg, int line)
{
    if (strstr(msg, LEAK_SECRET) || strstr(msg, LEAK_TOKEN) || strstr(msg, "leakSecret") ||
        strstr(msg, "leakTOKEN"))
        es_test_fail(__FILE__, line, "message leaks a secret: %s", msg);
}

static void s_fresh_env(void)
{
    es_test_tmpdir_remove(s_home);
    s_home = es_test_tmpdir_new("creds");
    es_test_aws_env_reset(s_home);
}

/* ---- static, env --------------------------------------------------------- */

static void test_static_provider_and_refcount(void)
{
    es_creds_provider *p = es_creds_provider_new_static("AKIDSTATIC", "static-secret", NULL);
    es_creds c;
    es_error err;
    REQUIRE(p);
    es_error_clear(&err);
    CHECK_OK(es_creds_get(p, &c, &err));
    CHECK_STR_EQ(c.access_key_id, "AKIDSTATIC");
    CHECK_STR_EQ(c.secret_access_key, "static-secret");
    CHECK_STR_EQ(c.session_token, "");
    CHECK_STR_EQ(c.source, "static");
    CHECK_INT_EQ(c.expiration, 0);
    CHECK(es_creds_provider_acquire(p) == p);
    es_creds_provider_release(p);
    CHECK_OK(es_creds_get(p, &c, &err)); /* still alive: one reference left */
    es_creds_provider_release(p);
    es_creds_provider_release(NULL);
    CHECK(es_creds_provider_new_static("", "x", NULL) == NULL);
    es_creds_clear(&c);
    CHECK_STR_EQ(c.secret_access_key, "");
}

static void test_env_provider(void)
{
    es_creds c;
    es_error err;
    s_fresh_env();
    setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "env-secret", 1);
    setenv("AWS_SESSION_TOKEN", "env-token", 1);
    es_creds_provider *p = es_creds_provider_new_env();
    REQUIRE(p);
    unsetenv("AWS_ACCESS_KEY_ID"); /* captured at creation */
    es_error_clear(&err);
    CHECK_OK(es_creds_get(p, &c, &err));
    CHECK_STR_EQ(c.access_key_id, "AKIDENV");
    CHECK_STR_EQ(c.secret_access_key, "env-secret");
    CHECK_STR_EQ(c.session_token, "env-token");
    CHECK_STR_EQ(c.source, "env");
    es_creds_provider_release(p);

    p = es_creds_provider_new_env(); /* secret without id */
    es_error_clear(&err);
    CHECK_INT_EQ(es_creds_get(p, &c, &err), ES_ERR_CONFIG);
    CHECK_STR_CONTAINS(err.msg, "AWS_ACCESS_KEY_ID");
    CHECK_STR_EQ(c.secret_access_key, ""); /* out is wiped on failure */
    es_creds_provider_release(p);

    s_fresh_env();
    p = es_creds_provider_new_env();
    es_error_clear(&err);
    CHECK_INT_EQ(es_creds_get(p, &c, &err), ES_ERR_NO_CREDENTIALS);
    CHECK_STR_CONTAINS(err.msg, "not set");
    es_creds_provider_release(p);

    setenv("AWS_ACCESS_KEY", "AKIDLEGACY", 1); /* legacy names */
    setenv("AWS_SECRET_KEY", "legacy-secret", 1);
    p = es_creds_provider_new_env();
    es_error_clear(&err);
    CHECK_OK(es_creds_get(p, &c, &err));
    CHECK_STR_EQ(c.access_key_id, "AKIDLEGACY");
    es_creds_provider_release(p);
}

/* ---- INI and profiles ------------------------------------------------------ */

typedef struct s_kv_log {
    char text[2048];
} s_kv_log;

static void s_log_kv(void *ctx, const char *section, const char *parent, const char *key, const char *value)
{
    s_kv_log *l = ctx;
    size_t n = strlen(l->text);
    snprintf(l->text + n, sizeof l->text - n, "[%s]%s%s%s=%s;", section, parent, parent[0] ? "." : "", key,
             value);
}

static void test_ini_parser(void)
{
    static const char text[] = "# comment\n"
                               "; other comment\n"
                               "orphan = 1\n"
                               "[ default ]\r\n"
                               "Aws_Access_Key_Id = AKID  # trailing note\r\n"
                               "aws_secret_access_key=se#cret;x\n"
                               "garbage line without equals\n"
                               "s3 =\n"
                               "    max_concurrent_requests = 20\n"
                               "    Addressing_Style = path  # nested\n"
                               "    not a setting\n"
                               "output = text\n"
                               "  continued value\n"
                               "  looks = nested but continues output\n"
                               "\n"
                               "[broken\n"
                               "key = lost\n"
                               "[]\n"
                               "[profile  spaced ]\n"
                               "  region = eu-west-1\n"
                               "  output = json\n";
    s_kv_log log = {""};
    es_creds_ini_stats st;
    es_creds_ini_parse(text, sizeof text - 1, s_log_kv, &log, &st);
    CHECK_STR_EQ(log.text,
                 "[default]aws_access_key_id=AKID;[default]aws_secret_access_key=se#cret;x;"
                 "[default]s3=;[default]s3.max_concurrent_requests=20;[default]s3.addressing_style=path;"
                 "[default]output=text;[profile  spaced]region=eu-west-1;"
                 "[profile  spaced]output=json;");
    CHECK_INT_EQ(st.malformed, 5); /* orphan, garbage, [broken, key after it, [] */
    CHECK_INT_EQ(st.first_bad_line, 3);
    /* A UTF-8 byte order mark before the first section is skipped, not taken as its name's start. */
    static const char bom[] = "\xEF\xBB\xBF[default]\nk = v\n";
    memset(&log, 0, sizeof log);
    es_creds_ini_parse(bom, sizeof bom - 1, s_log_kv, &log, &st);
    CHECK_STR_EQ(log.text, "[default]k=v;");
    CHECK_INT_EQ(st.malformed, 0);
    /* Embedded NULs, very long lines and no final newline are survivable. */
    char big[20000];
    memset(big, 'a', sizeof big);
    memcpy(big, "[x]\nk=v\0zz\n", 11);
    memset(&log, 0, sizeof log);
    es_creds_ini_parse(big, sizeof big, s_log_kv, &log, &st);
    CHECK_STR_EQ(log.text, "[x]k=v;");
    CHECK_INT_EQ(st.malformed, 1);
}

static void s_write_profiles(void)
{
    char *p = es_test_write_file(s_home, ".aws/credentials",
                                 "[default]\n"
                                 "aws_access_key_id = AKIDDEFAULT\n"
                                 "aws_secret_access_key = default-secret\n"
                                 "\n"
                                 "[work]\n"
                                 "aws_access_key_id=AKIDWORK\n"
                                 "aws_secret_access_key=work-secret\n"
                                 "aws_session_token=work-token\n"
                                 "this line is malformed\n"
                                 "[both]\n"
                                 "aws_access_key_id = AKIDBOTH-CREDS\n"
                                 "aws_secret_access_key = both-secret-creds\n"
                                 "[half]\n"
                                 "aws_access_key_id = AKIDHALF\n"
                                 "[profile notincreds]\n"
                                 "aws_access_key_id = AKIDWRONGPLACE\n"
                                 "aws_secret_access_key = wrong\n");
    free(p);
    p = es_test_write_file(s_home, ".aws/config",
                           "[default]\n"
                           "region = us-west-2\n"
                           "[profile cfgonly]\n"
                           "region = ap-south-1\n"
                           "aws_access_key_id = AKIDCFG\n"
                           "aws_secret_access_key = cfg-secret\n"
                           "[profile both]\n"
                           "aws_access_key_id = AKIDBOTH-CONFIG\n"
                           "aws_secret_access_key = both-secret-config\n"
                           "[profile assumed]\n"
                           "role_arn = arn:aws:iam::123456789012:role/x\n"
                           "source_profile = default\n"
                           "[profile regiononly]\n"
                           "region = eu-west-1\n"
                           "[notprefixed]\n"
                           "aws_access_key_id = AKIDIGNORED\n"
                           "aws_secret_access_key = ignored\n");
    free(p);
}

/* Gets credentials of profile name (NULL = from the environment). */
static es_err s_profile_get(const char *name, es_creds *c, es_error *err)
{
    es_creds_provider *p = es_creds_provider_new_profile(name);
    es_error_clear(err);
    es_err rc = p ? es_creds_get(p, c, err) : ES_ERR_NOMEM;
    es_creds_provider_release(p);
    return rc;
}

static void test_profile_provider(void)
{
    es_creds c;
    es_error err;
    s_fresh_env();
    s_write_profiles();

    CHECK_OK(s_profile_get(NULL, &c, &err));
    CHECK_STR_EQ(c.access_key_id, "AKIDDEFAULT");
    CHECK_STR_EQ(c.secret_access_key, "default-secret");
    CHECK_STR_EQ(c.source, "profile");

    CHECK_OK(s_profile_get("work", &c, &err));
    CHECK_STR_EQ(c.access_key_id, "AKIDWORK");
    CHECK_STR_EQ(c.session_token, "work-token");

    setenv("AWS_PROFILE", "cfgonly", 1); /* [profile cfgonly] in the config file */
    CHECK_OK(s_profile_get(NULL, &c, &err));
    CHECK_STR_EQ(c.access_key_id, "AKIDCFG");
    unsetenv("AWS_PROFILE");
    setenv("AWS_DEFAULT_PROFILE", "work", 1);
    CHECK_OK(s_profile_get(NULL, &c, &err));
    CHECK_STR_EQ(c.access_key_id, "AKIDWORK");
    unsetenv("AWS_DEFAULT_PROFILE");

    CHECK_OK(s_profile_get("both", &c, &err)); /* the credentials file wins */
    CHECK_STR_EQ(c.access_key_id, "AKIDBOTH-CREDS");

    /* A profile asked for by name must exist (see test_selected_profile_stops_the_chain). */
    CHECK_INT_EQ(s_profile_get("missing", &c, &err), ES_ERR_CONFIG);
    CHECK_STR_CONTAINS(err.msg, "'missing' (named by the caller) not found");
    CHECK_STR_CONTAINS(err.msg, "malformed"); /* the bad line is reported */
    CHECK_INT_EQ(s_profile_get("half", &c, &err), ES_ERR_CONFIG);
    CHECK_STR_CONTAINS(err.msg, "no aws_secret_access_key");
    CHECK_INT_EQ(s_profile_get("assumed", &c, &err), ES_ERR_CONFIG); /* was NO_CREDENTIALS: fell through */
    CHECK_STR_CONTAINS(err.msg, "uses role_arn, which exifstrip does not support");
    /* "[x]" in the config file and "[profile x]" in the credentials file are not profiles. */
    CHECK_INT_EQ(s_profile_get("notprefixed", &c, &err), ES_ERR_CONFIG);
    CHECK_STR_CONTAINS(err.msg, "not found");
    CHECK_INT_EQ(s_profile_get("notincreds", &c, &err), ES_ERR_CONFIG);
    CHECK_STR_CONTAINS(err.msg, "not found");

    /* Explicit file locations, with "~/" expansion. */
    char *alt = es_test_write_file(s_home, "alt/creds",
                                   "[default]\naws_access_key_id=AKIDALT\n"
                                   "aws_secret_access_key=alt-secret\n");
    setenv("AWS_SHARED_CREDENTIALS_FILE", "~/alt/creds", 1);
    setenv("AWS_CONFIG_FILE", "/nonexistent/config", 1);
    CHECK_OK(s_profile_get(NULL, &c, &err));
    CHECK_STR_EQ(c.access_key_id, "AKIDALT");
    free(alt);
    setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/creds", 1);
    CHECK_INT_EQ(s_profile_get(NULL, &c, &err), ES_ERR_NO_CREDENTIALS);
    CHECK_STR_CONTAINS(err.msg, "no shared credentials file");
}

static void test_profile_region(void)
{
    es_creds_profile_settings st;
    s_fresh_env();
    CHECK_OK(es_creds_profile_settings_read(&st));
    CHECK_STR_EQ(st.region, "");
    s_write_profiles();
    CHECK_OK(es_creds_profile_settings_read(&st));
    CHECK_STR_EQ(st.region, "us-west-2");
    setenv("AWS_PROFILE", "cfgonly", 1);
    CHECK_OK(es_creds_profile_settings_read(&st));
    CHECK_STR_EQ(st.region, "ap-south-1");
    setenv("AWS_PROFILE", "work", 1);
    CHECK_OK(es_creds_profile_settings_read(&st));
    CHECK_STR_EQ(st.region, "");
    /* the credentials file's settings count when the config file has none (the SDKs' merged profile) */
    char *p = es_test_write_file(s_home, ".aws/credentials",
                                 "[work]\nregion = eu-north-1\nendpoint_url = http://creds-file:1\n");
    free(p);
    CHECK_OK(es_creds_profile_settings_read(&st));
    CHECK_STR_EQ(st.region, "eu-north-1");
    CHECK_STR_EQ(st.endpoint_url, "http://creds-file:1");
    /* a region too long for any is told apart from none */
    char text[200];
    snprintf(text, sizeof text, "[profile work]\nregion = %070d\n", 7);
    p = es_test_write_file(s_home, ".aws/config", text);
    free(p);
    CHECK_OK(es_creds_profile_settings_read(&st));
    CHECK_STR_EQ(st.region, "");
    CHECK(st.region_too_long);
}

/* The profile's endpoint settings: endpoint_url, and the blocks of the
 * services section it names (nested keys of any other parent, or in the
 * profile's own section, are not endpoints). */
static void test_profile_endpoint_settings(void)
{
    es_creds_profile_settings st;
    s_fresh_env();
    char *p = es_test_write_file(s_home, ".aws/config",
                                 "[services mine]\n"
                                 "sqs =\n"
                                 "  endpoint_url = http://sqs-here:2\n"
                                 "sts =\n"
                                 "  region = not-an-endpoint\n"
                                 "[profile dev]\n"
                                 "use_fips_endpoint = TRUE\n"
                                 "services = mine\n"
                                 "s3 =\n"
                                 "  endpoint_url = http://nested-in-profile:9\n"
                                 "ignore_configured_endpoint_urls = true\n"
                                 "[services other]\n"
                                 "s3 =\n"
                                 "  endpoint_url = http://other:9\n");
    free(p);
    setenv("AWS_PROFILE", "dev", 1);
    CHECK_OK(es_creds_profile_settings_read(&st));
    CHECK(st.use_fips && !st.use_dualstack && st.ignore_endpoint_urls);
    CHECK_STR_EQ(st.services, "mine");
    CHECK(st.services_found);
    CHECK_STR_EQ(st.endpoint_url, "");
    CHECK_STR_EQ(st.s3_endpoint_url, "");
    CHECK_STR_EQ(st.sqs_endpoint_url, "http://sqs-here:2");
    CHECK_STR_EQ(st.sts_endpoint_url, "");
    CHECK(!st.setting_too_long);

    /* the credentials file's settings count too, the config file's override them
     * key by key (the SDKs' merged profile) */
    p = es_test_write_file(s_home, ".aws/credentials",
                           "[dev]\nuse_fips_endpoint = false\nuse_dualstack_endpoint = true\n"
                           "endpoint_url = http://from-credentials:1\nregion = eu-west-1\n"
                           "ignore_configured_endpoint_urls = false\n");
    free(p);
    CHECK_OK(es_creds_profile_settings_read(&st));
    CHECK(st.use_fips && st.use_dualstack && st.ignore_endpoint_urls);
    CHECK_STR_EQ(st.endpoint_url, "http://from-credentials:1");
    CHECK_STR_EQ(st.region, "eu-west-1");
    p = es_test_write_file(s_home, ".aws/config", "[profile dev]\nregion = us-east-2\n");
    free(p);
    CHECK_OK(es_creds_profile_settings_read(&st));
    CHECK(!st.use_fips && st.use_dualstack && !st.ignore_endpoint_urls);
    CHECK_STR_EQ(st.endpoint_url, "http://from-credentials:1");
    CHECK_STR_EQ(st.region, "us-east-2");
    p = es_test_write_file(s_home, ".aws/credentials", "");
    unlink(p);
    free(p);
}

/* ---- documents ------------------------------------------------------------- */

static void test_iso8601(void)
{
    time_t t = 0;
    CHECK(es_creds_parse_iso8601("2015-08-30T12:36:00Z", &t));
    CHECK_INT_EQ(t, 1440938160);
    CHECK(es_creds_parse_iso8601("2015-08-30T12:36:00.123Z", &t));
    CHECK_INT_EQ(t, 1440938160);
    CHECK(es_creds_parse_iso8601("2015-08-30T14:36:00+02:00", &t));
    CHECK_INT_EQ(t, 1440938160);
    CHECK(es_creds_parse_iso8601("2015-08-30T07:36:00-0500", &t));
    CHECK_INT_EQ(t, 1440938160);
    CHECK(!es_creds_parse_iso8601("2015-08-30T12:36:00", &t));
    CHECK(!es_creds_parse_iso8601("2015-13-30T12:36:00Z", &t));
    CHECK(!es_creds_parse_iso8601("2015-08-30T12:36:00Zjunk", &t));
    CHECK(!es_creds_parse_iso8601("", &t));
    CHECK(!es_creds_parse_iso8601(NULL, &t));
}

static void test_json_document(void)
{
    static const char ok[] = "{\"Code\":\"Success\",\"AccessKeyId\":\"ASIAJSON\",\"SecretAccessKey\":"
                             "\"json-secret\",\"Token\":\"json-token\",\"Expiration\":"
                             "\"2030-01-01T00:00:00Z\"}";
    es_creds c;
    es_error err;
    es_error_clear(&err);
    CHECK_OK(es_creds_parse_json(ok, sizeof ok - 1, "imds", &c, &err));
    CHECK_STR_EQ(c.access_key_id, "ASIAJSON");
    CHECK_STR_EQ(c.session_token, "json-token");
    CHECK_INT_EQ(c.expiration, 1893456000);
    CHECK_STR_EQ(c.source, "imds");
    /* An Expiration that is there but no string is no "never expires". */
    static const char *const bad_exp[] = {"1893456000", "1893456000.5", "null", "true", "{}", "[]"};
    for (size_t i = 0; i < sizeof bad_exp / sizeof bad_exp[0]; i++) {
        char doc[256];
        snprintf(doc, sizeof doc,
                 "{\"AccessKeyId\":\"ASIAJSON\",\"SecretAccessKey\":\"s\",\"Token\":\"t\",\"Expiration\":%s}",
                 bad_exp[i]);
        es_error_clear(&err);
        CHECK_INT_EQ(es_creds_parse_json(doc, strlen(doc), "ecs", &c, &err), ES_ERR_PROTOCOL);
        CHECK_STR_CONTAINS(err.msg, "ecs: Expiration is not a string");
    }
    static const char noexp[] = "{\"AccessKeyId\":\"AKIDJSON\",\"SecretAccessKey\":\"s\"}";
    es_error_clear(&err);
    CHECK_OK(es_creds_parse_json(noexp, sizeof noexp - 1, "ecs", &c, &err)); /* absent: does not expire */
    CHECK_INT_EQ(c.expiration, 0);
    static const char nokey[] = "{\"SecretAccessKey\":\"" LEAK_SECRET "\",\"Token\":\"" LEAK_TOKEN "\"}";
    es_error_clear(&err);
    CHECK_INT_EQ(es_creds_parse_json(nokey, sizeof nokey - 1, "ecs", &c, &err), ES_ERR_PROTOCOL);
    CHECK_STR_CONTAINS(err.msg, "access key id");
    s_no_leak(err.msg, __LINE__);
    static const char notjson[] = "SecretAccessKey=" LEAK_SECRET;
    es_error_clear(&err);
    CHECK_INT_EQ(es_creds_parse_json(notjson, sizeof notjson - 1, "ecs", &c, &err), ES_ERR_PROTOCOL);
    s_no_leak(err.msg, __LINE__);
    static const char failed[] = "{\"Code\":\"AssumeRoleUnauthorizedAccess\",\"SecretAccessKey\":\"" LEAK_SECRET
                                 "\"}";
    es_error_clear(&err);
    CHECK_INT_EQ(es_creds_parse_json(failed, sizeof failed - 1, "imds", &c, &err), ES_ERR_AUTH);
    CHECK_STR_CONTAINS(err.msg, "AssumeRoleUnauthorizedAccess");
    s_no_leak(err.msg, __LINE__);
}

static void test_sts_xml_document(void)
{
    static const char ok[] =
        "<AssumeRoleWithWebIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n"
        " <AssumeRoleWithWebIdentityResult>\n"
        "  <SubjectFromWebIdentityToken>system:serviceaccount:x</SubjectFromWebIdentityToken>\n"
        "  <Credentials>\n"
        "   <SessionToken>\n   sts-token   \n</SessionToken>\n"
        "   <SecretAccessKey>sts-secret</SecretAccessKey>\n"
        "   <Expiration>2030-01-01T00:00:00Z</Expiration>\n"
        "   <AccessKeyId>ASIASTS</AccessKeyId>\n"
        "  </Credentials>\n"
        " </AssumeRoleWithWebIdentityResult>\n"
        "</AssumeRoleWithWebIdentityResponse>\n";
    es_creds c;
    char code[64], msg[128];
    CHECK_OK(es_creds_parse_sts_xml(ok, sizeof ok - 1, &c, code, sizeof code, msg, sizeof msg));
    CHECK_STR_EQ(c.access_key_id, "ASIASTS");
    CHECK_STR_EQ(c.secret_access_key, "sts-secret");
    CHECK_STR_EQ(c.session_token, "sts-token");
    CHECK_INT_EQ(c.expiration, 1893456000);
    CHECK_STR_EQ(c.source, "web-identity");

    static const char er[] = "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code>"
                             "<Message>Not authorized to perform sts:AssumeRoleWithWebIdentity</Message>"
                             "</Error><RequestId>r-1</RequestId></ErrorResponse>";
    CHECK_INT_EQ(es_creds_parse_sts_xml(er, sizeof er - 1, &c, code, sizeof code, msg, sizeof msg),
                 ES_ERR_AUTH);
    CHECK_STR_EQ(code, "AccessDenied");
    CHECK_STR_EQ(msg, "Not authorized to perform sts:AssumeRoleWithWebIdentity");
    static const char *const bad[] = {
        "", "<x/>",
        "<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult>"
        "<Credentials><AccessKeyId>A</AccessKeyId></Credentials>"
        "</AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>",
        "<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult><Credentials>"
        "<AccessKeyId>A</AccessKeyId><SecretAccessKey>S</SecretAccessKey><SessionToken>T"
        "</SessionToken><Expiration>soon</Expiration></Credentials>"
        "</AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>",
        "<unclosed"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_INT_EQ(es_creds_parse_sts_xml(bad[i], strlen(bad[i]), &c, code, sizeof code, msg, sizeof msg),
                     ES_ERR_PROTOCOL);
}

/* ---- a scripted provider for chain and cache tests ------------------------- */

typedef struct s_mock {
    pthread_mutex_t lock;
    int fetches;
    es_err fail;   /* ES_OK = succeed */
    long lifetime; /* 0 = non-expiring */
    time_t (*clock)(void *);
    void *clock_ctx;
    unsigned sleep_us;
    const char *name;
} s_mock;

static es_err s_mock_get(void *impl, es_creds *out, es_error *err)
{
    s_mock *m = impl;
    if (m->sleep_us)
        usleep(m->sleep_us);
    pthread_mutex_lock(&m->lock);
    int n = ++m->fetches;
    es_err fail = m->fail;
    time_t now = m->clock ? m->clock(m->clock_ctx) : time(NULL);
    pthread_mutex_unlock(&m->lock);
    if (fail != ES_OK)
        return es_error_set(err, fail, "%s: scripted failure", m->name);
    char akid[32];
    snprintf(akid, sizeof akid, "AKID%s%d", m->name, n);
    return es_creds_fill(out, akid, LEAK_SECRET, LEAK_TOKEN, m->lifetime ? now + m->lifetime : 0, m->name, err);
}

static void s_mock_destroy(void *impl) { (void)impl; }

static const es_creds_provider_vtable s_mock_vtable = {.get = s_mock_get, .destroy = s_mock_destroy};

static es_creds_provider *s_mock_new(s_mock *m, const char *name, es_err fail, long lifetime)
{
    memset(m, 0, sizeof *m);
    pthread_mutex_init(&m->lock, NULL);
    m->name = name;
    m->fail = fail;
    m->lifetime = lifetime;
    return es_creds_provider_wrap(&s_mock_vtable, m);
}

static void test_chain_order_and_stop_rules(void)
{
    s_mock a, b, c;
    es_creds_provider *pa = s_mock_new(&a, "a", ES_ERR_NO_CREDENTIALS, 0);
    es_creds_provider *pb = s_mock_new(&b, "b", ES_OK, 0);
    es_creds_provider *pc = s_mock_new(&c, "c", ES_OK, 0);
    es_creds_provider *list[] = {pa, pb, pc};
    es_creds_provider *chain = es_creds_provider_new_chain(list, 3);
    es_creds cr;
    es_error err;
    REQUIRE(chain);
    es_error_clear(&err);
    CHECK_OK(es_creds_get(chain, &cr, &err));
    CHECK_STR_EQ(cr.access_key_id, "AKIDb1"); /* a had none, b answered, c never asked */
    CHECK_INT_EQ(a.fetches, 1);
    CHECK_INT_EQ(c.fetches, 0);

    b.fail = ES_ERR_TIMEOUT; /* a configured source that is down ends the search */
    es_error_clear(&err);
    CHECK_INT_EQ(es_creds_get(chain, &cr, &err), ES_ERR_TIMEOUT);
    CHECK_STR_CONTAINS(err.msg, "b: scripted failure");
    CHECK_INT_EQ(c.fetches, 0);

    b.fail = ES_ERR_NO_CREDENTIALS;
    c.fail = ES_ERR_NO_CREDENTIALS;
    es_error_clear(&err);
    CHECK_INT_EQ(es_creds_get(chain, &cr, &err), ES_ERR_NO_CREDENTIALS);
    CHECK_STR_CONTAINS(err.msg, "no AWS credentials found");
    CHECK_STR_CONTAINS(err.msg, "c: scripted failure");
    es_creds_provider_release(pa); /* the chain keeps its own references */
    es_creds_provider_release(pb);
    es_creds_provider_release(pc);
    CHECK_INT_EQ(es_creds_get(chain, &cr, &err), ES_ERR_NO_CREDENTIALS);
    es_creds_provider_release(chain);
    CHECK(es_creds_provider_new_chain(list, 0) == NULL);
}

static void test_default_chain_env_beats_profile(void)
{
    es_creds c;
    es_error err;
    s_fresh_env();
    s_write_profiles();
    setenv("AWS_ACCESS_KEY_ID", "AKIDENVFIRST", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "env-secret", 1);
    es_creds_provider *p = es_creds_provider_new_default();
    REQUIRE(p);
    es_error_clear(&err);
    CHECK_OK(es_creds_get(p, &c, &err));
    CHECK_STR_EQ(c.access_key_id, "AKIDENVFIRST");
    CHECK_STR_EQ(c.source, "env");
    es_creds_provider_release(p);

    unsetenv("AWS_ACCESS_KEY_ID");
    unsetenv("AWS_SECRET_ACCESS_KEY");
    p = es_creds_provider_new_default();
    es_error_clear(&err);
    CHECK_OK(es_creds_get(p, &c, &err));
    CHECK_STR_EQ(c.access_key_id, "AKIDDEFAULT");
    CHECK_STR_EQ(c.source, "profile");
    es_creds_provider_release(p);

    s_fresh_env(); /* nothing anywhere, IMDS disabled */
    p = es_creds_provider_new_default();
    es_error_clear(&err);
    CHECK_INT_EQ(es_creds_get(p, &c, &err), ES_ERR_NO_CREDENTIALS);
    CHECK_STR_CONTAINS(err.msg, "no AWS credentials found");
    es_creds_provider_release(p);
}

/* es_creds_check on the default chain: what it tells from the environment and
 * the files alone, for the command's start-up. */
static es_err s_default_check(es_error *err)
{
    es_creds_provider *p = es_creds_provider_new_default();
    CHECK(p != NULL);
    es_error_clear(err);
    es_err rc = es_creds_check(p, err); /* a NULL provider answers ES_ERR_NO_CREDENTIALS */
    s_no_leak(err->msg, __LINE__);
    es_creds_provider_release(p);
    return rc;
}

static void test_check_tells_without_a_request(void)
{
    es_error err;
    s_fresh_env();
    s_write_profiles();
    setenv("AWS_ACCESS_KEY_ID", "AKIDHALF", 1); /* half a pair: the chain would stop there */
    CHECK_INT_EQ(s_default_check(&err), ES_ERR_CONFIG);
    CHECK_STR_CONTAINS(err.msg, "AWS_SECRET_ACCESS_KEY is not");
    setenv("AWS_SECRET_ACCESS_KEY", LEAK_SECRET, 1);
    CHECK_OK(s_default_check(&err));
    setenv("AWS_SESSION_TOKEN", LEAK_TOKEN "\r", 1); /* a line break pasted with it */
    CHECK_INT_EQ(s_default_check(&err), ES_ERR_CONFIG);
    CHECK_STR_CONTAINS(err.msg, "environment: env credentials: the session token contains a control character");
    unsetenv("AWS_SESSION_TOKEN");
    unsetenv("AWS_ACCESS_KEY_ID");
    CHECK_INT_EQ(s_default_check(&err), ES_ERR_CONFIG);
    CHECK_STR_CONTAINS(err.msg, "AWS_ACCESS_KEY_ID is not");
    unsetenv("AWS_SECRET_ACCESS_KEY");

    CHECK_OK(s_default_check(&err)); /* the default profile has keys */
    setenv("AWS_PROFILE", "half", 1);
    CHECK_INT_EQ(s_default_check(&err), ES_ERR_CONFIG);
    CHECK_STR_CONTAINS(err.msg, "no aws_secret_access_key");
    setenv("AWS_PROFILE", "missing", 1); /* absent everywhere: named, so it must exist */
    CHECK_INT_EQ(s_default_check(&err), ES_ERR_CONFIG);
    CHECK_STR_CONTAINS(err.msg, "'missing' (named by AWS_PROFILE) not found");
    setenv("AWS_PROFILE", "cfgonly", 1);
    setenv("AWS_CONFIG_FILE", "/nonexistent/config", 1); /* keys only in the config file: none now */
    CHECK_INT_EQ(s_default_check(&err), ES_ERR_CONFIG);
    unsetenv("AWS_CONFIG_FILE");
    setenv("AWS_PROFILE", "notprefixed", 1); /* the section exists but is no profile: the same */
    CHECK_INT_EQ(s_default_check(&err), ES_ERR_CONFIG);
    setenv("AWS_PROFILE", "regiononly", 1); /* a profile without credentials */
    CHECK_INT_EQ(s_default_check(&err), ES_ERR_NO_CREDENTIALS);

    /* A source that needs a request ends the check: it would be asked next. */
    setenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/x", 1);
    CHECK_OK(s_default_check(&err));
    setenv("AWS_PROFILE", "half", 1); /* but a broken source before it still stops the chain */
    CHECK_INT_EQ(s_default_check(&err), ES_ERR_CONFIG);
    unsetenv("AWS_PROFILE");
    unsetenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
    setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/creds", 1);
    setenv("AWS_CONFIG_FILE", "/nonexistent/config", 1);
    setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://credentials.example.com/v1", 1);
    CHECK_INT_EQ(s_default_check(&err), ES_ERR_CONFIG); /* a URI the ECS source refuses */
    CHECK_STR_CONTAINS(err.msg, "AWS_CONTAINER_CREDENTIALS_FULL_URI");

    /* Through a chain and a cache of sources that must be asked: nothing is fetched. */
    s_mock a;
    es_creds_provider *pa = s_mock_new(&a, "a", ES_OK, 0);
    es_creds_provider *env = es_creds_provider_new_env(); /* none in the environment now */
    es_creds_provider *list[] = {env, pa};
    es_creds_provider *chain = es_creds_provider_new_chain(list, 2);
    es_creds_provider *cached = es_creds_provider_new_cached(chain, NULL);
    REQUIRE(cached);
    es_error_clear(&err);
    CHECK_OK(es_creds_check(cached, &err));
    CHECK_INT_EQ(a.fetches, 0);
    es_creds_provider_release(cached);
    es_creds_provider_release(chain);
    es_creds_provider_release(env);
    es_creds_provider_release(pa);
    s_fresh_env();
}

/* A profile named by AWS_PROFILE / AWS_DEFAULT_PROFILE that is missing, or
 * that gets its credentials in a way exifstrip does not support, stops the
 * chain: the next sources (ECS, IMDS) would run the worker as someone else. */
static void test_selected_profile_stops_the_chain(void)
{
    es_creds c;
    es_error err;
    s_fresh_env();
    s_write_profiles();
    free(es_test_write_file(s_home, ".aws/config",
                            "[profile assumed]\nrole_arn = arn:aws:iam::123456789012:role/x\n"
                            "source_profile = default\n"
                            "[profile work]\nrole_arn = arn:aws:iam::123456789012:role/w\n" /* keys in creds */
                            "[profile sso]\nsso_session = s\nsso_account_id = 1\nsso_role_name = r\n"
                            "[profile proc]\ncredential_process = /bin/echo x\n"
                            "[profile regiononly]\nregion = eu-west-1\n"));
    static const struct {
        const char *var, *profile, *says;
    } cases[] = {
        {"AWS_PROFILE", "typo-profile", "profile 'typo-profile' (named by AWS_PROFILE) not found in "},
        {"AWS_DEFAULT_PROFILE", "typo-profile",
         "profile 'typo-profile' (named by AWS_DEFAULT_PROFILE) not found"},
        {"AWS_PROFILE", "assumed", "uses role_arn, which exifstrip does not support"},
        {"AWS_PROFILE", "work", "profile 'work' (named by AWS_PROFILE) uses role_arn"}, /* not its keys */
        {"AWS_PROFILE", "sso", "uses sso_* settings"},
        {"AWS_DEFAULT_PROFILE", "proc", "uses credential_process"},
    };
    s_mock m;
    es_creds_provider *next = s_mock_new(&m, "next", ES_OK, 0); /* what ECS or IMDS would answer */
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        setenv(cases[i].var, cases[i].profile, 1);
        es_creds_provider *list[] = {es_creds_provider_new_profile(NULL), next};
        es_creds_provider *chain = es_creds_provider_new_chain(list, 2);
        REQUIRE(chain);
        es_error_clear(&err);
        CHECK_INT_EQ(es_creds_get(chain, &c, &err), ES_ERR_CONFIG);
        CHECK_STR_CONTAINS(err.msg, cases[i].says);
        CHECK_INT_EQ(s_default_check(&err), ES_ERR_CONFIG); /* the worker exits 78 at start */
        CHECK_STR_CONTAINS(err.msg, cases[i].says);
        es_creds_provider_release(chain);
        es_creds_provider_release(list[0]);
        unsetenv(cases[i].var);
    }
    CHECK_INT_EQ(m.fetches, 0);

    setenv("AWS_PROFILE", "x", 1); /* no files at all */
    setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/creds", 1);
    setenv("AWS_CONFIG_FILE", "/nonexistent/config", 1);
    CHECK_INT_EQ(s_default_check(&err), ES_ERR_CONFIG);
    CHECK_STR_CONTAINS(err.msg,
                       "profile 'x' (named by AWS_PROFILE): no shared credentials file (/nonexistent/creds)");
    unsetenv("AWS_PROFILE"); /* the default profile may be absent: the next source is asked */
    CHECK_INT_EQ(s_default_check(&err), ES_ERR_NO_CREDENTIALS);
    unsetenv("AWS_SHARED_CREDENTIALS_FILE");
    unsetenv("AWS_CONFIG_FILE");
    free(es_test_write_file(s_home, ".aws/credentials", "[other]\naws_access_key_id = A\n"));
    CHECK_INT_EQ(s_default_check(&err), ES_ERR_NO_CREDENTIALS);
    CHECK_STR_CONTAINS(err.msg, "profile 'default' not found");
    setenv("AWS_PROFILE", "regiononly", 1); /* a profile without credentials: as in the SDKs, the next source */
    CHECK_INT_EQ(s_default_check(&err), ES_ERR_NO_CREDENTIALS);
    CHECK_STR_CONTAINS(err.msg, "profile 'regiononly' has no aws_access_key_id");
    es_creds_provider_release(next);
    s_fresh_env();
}

/* Gets credentials of the default profile as another user than root when the
 * test runs as root (who could read any file). */
static es_err s_profile_get_unprivileged(es_creds *c, es_error *err)
{
    bool root = geteuid() == 0;
    if (root && seteuid(65534) != 0)
        return ES_ERR_INTERNAL;
    es_err rc = s_profile_get(NULL, c, err);
    if (root && seteuid(0) != 0)
        abort();
    return rc;
}

/* A credentials or config file that is there but cannot be read stops the
 * chain, saying why: it may hold the keys meant to be used. */
static void test_unreadable_files_stop_the_chain(void)
{
    es_creds c;
    es_error err;
    s_fresh_env();
    char *dir = es_test_write_file(s_home, "creds-dir/x", "");
    *strrchr(dir, '/') = '\0';
    setenv("AWS_SHARED_CREDENTIALS_FILE", dir, 1); /* a directory: EISDIR */
    CHECK_INT_EQ(s_profile_get(NULL, &c, &err), ES_ERR_CONFIG);
    CHECK_STR_CONTAINS(err.msg, "cannot read the shared credentials file");
    CHECK_STR_CONTAINS(err.msg, "Is a directory");
    CHECK_INT_EQ(s_default_check(&err), ES_ERR_CONFIG); /* exit 78 at start */
    unsetenv("AWS_SHARED_CREDENTIALS_FILE");
    setenv("AWS_CONFIG_FILE", dir, 1);
    CHECK_INT_EQ(s_profile_get(NULL, &c, &err), ES_ERR_CONFIG);
    CHECK_STR_CONTAINS(err.msg, "cannot read the config file");
    unsetenv("AWS_CONFIG_FILE");
    free(dir);

    char *creds = es_test_write_file(s_home, ".aws/credentials",
                                     "[default]\naws_access_key_id = AKIDPERM\naws_secret_access_key = s\n");
    REQUIRE(chmod(creds, 0600) == 0);
    CHECK_OK(s_profile_get(NULL, &c, &err));
    REQUIRE(chmod(creds, 0) == 0); /* not readable: EACCES, for root too once it is another user */
    CHECK_INT_EQ(s_profile_get_unprivileged(&c, &err), ES_ERR_CONFIG);
    CHECK_STR_CONTAINS(err.msg, "profile 'default': cannot read the shared credentials file");
    CHECK_STR_CONTAINS(err.msg, "Permission denied");
    free(creds);
    s_fresh_env();
}

/* ---- cache ------------------------------------------------------------------ */

typedef struct s_clock {
    pthread_mutex_t lock;
    time_t now;
} s_clock;

static time_t s_clock_now(void *ctx)
{
    s_clock *c = ctx;
    pthread_mutex_lock(&c->lock);
    time_t t = c->now;
    pthread_mutex_unlock(&c->lock);
    return t;
}

static void s_clock_set(s_clock *c, time_t t)
{
    pthread_mutex_lock(&c->lock);
    c->now = t;
    pthread_mutex_unlock(&c->lock);
}

/* A cache (refreshing 300 s before expiry) over a mock source whose
 * credentials last ttl_s, both reading clk. */
static es_creds_provider *s_clocked_cache(s_mock *m, const char *name, long ttl_s, s_clock *clk)
{
    es_creds_provider *src = s_mock_new(m, name, ES_OK, ttl_s);
    m->clock = s_clock_now;
    m->clock_ctx = clk;
    es_creds_cache_options opt = {.refresh_before_s = 300, .clock = s_clock_now, .clock_ctx = clk};
    es_creds_provider *cache = es_creds_provider_new_cached(src, &opt);
    es_creds_provider_release(src);
    return cache;
}

static void test_cache_refreshes_before_expiry(void)
{
    s_clock clk = {PTHREAD_MUTEX_INITIALIZER, 1000000};
    s_mock m;
    es_creds_provider *cache = s_clocked_cache(&m, "m", 3600, &clk);
    es_creds c;
    es_error err;
    REQUIRE(cache);
    es_error_clear(&err);

    CHECK_OK(es_creds_get(cache, &c, &err));
    CHECK_STR_EQ(c.access_key_id, "AKIDm1");
    CHECK_INT_EQ(c.expiration, 1000000 + 3600);
    s_clock_set(&clk, 1000000 + 3299); /* 301 s left: still fresh */
    CHECK_OK(es_creds_get(cache, &c, &err));
    CHECK_STR_EQ(c.access_key_id, "AKIDm1");
    CHECK_INT_EQ(m.fetches, 1);
    s_clock_set(&clk, 1000000 + 3300); /* 300 s left: refresh now */
    CHECK_OK(es_creds_get(cache, &c, &err));
    CHECK_STR_EQ(c.access_key_id, "AKIDm2");
    CHECK_INT_EQ(m.fetches, 2);
    time_t exp2 = c.expiration;

    m.fail = ES_ERR_SERVER; /* refresh fails while the old ones are still valid */
    s_clock_set(&clk, exp2 - 100);
    es_error_clear(&err);
    CHECK_OK(es_creds_get(cache, &c, &err));
    CHECK_STR_EQ(c.access_key_id, "AKIDm2");
    CHECK_INT_EQ(m.fetches, 3);
    CHECK_OK(es_creds_get(cache, &c, &err)); /* not asked again on the next call (a log line each) */
    CHECK_INT_EQ(m.fetches, 3);
    s_clock_set(&clk, exp2 - 91);
    CHECK_OK(es_creds_get(cache, &c, &err));
    CHECK_INT_EQ(m.fetches, 3);
    s_clock_set(&clk, exp2 - 90); /* but again 10 s later, while they are still valid */
    CHECK_OK(es_creds_get(cache, &c, &err));
    CHECK_STR_EQ(c.access_key_id, "AKIDm2");
    CHECK_INT_EQ(m.fetches, 4);

    s_clock_set(&clk, exp2); /* expired and the source still fails */
    es_error_clear(&err);
    CHECK_INT_EQ(es_creds_get(cache, &c, &err), ES_ERR_SERVER);
    CHECK_STR_CONTAINS(err.msg, "scripted failure");
    CHECK_STR_EQ(c.access_key_id, "");

    m.fail = ES_OK; /* the source recovers */
    es_error_clear(&err);
    CHECK_OK(es_creds_get(cache, &c, &err));
    CHECK_STR_EQ(c.access_key_id, "AKIDm6");
    es_creds_provider_release(cache);
}

/* A source whose credentials are already due for a refresh when fetched
 * (they expire sooner than refresh_before_s) is asked every 10 s, not on
 * every request (found by the soak: 142 fetches for 270 requests). */
static void test_cache_short_lived_not_fetched_per_call(void)
{
    s_clock clk = {PTHREAD_MUTEX_INITIALIZER, 1000000};
    s_mock m;
    es_creds_provider *cache = s_clocked_cache(&m, "short", 240, &clk);
    REQUIRE(cache);
    es_creds c;
    for (int i = 0; i < 20; i++)
        CHECK_OK(es_creds_get(cache, &c, NULL));
    CHECK_STR_EQ(c.access_key_id, "AKIDshort1");
    CHECK_INT_EQ(m.fetches, 1);
    s_clock_set(&clk, 1000000 + 10);
    CHECK_OK(es_creds_get(cache, &c, NULL));
    CHECK_STR_EQ(c.access_key_id, "AKIDshort2");
    CHECK_INT_EQ(m.fetches, 2);
    es_creds_provider_release(cache);
}

static void test_cache_keeps_non_expiring(void)
{
    s_mock m;
    es_creds_provider *src = s_mock_new(&m, "s", ES_OK, 0);
    es_creds_provider *cache = es_creds_provider_new_cached(src, NULL);
    es_creds_provider_release(src);
    es_creds c;
    for (int i = 0; i < 5; i++)
        CHECK_OK(es_creds_get(cache, &c, NULL));
    CHECK_INT_EQ(m.fetches, 1);
    CHECK_STR_EQ(c.access_key_id, "AKIDs1");
    es_creds_provider_release(cache);
}

/* The service calls the cached credentials expired (ExpiredToken) while
 * this host's clock says they are fresh: the next get fetches anew; a call
 * about credentials the cache no longer holds changes nothing. */
static void test_cache_refetches_what_the_service_calls_expired(void)
{
    s_mock m;
    es_creds_provider *src = s_mock_new(&m, "x", ES_OK, 3600);
    es_creds_provider *cache = es_creds_provider_new_cached(src, NULL);
    es_creds_provider_release(src);
    REQUIRE(cache);
    es_creds first, c;
    CHECK_OK(es_creds_get(cache, &first, NULL));
    CHECK_STR_EQ(first.access_key_id, "AKIDx1");
    CHECK_OK(es_creds_get(cache, &c, NULL));
    CHECK_INT_EQ(m.fetches, 1); /* fresh by this clock */
    es_creds_expired(cache, &first);
    CHECK_OK(es_creds_get(cache, &c, NULL));
    CHECK_STR_EQ(c.access_key_id, "AKIDx2");
    CHECK_INT_EQ(m.fetches, 2);
    es_creds_expired(cache, &first); /* about the old ones: nothing to do */
    CHECK_OK(es_creds_get(cache, &c, NULL));
    CHECK_STR_EQ(c.access_key_id, "AKIDx2");
    CHECK_INT_EQ(m.fetches, 2);
    es_creds_expired(NULL, &first); /* accepted */
    es_creds_provider_release(cache);
}

typedef struct s_getter {
    es_creds_provider *p;
    int failures;
    char first[128];
} s_getter;

static void *s_get_thread(void *arg)
{
    s_getter *g = arg;
    for (int i = 0; i < 50; i++) {
        es_creds c;
        es_error err;
        es_error_clear(&err);
        if (es_creds_get(g->p, &c, &err) != ES_OK || !c.access_key_id[0])
            g->failures++;
        else if (!g->first[0])
            snprintf(g->first, sizeof g->first, "%s", c.access_key_id);
    }
    return NULL;
}

static void test_cache_concurrent_gets(void)
{
    s_mock m;
    es_creds_provider *src = s_mock_new(&m, "t", ES_OK, 3600);
    m.sleep_us = 20000; /* a slow source: threads pile up on the first fetch */
    es_creds_provider *cache = es_creds_provider_new_cached(src, NULL);
    es_creds_provider_release(src);
    pthread_t th[8];
    s_getter g[8];
    for (int i = 0; i < 8; i++) {
        memset(&g[i], 0, sizeof g[i]);
        g[i].p = es_creds_provider_acquire(cache);
        REQUIRE(pthread_create(&th[i], NULL, s_get_thread, &g[i]) == 0);
    }
    for (int i = 0; i < 8; i++) {
        pthread_join(th[i], NULL);
        CHECK_INT_EQ(g[i].failures, 0);
        CHECK_STR_EQ(g[i].first, "AKIDt1");
        es_creds_provider_release(g[i].p);
    }
    CHECK_INT_EQ(m.fetches, 1);
    es_creds_provider_release(cache);
}

/* ---- secrets ------------------------------------------------------------------ */

static void test_errors_never_carry_secrets(void)
{
    es_creds c;
    es_error err;
    char big_token[5000];
    s_fresh_env();
    memset(big_token, 'T', sizeof big_token - 1);
    big_token[sizeof big_token - 1] = '\0';
    memcpy(big_token, LEAK_TOKEN, strlen(LEAK_TOKEN));
    setenv("AWS_ACCESS_KEY_ID", "AKIDLEAK", 1);
    setenv("AWS_SECRET_ACCESS_KEY", LEAK_SECRET, 1);
    setenv("AWS_SESSION_TOKEN", big_token, 1); /* too long for es_creds */
    es_creds_provider *p = es_creds_provider_new_env();
    es_error_clear(&err);
    CHECK_INT_EQ(es_creds_get(p, &c, &err), ES_ERR_CONFIG);
    CHECK_STR_CONTAINS(err.msg, "session token is too long");
    s_no_leak(err.msg, __LINE__);
    es_creds_provider_release(p);

    s_fresh_env(); /* a profile whose secret sits on a malformed line */
    free(es_test_write_file(s_home, ".aws/credentials",
                            "[default]\naws_access_key_id = AKIDLEAK\naws_secret_access_key " LEAK_SECRET
                            "\naws_session_token=" LEAK_TOKEN "\n"));
    CHECK_INT_EQ(s_profile_get(NULL, &c, &err), ES_ERR_CONFIG);
    CHECK_STR_CONTAINS(err.msg, "malformed");
    s_no_leak(err.msg, __LINE__);

    s_fresh_env(); /* a control character in a profile's secret: fixed in the file, not retried */
    free(es_test_write_file(s_home, ".aws/credentials",
                            "[default]\naws_access_key_id = AKIDLEAK\naws_secret_access_key = " LEAK_SECRET
                            "\x01x\n"));
    CHECK_INT_EQ(s_profile_get(NULL, &c, &err), ES_ERR_CONFIG);
    CHECK_STR_CONTAINS(err.msg, "profile 'default' in ");
    CHECK_STR_CONTAINS(err.msg, "the secret access key contains a control character");
    s_no_leak(err.msg, __LINE__);
    CHECK_INT_EQ(s_default_check(&err), ES_ERR_CONFIG); /* the worker exits 78 at start */

    s_mock m; /* a cache whose source fails */
    es_creds_provider *src = s_mock_new(&m, "leak", ES_ERR_AUTH, 0);
    es_creds_provider *cache = es_creds_provider_new_cached(src, NULL);
    es_error_clear(&err);
    CHECK_INT_EQ(es_creds_get(cache, &c, &err), ES_ERR_AUTH);
    s_no_leak(err.msg, __LINE__);
    es_creds_provider_release(cache);
    es_creds_provider_release(src);
}

/* Runs last: what the providers logged along the way. */
static void test_logs_never_carry_secrets(void)
{
    CHECK_STR_CONTAINS(es_logcap_text(), "creds.profile.malformed");
    CHECK_STR_CONTAINS(es_logcap_text(), "creds.refresh_failed");
    s_no_leak(es_logcap_text(), __LINE__);
}

int main(void)
{
    es_logcap_start(); /* everything the providers log */
    ES_RUN(test_static_provider_and_refcount);
    ES_RUN(test_env_provider);
    ES_RUN(test_ini_parser);
    ES_RUN(test_profile_provider);
    ES_RUN(test_profile_region);
    ES_RUN(test_profile_endpoint_settings);
    ES_RUN(test_iso8601);
    ES_RUN(test_json_document);
    ES_RUN(test_sts_xml_document);
    ES_RUN(test_chain_order_and_stop_rules);
    ES_RUN(test_default_chain_env_beats_profile);
    ES_RUN(test_check_tells_without_a_request);
    ES_RUN(test_selected_profile_stops_the_chain);
    ES_RUN(test_unreadable_files_stop_the_chain);
    ES_RUN(test_cache_refreshes_before_expiry);
    ES_RUN(test_cache_short_lived_not_fetched_per_call);
    ES_RUN(test_cache_keeps_non_expiring);
    ES_RUN(test_cache_refetches_what_the_service_calls_expired);
    ES_RUN(test_cache_concurrent_gets);
    ES_RUN(test_errors_never_carry_secrets);
    ES_RUN(test_logs_never_carry_secrets);
    es_logcap_stop();
    es_test_tmpdir_remove(s_home);
    return es_test_finish();
}
