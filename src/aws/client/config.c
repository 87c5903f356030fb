/* config.c - es_aws_config_from_env: region, endpoints, addressing style,
 * attempts and CA bundle from the environment, with the SDKs' precedence.
 * Every rejection names the variable at fault (values are truncated in
 * messages, and an endpoint holding user info is not shown). */
#include "aws/client/config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "aws/client/client.h"
#include "aws/creds/creds.h"
#include "common/buf.h"
#include "common/flag.h"

#define S_DEFAULT_ATTEMPTS 3
#define S_MAX_ATTEMPTS 20

void es_aws_result_clear(es_aws_result *r)
{
    if (r)
        memset(r, 0, sizeof *r);
}

void es_aws_result_describe(const es_aws_result *res, es_err rc, char *out, size_t cap)
{
    const char *what = es_strerror(rc);
    size_t n = strlen(what);
    /* A transport failure's message starts with what = es_strerror(rc)
     * already, even after the status line came (a header block or a body
     * cut off, a body over its cap): not said twice. */
    bool said = !strncmp(res->message, what, n) && (res->message[n] == ':' || res->message[n] == '\0');
    if (!res->message[0])
        es_fmt(out, cap, "%s", what);
    else if (!res->http_status || said)
        es_fmt(out, cap, "%s", res->message);
    else
        es_fmt(out, cap, "%s: %s", what, res->message);
}

/* Unset and empty are the same thing. */
static const char *s_env(const char *name)
{
    const char *v = getenv(name);
    return v && v[0] ? v : NULL;
}

/* aws-global, aws-cn-global, ...: the SDKs' names for a partition's global
 * endpoints (signed for another region), no place a queue or bucket is. */
static bool s_global_pseudo_region(const char *r)
{
    size_t n = strlen(r);
    return n > 7 && !strcmp(r + n - 7, "-global");
}

static bool s_region_ok(const char *r)
{
    size_t n = strlen(r);
    if (n == 0 || n >= sizeof((es_aws_config *)0)->region || r[0] == '-' || r[n - 1] == '-' ||
        s_global_pseudo_region(r))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((r[i] >= 'a' && r[i] <= 'z') || (r[i] >= '0' && r[i] <= '9') || r[i] == '-'))
            return false;
    return true;
}

static es_err s_region(es_aws_config *cfg, es_error *err)
{
    static const char *const vars[] = {"AWS_REGION", "AWS_DEFAULT_REGION"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
        const char *v = s_env(vars[i]);
        if (!v)
            continue;
        if (s_global_pseudo_region(v))
            return es_error_set(err, ES_ERR_CONFIG,
                                "%s: \"%.64s\" names global endpoints, not a region: set the region the queue "
                                "and the buckets are in (e.g. us-east-1)",
                                vars[i], v);
        if (!s_region_ok(v))
            return es_error_set(err, ES_ERR_CONFIG, "%s: invalid region \"%.64s\"", vars[i], v);
        snprintf(cfg->region, sizeof cfg->region, "%s", v);
        return ES_OK;
    }
    es_err rc = es_creds_profile_region(cfg->region, sizeof cfg->region);
    if (rc == ES_OK && s_region_ok(cfg->region))
        return ES_OK;
    if (rc == ES_OK || rc == ES_ERR_TOO_LARGE) {
        char bad[sizeof cfg->region];
        snprintf(bad, sizeof bad, "%s", rc == ES_OK ? cfg->region : "(too long)");
        cfg->region[0] = '\0';
        return es_error_set(err, ES_ERR_CONFIG, "AWS_PROFILE's region: invalid region \"%.64s\"", bad);
    }
    cfg->region[0] = '\0';
    return es_error_set(err, ES_ERR_CONFIG,
                        "no AWS region: set AWS_REGION (or AWS_DEFAULT_REGION, or a region in the "
                        "AWS_PROFILE's config)");
}

