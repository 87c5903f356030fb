/* sqs_itest.c - the SQS client against the local emulator (ES_TEST_ENDPOINT):
 * queue setup with a dead-letter RedrivePolicy, send/receive/delete,
 * visibility changes (single and batch), batch failures, long polling,
 * a missing queue, retried 503 and connection-reset faults, and a wrong
 * secret refused with ES_ERR_AUTH without leaking secrets. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../harness/test.h"
#include "../../support/aws_itest.h"
#include "../../support/wait.h"
#include "aws/sqs/sqs.h"
#include "../../support/sqs_admin.h"

static es_itest_clients s_emu;
static es_sqs_client *s_sqs; /* s_emu.sqs once the test queues exist */
static char s_queue[64], s_queue_url[512], s_dlq_url[512];

#define REQUIRE_ENDPOINT() REQUIRE(s_sqs != NULL && "ES_TEST_ENDPOINT set and emulator usable")

static void s_report(const char *what, es_err rc, const es_aws_result *r)
{
    if (rc != ES_OK)
        fprintf(stderr, "  %s: %s (%s) status=%ld attempts=%d: %s\n", what, es_errname(rc), r->aws_code,
                r->http_status, r->attempts, r->message);
}

/* Receives until `want` messages arrived or a few polls came back empty. */
static size_t s_receive_all(es_sqs_message **out, size_t want, int visibility)
{
    es_sqs_message *all = calloc(want ? want : 1, sizeof *all);
    size_t have = 0;
    for (int poll = 0; all && have < want && poll < 5; poll++) {
        es_sqs_message *m = NULL;
        size_t n = 0;
        es_aws_result res;
        es_err rc = es_sqs_receive(s_sqs, s_queue_url, 10, 1, visibility, &m, &n, &res);
        s_report("receive", rc, &res);
        for (size_t i = 0; i < n && have < want; i++) {
            all[have++] = m[i];
            memset(&m[i], 0, sizeof m[i]);
        }
        es_sqs_messages_free(m, n);
    }
    *out = all;
    return have;
}

static void s_drain(void)
{
    es_aws_result res;
    es_err rc = es_sqs_purge_queue(s_sqs, s_queue_url, &res);
    s_report("purge", rc, &res);
}

/* The wall clock in epoch ms (CLOCK_REALTIME, as the emulator's Date.now). */
static uint64_t s_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* How far the emulator's clock may seem off ours: the same clock, but a VM's
 * may be stepped between two readings (a 1 s margin once failed in CI). Far
 * below what a wrong unit would give (seconds or microseconds since 1970). */
#define S_CLOCK_SLACK_MS 60000u

static void test_send_receive_delete(void)
{
    REQUIRE_ENDPOINT();
    s_drain();
    uint64_t before_ms = s_wall_ms();
    const char *bodies[] = {"{\"n\":1}", "second message \xc3\xa9\xe2\x9c\x93", "third <xml/> & \"quotes\""};
    char ids[3][128];
    es_aws_result res;
    for (int i = 0; i < 3; i++) {
        es_err rc = es_sqs_send(s_sqs, s_queue_url, bodies[i], ids[i], sizeof ids[i], &res);
        s_report("send", rc, &res);
        CHECK_OK(rc);
        CHECK(ids[i][0] != '\0');
    }
    es_sqs_message *m = NULL;
    size_t n = s_receive_all(&m, 3, 30);
    uint64_t after_ms = s_wall_ms();
    REQUIRE(n == 3);
    int seen = 0;
    for (size_t i = 0; i < n; i++) {
        CHECK_INT_EQ(m[i].receive_count, 1);
        /* SentTimestamp (epoch ms) is asked for: sent while this test sent */
        CHECK(m[i].sent_timestamp_ms + S_CLOCK_SLACK_MS >= before_ms &&
              m[i].sent_timestamp_ms <= after_ms + S_CLOCK_SLACK_MS);
        CHECK(m[i].receipt_handle && m[i].receipt_handle[0]);
        for (int k = 0; k < 3; k++)
            if (!strcmp(m[i].message_id, ids[k]) && !strcmp(m[i].body, bodies[k]))
                seen |= 1 << k;
    }
    CHECK_INT_EQ(seen, 7); /* each body arrived intact with its id */

    /* Delete one singly and two in a batch that also carries a bogus handle. */
    CHECK_OK(es_sqs_delete(s_sqs, s_queue_url, m[0].receipt_handle, &res));
    es_sqs_batch_entry e[3] = {
        {.receipt_handle = m[1].receipt_handle},
        {.receipt_handle = "bogus-receipt-handle"},
        {.receipt_handle = m[2].receipt_handle},
    };
    es_err rc = es_sqs_delete_batch(s_sqs, s_queue_url, e, 3, &res);
    s_report("delete batch", rc, &res);
    CHECK_OK(rc);
    CHECK_INT_EQ(e[0].failed, 0);
    CHECK_INT_EQ(e[1].failed, 1);
    CHECK(e[1].error[0] != '\0');
    CHECK_INT_EQ(e[2].failed, 0);
    es_sqs_messages_free(m, n);

    /* Nothing is left. */
    m = NULL;
    n = 0;
    CHECK_OK(es_sqs_receive(s_sqs, s_queue_url, 10, 0, -1, &m, &n, &res));
    CHECK_INT_EQ(n, 0);
    es_sqs_messages_free(m, n);
}

