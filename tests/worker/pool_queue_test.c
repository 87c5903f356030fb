/* pool_queue_test.c - the worker pool's queue and shutdown (src/worker/pool.c)
 * without the emulator: a scripted SQS endpoint, a scripted S3 whose requests
 * can be held (so a job stays in flight), and the fake clock. Checked: a
 * receive asks for a whole batch and only once at most `concurrency`
 * messages are held; messages beyond what was asked are given back at once;
 * after an answer over the response cap the receives ask for one message
 * for two visibility timeouts; a message of an answer that cannot be used
 * is left out and named, the others processed; received-but-unstarted messages are kept under the
 * visibility heartbeat and given back at a stop; at shutdown queued
 * messages are given back before the in-flight job's message is deleted; a
 * job still running when the grace period ends is cancelled and its message
 * left for redelivery; the blocks kept from turned photos are freed after a
 * second of the whole pool idle, not while a job runs. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "../harness/test.h"
#include "../support/fake_clock.h"
#include "../support/http_server.h"
#include "../support/log_capture.h"
#include "../support/sqs_fake.h"
#include "../support/worker_fixture.h"
#include "aws/s3/s3.h"
#include "common/block_cache.h"
#include "worker/pool.h"

#define S_T0 9000000u
#define S_GRACE_S 5
#define S_CLEANUP_MS 2500      /* pool.c: what cleanup requests get after the grace period */
#define S_IDLE_RELEASE_MS 1000 /* pool.c: idle this long, spare upload buffers are freed */
#define S_DELETE_FLUSH_MS 100  /* pool.c: a part batch of deletes is sent after this long */

/* The scripted S3: answers 404 to everything, holding each request while `hold` is set. */
static struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool hold;
    unsigned entered;
} s_s3 = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false, 0};

static void s_s3_handler(void *ctx, const es_test_http_request *req, es_test_http_response *resp)
{
    (void)ctx, (void)req;
    pthread_mutex_lock(&s_s3.mu);
    s_s3.entered++;
    pthread_cond_broadcast(&s_s3.cv);
    while (s_s3.hold)
        pthread_cond_wait(&s_s3.cv, &s_s3.mu);
    pthread_mutex_unlock(&s_s3.mu);
    resp->status = 404;
    resp->body = "<Error><Code>NoSuchKey</Code><Message>gone</Message></Error>";
}

static void s_s3_hold(bool hold)
{
    pthread_mutex_lock(&s_s3.mu);
    s_s3.hold = hold;
    if (hold)
        s_s3.entered = 0;
    pthread_cond_broadcast(&s_s3.cv);
    pthread_mutex_unlock(&s_s3.mu);
}

/* The pool under test, its endpoints, and the thread running es_pool_run. */
typedef struct s_fix {
    es_test_sqs *q;
    es_test_http_server *s3srv;
    es_creds_provider *creds;
    es_s3_client *s3;
    es_cfg cfg;
    es_pool *pool;
    es_err rc;
    es_pool_stats stats;
    pthread_t runner;
} s_fix;

static void *s_run(void *arg)
{
    ((s_fix *)arg)->rc = es_pool_run(((s_fix *)arg)->pool, &((s_fix *)arg)->stats);
    return NULL;
}

/* Sets up the endpoints and the pool; s_launch runs it. What the first
 * receives return is scripted in between: a receive that found nothing
 * scripted would come back empty and pause the receiver on the fake clock,
 * which only the test moves. */
static bool s_prepare(s_fix *f, int concurrency)
{
    memset(f, 0, sizeof *f);
    es_test_clock_install(S_T0);
    f->q = es_test_sqs_start();
    f->s3srv = es_test_http_server_start();
    f->creds = es_creds_provider_new_static("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", NULL);
    if (!f->q || !f->s3srv || !f->creds)
        return false;
    es_test_http_server_set_handler(f->s3srv, s_s3_handler, NULL);
    es_aws_config aws;
    es_test_local_aws_config(&aws, es_test_http_server_url(f->s3srv));
    f->s3 = es_s3_client_new(&aws, f->creds);
    es_cfg_defaults(&f->cfg);
    snprintf(f->cfg.queue_url, sizeof f->cfg.queue_url, "%s", es_test_sqs_queue_url());
    snprintf(f->cfg.dest_bucket, sizeof f->cfg.dest_bucket, "dst");
    f->cfg.heartbeat_file[0] = '\0';
    f->cfg.dlq_url[0] = '\0';
    f->cfg.concurrency = concurrency;
    f->cfg.visibility_timeout = 30;
    f->cfg.shutdown_grace = S_GRACE_S;
    f->pool = f->s3 ? es_pool_new(&f->cfg, f->s3, es_test_sqs_client(f->q)) : NULL;
    return f->pool != NULL;
}