static es_err s_max_attempts(es_aws_config *cfg, es_error *err)
{
    const char *v = s_env("AWS_MAX_ATTEMPTS");
    cfg->max_attempts = S_DEFAULT_ATTEMPTS;
    if (!v)
        return ES_OK;
    char *end = NULL;
    long n = strtol(v, &end, 10);
    if (v[0] < '0' || v[0] > '9' || *end != '\0' || n < 1 || n > S_MAX_ATTEMPTS)
        return es_error_set(err, ES_ERR_CONFIG, "AWS_MAX_ATTEMPTS: \"%.32s\" is not a number from 1 to %d", v,
                            S_MAX_ATTEMPTS);
    cfg->max_attempts = (int)n;
    return ES_OK;
}

/* The first set variable of vars wins; "" stays for the regional default. */
static es_err s_endpoint(char *out, size_t out_size, const char *const *vars, size_t nvars, es_error *err)
{
    out[0] = '\0';
    if (es_configured_endpoint_urls_ignored())
        return ES_OK;
    for (size_t i = 0; i < nvars; i++) {
        const char *v = s_env(vars[i]);
        if (!v)
            continue;
        es_aws_endpoint ep;
        if (es_url_has_userinfo(v))
            return es_error_set(err, ES_ERR_CONFIG,
                                "%s: a user name or password in the URL (user:password@host) is not "
                                "supported: requests are signed with the AWS credentials (value not shown)",
                                vars[i]);
        if (strlen(v) >= out_size || es_aws_endpoint_parse(v, &ep) != ES_OK)
            return es_error_set(err, ES_ERR_CONFIG,
                                "%s: \"%.100s\" is not an http(s)://host[:port][/path] URL", vars[i], v);
        snprintf(out, out_size, "%s", v);
        return ES_OK;
    }
    return ES_OK;
}

/* AWS_USE_FIPS_ENDPOINT / AWS_USE_DUALSTACK_ENDPOINT ("true"/"false", else the
 * profile's use_fips_endpoint / use_dualstack_endpoint) ask the SDKs for other
 * hosts, and a profile's endpoint_url (or services section) names one unless
 * AWS_IGNORE_CONFIGURED_ENDPOINT_URLS (else the profile's
 * ignore_configured_endpoint_urls) is true. None
 * is chosen here: the first that is set is kept in cfg->endpoint_setting, and
 * es_aws_config_check_endpoint refuses a service used without its endpoint
 * in the environment, which would silently go to the standard AWS host (a
 * FIPS policy broken, a local run sent to AWS). */
static void s_endpoint_settings(es_aws_config *cfg)
{
    cfg->endpoint_setting[0] = '\0';
    es_creds_profile_endpoints prof;
    if (es_creds_profile_endpoint_settings(&prof) != ES_OK)
        memset(&prof, 0, sizeof prof);
    static const char *const vars[] = {"AWS_USE_FIPS_ENDPOINT", "AWS_USE_DUALSTACK_ENDPOINT"};
    static const char *const keys[] = {"use_fips_endpoint", "use_dualstack_endpoint"};
    for (size_t i = 0; i < 2; i++) {
        const char *v = s_env(vars[i]);
        if (v ? !strcasecmp(v, "true") : (i == 0 ? prof.use_fips : prof.use_dualstack)) {
            snprintf(cfg->endpoint_setting, sizeof cfg->endpoint_setting, "%s", v ? vars[i] : keys[i]);
            return;
        }
    }
    /* ignore_configured_endpoint_urls, unless the environment says (either way) */
    bool ignored = s_env("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS") ? es_configured_endpoint_urls_ignored()
                                                                : prof.ignore_endpoint_urls;
    if (prof.endpoint_url && !ignored)
        snprintf(cfg->endpoint_setting, sizeof cfg->endpoint_setting, "endpoint_url");
}

