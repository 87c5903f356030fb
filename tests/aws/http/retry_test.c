/* retry_test.c - the standard retry mode (src/aws/http/retry.c): the classification
 * table (transport result / status / AWS code -> retry? and final es_err),
 * full-jitter backoff bounds, the retry quota and clock-skew detection. */
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "../../harness/test.h"
#include "aws/http/retry.h"

typedef struct s_row {
    es_err transport;
    long status;
    const char *code;
    es_err want;
    bool retry;
} s_row;

static const s_row s_table[] = {
    /* transport failures */
    {ES_ERR_NETWORK, 0, NULL, ES_ERR_NETWORK, true},
    {ES_ERR_TIMEOUT, 0, NULL, ES_ERR_TIMEOUT, true},
    {ES_ERR_TOO_LARGE, 200, NULL, ES_ERR_TOO_LARGE, false},
    {ES_ERR_CONFIG, 0, NULL, ES_ERR_CONFIG, false},
    {ES_ERR_CANCELLED, 0, NULL, ES_ERR_CANCELLED, false},
    /* by status */
    {ES_OK, 500, "", ES_ERR_SERVER, true},
    {ES_OK, 502, NULL, ES_ERR_SERVER, true},
    {ES_OK, 503, NULL, ES_ERR_SERVER, true},
    {ES_OK, 504, NULL, ES_ERR_SERVER, true},
    {ES_OK, 501, NULL, ES_ERR_SERVER, false},
    {ES_OK, 429, NULL, ES_ERR_THROTTLED, true},
    {ES_OK, 404, NULL, ES_ERR_NOT_FOUND, false},
    {ES_OK, 412, NULL, ES_ERR_PRECONDITION, false},
    {ES_OK, 403, NULL, ES_ERR_AUTH, false},
    {ES_OK, 401, NULL, ES_ERR_AUTH, false},
    {ES_OK, 400, NULL, ES_ERR_CLIENT, false},
    {ES_OK, 409, "BucketAlreadyOwnedByYou", ES_ERR_CLIENT, false},
    {ES_OK, 301, NULL, ES_ERR_CONFIG, false}, /* a HEAD to another region's endpoint */
    {ES_OK, 307, NULL, ES_ERR_CONFIG, false}, /* a redirect is not followed: never "(4xx)" */
    {ES_OK, 302, NULL, ES_ERR_CONFIG, false},
    {ES_OK, 307, "TemporaryRedirect", ES_ERR_CONFIG, false},
    {ES_OK, 400, NULL, ES_ERR_CLIENT, false},
    /* by code: throttling and transient codes win over the status */
    {ES_OK, 503, "SlowDown", ES_ERR_THROTTLED, true},
    {ES_OK, 400, "Throttling", ES_ERR_THROTTLED, true},
    {ES_OK, 400, "ThrottlingException", ES_ERR_THROTTLED, true},
    {ES_OK, 400, "ThrottledException", ES_ERR_THROTTLED, true},
    {ES_OK, 400, "RequestLimitExceeded", ES_ERR_THROTTLED, true},
    {ES_OK, 400, "RequestThrottled", ES_ERR_THROTTLED, true},
    {ES_OK, 400, "TooManyRequestsException", ES_ERR_THROTTLED, true},
    {ES_OK, 400, "ProvisionedThroughputExceededException", ES_ERR_THROTTLED, true},
    {ES_OK, 509, "BandwidthLimitExceeded", ES_ERR_THROTTLED, true},
    {ES_OK, 400, "EC2ThrottledException", ES_ERR_THROTTLED, true},
    {ES_OK, 400, "RequestTimeout", ES_ERR_TIMEOUT, true},
    {ES_OK, 408, "RequestTimeoutException", ES_ERR_TIMEOUT, true},
    {ES_OK, 500, "InternalError", ES_ERR_SERVER, true},
    {ES_OK, 200, "InternalError", ES_ERR_SERVER, true}, /* 200 carrying <Error> */
    {ES_OK, 503, "ServiceUnavailable", ES_ERR_SERVER, true},
    {ES_OK, 200, "SomethingOdd", ES_ERR_SERVER, false},
    /* auth */
    {ES_OK, 403, "InvalidAccessKeyId", ES_ERR_AUTH, false},
    {ES_OK, 403, "SignatureDoesNotMatch", ES_ERR_AUTH, false},
    {ES_OK, 400, "ExpiredToken", ES_ERR_AUTH, false},
    {ES_OK, 403, "AccessDenied", ES_ERR_AUTH, false},
    {ES_OK, 403, "RequestTimeTooSkewed", ES_ERR_AUTH, false},
    {ES_OK, 400, "InvalidClientTokenId", ES_ERR_AUTH, false},
    /* the wrong region or endpoint: a setting, not the object */
    {ES_OK, 301, "PermanentRedirect", ES_ERR_CONFIG, false},
    {ES_OK, 400, "AuthorizationHeaderMalformed", ES_ERR_CONFIG, false},
    {ES_OK, 400, "IncorrectEndpoint", ES_ERR_CONFIG, false},
    /* gone */
    {ES_OK, 404, "NoSuchKey", ES_ERR_NOT_FOUND, false},
    {ES_OK, 404, "NoSuchBucket", ES_ERR_NOT_FOUND, false},
    {ES_OK, 400, "QueueDoesNotExist", ES_ERR_NOT_FOUND, false},
    {ES_OK, 400, "AWS.SimpleQueueService.NonExistentQueue", ES_ERR_NOT_FOUND, false},
    {ES_OK, 412, "PreconditionFailed", ES_ERR_PRECONDITION, false},
    /* unknown 4xx codes fall back to the status */
    {ES_OK, 400, "InvalidParameterValue", ES_ERR_CLIENT, false},
    {ES_OK, 404, "SomethingElse", ES_ERR_NOT_FOUND, false},
    {ES_OK, 0, NULL, ES_ERR_PROTOCOL, false},
};

