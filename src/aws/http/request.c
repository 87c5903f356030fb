/* request.c - es_http_perform over libcurl, which is loaded on first use
 * (curl_dl.h); a failure to load it is this layer's failure to send.
 *
 * Easy handles live in thread-local storage (one per nesting level, see
 * below) and are reset, not recreated, for every request, which keeps their
 * connection cache: calls from one worker thread reuse the same TCP/TLS
 * connection. Request bodies are sent from memory; response bodies go to a
 * capped buffer or, for 2xx replies when the caller asks, to a streaming
 * callback. A thread's cancel token and the process-wide one are polled from
 * curl's progress callback, which curl calls about once a second even while
 * nothing arrives. */
#include "aws/http/http.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "aws/http/curl_dl.h"
#include "aws/http/tls_trust.h"

#define S_ERROR_BODY_CAP (64u * 1024u) /* non-2xx bodies while streaming */
#define S_DEFAULT_CONNECT_MS 3000L
#define S_DEFAULT_LOW_SPEED_S 30L
#define S_CURL_DEFAULT_UPLOAD_BUFFER (64u * 1024u) /* CURLOPT_UPLOAD_BUFFERSIZE's default */
/* curl's receive buffer (its default is 16 KiB): each fill is one poll and
 * one recv, so a body arrives in a quarter of the system calls. Heap memory
 * per handle (under the worker's mmap threshold), only touched as used.
 * Streamed bodies (objects) get ES_HTTP_STREAM_BUFFER. */
#define S_RECV_BUFFER 65536L

/* Per-thread handles, one per nesting level: a body callback may itself make
 * requests (the worker uploads parts while a GET is streaming), and a handle
 * must never be reset while its transfer is running. Each level keeps its own
 * connection cache. */
#define S_MAX_NESTING 4

typedef struct s_thread_state {
    CURL *handles[S_MAX_NESTING];
    /* The CA file and directory each handle's connections were verified
     * against (shared store, tls_trust.h), or NULL: curl cannot tell
     * connections made under different stores apart, so a handle asked for
     * another one is replaced. */
    char *trust_file[S_MAX_NESTING], *trust_dir[S_MAX_NESTING];
    /* The store's generation (es_tls_trust_generation) when each handle was
     * last used: a rebuilt store (a rotated CA file) replaces the handle too,
     * since curl would resume TLS sessions verified under the old one. */
    unsigned long trust_gen[S_MAX_NESTING];
    int depth;
} s_thread_state;

/* The calling thread's cancel token (es_http_set_thread_cancel), or NULL. */
static _Thread_local const atomic_int *s_cancel_token;
/* The process-wide one (es_http_set_process_cancel), or NULL. */
static const atomic_int *_Atomic s_process_token;
/* The calling thread's deadline (es_http_set_thread_deadline), or 0. */
static _Thread_local uint64_t s_deadline_ms;

static pthread_once_t s_once = PTHREAD_ONCE_INIT;
static pthread_key_t s_key;
static bool s_key_ok;

/* Runs at thread exit; handles exist only once libcurl was loaded. */
static void s_state_destroy(void *p)
{
    s_thread_state *st = p;
    const es_curl_api *cu = es_curl_api_get(NULL);
    for (int i = 0; cu && i < S_MAX_NESTING; i++)
        if (st->handles[i])
            cu->easy_cleanup(st->handles[i]);
    for (int i = 0; i < S_MAX_NESTING; i++) {
        free(st->trust_file[i]);
        free(st->trust_dir[i]);
    }
    free(st);
}

static void s_key_init(void) { s_key_ok = pthread_key_create(&s_key, s_state_destroy) == 0; }

static s_thread_state *s_state(void)
{
    pthread_once(&s_once, s_key_init);
    if (!s_key_ok)
        return NULL;
    s_thread_state *st = pthread_getspecific(s_key);
    if (!st) {
        st = calloc(1, sizeof *st);
        if (st && pthread_setspecific(s_key, st) != 0) {
            free(st);
            st = NULL;
        }
    }
    return st;
}

