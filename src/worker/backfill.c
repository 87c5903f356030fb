/* backfill.c - the backfill engine (backfill.h). One mutex (mu) guards the
 * listing cursor (the current page and its position), the statistics and the
 * job slots; network calls (the listing, the jobs) are made without it. Keys
 * are handed out in listing order with a sequence number, so the engine can
 * name the last key before the first one not done (resume_after). The job
 * threads are es_pool_thread's (thread.h) and watch the engine's cancel
 * token, like the worker pool's. */
#include "worker/backfill.h"

#include <jansson.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "aws/http/http.h"
#include "common/buf.h"
#include "common/log.h"
#include "common/utf8.h"
#include "worker/clock.h"
#include "worker/list_count.h"
#include "worker/thread.h"

/* One key handed to a job thread. */
typedef struct s_item {
    char key[ES_EVENT_MAX_KEY + 1];
    char etag[128];
    uint64_t size;
    uint64_t seq;
    char prev_key[ES_EVENT_MAX_KEY + 1]; /* the key handed out before it ("" for the first) */
} s_item;

/* What a job thread is running (under mu), for resume_after. */
typedef struct s_slot {
    bool busy;
    uint64_t seq;
    char prev_key[ES_EVENT_MAX_KEY + 1];
} s_slot;

struct es_backfill {
    es_job_env env; /* env.cancel points at cancel */
    es_backfill_opts opts;
    char *bucket, *prefix, *start_after;
    atomic_int cancel;

    pthread_mutex_t mu;
    pthread_cond_t cv_page; /* a page was installed, or the listing ended */
    pthread_cond_t cv_done; /* a thread finished */
    es_s3_list_page page;
    size_t page_pos;
    char token[sizeof((es_s3_list_page *)0)->next_token];
    bool listing; /* a thread is fetching the next page */
    bool list_ended;
    bool stopping;
    uint64_t next_seq;
    char last_key[ES_EVENT_MAX_KEY + 1]; /* the last key handed out */
    bool have_retry;                     /* a job ended "retry": resume before it */
    uint64_t retry_seq;
    char retry_prev[ES_EVENT_MAX_KEY + 1];
    es_backfill_stats stats;
    int alive;

    es_pool_thread *threads;
    s_slot *slots;
    int nthreads;
    es_list_counter *counter; /* count_ahead (set under mu) */
};

typedef struct s_thread_arg {
    es_backfill *b;
    int slot;
} s_thread_arg;

/* ---- listing ---- */

/* One ListObjectsV2 page after token (a listing that does not advance is
 * ES_ERR_PROTOCOL, es_s3_list_objects_with). */
static es_err s_list_page(es_backfill *b, const char *token, es_s3_list_page *page, es_aws_result *res)
{
    es_s3_list_options lopt = {.prefix = b->prefix,
                               .start_after = b->start_after,
                               .continuation = token,
                               .max_keys = b->opts.page_size};
    return es_s3_list_objects_with(b->env.s3, b->bucket, &lopt, page, res);
}

/* Settles the total progress shows (es_list_counter_settle; mu held): the
 * listing's own once it was listed to its end, which a failed listing is not. */
static void s_settle_total(es_backfill *b, bool listed_to_end)
{
    es_list_counter_settle(b->counter, listed_to_end, b->stats.matched, b->stats.matched_bytes,
                           &b->stats.total_known, &b->stats.total_matched, &b->stats.total_bytes);
}

