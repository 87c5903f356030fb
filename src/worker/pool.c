/* pool.c - the worker daemon (pool.h): threads, the bounded message queue and
 * the shutdown sequence. Locking: one mutex (mu) guards the queue, the
 * counters and the thread-state flags; three condition variables (on
 * CLOCK_MONOTONIC) signal "work queued" (workers), "room or stop"
 * (receiver) and "job or thread finished" (main thread). Network calls are
 * never made with mu held. The main thread sleeps in poll() on a self-pipe
 * that es_pool_request_stop() (signal handlers) and the receiver (drained)
 * write to.
 *
 * Cancellation reaches requests in flight through aws/http/http.h's per-thread cancel
 * token: the receiver's ReceiveMessage watches stop_flag (raised with
 * `stopping`), so a long poll ends within about a second of a stop; worker
 * threads watch `cancel` (the grace deadline or a second stop request), so a
 * stalled GET/PUT ends too. The delete batcher and the visibility heartbeat
 * run on their own threads; their token, and the main thread's while it shuts
 * down, is `hard_stop`, which a timer raises at the shutdown deadline (the
 * grace period plus S_CLEANUP_MS): deletes still flush after a stop,
 * but no request after SIGTERM outlives the deadline. hard_stop is also the
 * process-wide token, which reaches the multipart aborts that jobs send with
 * their own token suspended. */
#include "worker/pool.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "aws/http/http.h"
#include "common/block_cache.h"
#include "common/log.h"
#include "worker/clock.h"
#include "worker/deleter.h"
#include "worker/drain.h"
#include "worker/health.h"
#include "worker/memory.h"
#include "worker/metrics.h"
#include "worker/thread.h"
#include "worker/transform_budget.h"
#include "worker/visibility.h"

/* The worker holds (queued + running) at most concurrency + ES_SQS_MAX_BATCH
 * messages: the queue's capacity (concurrency at most ES_CFG_MAX_CONCURRENCY,
 * checked by config.c and es_pool_new); shutdown empties the queue into an
 * array of that bound on its stack. */
_Static_assert(ES_CFG_MAX_CONCURRENCY >= 1 && ES_CFG_MAX_CONCURRENCY <= 1024,
               "s_shutdown's queued[] array has S_MAX_HELD entries on the stack");
#define S_MAX_HELD (ES_CFG_MAX_CONCURRENCY + ES_SQS_MAX_BATCH)

#define S_DELETE_FLUSH_MS 100
#define S_CANCEL_WAIT_MS 5000 /* after the grace period, for cancelled jobs to unwind */
#define S_BACKOFF_MAX_MS 20000
/* --drain: without the queue's attributes (drain.h), two empty receives in a row end the run. */
#define S_DRAIN_EMPTY_RECEIVES 2
/* --drain: the long-poll wait while jobs run or the queue looked empty, so the
 * run ends within about this long after its last job. Once the queue has only
 * had messages in flight elsewhere for S_DRAIN_PATIENCE checks in a row (not
 * just this worker's last deletes on their way), receives long-poll in full. */
#define S_DRAIN_WAIT_S 1
#define S_DRAIN_PATIENCE 3
/* --drain: receives failing this often in a row for a reason that is not
 * transient (no such queue, access denied, a bad setting) end the run with a
 * failure; the daemon keeps retrying them (a queue may be created later). */
#define S_DRAIN_GIVE_UP 4
/* After the grace period, the time cleanup requests (the last deletes, releases,
 * the aborts of cancelled uploads) still get; within S_CANCEL_WAIT_MS. */
#define S_CLEANUP_MS 2500
/* An empty receive faster than this was not a long poll: the next one waits
 * S_EMPTY_BACKOFF_MS, doubling up to S_EMPTY_BACKOFF_MAX_MS. */
#define S_SHORT_POLL_MS 1000
#define S_EMPTY_BACKOFF_MS 100
#define S_EMPTY_BACKOFF_MAX_MS 2000
#define S_HEARTBEAT_EVERY_MS 1000 /* the heartbeat file is rewritten at most this often */
/* A worker idle this long (others working) frees one waiting spare upload buffer; the pool idle this long,
 * every spare and the kept turn blocks. */
#define S_IDLE_RELEASE_MS 1000
/* After a ReceiveMessage answer over its size cap (ES_SQS_RECEIVE_MAX_RESPONSE:
 * up to ten legal messages of 1 MiB whose JSON escaping inflates them), the
 * receives ask for one message each for this many visibility timeouts: the
 * messages of that answer stay hidden for one, then each comes back alone,
 * is judged on its own (one over a body limit is refused with a report, as
 * any too-large body) and no longer fails the healthy ones received with it. */
#define S_ONE_AT_A_TIME_TIMEOUTS 2

typedef struct s_item {
    char *message_id;
    char *receipt;
    char *body;
    size_t body_len;
    int receive_count;
    bool has_first_receive;          /* the receive returned its ApproximateFirstReceiveTimestamp */
    uint64_t since_first_receive_ms; /* from it to this receipt (0 when the clocks disagree) */
    int slot;                        /* visibility slot, -1 if untracked */
    uint64_t received_ms;            /* es_clock_ms() at receipt */
    bool has_queue_wait;             /* the receive returned its SentTimestamp */
    uint64_t queue_wait_ms;          /* SentTimestamp to receipt (0 when the clocks disagree) */
} s_item;

struct es_pool {
    const es_cfg *cfg;
    es_sqs_client *sqs;
    es_job_env env;
    atomic_int cancel;    /* jobs' transfers must stop: the worker threads' cancel token */
    atomic_int stop_flag; /* raised with `stopping`: the receiver's cancel token */
    atomic_int stop_requests;
    atomic_int drained;
    atomic_int gave_up;            /* --drain: receives kept failing for a reason that is not transient */
    atomic_int hard_stop;          /* the shutdown deadline passed: helpers' and shutdown's cancel token */
    es_pool_thread deadline_timer; /* raises hard_stop at deadline_ms */
    uint64_t deadline_ms;
    int pipe_fds[2];
    es_pool_deleter *deleter;
    es_pool_visibility *vis;