static bool s_same_text(const char *a, const char *b) { return a == b || (a && b && !strcmp(a, b)); }

/* Replaces *slot with a copy of text (NULL stays NULL); false when out of memory. */
static bool s_set_text(char **slot, const char *text)
{
    free(*slot);
    *slot = text ? strdup(text) : NULL;
    return !text || *slot;
}

/* The handle for the current nesting level, reset for a new request whose
 * TLS connections are verified against the shared store of (file, dir) in
 * its generation gen, or by curl's own CA loading when file is NULL (a
 * request without TLS, !tls, takes the handle whatever it was used for);
 * pair with s_handle_release. NULL when nested too deeply or out of memory. */
static CURL *s_handle_acquire(const es_curl_api *cu, bool tls, const char *file, const char *dir,
                              unsigned long gen)
{
    s_thread_state *st = s_state();
    if (!st || st->depth >= S_MAX_NESTING)
        return NULL;
    int d = st->depth;
    CURL **slot = &st->handles[d];
    bool same = !tls || (s_same_text(st->trust_file[d], file) &&
                         s_same_text(st->trust_dir[d], file ? dir : NULL) && st->trust_gen[d] == gen);
    if (!same) {
        if (*slot)
            cu->easy_cleanup(*slot); /* with its connections and TLS sessions */
        *slot = NULL;
        if (!(s_set_text(&st->trust_file[d], file) && s_set_text(&st->trust_dir[d], file ? dir : NULL))) {
            s_set_text(&st->trust_file[d], NULL); /* never a half-recorded key */
            return NULL;
        }
        st->trust_gen[d] = gen;
    }
    if (*slot)
        cu->easy_reset(*slot);
    else
        *slot = cu->easy_init();
    if (!*slot)
        return NULL;
    st->depth++;
    return *slot;
}

static void s_handle_release(void)
{
    s_thread_state *st = pthread_getspecific(s_key);
    if (st && st->depth > 0)
        st->depth--;
}

/* The header block's 66 KB of storage is not cleared: only its first `used`
 * bytes and `count` fields are ever read, and a memset per request (twice per
 * signed call) cost more than parsing the replies. */
void es_http_response_init(es_http_response *r)
{
    memset(&r->body, 0, sizeof r->body);
    es_http_response_reset(r);
}

void es_http_response_reset(es_http_response *r)
{
    r->status = 0;
    es_http_headers_reset(&r->headers);
    es_buf_reset(&r->body);
    r->streamed = 0;
    r->callback_failed = false;
    r->body_truncated = false;
    r->error[0] = '\0';
}

void es_http_response_clean(es_http_response *r)
{
    if (!r)
        return;
    es_buf_free(&r->body);
    es_http_response_init(r);
}

const atomic_int *es_http_set_thread_cancel(const atomic_int *flag)
{
    const atomic_int *prev = s_cancel_token;
    s_cancel_token = flag;
    return prev;
}

void es_http_set_process_cancel(const atomic_int *flag) { atomic_store(&s_process_token, flag); }

static bool s_raised(const atomic_int *token) { return token && atomic_load(token) != 0; }

bool es_http_thread_cancelled(void)
{
    return s_raised(s_cancel_token) || s_raised(atomic_load(&s_process_token));
}

uint64_t es_http_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

uint64_t es_http_set_thread_deadline(uint64_t deadline_ms)
{
    uint64_t prev = s_deadline_ms;
    s_deadline_ms = deadline_ms;
    return prev;
}

static bool s_past(uint64_t deadline_ms) { return deadline_ms && es_http_now_ms() >= deadline_ms; }

bool es_http_thread_deadline_passed(void) { return s_past(s_deadline_ms); }

