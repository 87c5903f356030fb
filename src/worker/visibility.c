/* visibility.c - the visibility heartbeat (visibility.h). A fixed table of
 * slots (receipt handle, message id, time of receipt or last extension,
 * generation) is guarded by a mutex. The thread ticks every
 * min(1 s, timeout/4), collects due slots, extends them in batches of ES_SQS_MAX_BATCH
 * outside the lock, and records success only if the slot still holds the
 * same message (generation unchanged). An extension never asks past SQS's
 * 12 hours from the receipt, nor for less than the message is already hidden;
 * the last one possible (cut short by the 12 hours) says so, and no other
 * follows. */
#include "worker/visibility.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "aws/http/http.h"
#include "common/log.h"
#include "worker/clock.h"
#include "worker/thread.h"

typedef struct s_slot {
    bool busy;
    char *receipt;
    char *message_id;
    uint64_t received_ms;     /* receipt */
    uint64_t since_ms;        /* receipt or last successful extension */
    uint64_t hidden_until_ms; /* when it becomes visible again, as far as known */
    uint64_t gen;
    unsigned failures;
    bool at_limit; /* SQS's 12 hours are used up: no more extensions */
} s_slot;

struct es_pool_visibility {
    es_sqs_client *sqs;
    char *queue_url;
    int timeout_s;
    uint64_t half_ms, tick_ms;
    s_slot *slots;
    size_t nslots;
    uint64_t next_gen, extended;
    const atomic_int *stop_token;
    es_pool_thread bg;
};

static void s_slot_clear(s_slot *s)
{
    free(s->receipt);
    free(s->message_id);
    memset(s, 0, sizeof *s);
}

int es_pool_visibility_track(es_pool_visibility *v, const char *receipt_handle, const char *message_id)
{
    if (!v || !receipt_handle)
        return -1;
    int found = -1;
    pthread_mutex_lock(&v->bg.mu);
    for (size_t i = 0; i < v->nslots && found < 0; i++) {
        s_slot *s = &v->slots[i];
        if (s->busy)
            continue;
        s->receipt = strdup(receipt_handle);
        s->message_id = strdup(message_id ? message_id : "");
        if (!s->receipt || !s->message_id) {
            s_slot_clear(s);
            break;
        }
        s->busy = true;
        s->received_ms = s->since_ms = es_clock_ms();
        s->hidden_until_ms = s->received_ms + (uint64_t)v->timeout_s * 1000u; /* the receive's timeout */
        s->gen = ++v->next_gen;
        found = (int)i;
    }
    pthread_mutex_unlock(&v->bg.mu);
    return found;
}

void es_pool_visibility_untrack(es_pool_visibility *v, int slot)
{
    if (!v || slot < 0 || (size_t)slot >= v->nslots)
        return;
    pthread_mutex_lock(&v->bg.mu);
    s_slot_clear(&v->slots[slot]);
    pthread_mutex_unlock(&v->bg.mu);
}

typedef struct s_due {
    size_t slot;
    uint64_t gen;
    int seconds; /* the extension asked */
    char *receipt;
    char *message_id;
} s_due;

int es_visibility_time_left_s(int wanted_s, uint64_t received_ms, uint64_t now_ms)
{
    uint64_t held_s = (now_ms > received_ms ? (now_ms - received_ms + 999) / 1000 : 0) + ES_SQS_HIDDEN_MARGIN_S;
    if (held_s >= ES_SQS_MAX_VISIBILITY_S)
        return 0;
    uint64_t left_s = ES_SQS_MAX_VISIBILITY_S - held_s;
    return wanted_s < 0 ? 0 : (uint64_t)wanted_s < left_s ? wanted_s : (int)left_s;
}

/* Marks a slot whose 12 hours are used up, once (called with the lock held). */
static void s_at_limit_locked(s_slot *s, uint64_t now_ms)
{
    if (s->at_limit)
        return;
    s->at_limit = true;
    uint64_t left_ms = s->hidden_until_ms > now_ms ? s->hidden_until_ms - now_ms : 0;
    ES_LOG(ES_LOG_WARN, "sqs.visibility_limit", ES_LF_STR("message_id", s->message_id),
           ES_LF_UINT("visible_in_s", left_ms / 1000u),
           ES_LF_STR("reason", "SQS hides a message at most 12 hours after its receipt: no longer extended, it "
                               "becomes visible again while its job still runs (another worker may take it)"));
}

/* Collects up to ES_SQS_MAX_BATCH due slots (copies their strings); called with the lock held. */
static size_t s_collect_locked(es_pool_visibility *v, size_t *cursor, s_due *due)
{
    size_t n = 0;
    uint64_t now = es_clock_ms();
    for (; *cursor < v->nslots && n < ES_SQS_MAX_BATCH; (*cursor)++) {
        s_slot *s = &v->slots[*cursor];
        if (!s->busy || s->at_limit || now - s->since_ms < v->half_ms)
            continue;
        int seconds = es_visibility_time_left_s(v->timeout_s, s->received_ms, now);
        if (now + (uint64_t)seconds * 1000u <= s->hidden_until_ms) { /* would not hide it any longer */
            s_at_limit_locked(s, now);
            continue;
        }
        due[n] = (s_due){*cursor, s->gen, seconds, strdup(s->receipt), strdup(s->message_id)};
        if (!due[n].receipt || !due[n].message_id) {
            free(due[n].receipt);
            free(due[n].message_id);
            continue;
        }
        n++;
    }
    return n;
}

