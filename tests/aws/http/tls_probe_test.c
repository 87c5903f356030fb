/* tls_probe_test.c - src/aws/http/request.c asks for the shared CA store
 * (tls_trust.h) only for requests that may use TLS: plain http requests,
 * with an AWS_CA_BUNDLE set or not, leave es_tls_trust_available's probe of
 * curl and libssl (about 1.4 ms of a worker's start-up) unmade; the first
 * https request makes it. Its own process: no other test may have probed. */
#include <stdio.h>
#include <string.h>

#include "../../harness/test.h"
#include "../../support/http_server.h"

#include "aws/http/http.h"
#include "aws/http/tls_trust.h"

static void test_plain_http_never_probes(void)
{
    es_test_http_server *srv = es_test_http_server_start();
    REQUIRE(srv);
    es_test_http_server_route(srv, "GET", "/plain", 200, "ok");
    char url[256];
    snprintf(url, sizeof url, "%s/plain", es_test_http_server_url(srv));
    REQUIRE(strncmp(url, "http://", 7) == 0);
    static const char *const bundles[] = {NULL, "/nonexistent/ca.pem"};
    for (size_t i = 0; i < sizeof bundles / sizeof bundles[0]; i++) {
        es_http_request req = {.method = "GET",
                               .url = url,
                               .max_body = 1024,
                               .ca_bundle = bundles[i],
                               .no_proxy = true};
        es_http_response resp;
        es_http_response_init(&resp);
        CHECK_OK(es_http_perform(&req, &resp));
        CHECK_INT_EQ(resp.status, 200);
        es_http_response_clean(&resp);
    }
    CHECK(!es_tls_trust_probed());

    /* The same server through https: the handshake fails, after the probe. */
    snprintf(url, sizeof url, "https://%s/plain", es_test_http_server_url(srv) + strlen("http://"));
    es_http_request req = {.method = "GET", .url = url, .max_body = 1024, .no_proxy = true};
    es_http_response resp;
    es_http_response_init(&resp);
    CHECK(es_http_perform(&req, &resp) != ES_OK);
    CHECK(es_tls_trust_probed());
    es_http_response_clean(&resp);
    es_test_http_server_stop(srv);
}

int main(void)
{
    ES_RUN(test_plain_http_never_probes);
    return es_test_finish();
}