/* CURLE_TOO_LARGE, which curl 8.6 added (the headers built against may be
 * older than the libcurl loaded at run time). */
#define S_CURLE_TOO_LARGE 100

es_err es_http_map_curl_code(int curl_code)
{
    switch ((CURLcode)curl_code) {
    case CURLE_OK: return ES_OK;
    case CURLE_OPERATION_TIMEDOUT: return ES_ERR_TIMEOUT;
    case CURLE_OUT_OF_MEMORY: return ES_ERR_NOMEM;
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_BAD_FUNCTION_ARGUMENT: return ES_ERR_INVALID_ARG;
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
        return ES_ERR_CONFIG; /* retrying will not fix a certificate problem */
    case CURLE_FILESIZE_EXCEEDED: return ES_ERR_TOO_LARGE;
    case CURLE_ABORTED_BY_CALLBACK: return ES_ERR_CANCELLED;
    default: return ES_ERR_NETWORK; /* resolve, connect, send, recv, reset, TLS handshake ... */
    }
}

typedef struct s_transfer {
    const es_http_request *req;
    es_http_response *resp;
    const char *trust_file;           /* CA file of the shared store (tls_trust.h), or NULL: curl's own */
    const char *trust_dir;            /* its CA directory ("" = none) */
    unsigned long trust_gen;          /* the store's generation the request was checked against */
    int proxy_env;                    /* s_proxy_env() for this request */
    es_err cb_err;                    /* failure raised inside a callback */
    int mode;                         /* 0 undecided, 1 stream, 2 buffer (into resp->body) */
    const atomic_int *cancel;         /* the thread's token when the request began, or NULL */
    const atomic_int *process_cancel; /* the process-wide token then, or NULL */
    uint64_t deadline_ms;             /* the thread's deadline then, or 0 */
    bool cancelled;                   /* the progress callback saw the token raised */
    bool deadline_passed;             /* ... or the deadline passed */
    bool headers_overflow;            /* the header block exceeded es_http_headers' bounds */
    bool error_body_cut;              /* a non-2xx body reached its cap: the transfer ended there */
} s_transfer;

/* curl's progress callback: about once a second while the transfer is idle,
 * more often while data moves. A nonzero return aborts the transfer
 * (CURLE_ABORTED_BY_CALLBACK). Only installed when there is a token or a
 * deadline. */
static int s_on_progress(void *clientp, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                         curl_off_t ulnow)
{
    (void)dltotal;
    (void)dlnow;
    (void)ultotal;
    (void)ulnow;
    s_transfer *t = clientp;
    if (s_past(t->deadline_ms)) {
        t->deadline_passed = true;
        return 1;
    }
    if (!s_raised(t->cancel) && !s_raised(t->process_cancel))
        return 0;
    t->cancelled = true;
    return 1;
}

static size_t s_on_header(char *data, size_t size, size_t nmemb, void *userdata)
{
    s_transfer *t = userdata;
    size_t len = size * nmemb;
    es_err rc = es_http_headers_feed(&t->resp->headers, data, len);
    if (rc != ES_OK) {
        t->headers_overflow = rc == ES_ERR_TOO_LARGE;
        t->cb_err = rc == ES_ERR_TOO_LARGE ? ES_ERR_PROTOCOL : rc;
        return 0;
    }
    return len;
}

