/* list_count.c - the count ahead of a listing (list_count.h). */
#include "worker/list_count.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "aws/http/http.h"
#include "common/log.h"

struct es_list_counter {
    es_list_count_opts opts; /* its strings owned */
    pthread_t thread;
    atomic_int cancel; /* the thread's HTTP cancel token */
    pthread_mutex_t mu;
    bool done; /* under mu: count and bytes are final */
    uint64_t count, bytes;
};

static void *s_count(void *arg)
{
    es_list_counter *c = arg;
    es_http_set_thread_cancel(&c->cancel);
    char token[sizeof((es_s3_list_page *)0)->next_token] = "";
    uint64_t count = 0, bytes = 0;
    do {
        if (atomic_load(&c->cancel))
            return NULL;
        es_s3_list_page page;
        es_aws_result res;
        es_aws_result_clear(&res);
        es_s3_list_options lopt = {.prefix = c->opts.prefix,
                                   .start_after = c->opts.start_after,
                                   .continuation = token,
                                   .max_keys = 1000};
        if (es_s3_list_objects_with(c->opts.s3, c->opts.bucket, &lopt, &page, &res) != ES_OK) {
            ES_LOG(ES_LOG_DEBUG, "list.count_failed", ES_LF_STR("bucket", c->opts.bucket),
                   ES_LF_STR("reason", res.message));
            return NULL;
        }
        for (size_t i = 0; i < page.count; i++)
            if (!c->opts.keep || c->opts.keep(c->opts.keep_ctx, page.keys[i])) {
                count++;
                bytes += page.sizes ? page.sizes[i] : 0;
            }
        memcpy(token, page.next_token, sizeof token);
        es_s3_list_free(&page);
    } while (token[0]);
    pthread_mutex_lock(&c->mu);
    c->count = count;
    c->bytes = bytes;
    c->done = true;
    pthread_mutex_unlock(&c->mu);
    return NULL;
}

static char *s_dup(const char *s) { return strdup(s ? s : ""); }

static void s_free(es_list_counter *c)
{
    free((char *)c->opts.bucket);
    free((char *)c->opts.prefix);
    free((char *)c->opts.start_after);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

es_list_counter *es_list_counter_start(const es_list_count_opts *opts)
{
    es_list_counter *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    pthread_mutex_init(&c->mu, NULL);
    atomic_init(&c->cancel, 0);
    c->opts = *opts;
    c->opts.bucket = s_dup(opts->bucket);
    c->opts.prefix = s_dup(opts->prefix);
    c->opts.start_after = s_dup(opts->start_after);
    if (!c->opts.bucket || !c->opts.prefix || !c->opts.start_after ||
        pthread_create(&c->thread, NULL, s_count, c) != 0) {
        s_free(c);
        return NULL;
    }
    return c;
}

bool es_list_counter_result(es_list_counter *c, uint64_t *count, uint64_t *bytes)
{
    if (!c)
        return false;
    pthread_mutex_lock(&c->mu);
    bool done = c->done;
    if (done) {
        *count = c->count;
        *bytes = c->bytes;
    }
    pthread_mutex_unlock(&c->mu);
    return done;
}

void es_list_counter_settle(es_list_counter *c, bool listing_done, uint64_t listed, uint64_t listed_bytes,
                            bool *known, uint64_t *total, uint64_t *total_bytes)
{
    if (listing_done) {
        *total = listed;
        *total_bytes = listed_bytes;
        *known = true;
        es_list_counter_stop(c); /* nothing left to count ahead */
    } else if (!*known) {
        *known = es_list_counter_result(c, total, total_bytes);
    }
}

void es_list_counter_stop(es_list_counter *c)
{
    if (c)
        atomic_store(&c->cancel, 1);
}

void es_list_counter_free(es_list_counter *c)
{
    if (!c)
        return;
    es_list_counter_stop(c);
    pthread_join(c->thread, NULL);
    s_free(c);
}
