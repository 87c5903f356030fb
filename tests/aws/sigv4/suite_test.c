/* suite_test.c - runs the SigV4 signer against every case of the
 * public vector suites in the shared directory (see sigv4_req.h for how it is
 * found): botocore's aws4_testsuite, aws-c-auth's v4 suite (header and
 * presigned-query variants) and the Amazon S3 documentation examples. Each
 * stage (canonical request, string to sign, signature/Authorization) must
 * match byte for byte. The suites are skipped (not failed) when the shared
 * directory is absent; sigv4_test.c carries a few of these cases inline.
 *
 * Vector requests are written in wire form, so every case signs with
 * ES_SIGV4_PATH_ENCODED. Skipped cases, each with its reason: */
#include <dirent.h>
#include <stdarg.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "aws/sigv4/sigv4.h"
#include "../../harness/test.h"
#include "../../support/shared_dir.h"
#include "../../support/sigv4_req.h"

static const struct {
    const char *suite_case;
    const char *reason;
} s_skips[] = {
    {"aws-c-auth/v4a/*", "SigV4a (ECDSA P-256) is not implemented; exifstrip signs with SigV4 only"},
};

#define S_BOTO_DIR "botocore/aws4_testsuite"
#define S_CRT_DIR "aws-c-auth/aws-signing-test-suite/v4"
#define S_DOCS_DIR "aws-docs-s3"
#define S_NO_VECTORS "../shared/sigv4 (the SigV4 vector suites)"
#define S_EMPTY_SHA "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

/* snprintf that reports truncation instead of warning about it. */
static void s_fmt(char *out, size_t n, const char *fmt, ...) ES_PRINTF(3, 4);
static void s_fmt(char *out, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = vsnprintf(out, n, fmt, ap);
    va_end(ap);
    if (r < 0 || (size_t)r >= n)
        es_test_fail(__FILE__, __LINE__, "path too long: %s", out);
}

typedef struct s_counts {
    int checked, passed, skipped;
} s_counts;

static bool s_skipped(const char *suite_case)
{
    for (size_t i = 0; i < sizeof s_skips / sizeof s_skips[0]; i++)
        if (strcmp(s_skips[i].suite_case, suite_case) == 0) {
            fprintf(stderr, "  skip %s: %s\n", suite_case, s_skips[i].reason);
            return true;
        }
    return false;
}

static char *s_read(const char *dir, const char *name, const char *ext)
{
    char path[4096];
    s_fmt(path, sizeof path, "%s/%s%s", dir, name, ext);
    return es_test_read_text(path, NULL);
}

/* Value of the first line of text starting with prefix (case-insensitive), malloc'd. */
static char *s_line_value(const char *text, const char *prefix)
{
    size_t plen = strlen(prefix);
    for (const char *p = text; p && *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        if (n >= plen && strncasecmp(p, prefix, plen) == 0) {
            char *v = malloc(n - plen + 1);
            if (v) {
                memcpy(v, p + plen, n - plen);
                v[n - plen] = '\0';
            }
            return v;
        }
        p = nl ? nl + 1 : NULL;
    }
    return NULL;
}

static void s_record(s_counts *n, const char *name, int rc)
{
    n->checked++;
    if (rc == 0)
        n->passed++;
    else
        es_test_fail(__FILE__, __LINE__, "vector case %s failed", name);
}

/* ---- botocore aws4_testsuite ---------------------------------------- */

