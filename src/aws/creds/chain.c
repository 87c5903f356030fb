/* chain.c - the chain provider (first provider with credentials wins;
 * "no credentials" moves on, any other failure stops the search) and the
 * default chain: environment, web identity (when configured), shared
 * profile files, ECS container credentials (when configured), then EC2
 * IMDSv2 (unless disabled), all behind the refreshing cache. */
#include "aws/creds/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/env.h"

typedef struct s_chain {
    size_t n;
    es_creds_provider *p[];
} s_chain;

/* Asks the providers in turn (out NULL: only what each can tell without a
 * request, stopping with ES_OK at the first that cannot). */
static es_err s_chain_walk(const s_chain *c, es_creds *out, es_error *err)
{
    char why[ES_ERRBUF_SIZE] = "";
    size_t used = 0;
    for (size_t i = 0; i < c->n; i++) {
        es_error e;
        es_error_clear(&e);
        es_err rc = out ? es_creds_get(c->p[i], out, &e) : es_creds_check(c->p[i], &e);
        if (rc == ES_OK)
            return ES_OK;
        if (rc != ES_ERR_NO_CREDENTIALS)
            return es_error_set(err, rc, "%s", e.msg);
        if (used < sizeof why - 1) {
            int w = snprintf(why + used, sizeof why - used, "%s%s", used ? "; " : "", e.msg);
            used = w < 0 ? sizeof why - 1 : used + (size_t)w;
            if (used > sizeof why - 1)
                used = sizeof why - 1;
        }
    }
    return es_error_set(err, ES_ERR_NO_CREDENTIALS, "no AWS credentials found: %s", why);
}

static es_err s_chain_get(void *impl, es_creds *out, es_error *err) { return s_chain_walk(impl, out, err); }

static es_err s_chain_check(void *impl, es_error *err) { return s_chain_walk(impl, NULL, err); }

static void s_chain_destroy(void *impl)
{
    s_chain *c = impl;
    for (size_t i = 0; i < c->n; i++)
        es_creds_provider_release(c->p[i]);
    free(c);
}

static const es_creds_provider_vtable s_chain_vtable = {.get = s_chain_get,
                                                        .destroy = s_chain_destroy,
                                                        .check = s_chain_check};

es_creds_provider *es_creds_provider_new_chain(es_creds_provider *const *providers, size_t n)
{
    if (!providers || n == 0 || n > 64)
        return NULL;
    for (size_t i = 0; i < n; i++)
        if (!providers[i])
            return NULL;
    s_chain *c = malloc(sizeof *c + n * sizeof c->p[0]);
    if (!c)
        return NULL;
    c->n = n;
    for (size_t i = 0; i < n; i++)
        c->p[i] = es_creds_provider_acquire(providers[i]);
    return es_creds_provider_wrap(&s_chain_vtable, c);
}

/* Appends p to list; false (and nothing added) when p is NULL. */
static bool s_add(es_creds_provider **list, size_t *n, es_creds_provider *p)
{
    if (!p)
        return false;
    list[(*n)++] = p;
    return true;
}

es_creds_provider *es_creds_provider_new_default(void)
{
    es_creds_provider *list[5];
    size_t n = 0;
    es_creds_provider *chain = NULL, *cached = NULL;
    const char *imds_off = es_env("AWS_EC2_METADATA_DISABLED");
    bool ok = s_add(list, &n, es_creds_provider_new_env());
    if (ok && es_env("AWS_WEB_IDENTITY_TOKEN_FILE") && es_env("AWS_ROLE_ARN"))
        ok = s_add(list, &n, es_creds_provider_new_web_identity());
    if (ok)
        ok = s_add(list, &n, es_creds_provider_new_profile(NULL));
    if (ok && (es_env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") || es_env("AWS_CONTAINER_CREDENTIALS_FULL_URI")))
        ok = s_add(list, &n, es_creds_provider_new_ecs());
    if (ok && (!imds_off || strcasecmp(imds_off, "true") != 0))
        ok = s_add(list, &n, es_creds_provider_new_imds());
    if (ok)
        chain = es_creds_provider_new_chain(list, n);
    if (chain)
        cached = es_creds_provider_new_cached(chain, NULL);
    /* The chain and the cache hold their own references now. */
    for (size_t i = 0; i < n; i++)
        es_creds_provider_release(list[i]);
    es_creds_provider_release(chain);
    return cached;
}
