/* clock_test.c - es_clock_since_service_ms (worker/clock.h): the time from a
 * service's timestamp to its answer is measured on the service's clock (the
 * answer's Date header, the start of its second: never longer than it was),
 * whatever this host's clock says; without a Date the local wall clock
 * stands in; a timestamp after the answer gives 0. */
#include "../harness/test.h"
#include "worker/clock.h"

static void test_on_the_service_clock(void)
{
    const uint64_t answered = 1700000000000ull; /* a Date header's whole second */
    CHECK(es_clock_since_service_ms(answered, answered - 2000) == 2000);
    CHECK(es_clock_since_service_ms(answered, answered - 1) == 1);
    CHECK(es_clock_since_service_ms(answered, answered + 500) == 0); /* within the Date's second */
    CHECK(es_clock_since_service_ms(answered, answered + 60000) == 0);
}

static void test_local_clock_without_an_answer_time(void)
{
    uint64_t stamp = es_clock_epoch_ms() - 10000;
    uint64_t since = es_clock_since_service_ms(0, stamp);
    CHECK(since >= 10000 && since < 70000);
}

int main(void)
{
    ES_RUN(test_on_the_service_clock);
    ES_RUN(test_local_clock_without_an_answer_time);
    return es_test_finish();
}