static void s_boto_case(const char *dir, const char *name, const char *rel, s_counts *n)
{
    char *req = s_read(dir, name, ".req"), *creq = s_read(dir, name, ".creq");
    char *sts = s_read(dir, name, ".sts"), *authz = s_read(dir, name, ".authz");
    char *sreq = s_read(dir, name, ".sreq");
    char *token = NULL, *date = NULL;
    if (!req || !creq || !sts || !authz) {
        es_test_fail(__FILE__, __LINE__, "botocore case %s is incomplete", rel);
        goto done;
    }
    unsigned flags = ES_SIGV4_PATH_ENCODED;
    /* A token the canonical request shows was signed; one only in the signed
     * request was added after signing. */
    token = s_line_value(creq, "x-amz-security-token:");
    if (!token && sreq && (token = s_line_value(sreq, "X-Amz-Security-Token:")))
        flags |= ES_SIGV4_OMIT_SESSION_TOKEN;
    date = s_line_value(req, "X-Amz-Date:");
    const char *sig = strstr(authz, "Signature=");
    es_test_sigv4_case c = {.name = rel,
                            .request = req,
                            .region = "us-east-1",
                            .service = "service",
                            .time = date ? es_test_parse_utc(date) : -1,
                            .akid = "AKIDEXAMPLE",
                            .secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                            .token = token,
                            .flags = flags,
                            .creq = creq,
                            .sts = sts,
                            .signature = sig ? sig + 10 : "?",
                            .authz = authz};
    s_record(n, rel, es_test_sigv4_run(&c));
done:
    free(req), free(creq), free(sts), free(authz), free(sreq), free(token), free(date);
}

static void s_boto_walk(const char *root, const char *rel, s_counts *n)
{
    char path[4096], sub[4096], req[4096];
    s_fmt(path, sizeof path, "%s/%s", root, rel);
    DIR *d = opendir(path);
    if (!d)
        return;
    struct dirent **list = NULL;
    closedir(d);
    int count = scandir(path, &list, NULL, alphasort);
    for (int i = 0; i < count; i++) {
        const char *e = list[i]->d_name;
        struct stat st;
        s_fmt(sub, sizeof sub, "%s/%s", path, e);
        if (e[0] != '.' && stat(sub, &st) == 0 && S_ISDIR(st.st_mode)) {
            char rel2[1024];
            s_fmt(rel2, sizeof rel2, "%s%s%s", rel, *rel ? "/" : "", e);
            s_fmt(req, sizeof req, "%s/%s.req", sub, e);
            if (stat(req, &st) == 0) {
                char id[1100];
                s_fmt(id, sizeof id, "botocore/%s", rel2);
                if (s_skipped(id))
                    n->skipped++;
                else
                    s_boto_case(sub, e, rel2, n);
            }
            s_boto_walk(root, rel2, n);
        }
        free(list[i]);
    }
    free(list);
}

static void test_botocore_suite(void)
{
    const char *dir = es_test_sigv4_dir();
    if (!dir)
        SKIP_WITHOUT_SHARED(S_NO_VECTORS);
    char root[4096];
    s_fmt(root, sizeof root, "%s/%s", dir, S_BOTO_DIR);
    s_counts n = {0};
    s_boto_walk(root, "", &n);
    printf("# botocore aws4_testsuite: %d cases checked, %d passed, %d skipped\n", n.checked, n.passed,
           n.skipped);
    CHECK(n.checked >= 28);
}

/* ---- aws-c-auth v4 suite ----------------------------------------------- */

typedef struct s_ctx {
    const char *akid, *secret, *token, *region, *service, *payload_hash;
    long long time;
    bool normalize, sign_body, omit, double_encode, s3_header, query;
    unsigned expires;
} s_ctx;

static int s_load_ctx(json_t *j, s_ctx *c)
{
    json_t *cr = json_object_get(j, "credentials");
    memset(c, 0, sizeof *c);
    c->akid = json_string_value(json_object_get(cr, "access_key_id"));
    c->secret = json_string_value(json_object_get(cr, "secret_access_key"));
    c->token = json_string_value(json_object_get(cr, "token"));
    c->region = json_string_value(json_object_get(j, "region"));
    c->service = json_string_value(json_object_get(j, "service"));
    c->payload_hash = json_string_value(json_object_get(j, "payload_hash"));
    const char *ts = json_string_value(json_object_get(j, "timestamp"));
    c->time = ts ? es_test_parse_utc(ts) : -1;
    c->normalize = json_is_true(json_object_get(j, "normalize"));
    c->sign_body = json_is_true(json_object_get(j, "sign_body"));
    c->omit = json_is_true(json_object_get(j, "omit_session_token"));
    json_t *de = json_object_get(j, "double_uri_encode");
    c->double_encode = !de || json_is_true(de);
    c->s3_header = json_object_get(j, "signed_body_header") != NULL;
    const char *st = json_string_value(json_object_get(j, "signature_type"));
    c->query = st && strcmp(st, "query") == 0;
    c->expires = (unsigned)json_integer_value(json_object_get(j, "expiration_in_seconds"));
    return c->akid && c->secret && c->region && c->service && c->time > 0 ? 0 : -1;
}