static void test_classification_table(void)
{
    for (size_t i = 0; i < sizeof s_table / sizeof s_table[0]; i++) {
        const s_row *r = &s_table[i];
        es_retry_class c = es_retry_classify(r->transport, r->status, r->code);
        if (c.code != r->want || c.retryable != r->retry)
            es_test_fail(__FILE__, __LINE__, "row %zu (%s, %ld, %s): got %s retry=%d, want %s retry=%d", i,
                         es_errname(r->transport), r->status, r->code ? r->code : "-", es_errname(c.code),
                         c.retryable, es_errname(r->want), r->retry);
    }
}

static void test_class_flags(void)
{
    CHECK(es_retry_classify(ES_ERR_TIMEOUT, 0, NULL).is_timeout);
    CHECK(!es_retry_classify(ES_ERR_NETWORK, 0, NULL).is_timeout);
    CHECK(es_retry_classify(ES_OK, 503, "SlowDown").is_throttle);
    CHECK(es_retry_classify(ES_OK, 429, NULL).is_throttle);
    CHECK(!es_retry_classify(ES_OK, 500, NULL).is_throttle);
    CHECK(es_retry_classify(ES_OK, 403, "RequestTimeTooSkewed").maybe_skew);
    CHECK(es_retry_classify(ES_OK, 403, "SignatureDoesNotMatch").maybe_skew);
    CHECK(es_retry_classify(ES_OK, 400, "InvalidSignatureException").maybe_skew);
    CHECK(es_retry_classify(ES_OK, 403, NULL).maybe_skew); /* HEAD: no body to read a code from */
    CHECK(!es_retry_classify(ES_OK, 403, "InvalidAccessKeyId").maybe_skew);
    CHECK(es_retry_is_throttle_code("SlowDown"));
    CHECK(!es_retry_is_throttle_code("slowdown")); /* codes are case-sensitive */
    CHECK(!es_retry_is_throttle_code(NULL));
}

