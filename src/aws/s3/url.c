/* url.c - S3 request targets: virtual-hosted addressing on AWS endpoints
 * for DNS-compatible buckets, path-style for custom endpoints, for buckets
 * that cannot be a host name, or when EXIFSTRIP_S3_PATH_STYLE=1. Keys are raw
 * bytes; encoding happens once, in aws/client/client.c, exactly as the signer does it. */
#include "aws/s3/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool s_looks_like_ipv4(const char *b)
{
    int dots = 0;
    for (const char *p = b; *p; p++) {
        if (*p == '.')
            dots++;
        else if (*p < '0' || *p > '9')
            return false;
    }
    return dots == 3;
}

bool es_s3_bucket_virtual_ok(const char *bucket, bool https)
{
    if (!bucket)
        return false;
    size_t n = strlen(bucket);
    if (n < 3 || n > 63)
        return false;
    for (size_t i = 0; i < n; i++) {
        char ch = bucket[i];
        bool alnum = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9');
        if (!alnum && ch != '-' && ch != '.')
            return false;
        if ((i == 0 || i == n - 1) && !alnum)
            return false;
        if (ch == '.' && (https || bucket[i + 1] == '.' || bucket[i + 1] == '-' || bucket[i - 1] == '-'))
            return false;
    }
    return !s_looks_like_ipv4(bucket);
}

static bool s_bucket_ok(const char *b)
{
    size_t n = b ? strlen(b) : 0;
    if (n == 0 || n > 255)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)b[i] < 0x20 || b[i] == '/' || b[i] == 0x7f)
            return false;
    return true;
}

static char *s_join(const char *a, const char *b, const char *c)
{
    size_t n = strlen(a) + strlen(b) + strlen(c) + 1;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "%s%s%s", a, b, c);
    return s;
}

es_err es_s3_target_make(const es_s3_client *c, const char *bucket, const char *key, es_s3_target *t)
{
    ES_ENSURE(c && t, ES_ERR_INVALID_ARG);
    memset(t, 0, sizeof *t);
    ES_ENSURE(s_bucket_ok(bucket), ES_ERR_INVALID_ARG);
    ES_ENSURE(!key || (key[0] && strlen(key) <= ES_S3_MAX_KEY_BYTES), ES_ERR_INVALID_ARG);
    es_aws_client *core = es_s3_client_core((es_s3_client *)c);
    const es_aws_endpoint *ep = es_aws_client_endpoint(core);
    bool virtual_host = !es_aws_client_custom_endpoint(core) && !es_aws_client_config(core)->s3_path_style &&
                        es_s3_bucket_virtual_ok(bucket, ep->https);
    if (virtual_host) {
        t->host_prefix = s_join(bucket, ".", "");
        t->path = s_join("/", key ? key : "", "");
    } else {
        t->path = s_join("/", bucket, key ? "/" : "");
        if (t->path && key) {
            char *full = s_join(t->path, key, "");
            free(t->path);
            t->path = full;
        }
    }
    if (!t->path || (virtual_host && !t->host_prefix)) {
        es_s3_target_clean(t);
        return ES_ERR_NOMEM;
    }
    return ES_OK;
}

void es_s3_target_clean(es_s3_target *t)
{
    if (!t)
        return;
    free(t->host_prefix);
    free(t->path);
    t->host_prefix = t->path = NULL;
}

char *es_s3_url(const es_s3_client *c, const char *bucket, const char *key, const char *query)
{
    es_s3_target t;
    if (es_s3_target_make(c, bucket, key, &t) != ES_OK)
        return NULL;
    char *url = es_aws_client_url(es_s3_client_core((es_s3_client *)c), t.host_prefix, t.path, query);
    es_s3_target_clean(&t);
    return url;
}