/* Fetches the next page (mu held on entry and exit, released meanwhile). */
static void s_fetch_page(es_backfill *b)
{
    b->listing = true;
    char token[sizeof b->token];
    memcpy(token, b->token, sizeof token);
    pthread_mutex_unlock(&b->mu);
    es_s3_list_page page;
    es_aws_result res;
    es_aws_result_clear(&res);
    es_err rc = s_list_page(b, token, &page, &res);
    pthread_mutex_lock(&b->mu);
    b->listing = false;
    if (rc != ES_OK) {
        b->list_ended = true;
        b->stats.listing_done = true;
        b->stats.list_error = rc;
        char why[ES_ERRBUF_SIZE];
        es_aws_result_describe(&res, rc, why, sizeof why);
        es_fmt(b->stats.list_reason, sizeof b->stats.list_reason, "listing bucket %s failed: %s", b->bucket,
               why);
        ES_LOG(ES_LOG_ERROR, "backfill.list_failed", ES_LF_STR("bucket", b->bucket),
               ES_LF_STR("reason", b->stats.list_reason),
               ES_LF_STR("request_id", res.request_id[0] ? res.request_id : NULL));
        pthread_cond_broadcast(&b->cv_page);
        return;
    }
    es_s3_list_free(&b->page);
    b->page = page;
    b->page_pos = 0;
    b->stats.listed += page.count;
    for (size_t i = 0; i < page.count; i++)
        if (es_cfg_suffix_matches(b->env.cfg, page.keys[i])) {
            b->stats.matched++;
            b->stats.matched_bytes += page.sizes[i];
        }
    memcpy(b->token, page.next_token, sizeof b->token);
    if (!page.next_token[0]) {
        b->list_ended = true;
        b->stats.listing_done = true;
        s_settle_total(b, true);
    }
    pthread_cond_broadcast(&b->cv_page);
}

/* Takes the next key with a configured suffix into it (mu held); false when
 * there is none left or the engine is stopping. */
static bool s_next_key(es_backfill *b, s_item *it)
{
    for (;;) {
        if (b->stopping)
            return false;
        while (b->page_pos < b->page.count) {
            size_t i = b->page_pos++;
            const char *key = b->page.keys[i];
            if (!es_cfg_suffix_matches(b->env.cfg, key))
                continue;
            size_t key_len = strlen(key);
            if (key_len > ES_EVENT_MAX_KEY || !es_utf8_valid(key, key_len)) {
                /* S3 has no such keys: a broken endpoint. The event parser refuses them too. */
                b->stats.settled++;
                b->stats.settled_bytes += b->page.sizes[i];
                b->stats.outcomes[ES_JOB_REFUSED]++;
                ES_LOG(ES_LOG_WARN, "job.refused", ES_LF_STR("bucket", b->bucket),
                       ES_LF_UINT("key_bytes", key_len),
                       ES_LF_STR("reason", "the listed key is longer than 1024 bytes or not UTF-8"));
                continue;
            }
            snprintf(it->key, sizeof it->key, "%s", key);
            snprintf(it->etag, sizeof it->etag, "%s", b->page.etags[i]);
            it->size = b->page.sizes[i];
            it->seq = b->next_seq++;
            memcpy(it->prev_key, b->last_key, sizeof it->prev_key);
            snprintf(b->last_key, sizeof b->last_key, "%s", key);
            return true;
        }
        if (b->list_ended)
            return false;
        if (b->listing)
            es_clock_wait_until(&b->cv_page, &b->mu, ES_CLOCK_NEVER);
        else
            s_fetch_page(b);
    }
}

/* count_ahead: the keys the jobs would take (list_count.h). */
static bool s_counts_key(void *ctx, const char *key)
{
    const es_cfg *cfg = ctx;
    return es_cfg_suffix_matches(cfg, key);
}

/* ---- jobs ---- */

/* Dry run: one JSON line saying what the job would do with the key. */
static void s_plan_line(es_backfill *b, const s_item *it, bool write, const es_job_result *res)
{
    json_t *line = json_object();
    if (!line)
        return;
    json_object_set_new(line, "action",
                        json_string(write ? (res->rewrite ? "rewrite" : "strip")
                                          : es_job_outcome_name(res->outcome)));
    json_object_set_new(line, "key", json_string(it->key));
    json_object_set_new(line, "size", json_integer((json_int_t)it->size));
    if (!write && res->reason[0])
        json_object_set_new(line, "reason", json_string(res->reason));
    char *text = json_dumps(line, JSON_COMPACT);
    json_decref(line);
    if (!text)
        return;
    pthread_mutex_lock(&b->mu);
    fprintf(b->opts.plan, "%s\n", text);
    fflush(b->opts.plan);
    pthread_mutex_unlock(&b->mu);
    free(text);
}

