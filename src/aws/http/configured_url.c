/* configured_url.c - the checks every URL a user configures passes before
 * exifstrip sends anything to it (http.h): the AWS endpoints, the queues, the
 * credential sources' and STS's. User info ("user:password@host") is refused
 * without repeating it, and a URL must name http:// or https://: without a
 * scheme curl guesses http:// and would send a token or a signature in
 * clear. */
#include "aws/http/http.h"

#include <string.h>
#include <strings.h>

bool es_url_has_userinfo(const char *url)
{
    if (!url)
        return false;
    /* without a scheme, curl guesses one and still sends "u:p@host"'s user info */
    const char *start = strstr(url, "://");
    start = start ? start + 3 : url;
    return memchr(start, '@', strcspn(start, "/?#")) != NULL;
}

bool es_url_is_http(const char *url)
{
    return url && (!strncasecmp(url, "http://", 7) || !strncasecmp(url, "https://", 8));
}

es_err es_url_check_configured(const char *source, const char *var, const char *url, es_error *err)
{
    const char *sep = source ? ": " : "";
    source = source ? source : "";
    if (es_url_has_userinfo(url)) /* first: the scheme's message shows the value */
        return es_error_set(err, ES_ERR_CONFIG,
                            "%s%s%s: a user name or password in the URL (user:password@host) is not "
                            "supported (value not shown)",
                            source, sep, var);
    if (!es_url_is_http(url))
        return es_error_set(err, ES_ERR_CONFIG, "%s%s%s: \"%.100s%s\" is not an http:// or https:// URL",
                            source, sep, var, url ? url : "", url && strlen(url) > 100 ? "..." : "");
    return ES_OK;
}
