/* curl_floor_bench.c - what the mandated HTTP stack alone costs on this
 * machine (not a test): a bare libcurl client against tests/bench/floor_peer.mjs,
 * the same libcurl the worker loads (curl_dl.h) and, with --hash sha256, the
 * same SHA-256 (crypto_dl.h), with --hash crc64nvme the same CRC-64/NVME
 * (src/common/crc.h). No SQS, no signing, no stripping, no JSON or XML:
 * only the requests that move a photo's bytes, so exifstrip's worker cannot
 * spend less CPU on them than this does.
 *   --list FILE    per image: FILE names photos under --root, one a line, each
 *                  optionally followed by a tab and the byte count to PUT (the
 *                  size of that photo stripped: what the worker uploads; at
 *                  most the photo's size; default all of it); each is fetched
 *                  with a GET into a reused buffer (each thread's sized for
 *                  the largest photo and populated once up front, which the
 *                  CPU figure counts: no page fault per photo) and that many of its bytes
 *                  are sent back with a PUT from it. --threads N threads
 *                  (default 1) take the next photo in turn, each with one
 *                  handle (one keep-alive connection) for all its requests.
 *   --stream FILE  per MB: one GET of FILE streamed through a part buffer of
 *                  --part bytes (default 8 MiB, the worker's part size, populated
 *                  up front as the worker populates its parts; never
 *                  the whole object): each full part is PUT on a second handle
 *                  from inside the GET's body callback, as the worker's
 *                  uploader does, then the rest; --put-bytes N PUTs only the
 *                  first N bytes received (the stripped size; default all).
 *   --hash sha256  each PUT body's SHA-256 goes in x-amz-content-sha256 (what a
 *                  signed payload costs over http); the peer must answer that
 *                  it verified it; --hash none (default) sends no digest.
 *   --hash crc64nvme  what the worker adds over https (UNSIGNED-PAYLOAD with
 *                  checksums): each GET asks for the object's checksum
 *                  (x-amz-checksum-mode: ENABLED) and its body's CRC-64/NVME,
 *                  computed chunk by chunk as it arrives, must equal the one
 *                  the peer sends; each PUT body's CRC-64/NVME (in --stream
 *                  computed on the bytes just copied into the part, as the
 *                  worker's uploader does) goes in x-amz-checksum-crc64nvme
 *                  and the peer must answer that it verified it.
 *   --hash sha256+crc64nvme  both, as the worker always does in its signed
 *                  mode: SHA-256 in x-amz-content-sha256 and the CRC header on
 *                  each PUT, checksum mode on each GET with its CRC checked.
 *   --cacert FILE  for an https:// --url: trust FILE's certificates alone
 *                  (CURLOPT_CAINFO, no CA directory), peer and host checks on,
 *                  as the worker does with AWS_CA_BUNDLE. curl loads FILE for
 *                  each handle (the worker builds its store once per process:
 *                  src/aws/http/tls_trust.h); with one certificate in FILE
 *                  that costs next to nothing.
 * Options as the worker sets them: body callbacks with a receive buffer of
 * ES_HTTP_STREAM_BUFFER, in-memory PUT bodies, no Expect: 100-continue, no
 * proxy from the environment, a connect timeout and a low-speed limit (a
 * stalled peer fails the run instead of hanging it: under 1 byte/s for
 * --low-speed-time seconds, default 30 as in the worker), and the worker's
 * malloc settings (worker/memory.h: libcurl's upload buffer, freed after each
 * transfer, is not faulted in again for the next). Every GET must return
 * the file's size and every PUT's answer must name the bytes sent, or the
 * program fails. floor_cpu_ms is getrusage(RUSAGE_SELF) user+sys of the whole
 * process at its end, start-up and library loading included (as the worker's
 * figures are; the bench uses wait4's figure of the same process). Lines
 * starting with "# " are key/value results. */
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../support/wait.h"
#include "aws/http/curl_dl.h"
#include "aws/http/http.h"
#include "aws/sigv4/crypto_dl.h"
#include "common/crc.h"
#include "common/pages.h"
#include "worker/memory.h"

