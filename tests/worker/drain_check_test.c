/* drain_check_test.c - the --drain end-of-queue check (src/worker/drain.c)
 * against the scripted SQS endpoint: the three counters come from ONE
 * GetQueueAttributes request naming all of them; all zero is done, any
 * nonzero is pending; a missing or non-numeric counter, or a failed request,
 * is unknown with a reason. */
#include <stdio.h>
#include <string.h>

#include "../harness/test.h"
#include "../support/sqs_fake.h"
#include "worker/drain.h"

static es_test_sqs *s_q;

/* Scripts the three counters (NULL leaves one unset) and runs the check. */
static es_drain_verdict s_check(const char *visible, const char *in_flight, const char *delayed,
                                es_drain_counts *c, es_aws_result *res)
{
    es_test_sqs_stop(s_q);
    s_q = es_test_sqs_start();
    if (!s_q)
        return ES_DRAIN_UNKNOWN;
    if (visible)
        es_test_sqs_set_attribute(s_q, "ApproximateNumberOfMessages", visible);
    if (in_flight)
        es_test_sqs_set_attribute(s_q, "ApproximateNumberOfMessagesNotVisible", in_flight);
    if (delayed)
        es_test_sqs_set_attribute(s_q, "ApproximateNumberOfMessagesDelayed", delayed);
    es_test_sqs_set_attribute(s_q, "QueueArn", "arn:aws:sqs:us-east-1:123456789012:jobs");
    es_aws_result_clear(res);
    return es_drain_check(es_test_sqs_client(s_q), es_test_sqs_queue_url(), c, res);
}

static void test_all_zero_is_done_in_one_call(void)
{
    es_drain_counts c;
    es_aws_result res;
    CHECK_INT_EQ(s_check("0", "0", "0", &c, &res), ES_DRAIN_DONE);
    REQUIRE(s_q);
    CHECK_INT_EQ(es_test_sqs_calls(s_q, "GetQueueAttributes"), 1);
    CHECK_INT_EQ(es_test_sqs_calls(s_q, NULL), 1);
}

static void test_any_counter_is_pending(void)
{
    static const char *const cases[][3] = {{"4", "0", "0"}, {"0", "2", "0"}, {"0", "0", "7"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        es_drain_counts c;
        es_aws_result res;
        CHECK_INT_EQ(s_check(cases[i][0], cases[i][1], cases[i][2], &c, &res), ES_DRAIN_PENDING);
        REQUIRE(s_q);
        CHECK_INT_EQ(es_test_sqs_calls(s_q, "GetQueueAttributes"), 1);
        char got[64];
        snprintf(got, sizeof got, "%llu %llu %llu", c.visible, c.in_flight, c.delayed);
        char want[64];
        snprintf(want, sizeof want, "%s %s %s", cases[i][0], cases[i][1], cases[i][2]);
        CHECK_STR_EQ(got, want);
    }
}

static void test_missing_or_bad_counter_is_unknown(void)
{
    es_drain_counts c;
    es_aws_result res;
    CHECK_INT_EQ(s_check("0", NULL, "0", &c, &res), ES_DRAIN_UNKNOWN); /* not in the reply */
    CHECK_INT_EQ(res.code, ES_ERR_PROTOCOL);
    CHECK_INT_EQ(s_check("0", "0", "-1", &c, &res), ES_DRAIN_UNKNOWN);
    CHECK_STR_CONTAINS(res.message, "ApproximateNumberOfMessagesDelayed is not a count");
    CHECK_INT_EQ(s_check("many", "0", "0", &c, &res), ES_DRAIN_UNKNOWN);
    CHECK_STR_CONTAINS(res.message, "ApproximateNumberOfMessages is not a count");
    CHECK_INT_EQ(s_check("0", "0", "", &c, &res), ES_DRAIN_UNKNOWN);
}

static void test_unreachable_queue_is_unknown(void)
{
    es_drain_counts c;
    es_aws_result res;
    es_aws_result_clear(&res);
    CHECK_INT_EQ(es_drain_check(es_test_sqs_client(s_q), "", &c, &res), ES_DRAIN_UNKNOWN);
    CHECK(res.code != ES_OK);
}

int main(void)
{
    ES_RUN(test_all_zero_is_done_in_one_call);
    ES_RUN(test_any_counter_is_pending);
    ES_RUN(test_missing_or_bad_counter_is_unknown);
    ES_RUN(test_unreachable_queue_is_unknown);
    es_test_sqs_stop(s_q);
    return es_test_finish();
}
