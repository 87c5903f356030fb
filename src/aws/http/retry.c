/* retry.c - classification, backoff, retry quota and clock skew of the
 * "standard" retry mode (retry.h). The code tables follow the AWS SDKs'
 * lists of throttling and transient error codes. */
#include "aws/http/retry.h"

#include <errno.h>
#include <string.h>

#include "aws/http/curl_dl.h"
#include "aws/http/http.h"

static bool s_in(const char *code, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(code, *list) == 0)
            return true;
    return false;
}

static const char *const s_throttle_codes[] = {"Throttling",
                                               "ThrottlingException",
                                               "ThrottledException",
                                               "RequestThrottledException",
                                               "TooManyRequestsException",
                                               "ProvisionedThroughputExceededException",
                                               "TransactionInProgressException",
                                               "RequestLimitExceeded",
                                               "BandwidthLimitExceeded",
                                               "LimitExceededException",
                                               "RequestThrottled",
                                               "SlowDown",
                                               "PriorRequestNotComplete",
                                               "EC2ThrottledException",
                                               NULL};

static const char *const s_transient_codes[] = {"InternalError",         "InternalFailure",
                                                "ServiceUnavailable",    "ServiceUnavailableException",
                                                "RequestTimeout",        "RequestTimeoutException",
                                                "IDPCommunicationError", NULL};

/* Errors that a wrong local clock produces; retried once the clock is corrected. */
static const char *const s_skew_codes[] = {"RequestTimeTooSkewed",
                                           "RequestExpired",
                                           "RequestInTheFuture",
                                           "InvalidSignatureException",
                                           "SignatureDoesNotMatch",
                                           "AuthFailure",
                                           NULL};

static const char *const s_auth_codes[] = {
    "InvalidAccessKeyId",  "ExpiredToken",          "ExpiredTokenException",
    "InvalidToken",        "InvalidClientTokenId",  "UnrecognizedClientException",
    "AccessDenied",        "AccessDeniedException", "MissingAuthenticationToken",
    "IncompleteSignature", "TokenRefreshRequired",  "InvalidSecurity",
    "AllAccessDisabled",   "AccountProblem",        NULL};

/* Answers to a request sent to the wrong place: the bucket lives in another
 * region than the one signed for (S3 names the right one in the message), or
 * the endpoint is not the bucket's. Settings to fix, never the object's fault. */
static const char *const s_config_codes[] = {"AuthorizationHeaderMalformed", "PermanentRedirect",
                                             "IncorrectEndpoint", NULL};

static const char *const s_not_found_codes[] = {"NoSuchKey",
                                                "NoSuchBucket",
                                                "NoSuchUpload",
                                                "NoSuchVersion",
                                                "NotFound",
                                                "QueueDoesNotExist",
                                                "AWS.SimpleQueueService.NonExistentQueue",
                                                NULL};

bool es_retry_is_throttle_code(const char *aws_code) { return aws_code && s_in(aws_code, s_throttle_codes); }

static es_retry_class s_class(es_err code, bool retryable)
{
    es_retry_class c = {.code = code, .retryable = retryable};
    return c;
}

static es_retry_class s_by_code(const char *code, bool *matched)
{
    *matched = true;
    if (s_in(code, s_throttle_codes)) {
        es_retry_class c = s_class(ES_ERR_THROTTLED, true);
        c.is_throttle = true;
        return c;
    }
    if (!strcmp(code, "RequestTimeout") || !strcmp(code, "RequestTimeoutException"))
        return s_class(ES_ERR_TIMEOUT, true);
    if (s_in(code, s_transient_codes))
        return s_class(ES_ERR_SERVER, true);
    if (s_in(code, s_skew_codes)) {
        es_retry_class c = s_class(ES_ERR_AUTH, false);
        c.maybe_skew = true;
        return c;
    }
    if (s_in(code, s_auth_codes))
        return s_class(ES_ERR_AUTH, false);
    if (s_in(code, s_config_codes))
        return s_class(ES_ERR_CONFIG, false);
    if (s_in(code, s_not_found_codes))
        return s_class(ES_ERR_NOT_FOUND, false);
    if (!strcmp(code, "PreconditionFailed"))
        return s_class(ES_ERR_PRECONDITION, false);
    *matched = false;
    return s_class(ES_OK, false);
}

