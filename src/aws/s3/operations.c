/* operations.c - the S3 operations of s3.h (object get/head/put/delete, listing and
 * the multipart primitives) as thin descriptions handed to es_s3_call. Every
 * request carries x-amz-content-sha256: the SHA-256 of its body, or
 * UNSIGNED-PAYLOAD for upload bodies when the payload signing setting says so
 * (they always carry x-amz-checksum-crc64nvme). GET can check the body against
 * the full-object CRC S3 stored. Error bodies are S3 XML; the only user
 * metadata sent is the source identity of es_s3_write_options
 * (x-amz-meta-exifstrip-source-*), its write id (x-amz-meta-exifstrip-write-id)
 * and the rules that made it (x-amz-meta-exifstrip-rules). */
#include "aws/s3/s3.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/crc.h"
#include "aws/s3/internal.h"
#include "aws/sigv4/digest_stream.h"
#include "aws/sigv4/sigv4.h"
#include "aws/s3/xml.h"

struct es_s3_client {
    es_aws_client *core;
};

/* The error's code and message from the body; an answer without one (a
 * HEAD's) that names the bucket's region in x-amz-bucket-region is the
 * region error S3 would have written in a body: AuthorizationHeaderMalformed
 * (400: signed for another region) or PermanentRedirect (301), named with
 * the region, so it reads as a setting to fix, not as a rejected request.
 * A PermanentRedirect body's own message names no region (and is long
 * enough to push the rest of the line out of the result's message): the
 * header's region replaces it. */
static void s_parse_error(const es_http_response *resp, es_aws_result *res)
{
    const char *region = es_http_headers_get(&resp->headers, "x-amz-bucket-region");
    bool has_region = region && region[0];
    if (resp->body.len && es_xml_parse_error(resp->body.bytes, resp->body.len, res)) {
        if (has_region && !strcmp(res->aws_code, "PermanentRedirect"))
            es_fmt(res->message, sizeof res->message,
                   "x-amz-bucket-region says the bucket is in region %.40s (is AWS_REGION right?)", region);
        return;
    }
    if (!has_region || (resp->status != 400 && resp->status != 301))
        return;
    es_fmt(res->aws_code, sizeof res->aws_code, "%s",
           resp->status == 400 ? "AuthorizationHeaderMalformed" : "PermanentRedirect");
    es_fmt(res->message, sizeof res->message,
           "an answer without a body whose x-amz-bucket-region says the bucket is in region %.40s "
           "(is AWS_REGION right?)",
           region);
}

static const es_aws_service s_s3_service = {
    .name = "s3",
    .sign_flags = ES_SIGV4_S3_RULES | ES_SIGV4_ADD_CONTENT_SHA256,
    .parse_error = s_parse_error,
};

void es_s3_client_describe(const es_s3_client *c, char *out, size_t cap)
{
    es_aws_client_describe(c->core, out, cap);
}

es_s3_client *es_s3_client_new(const es_aws_config *cfg, es_creds_provider *creds)
{
    if (!cfg)
        return NULL;
    es_s3_client *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->core = es_aws_client_new(cfg, creds, &s_s3_service, cfg->s3_endpoint);
    if (!c->core) {
        free(c);
        return NULL;
    }
    return c;
}

void es_s3_client_free(es_s3_client *c)
{
    if (!c)
        return;
    es_aws_client_free(c->core);
    free(c);
}

es_aws_client *es_s3_client_core(es_s3_client *c) { return c ? c->core : NULL; }

es_err es_s3_call(es_s3_client *c, const char *bucket, const char *key, es_aws_request *req,
                  es_http_response *resp, es_aws_result *res)
{
    if (!c)
        return es_aws_bad_arg(res, "client");
    es_s3_target t;
    if (es_s3_target_make(c, bucket, key, &t) != ES_OK)
        return es_aws_bad_arg(res, key ? "bucket or key" : "bucket");
    req->host_prefix = t.host_prefix;
    req->path = t.path;
    es_err rc = es_aws_call(c->core, req, resp, res);
    req->host_prefix = req->path = NULL;
    es_s3_target_clean(&t);
    return rc;
}