static bool s_launch(s_fix *f) { return pthread_create(&f->runner, NULL, s_run, f) == 0; }

/* A pool of concurrency whose first receive returns count messages with
 * ids prefix0.. and body (es_test_sqs_script_receive). */
static bool s_start(s_fix *f, int concurrency, const char *prefix, size_t count, const char *body)
{
    if (!s_prepare(f, concurrency))
        return false;
    es_test_sqs_script_receive(f->q, prefix, count, body);
    return s_launch(f);
}

static void s_stop_and_join(s_fix *f)
{
    es_pool_request_stop(f->pool);
    pthread_join(f->runner, NULL);
}

static void s_finish(s_fix *f)
{
    s_s3_hold(false);
    es_pool_free(f->pool);
    es_s3_client_free(f->s3);
    es_creds_provider_release(f->creds);
    es_test_http_server_stop(f->s3srv);
    es_test_sqs_stop(f->q);
    es_test_clock_uninstall();
}

typedef struct s_idle {
    s_fix *f;
    size_t receives, parked, releases;
} s_idle;

/* At least `receives` receives were made, `releases` batch entries were
 * recorded and `parked` threads wait on the clock. */
static bool s_idle_pred(void *ctx)
{
    s_idle *w = ctx;
    es_test_sqs_entry e[64];
    return es_test_sqs_calls(w->f->q, "ReceiveMessage") >= w->receives &&
           es_test_sqs_entries(w->f->q, e, 64) >= w->releases && es_test_clock_parked() == w->parked;
}

/* s_idle_pred once the capture holds `logged`, a job's line. A worker that a
 * queued message woke counts as parked until it runs (fake_clock.h): only
 * its job's line says it took the message, and `parked` then that it waits
 * again, so that a stop cannot find the message still queued. */
typedef struct s_idle_after {
    s_idle idle;
    const char *logged;
} s_idle_after;

static bool s_idle_after_pred(void *ctx)
{
    s_idle_after *w = ctx;
    return es_logcap_contains(w->logged) && s_idle_pred(&w->idle);
}

/* Checks the batch entries the endpoint got, in order: "release <receipt>"
 * (ChangeMessageVisibilityBatch to 0) or "delete <receipt>". */
static void s_check_entries(s_fix *f, const char *const *want, size_t n)
{
    es_test_sqs_entry e[16];
    size_t got = es_test_sqs_entries(f->q, e, 16);
    CHECK_INT_EQ(got, n);
    for (size_t i = 0; i < n && i < got && i < 16; i++) {
        char seen[128];
        bool release = !strcmp(e[i].action, "ChangeMessageVisibilityBatch") && e[i].visibility == 0;
        bool del = !strcmp(e[i].action, "DeleteMessageBatch");
        snprintf(seen, sizeof seen, "%.40s %.63s",
                 release ? "release"
                 : del   ? "delete"
                         : e[i].action,
                 e[i].receipt);
        CHECK_STR_EQ(seen, want[i]);
    }
}

/* Some batch entry was recorded. */
static bool s_released_pred(void *ctx)
{
    s_fix *f = ctx;
    es_test_sqs_entry e[4];
    return es_test_sqs_entries(f->q, e, 4) >= 1;
}

static bool s_s3_entered(void *ctx)
{
    (void)ctx;
    pthread_mutex_lock(&s_s3.mu);
    bool in = s_s3.entered > 0;
    pthread_mutex_unlock(&s_s3.mu);
    return in;
}

