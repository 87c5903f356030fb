/* deleter_test.c - the delete batcher (src/worker/deleter.c, thread.c)
 * against the scripted SQS endpoint, on the fake clock: batches of
 * ES_SQS_MAX_BATCH sent at once, a smaller batch only when its oldest entry
 * is flush_ms old, failed entries (per entry or the whole request) retried
 * once then given up (logged with the failed request's id), everything pending flushed on stop, and a raised stop
 * token (the shutdown deadline) ending the flush without the network. */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "../harness/test.h"
#include "../support/fake_clock.h"
#include "../support/log_capture.h"
#include "../support/sqs_fake.h"
#include "worker/deleter.h"

#define S_T0 1000000u
#define S_FLUSH_MS 100

static es_test_sqs *s_q;

typedef struct s_expect {
    es_pool_deleter *d;
    uint64_t deleted, failed;
    size_t parked;
} s_expect;

/* The counters reached their expected values and the thread is parked again. */
static bool s_settled(void *ctx)
{
    s_expect *e = ctx;
    return es_pool_deleter_deleted(e->d) == e->deleted && es_pool_deleter_failed(e->d) == e->failed &&
           es_test_clock_parked() == e->parked;
}

static bool s_await(es_pool_deleter *d, uint64_t deleted, uint64_t failed, const char *what)
{
    s_expect e = {d, deleted, failed, 1};
    return es_test_await(s_settled, &e, what);
}

/* A fresh endpoint, client and batcher on the fake clock at S_T0. */
static es_pool_deleter *s_setup(const atomic_int *token)
{
    es_test_clock_install(S_T0);
    s_q = es_test_sqs_start();
    return s_q ? es_pool_deleter_new(es_test_sqs_client(s_q), es_test_sqs_queue_url(), S_FLUSH_MS, token)
               : NULL;
}

static void s_teardown(es_pool_deleter *d)
{
    es_pool_deleter_free(d);
    es_test_sqs_stop(s_q);
    s_q = NULL;
    es_test_clock_uninstall();
}

/* Adds receipt "<prefix><i>" (two digits), message id "id-<i>". */
static void s_add(es_pool_deleter *d, const char *prefix, int i)
{
    char rh[48], id[16];
    snprintf(rh, sizeof rh, "%.40s%02d", prefix, i);
    snprintf(id, sizeof id, "id-%d", i);
    es_pool_deleter_add(d, rh, id);
}

static void test_full_batches_go_at_once_the_rest_after_flush_ms(void)
{
    es_pool_deleter *d = s_setup(NULL);
    REQUIRE(d);
    for (int i = 0; i < 25; i++)
        s_add(d, "r", i);
    /* Time stands still: only the two full batches may have gone. */
    if (s_await(d, 20, 0, "two full batches deleted")) {
        CHECK_INT_EQ(es_test_sqs_calls(s_q, "DeleteMessageBatch"), 2);
        CHECK(es_test_clock_has_deadline(S_T0 + S_FLUSH_MS));
        es_test_clock_advance(S_FLUSH_MS - 1);
        CHECK_INT_EQ(es_test_sqs_calls(s_q, "DeleteMessageBatch"), 2);
        es_test_clock_advance(1);
        s_await(d, 25, 0, "the remaining 5 deleted at flush_ms");
    }
    es_test_sqs_entry e[32];
    size_t n = es_test_sqs_entries(s_q, e, 32);
    REQUIRE(n == 25);
    for (size_t i = 0; i < n; i++) {
        char want[8];
        snprintf(want, sizeof want, "r%02zu", i);
        CHECK_STR_EQ(e[i].receipt, want); /* FIFO */
        CHECK_STR_EQ(e[i].action, "DeleteMessageBatch");
        CHECK_INT_EQ(e[i].request, i / ES_SQS_MAX_BATCH);
        CHECK_INT_EQ(e[i].batch_size, i < 20 ? ES_SQS_MAX_BATCH : 5);
    }
    s_teardown(d);
}

static void test_failed_entries_retried_once(void)
{
    es_pool_deleter *d = s_setup(NULL);
    REQUIRE(d);
    const char *receipts[] = {"ok-1", "flaky-2", "fail-3", "ok-4"};
    for (int i = 0; i < 4; i++)
        es_pool_deleter_add(d, receipts[i], receipts[i] + strlen(receipts[i]) - 1);
    es_test_await_deadline(S_T0 + S_FLUSH_MS, "four pending, waiting for flush_ms");
    es_test_clock_advance(S_FLUSH_MS);
    /* The two failures go back to the queue, their clock restarted. */
    if (s_await(d, 2, 0, "first batch: 2 deleted, 2 requeued") &&
        es_test_await_deadline(S_T0 + 2 * S_FLUSH_MS, "the failures wait for flush_ms again")) {
        es_test_clock_advance(S_FLUSH_MS);
        s_await(d, 3, 1, "retry: the flaky one deleted, the failing one given up");
    }
    es_test_clock_advance(10 * S_FLUSH_MS);
    es_pool_deleter_stop(d);
    es_test_sqs_entry e[8];
    size_t n = es_test_sqs_entries(s_q, e, 8);
    CHECK_INT_EQ(n, 6); /* 4, then 2 retried; fail-3 is not tried a third time */
    if (n == 6) {
        CHECK_INT_EQ(e[4].request, 1);
        CHECK_INT_EQ(e[4].batch_size, 2);
        CHECK_STR_EQ(e[4].receipt, "flaky-2");
        CHECK(!e[4].failed);
        CHECK_STR_EQ(e[5].receipt, "fail-3");
    }
    s_teardown(d);
}

