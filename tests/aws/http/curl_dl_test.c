/* curl_dl_test.c - libcurl loaded at run time (src/aws/http/curl_dl.h): the first
 * use from several threads at once yields one table, every function is
 * resolved and usable (curl_global_init has run), and a missing or foreign
 * library is refused with ES_ERR_CONFIG and a message naming it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/http/curl_dl.h"
#include "../../harness/test.h"
#include "../../support/threads.h"

#define S_THREADS 8

static const void *s_get(void) { return es_curl_api_get(NULL); }

/* Must run first: nothing in this process has loaded the library yet. */
static void test_concurrent_first_use(void)
{
    const void *first = es_test_same_from_threads(s_get, S_THREADS);
    REQUIRE(first != NULL);
    es_error err;
    es_error_clear(&err);
    CHECK(es_curl_api_get(&err) == first);
    CHECK_INT_EQ(err.code, ES_OK);
}

static void test_every_function_resolved_and_usable(void)
{
    const es_curl_api *cu = es_curl_api_get(NULL);
    REQUIRE(cu != NULL);
#define S_CHECK_FIELD(field, symbol) \
    if (!cu->field)                  \
        es_test_fail(__FILE__, __LINE__, "%s was not resolved", #symbol);
    ES_CURL_FUNCTIONS(S_CHECK_FIELD)
#undef S_CHECK_FIELD

    CURL *h = cu->easy_init();
    REQUIRE(h != NULL);
    CHECK_INT_EQ(cu->easy_setopt(h, CURLOPT_URL, "http://127.0.0.1/"), CURLE_OK);
    long port = 4242;
    CHECK_INT_EQ(cu->easy_getinfo(h, CURLINFO_PRIMARY_PORT, &port), CURLE_OK);
    CHECK(port == 0 || port == -1); /* nothing performed yet: curl 7 says 0, curl 8 -1 */
    cu->easy_cleanup(h);
    CHECK_STR_EQ(cu->easy_strerror(CURLE_OK), "No error");
    /* GnuTLS (pulled in by librtmp, unused) was asked not to initialise itself. */
    const char *gnutls_init = getenv("GNUTLS_NO_IMPLICIT_INIT");
    REQUIRE(gnutls_init != NULL);
    CHECK_STR_EQ(gnutls_init, "1");

    CHECK_INT_EQ(cu->getdate("Sun, 06 Nov 1994 08:49:37 GMT", NULL), 784111777);
    CHECK_INT_EQ(cu->getdate("not a date", NULL), -1);

    CURLU *u = cu->url();
    REQUIRE(u != NULL);
    char *host = NULL;
    CHECK_INT_EQ(cu->url_set(u, CURLUPART_URL, "https://example.test:8443/p?q", 0), CURLUE_OK);
    CHECK_INT_EQ(cu->url_get(u, CURLUPART_HOST, &host, 0), CURLUE_OK);
    CHECK_STR_EQ(host ? host : "(null)", "example.test");
    cu->free(host);
    cu->url_cleanup(u);

    struct curl_slist *l = cu->slist_append(NULL, "A: 1");
    REQUIRE(l != NULL);
    struct curl_slist *l2 = cu->slist_append(l, "B: 2");
    REQUIRE(l2 == l);
    CHECK_STR_EQ(l->next->data, "B: 2");
    cu->slist_free_all(l);
}

static void test_missing_library(void)
{
    es_curl_api api;
    es_error err;
    es_error_clear(&err);
    CHECK_INT_EQ(es_curl_dl_open("libexifstrip-no-such-library.so.9", &api, &err), ES_ERR_CONFIG);
    CHECK_INT_EQ(err.code, ES_ERR_CONFIG);
    CHECK_STR_CONTAINS(err.msg, "cannot load libexifstrip-no-such-library.so.9");
    CHECK_STR_CONTAINS(err.msg, "libcurl4");
}

static void test_library_without_curl(void)
{
    es_curl_api api;
    es_error err;
    es_error_clear(&err);
    CHECK_INT_EQ(es_curl_dl_open("libm.so.6", &api, &err), ES_ERR_CONFIG);
    CHECK_STR_CONTAINS(err.msg, "libm.so.6 lacks curl_global_init");
}

static void test_open_by_name_and_bad_args(void)
{
    es_curl_api api;
    memset(&api, 0, sizeof api);
    CHECK_OK(es_curl_dl_open(ES_CURL_LIBRARY, &api, NULL));
    const es_curl_api *cu = es_curl_api_get(NULL);
    REQUIRE(cu != NULL);
    CHECK(api.easy_perform == cu->easy_perform); /* the same library, loaded once */
    CHECK_INT_EQ(es_curl_dl_open(NULL, &api, NULL), ES_ERR_INVALID_ARG);
    CHECK_INT_EQ(es_curl_dl_open(ES_CURL_LIBRARY, NULL, NULL), ES_ERR_INVALID_ARG);
}

int main(void)
{
    ES_RUN(test_concurrent_first_use);
    ES_RUN(test_every_function_resolved_and_usable);
    ES_RUN(test_missing_library);
    ES_RUN(test_library_without_curl);
    ES_RUN(test_open_by_name_and_bad_args);
    return es_test_finish();
}