static void test_surplus_released_batches_asked(void)
{
    s_fix f;
    /* Asked for a batch of 10, the endpoint returns 12 (over SQS's maximum):
     * 10 are queued, the 2 beyond what was asked go back at once (visibility 0). */
    REQUIRE(s_start(&f, 1, "x", ES_SQS_MAX_BATCH + 2, NULL));
    /* Then: the receiver's next (empty) receive, its pause, and every other thread idle. */
    s_idle idle = {&f, 2, 4, ES_SQS_MAX_BATCH + 2};
    es_test_await(s_idle_pred, &idle, "surplus released, the batch done, all idle");
    s_stop_and_join(&f);
    CHECK_OK(f.rc);
    CHECK_INT_EQ(f.stats.received, ES_SQS_MAX_BATCH); /* the surplus is not counted as received */
    CHECK_INT_EQ(f.stats.returned, 2);
    CHECK_INT_EQ(f.stats.settled, ES_SQS_MAX_BATCH); /* not events, no DLQ: refused and settled */
    CHECK_INT_EQ(f.stats.outcomes[ES_JOB_REFUSED], ES_SQS_MAX_BATCH);
    CHECK_INT_EQ(f.stats.deleted, ES_SQS_MAX_BATCH);
    s_check_entries(&f,
                    (const char *const[]){"release rh-x10", "release rh-x11", "delete rh-x0", "delete rh-x1",
                                          "delete rh-x2", "delete rh-x3", "delete rh-x4", "delete rh-x5",
                                          "delete rh-x6", "delete rh-x7", "delete rh-x8", "delete rh-x9"},
                    ES_SQS_MAX_BATCH + 2);
    int asked[4];
    CHECK(es_test_sqs_receive_sizes(f.q, asked, 4) >= 2);
    CHECK_INT_EQ(asked[0], ES_SQS_MAX_BATCH); /* a pool of one asks for a whole batch */
    CHECK_INT_EQ(asked[1], ES_SQS_MAX_BATCH);
    s_finish(&f);
}

/* A ReceiveMessage answer over the 16 MiB response cap (ten legal 1 MiB
 * messages that JSON escaping inflates) fails the receive whole; the next
 * receives ask for one message each, so every message of that answer comes
 * back alone once its visibility timeout ends and is judged on its own,
 * and two visibility timeouts after the failure they ask for a batch again. */
static void test_oversized_answer_then_one_at_a_time(void)
{
    s_fix f;
    REQUIRE(s_prepare(&f, 1));
    es_test_sqs_script_oversized(f.q, (16u << 20) + 4096);
    es_test_sqs_script_receive(f.q, "one", 1, NULL);
    es_logcap_start();
    REQUIRE(s_launch(&f));
    /* the receive fails; the receiver backs off 1 s, every other thread idle */
    es_test_await(s_idle_pred, &(s_idle){&f, 1, 4, 0}, "the too-large answer, the receiver backing off");
    /* the service's fault, not the input's */
    CHECK_STR_CONTAINS(es_logcap_text(),
                       "\"event\":\"sqs.receive_failed\",\"error_code\":\"ES_ERR_PROTOCOL\","
                       "\"category\":\"transient\",\"http_status\":200,\"reason\":\"malformed "
                       "response from the service: response exceeds its size limit (over 16777216 "
                       "bytes)\"");
    CHECK_STR_CONTAINS(es_logcap_text(), "\"event\":\"sqs.receive_one_at_a_time\"");
    es_test_clock_advance(1000);
    /* one message (not an event: refused and deleted), then an empty receive and a pause */
    es_test_await(s_idle_after_pred,
                  &(s_idle_after){{&f, 3, 4, 0}, "\"event\":\"job.refused\",\"message_id\":\"one0\""},
                  "two receives of one message, the message refused");
    es_logcap_stop();
    es_test_clock_advance(2u * 30u * 1000u); /* two visibility timeouts */
    es_test_await(s_idle_pred, &(s_idle){&f, 4, 4, 0}, "a batch asked for again");
    s_stop_and_join(&f);
    CHECK_OK(f.rc);
    CHECK_INT_EQ(f.stats.received, 1);
    CHECK_INT_EQ(f.stats.outcomes[ES_JOB_REFUSED], 1);
    int asked[8];
    size_t receives = es_test_sqs_receive_sizes(f.q, asked, 8);
    REQUIRE(receives >= 4);
    CHECK_INT_EQ(asked[0], ES_SQS_MAX_BATCH);
    CHECK_INT_EQ(asked[1], 1);
    CHECK_INT_EQ(asked[2], 1);
    CHECK_INT_EQ(asked[3], ES_SQS_MAX_BATCH);
    s_finish(&f);
}