/* es_s3_call with a malloc'd query that it takes over and frees; a NULL query
 * (building it failed) rejects the call as an invalid `what`. */
static es_err s_call_query(es_s3_client *c, const char *bucket, const char *key, char *query,
                           const char *what, es_aws_request *req, es_aws_result *res)
{
    if (!query)
        return es_aws_bad_arg(res, what);
    req->query = query;
    es_err rc = es_s3_call(c, bucket, key, req, NULL, res);
    req->query = NULL;
    free(query);
    return rc;
}

/* Sets *hdr to (name, value) when value is non-empty; returns the number set. */
static size_t s_opt_header(es_aws_header *hdr, const char *name, const char *value)
{
    if (!value || !value[0])
        return 0;
    *hdr = (es_aws_header){name, value};
    return 1;
}

#define S_META_BUCKET "x-amz-meta-exifstrip-source-bucket"
#define S_META_ETAG "x-amz-meta-exifstrip-source-etag"
#define S_META_VERSION "x-amz-meta-exifstrip-source-version-id"
#define S_META_SEQUENCER "x-amz-meta-exifstrip-source-sequencer"
#define S_META_WRITE "x-amz-meta-exifstrip-write-id"
#define S_META_RULES "x-amz-meta-exifstrip-rules"
#define S_CHECKSUM_HEADER "x-amz-checksum-crc64nvme"
#define S_CHECKSUM_ALGORITHM "CRC64NVME"
/* content-type, a condition, six metadata, checksum, checksum type, spare */
#define S_WRITE_HEADERS_MAX 11

/* Upload bodies are signed as UNSIGNED-PAYLOAD when so configured, or by
 * default over https (TLS and the CRC protect them; plain http keeps the
 * SHA-256 so a proxy cannot alter a body and its CRC together unnoticed). */
static bool s_unsigned_body(const es_s3_client *c)
{
    const es_aws_config *cfg = es_aws_client_config(c->core);
    if (cfg->payload_signing == ES_PAYLOAD_AUTO)
        return es_aws_client_endpoint(c->core)->https;
    return cfg->payload_signing == ES_PAYLOAD_UNSIGNED;
}

/* Appends the headers of opt to hdr (room for S_WRITE_HEADERS_MAX - n):
 * the conditions when `conditions`, the source metadata when `metadata`.
 * Returns the new count. */
static size_t s_write_headers(es_aws_header *hdr, size_t n, const es_s3_write_options *opt, bool conditions,
                              bool metadata)
{
    if (!opt)
        return n;
    if (conditions) {
        n += s_opt_header(&hdr[n], "if-match", opt->if_match);
        n += s_opt_header(&hdr[n], "if-none-match", opt->if_none_match ? "*" : NULL);
    }
    if (metadata && opt->source) {
        n += s_opt_header(&hdr[n], S_META_BUCKET, opt->source->bucket);
        n += s_opt_header(&hdr[n], S_META_ETAG, opt->source->etag);
        n += s_opt_header(&hdr[n], S_META_VERSION, opt->source->version_id);
        n += s_opt_header(&hdr[n], S_META_SEQUENCER, opt->source->sequencer);
    }
    if (metadata) {
        n += s_opt_header(&hdr[n], S_META_WRITE, opt->write_id);
        n += s_opt_header(&hdr[n], S_META_RULES, opt->rules);
    }
    return n;
}

/* ---- get / head -------------------------------------------------------- */

static void s_copy_header(const es_http_response *resp, const char *name, char *out, size_t size)
{
    const char *v = es_http_headers_get(&resp->headers, name);
    snprintf(out, size, "%s", v ? v : "");
}

