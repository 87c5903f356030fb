/* retry.h - the AWS SDKs' "standard" retry mode: which failures are retried,
 * what es_err a final failure maps to, exponential backoff with full jitter,
 * the shared retry quota (token bucket) and clock-skew correction.
 *
 * Everything here is pure or guarded by its own mutex so one es_retry_state
 * can serve all threads of a client. The sleep function and the random source
 * are injectable for tests. */
#ifndef ES_AWS_RETRY_H
#define ES_AWS_RETRY_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "exifstrip/error.h"

#define ES_RETRY_BASE_MS 100L
#define ES_RETRY_CAP_MS 20000L
#define ES_RETRY_QUOTA_MAX 500
#define ES_RETRY_COST 5
#define ES_RETRY_TIMEOUT_COST 10
#define ES_RETRY_SUCCESS_REFUND 1
#define ES_RETRY_SKEW_LIMIT_S 240 /* server Date further off than this = our clock is skewed */

/* What one failed attempt means. */
typedef struct es_retry_class {
    es_err code; /* the es_err to report if this is the final attempt */
    bool retryable;
    bool is_timeout; /* costs ES_RETRY_TIMEOUT_COST */
    bool is_throttle;
    bool maybe_skew; /* an auth/skew error: retry only if the clock is off */
} es_retry_class;

/* Classifies an attempt from the transport result (ES_OK when a response
 * arrived), the HTTP status and the AWS error code ("" or NULL when none). */
es_retry_class es_retry_classify(es_err transport, long status, const char *aws_code);

/* True for the throttling error codes (SlowDown, Throttling, ...). */
bool es_retry_is_throttle_code(const char *aws_code);

/* Full-jitter backoff before retry number `retry` (1 = first retry):
 * uniform in [0, min(cap, base * 2^(retry-1))], from `unit` in [0, 1). */
long es_retry_backoff_ms(int retry, long base_ms, long cap_ms, double unit);

/* Clock skew: parses the server's Date header and returns true when it
 * differs from local_now by more than ES_RETRY_SKEW_LIMIT_S; *offset_s then
 * receives server - local (seconds). */
bool es_retry_clock_skew(const char *date_header, time_t local_now, long *offset_s);
/* The time an HTTP Date header states (any of the three HTTP date forms);
 * false when there is none or it cannot be read. */
bool es_retry_server_time(const char *date_header, time_t *server);

typedef void (*es_retry_sleep_fn)(void *ctx, long ms);
typedef double (*es_retry_random_fn)(void *ctx); /* uniform in [0, 1) */

/* Per-client state shared by all threads. */
typedef struct es_retry_state {
    pthread_mutex_t mu;
    int tokens;   /* retry quota */
    uint64_t rng; /* xorshift state for the default random source */
    es_retry_sleep_fn sleep;
    void *sleep_ctx;
    es_retry_random_fn random;
    void *random_ctx;
} es_retry_state;

void es_retry_state_init(es_retry_state *s, uint64_t seed);
void es_retry_state_destroy(es_retry_state *s);

/* Takes cost tokens for a retry; false (nothing taken) when the quota is short. */
bool es_retry_quota_acquire(es_retry_state *s, int cost);
/* Returns tokens after a successful call (capped at ES_RETRY_QUOTA_MAX). */
void es_retry_quota_release(es_retry_state *s, int amount);
int es_retry_quota_available(es_retry_state *s);

/* A uniform number in [0, 1) from the injected or the default source. */
double es_retry_random(es_retry_state *s);
/* Sleeps ms through the injected function (nanosleep by default). */
void es_retry_sleep(es_retry_state *s, long ms);

#endif
