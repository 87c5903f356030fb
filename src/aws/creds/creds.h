/* creds.h - AWS credentials and the provider chain that finds them.
 *
 * A provider is a small vtable {get, destroy} plus an impl and a refcount
 * (shared by worker threads). The default chain follows the SDKs' order:
 * environment, web identity (STS), shared files (profile), ECS container
 * credentials, EC2 IMDSv2; it is wrapped in a cache that refreshes temporary
 * credentials before they expire (clock injectable for tests). */
#ifndef ES_AWS_CREDS_H
#define ES_AWS_CREDS_H

#include <stdbool.h>
#include <time.h>

#include "exifstrip/error.h"

typedef struct es_creds {
    char access_key_id[128];
    char secret_access_key[128];
    char session_token[4096]; /* empty when none */
    time_t expiration;        /* 0 = does not expire */
    char source[32];          /* "env", "web-identity", "profile", "ecs", "imds" */
} es_creds;

typedef struct es_creds_provider es_creds_provider;

/* Copies current credentials into out. Thread-safe. ES_ERR_NO_CREDENTIALS when
 * this provider has none; ES_ERR_AUTH / transient codes when fetching failed. */
ES_MUST_USE es_err es_creds_get(es_creds_provider *p, es_creds *out, es_error *err);
/* The service answered a request signed with used that its token expired
 * (ExpiredToken): a cache still holding them fetches anew at the next get,
 * whatever this host's clock says of their expiration. */
void es_creds_expired(es_creds_provider *p, const es_creds *used);
es_creds_provider *es_creds_provider_acquire(es_creds_provider *p);
void es_creds_provider_release(es_creds_provider *p); /* accepts NULL */

/* What can be told before any request: ES_OK, or the failure a fetch would
 * end with when every source the chain asks before one that needs a request
 * is local (the environment, the shared files) and none has credentials:
 * ES_ERR_CONFIG when one is set up wrongly (AWS_ACCESS_KEY_ID without
 * AWS_SECRET_ACCESS_KEY, a profile with half a key pair), ES_ERR_NO_CREDENTIALS
 * when they are only absent. Makes no request and caches nothing. */
ES_MUST_USE es_err es_creds_check(es_creds_provider *p, es_error *err);
/* The standard chain, cached. Reads the environment at creation time. */
es_creds_provider *es_creds_provider_new_default(void);
/* Fixed credentials (tests, CLI flags). */
es_creds_provider *es_creds_provider_new_static(const char *akid, const char *secret, const char *token);

/* Wipes secrets from memory. */
void es_creds_clear(es_creds *c);

/* The single providers the default chain is made of. Each reads its
 * environment variables when created and always returns a provider (NULL only
 * when out of memory); one that is not configured answers
 * ES_ERR_NO_CREDENTIALS with a message saying why. */

/* AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN. */
es_creds_provider *es_creds_provider_new_env(void);
/* Shared files: AWS_SHARED_CREDENTIALS_FILE (~/.aws/credentials, "[name]")
 * then AWS_CONFIG_FILE (~/.aws/config, "[profile name]" / "[default]"), read at
 * each fetch. profile NULL = AWS_PROFILE, else AWS_DEFAULT_PROFILE, else "default".
 * Only static keys are supported: a profile with role_arn, sso_* or credential_process
 * answers ES_ERR_CONFIG, and so does a named profile (not the default) that is absent. */
es_creds_provider *es_creds_provider_new_profile(const char *profile);
/* AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN (+ AWS_ROLE_SESSION_NAME) ->
 * STS AssumeRoleWithWebIdentity (unsigned POST) at AWS_ENDPOINT_URL_STS,
 * AWS_ENDPOINT_URL (both ignored with AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true),
 * or https://sts.<AWS_REGION|AWS_DEFAULT_REGION>.amazonaws.com. */
es_creds_provider *es_creds_provider_new_web_identity(void);
/* ECS/EKS container credentials: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI (on
 * http://169.254.170.2, EXIFSTRIP_ECS_ENDPOINT overrides the host for tests) or
 * AWS_CONTAINER_CREDENTIALS_FULL_URI (https, or http to a loopback /
 * 169.254.170.2 / 169.254.170.23 / fd00:ec2::23 host), with the Authorization
 * header from AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE or _TOKEN. */
es_creds_provider *es_creds_provider_new_ecs(void);
/* EC2 instance metadata, IMDSv2 only, at AWS_EC2_METADATA_SERVICE_ENDPOINT
 * (default http://169.254.169.254); 1 s timeouts, 2 attempts. Answers
 * ES_ERR_NO_CREDENTIALS when AWS_EC2_METADATA_DISABLED=true or IMDS is unreachable. */