/* A message of a receive answer that cannot be used (a wrong MD5OfBody, an
 * empty ReceiptHandle) is left out and named in sqs.message_skipped; the
 * other messages of that answer are processed, not failed with it. */
static void test_bad_message_skipped_others_kept(void)
{
    s_fix f;
    REQUIRE(s_prepare(&f, 1));
    es_test_sqs_script_reply(f.q, "{\"Messages\":["
                                  "{\"MessageId\":\"ok-0\",\"ReceiptHandle\":\"rh-ok-0\",\"Body\":\"x\"},"
                                  "{\"MessageId\":\"bad-md5\",\"ReceiptHandle\":\"rh-bad\",\"Body\":\"hello\","
                                  "\"MD5OfBody\":\"00000000000000000000000000000000\"},"
                                  "{\"MessageId\":\"no-handle\",\"ReceiptHandle\":\"\",\"Body\":\"x\"},"
                                  "{\"MessageId\":\"ok-1\",\"ReceiptHandle\":\"rh-ok-1\",\"Body\":\"x\"}]}");
    es_logcap_start();
    REQUIRE(s_launch(&f));
    /* the two good ones refused (not events), the receiver pausing after an empty receive */
    es_test_await(s_idle_after_pred,
                  &(s_idle_after){{&f, 2, 4, 0}, "\"event\":\"job.refused\",\"message_id\":\"ok-1\""},
                  "the two good messages processed");
    es_test_clock_advance(S_DELETE_FLUSH_MS); /* a part batch of deletes waits this long */
    es_test_await(s_idle_pred, &(s_idle){&f, 2, 4, 2}, "the two good messages deleted");
    s_stop_and_join(&f);
    const char *log = es_logcap_text();
    CHECK_STR_CONTAINS(log, "\"event\":\"sqs.message_skipped\",\"message_id\":\"bad-md5\",\"index\":1,"
                            "\"reason\":\"MD5OfBody 00000000000000000000000000000000 does not match the body");
    CHECK_STR_CONTAINS(log, "\"event\":\"sqs.message_skipped\",\"message_id\":\"no-handle\",\"index\":2,"
                            "\"reason\":\"no ReceiptHandle");
    CHECK(!strstr(log, "sqs.receive_failed"));
    es_logcap_stop();
    CHECK_OK(f.rc);
    CHECK_INT_EQ(f.stats.received, 2);
    CHECK_INT_EQ(f.stats.outcomes[ES_JOB_REFUSED], 2);
    s_check_entries(&f, (const char *const[]){"delete rh-ok-0", "delete rh-ok-1"}, 2);
    s_finish(&f);
}

/* Starts a pool of one worker with S3 requests held, and scripts one
 * receive per prefix, each with one S3 event for src/photo.jpg. */
static bool s_start_held(s_fix *f, const char *const *prefixes, size_t n)
{
    char event[2048];
    es_wfix_s3_event(event, sizeof event, "src", "photo.jpg", NULL, NULL, 100);
    s_s3_hold(true);
    if (!s_prepare(f, 1))
        return false;
    for (size_t i = 0; i < n; i++)
        es_test_sqs_script_receive(f->q, prefixes[i], 1, event);
    return s_launch(f);
}

static void test_shutdown_gives_back_queued_then_deletes_finished(void)
{
    s_fix f;
    REQUIRE(s_start_held(&f, (const char *const[]){"a", "b"}, 2));
    /* a is in flight (its S3 request held), b is queued: more than `concurrency`
     * held, so the receiver waits for room; deleter and heartbeat idle. */
    es_test_await(s_s3_entered, NULL, "the first job's S3 request");
    s_idle idle = {&f, 2, 3, 0};
    if (es_test_await(s_idle_pred, &idle, "the second message queued, the receiver waiting for room"))
        CHECK_INT_EQ(es_test_sqs_calls(f.q, "ReceiveMessage"), 2); /* no receive without room */
    int asked[4];
    CHECK_INT_EQ(es_test_sqs_receive_sizes(f.q, asked, 4), 2);
    CHECK_INT_EQ(asked[1], ES_SQS_MAX_BATCH);
    es_pool_request_stop(f.pool);
    /* b is given back while a still runs ... */
    es_test_await(s_released_pred, &f, "b released");
    CHECK(s_s3_entered(NULL));
    s_s3_hold(false); /* ... then a finishes (the source is gone) and is deleted */
    pthread_join(f.runner, NULL);
    CHECK_OK(f.rc);
    CHECK_INT_EQ(f.stats.received, 2);
    CHECK_INT_EQ(f.stats.returned, 1);
    CHECK_INT_EQ(f.stats.settled, 1);
    CHECK_INT_EQ(f.stats.deleted, 1);
    CHECK_INT_EQ(f.stats.abandoned, 0);
    s_check_entries(&f, (const char *const[]){"release rh-b0", "delete rh-a0"}, 2);
    s_finish(&f);
}

