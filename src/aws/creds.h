/* creds.h - AWS credentials and the provider chain that finds them.
 *
 * A provider is a small vtable {get, destroy} plus an impl and a refcount
 * (shared by worker threads). The default chain follows the SDKs' order:
 * environment, web identity (STS), shared files (profile), ECS container
 * credentials, EC2 IMDSv2; it is wrapped in a cache that refreshes temporary
 * credentials before they expire (clock injectable for tests). */
#ifndef ES_AWS_CREDS_H
#define ES_AWS_CREDS_H

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
es_creds_provider *es_creds_provider_acquire(es_creds_provider *p);
void es_creds_provider_release(es_creds_provider *p); /* accepts NULL */

/* The standard chain, cached. Reads the environment at creation time. */
es_creds_provider *es_creds_provider_new_default(void);
/* Fixed credentials (tests, CLI flags). */
es_creds_provider *es_creds_provider_new_static(const char *akid, const char *secret,
                                                const char *token);

/* Wipes secrets from memory. */
void es_creds_clear(es_creds *c);

#endif