static es_err s_object_info(const es_http_response *resp, es_s3_object_info *info)
{
    memset(info, 0, sizeof *info);
    const char *len = es_http_headers_get(&resp->headers, "Content-Length");
    if (len) {
        char *end = NULL;
        unsigned long long v = strtoull(len, &end, 10);
        ES_ENSURE(end != len && *end == '\0' && len[0] != '-', ES_ERR_PROTOCOL);
        info->content_length = v;
        info->has_content_length = true;
    }
    s_copy_header(resp, "ETag", info->etag, sizeof info->etag);
    s_copy_header(resp, "Content-Type", info->content_type, sizeof info->content_type);
    s_copy_header(resp, "x-amz-version-id", info->version_id, sizeof info->version_id);
    s_copy_header(resp, S_META_BUCKET, info->source.bucket, sizeof info->source.bucket);
    s_copy_header(resp, S_META_ETAG, info->source.etag, sizeof info->source.etag);
    s_copy_header(resp, S_META_VERSION, info->source.version_id, sizeof info->source.version_id);
    s_copy_header(resp, S_META_SEQUENCER, info->source.sequencer, sizeof info->source.sequencer);
    s_copy_header(resp, S_META_WRITE, info->write_id, sizeof info->write_id);
    s_copy_header(resp, S_META_RULES, info->rules, sizeof info->rules);
    return ES_OK;
}

/* The checksum headers S3 may return, and what the GET checks each one with. */
static const struct {
    const char *header, *algorithm;
    int crc;    /* es_crc_kind, or -1: a digest */
    int digest; /* es_digest_kind, or -1: a CRC */
} s_checksums[] = {
    {"x-amz-checksum-crc64nvme", "CRC64NVME", ES_CRC64NVME, -1},
    {"x-amz-checksum-crc32c", "CRC32C", ES_CRC32C, -1},
    {"x-amz-checksum-crc32", "CRC32", ES_CRC32, -1},
    {"x-amz-checksum-sha256", "SHA256", -1, ES_DIGEST_SHA256},
    {"x-amz-checksum-sha1", "SHA1", -1, ES_DIGEST_SHA1},
};

static void s_checksum_info(const es_http_response *resp, es_s3_checksum *ck)
{
    for (size_t i = 0; i < sizeof s_checksums / sizeof s_checksums[0]; i++) {
        const char *v = es_http_headers_get(&resp->headers, s_checksums[i].header);
        if (!v)
            continue;
        snprintf(ck->algorithm, sizeof ck->algorithm, "%s", s_checksums[i].algorithm);
        snprintf(ck->value, sizeof ck->value, "%s", v);
        s_copy_header(resp, "x-amz-checksum-type", ck->type, sizeof ck->type);
        return;
    }
}

typedef struct s_get {
    const es_s3_get_options *opt;
    bool head_sent;
    int crc_kind;            /* the full-object CRC being checked, or -1 */
    uint64_t crc;            /* of the body so far */
    es_digest_stream digest; /* the full-object SHA being checked, when begun */
    es_s3_checksum expected; /* what S3 stored */
} s_get;

/* The s_checksums entry to check the body against: a full-object checksum
 * S3 returned (a composite one, "...-N", is a checksum of part checksums and
 * cannot be checked here), or -1. */
static int s_checked_entry(const es_s3_checksum *ck)
{
    if (!ck->algorithm[0] || strchr(ck->value, '-') || !strcmp(ck->type, "COMPOSITE"))
        return -1;
    for (size_t i = 0; i < sizeof s_checksums / sizeof s_checksums[0]; i++)
        if (!strcmp(ck->algorithm, s_checksums[i].algorithm))
            return (int)i;
    return -1;
}

/* Starts the check of the body against the stored checksum, if any. A digest
 * libcrypto cannot start leaves the body unchecked. */
static void s_start_check(s_get *g)
{
    int e = s_checked_entry(&g->expected);
    if (e < 0)
        return;
    if (s_checksums[e].crc >= 0)
        g->crc_kind = s_checksums[e].crc;
    else
        (void)es_digest_stream_begin(&g->digest, (es_digest_kind)s_checksums[e].digest);
}

/* Whether the body is being checked (a CRC, or a digest not yet finished). */
static bool s_checking(const s_get *g) { return g->crc_kind >= 0 || g->digest.ctx; }

