/* http_server.c - the scripted test HTTP server of http_server.h: one thread
 * accepting on 127.0.0.1, one connection at a time, every wait interruptible
 * through a wake-up pipe so stopping never hangs. */
#include "http_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define S_MAX_HEAD (64 * 1024)
#define S_MAX_BODY ((size_t)64 << 20)
#define S_IO_TIMEOUT_MS 5000

typedef struct s_route {
    char *method, *path, *body, *headers;
    int status;
    unsigned delay_ms, times, used, truncate_at;
} s_route;

struct es_test_http_server {
    int listen_fd;
    int wake[2];
    pthread_t thread;
    unsigned short port;
    char url[64];
    atomic_bool stopping;
    pthread_mutex_t lock;
    s_route *routes;
    size_t nroutes;
    es_test_http_request *reqs;
    size_t nreqs;
    es_test_http_handler handler;
    void *handler_ctx;
};

static char *s_dup(const char *s) { return s ? strdup(s) : NULL; }

static char *s_dup_n(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d) {
        if (n)
            memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

/* 1 when fd is ready, 0 on timeout, -1 when stopping or on error. */
static int s_wait(es_test_http_server *s, int fd, short events, int timeout_ms)
{
    struct pollfd p[2] = {{.fd = fd, .events = events}, {.fd = s->wake[0], .events = POLLIN}};
    for (;;) {
        int r = poll(p, 2, timeout_ms);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 || (p[1].revents & POLLIN) || atomic_load(&s->stopping))
            return -1;
        if (r == 0)
            return 0;
        return 1;
    }
}

/* ---- reading a request ---------------------------------------------------- */

typedef struct s_conn {
    es_test_http_server *s;
    int fd;
    char *buf;
    size_t len, cap, pos;
} s_conn;

static bool s_fill(s_conn *c, size_t limit)
{
    if (c->len >= limit)
        return false;
    if (c->cap - c->len < 4096) {
        size_t ncap = c->cap ? c->cap * 2 : 8192;
        char *nb = realloc(c->buf, ncap + 1);
        if (!nb)
            return false;
        c->buf = nb;
        c->cap = ncap;
    }
    if (s_wait(c->s, c->fd, POLLIN, S_IO_TIMEOUT_MS) != 1)
        return false;
    ssize_t n = recv(c->fd, c->buf + c->len, c->cap - c->len, 0);
    if (n <= 0)
        return false;
    c->len += (size_t)n;
    c->buf[c->len] = '\0';
    return true;
}

/* The next line (CRLF or LF stripped), valid until the next read. */
static char *s_line(s_conn *c)
{
    for (;;) {
        char *nl = c->buf ? memchr(c->buf + c->pos, '\n', c->len - c->pos) : NULL;
        if (nl) {
            size_t i = (size_t)(nl - c->buf);
            char *line = c->buf + c->pos;
            *nl = '\0';
            if (i > c->pos && c->buf[i - 1] == '\r')
                c->buf[i - 1] = '\0';
            c->pos = i + 1;
            return line;
        }
        if (!s_fill(c, c->pos + S_MAX_HEAD))
            return NULL;
    }
}

static bool s_need(s_conn *c, size_t n)
{
    while (c->len - c->pos < n)
        if (!s_fill(c, c->pos + n))
            return false;
    return true;
}