static void s_run_item(es_backfill *b, const s_item *it)
{
    es_job_object obj = {.bucket = b->bucket,
                         .key = it->key,
                         .size = it->size,
                         .has_size = true,
                         .rewrite = b->opts.rewrite};
    snprintf(obj.source.bucket, sizeof obj.source.bucket, "%s", b->bucket);
    snprintf(obj.source.etag, sizeof obj.source.etag, "%s", it->etag);
    es_job_result res;
    es_job_outcome outcome;
    if (b->opts.dry_run) {
        bool write = es_job_plan_object(&b->env, &obj, &res);
        outcome = write ? ES_JOB_STRIPPED : res.outcome;
        s_plan_line(b, it, write, &res);
    } else {
        es_job_run_object(&b->env, &obj, NULL, &res);
        outcome = res.outcome;
    }
    pthread_mutex_lock(&b->mu);
    b->stats.settled++;
    b->stats.settled_bytes += it->size;
    b->stats.outcomes[outcome]++;
    b->stats.bytes_in += res.bytes_in;
    b->stats.bytes_out += res.bytes_out;
    if (outcome == ES_JOB_RETRY && (!b->have_retry || it->seq < b->retry_seq)) {
        b->have_retry = true;
        b->retry_seq = it->seq;
        memcpy(b->retry_prev, it->prev_key, sizeof b->retry_prev);
    }
    pthread_mutex_unlock(&b->mu);
}

static void *s_thread(void *arg)
{
    s_thread_arg *ta = arg;
    es_backfill *b = ta->b;
    s_slot *slot = &b->slots[ta->slot];
    free(ta);
    es_http_set_thread_cancel(&b->cancel);
    s_item *it = malloc(sizeof *it);
    pthread_mutex_lock(&b->mu);
    while (it && s_next_key(b, it)) {
        slot->busy = true;
        slot->seq = it->seq;
        memcpy(slot->prev_key, it->prev_key, sizeof slot->prev_key);
        pthread_mutex_unlock(&b->mu);
        s_run_item(b, it);
        pthread_mutex_lock(&b->mu);
        slot->busy = false;
    }
    if (!it)
        ES_LOG(ES_LOG_ERROR, "backfill.nomem", ES_LF_STR("reason", "a job thread could not start"));
    b->alive--;
    pthread_cond_broadcast(&b->cv_done);
    pthread_mutex_unlock(&b->mu);
    free(it);
    return NULL;
}

/* ---- lifecycle ---- */

es_backfill *es_backfill_new(const es_job_env *env, const es_backfill_opts *opts)
{
    if (!env || !env->cfg || !opts || !opts->bucket || opts->page_size < 0 || opts->page_size > 1000 ||
        (opts->dry_run && !opts->plan))
        return NULL;
    es_backfill *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    pthread_mutex_init(&b->mu, NULL);
    es_clock_cond_init(&b->cv_page);
    es_clock_cond_init(&b->cv_done);
    b->env = *env;
    b->env.cancel = &b->cancel;
    b->opts = *opts;
    b->nthreads = env->cfg->concurrency > 0 ? env->cfg->concurrency : 1;
    b->bucket = strdup(opts->bucket);
    b->prefix = strdup(opts->prefix ? opts->prefix : "");
    b->start_after = strdup(opts->start_after ? opts->start_after : "");
    b->threads = calloc((size_t)b->nthreads, sizeof *b->threads);
    b->slots = calloc((size_t)b->nthreads, sizeof *b->slots);
    if (!b->bucket || !b->prefix || !b->start_after || !b->threads || !b->slots) {
        es_backfill_free(b);
        return NULL;
    }
    for (int i = 0; i < b->nthreads; i++)
        es_pool_thread_init(&b->threads[i]);
    return b;
}