static void test_grace_expiry_cancels_the_running_job(void)
{
    s_fix f;
    REQUIRE(s_start_held(&f, (const char *const[]){"c"}, 1));
    es_test_await(s_s3_entered, NULL, "the job's S3 request");
    /* Receiver (pausing after an empty receive), deleter and heartbeat idle. */
    es_test_await(s_idle_pred, &(s_idle){&f, 2, 3, 0}, "the receiver pausing");
    uint64_t now = es_test_clock_now();
    es_pool_request_stop(f.pool);
    /* The shutdown deadline (grace + cleanup) is armed from the stop on. */
    if (es_test_await_deadline(now + S_GRACE_S * 1000u + S_CLEANUP_MS, "the shutdown deadline timer")) {
        CHECK(s_s3_entered(NULL)); /* still running within the grace period */
        es_test_clock_advance(S_GRACE_S * 1000u);
    }
    pthread_join(f.runner, NULL); /* the job's transfer is cancelled, it unwinds */
    CHECK_OK(f.rc);
    CHECK_INT_EQ(f.stats.settled, 0);
    CHECK_INT_EQ(f.stats.left, 1); /* redelivered after the visibility timeout */
    CHECK_INT_EQ(f.stats.deleted, 0);
    CHECK_INT_EQ(f.stats.abandoned, 0);
    CHECK_INT_EQ(es_test_sqs_calls(f.q, "DeleteMessageBatch"), 0);
    s_finish(&f);
}

/* Counts recorded entries: ChangeMessageVisibilityBatch to `visibility`
 * (action "cmv") or DeleteMessageBatch ("delete"). */
static size_t s_count_entries(s_fix *f, const char *action, int visibility)
{
    es_test_sqs_entry e[64];
    size_t got = es_test_sqs_entries(f->q, e, 64), n = 0;
    for (size_t i = 0; i < got && i < 64; i++) {
        if (!strcmp(action, "delete")
                ? !strcmp(e[i].action, "DeleteMessageBatch")
                : !strcmp(e[i].action, "ChangeMessageVisibilityBatch") && e[i].visibility == visibility)
            n++;
    }
    return n;
}

typedef struct s_entries_want {
    s_fix *f;
    const char *action;
    int visibility;
    size_t n;
} s_entries_want;

static bool s_entries_pred(void *ctx)
{
    s_entries_want *w = ctx;
    return s_count_entries(w->f, w->action, w->visibility) >= w->n;
}

/* Concurrency 1, one receive of a full batch: one message runs (held), nine
 * wait; no further receive while they do; the heartbeat extends all ten;
 * a stop gives the nine back at once and the running one is deleted. */