static size_t s_on_body(char *data, size_t size, size_t nmemb, void *userdata)
{
    s_transfer *t = userdata;
    size_t len = size * nmemb;
    if (t->mode == 0) {
        int st = t->resp->headers.status;
        bool ok = st >= 200 && st < 300;
        t->mode = (ok && t->req->on_body) ? 1 : 2;
        if (t->mode == 2 && t->req->on_body)
            t->resp->body.max = S_ERROR_BODY_CAP;
    }
    es_err rc;
    if (t->mode == 1) {
        rc = t->req->on_body(t->req->body_ctx, t->resp, (const uint8_t *)data, len);
        if (rc == ES_OK)
            t->resp->streamed += len;
        else
            t->resp->callback_failed = true;
    } else {
        es_buf *b = &t->resp->body;
        int st = t->resp->headers.status;
        size_t room = b->max - b->len;
        if (len > room && (st < 200 || st > 299)) {
            /* An error body (a proxy's HTML page, an endless stream): keep
             * what fits and stop reading; the status says what happened. */
            rc = es_buf_append(b, data, room);
            t->error_body_cut = rc == ES_OK;
            t->resp->body_truncated = rc == ES_OK;
            if (rc == ES_OK)
                return CURL_WRITEFUNC_ERROR; /* ends the transfer; es_http_perform reports ES_OK */
        } else {
            rc = es_buf_append(b, data, len);
        }
    }
    if (rc != ES_OK) {
        t->cb_err = rc;
        return CURL_WRITEFUNC_ERROR;
    }
    return len;
}

/* curl's CURLOPT_SSL_CTX_FUNCTION, once per new TLS connection: the
 * process-wide CA store instead of one curl would build for this handle. */
static CURLcode s_on_ssl_ctx(CURL *h, void *ssl_ctx, void *userdata)
{
    (void)h;
    s_transfer *t = userdata;
    es_err rc = es_tls_trust_attach(ssl_ctx, t->trust_file, t->trust_dir, t->trust_gen, t->resp->error,
                                    sizeof t->resp->error);
    if (rc == ES_OK)
        return CURLE_OK;
    t->cb_err = rc;
    return CURLE_SSL_CACERT_BADFILE;
}

/* What curl's proxy variables said when they were read (s_proxy_env): none
 * set, set without an https:// proxy, or naming one. */
enum { S_PROXY_ENV_UNREAD, S_PROXY_ENV_NONE, S_PROXY_ENV_PLAIN, S_PROXY_ENV_HTTPS };
static atomic_int s_proxy_env_state = S_PROXY_ENV_UNREAD;

/* HTTP_PROXY is among them though curl never honours it (a CGI program's
 * environment can set it from a request header): it only ever makes the
 * answer the safe one, read per request or kept from the shared store. */
static int s_read_proxy_env(void)
{
    static const char *const vars[] = {"https_proxy", "HTTPS_PROXY", "http_proxy",
                                       "HTTP_PROXY",  "all_proxy",   "ALL_PROXY"};
    int state = S_PROXY_ENV_NONE;
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
        const char *v = getenv(vars[i]);
        if (v && strncasecmp(v, "https://", 8) == 0)
            return S_PROXY_ENV_HTTPS;
        if (v)
            state = S_PROXY_ENV_PLAIN;
    }
    return state;
}

void es_http_proxy_env_reload(void) { atomic_store(&s_proxy_env_state, s_read_proxy_env()); }

/* The proxy variables as the process's first request read them: the
 * environment is taken at start-up, as the AWS SDKs do, rather than read
 * six times per request. Where none was set, requests tell curl so
 * (CURLOPT_PROXY "" and CURLOPT_NOPROXY "*": an empty proxy alone still has
 * curl 7.88 read no_proxy and NO_PROXY first), so curl reads none of them
 * either and both sides agree whatever changes later. Where one was, they
 * are read per request as curl does (S_PROXY_ENV_PLAIN is never cached: a
 * variable changed later to an https:// proxy must not reach the shared
 * store, see s_https_proxy). */
static int s_proxy_env(void)
{
    int state = atomic_load(&s_proxy_env_state);
    if (state == S_PROXY_ENV_UNREAD) {
        int read = s_read_proxy_env(), unread = S_PROXY_ENV_UNREAD;
        /* a reload in between wins over this older reading */
        state = atomic_compare_exchange_strong(&s_proxy_env_state, &unread, read) ? read : unread;
    }
    return state == S_PROXY_ENV_NONE ? state : s_read_proxy_env();
}