#define MAX_THREADS 64
#define PUT_REPLY_MAX 64
#define CONNECT_TIMEOUT_MS 10000L
#define LOW_SPEED_TIME_S 30L /* the worker's default; --low-speed-time S */
#define CRC_HEADER "x-amz-checksum-crc64nvme"

/* --hash: what each request's body costs besides moving it, a set of flags
 * (hash_names[flags] names each set). */
enum { HASH_SHA256 = 1, HASH_CRC64NVME = 2 };
static const char *const hash_names[] = {"none", "sha256", "crc64nvme", "sha256+crc64nvme"};

typedef struct photo {
    char *get_url, *put_url;
    size_t size, put_size; /* bytes to GET; bytes of them to PUT back */
} photo;

typedef struct floor_run {
    const es_curl_api *cu;
    unsigned hash;               /* HASH_* flags */
    const es_crypto_api *crypto; /* HASH_SHA256's libcrypto */
    const char *cacert;          /* --cacert: the only CAs trusted, or NULL */
    photo *photos;
    size_t n_photos;
    atomic_size_t next;
    size_t part_size, put_bytes; /* --stream: bytes of the GET that go out */
    long low_speed_time_s;       /* a transfer under 1 byte/s this long fails */
    atomic_ullong bytes, put_bytes_sent, requests;
    atomic_long connections;
} floor_run;

/* One handle and its buffers: a thread's (per image) or one side of the stream. */
typedef struct client {
    floor_run *run;
    CURL *h;
    uint8_t *buf; /* the GET body, or the part being filled */
    size_t len, cap;
    char reply[PUT_REPLY_MAX + 1]; /* the PUT's answer: the byte count the peer got */
    size_t reply_len;
    struct client *uploader; /* --stream: the handle parts go out on */
    char *put_url;
    unsigned part_no;
    size_t put_left;     /* --stream: bytes still to go into parts */
    uint64_t part_crc;   /* HASH_CRC64NVME, --stream: CRC of the part so far */
    uint64_t get_crc;    /* HASH_CRC64NVME: CRC of the GET body so far */
    char stated_crc[16]; /* HASH_CRC64NVME: the GET's x-amz-checksum-crc64nvme */
} client;

/* Fails the run. Other threads may be inside libcurl or libcrypto, so the
 * process ends with _exit (no atexit handlers or library destructors). */
__attribute__((format(printf, 1, 2), noreturn)) static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "curl_floor_bench: ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    fflush(stdout);
    _exit(1);
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        die("out of memory");
    return p;
}

/* base + "/" + path with every byte outside [A-Za-z0-9._~/-] percent-encoded. */
static char *url_of(const char *base, const char *prefix, const char *path)
{
    size_t n = strlen(base) + strlen(prefix) + 3 * strlen(path) + 2;
    char *u = xmalloc(n), *w = u + sprintf(u, "%s/%s", base, prefix);
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
            strchr("._~/-", *p))
            *w++ = (char)*p;
        else
            w += sprintf(w, "%%%02X", *p);
    }
    *w = '\0';
    return u;
}

static size_t file_size(const char *root, const char *path)
{
    char full[4096];
    struct stat st;
    if ((size_t)snprintf(full, sizeof full, "%s/%s", root, path) >= sizeof full || stat(full, &st) != 0 ||
        !S_ISREG(st.st_mode))
        die("cannot read %s", path);
    return (size_t)st.st_size;
}

/* After a transfer on h: one more request, plus the connections it opened. */
static void count_transfer(floor_run *r, CURL *h)
{
    long opened = 0;
    r->cu->easy_getinfo(h, CURLINFO_NUM_CONNECTS, &opened);
    atomic_fetch_add(&r->connections, opened);
    atomic_fetch_add(&r->requests, 1);
}