es_creds_provider *es_creds_provider_new_imds(void);

/* Asks each provider in order and returns the first credentials found. A
 * provider answering ES_ERR_NO_CREDENTIALS passes to the next; any other
 * failure (a configured source that is broken or down) ends the search with
 * that error. Acquires a reference on each provider. NULL if n == 0. */
es_creds_provider *es_creds_provider_new_chain(es_creds_provider *const *providers, size_t n);

typedef struct es_creds_cache_options {
    long refresh_before_s;      /* refresh this long before expiration; 0 = 300 */
    time_t (*clock)(void *ctx); /* for tests; NULL = time(NULL) */
    void *clock_ctx;
} es_creds_cache_options;
/* Caches source's credentials (acquires a reference). Credentials without an
 * expiration are kept for good; expiring ones are refreshed refresh_before_s
 * before they expire. One thread refreshes at a time; others keep using the
 * cached credentials while they are still valid. When a refresh fails but
 * the cached credentials have not expired yet they are still returned (ES_OK).
 * opt may be NULL. */
es_creds_provider *es_creds_provider_new_cached(es_creds_provider *source, const es_creds_cache_options *opt);

/* What the active profile (AWS_PROFILE / AWS_DEFAULT_PROFILE / "default")
 * says besides credentials, from the shared config file (AWS_CONFIG_FILE or
 * ~/.aws/config) and the credentials file, the config file's keys overriding
 * the same keys in the credentials file (as the SDKs merge them; services
 * sections are the config file's). Files that are absent or unreadable say nothing. */
typedef struct es_creds_profile_settings {
    char region[64];           /* "" = none */
    bool region_too_long;      /* one was set that does not fit region[] */
    bool use_fips;             /* use_fips_endpoint = true */
    bool use_dualstack;        /* use_dualstack_endpoint = true */
    bool ignore_endpoint_urls; /* ignore_configured_endpoint_urls = true */
    bool setting_too_long;     /* endpoint_url, services or a section's endpoint_url did not fit (left "") */
    unsigned not_boolean_keys; /* true/false keys whose value (the last read) is neither: profile.c's bits */
    char services[128];        /* services = NAME, "" = none */
    bool services_found;       /* ...and its [services NAME] section is there */
    char endpoint_url[512];    /* endpoint_url: every service's, "" = none */
    /* the services section's "s3 =", "sqs =", "sts =" blocks' endpoint_url */
    char s3_endpoint_url[512], sqs_endpoint_url[512], sts_endpoint_url[512];
} es_creds_profile_settings;
/* Reads them (cleared first). ES_ERR_NOMEM, else ES_OK. */
ES_MUST_USE es_err es_creds_profile_settings_read(es_creds_profile_settings *out);
/* The first true/false key of not_boolean_keys ("use_fips_endpoint", ...),
 * for the client to refuse rather than read it as false; NULL when none. */
const char *es_creds_profile_not_boolean(const es_creds_profile_settings *prof);

/* Whether configured endpoints are ignored, and what says so:
 * AWS_IGNORE_CONFIGURED_ENDPOINT_URLS when set ("true", any case, ignores),
 * else the profile's ignore_configured_endpoint_urls (prof may be NULL). */
typedef enum es_creds_endpoints_ignored {
    ES_CREDS_ENDPOINTS_USED = 0,
    ES_CREDS_ENDPOINTS_IGNORED_BY_ENV,
    ES_CREDS_ENDPOINTS_IGNORED_BY_PROFILE
} es_creds_endpoints_ignored;
es_creds_endpoints_ignored es_creds_endpoint_urls_ignored(const es_creds_profile_settings *prof);

/* The endpoint configured for service ("s3", "sqs" or "sts"), in the SDKs'
 * order: AWS_ENDPOINT_URL_<SERVICE> > AWS_ENDPOINT_URL > the profile's
 * services section > its endpoint_url; none when ignored (above). *url is
 * NULL (the service's standard endpoint) or the URL, unchecked, and *from
 * names what set it. ES_ERR_CONFIG when the profile's endpoints would be
 * used but it names a services section the config file lacks, or one of
 * them was too long. */
ES_MUST_USE es_err es_creds_endpoint_url(const es_creds_profile_settings *prof, const char *service,
                                         const char **url, const char **from, es_error *err);

/* The region requests are made in: AWS_REGION > AWS_DEFAULT_REGION > the
 * profile's region, into out[n]. ES_ERR_CONFIG naming where it came from when
 * it is not one (lower-case letters, digits and '-', not an SDK pseudo-region
 * such as aws-global, shorter than n), or when none is set. */
ES_MUST_USE es_err es_creds_region(const es_creds_profile_settings *prof, char *out, size_t n, es_error *err);

#endif