static bool s_add_header(es_test_http_request *r, const char *line)
{
    const char *colon = strchr(line, ':');
    if (!colon || colon == line)
        return false;
    const char *v = colon + 1;
    while (*v == ' ' || *v == '\t')
        v++;
    size_t vlen = strlen(v);
    while (vlen && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
        vlen--;
    es_test_http_header *h = realloc(r->headers, (r->header_count + 1) * sizeof *h);
    if (!h)
        return false;
    r->headers = h;
    h[r->header_count].name = s_dup_n(line, (size_t)(colon - line));
    h[r->header_count].value = s_dup_n(v, vlen);
    r->header_count++;
    return h[r->header_count - 1].name && h[r->header_count - 1].value;
}

static bool s_append_body(es_test_http_request *r, const char *data, size_t n)
{
    if (n > S_MAX_BODY - r->body_len)
        return false;
    char *b = realloc(r->body, r->body_len + n + 1);
    if (!b)
        return false;
    memcpy(b + r->body_len, data, n);
    r->body = b;
    r->body_len += n;
    b[r->body_len] = '\0';
    return true;
}

static bool s_send_all(int fd, const char *data, size_t n)
{
    while (n) {
        ssize_t w = send(fd, data, n, MSG_NOSIGNAL);
        if (w <= 0) {
            if (w < 0 && errno == EINTR)
                continue;
            return false;
        }
        data += w;
        n -= (size_t)w;
    }
    return true;
}

static bool s_read_chunked(s_conn *c, es_test_http_request *r)
{
    for (;;) {
        char *line = s_line(c);
        if (!line)
            return false;
        char *end = NULL;
        unsigned long long size = strtoull(line, &end, 16);
        if (end == line || size > S_MAX_BODY)
            return false;
        if (size == 0) {
            while ((line = s_line(c)) && *line) /* trailers */
                ;
            return line != NULL;
        }
        if (!s_need(c, (size_t)size) || !s_append_body(r, c->buf + c->pos, (size_t)size))
            return false;
        c->pos += (size_t)size;
        line = s_line(c);
        if (!line || *line)
            return false;
    }
}

static bool s_read_request(s_conn *c, es_test_http_request *r)
{
    char *line = s_line(c);
    if (!line)
        return false;
    char *sp1 = strchr(line, ' ');
    char *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
    if (!sp1 || !sp2)
        return false;
    r->method = s_dup_n(line, (size_t)(sp1 - line));
    char *target = sp1 + 1;
    *sp2 = '\0';
    char *q = strchr(target, '?');
    r->path = q ? s_dup_n(target, (size_t)(q - target)) : s_dup(target);
    r->query = q ? s_dup(q + 1) : NULL;
    if (!r->method || !r->path || (q && !r->query))
        return false;
    while ((line = s_line(c)) && *line)
        if (!s_add_header(r, line))
            return false;
    if (!line)
        return false;
    r->body = s_dup("");
    if (!r->body)
        return false;
    const char *expect = es_test_http_request_header(r, "Expect");
    if (expect && !strcasecmp(expect, "100-continue"))
        s_send_all(c->fd, "HTTP/1.1 100 Continue\r\n\r\n", 25);
    const char *te = es_test_http_request_header(r, "Transfer-Encoding");
    if (te && strcasestr(te, "chunked"))
        return s_read_chunked(c, r);
    const char *cl = es_test_http_request_header(r, "Content-Length");
    if (cl) {
        char *end = NULL;
        unsigned long long n = strtoull(cl, &end, 10);
        if (end == cl || n > S_MAX_BODY || !s_need(c, (size_t)n) ||
            !s_append_body(r, c->buf + c->pos, (size_t)n))
            return false;
        c->pos += (size_t)n;
    }
    return true;
}

/* ---- answering ------------------------------------------------------------- */

static const char *s_reason(int status)
{
    switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 206: return "Partial Content";
    case 301: return "Moved Permanently";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 412: return "Precondition Failed";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "Status";
    }
}

static bool s_match(const s_route *rt, const es_test_http_request *r)
{
    return (!rt->method || !strcmp(rt->method, r->method)) && (!rt->path || !strcmp(rt->path, r->path)) &&
           (rt->times == 0 || rt->used < rt->times);
}

static void s_request_copy(es_test_http_request *dst, const es_test_http_request *src);

