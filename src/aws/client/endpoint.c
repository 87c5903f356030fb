/* endpoint.c - parsing configured endpoint URLs and naming the regional AWS
 * endpoints (client.h). An endpoint is scheme + host[:port] + optional base
 * path; anything else (user info, query, fragment) is refused. */
#include "aws/client/client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static bool s_host_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_';
}

static bool s_path_char(char c) { return s_host_char(c) || c == '~' || c == '/'; }

/* host part: "name", "1.2.3.4" or "[v6]"; followed by an optional ":port". */
static es_err s_parse_authority(const char *s, size_t len, bool https, es_aws_endpoint *ep)
{
    size_t host_len = 0;
    if (len && s[0] == '[') {
        const char *close = memchr(s, ']', len);
        ES_ENSURE(close && close - s > 1, ES_ERR_CONFIG);
        host_len = (size_t)(close - s) + 1;
        for (size_t i = 1; i + 1 < host_len; i++)
            ES_ENSURE(strchr("0123456789abcdefABCDEF:.", s[i]) && s[i], ES_ERR_CONFIG);
    } else {
        while (host_len < len && s[host_len] != ':') {
            ES_ENSURE(s_host_char(s[host_len]), ES_ERR_CONFIG);
            host_len++;
        }
        ES_ENSURE(host_len > 0, ES_ERR_CONFIG);
    }
    long port = -1;
    if (host_len < len) {
        ES_ENSURE(s[host_len] == ':', ES_ERR_CONFIG);
        size_t digits = len - host_len - 1;
        ES_ENSURE(digits >= 1 && digits <= 5, ES_ERR_CONFIG);
        port = 0;
        for (size_t i = host_len + 1; i < len; i++) {
            ES_ENSURE(s[i] >= '0' && s[i] <= '9', ES_ERR_CONFIG);
            port = port * 10 + (s[i] - '0');
        }
        ES_ENSURE(port >= 1 && port <= 65535, ES_ERR_CONFIG);
    }
    /* The Host header omits the scheme's default port, so the name does too. */
    if (port == (https ? 443 : 80))
        port = -1;
    int n = port < 0 ? snprintf(ep->host, sizeof ep->host, "%.*s", (int)host_len, s)
                     : snprintf(ep->host, sizeof ep->host, "%.*s:%ld", (int)host_len, s, port);
    ES_ENSURE(n > 0 && (size_t)n < sizeof ep->host, ES_ERR_CONFIG);
    return ES_OK;
}

es_err es_aws_endpoint_parse(const char *url, es_aws_endpoint *ep)
{
    ES_ENSURE(url && ep, ES_ERR_INVALID_ARG);
    memset(ep, 0, sizeof *ep);
    const char *rest;
    if (strncasecmp(url, "https://", 8) == 0) {
        ep->https = true;
        rest = url + 8;
    } else if (strncasecmp(url, "http://", 7) == 0) {
        rest = url + 7;
    } else {
        return ES_ERR_CONFIG;
    }
    size_t auth_len = strcspn(rest, "/");
    ES_GUARD(s_parse_authority(rest, auth_len, ep->https, ep));
    const char *path = rest + auth_len;
    size_t path_len = strlen(path);
    while (path_len && path[path_len - 1] == '/')
        path_len--;
    ES_ENSURE(path_len < sizeof ep->base_path, ES_ERR_CONFIG);
    for (size_t i = 0; i < path_len; i++)
        ES_ENSURE(s_path_char(path[i]), ES_ERR_CONFIG);
    memcpy(ep->base_path, path, path_len);
    ep->base_path[path_len] = '\0';
    return ES_OK;
}

es_err es_aws_regional_endpoint(const char *service, const char *region, char *out, size_t out_size)
{
    ES_ENSURE(service && region && region[0] && out, ES_ERR_INVALID_ARG);
    int n = snprintf(out, out_size, "https://%s.%s.%s", service, region, es_aws_dns_suffix(region));
    ES_ENSURE(n > 0 && (size_t)n < out_size, ES_ERR_TOO_LARGE);
    return ES_OK;
}
