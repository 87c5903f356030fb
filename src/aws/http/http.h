/* http.h - the HTTP transport under the S3 and SQS clients and the remote
 * credential sources (libcurl, loaded on first use: curl_dl.h). A plain
 * transport, no signing: one request from memory, a response whose headers
 * go through a bounded parser and whose body is either kept in a capped
 * buffer or streamed to a callback.
 *
 * Each thread reuses one curl easy handle (kept in thread-local storage) so
 * connections stay alive between calls. TLS peer and host verification are
 * always on; proxies come from curl's usual environment variables.
 *
 * A thread may install a cancel token (es_http_set_thread_cancel): once the
 * flag it points to becomes nonzero, that thread's requests stop within about
 * a second, even while no bytes arrive (a long poll, a stalled server), and
 * fail with ES_ERR_CANCELLED, which the retrying layers treat as final. It
 * may also install a deadline (es_http_set_thread_deadline): a request not
 * done by then stops as soon (within about a second, however slowly its
 * answer trickles in) and fails with ES_ERR_TIMEOUT, and the retrying layers
 * retry nothing after it. */
#ifndef ES_AWS_HTTP_H
#define ES_AWS_HTTP_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "exifstrip/error.h"

/* ---- response headers -------------------------------------------------- */

/* Bounds sized to what S3 may legally send: user metadata alone may be 2 KB
 * of keys and values, i.e. up to ~2048 x-amz-meta-* lines whose stored form
 * (prefix, name, value, two NULs) stays under 30 KB. The field count is only
 * an index size: the byte bound is the real limit. */
#define ES_HTTP_HEADERS_MAX_BYTES 49152 /* names + values of one response */
#define ES_HTTP_HEADERS_MAX_FIELDS 2304

typedef struct es_http_field {
    uint16_t name_off, name_len;
    uint16_t value_off, value_len;
} es_http_field;

/* The header block of one response. Fixed size, no allocation. A new status
 * line (after "100 Continue", or a proxy's CONNECT reply) starts over. */
typedef struct es_http_headers {
    int status;       /* from the last status line, 0 before one */
    bool complete;    /* the blank line ending the block was seen */
    size_t bad_lines; /* malformed lines that were skipped */
    size_t count;
    es_http_field fields[ES_HTTP_HEADERS_MAX_FIELDS];
    size_t used;
    char buf[ES_HTTP_HEADERS_MAX_BYTES]; /* "name\0value\0" ... */
} es_http_headers;

void es_http_headers_reset(es_http_headers *h);
/* Feeds one raw line as curl delivers it (status line, "Name: value", a
 * folded continuation starting with SP/HT, or the blank line), with or
 * without its CRLF. Malformed lines are counted and skipped.
 * ES_ERR_TOO_LARGE when the block exceeds the bounds above. */
ES_MUST_USE es_err es_http_headers_feed(es_http_headers *h, const char *line, size_t len);
/* Case-insensitive lookup of the first value of name, or NULL. */
const char *es_http_headers_get(const es_http_headers *h, const char *name);
/* The idx-th (0-based) value of name (repeated header lines), or NULL. */
const char *es_http_headers_get_nth(const es_http_headers *h, const char *name, size_t idx);
/* Number of lines carrying name. */
size_t es_http_headers_count_of(const es_http_headers *h, const char *name);

/* ---- request / response ------------------------------------------------ */

/* curl's receive buffer for streamed (on_body) responses and its upload
 * buffer for bodies over 64 KiB, instead of 64 KiB (request.c's receive
 * buffer for other requests; curl's upload default): fewer recv/send calls,
 * polls and loopback ACKs per megabyte. curl
 * allocates both for every transfer; at 120 KiB they stay below the daemon's
 * 128 KiB mmap threshold (src/worker/memory.h), so they come from the heap
 * rather than as fresh pages each time. Larger ones (512 KiB to receive,
 * 1 MiB to send) changed nothing measurable on a 194 MB photo: the kernel's
 * TCP work and the copies cost per byte, not per call (tests/bench/relay_bench.c). */
#define ES_HTTP_STREAM_BUFFER (120L * 1024L)

typedef struct es_http_response es_http_response;

/* Receives 2xx body bytes when streaming; a non-OK return aborts the transfer
 * and becomes the result of es_http_perform. */
typedef es_err (*es_http_body_fn)(void *ctx, const es_http_response *resp, const uint8_t *data, size_t len);

typedef struct es_http_request {
    const char *method;         /* "GET", "PUT", "POST", "HEAD", "DELETE" */
    const char *url;            /* fully encoded */
    const char *const *headers; /* "Name: value" lines, sent as given */
    size_t header_count;
    const uint8_t *body; /* may be NULL when body_len is 0 */
    size_t body_len;
    size_t max_body;         /* cap of the buffered body (ES_ERR_TOO_LARGE past it) */
    es_http_body_fn on_body; /* stream 2xx bodies here instead of buffering, or NULL */
    void *body_ctx;
    long timeout_ms;         /* whole transfer, 0 = none (low-speed limit still applies) */
    long connect_timeout_ms; /* 0 = 3000 */
    long low_speed_time_s;   /* abort when < 1 byte/s for this long; 0 = 30 */
    const char *ca_bundle;   /* NULL or "" = system default */
    bool no_proxy;           /* never through a proxy (link-local/loopback services) */
} es_http_request;

