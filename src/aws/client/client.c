/* client.c - the signed, retried call shared by S3 and SQS (client.h).
 *
 * Each attempt fetches credentials from the provider, signs with a fresh
 * x-amz-date (local time + the learned clock offset) and sends the request.
 * Failures are classified by aws/http/retry.c; retries sleep with full jitter and draw
 * on the client's retry quota. Nothing secret ever reaches es_aws_result: the
 * texts are built from status, codes and server messages: an error body is
 * scrubbed of the secret key and session token before anything is read from
 * it, and the final texts once more (common/redact.h). */
#include "aws/client/client.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/log.h"
#include "aws/sigv4/sigv4.h"
#include "common/redact.h"

#define S_URL_MAX (16u * 1024u)

struct es_aws_client {
    es_aws_config cfg;
    es_creds_provider *creds;
    const es_aws_service *svc;
    es_aws_endpoint ep;
    bool custom;
    es_retry_state retry;
    _Atomic long clock_offset;
};

es_aws_client *es_aws_client_new(const es_aws_config *cfg, es_creds_provider *creds,
                                 const es_aws_service *svc, const char *endpoint_url)
{
    if (!cfg || !creds || !svc || !svc->name || !cfg->region[0])
        return NULL;
    es_aws_client *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->cfg = *cfg;
    if (c->cfg.max_attempts < 1)
        c->cfg.max_attempts = 1;
    c->svc = svc;
    char regional[256];
    c->custom = endpoint_url && endpoint_url[0];
    if (!c->custom) {
        if (es_aws_regional_endpoint(svc->name, cfg->region, regional, sizeof regional) != ES_OK)
            goto err;
        endpoint_url = regional;
    }
    if (es_aws_endpoint_parse(endpoint_url, &c->ep) != ES_OK)
        goto err;
    uint64_t seed = (uint64_t)time(NULL) ^ ((uint64_t)(uintptr_t)c << 16) ^ (uint64_t)getpid();
    es_retry_state_init(&c->retry, seed);
    atomic_init(&c->clock_offset, 0);
    c->creds = es_creds_provider_acquire(creds);
    return c;
err:
    free(c);
    return NULL;
}

void es_aws_client_free(es_aws_client *c)
{
    if (!c)
        return;
    es_creds_provider_release(c->creds);
    es_retry_state_destroy(&c->retry);
    free(c);
}

const es_aws_endpoint *es_aws_client_endpoint(const es_aws_client *c) { return &c->ep; }
bool es_aws_client_custom_endpoint(const es_aws_client *c) { return c->custom; }
const es_aws_config *es_aws_client_config(const es_aws_client *c) { return &c->cfg; }

void es_aws_client_describe(const es_aws_client *c, char *out, size_t cap)
{
    es_fmt(out, cap, "%s://%s%s (%s)", c->ep.https ? "https" : "http", c->ep.host, c->ep.base_path,
           c->cfg.region);
}

void es_aws_client_set_retry_hooks(es_aws_client *c, es_retry_sleep_fn sleep_fn, void *sleep_ctx,
                                   es_retry_random_fn random_fn, void *random_ctx)
{
    c->retry.sleep = sleep_fn;
    c->retry.sleep_ctx = sleep_ctx;
    c->retry.random = random_fn;
    c->retry.random_ctx = random_ctx;
}

long es_aws_client_clock_offset(const es_aws_client *c) { return atomic_load(&c->clock_offset); }
void es_aws_client_set_clock_offset(es_aws_client *c, long offset_s)
{
    atomic_store(&c->clock_offset, offset_s);
}
int es_aws_client_retry_tokens(es_aws_client *c) { return es_retry_quota_available(&c->retry); }

char *es_aws_encode_path(const char *base_path, const char *path)
{
    es_buf b;
    es_buf_init(&b, S_URL_MAX);
    es_buf_puts(&b, base_path ? base_path : "");
    es_buf_uri_encoded(&b, path, strlen(path), 1);
    return es_buf_take(&b);
}

char *es_aws_client_url(const es_aws_client *c, const char *host_prefix, const char *path, const char *query)
{
    es_buf b;
    es_buf_init(&b, S_URL_MAX);
    es_buf_printf(&b, "%s://%s%s", c->ep.https ? "https" : "http", host_prefix ? host_prefix : "", c->ep.host);
    es_buf_puts(&b, c->ep.base_path);
    es_buf_uri_encoded(&b, path, strlen(path), 1);
    if (query && query[0])
        es_buf_printf(&b, "?%s", query);
    return es_buf_take(&b);
}