static void test_failed_request_retried_once(void)
{
    es_pool_deleter *d = s_setup(NULL);
    REQUIRE(d);
    es_logcap_start();
    es_test_sqs_fail_requests(s_q, 1);
    es_pool_deleter_add(d, "a", "ma");
    es_pool_deleter_add(d, "b", "mb");
    es_test_await_deadline(S_T0 + S_FLUSH_MS, "two pending, waiting for flush_ms");
    es_test_clock_advance(S_FLUSH_MS);
    /* Requeued with a fresh flush deadline. */
    if (es_test_await_deadline(S_T0 + 2 * S_FLUSH_MS, "the failed request's entries requeued")) {
        CHECK_INT_EQ(es_test_sqs_calls(s_q, "DeleteMessageBatch"), 1);
        CHECK_INT_EQ(es_pool_deleter_deleted(d), 0);
        es_test_clock_advance(S_FLUSH_MS);
        s_await(d, 2, 0, "both deleted on the retry");
    }
    CHECK_INT_EQ(es_test_sqs_calls(s_q, "DeleteMessageBatch"), 2);
    /* the failure's log line names the failed request */
    const char *line = strstr(es_logcap_text(), "sqs.delete_failed");
    CHECK(line && strstr(line, "\"request_id\":\"scripted-failure\""));
    es_logcap_stop();
    /* Failing twice: given up. */
    es_test_sqs_fail_requests(s_q, 2);
    es_pool_deleter_add(d, "c", "mc");
    es_test_await_deadline(S_T0 + 3 * S_FLUSH_MS, "c waits for flush_ms");
    es_test_clock_advance(S_FLUSH_MS);
    es_test_await_deadline(S_T0 + 4 * S_FLUSH_MS, "c requeued after the first failure");
    es_test_clock_advance(S_FLUSH_MS);
    s_await(d, 2, 1, "given up after the second failure");
    s_teardown(d);
}

static void test_stop_flushes_everything_pending(void)
{
    es_pool_deleter *d = s_setup(NULL);
    REQUIRE(d);
    es_pool_deleter_add(d, "p1", "m1");
    es_pool_deleter_add(d, "flaky-p2", "m2");
    es_pool_deleter_add(d, "p3", "m3");
    /* Time does not move: only the stop makes the batch go, with its retry. */
    es_test_await_deadline(S_T0 + S_FLUSH_MS, "parked until flush_ms");
    CHECK_INT_EQ(es_test_sqs_calls(s_q, "DeleteMessageBatch"), 0);
    es_pool_deleter_stop(d);
    CHECK_INT_EQ(es_pool_deleter_deleted(d), 3);
    CHECK_INT_EQ(es_pool_deleter_failed(d), 0);
    CHECK_INT_EQ(es_test_sqs_calls(s_q, "DeleteMessageBatch"), 2);
    es_pool_deleter_stop(d); /* idempotent */
    /* Adding after stop keeps the entry (freed with the batcher), sends nothing. */
    es_pool_deleter_add(d, "late", "m4");
    CHECK_INT_EQ(es_test_sqs_calls(s_q, "DeleteMessageBatch"), 2);
    s_teardown(d);
}

static void test_raised_stop_token_ends_the_flush(void)
{
    atomic_int token = 0;
    es_pool_deleter *d = s_setup(&token);
    REQUIRE(d);
    for (int i = 0; i < 3; i++)
        s_add(d, "late-", i);
    es_test_await_deadline(S_T0 + S_FLUSH_MS, "parked until flush_ms");
    atomic_store(&token, 1); /* the shutdown deadline passed */
    es_pool_deleter_stop(d);
    CHECK_INT_EQ(es_pool_deleter_deleted(d), 0);
    CHECK_INT_EQ(es_pool_deleter_failed(d), 3); /* tried, retried, given up: redelivered later */
    CHECK_INT_EQ(es_test_sqs_calls(s_q, NULL), 0);
    s_teardown(d);
}

static void test_arguments(void)
{
    es_pool_deleter_add(NULL, "x", "y"); /* ignored */
    es_pool_deleter_stop(NULL);
    es_pool_deleter_free(NULL);
    es_pool_deleter *d = s_setup(NULL);
    REQUIRE(d);
    es_pool_deleter_add(d, NULL, "no receipt"); /* ignored */
    es_pool_deleter_add(d, "r", NULL);          /* a message id is optional */
    es_pool_deleter_stop(d);
    CHECK_INT_EQ(es_pool_deleter_deleted(d), 1);
    s_teardown(d);
}

int main(void)
{
    ES_RUN(test_full_batches_go_at_once_the_rest_after_flush_ms);
    ES_RUN(test_failed_entries_retried_once);
    ES_RUN(test_failed_request_retried_once);
    ES_RUN(test_stop_flushes_everything_pending);
    ES_RUN(test_raised_stop_token_ends_the_flush);
    ES_RUN(test_arguments);
    return es_test_finish();
}
