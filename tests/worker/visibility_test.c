/* visibility_test.c - the visibility heartbeat (src/worker/visibility.c,
 * thread.c) against the scripted SQS endpoint, on the fake clock: a held
 * message is extended to the full timeout once half of it has passed since
 * its receipt or last extension (never earlier), in batches of
 * ES_SQS_MAX_BATCH; a failed extension is tried again on the next tick; an
 * untracked message is not extended; nothing is sent after stop; no
 * extension asks past SQS's 12 hours from the receipt. */
#include <stdio.h>
#include <string.h>

#include "../harness/test.h"
#include "../support/fake_clock.h"
#include "../support/log_capture.h"
#include "../support/sqs_fake.h"
#include "worker/visibility.h"

#define S_T0 5000000u
#define S_TIMEOUT_S 30
#define S_HALF_MS (S_TIMEOUT_S * 500u)
#define S_TICK_MS 1000u /* min(1 s, timeout/4) */

static es_test_sqs *s_q;

/* The endpoint and a heartbeat for `slots` messages hidden timeout_s at a
 * time, the clock at S_T0. */
static es_pool_visibility *s_setup_timeout(size_t slots, int timeout_s)
{
    es_test_clock_install(S_T0);
    s_q = es_test_sqs_start();
    if (!s_q)
        return NULL;
    return es_pool_visibility_new(es_test_sqs_client(s_q), es_test_sqs_queue_url(), timeout_s, slots, NULL);
}

static es_pool_visibility *s_setup(size_t slots) { return s_setup_timeout(slots, S_TIMEOUT_S); }

static void s_teardown(es_pool_visibility *v)
{
    es_pool_visibility_free(v);
    es_test_sqs_stop(s_q);
    s_q = NULL;
    es_test_clock_uninstall();
}

/* Moves time to S_T0 + at, one tick at a time, and waits until the heartbeat
 * parked for its next tick (so whatever that tick sent has been answered). */
static void s_run_until(uint64_t at)
{
    while (es_test_clock_now() < S_T0 + at) {
        if (!es_test_await_deadline(es_test_clock_now() + S_TICK_MS, "the heartbeat waits for its tick"))
            return;
        es_test_clock_advance(S_TICK_MS);
    }
    es_test_await_deadline(es_test_clock_now() + S_TICK_MS, "the heartbeat waits for its next tick");
}

/* Moves time to S_T0 + at in one step (at least a tick ahead), then as s_run_until. */
static void s_jump_to(uint64_t at)
{
    if (!es_test_await_deadline(es_test_clock_now() + S_TICK_MS, "the heartbeat waits for its tick"))
        return;
    es_test_clock_advance(S_T0 + at - es_test_clock_now());
    es_test_await_deadline(es_test_clock_now() + S_TICK_MS, "the heartbeat waits for its next tick");
}

static size_t s_extensions(void) { return es_test_sqs_calls(s_q, "ChangeMessageVisibilityBatch"); }

static void test_extended_at_half_the_timeout(void)
{
    es_pool_visibility *v = s_setup(4);
    REQUIRE(v);
    CHECK_INT_EQ(es_pool_visibility_track(v, "rh-a", "a"), 0);
    s_run_until(S_HALF_MS - S_TICK_MS);
    CHECK_INT_EQ(s_extensions(), 0); /* not before half the timeout */
    s_run_until(S_HALF_MS);
    CHECK_INT_EQ(s_extensions(), 1);
    CHECK_INT_EQ(es_pool_visibility_extended(v), 1);
    es_test_sqs_entry e[4];
    REQUIRE(es_test_sqs_entries(s_q, e, 4) == 1);
    CHECK_STR_EQ(e[0].receipt, "rh-a");
    CHECK_INT_EQ(e[0].visibility, S_TIMEOUT_S); /* the full timeout again */
    /* The next one half a timeout after the extension, not after the receipt. */
    s_run_until(2 * S_HALF_MS - S_TICK_MS);
    CHECK_INT_EQ(s_extensions(), 1);
    s_run_until(2 * S_HALF_MS);
    CHECK_INT_EQ(s_extensions(), 2);
    CHECK_INT_EQ(es_pool_visibility_extended(v), 2);
    s_teardown(v);
}