void es_aws_result_redact(es_aws_result *res, const es_creds *creds)
{
    if (!res || !creds)
        return;
    const char *secrets[] = {creds->secret_access_key, creds->session_token};
    es_redact(res->message, sizeof res->message, secrets, 2);
    es_redact(res->aws_code, sizeof res->aws_code, secrets, 2);
    es_redact(res->request_id, sizeof res->request_id, secrets, 2);
}

/* Scrubs an error body before anything is copied (and cut) out of it: a
 * server may echo the session token in a <Message>. */
static void s_redact_body(es_http_response *resp, const es_creds *creds)
{
    if (!resp->body.data || resp->body.len == 0)
        return;
    const char *secrets[] = {creds->secret_access_key, creds->session_token};
    es_redact(resp->body.data, resp->body.len + 1, secrets, 2);
    resp->body.len = strlen(resp->body.data);
}

es_err es_aws_bad_arg(es_aws_result *res, const char *what)
{
    if (res) {
        es_aws_result_clear(res);
        res->code = ES_ERR_INVALID_ARG;
        es_fmt(res->message, sizeof res->message, "invalid argument: %s", what);
    }
    return ES_ERR_INVALID_ARG;
}

static bool s_header_value_ok(const char *v)
{
    for (; *v; v++)
        if ((unsigned char)*v < 0x20 && *v != '\t')
            return false;
    return true;
}

/* Everything an attempt needs that does not change between attempts. */
typedef struct s_call {
    es_aws_client *c;
    const es_aws_request *req;
    char *url;
    char *host;      /* Host header value */
    char *sign_path; /* raw path incl. base path, as the signer wants it */
    char payload_hash[65];
    long signed_offset; /* the clock offset the last attempt was signed with */
} s_call;

/* "Name: value" for curl; an empty value must be written "Name;" (curl reads
 * "Name:" as "remove this header", and does not send a line whose value is
 * only blanks: such a value is sent as empty, as the signer trims it). */
static char *s_line(const char *name, const char *value)
{
    size_t nl = strlen(name), vl = strlen(value);
    if (strspn(value, " \t") == vl)
        vl = 0;
    char *s = malloc(nl + vl + 3);
    if (!s)
        return NULL;
    memcpy(s, name, nl);
    if (vl) {
        memcpy(s + nl, ": ", 2);
        memcpy(s + nl + 2, value, vl + 1);
    } else {
        memcpy(s + nl, ";", 2);
    }
    return s;
}

/* Signs and sends one attempt. Returns the transport result. */
static es_err s_attempt(s_call *k, const es_creds *creds, es_http_response *resp, es_aws_result *res)
{
    const es_aws_request *req = k->req;
    es_aws_client *c = k->c;
    size_t nh = req->header_count + 1;
    es_sigv4_header *sh = calloc(nh, sizeof *sh);
    char **lines = calloc(nh + 4, sizeof *lines);
    es_sigv4_signed sig;
    memset(&sig, 0, sizeof sig);
    es_err rc = ES_ERR_NOMEM;
    size_t nl = 0;
    if (!sh || !lines)
        goto done;
    sh[0].name = (char *)"host";
    sh[0].value = k->host;
    for (size_t i = 0; i < req->header_count; i++) {
        sh[i + 1].name = (char *)req->headers[i].name;
        sh[i + 1].value = (char *)req->headers[i].value;
    }
    k->signed_offset = atomic_load(&c->clock_offset);
    es_sigv4_config scfg = {
        .region = c->cfg.region,
        .service = c->svc->name,
        .date = time(NULL) + k->signed_offset,
        .creds = creds,
        .payload_hash = k->payload_hash,
        .flags = c->svc->sign_flags,
    };
    es_sigv4_request sreq = {req->method, k->sign_path, req->query, sh, nh};
    es_error err;
    es_error_clear(&err);
    rc = es_sigv4_sign_headers(&scfg, &sreq, &sig, &err);
    if (rc != ES_OK) {
        es_fmt(res->message, sizeof res->message, "signing failed: %s", err.msg);
        goto done;
    }
    rc = ES_ERR_NOMEM;
    for (size_t i = 0; i < nh; i++)
        if (!(lines[nl++] = s_line(sh[i].name, sh[i].value)))
            goto done;
    for (size_t i = 0; i < sig.header_count && i < 4; i++)
        if (!(lines[nl++] = s_line(sig.headers[i].name, sig.headers[i].value)))
            goto done;
    long low_speed = c->cfg.low_speed_time_s;
    if (req->min_low_speed_s > low_speed)
        low_speed = req->min_low_speed_s;
    es_http_request hreq = {
        .method = req->method,
        .url = k->url,
        .headers = (const char *const *)lines,
        .header_count = nl,
        .body = req->body,
        .body_len = req->body_len,
        .max_body = req->max_response ? req->max_response : ES_AWS_DEFAULT_MAX_RESPONSE,
        .on_body = req->on_body,
        .body_ctx = req->body_ctx,
        .timeout_ms = req->timeout_ms,
        .connect_timeout_ms = c->cfg.connect_timeout_ms,
        .low_speed_time_s = low_speed,
        .ca_bundle = c->cfg.ca_bundle,
    };
    rc = es_http_perform(&hreq, resp);
done:
    if (lines) {
        /* The authorization and token lines are secrets: wipe before freeing. */
        for (size_t i = 0; i < nl; i++) {
            if (lines[i])
                memset(lines[i], 0, strlen(lines[i]));
            free(lines[i]);
        }
    }
    free(lines);
    free(sh);
    es_sigv4_signed_clean(&sig);
    return rc;
}