/* True when one of curl's proxy variables names an https:// proxy: curl then
 * runs s_on_ssl_ctx for the proxy's TLS too and loads the proxy's CA
 * defaults into whatever store the SSL_CTX holds, which must never be the
 * shared one (tls_trust.h). Conservative: every variable, whatever the
 * request's scheme, and NO_PROXY is not consulted. */
static bool s_https_proxy(int proxy_env) { return proxy_env == S_PROXY_ENV_HTTPS; }

/* Whether curl's no_proxy (or NO_PROXY) list names host (len bytes): "*", or
 * an entry equal to it or a domain it is under (a leading dot ignored). An
 * entry with a '/' (a CIDR range, curl 7.86 on) counts as naming it: a
 * message then names no proxy rather than one curl may not have used. */
static bool s_no_proxy_names(const char *host, size_t len)
{
    const char *list = getenv("no_proxy");
    if (!list)
        list = getenv("NO_PROXY");
    if (!list || !strcmp(list, "*"))
        return list != NULL;
    for (const char *e = list; *e;) {
        e += strspn(e, ", \t");
        size_t n = strcspn(e, ", \t");
        const char *tok = e;
        e += n;
        if (n && tok[0] == '.')
            tok++, n--;
        if (n && tok[n - 1] == '.')
            n--;
        if (n && (memchr(tok, '/', n) || (n <= len && !strncasecmp(host + len - n, tok, n) &&
                                          (n == len || host[len - n - 1] == '.'))))
            return true;
    }
    return false;
}

/* The proxy curl took from the environment for url, as "scheme://host:port"
 * (no user or password; curl's defaults: http://, port 1080, or 443 for an
 * https:// proxy), into out; false when it took none: for an http:// URL
 * http_proxy (never HTTP_PROXY), for an https:// one https_proxy or
 * HTTPS_PROXY, then all_proxy or ALL_PROXY; none set or empty, or no_proxy
 * naming the URL's host. For messages: a failure through a proxy names it. */
static bool s_env_proxy(const char *url, char *out, size_t size)
{
    bool https = strncasecmp(url, "https://", 8) == 0;
    const char *v = getenv(https ? "https_proxy" : "http_proxy");
    if ((!v || !*v) && https)
        v = getenv("HTTPS_PROXY");
    if (!v || !*v)
        v = getenv("all_proxy");
    if (!v || !*v)
        v = getenv("ALL_PROXY");
    const char *host = strstr(url, "://");
    if (!v || !*v || !host)
        return false;
    host += 3;
    size_t hlen = strcspn(host, "/?#");
    const char *at = memchr(host, '@', hlen);
    if (at)
        hlen -= (size_t)(at + 1 - host), host = at + 1;
    if (host[0] == '[') { /* [IPv6]:port */
        const char *end = memchr(host, ']', hlen);
        hlen = end ? (size_t)(end - host - 1) : 0;
        host++;
    } else {
        const char *colon = memchr(host, ':', hlen);
        if (colon)
            hlen = (size_t)(colon - host);
    }
    if (s_no_proxy_names(host, hlen))
        return false;
    const char *sep = strstr(v, "://");
    size_t scheme_len = sep ? (size_t)(sep - v) : 4;
    const char *scheme = sep ? v : "http", *auth = sep ? sep + 3 : v;
    at = strrchr(auth, '@'); /* the last anywhere: no part of a user or password, whatever it holds */
    if (at)
        auth = at + 1;
    size_t alen = strcspn(auth, "/?#");
    const char *close = auth[0] == '[' ? memchr(auth, ']', alen) : NULL;
    const char *port = memchr(close ? close : auth, ':', alen - (size_t)((close ? close : auth) - auth));
    bool https_proxy = scheme_len == 5 && !strncasecmp(scheme, "https", 5);
    snprintf(out, size, "%.*s://%.*s%s", (int)scheme_len, scheme, (int)alen, auth,
             port          ? ""
             : https_proxy ? ":443"
                           : ":1080");
    return true;
}