es_err es_aws_config_check_endpoint(const es_aws_config *cfg, const char *service, es_error *err)
{
    ES_ENSURE(cfg && service, ES_ERR_INVALID_ARG);
    bool s3 = !strcmp(service, "s3");
    const char *set = cfg->endpoint_setting;
    if (!set[0] || (s3 ? cfg->s3_endpoint : cfg->sqs_endpoint)[0])
        return ES_OK;
    const char *var = s3 ? "AWS_ENDPOINT_URL_S3" : "AWS_ENDPOINT_URL_SQS";
    if (!strcmp(set, "endpoint_url"))
        return es_error_set(err, ES_ERR_CONFIG,
                            "the AWS profile's endpoint_url (or services section) is not read: set %s (or "
                            "AWS_ENDPOINT_URL), or AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true for AWS's own",
                            var);
    bool fips = strstr(set, "FIPS") || strstr(set, "fips");
    char example[160];
    if (fips)
        es_fmt(example, sizeof example, "https://%s-fips.%s.%s", service, cfg->region,
               es_aws_dns_suffix(cfg->region));
    else if (s3)
        es_fmt(example, sizeof example, "https://s3.dualstack.%s.%s", cfg->region,
               es_aws_dns_suffix(cfg->region));
    else
        es_fmt(example, sizeof example, "https://sqs.%s.api.aws", cfg->region);
    /* with it, the variable to set would be ignored as well (s_endpoint) */
    const char *unset = es_configured_endpoint_urls_ignored()
                            ? " and unset AWS_IGNORE_CONFIGURED_ENDPOINT_URLS, which ignores it"
                            : "";
    return es_error_set(err, ES_ERR_CONFIG,
                        "%s=true: exifstrip does not pick %s endpoints itself; set %s to one (e.g. %s)%s",
                        set, fips ? "FIPS" : "dual-stack", var, example, unset);
}

static es_err s_flag(const char *name, bool *out, es_error *err)
{
    const char *v = s_env(name);
    *out = false;
    if (!v)
        return ES_OK;
    if (!es_flag_parse(v, out))
        return es_error_set(err, ES_ERR_CONFIG, "%s: expected 1/true/yes/on or 0/false/no/off, got \"%.32s\"",
                            name, v);
    return ES_OK;
}

static es_err s_ca_bundle(es_aws_config *cfg, es_error *err)
{
    const char *v = s_env("AWS_CA_BUNDLE");
    if (!v)
        return ES_OK;
    if (strlen(v) >= sizeof cfg->ca_bundle)
        return es_error_set(err, ES_ERR_CONFIG, "AWS_CA_BUNDLE: path too long");
    if (access(v, R_OK) != 0)
        return es_error_set(err, ES_ERR_CONFIG, "AWS_CA_BUNDLE: cannot read \"%.200s\"", v);
    snprintf(cfg->ca_bundle, sizeof cfg->ca_bundle, "%s", v);
    return ES_OK;
}

es_err es_aws_config_from_env(es_aws_config *cfg, es_error *err)
{
    ES_ENSURE_REF(cfg);
    memset(cfg, 0, sizeof *cfg);
    cfg->connect_timeout_ms = 3000;
    cfg->low_speed_time_s = 30;
    static const char *const s3_vars[] = {"AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"};
    static const char *const sqs_vars[] = {"AWS_ENDPOINT_URL_SQS", "AWS_ENDPOINT_URL"};
    es_err rc = s_region(cfg, err);
    if (rc == ES_OK)
        rc = s_max_attempts(cfg, err);
    if (rc == ES_OK)
        rc = s_endpoint(cfg->s3_endpoint, sizeof cfg->s3_endpoint, s3_vars, 2, err);
    if (rc == ES_OK)
        rc = s_endpoint(cfg->sqs_endpoint, sizeof cfg->sqs_endpoint, sqs_vars, 2, err);
    if (rc == ES_OK)
        s_endpoint_settings(cfg);
    if (rc == ES_OK)
        rc = s_flag("EXIFSTRIP_S3_PATH_STYLE", &cfg->s3_path_style, err);
    if (rc == ES_OK)
        rc = s_ca_bundle(cfg, err);
    return rc;
}