static void test_backoff_bounds(void)
{
    /* The ceiling doubles from the base and stops at the cap. */
    CHECK_INT_EQ(es_retry_backoff_ms(1, 100, 20000, 0.999999), 99);
    CHECK_INT_EQ(es_retry_backoff_ms(2, 100, 20000, 0.5), 100);
    CHECK_INT_EQ(es_retry_backoff_ms(3, 100, 20000, 0.5), 200);
    CHECK_INT_EQ(es_retry_backoff_ms(8, 100, 20000, 0.5), 6400);
    CHECK_INT_EQ(es_retry_backoff_ms(9, 100, 20000, 0.5), 10000);
    CHECK_INT_EQ(es_retry_backoff_ms(10, 100, 20000, 0.5), 10000);
    CHECK_INT_EQ(es_retry_backoff_ms(1000, 100, 20000, 0.5), 10000);
    CHECK_INT_EQ(es_retry_backoff_ms(5, 100, 20000, 0.0), 0);
    CHECK_INT_EQ(es_retry_backoff_ms(0, 100, 20000, 0.5), 0);
    CHECK_INT_EQ(es_retry_backoff_ms(3, 100, 20000, 1.5), 0); /* out-of-range unit */
    CHECK_INT_EQ(es_retry_backoff_ms(1, 50000, 20000, 0.5), 10000);
}

/* Full jitter from the default (seeded) generator: within bounds and spread out. */
static void test_jitter_distribution(void)
{
    es_retry_state s;
    es_retry_state_init(&s, 12345);
    for (int retry = 1; retry <= 12; retry++) {
        long ceiling = es_retry_backoff_ms(retry, ES_RETRY_BASE_MS, ES_RETRY_CAP_MS, 0.9999999);
        long lo = ceiling, hi = 0;
        for (int i = 0; i < 400; i++) {
            double u = es_retry_random(&s);
            if (u < 0.0 || u >= 1.0)
                es_test_fail(__FILE__, __LINE__, "random out of [0,1): %f", u);
            long ms = es_retry_backoff_ms(retry, ES_RETRY_BASE_MS, ES_RETRY_CAP_MS, u);
            CHECK(ms >= 0 && ms <= ceiling);
            lo = ms < lo ? ms : lo;
            hi = ms > hi ? ms : hi;
        }
        CHECK(ceiling <= ES_RETRY_CAP_MS);
        /* 400 uniform draws cover most of the range. */
        CHECK(lo <= ceiling / 10);
        CHECK(hi >= ceiling - ceiling / 10 - 1);
    }
    /* Same seed, same sequence; different seed, different sequence. */
    es_retry_state a, b, d;
    es_retry_state_init(&a, 7);
    es_retry_state_init(&b, 7);
    es_retry_state_init(&d, 8);
    bool differs = false;
    for (int i = 0; i < 16; i++) {
        double x = es_retry_random(&a), y = es_retry_random(&b), z = es_retry_random(&d);
        CHECK(x == y);
        differs |= x != z;
    }
    CHECK(differs);
    es_retry_state_destroy(&a);
    es_retry_state_destroy(&b);
    es_retry_state_destroy(&d);
    es_retry_state_destroy(&s);
}

static long s_slept_total;
static int s_sleeps;
static void s_fake_sleep(void *ctx, long ms)
{
    (void)ctx;
    s_slept_total += ms;
    s_sleeps++;
}
static double s_fixed_random(void *ctx) { return *(double *)ctx; }