static void s_handle(es_test_http_server *s, int fd)
{
    s_conn c = {.s = s, .fd = fd};
    es_test_http_request r;
    memset(&r, 0, sizeof r);
    if (!s_read_request(&c, &r)) {
        es_test_http_request_free(&r);
        free(c.buf);
        return;
    }
    int status = 404;
    char *body = NULL, *headers = NULL;
    unsigned delay = 0, truncate = 0;
    bool matched = false;
    es_test_http_handler handler;
    void *hctx;
    pthread_mutex_lock(&s->lock);
    es_test_http_request *grown = realloc(s->reqs, (s->nreqs + 1) * sizeof *grown);
    if (grown) {
        s->reqs = grown;
        s_request_copy(&s->reqs[s->nreqs++], &r);
    }
    for (size_t i = 0; i < s->nroutes && !matched; i++) {
        s_route *rt = &s->routes[i];
        if (!s_match(rt, &r))
            continue;
        rt->used++;
        matched = true;
        status = rt->status;
        body = s_dup(rt->body);
        headers = s_dup(rt->headers);
        delay = rt->delay_ms;
        truncate = rt->truncate_at;
    }
    handler = s->handler;
    hctx = s->handler_ctx;
    pthread_mutex_unlock(&s->lock);

    es_test_http_response resp = {.status = status, .body = body, .headers = headers};
    if (!matched && handler)
        handler(hctx, &r, &resp);
    if (delay && s_wait(s, s->wake[0], POLLIN, (int)delay) != 0)
        goto done; /* stopping */
    if (resp.status > 0) {
        size_t blen = resp.body ? (resp.body_len ? resp.body_len : strlen(resp.body)) : 0;
        char head[512];
        int n = snprintf(head, sizeof head, "HTTP/1.1 %d %s\r\nContent-Length: %zu\r\nConnection: close\r\n",
                         resp.status, s_reason(resp.status), blen);
        bool ok = n > 0 && (size_t)n < sizeof head && s_send_all(fd, head, (size_t)n);
        if (ok && resp.headers)
            ok = s_send_all(fd, resp.headers, strlen(resp.headers));
        ok = ok && s_send_all(fd, "\r\n", 2);
        if (ok && blen && strcmp(r.method, "HEAD") != 0)
            s_send_all(fd, resp.body, truncate && truncate < blen ? truncate : blen);
    }
done:
    shutdown(fd, SHUT_WR);
    free(body);
    free(headers);
    es_test_http_request_free(&r);
    free(c.buf);
}

static void *s_main(void *arg)
{
    es_test_http_server *s = arg;
    while (!atomic_load(&s->stopping)) {
        if (s_wait(s, s->listen_fd, POLLIN, -1) != 1)
            break;
        int fd = accept(s->listen_fd, NULL, NULL);
        if (fd < 0)
            continue;
        s_handle(s, fd);
        close(fd);
    }
    return NULL;
}

/* ---- lifecycle and accessors ----------------------------------------------- */

es_test_http_server *es_test_http_server_start(void)
{
    es_test_http_server *s = calloc(1, sizeof *s);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof a;
    if (!s)
        return NULL;
    s->listen_fd = -1;
    s->wake[0] = s->wake[1] = -1;
    pthread_mutex_init(&s->lock, NULL);
    atomic_init(&s->stopping, false);
    s->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s->listen_fd < 0 || bind(s->listen_fd, (struct sockaddr *)&a, sizeof a) != 0 ||
        listen(s->listen_fd, 64) != 0 || getsockname(s->listen_fd, (struct sockaddr *)&a, &alen) != 0 ||
        pipe(s->wake) != 0)
        goto fail;
    s->port = ntohs(a.sin_port);
    snprintf(s->url, sizeof s->url, "http://127.0.0.1:%u", (unsigned)s->port);
    if (pthread_create(&s->thread, NULL, s_main, s) != 0)
        goto fail;
    return s;
fail:
    fprintf(stderr, "es_test_http_server_start: %s\n", strerror(errno));
    if (s->listen_fd >= 0)
        close(s->listen_fd);
    if (s->wake[0] >= 0) {
        close(s->wake[0]);
        close(s->wake[1]);
    }
    pthread_mutex_destroy(&s->lock);
    free(s);
    return NULL;
}

static void s_route_free(s_route *r)
{
    free(r->method);
    free(r->path);
    free(r->body);
    free(r->headers);
}