static void s_request_id(const es_http_response *resp, es_aws_result *res)
{
    if (res->request_id[0])
        return;
    const char *id = es_http_headers_get(&resp->headers, "x-amz-request-id");
    if (!id)
        id = es_http_headers_get(&resp->headers, "x-amzn-RequestId");
    if (id)
        snprintf(res->request_id, sizeof res->request_id, "%s", id);
}

/* Turns the last attempt's details into the final human-readable message. */
static void s_final_message(es_aws_result *res, es_err transport, const es_http_response *resp, const char *note)
{
    char msg[sizeof res->message];
    if (transport != ES_OK && resp->error[0])
        es_fmt(msg, sizeof msg, "%s: %s", es_strerror(transport), resp->error);
    else if (transport != ES_OK)
        es_fmt(msg, sizeof msg, "%s%s%s", es_strerror(transport), res->message[0] ? ": " : "", res->message);
    else if (res->aws_code[0])
        es_fmt(msg, sizeof msg, "HTTP %ld %s%s%s", res->http_status, res->aws_code,
               res->message[0] ? ": " : "", res->message);
    else
        es_fmt(msg, sizeof msg, "HTTP %ld%s%s", res->http_status, res->message[0] ? ": " : "", res->message);
    if (note) {
        size_t n = strlen(msg);
        es_fmt(msg + n, sizeof msg - n, " (%s)", note);
    }
    es_fmt(res->message, sizeof res->message, "%s", msg);
}

static es_err s_prepare(s_call *k)
{
    es_aws_client *c = k->c;
    const es_aws_request *req = k->req;
    ES_ENSURE(req->method && req->path && req->path[0] == '/', ES_ERR_INVALID_ARG);
    ES_ENSURE(req->body || req->body_len == 0, ES_ERR_INVALID_ARG);
    for (size_t i = 0; i < req->header_count; i++)
        ES_ENSURE(req->headers[i].name && req->headers[i].value && s_header_value_ok(req->headers[i].value),
                  ES_ERR_INVALID_ARG);
    const char *prefix = req->host_prefix ? req->host_prefix : "";
    size_t hn = strlen(prefix) + strlen(c->ep.host) + 1;
    k->host = malloc(hn);
    ES_ENSURE(k->host, ES_ERR_NOMEM);
    snprintf(k->host, hn, "%s%s", prefix, c->ep.host);
    size_t pn = strlen(c->ep.base_path) + strlen(req->path) + 1;
    k->sign_path = malloc(pn);
    ES_ENSURE(k->sign_path, ES_ERR_NOMEM);
    snprintf(k->sign_path, pn, "%s%s", c->ep.base_path, req->path);
    k->url = es_aws_client_url(c, req->host_prefix, req->path, req->query);
    ES_ENSURE(k->url, ES_ERR_TOO_LARGE);
    if (req->unsigned_payload)
        snprintf(k->payload_hash, sizeof k->payload_hash, "%s", ES_SIGV4_UNSIGNED_PAYLOAD);
    else
        es_sigv4_sha256_hex(req->body ? (const void *)req->body : "", req->body_len, k->payload_hash);
    return ES_OK;
}

enum { S_GIVE_UP, S_RETRY_NOW, S_RETRY_LATER };

/* Whether an answer may say that the session token of creds expired: its
 * error code does, or it is an S3 HEAD refused with 400 and no body (a HEAD
 * answer carries no error code; a bucket in another region says so in
 * x-amz-bucket-region) while creds are temporary. */