/* Builds the header list; also suppresses what curl would add on its own
 * (Expect: 100-continue, a form Content-Type for POST bodies, Accept). */
static es_err s_header_list(const es_curl_api *cu, const es_http_request *req, struct curl_slist **out)
{
    struct curl_slist *list = NULL;
    bool has_ctype = false;
    for (size_t i = 0; i < req->header_count; i++) {
        if (strncasecmp(req->headers[i], "content-type:", 13) == 0)
            has_ctype = true;
        struct curl_slist *n = cu->slist_append(list, req->headers[i]);
        if (!n)
            goto oom;
        list = n;
    }
    static const char *const extra[] = {"Expect:", "Accept:"};
    for (size_t i = 0; i < sizeof extra / sizeof extra[0]; i++) {
        struct curl_slist *n = cu->slist_append(list, extra[i]);
        if (!n)
            goto oom;
        list = n;
    }
    if (!has_ctype) {
        struct curl_slist *n = cu->slist_append(list, "Content-Type:");
        if (!n)
            goto oom;
        list = n;
    }
    *out = list;
    return ES_OK;
oom:
    cu->slist_free_all(list);
    return ES_ERR_NOMEM;
}

static void s_set_method(const es_curl_api *cu, CURL *h, const es_http_request *req)
{
    const char *m = req->method;
    if (!strcmp(m, "HEAD")) {
        cu->easy_setopt(h, CURLOPT_NOBODY, 1L);
    } else if (!strcmp(m, "GET") && req->body_len == 0) {
        cu->easy_setopt(h, CURLOPT_HTTPGET, 1L);
    } else {
        /* POST machinery sends the in-memory body (Content-Length even when 0);
         * CUSTOMREQUEST puts the real method on the request line. */
        cu->easy_setopt(h, CURLOPT_POSTFIELDS, req->body ? (const char *)req->body : "");
        cu->easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
        if (strcmp(m, "POST") != 0)
            cu->easy_setopt(h, CURLOPT_CUSTOMREQUEST, m);
    }
}