static size_t on_reply(char *data, size_t size, size_t nmemb, void *arg)
{
    client *c = arg;
    size_t n = size * nmemb, room = PUT_REPLY_MAX - c->reply_len;
    memcpy(c->reply + c->reply_len, data, n < room ? n : room);
    c->reply_len += n < room ? n : room;
    return n;
}

/* hdrs with line appended (freed and fails the run when out of memory). */
static struct curl_slist *append_header(const es_curl_api *cu, struct curl_slist *hdrs, const char *line)
{
    struct curl_slist *more = cu->slist_append(hdrs, line);
    if (!more) {
        cu->slist_free_all(hdrs);
        die("out of memory");
    }
    return more;
}

/* A PUT's headers: no Expect, and the ones that carry body[0..len)'s digests
 * in r's hash mode (crc: the body's CRC-64/NVME, already computed). */
static struct curl_slist *put_headers(const floor_run *r, const uint8_t *body, size_t len, uint64_t crc)
{
    const es_curl_api *cu = r->cu;
    struct curl_slist *hdrs = append_header(cu, NULL, "Expect:");
    char line[96];
    if (r->hash & HASH_SHA256) {
        unsigned char md[32];
        int at = snprintf(line, sizeof line, "x-amz-content-sha256: ");
        if (!r->crypto->Digest(body, len, md, NULL, r->crypto->sha256_md, NULL))
            die("SHA-256 failed");
        for (int i = 0; i < 32; i++)
            at += snprintf(line + at, sizeof line - (size_t)at, "%02x", md[i]);
        hdrs = append_header(cu, hdrs, line);
    }
    if (r->hash & HASH_CRC64NVME) {
        char b64[13];
        es_crc_base64(ES_CRC64NVME, crc, b64);
        snprintf(line, sizeof line, CRC_HEADER ": %s", b64);
        hdrs = append_header(cu, hdrs, line);
    }
    return hdrs;
}

/* PUT body[0..len) to url on c's handle (crc: its CRC-64/NVME with
 * HASH_CRC64NVME); the peer must answer 200 with len and, for each digest
 * sent, say that it verified it. */