static void test_batch_held_under_heartbeat_released_on_stop(void)
{
    s_fix f;
    char event[2048];
    es_wfix_s3_event(event, sizeof event, "src", "photo.jpg", NULL, NULL, 100);
    s_s3_hold(true);
    REQUIRE(s_start(&f, 1, "m", ES_SQS_MAX_BATCH, event));
    es_test_await(s_s3_entered, NULL, "the first job's S3 request");
    s_idle idle = {&f, 1, 3, 0};
    if (es_test_await(s_idle_pred, &idle, "nine queued, the receiver waiting for room"))
        CHECK_INT_EQ(es_test_sqs_calls(f.q, "ReceiveMessage"), 1);
    /* Past half the 30 s visibility timeout: queued and running alike are extended. */
    es_test_clock_advance(16000);
    s_entries_want ext = {&f, "cmv", 30, ES_SQS_MAX_BATCH};
    es_test_await(s_entries_pred, &ext, "ten visibility extensions");
    CHECK_INT_EQ(s_count_entries(&f, "cmv", 30), ES_SQS_MAX_BATCH);
    CHECK_INT_EQ(es_test_sqs_calls(f.q, "ReceiveMessage"), 1);
    es_pool_request_stop(f.pool);
    s_entries_want rel = {&f, "cmv", 0, ES_SQS_MAX_BATCH - 1};
    es_test_await(s_entries_pred, &rel, "the nine unstarted messages released");
    CHECK(s_s3_entered(NULL)); /* released while the first still runs */
    s_s3_hold(false);
    pthread_join(f.runner, NULL);
    CHECK_OK(f.rc);
    CHECK_INT_EQ(f.stats.received, ES_SQS_MAX_BATCH);
    CHECK_INT_EQ(f.stats.returned, ES_SQS_MAX_BATCH - 1);
    CHECK_INT_EQ(f.stats.settled, 1);
    CHECK_INT_EQ(f.stats.deleted, 1);
    CHECK_INT_EQ(s_count_entries(&f, "cmv", 0), ES_SQS_MAX_BATCH - 1);
    CHECK_INT_EQ(s_count_entries(&f, "delete", 0), 1);
    s_finish(&f);
}

static bool s_kept_blocks_freed(void *ctx)
{
    (void)ctx;
    return es_block_cache_stats_now().kept_blocks == 0;
}

/* The blocks kept from turned photos (common/block_cache.h), which any
 * thread's next turn takes, outlive a worker idle beside a running job and
 * are freed a second after the pool's last job, when no thread works. */
static void test_kept_blocks_freed_only_when_pool_idle(void)
{
    char event[2048];
    es_wfix_s3_event(event, sizeof event, "src", "photo.jpg", NULL, NULL, 100);
    s_s3_hold(true);
    s_fix f;
    REQUIRE(s_start(&f, 2, "s", 1, event));
    es_test_await(s_s3_entered, NULL, "the job's S3 request");
    /* kept with no age limit (the pool's is 300 ms of real time), as a turn that just ended leaves it */
    es_block_cache_limit((size_t)64 << 20, 0, 0);
    es_block_free(es_block_alloc((size_t)1 << 20));
    REQUIRE(es_block_cache_stats_now().kept_blocks == 1);
    /* receiver pausing, deleter, heartbeat and the other worker idle */
    es_test_await(s_idle_pred, &(s_idle){&f, 2, 4, 0}, "the second worker idle beside the job");
    es_test_clock_advance(2 * S_IDLE_RELEASE_MS);
    es_test_await(s_idle_pred, &(s_idle){&f, 2, 4, 0}, "all idle again but the job");
    CHECK_INT_EQ(es_block_cache_stats_now().kept_blocks, 1); /* a job runs: kept */

    s_s3_hold(false); /* the job ends (the source is gone): the pool is idle */
    if (es_test_await(s_idle_pred, &(s_idle){&f, 2, 5, 0}, "the job over, every thread idle")) {
        CHECK(es_test_clock_has_deadline(es_test_clock_now() + S_IDLE_RELEASE_MS)); /* the worker's */
        CHECK_INT_EQ(es_block_cache_stats_now().kept_blocks, 1);
        es_test_clock_advance(S_IDLE_RELEASE_MS);
        es_test_await(s_kept_blocks_freed, NULL, "the kept blocks freed");
    }
    s_stop_and_join(&f);
    CHECK_OK(f.rc);
    CHECK_INT_EQ(f.stats.settled, 1);
    s_finish(&f);
    es_block_cache_release();
}

int main(void)
{
    ES_RUN(test_surplus_released_batches_asked);
    ES_RUN(test_oversized_answer_then_one_at_a_time);
    ES_RUN(test_bad_message_skipped_others_kept);
    ES_RUN(test_shutdown_gives_back_queued_then_deletes_finished);
    ES_RUN(test_batch_held_under_heartbeat_released_on_stop);
    ES_RUN(test_grace_expiry_cancels_the_running_job);
    ES_RUN(test_kept_blocks_freed_only_when_pool_idle);
    return es_test_finish();
}