    pthread_mutex_t mu;
    pthread_cond_t cv_work, cv_space, cv_done;
    s_item **queue; /* ring buffer of received, unstarted messages */
    size_t qhead, qcount;
    size_t qcap;  /* concurrency + ES_SQS_MAX_BATCH: the bound on queued + running */
    size_t slots; /* concurrency: worker threads and job slots */
    int active;
    int workers_alive;
    bool receiver_alive;
    bool stopping;
    bool work_since_release; /* a job finished since the idle release (s_wait_for_work) */
    uint64_t last_job_done_ms;
    es_pool_stats stats;

    pthread_t receiver;
    pthread_t *workers;
    int nworkers;
    bool receiver_started;
    uint64_t *job_started;      /* per job slot: es_clock_ms() + 1 when its job started, 0 = idle; under mu */
    es_health_state health;     /* receiver thread only: what the heartbeat file says */
    uint64_t started_ms;        /* es_clock_ms() + 1 at the start */
    uint64_t receive_ok_ms;     /* ... at the last successful receive (0: none yet); receiver thread only */
    uint64_t health_written_ms; /* receiver thread only */
    bool touch_failing;         /* receiver thread only */
    bool abandoned;
};

/* ---- items ---- */

static void s_item_free(s_item *it)
{
    if (!it)
        return;
    free(it->message_id);
    free(it->receipt);
    free(it->body);
    free(it);
}

static s_item *s_item_from(const es_sqs_message *m)
{
    s_item *it = calloc(1, sizeof *it);
    if (!it)
        return NULL;
    it->slot = -1;
    it->message_id = strdup(m->message_id ? m->message_id : "");
    it->receipt = strdup(m->receipt_handle ? m->receipt_handle : "");
    it->body = strdup(m->body ? m->body : "");
    it->body_len = it->body ? strlen(it->body) : 0;
    it->receive_count = m->receive_count;
    it->received_ms = es_clock_ms();
    if (m->first_receive_ms) { /* on SQS's clock, not this host's */
        it->has_first_receive = true;
        it->since_first_receive_ms = es_clock_since_service_ms(m->answered_ms, m->first_receive_ms);
    }
    if (m->sent_timestamp_ms) {
        it->has_queue_wait = true;
        it->queue_wait_ms = es_clock_since_service_ms(m->answered_ms, m->sent_timestamp_ms);
    }
    if (!it->message_id || !it->receipt || !it->body) {
        s_item_free(it);
        return NULL;
    }
    return it;
}

/* ---- small helpers ---- */

static void s_wake_main(es_pool *p)
{
    char c = 1;
    ssize_t w = write(p->pipe_fds[1], &c, 1); /* full pipe: already awake */
    (void)w;
}

static void s_timed_wait(pthread_cond_t *cv, pthread_mutex_t *mu, uint64_t ms)
{
    es_clock_wait_until(cv, mu, es_clock_ms() + ms);
}

/* A moment kept as es_clock_ms() + 1 (0: none), as the heartbeat states
 * it: wall-clock seconds, that many seconds before `updated` (health.h). The
 * ages are the monotonic clock's, so a step of the wall clock moves every
 * time in the file with it and the ages `health` judges stay true. */
static int64_t s_wall_of(uint64_t mark, uint64_t now_ms, int64_t updated)
{
    if (!mark)
        return 0;
    uint64_t age_s = now_ms + 1 > mark ? (now_ms + 1 - mark) / 1000u : 0;
    return updated - (int64_t)age_s;
}

/* Rewrites the heartbeat file (at most every S_HEARTBEAT_EVERY_MS) with the
 * receiver's state and the job slots' (health.h). Receiver thread only. */
static void s_touch(es_pool *p)
{
    uint64_t now_ms = es_clock_ms();
    if (!p->cfg->heartbeat_file[0] ||
        (p->health_written_ms && now_ms - p->health_written_ms < S_HEARTBEAT_EVERY_MS))
        return;
    es_health_state *st = &p->health;
    st->updated = (int64_t)time(NULL);
    st->started = s_wall_of(p->started_ms, now_ms, st->updated);
    st->last_receive_ok = s_wall_of(p->receive_ok_ms, now_ms, st->updated);
    st->slots = (int)p->slots;
    st->busy = 0;
    st->oldest_job_started = st->newest_job_started = 0;
    pthread_mutex_lock(&p->mu);
    for (size_t i = 0; i < p->slots; i++) {
        int64_t t = s_wall_of(p->job_started[i], now_ms, st->updated);
        if (!t)
            continue;
        st->busy++;
        if (!st->oldest_job_started || t < st->oldest_job_started)
            st->oldest_job_started = t;
        if (t > st->newest_job_started)
            st->newest_job_started = t;
    }
    pthread_mutex_unlock(&p->mu);
    es_error err;
    es_error_clear(&err);
    bool ok = es_health_write(p->cfg->heartbeat_file, st, &err) == ES_OK;
    if (!ok && !p->touch_failing)
        ES_LOG(ES_LOG_WARN, "health.touch_failed", ES_LF_STR("reason", err.msg));
    p->touch_failing = !ok;
    p->health_written_ms = now_ms;
}

/* Records a receive's outcome for the heartbeat file. Receiver thread only. */
static void s_note_receive(es_pool *p, es_err rc, const es_aws_result *res)
{
    es_health_state *st = &p->health;
    if (rc != ES_OK || st->receive_failures > 0)
        p->health_written_ms = 0; /* a failure, or the recovery from one, is written at once */
    if (rc == ES_OK) {
        p->receive_ok_ms = es_clock_ms() + 1;
        st->receive_failures = 0;
        st->last_error[0] = '\0';
    } else {
        st->receive_failures++;
        snprintf(st->last_error, sizeof st->last_error, "%s (HTTP %ld%s%.48s)", es_errname(rc),
                 res->http_status, res->aws_code[0] ? ", " : "", res->aws_code);
        for (char *c = st->last_error; *c; c++)
            if ((unsigned char)*c < 0x20 || (unsigned char)*c > 0x7E)
                *c = '?';
    }
}