static void test_injected_hooks(void)
{
    es_retry_state s;
    es_retry_state_init(&s, 1);
    double fixed = 0.25;
    s.sleep = s_fake_sleep;
    s.random = s_fixed_random;
    s.random_ctx = &fixed;
    s_slept_total = 0;
    s_sleeps = 0;
    CHECK(es_retry_random(&s) == 0.25);
    es_retry_sleep(&s, es_retry_backoff_ms(3, ES_RETRY_BASE_MS, ES_RETRY_CAP_MS, es_retry_random(&s)));
    es_retry_sleep(&s, 0); /* nothing to sleep: the hook is not called */
    CHECK_INT_EQ(s_sleeps, 1);
    CHECK_INT_EQ(s_slept_total, 100);
    es_retry_state_destroy(&s);
}

static void test_quota(void)
{
    es_retry_state s;
    es_retry_state_init(&s, 1);
    CHECK_INT_EQ(es_retry_quota_available(&s), ES_RETRY_QUOTA_MAX);
    int granted = 0;
    while (es_retry_quota_acquire(&s, ES_RETRY_COST))
        granted++;
    CHECK_INT_EQ(granted, ES_RETRY_QUOTA_MAX / ES_RETRY_COST); /* 100 retries */
    CHECK_INT_EQ(es_retry_quota_available(&s), 0);
    CHECK(!es_retry_quota_acquire(&s, ES_RETRY_COST));
    /* Successes refund one token each; a timeout retry needs 10. */
    for (int i = 0; i < 9; i++)
        es_retry_quota_release(&s, ES_RETRY_SUCCESS_REFUND);
    CHECK(!es_retry_quota_acquire(&s, ES_RETRY_TIMEOUT_COST));
    CHECK_INT_EQ(es_retry_quota_available(&s), 9);
    es_retry_quota_release(&s, ES_RETRY_SUCCESS_REFUND);
    CHECK(es_retry_quota_acquire(&s, ES_RETRY_TIMEOUT_COST));
    CHECK_INT_EQ(es_retry_quota_available(&s), 0);
    /* Refunds never exceed the maximum. */
    es_retry_quota_release(&s, 10000);
    CHECK_INT_EQ(es_retry_quota_available(&s), ES_RETRY_QUOTA_MAX);
    es_retry_state_destroy(&s);
}

static void test_clock_skew(void)
{
    /* Sun, 06 Nov 1994 08:49:37 GMT = 784111777 */
    const char *date = "Sun, 06 Nov 1994 08:49:37 GMT";
    time_t server = 784111777;
    long off = 0;
    CHECK(!es_retry_clock_skew(date, server, &off));
    CHECK(!es_retry_clock_skew(date, server + 240, &off));
    CHECK(!es_retry_clock_skew(date, server - 240, &off));
    CHECK_INT_EQ(off, 0);
    CHECK(es_retry_clock_skew(date, server - 241, &off));
    CHECK_INT_EQ(off, 241);
    CHECK(es_retry_clock_skew(date, server + 3600, &off));
    CHECK_INT_EQ(off, -3600);
    /* RFC 850 and asctime forms are accepted too. */
    CHECK(es_retry_clock_skew("Sunday, 06-Nov-94 08:49:37 GMT", server + 900, &off));
    CHECK_INT_EQ(off, -900);
    CHECK(es_retry_clock_skew("Sun Nov  6 08:49:37 1994", server - 1000, &off));
    CHECK_INT_EQ(off, 1000);
    off = 77;
    CHECK(!es_retry_clock_skew("not a date", server + 9999, &off));
    CHECK(!es_retry_clock_skew("", server + 9999, &off));
    CHECK(!es_retry_clock_skew(NULL, server + 9999, &off));
    CHECK_INT_EQ(off, 77);
}

int main(void)
{
    ES_RUN(test_classification_table);
    ES_RUN(test_class_flags);
    ES_RUN(test_backoff_bounds);
    ES_RUN(test_jitter_distribution);
    ES_RUN(test_injected_hooks);
    ES_RUN(test_quota);
    ES_RUN(test_clock_skew);
    return es_test_finish();
}