void es_test_http_server_stop(es_test_http_server *s)
{
    if (!s)
        return;
    atomic_store(&s->stopping, true);
    ssize_t w = write(s->wake[1], "x", 1);
    (void)w;
    pthread_join(s->thread, NULL);
    close(s->listen_fd);
    close(s->wake[0]);
    close(s->wake[1]);
    es_test_http_server_clear_routes(s);
    es_test_http_server_clear_requests(s);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

unsigned short es_test_http_server_port(const es_test_http_server *s) { return s->port; }

const char *es_test_http_server_url(const es_test_http_server *s) { return s->url; }

void es_test_http_server_add_route(es_test_http_server *s, const es_test_http_route *r)
{
    pthread_mutex_lock(&s->lock);
    s_route *grown = realloc(s->routes, (s->nroutes + 1) * sizeof *grown);
    if (grown) {
        s->routes = grown;
        s_route *d = &s->routes[s->nroutes++];
        memset(d, 0, sizeof *d);
        d->method = s_dup(r->method);
        d->path = s_dup(r->path);
        d->body = s_dup(r->body);
        d->headers = s_dup(r->headers);
        d->status = r->status;
        d->delay_ms = r->delay_ms;
        d->times = r->times;
        d->truncate_at = r->truncate_at;
    }
    pthread_mutex_unlock(&s->lock);
}

void es_test_http_server_route(es_test_http_server *s, const char *method, const char *path, int status,
                               const char *body)
{
    es_test_http_route r = {.method = method, .path = path, .status = status, .body = body};
    es_test_http_server_add_route(s, &r);
}

void es_test_http_server_clear_routes(es_test_http_server *s)
{
    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; i < s->nroutes; i++)
        s_route_free(&s->routes[i]);
    free(s->routes);
    s->routes = NULL;
    s->nroutes = 0;
    pthread_mutex_unlock(&s->lock);
}

void es_test_http_server_set_handler(es_test_http_server *s, es_test_http_handler fn, void *ctx)
{
    pthread_mutex_lock(&s->lock);
    s->handler = fn;
    s->handler_ctx = ctx;
    pthread_mutex_unlock(&s->lock);
}

size_t es_test_http_server_request_count(es_test_http_server *s)
{
    pthread_mutex_lock(&s->lock);
    size_t n = s->nreqs;
    pthread_mutex_unlock(&s->lock);
    return n;
}

static void s_request_copy(es_test_http_request *dst, const es_test_http_request *src)
{
    memset(dst, 0, sizeof *dst);
    dst->method = s_dup(src->method);
    dst->path = s_dup(src->path);
    dst->query = s_dup(src->query);
    dst->body = s_dup_n(src->body ? src->body : "", src->body_len);
    dst->body_len = src->body_len;
    dst->headers = src->header_count ? calloc(src->header_count, sizeof *dst->headers) : NULL;
    if (dst->headers) {
        dst->header_count = src->header_count;
        for (size_t i = 0; i < src->header_count; i++) {
            dst->headers[i].name = s_dup(src->headers[i].name);
            dst->headers[i].value = s_dup(src->headers[i].value);
        }
    }
}

bool es_test_http_server_request(es_test_http_server *s, size_t i, es_test_http_request *out)
{
    pthread_mutex_lock(&s->lock);
    bool ok = i < s->nreqs;
    if (ok)
        s_request_copy(out, &s->reqs[i]);
    pthread_mutex_unlock(&s->lock);
    if (!ok)
        memset(out, 0, sizeof *out);
    return ok;
}

size_t es_test_http_server_count(es_test_http_server *s, const char *method, const char *path)
{
    size_t n = 0;
    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; i < s->nreqs; i++)
        if ((!method || !strcmp(method, s->reqs[i].method)) && (!path || !strcmp(path, s->reqs[i].path)))
            n++;
    pthread_mutex_unlock(&s->lock);
    return n;
}

void es_test_http_server_clear_requests(es_test_http_server *s)
{
    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; i < s->nreqs; i++)
        es_test_http_request_free(&s->reqs[i]);
    free(s->reqs);
    s->reqs = NULL;
    s->nreqs = 0;
    pthread_mutex_unlock(&s->lock);
}

const char *es_test_http_request_header(const es_test_http_request *r, const char *name)
{
    for (size_t i = 0; i < r->header_count; i++)
        if (r->headers[i].name && !strcasecmp(r->headers[i].name, name))
            return r->headers[i].value;
    return NULL;
}

void es_test_http_request_free(es_test_http_request *r)
{
    if (!r)
        return;
    free(r->method);
    free(r->path);
    free(r->query);
    for (size_t i = 0; i < r->header_count; i++) {
        free(r->headers[i].name);
        free(r->headers[i].value);
    }
    free(r->headers);
    free(r->body);
    memset(r, 0, sizeof *r);
}