static es_err s_send_head(s_get *g, const es_http_response *resp)
{
    g->head_sent = true;
    es_s3_object_info info;
    ES_GUARD(s_object_info(resp, &info));
    if (g->opt->checksum_mode) {
        s_checksum_info(resp, &info.checksum);
        g->expected = info.checksum;
        s_start_check(g);
        info.checksum.checked = s_checking(g);
    }
    return g->opt->on_head ? g->opt->on_head(g->opt->ctx, &info) : ES_OK;
}

static es_err s_get_body(void *ctx, const es_http_response *resp, const uint8_t *data, size_t len)
{
    s_get *g = ctx;
    if (!g->head_sent)
        ES_GUARD(s_send_head(g, resp));
    if (g->crc_kind >= 0)
        g->crc = es_crc_update((es_crc_kind)g->crc_kind, g->crc, data, len);
    else if (g->digest.ctx)
        ES_GUARD(es_digest_stream_update(&g->digest, data, len));
    return g->opt->on_body ? g->opt->on_body(g->opt->ctx, data, len) : ES_OK;
}

/* An empty object has no body callback: deliver the headers here. Then the
 * body is checked against the stored checksum. */
static es_err s_get_done(void *ctx, const es_http_response *resp, es_aws_result *res)
{
    s_get *g = ctx;
    if (!g->head_sent)
        ES_GUARD(s_send_head(g, resp));
    if (!s_checking(g))
        return ES_OK;
    char got[ES_DIGEST_BASE64_SIZE];
    if (g->crc_kind >= 0)
        es_crc_base64((es_crc_kind)g->crc_kind, g->crc, got);
    else
        ES_GUARD(es_digest_stream_finish_base64(&g->digest, got));
    if (!strcmp(got, g->expected.value))
        return ES_OK;
    es_fmt(res->message, sizeof res->message,
           "body does not match its checksum: %s of the bytes received is %s, S3 stored %.44s",
           g->expected.algorithm, got, g->expected.value);
    return ES_ERR_NETWORK;
}

es_err es_s3_get_object(es_s3_client *c, const char *bucket, const char *key, const es_s3_get_options *opt,
                        es_aws_result *res)
{
    static const es_s3_get_options none = {0};
    if (!opt)
        opt = &none;
    char *query = NULL;
    if (opt->version_id) {
        es_buf q;
        es_buf_init(&q, 4096);
        es_buf_query_param(&q, "versionId", opt->version_id);
        if (!(query = es_buf_take(&q)))
            return es_aws_bad_arg(res, "version id");
    }
    es_aws_header hdr[2];
    size_t nh = s_opt_header(hdr, "if-match", opt->if_match);
    nh += s_opt_header(&hdr[nh], "x-amz-checksum-mode", opt->checksum_mode ? "ENABLED" : NULL);
    s_get g = {.opt = opt, .crc_kind = -1};
    es_aws_request req = {
        .method = "GET",
        .query = query,
        .headers = hdr,
        .header_count = nh,
        .on_body = s_get_body,
        .body_ctx = &g,
        .on_success = s_get_done,
        .success_ctx = &g,
    };
    es_http_response resp;
    es_http_response_init(&resp);
    es_err rc = es_s3_call(c, bucket, key, &req, &resp, res);
    es_digest_stream_end(&g.digest);
    es_http_response_clean(&resp);
    free(query);
    return rc;
}

static es_err s_head_done(void *ctx, const es_http_response *resp, es_aws_result *res)
{
    (void)res;
    return s_object_info(resp, ctx);
}

static es_err s_head_checksum_done(void *ctx, const es_http_response *resp, es_aws_result *res)
{
    es_s3_object_info *info = ctx;
    ES_GUARD(s_head_done(ctx, resp, res));
    s_checksum_info(resp, &info->checksum);
    return ES_OK;
}

static es_err s_head(es_s3_client *c, const char *bucket, const char *key, bool checksum_mode,
                     es_s3_object_info *info, es_aws_result *res)
{
    es_s3_object_info scratch;
    es_aws_header mode = {"x-amz-checksum-mode", "ENABLED"};
    es_aws_request req = {
        .method = "HEAD",
        .headers = checksum_mode ? &mode : NULL,
        .header_count = checksum_mode ? 1 : 0,
        .on_success = checksum_mode ? s_head_checksum_done : s_head_done,
        .success_ctx = info ? info : &scratch,
    };
    return es_s3_call(c, bucket, key, &req, NULL, res);
}

