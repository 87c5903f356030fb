/* cache.c - the caching provider: holds the last credentials of its
 * source and refreshes them refresh_before_s before they expire (never, for
 * credentials without an expiration). A mutex guards the state and a
 * condition variable lets one thread refresh while the others either keep
 * using still-valid credentials or wait for the result. A failed refresh
 * keeps serving credentials that have not expired yet, and so does a
 * refresh that brought credentials already due for the next one (a source
 * handing out short-lived ones): the source is asked again S_RETRY_PAUSE
 * seconds later at the earliest, not on every request. The clock is
 * injectable for tests. */
#include "aws/creds/internal.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"

#define S_DEFAULT_REFRESH_BEFORE 300
/* How long still-valid credentials are served after a refresh that left
 * them due (failed, or brought ones inside refresh_before): an endpoint
 * that is down is not asked twice per request, nor logged each time. */
#define S_RETRY_PAUSE 10

typedef struct s_cache {
    es_creds_provider *source;
    long refresh_before;
    time_t (*clock)(void *ctx);
    void *clock_ctx;
    pthread_mutex_t lock;
    pthread_cond_t done;
    bool have, refreshing;
    bool refused;    /* the service called these expired: fetch anew (they are still served if that fails) */
    time_t retry_at; /* no refresh before this while the credentials are valid (S_RETRY_PAUSE) */
    es_creds creds;
} s_cache;

static time_t s_now(const s_cache *c) { return c->clock ? c->clock(c->clock_ctx) : time(NULL); }

static bool s_valid(const s_cache *c, time_t now)
{
    return c->have && (c->creds.expiration == 0 || now < c->creds.expiration);
}

static bool s_fresh(const s_cache *c, time_t now)
{
    return c->have && !c->refused &&
           (c->creds.expiration == 0 || now < c->creds.expiration - c->refresh_before ||
            (now < c->retry_at && s_valid(c, now)));
}

static es_err s_cache_get(void *impl, es_creds *out, es_error *err)
{
    s_cache *c = impl;
    pthread_mutex_lock(&c->lock);
    for (;;) {
        time_t now = s_now(c);
        /* while one thread refreshes the others keep using what is still
         * valid, unless the service refused it: they wait for the new ones */
        if (s_fresh(c, now) || (c->refreshing && !c->refused && s_valid(c, now))) {
            memcpy(out, &c->creds, sizeof *out);
            pthread_mutex_unlock(&c->lock);
            return ES_OK;
        }
        if (!c->refreshing)
            break;
        pthread_cond_wait(&c->done, &c->lock);
    }
    c->refreshing = true;
    pthread_mutex_unlock(&c->lock);

    es_creds fresh;
    es_error ferr;
    es_error_clear(&ferr);
    es_err rc = es_creds_get(c->source, &fresh, &ferr);

    pthread_mutex_lock(&c->lock);
    c->refreshing = false;
    pthread_cond_broadcast(&c->done);
    c->retry_at = s_now(c) + S_RETRY_PAUSE;
    if (rc == ES_OK) {
        memcpy(&c->creds, &fresh, sizeof fresh);
        c->have = true;
        c->refused = false;
        memcpy(out, &fresh, sizeof fresh);
    } else if (s_valid(c, s_now(c))) {
        memcpy(out, &c->creds, sizeof *out);
        ES_LOG(ES_LOG_WARN, "creds.refresh_failed", ES_LF_STR("reason", ferr.msg),
               ES_LF_INT("expires_in_s", (long long)(c->creds.expiration - s_now(c))));
        rc = ES_OK;
    } else {
        es_error_set(err, rc, "%s", ferr.msg);
    }
    pthread_mutex_unlock(&c->lock);
    es_creds_clear(&fresh);
    return rc;
}

/* The service's clock says they expired, though this host's may not: the
 * next get fetches anew (unless they were replaced meanwhile). */
static void s_cache_expired(void *impl, const es_creds *used)
{
    s_cache *c = impl;
    pthread_mutex_lock(&c->lock);
    if (c->have && !strcmp(c->creds.access_key_id, used->access_key_id) &&
        !strcmp(c->creds.session_token, used->session_token))
        c->refused = true;
    pthread_mutex_unlock(&c->lock);
}

static void s_cache_destroy(void *impl)
{
    s_cache *c = impl;
    es_creds_provider_release(c->source);
    pthread_mutex_destroy(&c->lock);
    pthread_cond_destroy(&c->done);
    es_creds_clear(&c->creds);
    free(c);
}

static es_err s_cache_check(void *impl, es_error *err)
{
    return es_creds_check(((s_cache *)impl)->source, err);
}

static const es_creds_provider_vtable s_cache_vtable = {.get = s_cache_get,
                                                        .destroy = s_cache_destroy,
                                                        .check = s_cache_check,
                                                        .expired = s_cache_expired};

es_creds_provider *es_creds_provider_new_cached(es_creds_provider *source, const es_creds_cache_options *opt)
{
    if (!source)
        return NULL;
    s_cache *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    if (pthread_mutex_init(&c->lock, NULL) != 0) {
        free(c);
        return NULL;
    }
    if (pthread_cond_init(&c->done, NULL) != 0) {
        pthread_mutex_destroy(&c->lock);
        free(c);
        return NULL;
    }
    c->source = es_creds_provider_acquire(source);
    c->refresh_before = opt && opt->refresh_before_s > 0 ? opt->refresh_before_s : S_DEFAULT_REFRESH_BEFORE;
    c->clock = opt ? opt->clock : NULL;
    c->clock_ctx = opt ? opt->clock_ctx : NULL;
    return es_creds_provider_wrap(&s_cache_vtable, c);
}
