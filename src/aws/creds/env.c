/* env.c - credentials from the process environment:
 * AWS_ACCESS_KEY_ID (or AWS_ACCESS_KEY), AWS_SECRET_ACCESS_KEY (or
 * AWS_SECRET_KEY) and optional AWS_SESSION_TOKEN, captured when the provider
 * is created. */
#include "aws/creds/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/env.h"

typedef struct s_env {
    es_err rc;                     /* ES_OK when creds holds a usable set */
    char msg[ES_ERRBUF_SIZE + 16]; /* why not, otherwise */
    es_creds creds;
} s_env;

static es_err s_env_check(void *impl, es_error *err)
{
    s_env *e = impl;
    return e->rc == ES_OK ? ES_OK : es_error_set(err, e->rc, "%s", e->msg);
}

static es_err s_env_get(void *impl, es_creds *out, es_error *err)
{
    s_env *e = impl;
    es_err rc = s_env_check(e, err);
    if (rc != ES_OK)
        return rc;
    memcpy(out, &e->creds, sizeof *out);
    return ES_OK;
}

static void s_env_destroy(void *impl)
{
    s_env *e = impl;
    es_creds_clear(&e->creds);
    free(e);
}

static const es_creds_provider_vtable s_env_vtable = {.get = s_env_get,
                                                      .destroy = s_env_destroy,
                                                      .check = s_env_check};

es_creds_provider *es_creds_provider_new_env(void)
{
    s_env *e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    const char *akid = es_env("AWS_ACCESS_KEY_ID");
    const char *secret = es_env("AWS_SECRET_ACCESS_KEY");
    if (!akid)
        akid = es_env("AWS_ACCESS_KEY");
    if (!secret)
        secret = es_env("AWS_SECRET_KEY");
    es_error err;
    es_error_clear(&err);
    if (!akid && !secret) {
        e->rc = ES_ERR_NO_CREDENTIALS;
        snprintf(e->msg, sizeof e->msg, "environment: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY not set");
    } else if (!akid || !secret) {
        e->rc = ES_ERR_CONFIG;
        snprintf(e->msg, sizeof e->msg, "environment: %s is set but %s is not",
                 akid ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY",
                 akid ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID");
    } else if (es_creds_fill(&e->creds, akid, secret, es_env("AWS_SESSION_TOKEN"), 0, "env", &err) != ES_OK) {
        e->rc = ES_ERR_CONFIG;
        snprintf(e->msg, sizeof e->msg, "environment: %.200s", err.msg);
    }
    return es_creds_provider_wrap(&s_env_vtable, e);
}