static void s_set_options(const es_curl_api *cu, CURL *h, const es_http_request *req, s_transfer *t,
                          char *errbuf)
{
    cu->easy_setopt(h, CURLOPT_URL, req->url);
    cu->easy_setopt(h, CURLOPT_PATH_AS_IS, 1L);
    cu->easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    cu->easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    cu->easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    cu->easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    cu->easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    if (t->trust_file && cu->easy_setopt(h, CURLOPT_SSL_CTX_FUNCTION, s_on_ssl_ctx) == CURLE_OK &&
        cu->easy_setopt(h, CURLOPT_SSL_CTX_DATA, t) == CURLE_OK) {
        /* curl builds no store of its own; s_on_ssl_ctx hands over the shared one */
        cu->easy_setopt(h, CURLOPT_CAINFO, NULL);
        cu->easy_setopt(h, CURLOPT_CAPATH, NULL);
        cu->easy_setopt(h, CURLOPT_CA_CACHE_TIMEOUT, 0L);
    } else if (t->trust_file) { /* refused: curl loads the same file and directory itself */
        cu->easy_setopt(h, CURLOPT_SSL_CTX_FUNCTION, NULL);
        cu->easy_setopt(h, CURLOPT_CAINFO, t->trust_file[0] ? t->trust_file : NULL);
        cu->easy_setopt(h, CURLOPT_CAPATH, t->trust_dir[0] ? t->trust_dir : NULL);
    } else if (req->ca_bundle && req->ca_bundle[0]) {
        /* the bundle alone (not curl's default directory too), as in the AWS SDKs */
        cu->easy_setopt(h, CURLOPT_CAINFO, req->ca_bundle);
        cu->easy_setopt(h, CURLOPT_CAPATH, NULL);
    }
    cu->easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    cu->easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                    req->connect_timeout_ms > 0 ? req->connect_timeout_ms : S_DEFAULT_CONNECT_MS);
    cu->easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
    cu->easy_setopt(h, CURLOPT_LOW_SPEED_TIME,
                    req->low_speed_time_s > 0 ? req->low_speed_time_s : S_DEFAULT_LOW_SPEED_S);
    if (req->timeout_ms > 0)
        cu->easy_setopt(h, CURLOPT_TIMEOUT_MS, req->timeout_ms);
    cu->easy_setopt(h, CURLOPT_USERAGENT, "exifstrip/" ES_VERSION);
    cu->easy_setopt(h, CURLOPT_BUFFERSIZE, req->on_body ? ES_HTTP_STREAM_BUFFER : S_RECV_BUFFER);
    cu->easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    cu->easy_setopt(h, CURLOPT_HEADERFUNCTION, s_on_header);
    cu->easy_setopt(h, CURLOPT_HEADERDATA, t);
    cu->easy_setopt(h, CURLOPT_WRITEFUNCTION, s_on_body);
    cu->easy_setopt(h, CURLOPT_WRITEDATA, t);
    if (t->proxy_env == S_PROXY_ENV_NONE) { /* none: curl need not look at the environment */
        cu->easy_setopt(h, CURLOPT_PROXY, "");
        cu->easy_setopt(h, CURLOPT_NOPROXY, "*"); /* or curl still reads no_proxy, NO_PROXY */
    } else if (req->no_proxy) {
        cu->easy_setopt(h, CURLOPT_NOPROXY, "*");
    }
    if (t->cancel || t->process_cancel || t->deadline_ms) {
        cu->easy_setopt(h, CURLOPT_XFERINFOFUNCTION, s_on_progress);
        cu->easy_setopt(h, CURLOPT_XFERINFODATA, t);
        cu->easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    }
    if (req->body_len > S_CURL_DEFAULT_UPLOAD_BUFFER)
        cu->easy_setopt(h, CURLOPT_UPLOAD_BUFFERSIZE, ES_HTTP_STREAM_BUFFER);
    s_set_method(cu, h, req);
}