es_err es_s3_head_object(es_s3_client *c, const char *bucket, const char *key, es_s3_object_info *info,
                         es_aws_result *res)
{
    return s_head(c, bucket, key, false, info, res);
}

es_err es_s3_head_object_checksum(es_s3_client *c, const char *bucket, const char *key,
                                  es_s3_object_info *info, es_aws_result *res)
{
    return s_head(c, bucket, key, true, info, res);
}

bool es_s3_same_as_of(const es_s3_object_info *info, es_s3_same_as *same)
{
    const es_s3_checksum *ck = &info->checksum;
    if (!info->has_content_length || strcmp(ck->algorithm, "CRC64NVME") != 0 ||
        (ck->type[0] && strcmp(ck->type, "FULL_OBJECT") != 0) || strlen(ck->value) >= sizeof same->crc64nvme)
        return false;
    same->length = info->content_length;
    memcpy(same->crc64nvme, ck->value, strlen(ck->value) + 1);
    return true;
}

/* ---- put / delete ------------------------------------------------------ */

es_err es_s3_put_object(es_s3_client *c, const char *bucket, const char *key, const uint8_t *body, size_t len,
                        const char *content_type, es_aws_result *res)
{
    return es_s3_put_object_with(c, bucket, key, body, len, content_type, NULL, res);
}

es_err es_s3_put_object_with(es_s3_client *c, const char *bucket, const char *key, const uint8_t *body,
                             size_t len, const char *content_type, const es_s3_write_options *opt,
                             es_aws_result *res)
{
    if (!body && len)
        return es_aws_bad_arg(res, "body");
    return es_s3_put_object_crc(c, bucket, key, body, len, es_crc_update(ES_CRC64NVME, 0, body, len),
                                content_type, opt, res);
}

es_err es_s3_put_object_crc(es_s3_client *c, const char *bucket, const char *key, const uint8_t *body,
                            size_t len, uint64_t body_crc, const char *content_type,
                            const es_s3_write_options *opt, es_aws_result *res)
{
    if (!body && len)
        return es_aws_bad_arg(res, "body");
    es_aws_header hdr[S_WRITE_HEADERS_MAX];
    char crc[13];
    es_crc_base64(ES_CRC64NVME, body_crc, crc);
    size_t nh = s_opt_header(hdr, "content-type", content_type);
    nh += s_opt_header(&hdr[nh], S_CHECKSUM_HEADER, crc);
    nh = s_write_headers(hdr, nh, opt, true, true);
    es_aws_request req = {
        .method = "PUT",
        .headers = hdr,
        .header_count = nh,
        .body = body,
        .body_len = len,
        .unsigned_payload = s_unsigned_body(c),
    };
    return es_s3_call(c, bucket, key, &req, NULL, res);
}

es_err es_s3_delete_object(es_s3_client *c, const char *bucket, const char *key, es_aws_result *res)
{
    return es_s3_delete_object_if(c, bucket, key, NULL, res);
}

es_err es_s3_delete_object_if(es_s3_client *c, const char *bucket, const char *key, const char *if_match,
                              es_aws_result *res)
{
    es_aws_header hdr[1];
    es_aws_request req = {
        .method = "DELETE",
        .headers = hdr,
        .header_count = s_opt_header(hdr, "if-match", if_match),
    };
    return es_s3_call(c, bucket, key, &req, NULL, res);
}

/* ---- list -------------------------------------------------------------- */

/* Parses a page; a reply that is not one (a proxy's HTML page, a store's own
 * format) says what it is instead, for the message the call fails with. */
