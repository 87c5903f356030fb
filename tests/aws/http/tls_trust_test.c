/* tls_trust_test.c - the process-wide CA store (src/aws/http/tls_trust.h)
 * against a real TLS server (`openssl s_server -www`, which closes every
 * connection, so each request is a new handshake): many connections from
 * several threads (each with its own curl handles) build the store once;
 * verification stays strict (a certificate from another CA and a host name
 * the certificate does not name are refused); a rewritten CA file is loaded
 * again; a missing one is a configuration error naming it. Skipped when the
 * openssl command is missing. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
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
static char s_cert[512], s_key[512], s_other[512], s_other_key[512];
static pid_t s_server = -1;
static unsigned s_port;

static bool s_run(const char *cmd)
{
    int rc = system(cmd);
    return rc != -1 && WIFEXITED(rc) && WEXITSTATUS(rc) == 0;
}

static bool s_make_cert(const char *cert, const char *key)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout '%s' -out '%s' "
             "-days 2 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1",
             key, cert);
    return s_run(cmd);
}

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
        freopen("/dev/null", "w", stdout);
        freopen("/dev/null", "w", stderr);
        freopen("/dev/null", "r", stdin);
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

static es_err s_get(const char *host, const char *ca, es_http_response *resp)
{
    char url[128];
    snprintf(url, sizeof url, "https://%s:%u/", host, s_port);
    es_http_request req = {.method = "GET",
                           .url = url,
                           .max_body = 1 << 20,
                           .ca_bundle = ca,
                           .no_proxy = true,
                           .timeout_ms = 10000};
    return es_http_perform(&req, resp);
}

static void *s_thread_requests(void *arg)
{
    int *ok = arg;
    es_http_response *resp = malloc(sizeof *resp);
    if (!resp)
        return NULL;
    es_http_response_init(resp);
    for (int i = 0; i < S_PER_THREAD; i++)
        if (s_get("127.0.0.1", s_cert, resp) == ES_OK && resp->status == 200)
            (*ok)++;
    es_http_response_clean(resp);
    free(resp);
    return NULL;
}

static void test_store_built_once_for_every_connection(void)
{
    REQUIRE(es_tls_trust_available()); /* Debian's libcurl4 uses OpenSSL 3 */
    unsigned long before = es_tls_trust_loads();
    pthread_t th[S_THREADS];
    int ok[S_THREADS] = {0};
    for (int i = 0; i < S_THREADS; i++)
        REQUIRE(pthread_create(&th[i], NULL, s_thread_requests, &ok[i]) == 0);
    for (int i = 0; i < S_THREADS; i++)
        pthread_join(th[i], NULL);
    for (int i = 0; i < S_THREADS; i++)
        CHECK_INT_EQ(ok[i], S_PER_THREAD);
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
    bool ready = s_make_cert(s_cert, s_key) && s_make_cert(s_other, s_other_key) && s_start_server();
    if (ready) {
        ES_RUN(test_store_built_once_for_every_connection);
        ES_RUN(test_other_ca_refused);
        ES_RUN(test_host_name_checked);
        ES_RUN(test_rewritten_file_reloaded);
        ES_RUN(test_missing_file_named);
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
