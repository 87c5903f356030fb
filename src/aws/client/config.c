/* config.c - es_aws_config_from_env: region, endpoints, addressing style,
 * attempts and CA bundle from the environment and the active profile
 * (resolved by aws/creds/settings.c), with the SDKs' precedence.
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
#include "common/env.h"
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

static es_err s_max_attempts(es_aws_config *cfg, es_error *err)
{
    const char *v = es_env("AWS_MAX_ATTEMPTS");
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

/* The service's endpoint as the SDKs pick it (es_creds_endpoint_url) into
 * out, checked; "" for the regional default. */
static es_err s_endpoint(const es_creds_profile_settings *prof, const char *service, char *out,
                         size_t out_size, es_error *err)
{
    const char *v, *from;
    out[0] = '\0';
    es_err rc = es_creds_endpoint_url(prof, service, &v, &from, err);
    if (rc != ES_OK || !v)
        return rc;
    es_aws_endpoint ep;
    rc = es_url_check_configured(NULL, from, v, err);
    if (rc != ES_OK)
        return rc;
    if (strlen(v) >= out_size)
        return es_error_set(err, ES_ERR_CONFIG, "%s: longer than %zu bytes", from, out_size - 1);
    if (es_aws_endpoint_parse(v, &ep) != ES_OK)
        return es_error_set(err, ES_ERR_CONFIG, "%s: \"%.100s\" is not an http(s)://host[:port][/path] URL",
                            from, v);
    snprintf(out, out_size, "%s", v);
    return ES_OK;
}

/* The SDKs' true/false settings that change where requests go take "true"
 * or "false" (any case) and nothing else (the JS SDK refuses other values;
 * botocore reads them as false): "1" meant as true must not silently send
 * a FIPS workload to the standard endpoint, or a local run to AWS. */
static es_err s_endpoint_flags_valid(const es_creds_profile_settings *prof, es_error *err)
{
    static const char *const vars[] = {"AWS_USE_FIPS_ENDPOINT", "AWS_USE_DUALSTACK_ENDPOINT",
                                       "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
        const char *v = es_env(vars[i]);
        if (v && strcasecmp(v, "true") && strcasecmp(v, "false"))
            return es_error_set(err, ES_ERR_CONFIG, "%s: expected true or false, got \"%.32s\"", vars[i], v);
    }
    const char *not_boolean = es_creds_profile_not_boolean(prof);
    if (not_boolean)
        return es_error_set(err, ES_ERR_CONFIG, "the AWS profile's %s: expected true or false", not_boolean);
    return ES_OK;
}

/* AWS_USE_FIPS_ENDPOINT / AWS_USE_DUALSTACK_ENDPOINT ("true"/"false", else the
 * profile's use_fips_endpoint / use_dualstack_endpoint) ask the SDKs for other
 * hosts. None is picked here: the first asked for is kept in cfg, and
 * es_aws_config_check_endpoint refuses a service used without an endpoint
 * configured, which would silently go to the standard AWS host (a FIPS
 * policy broken). */
static void s_endpoint_variant(const es_creds_profile_settings *prof, es_aws_config *cfg)
{
    const struct {
        es_aws_endpoint_variant variant;
        const char *var, *key;
        bool in_profile;
    } asks[] = {{ES_AWS_ENDPOINT_FIPS, "AWS_USE_FIPS_ENDPOINT", "use_fips_endpoint", prof->use_fips},
                {ES_AWS_ENDPOINT_DUALSTACK, "AWS_USE_DUALSTACK_ENDPOINT", "use_dualstack_endpoint",
                 prof->use_dualstack}};
    for (size_t i = 0; i < sizeof asks / sizeof asks[0]; i++) {
        const char *v = es_env(asks[i].var);
        if (v ? !strcasecmp(v, "true") : asks[i].in_profile) {
            cfg->endpoint_variant = asks[i].variant;
            cfg->endpoint_variant_setting = v ? asks[i].var : asks[i].key;
            return;
        }
    }
}

es_err es_aws_config_check_endpoint(const es_aws_config *cfg, const char *service, es_error *err)
{
    ES_ENSURE(cfg && service, ES_ERR_INVALID_ARG);
    bool s3 = !strcmp(service, "s3");
    if (cfg->endpoint_variant == ES_AWS_ENDPOINT_STANDARD || (s3 ? cfg->s3_endpoint : cfg->sqs_endpoint)[0])
        return ES_OK;
    const char *var = s3 ? "AWS_ENDPOINT_URL_S3" : "AWS_ENDPOINT_URL_SQS";
    bool fips = cfg->endpoint_variant == ES_AWS_ENDPOINT_FIPS;
    char example[160];
    if (fips)
        es_fmt(example, sizeof example, "https://%s-fips.%s.%s", service, cfg->region,
               es_aws_dns_suffix(cfg->region));
    else if (s3)
        es_fmt(example, sizeof example, "https://s3.dualstack.%s.%s", cfg->region,
               es_aws_dns_suffix(cfg->region));
    else
        es_fmt(example, sizeof example, "https://sqs.%s.api.aws", cfg->region);
    /* while ignored, the variable to set would be ignored as well (es_creds_endpoint_url) */
    const char *unignore = "";
    if (cfg->endpoints_ignored == ES_CREDS_ENDPOINTS_IGNORED_BY_ENV)
        unignore = " and unset AWS_IGNORE_CONFIGURED_ENDPOINT_URLS, which ignores it";
    else if (cfg->endpoints_ignored == ES_CREDS_ENDPOINTS_IGNORED_BY_PROFILE)
        unignore = " and set AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=false (the AWS profile's "
                   "ignore_configured_endpoint_urls = true ignores it)";
    return es_error_set(err, ES_ERR_CONFIG,
                        "%s=true: exifstrip does not pick %s endpoints itself; set %s to one (e.g. %s)%s",
                        cfg->endpoint_variant_setting, fips ? "FIPS" : "dual-stack", var, example, unignore);
}

static es_err s_flag(const char *name, bool *out, es_error *err)
{
    const char *v = es_env(name);
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
    const char *v = es_env("AWS_CA_BUNDLE");
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
    es_creds_profile_settings *prof = malloc(sizeof *prof);
    es_err rc = prof ? es_creds_profile_settings_read(prof) : ES_ERR_NOMEM;
    if (rc != ES_OK)
        rc = es_error_set(err, rc, "cannot read the AWS profile's settings: %s", es_strerror(rc));
    if (rc == ES_OK)
        rc = es_creds_region(prof, cfg->region, sizeof cfg->region, err);
    if (rc == ES_OK)
        rc = s_endpoint_flags_valid(prof, err);
    if (rc == ES_OK)
        rc = s_max_attempts(cfg, err);
    if (rc == ES_OK)
        rc = s_endpoint(prof, "s3", cfg->s3_endpoint, sizeof cfg->s3_endpoint, err);
    if (rc == ES_OK)
        rc = s_endpoint(prof, "sqs", cfg->sqs_endpoint, sizeof cfg->sqs_endpoint, err);
    if (rc == ES_OK) {
        s_endpoint_variant(prof, cfg);
        cfg->endpoints_ignored = es_creds_endpoint_urls_ignored(prof);
    }
    if (rc == ES_OK)
        rc = s_flag("EXIFSTRIP_S3_PATH_STYLE", &cfg->s3_path_style, err);
    if (rc == ES_OK)
        rc = s_ca_bundle(cfg, err);
    free(prof);
    return rc;
}