static es_err s_list_done(void *ctx, const es_http_response *resp, es_aws_result *res)
{
    es_err rc = es_xml_parse_list(resp->body.bytes, resp->body.len, ctx);
    if (rc != ES_ERR_PROTOCOL)
        return rc;
    char root[64];
    es_err root_rc = es_xml_root_name(resp->body.bytes, resp->body.len, root, sizeof root);
    if (root_rc != ES_OK)
        es_fmt(res->message, sizeof res->message,
               "the ListObjectsV2 reply (%zu bytes) is not well-formed XML", resp->body.len);
    else if (strcmp(root, "ListBucketResult") != 0)
        es_fmt(res->message, sizeof res->message,
               "the ListObjectsV2 reply's root element is <%s>, not <ListBucketResult>", root);
    else
        es_fmt(res->message, sizeof res->message,
               "the ListObjectsV2 reply has a field that is missing, malformed or too long "
               "(a key, size, ETag or continuation token)");
    return rc;
}

/* A page that hands back the continuation token it was asked with: listing
 * on would fetch the same page forever. Drops the page and fails the call
 * with ES_ERR_PROTOCOL, naming the bucket, the prefix and the token (long
 * ones cut short, marked "..."). */
static es_err s_list_stuck(const char *bucket, const es_s3_list_options *opt, es_s3_list_page *page,
                           es_aws_result *res)
{
    es_s3_list_free(page);
    page->next_token[0] = '\0';
    const char *prefix = opt->prefix ? opt->prefix : "";
    const char *token = opt->continuation;
    int prefix_max = 48, token_max = 48; /* with a 63-byte bucket the message still fits */
    es_fmt(res->message, sizeof res->message,
           "the listing of s3://%s/%.*s%s does not advance: the continuation token \"%.*s%s\" came back unchanged",
           bucket, prefix_max, prefix, strlen(prefix) > (size_t)prefix_max ? "..." : "", token_max, token,
           strlen(token) > (size_t)token_max ? "..." : "");
    return res->code = ES_ERR_PROTOCOL;
}

size_t es_s3_etag_bare(const char *etag, size_t len, const char **bare)
{
    bool quoted = len >= 2 && etag[0] == '"' && etag[len - 1] == '"';
    *bare = quoted ? etag + 1 : etag;
    return quoted ? len - 2 : len;
}

bool es_s3_bucket_missing(es_s3_client *c, const char *bucket, es_aws_result *res)
{
    es_s3_list_page page;
    es_s3_list_options one = {.max_keys = 1};
    es_aws_result scratch;
    if (!res)
        res = &scratch;
    es_err rc = es_s3_list_objects_with(c, bucket, &one, &page, res);
    es_s3_list_free(&page); /* zeroed by the call whatever it returns */
    return rc == ES_ERR_NOT_FOUND && !strcmp(res->aws_code, "NoSuchBucket");
}

es_err es_s3_list_objects(es_s3_client *c, const char *bucket, const char *prefix, const char *continuation,
                          es_s3_list_page *page, es_aws_result *res)
{
    es_s3_list_options opt = {.prefix = prefix, .continuation = continuation};
    return es_s3_list_objects_with(c, bucket, &opt, page, res);
}

es_err es_s3_list_objects_with(es_s3_client *c, const char *bucket, const es_s3_list_options *opt,
                               es_s3_list_page *page, es_aws_result *res)
{
    if (!page)
        return es_aws_bad_arg(res, "page");
    if (!opt || opt->max_keys < 0 || opt->max_keys > 1000)
        return es_aws_bad_arg(res, "list options");
    memset(page, 0, sizeof *page);
    es_buf q;
    es_buf_init(&q, 8192);
    /* In the canonical (sorted) order of the query. */
    if (opt->continuation && opt->continuation[0])
        es_buf_query_param(&q, "continuation-token", opt->continuation);
    es_buf_query_param(&q, "encoding-type", "url");
    es_buf_query_param(&q, "list-type", "2");
    char max_keys[16];
    snprintf(max_keys, sizeof max_keys, "%d", opt->max_keys);
    if (opt->max_keys > 0)
        es_buf_query_param(&q, "max-keys", max_keys);
    if (opt->prefix && opt->prefix[0])
        es_buf_query_param(&q, "prefix", opt->prefix);
    if (opt->start_after && opt->start_after[0])
        es_buf_query_param(&q, "start-after", opt->start_after);
    es_aws_request req = {
        .method = "GET",
        .max_response = ES_S3_LIST_MAX_RESPONSE,
        .on_success = s_list_done,
        .success_ctx = page,
    };
    es_aws_result scratch;
    if (!res)
        res = &scratch;
    es_err rc = s_call_query(c, bucket, NULL, es_buf_take(&q), "prefix or continuation token", &req, res);
    if (rc == ES_OK && opt->continuation && opt->continuation[0] && !strcmp(page->next_token, opt->continuation))
        return s_list_stuck(bucket, opt, page, res);
    return rc;
}