es_err es_http_perform(const es_http_request *req, es_http_response *resp)
{
    ES_ENSURE(req && resp && req->method && req->url, ES_ERR_INVALID_ARG);
    ES_ENSURE(req->body || req->body_len == 0, ES_ERR_INVALID_ARG);
    es_http_response_reset(resp);
    if (es_http_thread_cancelled()) {
        snprintf(resp->error, sizeof resp->error, "request cancelled before it was sent");
        return ES_ERR_CANCELLED;
    }
    if (es_http_thread_deadline_passed()) {
        snprintf(resp->error, sizeof resp->error, "the caller's deadline passed before the request was sent");
        return ES_ERR_TIMEOUT;
    }
    es_error lerr;
    es_error_clear(&lerr);
    const es_curl_api *cu = es_curl_api_get(&lerr);
    if (!cu) {
        snprintf(resp->error, sizeof resp->error, "%s", lerr.msg);
        return lerr.code;
    }
    struct curl_slist *headers = NULL;
    ES_GUARD(s_header_list(cu, req, &headers));
    const char *trust_file = NULL, *trust_dir = NULL;
    int proxy_env = s_proxy_env();
    bool https = strncasecmp(req->url, "https://", 8) == 0;
    bool https_proxy = !req->no_proxy && s_https_proxy(proxy_env);
    /* no TLS (plain http, no https:// proxy): no store to build or even look
     * for (es_tls_trust_available's probe of curl and libssl), any handle */
    bool tls = https || https_proxy;
    if (!https || https_proxy || !es_tls_trust_choose(req->ca_bundle, &trust_file, &trust_dir))
        trust_file = trust_dir = NULL; /* curl loads the CAs itself, if it needs any */
    unsigned long trust_gen = trust_file ? es_tls_trust_generation(trust_file, trust_dir) : 0;
    CURL *h = s_handle_acquire(cu, tls, trust_file, trust_dir, trust_gen);
    if (!h) {
        cu->slist_free_all(headers);
        snprintf(resp->error, sizeof resp->error,
                 "no libcurl handle (initialisation failed or nested too deeply)");
        return ES_ERR_INTERNAL;
    }

    s_transfer t = {.req = req,
                    .resp = resp,
                    .trust_file = trust_file,
                    .trust_dir = trust_dir,
                    .trust_gen = trust_gen,
                    .proxy_env = proxy_env,
                    .cancel = s_cancel_token,
                    .process_cancel = atomic_load(&s_process_token),
                    .deadline_ms = s_deadline_ms};
    resp->body.max = req->max_body;
    char errbuf[CURL_ERROR_SIZE] = "";
    s_set_options(cu, h, req, &t, errbuf);
    cu->easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    CURLcode cc = cu->easy_perform(h);
    /* The handle keeps pointers to these: detach before they go away. */
    cu->easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
    cu->easy_setopt(h, CURLOPT_ERRORBUFFER, NULL);
    cu->slist_free_all(headers);

    long status = 0;
    cu->easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    s_handle_release();
    resp->status = status;
    if (cc == CURLE_OK || (t.error_body_cut && !t.cancelled))
        return ES_OK;
    if (t.cancelled && t.cb_err == ES_OK) {
        snprintf(resp->error, sizeof resp->error, "request cancelled while in flight");
        return ES_ERR_CANCELLED;
    }
    if (t.deadline_passed && t.cb_err == ES_OK) {
        snprintf(resp->error, sizeof resp->error,
                 "the caller's deadline passed while the request was in flight");
        return ES_ERR_TIMEOUT;
    }
    es_err rc = t.cb_err != ES_OK ? t.cb_err : es_http_map_curl_code((int)cc);
    /* libcurl reports a header line over its 100 KB limit as out of memory
     * (CURLE_TOO_LARGE from curl 8.6 on: Debian 13): inside a header block
     * that began, that is the endpoint's answer */
    bool long_line = (cc == CURLE_OUT_OF_MEMORY || (int)cc == S_CURLE_TOO_LARGE) &&
                     resp->headers.status > 0 && !resp->headers.complete;
    if (long_line)
        rc = ES_ERR_PROTOCOL;
    if (long_line)
        snprintf(resp->error, sizeof resp->error, "a response header line exceeds libcurl's limit (100 KB)");
    else if (t.headers_overflow)
        snprintf(resp->error, sizeof resp->error, "response headers exceed %u bytes or %u lines",
                 (unsigned)ES_HTTP_HEADERS_MAX_BYTES, (unsigned)ES_HTTP_HEADERS_MAX_FIELDS);
    else if (t.cb_err == ES_ERR_TOO_LARGE)
        snprintf(resp->error, sizeof resp->error, "response exceeds its size limit");
    else if (t.cb_err == ES_OK)
        snprintf(resp->error, sizeof resp->error, "%s", errbuf[0] ? errbuf : cu->easy_strerror(cc));
    /* curl's text names the proxy's host, or the endpoint's when it was the proxy that failed */
    char proxy[128];
    if (t.cb_err == ES_OK && !long_line && !t.headers_overflow && proxy_env != S_PROXY_ENV_NONE &&
        !req->no_proxy && s_env_proxy(req->url, proxy, sizeof proxy)) {
        size_t room = sizeof resp->error - strlen(proxy) - sizeof " (via proxy )";
        char curl_text[sizeof resp->error];
        snprintf(curl_text, sizeof curl_text, "%s", resp->error);
        snprintf(resp->error, sizeof resp->error, "%.*s (via proxy %s)", (int)room, curl_text, proxy);
    }
    return rc;
}