static bool s_token_expired(const es_aws_request *req, const es_http_response *resp, const es_aws_result *res,
                            const es_creds *creds)
{
    if (!strcmp(res->aws_code, "ExpiredToken") || !strcmp(res->aws_code, "ExpiredTokenException"))
        return true;
    return !strcmp(req->method, "HEAD") && res->http_status == 400 && !res->aws_code[0] &&
           creds->session_token[0] && !es_http_headers_get(&resp->headers, "x-amz-bucket-region");
}

/* After an answer that the session token expired: whether the credentials
 * the cache gives now (fetched anew if still those) differ from used, so
 * that sending again may help. */
static bool s_renew_credentials(es_aws_client *c, const es_creds *used)
{
    es_creds fresh;
    es_creds_expired(c->creds, used);
    bool renewed = es_creds_get(c->creds, &fresh, NULL) == ES_OK &&
                   (strcmp(fresh.access_key_id, used->access_key_id) != 0 ||
                    strcmp(fresh.session_token, used->session_token) != 0);
    es_creds_clear(&fresh);
    return renewed;
}

/* Decides whether a failed attempt is retried (at once after a clock-skew
 * correction, after a backoff otherwise); *note explains a refusal. The
 * skew is judged with the offset the attempt was signed with, not the
 * client's offset now: requests signed together all fail together, and the
 * first answer's correction must not make the others look unskewed. The one
 * that changes the offset says so in the log (the host's clock is wrong). */
static int s_should_retry(es_aws_client *c, const s_call *k, const es_retry_class *cls,
                          const es_http_response *resp, int attempt, bool *skew_fixed, int *last_cost,
                          const char **note)
{
    if (cls->maybe_skew && !*skew_fixed) {
        long delta = 0;
        const char *date = es_http_headers_get(&resp->headers, "Date");
        if (es_retry_clock_skew(date, time(NULL) + k->signed_offset, &delta)) {
            long expected = k->signed_offset;
            if (atomic_compare_exchange_strong(&c->clock_offset, &expected, k->signed_offset + delta))
                ES_LOG(ES_LOG_WARN, "clock.skew_corrected", ES_LF_STR("service", c->svc->name),
                       ES_LF_INT("offset_s", k->signed_offset + delta),
                       ES_LF_STR("reason", "the service's clock differs from this host's: requests are "
                                           "signed for the service's time (check the host's time sync)"));
            *skew_fixed = true;
            *note = "clock skew corrected";
            return attempt < c->cfg.max_attempts ? S_RETRY_NOW : S_GIVE_UP;
        }
    }
    if (!cls->retryable || attempt >= c->cfg.max_attempts)
        return S_GIVE_UP;
    if (es_http_thread_deadline_passed()) {
        *note = "the caller's deadline passed, not retried";
        return S_GIVE_UP;
    }
    if (resp->streamed > 0) {
        *note = "body already delivered, not retried";
        return S_GIVE_UP;
    }
    int cost = cls->is_timeout ? ES_RETRY_TIMEOUT_COST : ES_RETRY_COST;
    if (!es_retry_quota_acquire(&c->retry, cost)) {
        *note = "retry quota exhausted";
        return S_GIVE_UP;
    }
    *last_cost = cost;
    return S_RETRY_LATER;
}

enum { S_SUCCEEDED, S_FAILED, S_CLASSIFIED };

/* Interprets one attempt: success (res->code ES_OK), a final failure that
 * needs no classification (res filled), or a failure described by *cls. */
static int s_outcome(es_aws_client *c, const es_aws_request *req, es_err tr, es_http_response *resp,
                     const es_creds *creds, es_aws_result *res, es_retry_class *cls)
{
    res->http_status = resp->status;
    /* The answer's headers name it even when its body then failed (a
     * dropped connection, the caller's own callback refusing it). */
    s_request_id(resp, res);
    if (tr != ES_OK) {
        *cls = es_retry_classify(tr, resp->status, NULL);
        if (resp->callback_failed) /* the caller's own failure: never retried */
            cls->retryable = false;
        else if (tr == ES_ERR_TOO_LARGE) { /* a buffered answer over its cap: the service's fault, not the input's */
            res->answer_too_large = true;
            cls->code = ES_ERR_PROTOCOL;
        }
        return S_CLASSIFIED;
    }
    if (resp->status < 200 || resp->status > 299) {
        s_redact_body(resp, creds);
        if (c->svc->parse_error)
            c->svc->parse_error(resp, res);
        *cls = es_retry_classify(ES_OK, resp->status, res->aws_code);
        return S_CLASSIFIED;
    }
    es_err rc = req->on_success ? req->on_success(req->success_ctx, resp, res) : ES_OK;
    if (rc == ES_OK) {
        res->code = ES_OK;
        res->message[0] = '\0';
        return S_SUCCEEDED;
    }
    if (!res->aws_code[0]) { /* a malformed body: final as it is */
        res->code = rc;
        s_final_message(res, ES_OK, resp, es_strerror(rc));
        return S_FAILED;
    }
    *cls = es_retry_classify(ES_OK, resp->status, res->aws_code); /* 200 carrying an error */
    return S_CLASSIFIED;
}