/* A vector case for id signing req with the region, service, time,
 * credentials and expiry of x, expecting creq, sts and sig; the caller adds
 * the flags, the payload hash and the signing style. */
static es_test_sigv4_case s_ctx_case(const char *id, const char *req, const s_ctx *x, const char *creq,
                                     const char *sts, const char *sig)
{
    return (es_test_sigv4_case){.name = id,
                                .request = req,
                                .region = x->region,
                                .service = x->service,
                                .time = x->time,
                                .akid = x->akid,
                                .secret = x->secret,
                                .token = x->token,
                                .expires = x->expires,
                                .creq = creq,
                                .sts = sts,
                                .signature = sig};
}

static void s_crt_variant(const char *dir, const char *name, const char *req, const s_ctx *x, bool presign,
                          s_counts *n)
{
    const char *pfx = presign ? "query-" : "header-";
    char f_creq[64], f_sts[64], f_sig[64], f_sreq[64], id[512];
    s_fmt(f_creq, sizeof f_creq, "/%scanonical-request.txt", pfx);
    s_fmt(f_sts, sizeof f_sts, "/%sstring-to-sign.txt", pfx);
    s_fmt(f_sig, sizeof f_sig, "/%ssignature.txt", pfx);
    s_fmt(f_sreq, sizeof f_sreq, "/%ssigned-request.txt", pfx);
    s_fmt(id, sizeof id, "aws-c-auth/v4/%s (%s)", name, presign ? "query" : "header");
    char *creq = s_read(dir, "", f_creq), *sts = s_read(dir, "", f_sts);
    char *sig = s_read(dir, "", f_sig), *sreq = s_read(dir, "", f_sreq);
    char *authz = sreq && !presign ? s_line_value(sreq, "Authorization:") : NULL;
    if (!creq || !sts || !sig) {
        es_test_fail(__FILE__, __LINE__, "%s: expected files missing", id);
    } else {
        es_test_sigv4_case c = s_ctx_case(id, req, x, creq, sts, sig);
        c.flags = ES_SIGV4_PATH_ENCODED | (x->normalize ? 0 : ES_SIGV4_NO_NORMALIZE) |
                  (x->sign_body ? ES_SIGV4_ADD_CONTENT_SHA256 : 0) |
                  (x->omit ? ES_SIGV4_OMIT_SESSION_TOKEN : 0);
        c.payload_hash = x->sign_body ? NULL : S_EMPTY_SHA;
        c.presign = presign;
        c.authz = authz;
        s_record(n, id, es_test_sigv4_run(&c));
    }
    free(creq), free(sts), free(sig), free(sreq), free(authz);
}

/* One case of a suite laid out as <case>/context.json + request.txt (the
 * aws-c-auth and the S3 documentation suites). */
typedef struct s_dir_case {
    const char *dir;  /* the case's directory */
    const char *name; /* its name within the suite */
    const char *id;   /* "<suite id>/<name>" */
    const char *req;  /* request.txt, or NULL when unreadable */
    const s_ctx *ctx; /* context.json, or NULL when unreadable or incomplete */
} s_dir_case;

/* Calls run for each case directory (one with a context.json) of the shared
 * vectors' suite directory in name order, except the ones s_skips lists, which
 * are counted as skipped. Returns the shared vectors' directory, or NULL (and
 * walks nothing) when it is absent. */