static void test_visibility(void)
{
    REQUIRE_ENDPOINT();
    s_drain();
    es_aws_result res;
    CHECK_OK(es_sqs_send(s_sqs, s_queue_url, "vis-1", NULL, 0, &res));
    CHECK_OK(es_sqs_send(s_sqs, s_queue_url, "vis-2", NULL, 0, &res));
    es_sqs_message *m = NULL;
    size_t n = s_receive_all(&m, 2, 600);
    REQUIRE(n == 2);
    /* Hidden for 10 minutes: a new receive sees nothing. */
    es_sqs_message *none = NULL;
    size_t zero = 0;
    CHECK_OK(es_sqs_receive(s_sqs, s_queue_url, 10, 0, -1, &none, &zero, &res));
    CHECK_INT_EQ(zero, 0);
    es_sqs_messages_free(none, zero);

    /* Release the first one now; the second through the batch call. */
    CHECK_OK(es_sqs_change_visibility(s_sqs, s_queue_url, m[0].receipt_handle, 0, &res));
    es_sqs_batch_entry e[2] = {
        {.receipt_handle = m[1].receipt_handle, .visibility_timeout = 0},
        {.receipt_handle = "not-a-real-handle", .visibility_timeout = 0},
    };
    CHECK_OK(es_sqs_change_visibility_batch(s_sqs, s_queue_url, e, 2, &res));
    CHECK_INT_EQ(e[0].failed, 0);
    CHECK_INT_EQ(e[1].failed, 1);
    es_sqs_messages_free(m, n);

    m = NULL;
    n = s_receive_all(&m, 2, 30);
    CHECK_INT_EQ(n, 2);
    for (size_t i = 0; i < n; i++)
        CHECK_INT_EQ(m[i].receive_count, 2); /* redelivered */
    char value[32];
    CHECK_OK(es_sqs_get_attribute(s_sqs, s_queue_url, "ApproximateNumberOfMessagesNotVisible", value,
                                  sizeof value, &res));
    CHECK_STR_EQ(value, "2");
    es_sqs_messages_free(m, n);
    s_drain();
}

static void test_long_poll_waits(void)
{
    REQUIRE_ENDPOINT();
    s_drain();
    es_sqs_message *m = NULL;
    size_t n = 0;
    es_aws_result res;
    double t0 = es_test_now_s();
    CHECK_OK(es_sqs_receive(s_sqs, s_queue_url, 1, 2, -1, &m, &n, &res));
    double waited = es_test_now_s() - t0;
    CHECK_INT_EQ(n, 0);
    CHECK(waited >= 1.5 && waited < 10.0);
    es_sqs_messages_free(m, n);
}

