/* settings.c - the region and the per-service endpoints as the AWS SDKs
 * resolve them from the environment and the active profile's settings
 * (es_creds_profile_settings_read): one resolver for the S3 and SQS clients
 * (aws/client/config.c) and web identity's STS, so they cannot drift apart. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "aws/creds/internal.h"
#include "common/env.h"

/* The services exifstrip calls: their variables and their services-section
 * blocks ("s3 =\n  endpoint_url = ..."), named for messages. */
typedef struct s_service {
    const char *id;
    const char *env;
    const char *from_section;
    size_t section_url; /* offset of its block's endpoint_url in es_creds_profile_settings */
} s_service;

static const s_service s_services[] = {
    {"s3", "AWS_ENDPOINT_URL_S3", "the AWS profile's services section (s3 endpoint_url)",
     offsetof(es_creds_profile_settings, s3_endpoint_url)},
    {"sqs", "AWS_ENDPOINT_URL_SQS", "the AWS profile's services section (sqs endpoint_url)",
     offsetof(es_creds_profile_settings, sqs_endpoint_url)},
    {"sts", "AWS_ENDPOINT_URL_STS", "the AWS profile's services section (sts endpoint_url)",
     offsetof(es_creds_profile_settings, sts_endpoint_url)},
};

es_creds_endpoints_ignored es_creds_endpoint_urls_ignored(const es_creds_profile_settings *prof)
{
    const char *v = es_env("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
    if (v)
        return strcasecmp(v, "true") == 0 ? ES_CREDS_ENDPOINTS_IGNORED_BY_ENV : ES_CREDS_ENDPOINTS_USED;
    return prof && prof->ignore_endpoint_urls ? ES_CREDS_ENDPOINTS_IGNORED_BY_PROFILE : ES_CREDS_ENDPOINTS_USED;
}

es_err es_creds_endpoint_url(const es_creds_profile_settings *prof, const char *service, const char **url,
                             const char **from, es_error *err)
{
    ES_ENSURE(prof && service && url && from, ES_ERR_INVALID_ARG);
    *url = *from = NULL;
    const s_service *svc = NULL;
    for (size_t i = 0; i < sizeof s_services / sizeof s_services[0]; i++)
        if (!strcmp(s_services[i].id, service))
            svc = &s_services[i];
    ES_ENSURE(svc, ES_ERR_INVALID_ARG);
    if (es_creds_endpoint_urls_ignored(prof) != ES_CREDS_ENDPOINTS_USED)
        return ES_OK;
    static const char *const global = "AWS_ENDPOINT_URL";
    if ((*url = es_env(svc->env)) != NULL || (*url = es_env(global)) != NULL) {
        *from = es_env(svc->env) ? svc->env : global;
        return ES_OK;
    }
    /* As the SDKs do: a services section named but absent is an error, not "no endpoint". */
    if (prof->services[0] && !prof->services_found)
        return es_error_set(err, ES_ERR_CONFIG,
                            "the AWS profile's services = %.100s: the config file has no [services %.100s] section "
                            "with settings",
                            prof->services, prof->services);
    if (prof->setting_too_long)
        return es_error_set(err, ES_ERR_CONFIG,
                            "the AWS profile's endpoint_url or a services section's endpoint_url is longer than "
                            "%zu bytes, or its services is longer than %zu",
                            sizeof prof->endpoint_url - 1, sizeof prof->services - 1);
    const char *section_url = (const char *)prof + svc->section_url;
    if (section_url[0]) {
        *url = section_url;
        *from = svc->from_section;
    } else if (prof->endpoint_url[0]) {
        *url = prof->endpoint_url;
        *from = "the AWS profile's endpoint_url";
    }
    return ES_OK;
}

/* aws-global, aws-cn-global, ...: the SDKs' names for a partition's global
 * endpoints (signed for another region), no place a queue or bucket is. */
static bool s_global_pseudo_region(const char *r)
{
    size_t n = strlen(r);
    return n > 7 && !strcmp(r + n - 7, "-global");
}

static bool s_region_ok(const char *r, size_t cap)
{
    size_t n = strlen(r);
    if (n == 0 || n >= cap || r[0] == '-' || r[n - 1] == '-' || s_global_pseudo_region(r))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((r[i] >= 'a' && r[i] <= 'z') || (r[i] >= '0' && r[i] <= '9') || r[i] == '-'))
            return false;
    return true;
}

es_err es_creds_region(const es_creds_profile_settings *prof, char *out, size_t n, es_error *err)
{
    ES_ENSURE(prof && out && n > 0, ES_ERR_INVALID_ARG);
    out[0] = '\0';
    static const char *const vars[] = {"AWS_REGION", "AWS_DEFAULT_REGION"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
        const char *v = es_env(vars[i]);
        if (!v)
            continue;
        if (s_global_pseudo_region(v))
            return es_error_set(err, ES_ERR_CONFIG,
                                "%s: \"%.64s\" names global endpoints, not a region: set the region the queue "
                                "and the buckets are in (e.g. us-east-1)",
                                vars[i], v);
        if (!s_region_ok(v, n))
            return es_error_set(err, ES_ERR_CONFIG, "%s: invalid region \"%.64s\"", vars[i], v);
        snprintf(out, n, "%s", v);
        return ES_OK;
    }
    if (prof->region_too_long || (prof->region[0] && !s_region_ok(prof->region, n)))
        return es_error_set(err, ES_ERR_CONFIG, "AWS_PROFILE's region: invalid region \"%.64s\"",
                            prof->region_too_long ? "(too long)" : prof->region);
    if (prof->region[0]) {
        snprintf(out, n, "%s", prof->region);
        return ES_OK;
    }
    return es_error_set(err, ES_ERR_CONFIG,
                        "no AWS region: set AWS_REGION (or AWS_DEFAULT_REGION, or a region in the "
                        "AWS_PROFILE's config)");
}
