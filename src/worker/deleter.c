/* deleter.c - the delete batcher (deleter.h). Pending entries sit in a FIFO
 * array guarded by a mutex; the thread waits until a batch (ES_SQS_MAX_BATCH) is pending, the oldest
 * is flush_ms old, or stop was asked, then sends one DeleteMessageBatch
 * outside the lock. Failed entries go back to the end of the FIFO once. */
#include "worker/deleter.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "aws/http/http.h"
#include "common/log.h"
#include "worker/clock.h"
#include "worker/thread.h"

#define S_MAX_TRIES 2

typedef struct s_entry {
    char *receipt;
    char *message_id;
    int tries;
    uint64_t added_ms;
} s_entry;

struct es_pool_deleter {
    es_sqs_client *sqs;
    char *queue_url;
    int flush_ms;
    s_entry *items; /* FIFO: items[0..count) */
    size_t count, cap;
    uint64_t deleted, failed;
    const atomic_int *stop_token;
    es_pool_thread bg;
};

static void s_entry_free(s_entry *e)
{
    free(e->receipt);
    free(e->message_id);
}

/* Appends e (taking its strings); on allocation failure the entry is dropped. */
static void s_push_locked(es_pool_deleter *d, s_entry e)
{
    if (d->count == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 32;
        s_entry *n = realloc(d->items, cap * sizeof *n);
        if (!n) {
            s_entry_free(&e);
            d->failed++;
            return;
        }
        d->items = n;
        d->cap = cap;
    }
    d->items[d->count++] = e;
    /* The thread sleeps until the first entry comes, then until the oldest is
     * due or a batch is full: only those two moments need waking it. */
    if (d->count == 1 || d->count == ES_SQS_MAX_BATCH)
        pthread_cond_signal(&d->bg.cv);
}

void es_pool_deleter_add(es_pool_deleter *d, const char *receipt_handle, const char *message_id)
{
    if (!d || !receipt_handle)
        return;
    s_entry e = {strdup(receipt_handle), strdup(message_id ? message_id : ""), 0, es_clock_ms()};
    pthread_mutex_lock(&d->bg.mu);
    if (!e.receipt || !e.message_id) {
        s_entry_free(&e);
        d->failed++;
    } else {
        s_push_locked(d, e);
    }
    pthread_mutex_unlock(&d->bg.mu);
}

/* Sends one batch (outside the lock) and requeues or counts the outcome of each entry. */
static void s_flush(es_pool_deleter *d, s_entry *batch, size_t n)
{
    es_sqs_batch_entry entries[ES_SQS_MAX_BATCH];
    memset(entries, 0, sizeof entries);
    for (size_t i = 0; i < n; i++)
        entries[i].receipt_handle = batch[i].receipt;
    es_aws_result res;
    es_aws_result_clear(&res);
    es_err rc = es_sqs_delete_batch(d->sqs, d->queue_url, entries, n, &res);
    pthread_mutex_lock(&d->bg.mu);
    for (size_t i = 0; i < n; i++) {
        bool failed = rc != ES_OK || entries[i].failed;
        if (!failed) {
            d->deleted++;
            s_entry_free(&batch[i]);
            continue;
        }
        const char *why = rc != ES_OK ? res.message : entries[i].error;
        bool retry = ++batch[i].tries < S_MAX_TRIES;
        ES_LOG(retry ? ES_LOG_WARN : ES_LOG_ERROR, "sqs.delete_failed",
               ES_LF_STR("message_id", batch[i].message_id),
               ES_LF_STR("error_code", es_errname(rc != ES_OK ? rc : ES_ERR_CLIENT)),
               ES_LF_STR("reason", why), ES_LF_STR("request_id", res.request_id[0] ? res.request_id : NULL),
               ES_LF_BOOL("will_retry", retry));
        if (retry) {
            batch[i].added_ms = es_clock_ms();
            s_push_locked(d, batch[i]);
        } else {
            d->failed++;
            s_entry_free(&batch[i]);
        }
    }
    pthread_mutex_unlock(&d->bg.mu);
}

static void *s_thread(void *arg)
{
    es_pool_deleter *d = arg;
    es_http_set_thread_cancel(d->stop_token);
    pthread_mutex_lock(&d->bg.mu);
    for (;;) {
        while (d->count == 0 && !d->bg.stopping)
            es_clock_wait_until(&d->bg.cv, &d->bg.mu, ES_CLOCK_NEVER);
        if (d->count == 0)
            break; /* stopping and nothing left */
        uint64_t due = d->items[0].added_ms + (uint64_t)d->flush_ms;
        uint64_t now = es_clock_ms();
        if (d->count < ES_SQS_MAX_BATCH && !d->bg.stopping && now < due) {
            int rc = es_clock_wait_until(&d->bg.cv, &d->bg.mu, due);
            if (rc != ETIMEDOUT)
                continue; /* re-evaluate: more entries or stop */
        }
        s_entry batch[ES_SQS_MAX_BATCH];
        size_t n = d->count < ES_SQS_MAX_BATCH ? d->count : ES_SQS_MAX_BATCH;
        memcpy(batch, d->items, n * sizeof batch[0]);
        memmove(d->items, d->items + n, (d->count - n) * sizeof d->items[0]);
        d->count -= n;
        pthread_mutex_unlock(&d->bg.mu);
        s_flush(d, batch, n);
        pthread_mutex_lock(&d->bg.mu);
    }
    pthread_mutex_unlock(&d->bg.mu);
    return NULL;
}

es_pool_deleter *es_pool_deleter_new(es_sqs_client *sqs, const char *queue_url, int flush_ms,
                                     const atomic_int *stop_token)
{
    es_pool_deleter *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    es_pool_thread_init(&d->bg);
    d->sqs = sqs;
    d->stop_token = stop_token;
    d->flush_ms = flush_ms > 0 ? flush_ms : 1;
    d->queue_url = strdup(queue_url ? queue_url : "");
    if (!d->queue_url || !es_pool_thread_start(&d->bg, s_thread, d))
        goto err;
    return d;
err:
    es_pool_deleter_free(d);
    return NULL;
}

void es_pool_deleter_stop(es_pool_deleter *d)
{
    if (d)
        es_pool_thread_stop(&d->bg);
}

uint64_t es_pool_deleter_deleted(es_pool_deleter *d) { return es_pool_thread_read(&d->bg, &d->deleted); }

uint64_t es_pool_deleter_failed(es_pool_deleter *d) { return es_pool_thread_read(&d->bg, &d->failed); }

void es_pool_deleter_free(es_pool_deleter *d)
{
    if (!d)
        return;
    es_pool_deleter_stop(d);
    for (size_t i = 0; i < d->count; i++)
        s_entry_free(&d->items[i]);
    free(d->items);
    free(d->queue_url);
    es_pool_thread_destroy(&d->bg);
    free(d);
}