static void test_missing_queue_and_bad_args(void)
{
    REQUIRE_ENDPOINT();
    es_sqs_message *m = NULL;
    size_t n = 0;
    es_aws_result res;
    char url[600];
    snprintf(url, sizeof url, "%s/000000000000/no-such-queue-exifstrip", es_itest_endpoint());
    CHECK_INT_EQ(es_sqs_receive(s_sqs, url, 1, 0, -1, &m, &n, &res), ES_ERR_NOT_FOUND);
    CHECK(strstr(res.aws_code, "QueueDoesNotExist") || strstr(res.aws_code, "NonExistentQueue"));
    CHECK_INT_EQ(res.attempts, 1);
    CHECK_INT_EQ(es_sqs_receive(s_sqs, s_queue_url, 11, 0, -1, &m, &n, &res), ES_ERR_INVALID_ARG);
    CHECK_INT_EQ(es_sqs_receive(s_sqs, s_queue_url, 1, 21, -1, &m, &n, &res), ES_ERR_INVALID_ARG);
    CHECK_INT_EQ(res.attempts, 0); /* refused before any request */
    char big[32];
    CHECK_INT_EQ(es_sqs_get_queue_url(s_sqs, "no-such-queue-exifstrip", big, sizeof big, &res),
                 ES_ERR_NOT_FOUND);
}

static void test_redrive_to_dead_letter_queue(void)
{
    REQUIRE_ENDPOINT();
    s_drain();
    es_aws_result res;
    CHECK_OK(es_sqs_send(s_sqs, s_queue_url, "poison", NULL, 0, &res));
    /* maxReceiveCount is 2: after two receives the next one moves it away. */
    for (int i = 0; i < 2; i++) {
        es_sqs_message *m = NULL;
        size_t n = s_receive_all(&m, 1, 0);
        CHECK_INT_EQ(n, 1);
        es_sqs_messages_free(m, n);
    }
    es_sqs_message *m = NULL;
    size_t n = 0;
    CHECK_OK(es_sqs_receive(s_sqs, s_queue_url, 10, 1, 0, &m, &n, &res));
    CHECK_INT_EQ(n, 0);
    es_sqs_messages_free(m, n);
    m = NULL;
    n = 0;
    CHECK_OK(es_sqs_receive(s_sqs, s_dlq_url, 10, 1, 0, &m, &n, &res));
    CHECK_INT_EQ(n, 1);
    if (n == 1)
        CHECK_STR_EQ(m[0].body, "poison");
    es_sqs_messages_free(m, n);
}

static void test_retry_faults(void)
{
    REQUIRE_ENDPOINT();
    s_drain();
    char rule[256];
    snprintf(rule, sizeof rule,
             "{\"service\":\"sqs\",\"action\":\"SendMessage\",\"queue\":\"%s\",\"status\":503,\"times\":1}",
             s_queue);
    REQUIRE(es_itest_fault(rule) == 0);
    es_aws_result res;
    char id[128];
    es_err rc = es_sqs_send(s_sqs, s_queue_url, "after-503", id, sizeof id, &res);
    s_report("send after 503", rc, &res);
    CHECK_OK(rc);
    CHECK_INT_EQ(res.attempts, 2);

    long seq = es_itest_log_seq();
    snprintf(rule, sizeof rule,
             "{\"service\":\"sqs\",\"action\":\"ReceiveMessage\",\"queue\":\"%s\",\"reset\":true,\"times\":2}",
             s_queue);
    REQUIRE(es_itest_fault(rule) == 0);
    es_sqs_message *m = NULL;
    size_t n = 0;
    rc = es_sqs_receive(s_sqs, s_queue_url, 10, 1, 30, &m, &n, &res);
    s_report("receive after reset", rc, &res);
    CHECK_OK(rc);
    CHECK(res.attempts >= 2);
    CHECK_INT_EQ(es_itest_log_count(seq, "ReceiveMessage", "ConnectionReset"), 2);
    CHECK_INT_EQ(n, 1);
    if (n == 1)
        CHECK_STR_EQ(m[0].body, "after-503");
    es_sqs_messages_free(m, n);

    /* Throttling that outlasts the attempts ends as ES_ERR_THROTTLED. */
    snprintf(rule, sizeof rule,
             "{\"service\":\"sqs\",\"action\":\"GetQueueAttributes\",\"queue\":\"%s\",\"status\":400,"
             "\"code\":\"ThrottlingException\",\"times\":3}",
             s_queue);
    REQUIRE(es_itest_fault(rule) == 0);
    char value[32];
    CHECK_INT_EQ(es_sqs_get_attribute(s_sqs, s_queue_url, "QueueArn", value, sizeof value, &res),
                 ES_ERR_THROTTLED);
    CHECK_INT_EQ(res.attempts, 3);
    CHECK_STR_EQ(res.aws_code, "ThrottlingException");
    es_itest_clear_faults();
    s_drain();
}

