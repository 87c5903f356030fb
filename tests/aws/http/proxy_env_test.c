/* proxy_env_test.c - with none of curl's proxy variables set when they are
 * read (src/aws/http/request.c), a request makes curl look up none of them,
 * no_proxy and NO_PROXY included. The test program defines getenv itself
 * (exported for the dlopen'ed libcurl: Makefile) and counts those lookups;
 * with a proxy variable set, curl's own lookup of no_proxy shows that the
 * count sees what curl reads. */
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

int main(void)
{
    s_srv = es_test_http_server_start();
    if (!s_srv)
        return 1;
    es_test_http_server_route(s_srv, "GET", "/ok", 200, "ok");
    ES_RUN(test_no_proxy_variable_no_lookup);
    es_test_http_server_stop(s_srv);
    return es_test_finish();
}