static void put_body(client *c, const char *url, const uint8_t *body, size_t len, uint64_t crc)
{
    floor_run *r = c->run;
    const es_curl_api *cu = r->cu;
    struct curl_slist *hdrs = put_headers(r, body, len, crc);
    c->reply_len = 0;
    cu->easy_setopt(c->h, CURLOPT_URL, url);
    cu->easy_setopt(c->h, CURLOPT_POSTFIELDS,
                    body ? (const char *)body : ""); /* NULL would mean a read callback */
    cu->easy_setopt(c->h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    cu->easy_setopt(c->h, CURLOPT_CUSTOMREQUEST, "PUT");
    cu->easy_setopt(c->h, CURLOPT_HTTPHEADER, hdrs);
    cu->easy_setopt(c->h, CURLOPT_WRITEFUNCTION, on_reply);
    cu->easy_setopt(c->h, CURLOPT_WRITEDATA, c);
    CURLcode rc = cu->easy_perform(c->h);
    long status = 0;
    cu->easy_getinfo(c->h, CURLINFO_RESPONSE_CODE, &status);
    cu->easy_setopt(c->h, CURLOPT_HTTPHEADER, NULL);
    cu->slist_free_all(hdrs);
    c->reply[c->reply_len] = '\0';
    if (rc != CURLE_OK)
        die("PUT failed: %s", cu->easy_strerror(rc));
    char *rest;
    if (status != 200 || strtoull(c->reply, &rest, 10) != len) {
        die("PUT %s of %zu bytes: status %ld, peer: %s", url, len, status, c->reply);
    }
    if ((r->hash & HASH_SHA256) && !strstr(rest, " sha256-verified"))
        die("PUT %s: the peer did not verify the x-amz-content-sha256 digest (its answer: %s)", url, c->reply);
    if ((r->hash & HASH_CRC64NVME) && !strstr(rest, " crc64nvme-verified"))
        die("PUT %s: the peer did not verify the " CRC_HEADER " checksum (its answer: %s)", url, c->reply);
    atomic_fetch_add(&r->put_bytes_sent, len);
    count_transfer(r, c->h);
}

/* HASH_CRC64NVME: the GET body's CRC, chunk by chunk as the worker's GET does. */
static void crc_get_chunk(client *c, const char *data, size_t n)
{
    if (c->run->hash & HASH_CRC64NVME)
        c->get_crc = es_crc_update(ES_CRC64NVME, c->get_crc, data, n);
}

/* HASH_CRC64NVME: each response header line; keeps the checksum a GET states. */
static size_t on_get_header(char *data, size_t size, size_t nmemb, void *arg)
{
    client *c = arg;
    size_t n = size * nmemb, name = sizeof CRC_HEADER - 1;
    if (n > name + 1 && !strncasecmp(data, CRC_HEADER ":", name + 1)) {
        const char *v = data + name + 1;
        size_t k = n - name - 1;
        while (k && (*v == ' ' || *v == '\t'))
            v++, k--;
        while (k && (v[k - 1] == '\r' || v[k - 1] == '\n' || v[k - 1] == ' '))
            k--;
        snprintf(c->stated_crc, sizeof c->stated_crc, "%.*s", (int)k, v);
    }
    return n;
}

static size_t on_get_body(char *data, size_t size, size_t nmemb, void *arg)
{
    client *c = arg;
    size_t n = size * nmemb;
    crc_get_chunk(c, data, n);
    if (n > c->cap - c->len) {
        size_t cap = c->cap ? c->cap : 1 << 20;
        while (cap - c->len < n)
            cap *= 2;
        uint8_t *b = realloc(c->buf, cap);
        if (!b)
            return 0;
        c->buf = b;
        c->cap = cap;
    }
    memcpy(c->buf + c->len, data, n);
    c->len += n;
    return n;
}

/* --stream: the part filled so far goes out on the uploader's handle. */
static void put_part(client *c)
{
    char url[4096];
    snprintf(url, sizeof url, "%s?partNumber=%u", c->put_url, ++c->part_no);
    put_body(c->uploader, url, c->buf, c->len, c->part_crc);
    c->len = 0;
    c->part_crc = 0;
}

/* --stream: fills the part; a full part goes out on the uploader's handle. */
static size_t on_stream_body(char *data, size_t size, size_t nmemb, void *arg)
{
    client *c = arg;
    size_t n = size * nmemb, keep = n < c->put_left ? n : c->put_left;
    crc_get_chunk(c, data, n);
    c->put_left -= keep;
    for (size_t off = 0; off < keep;) {
        size_t k = c->cap - c->len < keep - off ? c->cap - c->len : keep - off;
        memcpy(c->buf + c->len, data + off, k);
        if (c->run->hash & HASH_CRC64NVME) /* the copy, still in cache */
            c->part_crc = es_crc_update(ES_CRC64NVME, c->part_crc, c->buf + c->len, k);
        c->len += k;
        off += k;
        if (c->len == c->cap)
            put_part(c);
    }
    atomic_fetch_add(&c->run->bytes, n);
    return n;
}

/* GET url on c's handle through body_cb; fails unless 200 with want bytes
 * (and in HASH_CRC64NVME the body's CRC-64/NVME the peer states). */
static void get(client *c, const char *url, curl_write_callback body_cb, size_t want)
{
    floor_run *r = c->run;
    const es_curl_api *cu = r->cu;
    struct curl_slist *hdrs = NULL;
    c->get_crc = 0;
    c->stated_crc[0] = '\0';
    if ((r->hash & HASH_CRC64NVME) && !(hdrs = cu->slist_append(NULL, "x-amz-checksum-mode: ENABLED")))
        die("out of memory");
    cu->easy_setopt(c->h, CURLOPT_URL, url);
    cu->easy_setopt(c->h, CURLOPT_HTTPGET, 1L);
    cu->easy_setopt(c->h, CURLOPT_CUSTOMREQUEST, NULL);
    cu->easy_setopt(c->h, CURLOPT_HTTPHEADER, hdrs);
    cu->easy_setopt(c->h, CURLOPT_WRITEFUNCTION, body_cb);
    cu->easy_setopt(c->h, CURLOPT_WRITEDATA, c);
    CURLcode rc = cu->easy_perform(c->h);
    long status = 0;
    curl_off_t got = 0;
    cu->easy_getinfo(c->h, CURLINFO_RESPONSE_CODE, &status);
    cu->easy_getinfo(c->h, CURLINFO_SIZE_DOWNLOAD_T, &got);
    cu->easy_setopt(c->h, CURLOPT_HTTPHEADER, NULL);
    cu->slist_free_all(hdrs);
    if (rc != CURLE_OK)
        die("GET failed: %s", cu->easy_strerror(rc));
    if (status != 200 || (size_t)got != want) {
        die("GET %s: status %ld, %lld of %zu bytes", url, status, (long long)got, want);
    }
    if (r->hash & HASH_CRC64NVME) {
        char b64[13];
        es_crc_base64(ES_CRC64NVME, c->get_crc, b64);
        if (strcmp(b64, c->stated_crc) != 0)
            die("GET %s: the body's " CRC_HEADER " is %s, the peer stated '%s'", url, b64, c->stated_crc);
    }
    count_transfer(r, c->h);
}

static void client_init(client *c, floor_run *r)
{
    memset(c, 0, sizeof *c);
    c->run = r;
    c->h = r->cu->easy_init();
    if (!c->h)
        die("curl_easy_init failed");
    r->cu->easy_setopt(c->h, CURLOPT_NOSIGNAL, 1L);
    r->cu->easy_setopt(c->h, CURLOPT_BUFFERSIZE, ES_HTTP_STREAM_BUFFER);
    r->cu->easy_setopt(c->h, CURLOPT_UPLOAD_BUFFERSIZE, ES_HTTP_STREAM_BUFFER);
    r->cu->easy_setopt(c->h, CURLOPT_TCP_KEEPALIVE, 1L);
    r->cu->easy_setopt(c->h, CURLOPT_CONNECTTIMEOUT_MS, CONNECT_TIMEOUT_MS);
    r->cu->easy_setopt(c->h, CURLOPT_LOW_SPEED_LIMIT, 1L);
    r->cu->easy_setopt(c->h, CURLOPT_LOW_SPEED_TIME, r->low_speed_time_s);
    r->cu->easy_setopt(c->h, CURLOPT_PROXY, ""); /* never a proxy from http_proxy & co. */
    r->cu->easy_setopt(c->h, CURLOPT_NOPROXY, "*");
    r->cu->easy_setopt(c->h, CURLOPT_SSL_VERIFYPEER, 1L);
    r->cu->easy_setopt(c->h, CURLOPT_SSL_VERIFYHOST, 2L);
    if (r->hash & HASH_CRC64NVME) { /* the checksum a GET states (set once: NULL would not undo it) */
        r->cu->easy_setopt(c->h, CURLOPT_HEADERFUNCTION, on_get_header);
        r->cu->easy_setopt(c->h, CURLOPT_HEADERDATA, c);
    }
    if (r->cacert) { /* the bundle alone, as the worker with AWS_CA_BUNDLE */
        r->cu->easy_setopt(c->h, CURLOPT_CAINFO, r->cacert);
        r->cu->easy_setopt(c->h, CURLOPT_CAPATH, NULL);
    }
}

/* Gives c a buffer of cap bytes whose pages are populated now (common/pages.h)
 * rather than faulted in one at a time as bodies first reach them: a fault
 * costs ~10 us on the VM of issue 11, so a floor that faulted its buffers in
 * would count what the worker, which populates its parts, does not pay. */
static void client_reserve(client *c, size_t cap)
{
    c->buf = xmalloc(cap);
    c->cap = cap;
    (void)es_pages_populate_written(c->buf, cap);
}

static void client_done(client *c)
{
    c->run->cu->easy_cleanup(c->h);
    free(c->buf);
}

/* Per image: photos in turn until none is left. */
static void *images_thread(void *arg)
{
    client *c = arg;
    floor_run *r = c->run;
    for (size_t i; (i = atomic_fetch_add(&r->next, 1)) < r->n_photos;) {
        photo *p = &r->photos[i];
        c->len = 0;
        get(c, p->get_url, on_get_body, p->size);
        uint64_t crc = (r->hash & HASH_CRC64NVME) ? es_crc_update(ES_CRC64NVME, 0, c->buf, p->put_size) : 0;
        put_body(c, p->put_url, c->buf, p->put_size, crc);
        atomic_fetch_add(&r->bytes, p->size);
    }
    return NULL;
}

static void read_list(floor_run *r, const char *list, const char *url, const char *root)
{
    FILE *f = fopen(list, "r");
    char line[4096];
    size_t cap = 0;
    if (!f)
        die("cannot open %s", list);
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (!line[0])
            continue;
        char *tab = strchr(line, '\t'), *end = NULL;
        unsigned long long put_size = 0;
        if (tab) {
            *tab = '\0';
            put_size = strtoull(tab + 1, &end, 10);
            if (end == tab + 1 || *end)
                die("%s: '%s' is not a byte count", list, tab + 1);
        }
        if (r->n_photos == cap) {
            cap = cap ? cap * 2 : 256;
            r->photos = realloc(r->photos, cap * sizeof *r->photos);
            if (!r->photos)
                die("out of memory");
        }
        char out[32];
        snprintf(out, sizeof out, "out/%zu", r->n_photos);
        photo *p = &r->photos[r->n_photos++];
        *p = (photo){.get_url = url_of(url, "", line),
                     .put_url = url_of(url, out, ""),
                     .size = file_size(root, line)};
        p->put_size = tab ? (size_t)put_size : p->size;
        if (put_size > p->size)
            die("%s: %s: %llu bytes to PUT, but the photo has %zu", list, line, put_size, p->size);
    }
    fclose(f);
    if (r->n_photos == 0)
        die("%s names no photos", list);
}

