/* tls_trust_test.c - the process-wide CA store (src/aws/http/tls_trust.h)
 * against a real TLS server (`openssl s_server -www`, which closes every
 * connection, so each request is a new handshake): many connections from
 * several threads (each with its own curl handles) build the store once;
 * verification stays strict (a certificate from another CA and a host name
 * the certificate does not name are refused); a rewritten CA file is loaded
 * again, and a file swapped to another CA is refused at once (no TLS session
 * of the old store resumed), even rewritten in place with its size and
 * modification time kept; a connection of a request that began before the
 * file was found deleted or garbled gets no store (not the old one); a
 * missing, garbage or empty one is a configuration error naming it; curl loads nothing into the shared store
 * (its object count), not even through an https:// proxy (not used then);
 * a request that opens a connection stat()s the CA file once, not twice;
 * AWS_CA_BUNDLE is trusted alone, without curl's default directory; no
 * store is built for plain http or when curl has no CAs to load. Skipped
 * when the openssl command is missing. */
#include <arpa/inet.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "aws/http/http.h"
#include "aws/http/tls_trust.h"
#include "../../harness/test.h"

#define S_THREADS 3
#define S_PER_THREAD 4

static char s_dir[] = "/tmp/es-tls-trust.XXXXXX";
static char s_cert[512], s_key[512], s_other[512], s_other_key[512], s_unused[512], s_unused_key[512];
static pid_t s_server = -1;
static unsigned s_port;

static bool s_run(const char *cmd)
{
    int rc = system(cmd);
    return rc != -1 && WIFEXITED(rc) && WEXITSTATUS(rc) == 0;
}

/* A self-signed certificate for IP 127.0.0.1 whose subject is /CN=cn. */
static bool s_make_cert_cn(const char *cert, const char *key, const char *cn)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout '%s' -out '%s' "
             "-days 2 -subj /CN=%s -addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1",
             key, cert, cn);
    return s_run(cmd);
}

static bool s_make_cert(const char *cert, const char *key) { return s_make_cert_cn(cert, key, "127.0.0.1"); }

static unsigned s_free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    unsigned port = 0;
    if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    if (fd >= 0)
        close(fd);
    return port;
}