static void test_batches_and_untracked(void)
{
    es_pool_visibility *v = s_setup(16);
    REQUIRE(v);
    int slots[13];
    for (int i = 0; i < 13; i++) {
        char rh[16];
        snprintf(rh, sizeof rh, "rh-%02d", i);
        slots[i] = es_pool_visibility_track(v, rh, rh + 3);
        CHECK_INT_EQ(slots[i], i);
    }
    es_pool_visibility_untrack(v, slots[5]); /* finished before it was due */
    es_pool_visibility_untrack(v, -1);       /* ignored */
    s_run_until(S_HALF_MS);
    es_test_sqs_entry e[16];
    size_t n = es_test_sqs_entries(s_q, e, 16);
    CHECK_INT_EQ(n, 12);
    CHECK_INT_EQ(s_extensions(), 2);
    for (size_t i = 0; i < n && i < 16; i++) {
        CHECK_INT_EQ(e[i].batch_size, i < ES_SQS_MAX_BATCH ? ES_SQS_MAX_BATCH : 2);
        CHECK(strcmp(e[i].receipt, "rh-05") != 0);
    }
    CHECK_INT_EQ(es_pool_visibility_extended(v), 12);
    /* A freed slot is reused, its clock starting at the new receipt. */
    CHECK_INT_EQ(es_pool_visibility_track(v, "rh-new", "new"), slots[5]);
    s_teardown(v);
}

static void test_table_full(void)
{
    es_pool_visibility *v = s_setup(2);
    REQUIRE(v);
    CHECK_INT_EQ(es_pool_visibility_track(v, "rh-1", "1"), 0);
    CHECK_INT_EQ(es_pool_visibility_track(v, "rh-2", NULL), 1);
    CHECK_INT_EQ(es_pool_visibility_track(v, "rh-3", "3"), -1);
    CHECK_INT_EQ(es_pool_visibility_track(v, NULL, "4"), -1);
    CHECK_INT_EQ(es_pool_visibility_track(NULL, "rh-5", "5"), -1);
    s_teardown(v);
}

static void test_failures_retried_every_tick(void)
{
    es_pool_visibility *v = s_setup(4);
    REQUIRE(v);
    es_pool_visibility_track(v, "rh-fail", "f");
    es_pool_visibility_track(v, "rh-ok", "o");
    s_run_until(S_HALF_MS);
    CHECK_INT_EQ(s_extensions(), 1);
    CHECK_INT_EQ(es_pool_visibility_extended(v), 1);
    /* The failed one is still due on the next ticks; the other is not. */
    s_run_until(S_HALF_MS + 2 * S_TICK_MS);
    CHECK_INT_EQ(s_extensions(), 3);
    es_test_sqs_entry e[8];
    size_t n = es_test_sqs_entries(s_q, e, 8);
    CHECK_INT_EQ(n, 4);
    for (size_t i = 2; i < n && i < 8; i++)
        CHECK_STR_EQ(e[i].receipt, "rh-fail");
    /* A failed request counts as a failure of each entry, logged with its request id. */
    es_logcap_start();
    es_test_sqs_fail_requests(s_q, 1);
    es_pool_visibility_untrack(v, 0);
    s_run_until(2 * S_HALF_MS);
    CHECK_INT_EQ(es_pool_visibility_extended(v), 1); /* rh-ok's was the failed request */
    const char *line = strstr(es_logcap_text(), "sqs.visibility_failed");
    CHECK(line && strstr(line, "\"request_id\":\"scripted-failure\""));
    es_logcap_stop();
    s_run_until(2 * S_HALF_MS + S_TICK_MS);
    CHECK_INT_EQ(es_pool_visibility_extended(v), 2);
    s_teardown(v);
}