es_retry_class es_retry_classify(es_err transport, long status, const char *aws_code)
{
    if (transport == ES_ERR_TIMEOUT) {
        es_retry_class c = s_class(ES_ERR_TIMEOUT, true);
        c.is_timeout = true;
        return c;
    }
    if (transport == ES_ERR_NETWORK)
        return s_class(ES_ERR_NETWORK, true);
    if (transport != ES_OK)
        return s_class(transport, false);

    if (aws_code && aws_code[0]) {
        bool matched;
        es_retry_class c = s_by_code(aws_code, &matched);
        if (matched)
            return c;
    }
    if (status == 429) {
        es_retry_class c = s_class(ES_ERR_THROTTLED, true);
        c.is_throttle = true;
        return c;
    }
    if (status == 404)
        return s_class(ES_ERR_NOT_FOUND, false);
    if (status == 412)
        return s_class(ES_ERR_PRECONDITION, false);
    if (status == 401 || status == 403) { /* e.g. a HEAD: no body, check the clock */
        es_retry_class c = s_class(ES_ERR_AUTH, false);
        c.maybe_skew = true;
        return c;
    }
    /* A redirect (a HEAD's PermanentRedirect has no body to name it; S3's
     * 307 TemporaryRedirect for a bucket of another region): the request
     * went to the wrong place, and redirects are not followed. Settings to
     * fix, as the codes of s_config_codes; never a 4xx. */
    if (status >= 300 && status <= 399)
        return s_class(ES_ERR_CONFIG, false);
    if (status >= 500 && status <= 599) /* 501 and 505 will not change on retry */
        return s_class(ES_ERR_SERVER, status != 501 && status != 505);
    if (status >= 400 && status <= 499)
        return s_class(ES_ERR_CLIENT, false);
    if (status >= 200 && status <= 299) /* a 2xx carrying an unknown error */
        return s_class(ES_ERR_SERVER, false);
    return s_class(ES_ERR_PROTOCOL, false);
}

long es_retry_backoff_ms(int retry, long base_ms, long cap_ms, double unit)
{
    if (retry < 1 || base_ms <= 0 || cap_ms <= 0)
        return 0;
    if (unit < 0.0 || unit >= 1.0)
        unit = 0.0;
    long ceiling = base_ms < cap_ms ? base_ms : cap_ms;
    for (int i = 1; i < retry && ceiling < cap_ms; i++)
        ceiling = ceiling > cap_ms / 2 ? cap_ms : ceiling * 2;
    return (long)(unit * (double)ceiling);
}

bool es_retry_server_time(const char *date_header, time_t *server)
{
    if (!date_header || !date_header[0])
        return false;
    const es_curl_api *cu = es_curl_api_get(NULL); /* curl_getdate reads all three HTTP date forms */
    if (!cu)
        return false;
    *server = cu->getdate(date_header, NULL);
    return *server != (time_t)-1;
}

bool es_retry_clock_skew(const char *date_header, time_t local_now, long *offset_s)
{
    time_t server;
    if (!es_retry_server_time(date_header, &server))
        return false;
    double diff = difftime(server, local_now);
    if (diff <= ES_RETRY_SKEW_LIMIT_S && diff >= -ES_RETRY_SKEW_LIMIT_S)
        return false;
    if (offset_s)
        *offset_s = (long)diff;
    return true;
}

void es_retry_state_init(es_retry_state *s, uint64_t seed)
{
    memset(s, 0, sizeof *s);
    pthread_mutex_init(&s->mu, NULL);
    s->tokens = ES_RETRY_QUOTA_MAX;
    s->rng = seed ? seed : 0x9e3779b97f4a7c15ull;
}

void es_retry_state_destroy(es_retry_state *s)
{
    if (s)
        pthread_mutex_destroy(&s->mu);
}

bool es_retry_quota_acquire(es_retry_state *s, int cost)
{
    pthread_mutex_lock(&s->mu);
    bool ok = s->tokens >= cost;
    if (ok)
        s->tokens -= cost;
    pthread_mutex_unlock(&s->mu);
    return ok;
}

void es_retry_quota_release(es_retry_state *s, int amount)
{
    pthread_mutex_lock(&s->mu);
    s->tokens += amount;
    if (s->tokens > ES_RETRY_QUOTA_MAX)
        s->tokens = ES_RETRY_QUOTA_MAX;
    pthread_mutex_unlock(&s->mu);
}

int es_retry_quota_available(es_retry_state *s)
{
    pthread_mutex_lock(&s->mu);
    int n = s->tokens;
    pthread_mutex_unlock(&s->mu);
    return n;
}

double es_retry_random(es_retry_state *s)
{
    if (s->random)
        return s->random(s->random_ctx);
    pthread_mutex_lock(&s->mu);
    /* xorshift64*: plenty for jitter. */
    uint64_t x = s->rng;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    s->rng = x;
    uint64_t r = x * 0x2545f4914f6cdd1dull;
    pthread_mutex_unlock(&s->mu);
    return (double)(r >> 11) / 9007199254740992.0; /* 53 bits -> [0, 1) */
}

void es_retry_sleep(es_retry_state *s, long ms)
{
    if (ms <= 0)
        return;
    if (s->sleep) {
        s->sleep(s->sleep_ctx, ms);
        return;
    }
    /* In slices, so a raised cancel token or a passed deadline (http.h) ends the wait too. */
    while (ms > 0 && !es_http_thread_cancelled() && !es_http_thread_deadline_passed()) {
        long slice = ms < 100 ? ms : 100;
        struct timespec ts = {.tv_sec = 0, .tv_nsec = slice * 1000000L};
        while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
        }
        ms -= slice;
    }
}