static const char *s_walk_cases(const char *suite, const char *suite_id,
                                void (*run)(const s_dir_case *c, s_counts *n), s_counts *n)
{
    const char *dir = es_test_sigv4_dir();
    if (!dir)
        return NULL;
    char root[4096], sub[4096];
    s_fmt(root, sizeof root, "%s/%s", dir, suite);
    struct dirent **list = NULL;
    int count = scandir(root, &list, NULL, alphasort);
    for (int i = 0; i < count; i++) {
        const char *name = list[i]->d_name;
        s_fmt(sub, sizeof sub, "%s/%s", root, name);
        char *ctx_text = name[0] != '.' ? s_read(sub, "", "/context.json") : NULL;
        char id[512];
        s_fmt(id, sizeof id, "%s/%s", suite_id, name);
        if (ctx_text && s_skipped(id)) {
            n->skipped++;
        } else if (ctx_text) {
            char *req = s_read(sub, "", "/request.txt");
            json_t *j = json_loads(ctx_text, 0, NULL);
            s_ctx x;
            s_dir_case c = {.dir = sub,
                            .name = name,
                            .id = id,
                            .req = req,
                            .ctx = j && s_load_ctx(j, &x) == 0 ? &x : NULL};
            run(&c, n);
            json_decref(j);
            free(req);
        }
        free(ctx_text);
        free(list[i]);
    }
    free(list);
    return dir;
}

static void s_crt_case(const s_dir_case *c, s_counts *n)
{
    if (!c->ctx || !c->req) {
        es_test_fail(__FILE__, __LINE__, "%s: unreadable context or request", c->id);
        return;
    }
    s_crt_variant(c->dir, c->name, c->req, c->ctx, false, n);
    s_crt_variant(c->dir, c->name, c->req, c->ctx, true, n);
}

static void test_aws_c_auth_suite(void)
{
    s_counts n = {0};
    const char *dir = s_walk_cases(S_CRT_DIR, "aws-c-auth/v4", s_crt_case, &n);
    if (!dir)
        SKIP_WITHOUT_SHARED(S_NO_VECTORS);
    char v4a[4096];
    s_fmt(v4a, sizeof v4a, "%s/%s/../v4a", dir, S_CRT_DIR);
    struct stat st;
    if (stat(v4a, &st) == 0 && s_skipped("aws-c-auth/v4a/*"))
        n.skipped++;
    printf("# aws-c-auth v4 suite: %d cases checked (header + query variants), %d passed, %d "
           "skipped\n",
           n.checked, n.passed, n.skipped);
    CHECK(n.checked >= 76);
}

/* ---- Amazon S3 documentation examples --------------------------------- */

static void s_docs_case(const s_dir_case *c, s_counts *n)
{
    char *creq = s_read(c->dir, "", "/canonical-request.txt");
    char *sts = s_read(c->dir, "", "/string-to-sign.txt");
    char *sig = s_read(c->dir, "", "/signature.txt");
    const s_ctx *x = c->ctx;
    if (!x || !c->req || !creq || !sts || !sig) {
        es_test_fail(__FILE__, __LINE__, "%s: incomplete case", c->id);
    } else {
        unsigned flags = ES_SIGV4_PATH_ENCODED;
        if (!x->double_encode && !x->normalize)
            flags |= ES_SIGV4_S3_RULES;
        if (x->s3_header)
            flags |= ES_SIGV4_ADD_CONTENT_SHA256;
        es_test_sigv4_case t = s_ctx_case(c->id, c->req, x, creq, sts, sig);
        t.flags = flags;
        t.payload_hash = x->payload_hash;
        t.presign = x->query;
        s_record(n, c->id, es_test_sigv4_run(&t));
    }
    free(creq), free(sts), free(sig);
}

static void test_aws_docs_s3_suite(void)
{
    s_counts n = {0};
    if (!s_walk_cases(S_DOCS_DIR, "aws-docs-s3", s_docs_case, &n))
        SKIP_WITHOUT_SHARED(S_NO_VECTORS);
    printf("# aws-docs-s3 examples: %d cases checked, %d passed, %d skipped\n", n.checked, n.passed, n.skipped);
    CHECK(n.checked >= 5);
}

int main(void)
{
    ES_RUN(test_botocore_suite);
    ES_RUN(test_aws_c_auth_suite);
    ES_RUN(test_aws_docs_s3_suite);
    return es_test_finish();
}