void es_s3_list_free(es_s3_list_page *page)
{
    if (!page)
        return;
    for (size_t i = 0; i < page->count; i++) {
        free(page->keys[i]);
        free(page->etags ? page->etags[i] : NULL);
    }
    free(page->keys);
    free(page->sizes);
    free(page->etags);
    page->keys = NULL;
    page->sizes = NULL;
    page->etags = NULL;
    page->count = 0;
}

/* ---- multipart --------------------------------------------------------- */

/* "uploadId=...[&partNumber=N]" (or "uploads=" when upload_id is NULL). */
static char *s_mpu_query(const char *upload_id, int part_number)
{
    es_buf q;
    es_buf_init(&q, 4096);
    if (!upload_id) {
        es_buf_query_param(&q, "uploads", NULL);
    } else {
        if (part_number > 0) {
            char num[16];
            snprintf(num, sizeof num, "%d", part_number);
            es_buf_query_param(&q, "partNumber", num);
        }
        es_buf_query_param(&q, "uploadId", upload_id);
    }
    return es_buf_take(&q);
}

typedef struct s_text_out {
    char *out;
    size_t size;
} s_text_out;

static es_err s_create_done(void *ctx, const es_http_response *resp, es_aws_result *res)
{
    (void)res;
    s_text_out *o = ctx;
    return es_xml_parse_upload_id(resp->body.bytes, resp->body.len, o->out, o->size);
}

es_err es_s3_multipart_create(es_s3_client *c, const char *bucket, const char *key, const char *content_type,
                              const es_s3_write_options *opt, char *upload_id, size_t upload_id_size,
                              es_aws_result *res)
{
    if (!upload_id || upload_id_size == 0)
        return es_aws_bad_arg(res, "upload id buffer");
    upload_id[0] = '\0';
    es_aws_header hdr[S_WRITE_HEADERS_MAX];
    size_t nh = s_opt_header(hdr, "content-type", content_type);
    nh += s_opt_header(&hdr[nh], "x-amz-checksum-algorithm", S_CHECKSUM_ALGORITHM);
    nh += s_opt_header(&hdr[nh], "x-amz-checksum-type", "FULL_OBJECT");
    s_text_out out = {upload_id, upload_id_size};
    es_aws_request req = {
        .method = "POST",
        .headers = hdr,
        .header_count = s_write_headers(hdr, nh, opt, false, true),
        .on_success = s_create_done,
        .success_ctx = &out,
    };
    return s_call_query(c, bucket, key, s_mpu_query(NULL, 0), "query", &req, res);
}

static es_err s_part_done(void *ctx, const es_http_response *resp, es_aws_result *res)
{
    (void)res;
    s_text_out *o = ctx;
    const char *etag = es_http_headers_get(&resp->headers, "ETag");
    ES_ENSURE(etag && etag[0] && strlen(etag) < o->size, ES_ERR_PROTOCOL);
    snprintf(o->out, o->size, "%s", etag);
    return ES_OK;
}

es_err es_s3_multipart_upload_part(es_s3_client *c, const char *bucket, const char *key,
                                   const char *upload_id, int part_number, const uint8_t *body, size_t len,
                                   es_s3_part *part, es_aws_result *res)
{
    if (!body && len)
        return es_aws_bad_arg(res, "upload part");
    return es_s3_multipart_upload_part_crc(c, bucket, key, upload_id, part_number, body, len,
                                           es_crc_update(ES_CRC64NVME, 0, body, len), part, res);
}