static void usage(void)
{
    fprintf(stderr, "usage: curl_floor_bench --url URL --root DIR (--list FILE [--threads N] | --stream FILE "
                    "[--part BYTES] [--put-bytes N]) [--hash none|sha256|crc64nvme|sha256+crc64nvme] "
                    "[--cacert FILE] "
                    "[--low-speed-time S]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    const char *url = NULL, *root = NULL, *list = NULL, *stream = NULL, *hash = "none";
    int threads = 1;
    floor_run r = {.part_size = (size_t)8 << 20, .put_bytes = SIZE_MAX, .low_speed_time_s = LOW_SPEED_TIME_S};
    if (argc % 2 == 0) /* options come in pairs */
        usage();
    for (int i = 1; i + 1 < argc; i += 2) {
        const char *v = argv[i + 1];
        if (!strcmp(argv[i], "--url"))
            url = v;
        else if (!strcmp(argv[i], "--root"))
            root = v;
        else if (!strcmp(argv[i], "--list"))
            list = v;
        else if (!strcmp(argv[i], "--stream"))
            stream = v;
        else if (!strcmp(argv[i], "--hash"))
            hash = v;
        else if (!strcmp(argv[i], "--cacert"))
            r.cacert = v;
        else if (!strcmp(argv[i], "--threads"))
            threads = atoi(v);
        else if (!strcmp(argv[i], "--part"))
            r.part_size = (size_t)strtoull(v, NULL, 10);
        else if (!strcmp(argv[i], "--low-speed-time"))
            r.low_speed_time_s = atol(v);
        else if (!strcmp(argv[i], "--put-bytes"))
            r.put_bytes = (size_t)strtoull(v, NULL, 10);
        else
            usage();
    }
    size_t known = 0;
    while (known < sizeof hash_names / sizeof hash_names[0] && strcmp(hash, hash_names[known]) != 0)
        known++;
    if (!url || !root || !list == !stream || threads < 1 || threads > MAX_THREADS || r.part_size < 1024 ||
        r.low_speed_time_s < 1 || known == sizeof hash_names / sizeof hash_names[0])
        usage();
    r.hash = (unsigned)known;
    /* the worker's malloc settings: libcurl frees its upload buffer after each
     * transfer, and without the worker's top pad each PUT faulted it in again */
    (void)es_worker_tune_malloc();
    es_error err = {0};
    r.cu = es_curl_api_get(&err);
    if (!r.cu)
        die("libcurl: %s", err.msg);
    if ((r.hash & HASH_SHA256) && !(r.crypto = es_crypto_api_get(&err)))
        die("libcrypto: %s", err.msg);

    client clients[MAX_THREADS + 1];
    double ms;
    size_t objects;
    if (list) {
        read_list(&r, list, url, root);
        pthread_t tid[MAX_THREADS];
        size_t largest = 0;
        for (size_t i = 0; i < r.n_photos; i++)
            largest = r.photos[i].size > largest ? r.photos[i].size : largest;
        for (int t = 0; t < threads; t++) {
            client_init(&clients[t], &r);
            client_reserve(&clients[t], largest);
        }
        for (int t = 0; t < threads; t++)
            if (pthread_create(&tid[t], NULL, images_thread, &clients[t]) != 0)
                die("pthread_create failed");
        for (int t = 0; t < threads; t++)
            pthread_join(tid[t], NULL);
        ms = es_test_cpu_ms(RUSAGE_SELF); /* the whole process so far */
        for (int t = 0; t < threads; t++)
            client_done(&clients[t]);
        objects = r.n_photos;
    } else {
        client *getter = &clients[0], *uploader = &clients[1];
        threads = 1;
        client_init(getter, &r);
        client_init(uploader, &r);
        getter->uploader = uploader;
        client_reserve(getter, r.part_size);
        getter->put_url = url_of(url, "out/", stream);
        char *get_url = url_of(url, "", stream);
        size_t want = file_size(root, stream);
        if (r.put_bytes != SIZE_MAX && r.put_bytes > want)
            die("--put-bytes %zu, but %s has %zu bytes", r.put_bytes, stream, want);
        getter->put_left = r.put_bytes < want ? r.put_bytes : want;
        get(getter, get_url, on_stream_body, want);
        if (getter->len > 0 || getter->part_no == 0) /* the rest (or an empty object) */
            put_part(getter);
        ms = es_test_cpu_ms(RUSAGE_SELF); /* the whole process so far */
        free(get_url);
        free(getter->put_url);
        client_done(getter);
        client_done(uploader);
        objects = 1;
    }
    unsigned long long bytes = atomic_load(&r.bytes);
    if (bytes == 0)
        die("no bytes moved");
    printf("# floor_mode %s\n# floor_hash %s\n# floor_threads %d\n", list ? "images" : "stream", hash, threads);
    printf("# floor_objects %zu\n# floor_bytes %llu\n# floor_requests %llu\n# floor_connections %ld\n",
           objects, bytes, (unsigned long long)atomic_load(&r.requests), (long)atomic_load(&r.connections));
    printf("# floor_put_bytes %llu\n", (unsigned long long)atomic_load(&r.put_bytes_sent));
    printf("# floor_part_bytes %zu\n", list ? (size_t)0 : r.part_size);
    printf("# floor_cpu_ms %.3f\n# floor_ms_per_image %.4f\n# floor_ms_per_mb %.4f\n", ms,
           ms / (double)objects, ms / ((double)bytes / 1e6));
    for (size_t i = 0; i < r.n_photos; i++) {
        free(r.photos[i].get_url);
        free(r.photos[i].put_url);
    }
    free(r.photos);
    return 0;
}