static void test_wrong_secret_refused(void)
{
    REQUIRE_ENDPOINT();
    const char *secret = "WRONGsqsSECRETvalue1234567890";
    const char *token = "SQSsessionTOKENvalueABCDEFGH0987";
    es_itest_clients bad;
    REQUIRE(es_itest_clients_open_refused(&bad, NULL, secret, token) == 0);
    es_sqs_client *c = bad.sqs;
    es_aws_result res;
    CHECK_INT_EQ(es_sqs_send(c, s_queue_url, "should not arrive", NULL, 0, &res), ES_ERR_AUTH);
    CHECK_INT_EQ(res.http_status, 403);
    CHECK_STR_EQ(res.aws_code, "SignatureDoesNotMatch");
    CHECK(!es_itest_mentions(&res, secret) && !es_itest_mentions(&res, token));
    es_sqs_message *m = NULL;
    size_t n = 0;
    CHECK_INT_EQ(es_sqs_receive(c, s_queue_url, 1, 0, -1, &m, &n, &res), ES_ERR_AUTH);
    CHECK(!es_itest_mentions(&res, secret) && !es_itest_mentions(&res, token));
    es_itest_clients_close(&bad);
    /* The refused message was not enqueued. */
    char value[32];
    CHECK_OK(es_sqs_get_attribute(s_sqs, s_queue_url, "ApproximateNumberOfMessages", value, sizeof value, &res));
    CHECK_STR_EQ(value, "0");
}

static int s_setup(void)
{
    if (es_itest_clients_open(&s_emu) != 0)
        return -1;
    s_sqs = s_emu.sqs;
    es_aws_result res;
    char dlq[64], arn[256], redrive[400];
    es_itest_name(dlq, sizeof dlq, "sqs-itest-dlq");
    es_itest_name(s_queue, sizeof s_queue, "sqs-itest");
    if (es_sqs_create_queue(s_sqs, dlq, NULL, s_dlq_url, sizeof s_dlq_url, &res) != ES_OK ||
        es_sqs_get_attribute(s_sqs, s_dlq_url, "QueueArn", arn, sizeof arn, &res) != ES_OK)
        goto fail;
    snprintf(redrive, sizeof redrive, "{\"deadLetterTargetArn\":\"%s\",\"maxReceiveCount\":\"2\"}", arn);
    const char *attrs[] = {"VisibilityTimeout", "30", "RedrivePolicy", redrive, NULL};
    if (es_sqs_create_queue(s_sqs, s_queue, attrs, s_queue_url, sizeof s_queue_url, &res) != ES_OK)
        goto fail;
    char again[512];
    if (es_sqs_get_queue_url(s_sqs, s_queue, again, sizeof again, &res) != ES_OK || strcmp(again, s_queue_url))
        goto fail;
    return 0;
fail:
    fprintf(stderr, "queue setup failed: %s\n", res.message);
    s_sqs = NULL; /* the tests fail; main closes s_emu */
    return -1;
}

int main(void)
{
    (void)s_setup();
    ES_RUN(test_send_receive_delete);
    ES_RUN(test_visibility);
    ES_RUN(test_long_poll_waits);
    ES_RUN(test_missing_queue_and_bad_args);
    ES_RUN(test_redrive_to_dead_letter_queue);
    ES_RUN(test_retry_faults);
    ES_RUN(test_wrong_secret_refused);
    if (s_sqs) {
        es_aws_result res;
        if (es_sqs_delete_queue(s_sqs, s_queue_url, &res) != ES_OK ||
            es_sqs_delete_queue(s_sqs, s_dlq_url, &res) != ES_OK)
            fprintf(stderr, "delete queue: %s\n", res.message);
    }
    es_itest_clients_close(&s_emu);
    return es_test_finish();
}