static void s_extend(es_pool_visibility *v, s_due *due, size_t n)
{
    es_sqs_batch_entry entries[ES_SQS_MAX_BATCH];
    memset(entries, 0, sizeof entries);
    for (size_t i = 0; i < n; i++) {
        entries[i].receipt_handle = due[i].receipt;
        entries[i].visibility_timeout = due[i].seconds;
    }
    uint64_t sent_ms = es_clock_ms();
    es_aws_result res;
    es_aws_result_clear(&res);
    es_err rc = es_sqs_change_visibility_batch(v->sqs, v->queue_url, entries, n, &res);
    pthread_mutex_lock(&v->bg.mu);
    for (size_t i = 0; i < n; i++) {
        s_slot *s = &v->slots[due[i].slot];
        bool same = s->busy && s->gen == due[i].gen;
        if (same && rc == ES_OK && !entries[i].failed) {
            s->since_ms = sent_ms;
            s->hidden_until_ms = sent_ms + (uint64_t)due[i].seconds * 1000u;
            s->failures = 0;
            v->extended++;
            ES_LOG(ES_LOG_DEBUG, "sqs.visibility_extended", ES_LF_STR("message_id", due[i].message_id),
                   ES_LF_INT("visibility_timeout", due[i].seconds));
            if (due[i].seconds < v->timeout_s) /* cut short by the 12 hours: the last one */
                s_at_limit_locked(s, sent_ms);
        } else if (same) {
            unsigned f = ++s->failures;
            if ((f & (f - 1)) == 0) /* 1st, 2nd, 4th, 8th ... failure */
                ES_LOG(ES_LOG_WARN, "sqs.visibility_failed", ES_LF_STR("message_id", due[i].message_id),
                       ES_LF_STR("reason", rc != ES_OK ? res.message : entries[i].error),
                       ES_LF_STR("request_id", res.request_id[0] ? res.request_id : NULL),
                       ES_LF_UINT("failures", f));
        }
        free(due[i].receipt);
        free(due[i].message_id);
    }
    pthread_mutex_unlock(&v->bg.mu);
}

static void *s_thread(void *arg)
{
    es_pool_visibility *v = arg;
    es_http_set_thread_cancel(v->stop_token);
    pthread_mutex_lock(&v->bg.mu);
    while (!v->bg.stopping) {
        es_clock_wait_until(&v->bg.cv, &v->bg.mu, es_clock_ms() + v->tick_ms);
        size_t cursor = 0;
        while (!v->bg.stopping) {
            s_due due[ES_SQS_MAX_BATCH];
            size_t n = s_collect_locked(v, &cursor, due);
            if (n == 0)
                break;
            pthread_mutex_unlock(&v->bg.mu);
            s_extend(v, due, n);
            pthread_mutex_lock(&v->bg.mu);
        }
    }
    pthread_mutex_unlock(&v->bg.mu);
    return NULL;
}

es_pool_visibility *es_pool_visibility_new(es_sqs_client *sqs, const char *queue_url, int timeout_s,
                                           size_t slots, const atomic_int *stop_token)
{
    es_pool_visibility *v = calloc(1, sizeof *v);
    if (!v)
        return NULL;
    es_pool_thread_init(&v->bg);
    v->sqs = sqs;
    v->stop_token = stop_token;
    v->timeout_s = timeout_s > 0 ? timeout_s : 1;
    v->half_ms = (uint64_t)v->timeout_s * 500u;
    v->tick_ms = v->half_ms / 2 < 1000 ? v->half_ms / 2 : 1000;
    v->nslots = slots;
    v->slots = calloc(slots ? slots : 1, sizeof *v->slots);
    v->queue_url = strdup(queue_url ? queue_url : "");
    if (!v->slots || !v->queue_url || !es_pool_thread_start(&v->bg, s_thread, v))
        goto err;
    return v;
err:
    es_pool_visibility_free(v);
    return NULL;
}

uint64_t es_pool_visibility_extended(es_pool_visibility *v)
{
    return es_pool_thread_read(&v->bg, &v->extended);
}

void es_pool_visibility_stop(es_pool_visibility *v)
{
    if (v)
        es_pool_thread_stop(&v->bg);
}

void es_pool_visibility_free(es_pool_visibility *v)
{
    if (!v)
        return;
    es_pool_visibility_stop(v);
    for (size_t i = 0; v->slots && i < v->nslots; i++)
        s_slot_clear(&v->slots[i]);
    free(v->slots);
    free(v->queue_url);
    es_pool_thread_destroy(&v->bg);
    free(v);
}