es_err es_backfill_start(es_backfill *b)
{
    ES_ENSURE_REF(b);
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    int started = 0;
    for (int i = 0; i < b->nthreads; i++) {
        s_thread_arg *ta = malloc(sizeof *ta);
        if (!ta)
            break;
        *ta = (s_thread_arg){b, i};
        pthread_mutex_lock(&b->mu);
        b->alive++;
        pthread_mutex_unlock(&b->mu);
        if (!es_pool_thread_start(&b->threads[i], s_thread, ta)) {
            free(ta);
            pthread_mutex_lock(&b->mu);
            b->alive--;
            pthread_mutex_unlock(&b->mu);
            break;
        }
        started++;
    }
    if (started > 0 && b->opts.count_ahead) {
        es_list_count_opts count = {.s3 = b->env.s3,
                                    .bucket = b->bucket,
                                    .prefix = b->prefix,
                                    .start_after = b->start_after,
                                    .keep = s_counts_key,
                                    .keep_ctx = (void *)b->env.cfg};
        es_list_counter *counter = es_list_counter_start(&count);
        if (!counter)
            ES_LOG(ES_LOG_WARN, "backfill.count_thread_failed",
                   ES_LF_STR("reason", "no ETA before the listing is complete"));
        pthread_mutex_lock(&b->mu);
        b->counter = counter;
        if (b->stats.total_known || b->stopping)
            es_list_counter_stop(counter); /* already pointless */
        pthread_mutex_unlock(&b->mu);
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return started > 0 ? ES_OK : ES_ERR_INTERNAL;
}

bool es_backfill_wait(es_backfill *b, uint64_t ms)
{
    uint64_t deadline = es_clock_ms() + ms;
    pthread_mutex_lock(&b->mu);
    while (b->alive > 0 && es_clock_ms() < deadline)
        es_clock_wait_until(&b->cv_done, &b->mu, deadline);
    bool done = b->alive == 0;
    pthread_mutex_unlock(&b->mu);
    return done;
}

void es_backfill_stop(es_backfill *b)
{
    pthread_mutex_lock(&b->mu);
    b->stopping = true;
    pthread_cond_broadcast(&b->cv_page);
    es_list_counter_stop(b->counter);
    pthread_mutex_unlock(&b->mu);
}

void es_backfill_cancel(es_backfill *b)
{
    es_backfill_stop(b);
    atomic_store(&b->cancel, 1);
}

void es_backfill_get_stats(es_backfill *b, es_backfill_stats *out)
{
    pthread_mutex_lock(&b->mu);
    s_settle_total(b, false); /* counted ahead, unless settled by the listing */
    *out = b->stats;
    /* The first key not done: a retried one, a running one, or the next to hand out. */
    const char *prev = b->last_key;
    uint64_t first = b->next_seq;
    if (b->have_retry && b->retry_seq < first) {
        first = b->retry_seq;
        prev = b->retry_prev;
    }
    for (int i = 0; i < b->nthreads; i++)
        if (b->slots[i].busy && b->slots[i].seq < first) {
            first = b->slots[i].seq;
            prev = b->slots[i].prev_key;
        }
    snprintf(out->resume_after, sizeof out->resume_after, "%s", prev[0] ? prev : b->start_after);
    pthread_mutex_unlock(&b->mu);
}

void es_backfill_free(es_backfill *b)
{
    if (!b)
        return;
    es_list_counter_free(b->counter); /* its request in flight ends at once */
    for (int i = 0; b->threads && i < b->nthreads; i++)
        es_pool_thread_destroy(&b->threads[i]);
    es_s3_list_free(&b->page);
    free(b->threads);
    free(b->slots);
    free(b->bucket);
    free(b->prefix);
    free(b->start_after);
    pthread_cond_destroy(&b->cv_page);
    pthread_cond_destroy(&b->cv_done);
    pthread_mutex_destroy(&b->mu);
    free(b);
}