/* How many more messages may be held (queued + running). Called with mu held. */
static size_t s_room(const es_pool *p)
{
    size_t held = p->qcount + (size_t)p->active;
    return held < p->qcap ? p->qcap - held : 0;
}

/* Marks a free job slot busy and returns it (-1: none free). Called with mu held. */
static int s_job_slot_begin(es_pool *p)
{
    for (size_t i = 0; i < p->slots; i++)
        if (!p->job_started[i]) {
            p->job_started[i] = es_clock_ms() + 1;
            return (int)i;
        }
    return -1;
}

/* Sets the visibility of up to ES_SQS_MAX_BATCH messages to seconds (0: they
 * are received again at once); failures are logged. ids name the messages in the log. */
static void s_set_visibility_batch(es_pool *p, const char *const *receipts, const char *const *ids, size_t k,
                                   int seconds)
{
    es_sqs_batch_entry entries[ES_SQS_MAX_BATCH];
    memset(entries, 0, sizeof entries);
    for (size_t i = 0; i < k; i++) {
        entries[i].receipt_handle = receipts[i];
        entries[i].visibility_timeout = seconds;
    }
    es_aws_result res;
    es_aws_result_clear(&res);
    es_err rc = es_sqs_change_visibility_batch(p->sqs, p->cfg->queue_url, entries, k, &res);
    for (size_t i = 0; i < k; i++)
        if (rc != ES_OK || entries[i].failed)
            ES_LOG(ES_LOG_WARN, seconds ? "sqs.hide_failed" : "sqs.return_failed",
                   ES_LF_STR("message_id", ids[i]),
                   ES_LF_STR("reason", rc != ES_OK ? res.message : entries[i].error));
}

/* Gives messages back to the queue at once (visibility 0) and frees them. */
static void s_give_back(es_pool *p, s_item **items, size_t n)
{
    for (size_t off = 0; off < n; off += ES_SQS_MAX_BATCH) {
        size_t k = n - off < ES_SQS_MAX_BATCH ? n - off : ES_SQS_MAX_BATCH;
        const char *receipts[ES_SQS_MAX_BATCH], *ids[ES_SQS_MAX_BATCH];
        for (size_t i = 0; i < k; i++) {
            es_pool_visibility_untrack(p->vis, items[off + i]->slot);
            receipts[i] = items[off + i]->receipt;
            ids[i] = items[off + i]->message_id;
        }
        s_set_visibility_batch(p, receipts, ids, k, 0);
    }
    if (n > 0)
        ES_LOG(ES_LOG_INFO, "worker.returned", ES_LF_UINT("messages", n));
    pthread_mutex_lock(&p->mu);
    p->stats.returned += n;
    pthread_mutex_unlock(&p->mu);
    for (size_t i = 0; i < n; i++)
        s_item_free(items[i]);
}

/* Releases messages a receive returned beyond what was asked for (a
 * non-compliant or hostile endpoint): nothing from the network sizes the queue. */
static void s_release_surplus(es_pool *p, const es_sqs_message *msgs, size_t n, size_t asked)
{
    ES_LOG(ES_LOG_WARN, "sqs.surplus", ES_LF_UINT("asked", asked), ES_LF_UINT("surplus", n),
           ES_LF_STR("reason", "the endpoint returned more messages than MaxNumberOfMessages; "
                               "the surplus is released with visibility 0"));
    for (size_t off = 0; off < n; off += ES_SQS_MAX_BATCH) {
        size_t k = n - off < ES_SQS_MAX_BATCH ? n - off : ES_SQS_MAX_BATCH;
        const char *receipts[ES_SQS_MAX_BATCH], *ids[ES_SQS_MAX_BATCH];
        for (size_t i = 0; i < k; i++) {
            receipts[i] = msgs[off + i].receipt_handle ? msgs[off + i].receipt_handle : "";
            ids[i] = msgs[off + i].message_id;
        }
        s_set_visibility_batch(p, receipts, ids, k, 0);
    }
    pthread_mutex_lock(&p->mu);
    p->stats.returned += n;
    pthread_mutex_unlock(&p->mu);
}

/* ---- receiver ---- */

/* Sleeps up to ms (in slices that keep the heartbeat fresh) unless stopping. */
static void s_pause(es_pool *p, uint64_t ms)
{
    uint64_t end = es_clock_ms() + ms;
    pthread_mutex_lock(&p->mu);
    for (uint64_t now = es_clock_ms(); !p->stopping && now < end; now = es_clock_ms()) {
        s_timed_wait(&p->cv_space, &p->mu, end - now < 1000 ? end - now : 1000);
        pthread_mutex_unlock(&p->mu);
        s_touch(p);
        pthread_mutex_lock(&p->mu);
    }
    pthread_mutex_unlock(&p->mu);
}

/* Queues received messages (at most `asked`, the room reserved for them),
 * or gives them back when the pool is stopping. */
static void s_enqueue(es_pool *p, const es_sqs_message *msgs, size_t n, size_t asked)
{
    if (n > asked) {
        s_release_surplus(p, msgs + asked, n - asked, asked);
        n = asked;
    }
    s_item *items[ES_SQS_MAX_BATCH];
    size_t k = 0;
    for (size_t i = 0; i < n && k < ES_SQS_MAX_BATCH; i++) {
        s_item *it = s_item_from(&msgs[i]);
        if (!it) {
            ES_LOG(ES_LOG_ERROR, "worker.nomem", ES_LF_STR("message_id", msgs[i].message_id));
            continue; /* not deleted: it comes back after the visibility timeout */
        }
        it->slot = es_pool_visibility_track(p->vis, it->receipt, it->message_id);
        items[k++] = it;
    }
    pthread_mutex_lock(&p->mu);
    p->stats.received += n;
    if (p->stopping) {
        pthread_mutex_unlock(&p->mu);
        s_give_back(p, items, k);
        return;
    }
    for (size_t i = 0; i < k; i++) { /* room was reserved: only the receiver adds */
        p->queue[(p->qhead + p->qcount) % p->qcap] = items[i];
        p->qcount++;
    }
    pthread_cond_broadcast(&p->cv_work);
    pthread_mutex_unlock(&p->mu);
}

