/* pool_itest.c - the daemon (es_pool_run) against the emulator: a drained
 * queue fed by real bucket notifications (every outcome, deletions, DLQ,
 * heartbeat file), the visibility heartbeat keeping a slow job's message
 * invisible, a propagated removal of an absent key hidden for the visibility
 * timeout and settled on redelivery, and the shutdown paths: unstarted messages given back, in-flight
 * jobs finishing within the grace period, jobs cancelled after it (message
 * left for redelivery), a GET stalled far beyond the grace period aborted
 * promptly at the deadline (a stalled UploadPart too, with its multipart
 * upload still aborted), a stop ending a 20 s long poll at once, a second
 * stop request, and a failing receive loop; turned photos reusing the
 * blocks of the turn before theirs, no block and no spare upload buffer kept
 * once the pool is idle, and what the jobs left resident given back once it
 * has been idle ES_WORKER_IDLE_RELEASE_MS. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../harness/test.h"
#include "../support/aws_itest.h"
#include "../support/fixture.h"
#include "../support/wait.h"
#include "../support/worker_fixture.h"
#include "../support/s3_admin.h"
#include "aws/s3/s3.h"
#include "common/block_cache.h"
#include "common/log.h"
#include "worker/clock.h"
#include "worker/health.h"
#include "worker/memory.h"
#include "worker/pool.h"

static es_wfix s_w;
static uint8_t *s_jpeg_data; /* the small jobs' JPEG: made on first use, freed by main() */
static size_t s_jpeg_len;