/* openssl s_server on 127.0.0.1:s_port serving s_cert; true once it accepts. */
static bool s_start_server(void)
{
    s_port = s_free_port();
    if (!s_port)
        return false;
    char accept[64];
    snprintf(accept, sizeof accept, "127.0.0.1:%u", s_port);
    s_server = fork();
    if (s_server == 0) {
        prctl(PR_SET_PDEATHSIG, SIGTERM); /* never outlives a crashed test */
        if (!freopen("/dev/null", "w", stdout) || !freopen("/dev/null", "w", stderr) ||
            !freopen("/dev/null", "r", stdin))
            _exit(127);
        execlp("openssl", "openssl", "s_server", "-accept", accept, "-cert", s_cert, "-key", s_key, "-www",
               "-quiet", (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 100 && s_server > 0; i++) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in a = {.sin_family = AF_INET,
                                .sin_port = htons((uint16_t)s_port),
                                .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        bool up = fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
        if (fd >= 0)
            close(fd);
        if (up)
            return true;
        usleep(50000);
    }
    return false;
}

/* The limit of a request and of its connect phase. The connect phase
 * includes the handshake and loading the CAs it verifies with: curl parses
 * the whole system bundle itself in test_no_default_cas_left_to_curl, ~1 s
 * under qemu-aarch64 and ~3.8 s on a loaded machine, past the default
 * connect timeout (3 s), so the refusal the test expects came back as
 * ES_ERR_TIMEOUT (make test-arm64: "21 != 17"). Generous: no check here is
 * about time. */
#define S_REQUEST_TIMEOUT_MS 60000

/* GET https://host:s_port/, through curl's proxy variables when via_proxy. */
static es_err s_get_via(const char *host, const char *ca, bool via_proxy, es_http_response *resp)
{
    char url[128];
    snprintf(url, sizeof url, "https://%s:%u/", host, s_port);
    es_http_request req = {.method = "GET",
                           .url = url,
                           .max_body = 1 << 20,
                           .ca_bundle = ca,
                           .no_proxy = !via_proxy,
                           .connect_timeout_ms = S_REQUEST_TIMEOUT_MS,
                           .timeout_ms = S_REQUEST_TIMEOUT_MS};
    return es_http_perform(&req, resp);
}

static es_err s_get(const char *host, const char *ca, es_http_response *resp)
{
    return s_get_via(host, ca, false, resp);
}

typedef struct s_requester {
    const char *ca;
    int ok; /* requests answered 200 */
} s_requester;

static void *s_thread_requests(void *arg)
{
    s_requester *r = arg;
    es_http_response *resp = malloc(sizeof *resp);
    if (!resp)
        return NULL;
    es_http_response_init(resp);
    for (int i = 0; i < S_PER_THREAD; i++)
        if (s_get("127.0.0.1", r->ca, resp) == ES_OK && resp->status == 200)
            r->ok++;
    es_http_response_clean(resp);
    free(resp);
    return NULL;
}

/* S_THREADS threads (each with its own handles) make S_PER_THREAD requests
 * trusting ca; checks that every one succeeded. */
static void s_requests_from_threads(const char *ca)
{
    pthread_t th[S_THREADS];
    s_requester r[S_THREADS];
    int started = 0;
    for (; started < S_THREADS; started++) {
        r[started] = (s_requester){.ca = ca};
        if (pthread_create(&th[started], NULL, s_thread_requests, &r[started]) != 0)
            break;
    }
    for (int i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    CHECK_INT_EQ(started, S_THREADS);
    for (int i = 0; i < started; i++)
        CHECK_INT_EQ(r[i].ok, S_PER_THREAD);
}

static void test_store_built_once_for_every_connection(void)
{
    REQUIRE(es_tls_trust_available()); /* Debian's libcurl4 uses OpenSSL 3 */
    unsigned long before = es_tls_trust_loads();
    s_requests_from_threads(s_cert);
    /* 12 handshakes on 3 threads' handles: one store */
    CHECK_INT_EQ(es_tls_trust_loads() - before, 1);
}

static void test_other_ca_refused(void)
{
    es_http_response resp;
    es_http_response_init(&resp);
    CHECK_INT_EQ(s_get("127.0.0.1", s_other, &resp), ES_ERR_CONFIG);
    CHECK_STR_CONTAINS(resp.error, "certificate");
    CHECK_INT_EQ(resp.status, 0);
    /* the right CA again on the same thread: a new handle, trusted again */
    CHECK_OK(s_get("127.0.0.1", s_cert, &resp));
    CHECK_INT_EQ(resp.status, 200);
    es_http_response_clean(&resp);
}

static void test_host_name_checked(void)
{
    es_http_response resp;
    es_http_response_init(&resp);
    /* the certificate names IP 127.0.0.1 only */
    es_err rc = s_get("localhost", s_cert, &resp);
    CHECK(rc != ES_OK);
    CHECK_INT_EQ(resp.status, 0);
    es_http_response_clean(&resp);
}

static void test_rewritten_file_reloaded(void)
{
    es_http_response resp;
    es_http_response_init(&resp);
    CHECK_OK(s_get("127.0.0.1", s_cert, &resp));
    unsigned long before = es_tls_trust_loads();
    CHECK_OK(s_get("127.0.0.1", s_cert, &resp));
    CHECK_INT_EQ(es_tls_trust_loads() - before, 0);
    struct timespec later[2] = {{.tv_sec = time(NULL) + 60}, {.tv_sec = time(NULL) + 60}};
    REQUIRE(utimensat(AT_FDCWD, s_cert, later, 0) == 0); /* a rotated bundle: new mtime */
    CHECK_OK(s_get("127.0.0.1", s_cert, &resp));
    CHECK_INT_EQ(resp.status, 200);
    CHECK_INT_EQ(es_tls_trust_loads() - before, 1);
    es_http_response_clean(&resp);
}

static void test_missing_file_named(void)
{
    es_http_response resp;
    es_http_response_init(&resp);
    CHECK_INT_EQ(s_get("127.0.0.1", "/nonexistent/es-ca.pem", &resp), ES_ERR_CONFIG);
    CHECK_STR_CONTAINS(resp.error, "/nonexistent/es-ca.pem");
    es_http_response_clean(&resp);
}

static void test_curl_loads_nothing_into_shared_store(void)
{
    es_http_response resp;
    es_http_response_init(&resp);
    CHECK_OK(s_get("127.0.0.1", s_cert, &resp));
    CHECK_INT_EQ(es_tls_trust_objects(s_cert, ""), 1); /* the one certificate of the file */
    unsigned long attached = es_tls_trust_attaches();
    CHECK_OK(s_get("127.0.0.1", s_cert, &resp)); /* a new handshake on the same store */
    CHECK_INT_EQ(resp.status, 200);
    CHECK_INT_EQ(es_tls_trust_attaches() - attached, 1);
    /* curl added nothing of its own (its default bundle, were CAINFO left set) */
    CHECK_INT_EQ(es_tls_trust_objects(s_cert, ""), 1);
    es_http_response_clean(&resp);
}

/* A request that opens a connection looks at the CA file once: the
 * connection takes the store the request's own check found current. */
static void test_one_file_check_per_new_connection(void)
{
    es_http_response resp;
    es_http_response_init(&resp);
    CHECK_OK(s_get("127.0.0.1", s_cert, &resp)); /* the store exists */
    unsigned long checks = es_tls_trust_file_checks(), attached = es_tls_trust_attaches();
    CHECK_OK(s_get("127.0.0.1", s_cert, &resp)); /* s_server closed the last one: a new handshake */
    CHECK_INT_EQ(resp.status, 200);
    CHECK_INT_EQ(es_tls_trust_attaches() - attached, 1);
    CHECK_INT_EQ(es_tls_trust_file_checks() - checks, 1);
    es_http_response_clean(&resp);
}

/* The proxy variables are read once (es_http_proxy_env_reload reads them
 * again): with none at first, a variable set later changes nothing for curl
 * or for us (the request goes straight to the server, with the shared
 * store); read again, an https:// proxy keeps the shared store out of the
 * proxy's TLS, and once it is gone the store is shared again. */
static void test_https_proxy_bypasses_shared_store(void)
{
    unsetenv("no_proxy");
    unsetenv("NO_PROXY");
    es_http_proxy_env_reload();
    char proxy[64];
    snprintf(proxy, sizeof proxy, "https://127.0.0.1:%u", s_port); /* a TLS server: curl does TLS to it */
    REQUIRE(setenv("HTTPS_PROXY", proxy, 1) == 0);
    es_http_response resp;
    es_http_response_init(&resp);
    unsigned long attached = es_tls_trust_attaches();
    CHECK_OK(s_get_via("127.0.0.1", s_cert, true, &resp)); /* not read again: straight to s_server */
    CHECK_INT_EQ(resp.status, 200);
    CHECK_INT_EQ(es_tls_trust_attaches() - attached, 1);
    es_http_proxy_env_reload();
    attached = es_tls_trust_attaches();
    (void)s_get_via("127.0.0.1", s_cert, true, &resp); /* fails: s_server is no proxy */
    CHECK_INT_EQ(es_tls_trust_attaches() - attached, 0);
    CHECK_INT_EQ(es_tls_trust_objects(s_cert, ""), 1); /* curl loaded no proxy CAs into it */
    REQUIRE(unsetenv("HTTPS_PROXY") == 0);
    CHECK_OK(s_get_via("127.0.0.1", s_cert, true, &resp)); /* no proxy: shared again */
    CHECK_INT_EQ(es_tls_trust_attaches() - attached, 1);
    es_http_proxy_env_reload();
    es_http_response_clean(&resp);
}

static void test_libssl_must_be_curls(void)
{
    CHECK(es_tls_trust_same_openssl("OpenSSL/3.0.19", "OpenSSL 3.0.19 27 Jan 2026"));
    CHECK(es_tls_trust_same_openssl("OpenSSL/3.2.1", "OpenSSL 3.2.1"));
    CHECK(!es_tls_trust_same_openssl("OpenSSL/3.0.1", "OpenSSL 3.0.19 27 Jan 2026")); /* not a prefix match */
    CHECK(!es_tls_trust_same_openssl("OpenSSL/3.0.19", "OpenSSL 3.0.1 14 Dec 2021"));
    CHECK(!es_tls_trust_same_openssl("OpenSSL/3.2.0", "OpenSSL 3.0.19 27 Jan 2026"));
    CHECK(!es_tls_trust_same_openssl("OpenSSL/", "OpenSSL  x"));
    CHECK(!es_tls_trust_same_openssl("LibreSSL/3.8.2", "LibreSSL 3.8.2"));
    CHECK(!es_tls_trust_same_openssl(NULL, "OpenSSL 3.0.19 27 Jan 2026"));
    CHECK(!es_tls_trust_same_openssl("OpenSSL/3.0.19", NULL));
}

/* A certificate block whose contents are no certificate. */
static const char s_garbage_pem[] = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";

static void s_write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    REQUIRE(f);
    fputs(text, f);
    REQUIRE(fclose(f) == 0);
}

static void test_unusable_file_named(void)
{
    char bad[600];
    snprintf(bad, sizeof bad, "%s/garbage.pem", s_dir);
    es_http_response resp;
    es_http_response_init(&resp);
    s_write_file(bad, s_garbage_pem);
    CHECK_INT_EQ(s_get("127.0.0.1", bad, &resp), ES_ERR_CONFIG);
    CHECK_STR_CONTAINS(resp.error, bad);
    CHECK_INT_EQ(resp.status, 0);
    s_write_file(bad, "");
    struct timespec later[2] = {{.tv_sec = time(NULL) + 30}, {.tv_sec = time(NULL) + 30}};
    REQUIRE(utimensat(AT_FDCWD, bad, later, 0) == 0);
    CHECK_INT_EQ(s_get("127.0.0.1", bad, &resp), ES_ERR_CONFIG);
    CHECK_STR_CONTAINS(resp.error, bad);
    es_http_response_clean(&resp);
}

/* cp src dst, then dst's modification time set to now + ahead seconds (a
 * rotation; cp twice within one clock tick could leave the same identity). */
static void s_replace(const char *src, const char *dst, int ahead)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "cp '%s' '%s'", src, dst);
    REQUIRE(s_run(cmd));
    struct timespec t[2] = {{.tv_sec = time(NULL) + ahead}, {.tv_sec = time(NULL) + ahead}};
    REQUIRE(utimensat(AT_FDCWD, dst, t, 0) == 0);
}