/* --drain, once a receive came back empty and nothing is queued or running:
 * whether the queue is done (drain.h). Falls back to S_DRAIN_EMPTY_RECEIVES
 * empty receives in a row when the attributes cannot be read (e.g. no
 * sqs:GetQueueAttributes permission). *in_flight counts the checks in a row
 * that found messages delayed or invisible but none visible. Receiver thread only. */
static bool s_drain_done(es_pool *p, int empty_streak, int *in_flight)
{
    static bool s_warned; /* receiver thread only */
    es_drain_counts c;
    es_aws_result res;
    es_aws_result_clear(&res);
    const atomic_int *token = es_http_set_thread_cancel(&p->stop_flag);
    es_drain_verdict v = es_drain_check(p->sqs, p->cfg->queue_url, &c, &res);
    es_http_set_thread_cancel(token);
    if (atomic_load(&p->stop_flag))
        return false; /* stopping anyway: not "drained" */
    if (v == ES_DRAIN_UNKNOWN) {
        if (!s_warned)
            ES_LOG(ES_LOG_WARN, "worker.drain_attributes_failed", ES_LF_STR("reason", res.message),
                   ES_LF_STR("fallback", "the run ends after two empty receives in a row"));
        s_warned = true;
        return empty_streak >= S_DRAIN_EMPTY_RECEIVES;
    }
    *in_flight = v == ES_DRAIN_PENDING && c.visible == 0 ? *in_flight + 1 : 0;
    if (v == ES_DRAIN_PENDING)
        ES_LOG(ES_LOG_DEBUG, "worker.drain_waiting", ES_LF_UINT("visible", c.visible),
               ES_LF_UINT("in_flight", c.in_flight), ES_LF_UINT("delayed", c.delayed));
    return v == ES_DRAIN_DONE;
}