es_err es_s3_multipart_upload_part_crc(es_s3_client *c, const char *bucket, const char *key,
                                       const char *upload_id, int part_number, const uint8_t *body,
                                       size_t len, uint64_t body_crc, es_s3_part *part, es_aws_result *res)
{
    if (!upload_id || !upload_id[0] || part_number < 1 || part_number > ES_S3_MAX_PARTS || !part ||
        (!body && len))
        return es_aws_bad_arg(res, "upload part");
    memset(part, 0, sizeof *part);
    part->crc = body_crc;
    part->len = len;
    char crc[13];
    es_crc_base64(ES_CRC64NVME, part->crc, crc);
    es_aws_header hdr[1] = {{S_CHECKSUM_HEADER, crc}};
    s_text_out out = {part->etag, sizeof part->etag};
    es_aws_request req = {
        .method = "PUT",
        .headers = hdr,
        .header_count = 1,
        .body = body,
        .body_len = len,
        .unsigned_payload = s_unsigned_body(c),
        .on_success = s_part_done,
        .success_ctx = &out,
    };
    return s_call_query(c, bucket, key, s_mpu_query(upload_id, part_number), "query", &req, res);
}

static es_err s_complete_done(void *ctx, const es_http_response *resp, es_aws_result *res)
{
    (void)ctx;
    return es_xml_check_complete(resp->body.bytes, resp->body.len, res);
}

static char *s_complete_body(const es_s3_part *parts, int part_count)
{
    es_buf b;
    es_buf_init(&b, (size_t)part_count * 320 + 256);
    es_buf_puts(&b, "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">");
    for (int i = 0; i < part_count; i++) {
        char crc[13];
        es_crc_base64(ES_CRC64NVME, parts[i].crc, crc);
        es_buf_printf(&b, "<Part><PartNumber>%d</PartNumber><ETag>", i + 1);
        es_buf_xml_escaped(&b, parts[i].etag);
        es_buf_printf(&b,
                      "</ETag><Checksum" S_CHECKSUM_ALGORITHM ">%s</Checksum" S_CHECKSUM_ALGORITHM "></Part>",
                      crc);
    }
    es_buf_puts(&b, "</CompleteMultipartUpload>");
    return es_buf_take(&b);
}

es_err es_s3_multipart_complete(es_s3_client *c, const char *bucket, const char *key, const char *upload_id,
                                const es_s3_part *parts, int part_count, const es_s3_write_options *opt,
                                es_aws_result *res)
{
    if (!upload_id || !upload_id[0] || !parts || part_count < 1 || part_count > ES_S3_MAX_PARTS)
        return es_aws_bad_arg(res, "complete multipart upload");
    uint64_t whole = 0;
    for (int i = 0; i < part_count; i++) {
        if (!parts[i].etag[0])
            return es_aws_bad_arg(res, "part etag");
        whole = i ? es_crc_combine(ES_CRC64NVME, whole, parts[i].crc, parts[i].len) : parts[i].crc;
    }
    char *body = s_complete_body(parts, part_count);
    if (!body)
        return es_aws_bad_arg(res, "complete multipart upload");
    char crc[13];
    es_crc_base64(ES_CRC64NVME, whole, crc);
    es_aws_header hdr[S_WRITE_HEADERS_MAX] = {{"content-type", "application/xml"},
                                              {S_CHECKSUM_HEADER, crc},
                                              {"x-amz-checksum-type", "FULL_OBJECT"}};
    es_aws_request req = {
        .method = "POST",
        .headers = hdr,
        .header_count = s_write_headers(hdr, 3, opt, true, false),
        .body = (const uint8_t *)body,
        .body_len = strlen(body),
        .on_success = s_complete_done,
    };
    es_err rc = s_call_query(c, bucket, key, s_mpu_query(upload_id, 0), "complete multipart upload", &req, res);
    free(body);
    return rc;
}

es_err es_s3_multipart_abort(es_s3_client *c, const char *bucket, const char *key, const char *upload_id,
                             es_aws_result *res)
{
    if (!upload_id || !upload_id[0])
        return es_aws_bad_arg(res, "upload id");
    es_aws_request req = {.method = "DELETE"};
    return s_call_query(c, bucket, key, s_mpu_query(upload_id, 0), "query", &req, res);
}
