/* proxy_env_test.c - with none of curl's proxy variables set when they are
 * read (src/aws/http/request.c), a request makes curl look up none of them,
 * no_proxy and NO_PROXY included. The test program defines getenv itself
 * (exported for the dlopen'ed libcurl: Makefile) and counts those lookups;
 * with a proxy variable set, curl's own lookup of no_proxy shows that the
 * count sees what curl reads. A request that fails through a proxy names it
 * in its message, without the user and password of the variable. */
#include <stdio.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "../../harness/test.h"
#include "../../support/http_server.h"
#include "aws/http/http.h"

extern char **environ;

static atomic_bool s_counting;
static atomic_int s_no_proxy_lookups;

/* The C library's getenv, over environ, counting no_proxy lookups. */
char *getenv(const char *name)
{
    if (atomic_load(&s_counting) && (!strcmp(name, "no_proxy") || !strcmp(name, "NO_PROXY")))
        atomic_fetch_add(&s_no_proxy_lookups, 1);
    size_t n = strlen(name);
    for (char **e = environ; e && *e; e++) {
        if (!strncmp(*e, name, n) && (*e)[n] == '=')
            return *e + n + 1;
    }
    return NULL;
}

static es_test_http_server *s_srv;

/* GETs the test server's /ok and returns how often no_proxy was looked up meanwhile. */
static int s_lookups_for_get(void)
{
    es_http_response *resp = malloc(sizeof *resp);
    if (!resp)
        return -1;
    es_http_response_init(resp);
    char url[128];
    snprintf(url, sizeof url, "%s/ok", es_test_http_server_url(s_srv));
    es_http_request req = {.method = "GET", .url = url, .max_body = 1024, .timeout_ms = 10000};
    atomic_store(&s_no_proxy_lookups, 0);
    atomic_store(&s_counting, true);
    CHECK_OK(es_http_perform(&req, resp));
    atomic_store(&s_counting, false);
    CHECK_INT_EQ(resp->status, 200);
    es_http_response_clean(resp);
    free(resp);
    return atomic_load(&s_no_proxy_lookups);
}

static void s_unset_proxy_env(void)
{
    static const char *const vars[] = {"https_proxy", "HTTPS_PROXY", "http_proxy", "HTTP_PROXY",
                                       "all_proxy",   "ALL_PROXY",   "no_proxy",   "NO_PROXY"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
        unsetenv(vars[i]);
}

static void test_no_proxy_variable_no_lookup(void)
{
    /* a proxy variable set: curl reads no_proxy itself, and bypasses the
     * (unreachable) proxy for 127.0.0.1 as it says */
    s_unset_proxy_env();
    REQUIRE(setenv("http_proxy", "http://127.0.0.1:9", 1) == 0);
    REQUIRE(setenv("no_proxy", "127.0.0.1", 1) == 0);
    es_http_proxy_env_reload();
    CHECK(s_lookups_for_get() > 0);

    /* none set: none looked up, by us or curl */
    s_unset_proxy_env();
    es_http_proxy_env_reload();
    CHECK_INT_EQ(s_lookups_for_get(), 0);
    CHECK_INT_EQ(s_lookups_for_get(), 0);
}

/* GETs url (NULL: the test server's /ok), expected to fail, and returns resp->error. */
static void s_failed_get(const char *url, char *error, size_t size)
{
    es_http_response *resp = malloc(sizeof *resp);
    REQUIRE(resp != NULL);
    es_http_response_init(resp);
    char ok[128];
    snprintf(ok, sizeof ok, "%s/ok", es_test_http_server_url(s_srv));
    url = url ? url : ok;
    es_http_request req = {.method = "GET", .url = url, .max_body = 1024, .timeout_ms = 10000};
    CHECK_INT_EQ(es_http_perform(&req, resp), ES_ERR_NETWORK);
    snprintf(error, size, "%s", resp->error);
    es_http_response_clean(resp);
    free(resp);
}

static void test_failure_names_the_proxy(void)
{
    char error[256];
    /* the proxy (nothing listens on port 9) refuses: curl names 127.0.0.1 port 9, the message the proxy */
    s_unset_proxy_env();
    REQUIRE(setenv("http_proxy", "http://user:s3cret@127.0.0.1:9", 1) == 0);
    es_http_proxy_env_reload();
    s_failed_get(NULL, error, sizeof error);
    CHECK_STR_CONTAINS(error, " (via proxy http://127.0.0.1:9)");
    CHECK(!strstr(error, "s3cret") && !strstr(error, "user"));
    /* no scheme, no port: curl's http:// and 1080 */
    REQUIRE(setenv("http_proxy", "127.0.0.1", 1) == 0);
    REQUIRE(setenv("no_proxy", "example.com,.127.0.0.2", 1) == 0);
    s_failed_get(NULL, error, sizeof error);
    CHECK_STR_CONTAINS(error, " (via proxy http://127.0.0.1:1080)");
    /* all_proxy, and HTTP_PROXY (which curl never honours) is not named */
    unsetenv("http_proxy");
    REQUIRE(setenv("HTTP_PROXY", "http://127.0.0.1:8", 1) == 0);
    REQUIRE(setenv("all_proxy", "http://127.0.0.1:9", 1) == 0);
    s_failed_get(NULL, error, sizeof error);
    CHECK_STR_CONTAINS(error, " (via proxy http://127.0.0.1:9)");
    /* an https:// endpoint: HTTPS_PROXY, not http_proxy (the proxy refuses before the endpoint is looked up) */
    s_unset_proxy_env();
    REQUIRE(setenv("HTTPS_PROXY", "http://127.0.0.1:9", 1) == 0);
    REQUIRE(setenv("http_proxy", "http://127.0.0.1:8", 1) == 0);
    es_http_proxy_env_reload();
    s_failed_get("https://s3.example.invalid/ok", error, sizeof error);
    CHECK_STR_CONTAINS(error, " (via proxy http://127.0.0.1:9)");
    /* an endpoint that refuses directly (no_proxy names it) names no proxy */
    s_unset_proxy_env();
    REQUIRE(setenv("http_proxy", "http://127.0.0.1:9", 1) == 0);
    REQUIRE(setenv("no_proxy", "localhost, 127.0.0.1", 1) == 0);
    es_http_proxy_env_reload();
    s_failed_get("http://127.0.0.1:9/ok", error, sizeof error);
    CHECK(error[0] && !strstr(error, "proxy"));
    s_unset_proxy_env();
    es_http_proxy_env_reload();
}

int main(void)
{
    s_srv = es_test_http_server_start();
    if (!s_srv)
        return 1;
    es_test_http_server_route(s_srv, "GET", "/ok", 200, "ok");
    ES_RUN(test_no_proxy_variable_no_lookup);
    ES_RUN(test_failure_names_the_proxy);
    es_test_http_server_stop(s_srv);
    return es_test_finish();
}