static void *s_receiver(void *arg)
{
    es_pool *p = arg;
    const es_cfg *cfg = p->cfg;
    int empty_streak = 0;
    int drain_in_flight = 0; /* --drain: checks in a row with messages in flight only */
    uint64_t backoff_ms = 0, empty_backoff_ms = 0;
    int lasting_failures = 0;         /* receives in a row that failed for a reason that is not transient */
    uint64_t one_at_a_time_until = 0; /* receives ask for one message until then (0: a batch) */
    for (;;) {
        s_touch(p);
        pthread_mutex_lock(&p->mu);
        if (p->stopping) {
            pthread_mutex_unlock(&p->mu);
            break;
        }
        bool idle = p->qcount == 0 && p->active == 0;
        if (cfg->drain && empty_streak > 0 && idle) {
            pthread_mutex_unlock(&p->mu);
            if (s_drain_done(p, empty_streak, &drain_in_flight)) {
                atomic_store(&p->drained, 1);
                s_wake_main(p);
                break;
            }
            pthread_mutex_lock(&p->mu);
        }
        /* Receive a whole batch once at most `concurrency` messages are held
         * (queued + running): one ReceiveMessage per ES_SQS_MAX_BATCH messages
         * at any concurrency, the queue never empty while work is waiting. */
        size_t room = s_room(p);
        if (room < ES_SQS_MAX_BATCH) {
            s_timed_wait(&p->cv_space, &p->mu, 1000);
            pthread_mutex_unlock(&p->mu);
            continue;
        }
        pthread_mutex_unlock(&p->mu);

        es_sqs_message *msgs = NULL;
        size_t n = 0, asked = room < ES_SQS_MAX_BATCH ? room : ES_SQS_MAX_BATCH;
        if (one_at_a_time_until && es_clock_ms() >= one_at_a_time_until) {
            one_at_a_time_until = 0;
            ES_LOG(ES_LOG_INFO, "sqs.receive_batches_again", ES_LF_UINT("asked", asked));
        }
        if (one_at_a_time_until)
            asked = 1;
        es_aws_result res;
        es_aws_result_clear(&res);
        uint64_t sent_ms = es_clock_ms();
        const atomic_int *token = es_http_set_thread_cancel(&p->stop_flag);
        int wait_s = cfg->wait_seconds;
        if (cfg->drain && drain_in_flight < S_DRAIN_PATIENCE && wait_s > S_DRAIN_WAIT_S)
            wait_s = S_DRAIN_WAIT_S; /* the end of the queue is noticed within a second */
        es_err rc = es_sqs_receive(p->sqs, cfg->queue_url, (int)asked, wait_s, cfg->visibility_timeout, &msgs,
                                   &n, &res);
        es_http_set_thread_cancel(token); /* giving messages back must not be cancelled */
        if (rc == ES_ERR_CANCELLED && atomic_load(&p->stop_flag)) {
            ES_LOG(ES_LOG_INFO, "sqs.receive_cancelled",
                   ES_LF_STR("reason", "stopping: the long poll was abandoned; anything it would "
                                       "have returned reappears after the visibility timeout"));
            es_sqs_messages_free(msgs, n);
            continue; /* the loop sees `stopping` and ends */
        }
        s_note_receive(p, rc, &res);
        if (rc != ES_OK) {
            backoff_ms = backoff_ms ? backoff_ms * 2 : 1000;
            if (backoff_ms > S_BACKOFF_MAX_MS)
                backoff_ms = S_BACKOFF_MAX_MS;
            es_log_level level = es_err_category(rc) == ES_CAT_TRANSIENT ? ES_LOG_WARN : ES_LOG_ERROR;
            ES_LOG(level, "sqs.receive_failed", ES_LF_STR("error_code", es_errname(rc)),
                   ES_LF_STR("category", es_category_name(es_err_category(rc))),
                   ES_LF_INT("http_status", res.http_status),
                   ES_LF_STR("aws_code", res.aws_code[0] ? res.aws_code : NULL),
                   ES_LF_STR("reason", res.message),
                   ES_LF_STR("request_id", res.request_id[0] ? res.request_id : NULL),
                   ES_LF_UINT("retry_in_ms", backoff_ms));
            es_sqs_messages_free(msgs, n);
            if (res.answer_too_large) {
                uint64_t span_ms = (uint64_t)S_ONE_AT_A_TIME_TIMEOUTS * (uint64_t)cfg->visibility_timeout *
                                   1000u;
                if (!one_at_a_time_until)
                    ES_LOG(ES_LOG_WARN, "sqs.receive_one_at_a_time", ES_LF_UINT("asked", asked),
                           ES_LF_UINT("for_s", span_ms / 1000u),
                           ES_LF_STR("reason", "the answer exceeded the response size limit: the receives ask "
                                               "for one message each until the messages of that answer have "
                                               "come back, so each is judged on its own"));
                one_at_a_time_until = es_clock_ms() + span_ms;
            }
            lasting_failures = es_err_category(rc) == ES_CAT_TRANSIENT ? 0 : lasting_failures + 1;
            if (cfg->drain && lasting_failures >= S_DRAIN_GIVE_UP) {
                ES_LOG(ES_LOG_ERROR, "worker.drain_gave_up", ES_LF_INT("receive_failures", lasting_failures),
                       ES_LF_STR("error_code", es_errname(rc)), ES_LF_STR("reason", res.message),
                       ES_LF_STR("note", "--drain ends with exit 1; without --drain the worker keeps retrying"));
                atomic_store(&p->gave_up, 1);
                s_wake_main(p);
                break;
            }
            s_pause(p, backoff_ms);
            continue;
        }
        backoff_ms = 0;
        lasting_failures = 0;
        if (n == 0) {
            empty_streak++;
            es_sqs_messages_free(msgs, n);
            /* A short poll (wait 0, or an endpoint that ignores the wait) must not spin. */
            if (es_clock_ms() - sent_ms < S_SHORT_POLL_MS) {
                empty_backoff_ms = empty_backoff_ms ? empty_backoff_ms * 2 : S_EMPTY_BACKOFF_MS;
                if (empty_backoff_ms > S_EMPTY_BACKOFF_MAX_MS)
                    empty_backoff_ms = S_EMPTY_BACKOFF_MAX_MS;
                s_pause(p, empty_backoff_ms);
            }
            continue;
        }
        empty_streak = 0;
        empty_backoff_ms = 0;
        drain_in_flight = 0;
        s_enqueue(p, msgs, n, asked);
        es_sqs_messages_free(msgs, n);
    }
    pthread_mutex_lock(&p->mu);
    p->receiver_alive = false;
    pthread_cond_broadcast(&p->cv_done);
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

/* ---- workers ---- */

static void s_process(es_pool *p, s_item *it)
{
    es_job_message m = {.message_id = it->message_id,
                        .body = it->body,
                        .body_len = it->body_len,
                        .receive_count = it->receive_count,
                        .has_first_receive = it->has_first_receive,
                        .since_first_receive_ms = it->since_first_receive_ms,
                        .received_ms = it->received_ms,
                        .has_queue_wait = it->has_queue_wait,
                        .queue_wait_ms = it->queue_wait_ms};
    es_job_counts counts;
    memset(&counts, 0, sizeof counts);
    bool settled = es_job_run_message(&p->env, &m, &counts);
    es_pool_visibility_untrack(p->vis, it->slot);
    const char *receipt = it->receipt, *id = it->message_id;
    if (settled) {
        es_pool_deleter_add(p->deleter, it->receipt, it->message_id);
    } else if (counts.recheck) {
        /* a removal that found B's key absent comes back no sooner than a
         * full visibility timeout from now (propagate_delete.h), however
         * long it waited here: a creation's write in flight has landed then
         * (or as long as SQS's 12 hours from the receipt still allow) */
        int hide_s = es_visibility_time_left_s(p->cfg->visibility_timeout, it->received_ms, es_clock_ms());
        if (hide_s > 0)
            s_set_visibility_batch(p, &receipt, &id, 1, hide_s);
        ES_LOG(ES_LOG_INFO, "message.recheck", ES_LF_STR("message_id", it->message_id),
               ES_LF_INT("receive_count", it->receive_count), ES_LF_INT("visible_in_s", hide_s));
    } else if (counts.abandoned) { /* too old or too slow: let another try start now */
        s_set_visibility_batch(p, &receipt, &id, 1, 0);
        ES_LOG(ES_LOG_INFO, "message.released", ES_LF_STR("message_id", it->message_id),
               ES_LF_INT("receive_count", it->receive_count));
    } else {
        ES_LOG(ES_LOG_INFO, "message.left", ES_LF_STR("message_id", it->message_id),
               ES_LF_INT("receive_count", it->receive_count));
    }
    pthread_mutex_lock(&p->mu);
    for (int i = 0; i < ES_JOB_OUTCOME_COUNT; i++)
        p->stats.outcomes[i] += counts.n[i];
    if (settled)
        p->stats.settled++;
    else
        p->stats.left++;
    pthread_mutex_unlock(&p->mu);
}

/* Waits (mu held) for cv_work. The waiting upload buffers (aws/s3/s3.h:
 * the spares that save the next jobs allocating and faulting in fresh ones)
 * and the blocks kept from turned photos (memory.h) serve any thread's next
 * job. A thread idle for S_IDLE_RELEASE_MS while others work frees one spare
 * (the most resident), once per idle spell: *gave_back
 * says it has, and its next job clears it. When the whole pool is idle then
 * (no job running, none queued), every spare and block is freed. Gaps
 * between receives keep them, an idle worker does not. A pool idle
 * ES_WORKER_IDLE_RELEASE_MS after its last job also gives back what the
 * jobs left resident (es_worker_release_idle_memory), once until the next
 * job. */
static void s_wait_for_work(es_pool *p, bool *gave_back)
{
    bool pool_idle = p->active == 0 && p->qcount == 0;
    bool blocks_kept = pool_idle && es_block_cache_stats_now().kept_blocks;
    bool spares = (pool_idle || !*gave_back) && es_s3_upload_spare_bytes();
    uint64_t until = ES_CLOCK_NEVER;
    if (spares || blocks_kept)
        until = es_clock_ms() + S_IDLE_RELEASE_MS;
    else if (pool_idle && p->work_since_release)
        until = p->last_job_done_ms + ES_WORKER_IDLE_RELEASE_MS;
    if (es_clock_wait_until(&p->cv_work, &p->mu, until) != ETIMEDOUT || p->qcount > 0)
        return;
    pool_idle = p->active == 0;
    bool release_all = pool_idle && p->work_since_release &&
                       es_clock_ms() >= p->last_job_done_ms + ES_WORKER_IDLE_RELEASE_MS;
    if (release_all)
        p->work_since_release = false;
    pthread_mutex_unlock(&p->mu);
    /* a job starting meanwhile may lose a spare or the blocks: a saving missed, no harm */
    if (pool_idle) {
        es_s3_upload_release_spares();
        es_block_cache_release();
    } else if (!*gave_back) {
        es_s3_upload_release_spare();
    }
    *gave_back = true;
    if (release_all)
        ES_LOG(ES_LOG_DEBUG, "worker.idle_memory_released",
               ES_LF_UINT("file_bytes", es_worker_release_idle_memory()));
    pthread_mutex_lock(&p->mu);
}

static void *s_worker(void *arg)
{
    es_pool *p = arg;
    es_http_set_thread_cancel(&p->cancel); /* for the thread's whole life */
    bool gave_back = false;                /* a spare since its last job (s_wait_for_work) */
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (p->qcount == 0 && !p->stopping)
            s_wait_for_work(p, &gave_back);
        if (p->stopping)
            break; /* queued messages are given back by the main thread */
        gave_back = false;
        s_item *it = p->queue[p->qhead];
        p->qhead = (p->qhead + 1) % p->qcap;
        p->qcount--;
        p->active++;
        int slot = s_job_slot_begin(p);
        pthread_mutex_unlock(&p->mu); /* held (queued + running) is unchanged: the receiver has no news */
        s_process(p, it);
        s_item_free(it);
        es_block_cache_job_done(); /* blocks kept past ES_WORKER_KEEP_JOBS jobs go */
        pthread_mutex_lock(&p->mu);
        if (slot >= 0)
            p->job_started[slot] = 0;
        p->active--;
        p->work_since_release = true;
        p->last_job_done_ms = es_clock_ms();
        pthread_cond_broadcast(&p->cv_done);
        if (s_room(p) >= ES_SQS_MAX_BATCH) /* a batch fits now (or, idle, the drain check): wake the receiver */
            pthread_cond_broadcast(&p->cv_space);
    }
    p->workers_alive--;
    pthread_cond_broadcast(&p->cv_done);
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

/* ---- lifecycle ---- */

es_pool *es_pool_new(const es_cfg *cfg, es_s3_client *s3, es_sqs_client *sqs)
{
    if (!cfg || !sqs || cfg->concurrency > ES_CFG_MAX_CONCURRENCY)
        return NULL;
    es_pool *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->pipe_fds[0] = p->pipe_fds[1] = -1;
    pthread_mutex_init(&p->mu, NULL);
    es_pool_thread_init(&p->deadline_timer);
    es_clock_cond_init(&p->cv_work);
    es_clock_cond_init(&p->cv_space);
    es_clock_cond_init(&p->cv_done);
    p->cfg = cfg;
    p->sqs = sqs;
    p->env = (es_job_env){.cfg = cfg, .s3 = s3, .sqs = sqs, .cancel = &p->cancel};
    p->slots = (size_t)(cfg->concurrency > 0 ? cfg->concurrency : 1);
    p->qcap = p->slots + ES_SQS_MAX_BATCH;
    p->queue = calloc(p->qcap, sizeof *p->queue);
    p->job_started = calloc(p->slots, sizeof *p->job_started);
    p->health.pid = (long)getpid();
    p->started_ms = es_clock_ms() + 1;
    p->health.job_limit = (int64_t)es_job_age_limit(cfg, cfg->max_object_bytes); /* fixed by the settings */
    p->workers = calloc(p->slots, sizeof *p->workers);
    if (!p->queue || !p->workers || !p->job_started || pipe2(p->pipe_fds, O_CLOEXEC | O_NONBLOCK) != 0)
        goto err;
    return p;
err:
    es_pool_free(p);
    return NULL;
}

void es_pool_request_stop(es_pool *p)
{
    if (!p)
        return;
    if (atomic_fetch_add(&p->stop_requests, 1) >= 1) /* the second request */
        atomic_store(&p->cancel, 1);
    s_wake_main(p);
}

static void s_log_start(const es_pool *p)
{
    const es_cfg *c = p->cfg;
    char sources[1024] = "", suffixes[600] = "", s3_endpoint[600], sqs_endpoint[600];
    es_s3_client_describe(p->env.s3, s3_endpoint, sizeof s3_endpoint);
    es_sqs_client_describe(p->sqs, sqs_endpoint, sizeof sqs_endpoint);
    for (size_t i = 0; i < c->source_bucket_count; i++) {
        size_t len = strlen(sources);
        snprintf(sources + len, sizeof sources - len, "%s%s", i ? "," : "", c->source_buckets[i]);
    }
    for (size_t i = 0; i < c->suffix_count; i++) {
        size_t len = strlen(suffixes);
        snprintf(suffixes + len, sizeof suffixes - len, "%s%s", i ? "," : "", c->suffixes[i]);
    }
    ES_LOG(ES_LOG_INFO, "worker.start", ES_LF_STR("version", ES_VERSION),
           ES_LF_STR("queue_url", c->queue_url), ES_LF_STR("sqs_endpoint", sqs_endpoint),
           ES_LF_STR("s3_endpoint", s3_endpoint), ES_LF_STR("dest_bucket", c->dest_bucket),
           ES_LF_STR("source_buckets", c->source_bucket_count ? sources : NULL),
           ES_LF_STR("suffixes", suffixes), ES_LF_STR("dlq_url", c->dlq_url[0] ? c->dlq_url : NULL),
           ES_LF_INT("concurrency", c->concurrency), ES_LF_INT("visibility_timeout", c->visibility_timeout),
           ES_LF_INT("wait_seconds", c->wait_seconds), ES_LF_UINT("max_object_bytes", c->max_object_bytes),
           ES_LF_UINT("part_size", c->part_size), ES_LF_INT("shutdown_grace", c->shutdown_grace),
           ES_LF_STR("heartbeat_file", c->heartbeat_file[0] ? c->heartbeat_file : NULL),
           ES_LF_BOOL("drain", c->drain), ES_LF_STR("metrics", es_metrics_enabled() ? "emf" : "off"),
           ES_LF_STR("metrics_namespace", es_metrics_enabled() ? c->metrics_namespace : NULL),
           ES_LF_BOOL("propagate_deletes", c->propagate_deletes),
           ES_LF_UINT("transform_concurrency", es_transform_concurrency((unsigned)c->transform_concurrency)),
           ES_LF_BOOL("transform_concurrency_auto", c->transform_concurrency == 0),
           ES_LF_UINT("transform_memory", c->transform_memory),
           ES_LF_BOOL("transform_memory_auto", c->transform_memory_auto));
    if (c->source_bucket_count == 0)
        ES_LOG(ES_LOG_WARN, "config.any_source_bucket",
               ES_LF_STR("reason", "EXIFSTRIP_SOURCE_BUCKETS is not set: events from every bucket "
                                   "except the destination are processed"),
               ES_LF_STR("dest_bucket", c->dest_bucket));
    if (!c->dlq_url[0])
        ES_LOG(ES_LOG_INFO, "config.no_dlq",
               ES_LF_STR("reason", "EXIFSTRIP_DLQ_URL is not set: refused inputs are only logged"));
}

/* Starts the threads with SIGINT/SIGTERM blocked in them (the main thread handles signals). */
static es_err s_start_threads(es_pool *p)
{
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    es_err rc = ES_OK;
    pthread_mutex_lock(&p->mu);
    for (size_t i = 0; i < p->slots && rc == ES_OK; i++) {
        if (pthread_create(&p->workers[i], NULL, s_worker, p) != 0)
            rc = ES_ERR_INTERNAL;
        else {
            p->nworkers++;
            p->workers_alive++;
        }
    }
    if (rc == ES_OK) {
        if (pthread_create(&p->receiver, NULL, s_receiver, p) != 0)
            rc = ES_ERR_INTERNAL;
        else
            p->receiver_started = p->receiver_alive = true;
    }
    pthread_mutex_unlock(&p->mu);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return rc;
}

/* Waits (on cv_done) until every thread exited or the deadline; once jobs are
 * cancelled (second stop request) only S_CANCEL_WAIT_MS remain. Returns true
 * when all threads exited. */
static bool s_wait_threads(es_pool *p, uint64_t deadline_ms)
{
    pthread_mutex_lock(&p->mu);
    for (;;) {
        bool done = p->workers_alive == 0 && !p->receiver_alive;
        uint64_t now = es_clock_ms();
        if (done || now >= deadline_ms) {
            pthread_mutex_unlock(&p->mu);
            return done;
        }
        if (atomic_load(&p->cancel) && deadline_ms > now + S_CANCEL_WAIT_MS)
            deadline_ms = now + S_CANCEL_WAIT_MS;
        uint64_t left = deadline_ms - now;
        s_timed_wait(&p->cv_done, &p->mu, left < 200 ? left : 200);
    }
}

/* The deadline timer: raises hard_stop at deadline_ms unless stopped first. */
static void *s_deadline_timer(void *arg)
{
    es_pool *p = arg;
    es_pool_thread *t = &p->deadline_timer;
    pthread_mutex_lock(&t->mu);
    while (!t->stopping && es_clock_ms() < p->deadline_ms)
        es_clock_wait_until(&t->cv, &t->mu, p->deadline_ms);
    bool expired = !t->stopping;
    pthread_mutex_unlock(&t->mu);
    if (expired)
        atomic_store(&p->hard_stop, 1);
    return NULL;
}

static void s_shutdown(es_pool *p)
{
    const es_cfg *cfg = p->cfg;
    uint64_t grace_end = es_clock_ms() + (uint64_t)cfg->shutdown_grace * 1000u;
    p->deadline_ms = grace_end + S_CLEANUP_MS;
    if (!es_pool_thread_start(&p->deadline_timer, s_deadline_timer, p))
        atomic_store(&p->hard_stop, 1); /* no timer: nothing may wait on the network */
    const atomic_int *token = es_http_set_thread_cancel(&p->hard_stop);
    s_item *queued[S_MAX_HELD]; /* the queue holds at most qcap */
    size_t nq = 0;
    pthread_mutex_lock(&p->mu);
    p->stopping = true;
    atomic_store(&p->stop_flag, 1); /* aborts a long poll in flight */
    pthread_cond_broadcast(&p->cv_work);
    pthread_cond_broadcast(&p->cv_space);
    int in_flight = p->active;
    while (p->qcount > 0 && nq < sizeof queued / sizeof queued[0]) {
        queued[nq++] = p->queue[p->qhead];
        p->qhead = (p->qhead + 1) % p->qcap;
        p->qcount--;
    }
    pthread_mutex_unlock(&p->mu);
    ES_LOG(ES_LOG_INFO, "worker.stopping",
           ES_LF_STR("reason", atomic_load(&p->drained)   ? "drained"
                               : atomic_load(&p->gave_up) ? "receives keep failing (--drain gave up)"
                                                          : "stop requested"),
           ES_LF_INT("in_flight", in_flight), ES_LF_UINT("queued", nq),
           ES_LF_INT("grace_seconds", cfg->shutdown_grace));
    s_give_back(p, queued, nq);

    bool done = s_wait_threads(p, grace_end);
    if (!done) {
        pthread_mutex_lock(&p->mu);
        in_flight = p->active;
        pthread_mutex_unlock(&p->mu);
        atomic_store(&p->cancel, 1);
        ES_LOG(ES_LOG_WARN, "worker.grace_expired", ES_LF_INT("in_flight", in_flight),
               ES_LF_STR("reason", "running jobs are cancelled; their messages are not deleted "
                                   "and will be redelivered"));
        done = s_wait_threads(p, es_clock_ms() + S_CANCEL_WAIT_MS);
    }
    if (done) {
        for (int i = 0; i < p->nworkers; i++)
            pthread_join(p->workers[i], NULL);
        if (p->receiver_started)
            pthread_join(p->receiver, NULL);
    } else {
        pthread_mutex_lock(&p->mu);
        p->stats.abandoned = (unsigned)p->workers_alive + (p->receiver_alive ? 1u : 0u);
        pthread_mutex_unlock(&p->mu);
        p->abandoned = true;
        for (int i = 0; i < p->nworkers; i++)
            pthread_detach(p->workers[i]);
        if (p->receiver_started)
            pthread_detach(p->receiver);
    }
    es_pool_deleter_stop(p->deleter); /* flushes the last settled messages, until hard_stop */
    es_pool_visibility_stop(p->vis);
    es_pool_thread_stop(&p->deadline_timer);
    es_http_set_thread_cancel(token);
    if (!p->abandoned)
        es_http_set_process_cancel(NULL);
}

es_err es_pool_run(es_pool *p, es_pool_stats *stats)
{
    ES_ENSURE_REF(p);
    const es_cfg *cfg = p->cfg;
    p->deleter = es_pool_deleter_new(p->sqs, cfg->queue_url, S_DELETE_FLUSH_MS, &p->hard_stop);
    p->vis = es_pool_visibility_new(p->sqs, cfg->queue_url, cfg->visibility_timeout,
                                    p->qcap + ES_SQS_MAX_BATCH, &p->hard_stop);
    if (!p->deleter || !p->vis) {
        ES_LOG(ES_LOG_ERROR, "worker.thread_failed",
               ES_LF_STR("reason", "could not start the delete batcher or the visibility heartbeat "
                                   "(out of memory, or the thread limit reached)"));
        return ES_ERR_NOMEM;
    }
    s_log_start(p);
    es_worker_keep_blocks(cfg->transform_memory);
    es_http_set_process_cancel(&p->hard_stop); /* even multipart aborts end at the deadline */
    es_err rc = s_start_threads(p);
    if (rc != ES_OK)
        ES_LOG(ES_LOG_ERROR, "worker.thread_failed", ES_LF_STR("reason", "could not start the worker threads"));
    while (rc == ES_OK && atomic_load(&p->stop_requests) == 0 && !atomic_load(&p->drained) &&
           !atomic_load(&p->gave_up)) {
        struct pollfd pfd = {.fd = p->pipe_fds[0], .events = POLLIN};
        if (poll(&pfd, 1, 1000) > 0) {
            char buf[64];
            while (read(p->pipe_fds[0], buf, sizeof buf) > 0) {
            }
        }
    }
    s_shutdown(p);
    es_block_cache_limit(0, 0, 0); /* keeps nothing more, and gives back what it kept */
    pthread_mutex_lock(&p->mu);
    p->stats.deleted = es_pool_deleter_deleted(p->deleter);
    p->stats.delete_failed = es_pool_deleter_failed(p->deleter);
    p->stats.extended = es_pool_visibility_extended(p->vis);
    p->stats.drained = atomic_load(&p->drained) != 0;
    es_pool_stats st = p->stats;
    pthread_mutex_unlock(&p->mu);
    ES_LOG(p->abandoned ? ES_LOG_ERROR : ES_LOG_INFO, "worker.stop", ES_LF_UINT("received", st.received),
           ES_LF_UINT("stripped", st.outcomes[ES_JOB_STRIPPED]),
           ES_LF_UINT("skipped", st.outcomes[ES_JOB_SKIPPED]), ES_LF_UINT("gone", st.outcomes[ES_JOB_GONE]),
           ES_LF_UINT("refused", st.outcomes[ES_JOB_REFUSED]), ES_LF_UINT("retry", st.outcomes[ES_JOB_RETRY]),
           ES_LF_UINT("copies_deleted", st.outcomes[ES_JOB_DELETED]), ES_LF_UINT("deleted", st.deleted),
           ES_LF_UINT("delete_failed", st.delete_failed), ES_LF_UINT("left", st.left),
           ES_LF_UINT("returned", st.returned), ES_LF_UINT("visibility_extended", st.extended),
           ES_LF_UINT("abandoned_threads", st.abandoned), ES_LF_BOOL("drained", st.drained));
    if (stats)
        *stats = st;
    if (rc != ES_OK)
        return rc;
    if (p->abandoned)
        return ES_ERR_TIMEOUT;
    return atomic_load(&p->gave_up) ? ES_ERR_CONFIG : ES_OK;
}

void es_pool_free(es_pool *p)
{
    if (!p || p->abandoned)
        return; /* abandoned threads may still use it */
    es_pool_deleter_free(p->deleter);
    es_pool_visibility_free(p->vis);
    for (size_t i = 0; p->queue && i < p->qcount; i++)
        s_item_free(p->queue[(p->qhead + i) % p->qcap]);
    free(p->queue);
    free(p->job_started);
    free(p->workers);
    for (int i = 0; i < 2; i++)
        if (p->pipe_fds[i] >= 0)
            close(p->pipe_fds[i]);
    pthread_cond_destroy(&p->cv_work);
    pthread_cond_destroy(&p->cv_space);
    pthread_cond_destroy(&p->cv_done);
    pthread_mutex_destroy(&p->mu);
    es_pool_thread_destroy(&p->deadline_timer);
    free(p);
}