/* REQUIRE for the helpers below: reports the failed condition, returns false. */
#define S_ENSURE(cond)                                                      \
    do {                                                                    \
        if (!(cond)) {                                                      \
            es_test_fail(__FILE__, __LINE__, "S_ENSURE(%s) failed", #cond); \
            return false;                                                   \
        }                                                                   \
    } while (0)

typedef struct s_run {
    es_pool *pool;
    es_pool_stats stats;
    es_err rc;
    pthread_t thread;
    uint64_t stop_ms;  /* when the (first) stop was requested */
    uint64_t ended_ms; /* when es_pool_run returned */
} s_run;

static void *s_thread(void *arg)
{
    s_run *r = arg;
    r->rc = es_pool_run(r->pool, &r->stats);
    r->ended_ms = es_clock_ms();
    return NULL;
}

static bool s_start(s_run *r)
{
    memset(r, 0, sizeof *r);
    r->pool = es_pool_new(&s_w.cfg, s_w.s3, s_w.sqs);
    return r->pool && pthread_create(&r->thread, NULL, s_thread, r) == 0;
}

static void s_finish(s_run *r)
{
    pthread_join(r->thread, NULL);
    es_pool_free(r->pool);
    r->pool = NULL;
}

/* Starts the pool, lets it work for run_ms, requests a stop `stops` times in a
 * row and waits for es_pool_run to return. False when it did not start. */
static bool s_run_then_stop(s_run *r, long run_ms, int stops)
{
    if (!s_start(r))
        return false;
    es_test_sleep_ms(run_ms);
    r->stop_ms = es_clock_ms();
    for (int i = 0; i < stops; i++)
        es_pool_request_stop(r->pool);
    s_finish(r);
    return true;
}

/* Every case: the fixture with its event queue, 1 s polls and the given
 * shutdown grace (s); concurrency 0 keeps the configured default. */
#define SETUP(concurrency_, grace_)                                                    \
    do {                                                                               \
        REQUIRE(es_itest_endpoint() != NULL && "ES_TEST_ENDPOINT names the emulator"); \
        REQUIRE(es_wfix_setup(&s_w, 1) == 0);                                          \
        s_w.cfg.wait_seconds = 1;                                                      \
        s_w.cfg.shutdown_grace = (grace_);                                             \
        if ((concurrency_) > 0)                                                        \
            s_w.cfg.concurrency = (concurrency_);                                      \
    } while (0)

/* The small jobs' JPEG (with GPS and XMP), or NULL when it cannot be made. */
static const uint8_t *s_jpeg(size_t *len)
{
    if (!s_jpeg_data) {
        es_fixture_opts o = {.exif_gps = true, .xmp = true, .seed = 11};
        if (es_fixture_make(&o, &s_jpeg_data, &s_jpeg_len) != 0)
            s_jpeg_data = NULL;
    }
    *len = s_jpeg_len;
    return s_jpeg_data;
}

/* Points the heartbeat file at a fresh /tmp path named after the pid and tag. */
static void s_heartbeat_file(const char *tag)
{
    snprintf(s_w.cfg.heartbeat_file, sizeof s_w.cfg.heartbeat_file, "/tmp/es_pool_itest_%ld%s.hb",
             (long)getpid(), tag);
    unlink(s_w.cfg.heartbeat_file);
}

/* Delays the next S3 `action` request for key by delay_ms, once. */
static bool s_delay_once(const char *action, const char *key, int delay_ms)
{
    char rule[256];
    snprintf(rule, sizeof rule,
             "{\"service\":\"s3\",\"action\":\"%s\",\"key\":\"%s\",\"delay_ms\":%d,\"times\":1}", action, key,
             delay_ms);
    S_ENSURE(es_itest_fault(rule) == 0);
    return true;
}

/* Puts a JPEG at key and queues its event by hand; false on failure. */
static bool s_put_and_send(const char *key, const uint8_t *jpeg, size_t len)
{
    char body[4096];
    es_aws_result res;
    es_aws_result_clear(&res);
    S_ENSURE(es_wfix_put(&s_w, s_w.src, key, jpeg, len) == ES_OK);
    es_wfix_s3_event(body, sizeof body, s_w.src, key, NULL, NULL, (long long)len);
    S_ENSURE(es_sqs_send(s_w.sqs, s_w.queue_url, body, NULL, 0, &res) == ES_OK);
    return true;
}

/* Queues a job for the small JPEG at key whose GET takes get_delay_ms. */
static bool s_queue_slow_job(const char *key, int get_delay_ms)
{
    size_t len = 0;
    const uint8_t *jpeg = s_jpeg(&len);
    S_ENSURE(jpeg != NULL);
    return s_delay_once("GetObject", key, get_delay_ms) && s_put_and_send(key, jpeg, len);
}

/* True when the destination bucket holds key. */
static bool s_in_dst(const char *key)
{
    char etag[128];
    return es_wfix_etag(&s_w, s_w.dst, key, etag, sizeof etag) == ES_OK;
}

static void test_drain_with_bucket_notifications(void)
{
    SETUP(2, 10);
    s_heartbeat_file("");
    s_w.cfg.drain = true;
    char arn[256];
    es_aws_result res;
    es_aws_result_clear(&res);
    REQUIRE(es_sqs_get_attribute(s_w.sqs, s_w.queue_url, "QueueArn", arn, sizeof arn, &res) == ES_OK);
    REQUIRE(es_s3_put_bucket_notification(s_w.s3, s_w.src, arn, NULL, NULL, NULL, &res) == ES_OK);
    size_t len = 0;
    const uint8_t *jpeg = s_jpeg(&len);
    REQUIRE(jpeg != NULL);
    static const char *const jpegs[] = {"a.jpg", "b/c d.JPEG", "e+f.jpg"};
    for (size_t i = 0; i < 3; i++)
        REQUIRE(es_wfix_put(&s_w, s_w.src, jpegs[i], jpeg, len) == ES_OK);
    REQUIRE(es_wfix_put(&s_w, s_w.src, "not-really.jpg", (const uint8_t *)"GIF89a....", 10) == ES_OK);
    REQUIRE(es_wfix_put(&s_w, s_w.src, "notes.txt", (const uint8_t *)"hello", 5) == ES_OK);

    s_run r;
    REQUIRE(s_start(&r));
    s_finish(&r); /* --drain: returns by itself */
    CHECK_OK(r.rc);
    CHECK(r.stats.drained);
    CHECK_INT_EQ(r.stats.outcomes[ES_JOB_STRIPPED], 3);
    CHECK_INT_EQ(r.stats.outcomes[ES_JOB_REFUSED], 1);
    CHECK_INT_EQ(r.stats.outcomes[ES_JOB_SKIPPED], 1);
    CHECK_INT_EQ(r.stats.outcomes[ES_JOB_RETRY], 0);
    CHECK(r.stats.received >= 5); /* plus the s3:TestEvent, if the emulator sent one */
    CHECK_INT_EQ(r.stats.settled, r.stats.received);
    CHECK_INT_EQ(r.stats.deleted, r.stats.received);
    CHECK_INT_EQ(r.stats.left, 0);
    CHECK_INT_EQ(es_wfix_queue_attr(&s_w, "ApproximateNumberOfMessages"), 0);
    CHECK_INT_EQ(es_wfix_queue_attr(&s_w, "ApproximateNumberOfMessagesNotVisible"), 0);
    for (size_t i = 0; i < 3; i++)
        CHECK(s_in_dst(jpegs[i]));
    char *report = es_wfix_receive_body(&s_w, s_w.dlq_url, 1);
    CHECK(report && strstr(report, "not-really.jpg"));
    free(report);
    struct stat st;
    CHECK(stat(s_w.cfg.heartbeat_file, &st) == 0 && time(NULL) - st.st_mtime < 30);
    es_health_state hb;
    bool has = false;
    es_error err;
    es_error_clear(&err);
    REQUIRE(es_health_read(s_w.cfg.heartbeat_file, &hb, &has, &err) == ES_OK && has);
    /* the longest a job may run: the limit of the largest object it accepts */
    CHECK_INT_EQ(hb.job_limit, (int64_t)es_job_age_limit(&s_w.cfg, s_w.cfg.max_object_bytes));
    CHECK(hb.job_limit >= (int64_t)ES_JOB_AGE_BASE_S);
    unlink(s_w.cfg.heartbeat_file);
    es_wfix_teardown(&s_w);
}

static void test_visibility_heartbeat(void)
{
    SETUP(1, 10);
    s_w.cfg.drain = true;
    s_w.cfg.visibility_timeout = 2;
    long seq = es_wfix_last_seq();
    REQUIRE(s_queue_slow_job("slow.jpg", 3500));
    s_run r;
    REQUIRE(s_start(&r));
    s_finish(&r);
    CHECK_OK(r.rc);
    CHECK_INT_EQ(r.stats.received, 1); /* never redelivered while the job ran */
    CHECK_INT_EQ(r.stats.outcomes[ES_JOB_STRIPPED], 1);
    CHECK(r.stats.extended >= 2);
    CHECK(es_wfix_count(seq, "ChangeMessageVisibilityBatch", NULL) >= 2);
    CHECK_INT_EQ(r.stats.deleted, 1);
    es_wfix_teardown(&s_w);
}

/* EXIFSTRIP_PROPAGATE_DELETES: a removal that finds B's key absent on its
 * first receive is hidden again for the full visibility timeout (one
 * ChangeMessageVisibility; the job is too short for the heartbeat), then
 * redelivered and settled, and --drain waits for it. */
static void test_absent_removal_rechecked_after_the_visibility_timeout(void)
{
    SETUP(1, 10);
    s_w.cfg.drain = true;
    s_w.cfg.propagate_deletes = true;
    s_w.cfg.visibility_timeout = 2;
    char body[1024];
    snprintf(body, sizeof body,
             "{\"Records\":[{\"eventVersion\":\"2.1\",\"eventSource\":\"aws:s3\",\"eventName\":"
             "\"ObjectRemoved:Delete\",\"s3\":{\"bucket\":{\"name\":\"%s\"},\"object\":{\"key\":"
             "\"never.jpg\",\"sequencer\":\"0A\"}}}]}",
             s_w.src);
    es_aws_result res;
    es_aws_result_clear(&res);
    REQUIRE(es_sqs_send(s_w.sqs, s_w.queue_url, body, NULL, 0, &res) == ES_OK);
    long seq = es_wfix_last_seq();
    s_run r;
    REQUIRE(s_start(&r));
    s_finish(&r);
    CHECK_OK(r.rc);
    CHECK(r.stats.drained);
    CHECK_INT_EQ(r.stats.received, 2);
    CHECK_INT_EQ(r.stats.outcomes[ES_JOB_RETRY], 1);
    CHECK_INT_EQ(r.stats.outcomes[ES_JOB_SKIPPED], 1);
    CHECK_INT_EQ(r.stats.left, 1);
    CHECK_INT_EQ(r.stats.deleted, 1);
    CHECK_INT_EQ(es_wfix_count(seq, "ChangeMessageVisibilityBatch", NULL), 1);
    CHECK_INT_EQ(es_wfix_count(seq, "DeleteObject", "never.jpg"), 0);
    es_wfix_teardown(&s_w);
}

static void test_stop_returns_unstarted_and_finishes_running(void)
{
    SETUP(1, 10);
    static const char *const keys[] = {"k1.jpg", "k2.jpg", "k3.jpg"};
    for (size_t i = 0; i < 3; i++)
        REQUIRE(s_queue_slow_job(keys[i], 2000));
    s_run r;
    /* one job running, the other two received in the same batch and queued
     * behind it when the stop comes */
    REQUIRE(s_run_then_stop(&r, 1000, 1));
    CHECK_OK(r.rc);
    CHECK(r.ended_ms - r.stop_ms < 8000);
    CHECK_INT_EQ(r.stats.outcomes[ES_JOB_STRIPPED], 1); /* the running job finished */
    CHECK_INT_EQ(r.stats.deleted, 1);
    CHECK_INT_EQ(r.stats.returned, 2);
    CHECK_INT_EQ(r.stats.received, 3);
    /* the returned messages are visible again at once */
    es_sqs_message *msgs = NULL;
    size_t n = 0;
    es_aws_result res;
    es_aws_result_clear(&res);
    CHECK_OK(es_sqs_receive(s_w.sqs, s_w.queue_url, 10, 1, 30, &msgs, &n, &res));
    CHECK_INT_EQ(n, 2);
    es_sqs_messages_free(msgs, n);
    es_wfix_teardown(&s_w);
}

static void test_grace_expiry_cancels_and_leaves_message(void)
{
    SETUP(1, 1);
    REQUIRE(s_queue_slow_job("stuck.jpg", 4000));
    s_run r;
    REQUIRE(s_run_then_stop(&r, 800, 1));
    CHECK_OK(r.rc);
    CHECK(r.ended_ms - r.stop_ms < 7000);
    CHECK_INT_EQ(r.stats.outcomes[ES_JOB_RETRY], 1);
    CHECK_INT_EQ(r.stats.left, 1);
    CHECK_INT_EQ(r.stats.deleted, 0);
    CHECK_INT_EQ(es_wfix_queue_attr(&s_w, "ApproximateNumberOfMessagesNotVisible"), 1); /* not deleted */
    CHECK(!s_in_dst("stuck.jpg"));
    es_wfix_teardown(&s_w);
}

/* The GET waits a minute for its first byte: only the thread's cancel token
 * (raised at the grace deadline) can end it; before, the thread was abandoned
 * after a further 5 s and es_pool_run returned ES_ERR_TIMEOUT. */
static void test_grace_expiry_aborts_stalled_get(void)
{
    SETUP(1, 1);
    REQUIRE(s_queue_slow_job("stalled.jpg", 60000));
    s_run r;
    REQUIRE(s_run_then_stop(&r, 1000, 1));
    CHECK_OK(r.rc);
    CHECK_INT_EQ(r.stats.abandoned, 0);
    CHECK(r.ended_ms - r.stop_ms >= 1000); /* the job had its grace period */
    CHECK(r.ended_ms - r.stop_ms < 3500);  /* then about a second to abort */
    CHECK_INT_EQ(r.stats.outcomes[ES_JOB_RETRY], 1);
    CHECK_INT_EQ(r.stats.left, 1);
    CHECK_INT_EQ(r.stats.settled, 0);
    CHECK_INT_EQ(r.stats.deleted, 0);
    CHECK_INT_EQ(es_wfix_queue_attr(&s_w, "ApproximateNumberOfMessagesNotVisible"), 1); /* not deleted */
    CHECK(!s_in_dst("stalled.jpg"));
    es_wfix_teardown(&s_w);
}

/* The job is stuck in its first UploadPart (inside the GET's body callback)
 * when the grace period ends: the part is cancelled, and the cleanup that
 * follows (AbortMultipartUpload) still goes out, so no parts are orphaned. */
static void test_grace_expiry_aborts_stalled_part_upload(void)
{
    SETUP(1, 1);
    uint8_t *jpeg = NULL;
    size_t len = 0;
    REQUIRE(es_wfix_big_jpeg((size_t)s_w.cfg.part_size + 300000, &jpeg, &len) == 0);
    const char *key = "big-stalled.jpg";
    REQUIRE(s_delay_once("UploadPart", key, 60000));
    REQUIRE(s_put_and_send(key, jpeg, len));
    free(jpeg);
    long seq = es_wfix_last_seq();
    s_run r;
    REQUIRE(s_run_then_stop(&r, 2000, 1));
    CHECK_OK(r.rc);
    CHECK_INT_EQ(r.stats.abandoned, 0);
    CHECK(r.ended_ms - r.stop_ms < 3500);
    CHECK_INT_EQ(r.stats.outcomes[ES_JOB_RETRY], 1);
    CHECK_INT_EQ(r.stats.deleted, 0);
    CHECK_INT_EQ(es_wfix_count(seq, "CreateMultipartUpload", key), 1);
    CHECK_INT_EQ(es_wfix_count(seq, "AbortMultipartUpload", key), 1);
    CHECK_INT_EQ(es_wfix_count(seq, "CompleteMultipartUpload", key), 0);
    CHECK(!s_in_dst(key));
    es_wfix_teardown(&s_w);
}

/* An idle receiver inside a 20 s ReceiveMessage: the stop aborts the poll. */
static void test_stop_aborts_long_poll(void)
{
    SETUP(1, 10);
    s_w.cfg.wait_seconds = 20;
    s_run r;
    REQUIRE(s_run_then_stop(&r, 1500, 1));
    CHECK_OK(r.rc);
    CHECK_INT_EQ(r.stats.abandoned, 0);
    CHECK(r.ended_ms - r.stop_ms < 3000); /* not when the poll would have returned (~18.5 s) */
    CHECK_INT_EQ(r.stats.received, 0);
    es_wfix_teardown(&s_w);
}

static void test_second_stop_cancels_at_once(void)
{
    SETUP(1, 60);
    REQUIRE(s_queue_slow_job("stuck2.jpg", 3000));
    s_run r;
    REQUIRE(s_run_then_stop(&r, 800, 2));
    CHECK_OK(r.rc);
    CHECK(r.ended_ms - r.stop_ms < 10000); /* far less than the 60 s grace */
    CHECK_INT_EQ(r.stats.outcomes[ES_JOB_RETRY], 1);
    CHECK_INT_EQ(r.stats.deleted, 0);
    es_wfix_teardown(&s_w);
}

static void test_receive_failures_keep_looping(void)
{
    SETUP(0, 10);
    s_heartbeat_file("_b");
    snprintf(s_w.cfg.queue_url, sizeof s_w.cfg.queue_url, "%s/000000000000/no-such-queue-%ld",
             es_itest_endpoint(), (long)getpid());
    s_run r;
    REQUIRE(s_run_then_stop(&r, 1500, 1));
    CHECK_OK(r.rc);
    CHECK_INT_EQ(r.stats.received, 0);
    struct stat st;
    CHECK(stat(s_w.cfg.heartbeat_file, &st) == 0); /* the loop kept its heartbeat while failing */
    unlink(s_w.cfg.heartbeat_file);
    es_wfix_teardown(&s_w);
}

/* Polls pred for up to 20 s; true when it held. */
static bool s_poll(bool (*pred)(void))
{
    for (int i = 0; i < 2000; i++) {
        if (pred())
            return true;
        es_test_sleep_ms(10);
    }
    return pred();
}

static bool s_all_written(void)
{
    return s_in_dst("turn-a.jpg") && s_in_dst("turn-b.jpg") && s_in_dst("plain-c.jpg");
}

static bool s_none_kept(void)
{
    return es_block_cache_stats_now().kept_blocks == 0 && es_s3_upload_spare_bytes() == 0;
}

static uint64_t s_releases_before; /* es_worker_idle_releases() when the test began */

static bool s_released_once(void) { return es_worker_idle_releases() == s_releases_before + 1; }

/* Two turned photos, one job after the other: the second turn takes the
 * blocks the first one freed (common/block_cache.h, kept by es_pool_run:
 * worker/memory.h) instead of mapping fresh ones; a photo stripped as it
 * streams (not turned) leaves its part buffer as a spare (aws/s3/s3.h: a
 * turned photo's output is lent, no part), which the pool's count of kept
 * spares shows however late the test looks. Once the pool has been idle
 * (S_IDLE_RELEASE_MS, pool.c) the process keeps no block and no spare while
 * it still runs; ES_WORKER_IDLE_RELEASE_MS after the last job (not at that
 * first point) it gives back what the jobs left resident, once: not again
 * at the idle wake-ups after it. */
static void test_turned_photos_reuse_blocks_none_kept_idle(void)
{
    SETUP(1, 10);
    es_s3_upload_release_spares(); /* what the tests before left */
    size_t kept_before = es_s3_upload_spares_kept();
    s_releases_before = es_worker_idle_releases();
    es_block_cache_stats before = es_block_cache_stats_now();
    CHECK_INT_EQ(before.kept_blocks, 0);
    size_t plain_len = 0;
    const uint8_t *plain = s_jpeg(&plain_len);
    REQUIRE(plain);
    uint8_t *jpeg[2] = {NULL, NULL};
    size_t len[2] = {0, 0};
    for (int i = 0; i < 2; i++) {
        es_fixture_opts o = {.width = 1280,
                             .height = 960,
                             .seed = 31u + (unsigned)i,
                             .orientation = 6,
                             .oriented_pixels = true};
        REQUIRE(es_fixture_make(&o, &jpeg[i], &len[i]) == 0);
    }
    REQUIRE(s_put_and_send("turn-a.jpg", jpeg[0], len[0]));
    REQUIRE(s_put_and_send("turn-b.jpg", jpeg[1], len[1]));
    REQUIRE(s_put_and_send("plain-c.jpg", plain, plain_len));
    s_run r;
    REQUIRE(s_start(&r));
    CHECK(s_poll(s_all_written));
    es_block_cache_stats done = es_block_cache_stats_now();
    CHECK(done.fresh > before.fresh);
    /* The second turn starts within ES_WORKER_KEEP_MS of the first's end
     * (both were received at once); a sanitizer's run may be slower. */
    if (!ES_TEST_SANITIZED)
        CHECK(done.reused > before.reused);
    CHECK(s_poll(s_none_kept));
    CHECK(es_s3_upload_spares_kept() > kept_before); /* the plain photo's part waited as a spare */
    CHECK(r.ended_ms == 0);                          /* the pool still runs: its idle point gave them back */
    CHECK(es_worker_idle_releases() == s_releases_before); /* not yet: 1 s idle is a gap between photos */
    CHECK(s_poll(s_released_once));
    es_test_sleep_ms(2500); /* two of the idle point's wake-ups: no release again without a job */
    CHECK(s_released_once());
    r.stop_ms = es_clock_ms();
    es_pool_request_stop(r.pool);
    s_finish(&r);
    CHECK_OK(r.rc);
    CHECK_INT_EQ(r.stats.outcomes[ES_JOB_STRIPPED], 3);
    CHECK_INT_EQ(es_block_cache_stats_now().kept_blocks, 0);
    free(jpeg[0]);
    free(jpeg[1]);
    es_wfix_teardown(&s_w);
}

int main(void)
{
    es_log_configure(getenv("ES_TEST_VERBOSE") ? ES_LOG_DEBUG : ES_LOG_ERROR, ES_LOG_FORMAT_JSON);
    ES_RUN(test_drain_with_bucket_notifications);
    ES_RUN(test_visibility_heartbeat);
    ES_RUN(test_absent_removal_rechecked_after_the_visibility_timeout);
    ES_RUN(test_stop_returns_unstarted_and_finishes_running);
    ES_RUN(test_grace_expiry_cancels_and_leaves_message);
    ES_RUN(test_grace_expiry_aborts_stalled_get);
    ES_RUN(test_grace_expiry_aborts_stalled_part_upload);
    ES_RUN(test_stop_aborts_long_poll);
    ES_RUN(test_second_stop_cancels_at_once);
    ES_RUN(test_receive_failures_keep_looping);
    ES_RUN(test_turned_photos_reuse_blocks_none_kept_idle);
    free(s_jpeg_data);
    return es_test_finish();
}