static void test_contents_swapped_and_restored(void)
{
    char ca[600], keep[600];
    snprintf(ca, sizeof ca, "%s/rotating.pem", s_dir);
    snprintf(keep, sizeof keep, "%s/keep.pem", s_dir);
    s_replace(s_cert, ca, 100);
    es_http_response resp;
    es_http_response_init(&resp);
    CHECK_OK(s_get("127.0.0.1", ca, &resp));
    CHECK_INT_EQ(resp.status, 200);
    s_replace(s_other, ca, 200); /* same path, now another CA: refused */
    CHECK_INT_EQ(s_get("127.0.0.1", ca, &resp), ES_ERR_CONFIG);
    CHECK_INT_EQ(resp.status, 0);
    s_replace(s_cert, ca, 300); /* restored: trusted again */
    CHECK_OK(s_get("127.0.0.1", ca, &resp));
    CHECK_INT_EQ(resp.status, 200);
    es_http_response_clean(&resp);
}

/* Rewrites dst in place (same inode) with src's certificate padded to
 * S_PADDED bytes, dated when: a bundle whose size and modification time
 * stay what they were (cp -p, tar or rsync --inplace -t of a bundle dated
 * alike, or two writes within one tick of a coarse clock). */
#define S_PADDED 4096
static void s_rewrite_alike(const char *src, const char *dst, time_t when)
{
    char pem[S_PADDED];
    memset(pem, '\n', sizeof pem);
    FILE *in = fopen(src, "rb");
    REQUIRE(in);
    size_t n = fread(pem, 1, sizeof pem - 1, in);
    fclose(in);
    REQUIRE(n > 0 && n < sizeof pem - 1);
    int fd = open(dst, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    REQUIRE(fd >= 0);
    bool written = write(fd, pem, sizeof pem) == (ssize_t)sizeof pem;
    close(fd);
    REQUIRE(written);
    struct timespec t[2] = {{.tv_sec = when}, {.tv_sec = when}};
    REQUIRE(utimensat(AT_FDCWD, dst, t, 0) == 0);
}

static void test_rewrite_keeping_size_and_mtime_reloaded(void)
{
    char ca[600];
    snprintf(ca, sizeof ca, "%s/alike.pem", s_dir);
    time_t when = time(NULL) - 3600;
    s_rewrite_alike(s_cert, ca, when);
    es_http_response resp;
    es_http_response_init(&resp);
    CHECK_OK(s_get("127.0.0.1", ca, &resp));
    CHECK_INT_EQ(resp.status, 200);
    struct stat before;
    REQUIRE(stat(ca, &before) == 0);
    s_rewrite_alike(s_other, ca, when); /* another CA, same inode, size and mtime */
    struct stat after;
    REQUIRE(stat(ca, &after) == 0);
    REQUIRE(after.st_ino == before.st_ino && after.st_size == before.st_size &&
            after.st_mtim.tv_sec == before.st_mtim.tv_sec && after.st_mtim.tv_nsec == before.st_mtim.tv_nsec);
    CHECK_INT_EQ(s_get("127.0.0.1", ca, &resp), ES_ERR_CONFIG); /* the old CA is no longer trusted */
    CHECK_INT_EQ(resp.status, 0);
    es_http_response_clean(&resp);
}

/* A client SSL_CTX from the libssl libcurl loaded (NULL when not found),
 * as curl hands one to CURLOPT_SSL_CTX_FUNCTION; free with s_ssl_ctx_free. */
static void *s_ssl_ctx_new(void)
{
    void *ssl = dlopen("libssl.so.3", RTLD_NOW | RTLD_NOLOAD);
    void *(*method)(void) = ssl ? (void *(*)(void))dlsym(ssl, "TLS_client_method") : NULL;
    void *(*ctx_new)(const void *) = ssl ? (void *(*)(const void *))dlsym(ssl, "SSL_CTX_new") : NULL;
    return method && ctx_new ? ctx_new(method()) : NULL;
}

static void s_ssl_ctx_free(void *ctx)
{
    void *ssl = dlopen("libssl.so.3", RTLD_NOW | RTLD_NOLOAD);
    void (*ctx_free)(void *) = ssl ? (void (*)(void *))dlsym(ssl, "SSL_CTX_free") : NULL;
    if (ctx_free)
        ctx_free(ctx);
}

/* A connection whose request took generation gen of ca's store before ca
 * became unusable (break_ca) attaches no store: the old one is not
 * "still current" once a check found the file changed and failed. */
static void s_straggler_refused(const char *ca, void (*break_ca)(const char *))
{
    s_replace(s_cert, ca, 500);
    unsigned long gen = es_tls_trust_generation(ca, "");
    CHECK(gen != 0);
    break_ca(ca);
    CHECK_INT_EQ(es_tls_trust_generation(ca, ""), 0); /* another thread's request finds it unusable */
    void *ctx = s_ssl_ctx_new();
    REQUIRE(ctx);
    char msg[256] = "";
    CHECK_INT_EQ(es_tls_trust_attach(ctx, ca, "", gen, msg, sizeof msg), ES_ERR_CONFIG);
    CHECK_STR_CONTAINS(msg, ca);
    CHECK_INT_EQ(es_tls_trust_objects(ca, ""), -1); /* the old CAs are held nowhere */
    s_ssl_ctx_free(ctx);
}

static void s_garble(const char *ca) { s_write_file(ca, s_garbage_pem); }

static void s_delete(const char *ca) { REQUIRE(unlink(ca) == 0); }

static void test_store_of_broken_bundle_not_attached(void)
{
    REQUIRE(es_tls_trust_available());
    char ca[600];
    snprintf(ca, sizeof ca, "%s/garbled.pem", s_dir);
    s_straggler_refused(ca, s_garble);
    snprintf(ca, sizeof ca, "%s/deleted.pem", s_dir);
    s_straggler_refused(ca, s_delete);
}

static atomic_int s_stop_touching;
static char s_touched[600];

/* Gives s_touched a new modification time every 2 ms until told to stop. */
static void *s_thread_toucher(void *arg)
{
    (void)arg;
    for (int i = 1; !atomic_load(&s_stop_touching) && i < 2000; i++) {
        struct timespec t[2] = {{.tv_sec = time(NULL) + 400 + i}, {.tv_sec = time(NULL) + 400 + i}};
        (void)utimensat(AT_FDCWD, s_touched, t, 0);
        usleep(2000);
    }
    return NULL;
}

static void test_reloads_while_connecting(void)
{
    snprintf(s_touched, sizeof s_touched, "%s/touched.pem", s_dir);
    s_replace(s_cert, s_touched, 0);
    unsigned long before = es_tls_trust_loads();
    pthread_t toucher;
    REQUIRE(pthread_create(&toucher, NULL, s_thread_toucher, NULL) == 0);
    s_requests_from_threads(s_touched); /* no connection saw a store freed under it */
    atomic_store(&s_stop_touching, 1);
    pthread_join(toucher, NULL);
    CHECK(es_tls_trust_loads() - before >= 2);
    CHECK_INT_EQ(es_tls_trust_objects(s_touched, ""), 1);
}

static void test_plain_http_builds_no_store(void)
{
    char ca[600], url[64];
    snprintf(ca, sizeof ca, "%s/plain.pem", s_dir);
    s_replace(s_cert, ca, 0);
    snprintf(url, sizeof url, "http://127.0.0.1:%u/", s_free_port()); /* nothing listens */
    es_http_request req = {.method = "GET", .url = url, .max_body = 1024, .ca_bundle = ca, .no_proxy = true};
    es_http_response resp;
    es_http_response_init(&resp);
    unsigned long before = es_tls_trust_loads();
    CHECK(es_http_perform(&req, &resp) != ES_OK);
    CHECK_INT_EQ(es_tls_trust_loads() - before, 0); /* no TLS, no CA parsing */
    es_http_response_clean(&resp);
}

/* curl's built-in CA file and directory, to restore after a test replaced them. */
static char s_curl_file[512], s_curl_dir[512];

static void s_save_defaults(void)
{
    const char *file = "", *dir = "";
    (void)es_tls_trust_choose(NULL, &file, &dir);
    snprintf(s_curl_file, sizeof s_curl_file, "%s", file);
    snprintf(s_curl_dir, sizeof s_curl_dir, "%s", dir);
}

static void test_bundle_alone_not_default_dir(void)
{
    /* a CA directory (hashed names, as /etc/ssl/certs) trusting the server */
    char cmd[4096], hashed[600];
    snprintf(hashed, sizeof hashed, "%s/hashed", s_dir);
    snprintf(cmd, sizeof cmd, "mkdir -p '%s' && cp '%s' \"%s/$(openssl x509 -hash -noout -in '%s').0\"",
             hashed, s_cert, hashed, s_cert);
    REQUIRE(s_run(cmd));
    s_save_defaults();
    es_tls_trust_set_defaults("", hashed);
    es_http_response resp;
    es_http_response_init(&resp);
    const char *file = NULL, *dir = NULL;
    CHECK(es_tls_trust_choose(s_other, &file, &dir));
    CHECK_STR_EQ(dir, "");
    /* without AWS_CA_BUNDLE the default directory is trusted ... */
    CHECK_OK(s_get("127.0.0.1", NULL, &resp));
    CHECK_INT_EQ(resp.status, 200);
    /* ... with it, only the bundle: a server known only to the directory is refused */
    CHECK_INT_EQ(s_get("127.0.0.1", s_other, &resp), ES_ERR_CONFIG);
    CHECK_INT_EQ(resp.status, 0);
    es_tls_trust_set_defaults(s_curl_file, s_curl_dir);
    es_http_response_clean(&resp);
}

static void test_no_default_cas_left_to_curl(void)
{
    s_save_defaults();
    es_tls_trust_set_defaults("", "");
    const char *file = NULL, *dir = NULL;
    CHECK(!es_tls_trust_choose(NULL, &file, &dir)); /* an empty store would refuse everyone */
    CHECK(!es_tls_trust_choose("", &file, &dir));
    CHECK(es_tls_trust_choose(s_cert, &file, &dir));
    CHECK_STR_EQ(file, s_cert);
    unsigned long before = es_tls_trust_loads();
    es_http_response resp;
    es_http_response_init(&resp);
    /* curl verifies with its own CAs, which do not include the test's */
    CHECK_INT_EQ(s_get("127.0.0.1", NULL, &resp), ES_ERR_CONFIG);
    CHECK(strstr(resp.error, "no certificates found") == NULL);
    CHECK_INT_EQ(es_tls_trust_loads() - before, 0);
    es_tls_trust_set_defaults(s_curl_file, s_curl_dir);
    es_http_response_clean(&resp);
}

/* dst = the concatenation of the NULL-ended files. */
static void s_bundle(const char *dst, ...)
{
    char cmd[4096];
    size_t n = (size_t)snprintf(cmd, sizeof cmd, "cat");
    va_list ap;
    va_start(ap, dst);
    for (const char *f; (f = va_arg(ap, const char *)) != NULL;)
        n += (size_t)snprintf(cmd + n, sizeof cmd - n, " '%s'", f);
    va_end(ap);
    snprintf(cmd + n, sizeof cmd - n, " > '%s'", dst);
    REQUIRE(s_run(cmd));
}

/* A request trusting ca is answered (200). */
static void s_check_served(const char *ca, es_http_response *resp)
{
    CHECK_OK(s_get("127.0.0.1", ca, resp));
    CHECK_INT_EQ(resp->status, 200);
}

/* A bundle of plain certificate blocks is indexed, not decoded: a handshake
 * decodes the certificates with the subject it asks for (s_cert and s_other
 * share theirs, /CN=127.0.0.1), not the rest; the store then holds those
 * alone and answers the next handshake itself. Verification is unchanged:
 * without s_cert in the bundle the server is refused. */
static void test_bundle_decoded_lazily(void)
{
    char bundle[600], wrong[600];
    snprintf(bundle, sizeof bundle, "%s/lazy.pem", s_dir);
    snprintf(wrong, sizeof wrong, "%s/lazy-wrong.pem", s_dir);
    s_bundle(bundle, s_unused, s_cert, s_unused, (const char *)NULL);
    s_bundle(wrong, s_unused, s_other, (const char *)NULL);
    es_http_response resp;
    es_http_response_init(&resp);
    unsigned long stores = es_tls_trust_lazy_stores(), decodes = es_tls_trust_lazy_decodes();
    s_check_served(bundle, &resp);
    CHECK_INT_EQ(es_tls_trust_lazy_stores() - stores, 1);
    CHECK_INT_EQ(es_tls_trust_lazy_decodes() - decodes, 1); /* s_cert alone, of 3 */
    CHECK_INT_EQ(es_tls_trust_objects(bundle, ""), 1);
    s_check_served(bundle, &resp); /* a new handshake: found in the store */
    CHECK_INT_EQ(es_tls_trust_lazy_decodes() - decodes, 1);
    CHECK_INT_EQ(s_get("127.0.0.1", wrong, &resp), ES_ERR_CONFIG);
    CHECK_STR_CONTAINS(resp.error, "certificate");
    CHECK_INT_EQ(es_tls_trust_lazy_decodes() - decodes, 2); /* s_other: the subject asked for */
    CHECK_INT_EQ(es_tls_trust_objects(wrong, ""), 1);
    s_bundle(bundle, s_unused, s_other, s_cert, (const char *)NULL); /* both with the subject */
    struct timespec later[2] = {{.tv_sec = time(NULL) + 90}, {.tv_sec = time(NULL) + 90}};
    REQUIRE(utimensat(AT_FDCWD, bundle, later, 0) == 0);
    s_check_served(bundle, &resp);
    CHECK_INT_EQ(es_tls_trust_lazy_decodes() - decodes, 4);
    CHECK_INT_EQ(es_tls_trust_objects(bundle, ""), 2);
    es_http_response_clean(&resp);
}

/* A bundle with a block the scanner does not read (here a TRUSTED
 * CERTIFICATE, OpenSSL's form with trust settings) is loaded whole by
 * OpenSSL, as before. */
static void test_other_blocks_loaded_whole(void)
{
    char trusted[600], bundle[600], cmd[2048];
    snprintf(trusted, sizeof trusted, "%s/trusted.pem", s_dir);
    snprintf(bundle, sizeof bundle, "%s/with-trusted.pem", s_dir);
    snprintf(cmd, sizeof cmd, "openssl x509 -in '%s' -addtrust serverAuth -out '%s' >/dev/null 2>&1", s_cert,
             trusted);
    REQUIRE(s_run(cmd));
    s_bundle(bundle, s_unused, trusted, (const char *)NULL);
    es_http_response resp;
    es_http_response_init(&resp);
    unsigned long stores = es_tls_trust_lazy_stores(), loads = es_tls_trust_loads();
    s_check_served(bundle, &resp);
    CHECK_INT_EQ(es_tls_trust_loads() - loads, 1);
    CHECK_INT_EQ(es_tls_trust_lazy_stores() - stores, 0);
    CHECK_INT_EQ(es_tls_trust_objects(bundle, ""), 2); /* both, decoded up front */
    es_http_response_clean(&resp);
}

static void test_openssl_command_missing(void) { SKIP("openssl cannot make certificates or run s_server"); }

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    if (!mkdtemp(s_dir))
        return 1;
    snprintf(s_cert, sizeof s_cert, "%s/cert.pem", s_dir);
    snprintf(s_key, sizeof s_key, "%s/key.pem", s_dir);
    snprintf(s_other, sizeof s_other, "%s/other.pem", s_dir);
    snprintf(s_other_key, sizeof s_other_key, "%s/other-key.pem", s_dir);
    snprintf(s_unused, sizeof s_unused, "%s/unused.pem", s_dir);
    snprintf(s_unused_key, sizeof s_unused_key, "%s/unused-key.pem", s_dir);
    bool ready = s_make_cert(s_cert, s_key) && s_make_cert(s_other, s_other_key) &&
                 s_make_cert_cn(s_unused, s_unused_key, "es-unused") && s_start_server();
    if (ready) {
        ES_RUN(test_store_built_once_for_every_connection);
        ES_RUN(test_other_ca_refused);
        ES_RUN(test_host_name_checked);
        ES_RUN(test_rewritten_file_reloaded);
        ES_RUN(test_missing_file_named);
        ES_RUN(test_unusable_file_named);
        ES_RUN(test_contents_swapped_and_restored);
        ES_RUN(test_rewrite_keeping_size_and_mtime_reloaded);
        ES_RUN(test_store_of_broken_bundle_not_attached);
        ES_RUN(test_reloads_while_connecting);
        ES_RUN(test_plain_http_builds_no_store);
        ES_RUN(test_curl_loads_nothing_into_shared_store);
        ES_RUN(test_one_file_check_per_new_connection);
        ES_RUN(test_https_proxy_bypasses_shared_store);
        ES_RUN(test_bundle_alone_not_default_dir);
        ES_RUN(test_libssl_must_be_curls);
        ES_RUN(test_bundle_decoded_lazily);
        ES_RUN(test_other_blocks_loaded_whole);
        ES_RUN(test_no_default_cas_left_to_curl);
    } else {
        ES_RUN(test_openssl_command_missing);
    }
    if (s_server > 0) {
        kill(s_server, SIGTERM);
        waitpid(s_server, NULL, 0);
    }
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", s_dir);
    (void)s_run(cmd);
    return es_test_finish();
}