es_err es_aws_call(es_aws_client *c, const es_aws_request *req, es_http_response *resp, es_aws_result *res)
{
    es_aws_result scratch;
    if (!res)
        res = &scratch;
    es_aws_result_clear(res);
    if (!c || !req)
        return res->code = ES_ERR_INVALID_ARG;
    es_http_response local;
    es_http_response_init(&local);
    if (!resp)
        resp = &local;
    s_call k = {.c = c, .req = req};
    es_creds creds;
    memset(&creds, 0, sizeof creds);
    es_err rc = s_prepare(&k);
    if (rc != ES_OK) {
        snprintf(res->message, sizeof res->message, "cannot build the request: %s", es_strerror(rc));
        res->code = rc;
        goto out;
    }
    bool skew_fixed = false, creds_renewed = false;
    int last_cost = 0;
    for (int attempt = 1;; attempt++) {
        const char *note = NULL;
        res->attempts = attempt;
        res->aws_code[0] = res->message[0] = res->request_id[0] = '\0';
        res->http_status = 0;
        res->answer_too_large = false;
        es_error err;
        es_error_clear(&err);
        rc = es_creds_get(c->creds, &creds, &err);
        if (rc != ES_OK) {
            es_fmt(res->message, sizeof res->message, "credentials: %s",
                   err.msg[0] ? err.msg : es_strerror(rc));
            res->code = rc;
            break;
        }
        es_http_response_reset(resp); /* nothing stale if signing fails before sending */
        es_err tr = s_attempt(&k, &creds, resp, res);
        es_retry_class cls;
        int outcome = s_outcome(c, req, tr, resp, &creds, res, &cls);
        if (outcome == S_SUCCEEDED) {
            es_retry_quota_release(&c->retry, last_cost ? last_cost : ES_RETRY_SUCCESS_REFUND);
            break;
        }
        if (outcome == S_FAILED)
            break;
        if (!creds_renewed && attempt < c->cfg.max_attempts && s_token_expired(req, resp, res, &creds)) {
            /* expired by the service's clock, whatever this host's says: sent
             * again once, if there are other credentials to send it with */
            creds_renewed = true;
            if (s_renew_credentials(c, &creds)) {
                ES_LOG(ES_LOG_WARN, "creds.expired", ES_LF_STR("service", c->svc->name),
                       ES_LF_STR("source", creds.source),
                       ES_LF_STR("reason", "the service refused the credentials as expired: fetched anew and "
                                           "sent again (each rotation doing so: check the host's time sync)"));
                continue;
            }
        }
        int next = s_should_retry(c, &k, &cls, resp, attempt, &skew_fixed, &last_cost, &note);
        if (next == S_RETRY_LATER)
            es_retry_sleep(&c->retry, es_retry_backoff_ms(attempt, ES_RETRY_BASE_MS, ES_RETRY_CAP_MS,
                                                          es_retry_random(&c->retry)));
        if (next != S_GIVE_UP)
            continue;
        char cap_note[96];
        if (!note && tr == ES_OK && res->http_status >= 300 && res->http_status <= 399)
            note = "a redirect, not followed: check the endpoint and the region";
        if (res->answer_too_large && !note) {
            es_fmt(cap_note, sizeof cap_note, "over %zu bytes",
                   req->max_response ? req->max_response : (size_t)ES_AWS_DEFAULT_MAX_RESPONSE);
            note = cap_note;
        }
        res->code = cls.code;
        s_final_message(res, tr != ES_OK ? cls.code : ES_OK, resp, note);
        break;
    }
    es_aws_result_redact(res, &creds);
    es_creds_clear(&creds);
out:
    free(k.url);
    free(k.host);
    free(k.sign_path);
    es_http_response_clean(&local);
    return res->code;
}