struct es_http_response {
    long status; /* 0 when no response arrived */
    es_http_headers headers;
    es_buf body;          /* buffered body (non-streamed or non-2xx), NUL-terminated */
    uint64_t streamed;    /* bytes handed to on_body */
    bool callback_failed; /* on_body refused data: the failure is the caller's */
    bool body_truncated;  /* a non-2xx body was cut at its cap (the rest was not read) */
    char error[256];      /* transport failure text (curl), "" otherwise */
};

/* Empty response; cheap: the header storage is not cleared (only what was
 * parsed into it is ever read). */
void es_http_response_init(es_http_response *r);
/* Drops body and headers, keeps the allocation for reuse. */
void es_http_response_reset(es_http_response *r);
void es_http_response_clean(es_http_response *r); /* frees; accepts NULL */

/* Performs one request. Returns ES_OK when a complete response arrived
 * (whatever its status; a non-2xx body longer than its cap is cut there and
 * body_truncated set, since the status decides what the reply means);
 * ES_ERR_NETWORK / ES_ERR_TIMEOUT on transport failures, ES_ERR_TOO_LARGE
 * when a 2xx buffered body exceeds max_body, ES_ERR_PROTOCOL when the headers
 * exceed their bounds (a fault of the endpoint, never of the object), ES_ERR_CONFIG for TLS verification/CA problems or when libcurl
 * cannot be loaded (ES_ERR_INTERNAL if it cannot be initialised),
 * ES_ERR_CANCELLED when the thread's cancel token was raised (before or
 * during the transfer; nothing is sent if it was raised before), or the
 * callback's code when on_body aborted. resp->error says why. */
ES_MUST_USE es_err es_http_perform(const es_http_request *req, es_http_response *resp);

/* curl's proxy variables (https_proxy, http_proxy, all_proxy and their
 * upper-case forms) are read by the process's first request and, when none
 * is set, not again: the environment is taken at start-up, as the AWS SDKs
 * do. Reads them again now (for a program, or a test, that changes them). */
void es_http_proxy_env_reload(void);

/* Installs flag as the calling thread's cancel token (NULL removes it) and
 * returns the previous one, so a caller can suspend cancellation around a
 * cleanup request and restore it afterwards. The token covers every request
 * the thread makes, nested ones included; other threads are unaffected. flag
 * is only read (atomically) and must stay valid while installed. */
const atomic_int *es_http_set_thread_cancel(const atomic_int *flag);
/* Installs flag as the process-wide cancel token (NULL removes it): once it
 * is raised, every thread's requests stop as with its own token, including
 * cleanup requests sent with the thread's token suspended (a daemon's hard
 * shutdown deadline). flag must stay valid while installed. */
void es_http_set_process_cancel(const atomic_int *flag);
/* True when the calling thread's token or the process-wide one is raised. */
bool es_http_thread_cancelled(void);

/* Milliseconds on CLOCK_MONOTONIC, the clock of thread deadlines. */
uint64_t es_http_now_ms(void);
/* Installs the calling thread's deadline (es_http_now_ms() time; 0 removes
 * it) and returns the previous one, so a caller can lift it around a cleanup
 * request. Every request the thread makes, nested ones (credentials)
 * included, then ends by it: one begun after it fails at once, one in flight
 * is stopped; both as ES_ERR_TIMEOUT, resp->error saying the deadline passed. */
uint64_t es_http_set_thread_deadline(uint64_t deadline_ms);
/* True when the calling thread has a deadline and it has passed. */
bool es_http_thread_deadline_passed(void);

/* Maps a libcurl result code (CURLcode) to es_err. */
es_err es_http_map_curl_code(int curl_code);

/* Whether url's authority (after "scheme://", or from the start when there
 * is no scheme, as curl reads it; up to the first '/', '?' or '#') holds user
 * info ("user:password@host"): a secret that a message about the URL must not
 * repeat (configured_url.c). */
bool es_url_has_userinfo(const char *url);

/* Whether url starts with http:// or https:// (any case). */
bool es_url_is_http(const char *url);

/* The check every URL taken from the environment or a profile passes (the
 * AWS endpoints, the queues, the credential sources' and STS's): no user
 * info (refused without showing the value), then an http:// or https://
 * scheme. ES_ERR_CONFIG with "SOURCE: VAR: ..." (or "VAR: ..." when source
 * is NULL) in err on failure. */
es_err es_url_check_configured(const char *source, const char *var, const char *url, es_error *err);

/* The DNS suffix of region's AWS partition, as the SDKs' partitions.json
 * names it: "amazonaws.com.cn" for cn-*, "c2s.ic.gov" for us-iso-*, ...,
 * "amazonaws.com" for any other region (partition.c). */
const char *es_aws_dns_suffix(const char *region);

#endif