static void test_time_left_of_12_hours(void)
{
    const uint64_t h12 = ES_SQS_MAX_VISIBILITY_S * 1000ull, margin = ES_SQS_HIDDEN_MARGIN_S * 1000ull;
    CHECK_INT_EQ(es_visibility_time_left_s(30, S_T0, S_T0), 30);
    CHECK_INT_EQ(es_visibility_time_left_s(43200, S_T0, S_T0), 43200 - ES_SQS_HIDDEN_MARGIN_S);
    CHECK_INT_EQ(es_visibility_time_left_s(30, S_T0, S_T0 + h12 - margin - 30000), 30);
    CHECK_INT_EQ(es_visibility_time_left_s(30, S_T0, S_T0 + h12 - margin - 20000), 20);
    CHECK_INT_EQ(es_visibility_time_left_s(30, S_T0, S_T0 + h12 - margin - 19999),
                 19); /* a started second counts */
    CHECK_INT_EQ(es_visibility_time_left_s(30, S_T0, S_T0 + h12 - margin), 0);
    CHECK_INT_EQ(es_visibility_time_left_s(30, S_T0, S_T0 + 2 * h12), 0);
    CHECK_INT_EQ(es_visibility_time_left_s(30, S_T0 + 5000, S_T0), 30); /* a clock read before the receipt */
}

/* The heartbeat of a message hidden timeout_s at a time, run past 12 hours:
 * how many extensions it sent, the first one's visibility (0 if none), and
 * whether sqs.visibility_limit was logged exactly once. */
static void s_past_12_hours(int timeout_s, size_t *extensions, int *first, bool *said_once)
{
    es_pool_visibility *v = s_setup_timeout(4, timeout_s);
    REQUIRE(v);
    CHECK_INT_EQ(es_pool_visibility_track(v, "rh-long", "long"), 0);
    es_logcap_start();
    s_jump_to((uint64_t)timeout_s * 500u);
    s_jump_to((uint64_t)timeout_s * 1000u);
    s_jump_to(ES_SQS_MAX_VISIBILITY_S * 1500ull);
    s_run_until(ES_SQS_MAX_VISIBILITY_S * 1500ull + 3 * S_TICK_MS);
    *extensions = s_extensions();
    es_test_sqs_entry e[4];
    *first = es_test_sqs_entries(s_q, e, 4) >= 1 ? e[0].visibility : 0;
    const char *line = strstr(es_logcap_text(), "sqs.visibility_limit");
    *said_once = line && strstr(line, "\"message_id\":\"long\"") && !strstr(line + 1, "sqs.visibility_limit");
    es_logcap_stop();
    s_teardown(v);
}

/* With EXIFSTRIP_VISIBILITY_TIMEOUT above 28800 s the first extension (at
 * half of it) asked the whole timeout again, past SQS's 12 hours from the
 * receipt, which SQS refuses; then it was retried every second. It now asks
 * what is left, says that this is the last one, and sends no other. At 43140
 * s or more what is left would hide the message less long than the receive
 * did: nothing is sent. */
static void test_extensions_stop_at_12_hours(void)
{
    size_t n = 0;
    int first = 0;
    bool once = false;
    s_past_12_hours(30000, &n, &first, &once);
    CHECK_INT_EQ(n, 1);
    CHECK_INT_EQ(first, ES_SQS_MAX_VISIBILITY_S - 15000 - ES_SQS_HIDDEN_MARGIN_S);
    CHECK(once);
    s_past_12_hours(ES_SQS_MAX_VISIBILITY_S, &n, &first, &once);
    CHECK_INT_EQ(n, 0);
    CHECK(once);
}

static void test_nothing_after_stop(void)
{
    es_pool_visibility *v = s_setup(4);
    REQUIRE(v);
    es_pool_visibility_track(v, "rh-a", "a");
    es_test_await_deadline(S_T0 + S_TICK_MS, "the first tick");
    es_pool_visibility_stop(v);
    es_pool_visibility_stop(v); /* idempotent */
    CHECK_INT_EQ(es_test_clock_parked(), 0);
    es_test_clock_advance(10 * S_HALF_MS);
    CHECK_INT_EQ(s_extensions(), 0);
    s_teardown(v);
    es_pool_visibility_free(NULL);
    es_pool_visibility_stop(NULL);
}

int main(void)
{
    ES_RUN(test_extended_at_half_the_timeout);
    ES_RUN(test_batches_and_untracked);
    ES_RUN(test_table_full);
    ES_RUN(test_failures_retried_every_tick);
    ES_RUN(test_nothing_after_stop);
    ES_RUN(test_time_left_of_12_hours);
    ES_RUN(test_extensions_stop_at_12_hours);
    return es_test_finish();
}
