/* upload_test.c - the streaming uploader (src/aws/s3/upload.c) against a
 * scripted S3 on 127.0.0.1: a body up to one part is one PutObject carrying
 * the write conditions and the source metadata; a larger one is a multipart
 * upload (metadata on create, parts of part_size numbered from 1, the last
 * one short, the conditions on complete, which lists every part's ETag in
 * order); a failed part or a failed complete aborts the upload (an abort
 * answered NoSuchUpload is not a failure, nor tried again); part-size
 * bounds are ES_S3_MIN_PART_SIZE..ES_S3_MAX_PART_SIZE; a single PutObject
 * that failed its condition can be resent on new ones. Flexible checksums:
 * PutObject and every part carry x-amz-checksum-crc64nvme of their bytes,
 * create announces a FULL_OBJECT CRC64NVME upload, complete lists each part's
 * CRC and the whole object's; bodies are signed as UNSIGNED-PAYLOAD only when
 * the payload signing setting says so (auto over this plain-http server:
 * signed). A part's pages are populated before it is written: writing the
 * bytes announced takes no page fault, on a fresh buffer or a spare. */
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "../../harness/test.h"
#include "../../support/http_server.h"
#include "../../support/log_capture.h"
#include "../../support/populate.h"
#include "../../support/resident.h"
#include "../../support/sqs_fake.h"
#include "aws/s3/internal.h"
#include "aws/s3/s3.h"
#include "common/buf.h"
#include "common/crc.h"

#define S_PART ES_S3_MIN_PART_SIZE

static es_test_http_server *s_srv;
static es_creds_provider *s_creds;

/* What the scripted S3 answers. */
static struct {
    int fail_part;       /* this part number gets a 500 */
    int complete_status; /* 200 or an error status for CompleteMultipartUpload */
    int put_412s;        /* this many single PutObjects answered 412 */
    int abort_status;    /* 204, or 404 NoSuchUpload for AbortMultipartUpload */
} s_script;

static void s_s3(void *ctx, const es_test_http_request *req, es_test_http_response *resp)
{
    (void)ctx;
    static char etag[64];
    const char *q = req->query ? req->query : "";
    const char *part = strstr(q, "partNumber=");
    resp->status = 200;
    if (!strcmp(req->method, "POST") && strstr(q, "uploads")) {
        resp->body = "<InitiateMultipartUploadResult><Bucket>bkt</Bucket><Key>k.jpg</Key>"
                     "<UploadId>UP-1</UploadId></InitiateMultipartUploadResult>";
    } else if (!strcmp(req->method, "PUT") && part) {
        int n = atoi(part + 11);
        if (n == s_script.fail_part) {
            resp->status = 500;
            resp->body = "<Error><Code>InternalError</Code><Message>scripted</Message></Error>";
            return;
        }
        snprintf(etag, sizeof etag, "ETag: \"etag-%d\"\r\n", n);
        resp->headers = etag;
    } else if (!strcmp(req->method, "PUT") && s_script.put_412s > 0) {
        s_script.put_412s--;
        resp->status = 412;
        resp->body = "<Error><Code>PreconditionFailed</Code><Message>scripted</Message></Error>";
    } else if (!strcmp(req->method, "PUT")) {
        resp->headers = "ETag: \"single\"\r\n";
    } else if (!strcmp(req->method, "POST")) {
        resp->status = s_script.complete_status;
        resp->body = resp->status == 200
                         ? "<CompleteMultipartUploadResult><ETag>\"all-3\"</ETag></CompleteMultipartUploadResult>"
                     : resp->status == 500
                         ? "<Error><Code>InternalError</Code><Message>scripted</Message></Error>"
                         : "<Error><Code>PreconditionFailed</Code><Message>At least one of the pre-conditions "
                           "you specified did not hold</Message></Error>";
    } else if (!strcmp(req->method, "DELETE")) {
        resp->status = s_script.abort_status;
        if (resp->status == 404)
            resp->body = "<Error><Code>NoSuchUpload</Code><Message>The specified multipart upload does not "
                         "exist.</Message></Error>";
    } else {
        resp->status = 400;
    }
}

static es_s3_client *s_client_signing(es_payload_signing signing)
{
    es_test_http_server_clear_requests(s_srv);
    s_script.fail_part = 0;
    s_script.complete_status = 200;
    s_script.put_412s = 0;
    s_script.abort_status = 204;
    es_aws_config cfg;
    es_test_local_aws_config(&cfg, es_test_http_server_url(s_srv));
    cfg.payload_signing = signing;
    return es_s3_client_new(&cfg, s_creds);
}

static es_s3_client *s_client(void) { return s_client_signing(ES_PAYLOAD_AUTO); }

/* The base64 CRC-64/NVME of len bytes of s_write's pattern from offset off. */
static void s_pattern_crc(size_t off, size_t len, char out[13])
{
    uint64_t crc = 0;
    for (size_t i = 0; i < len; i++) {
        uint8_t b = (uint8_t)((off + i) % 251);
        crc = es_crc_update(ES_CRC64NVME, crc, &b, 1);
    }
    es_crc_base64(ES_CRC64NVME, crc, out);
}

/* A signed body's x-amz-content-sha256 is 64 hex digits. */
static bool s_sha256_signed(const es_test_http_request *r)
{
    const char *v = es_test_http_request_header(r, "x-amz-content-sha256");
    return v && strlen(v) == 64 && strspn(v, "0123456789abcdef") == 64;
}

/* Request i (caller frees with es_test_http_request_free); false if absent. */
static bool s_req(size_t i, es_test_http_request *r) { return es_test_http_server_request(s_srv, i, r); }

/* Checks request i's method and that its query contains `query`. */
static void s_check_req(size_t i, const char *method, const char *query)
{
    es_test_http_request r;
    if (!s_req(i, &r)) {
        es_test_fail(__FILE__, __LINE__, "no request %zu (expected %s ?%s)", i, method, query);
        return;
    }
    CHECK_STR_EQ(r.method, method);
    CHECK_STR_EQ(r.path, "/bkt/k.jpg");
    CHECK_STR_CONTAINS(r.query ? r.query : "", query);
    es_test_http_request_free(&r);
}

/* Writes len bytes of a counting pattern in chunks of `chunk` bytes. */
static es_err s_write(es_s3_upload *u, size_t len, size_t chunk, es_aws_result *res)
{
    uint8_t *buf = malloc(chunk);
    if (!buf)
        return ES_ERR_NOMEM;
    es_err rc = ES_OK;
    for (size_t off = 0; off < len && rc == ES_OK; off += chunk) {
        size_t n = len - off < chunk ? len - off : chunk;
        for (size_t i = 0; i < n; i++)
            buf[i] = (uint8_t)((off + i) % 251);
        rc = es_s3_upload_write(u, buf, n, res);
    }
    free(buf);
    return rc;
}

static const es_s3_source_id s_source = {.etag = "src-etag", .version_id = "v1", .sequencer = "00AB"};

/* A fresh client (*c, freed by the caller) and its upload of k.jpg in bucket
 * bkt on opt with 1000 bytes of s_write's pattern written (NULL on failure). */
static es_s3_upload *s_small_upload(es_s3_client **c, const es_s3_write_options *opt, es_aws_result *res)
{
    *c = s_client();
    es_s3_upload *u = *c ? es_s3_upload_new(*c, "bkt", "k.jpg", "image/jpeg", S_PART, opt) : NULL;
    if (u && s_write(u, 1000, 300, res) != ES_OK) {
        es_s3_upload_free(u);
        return NULL;
    }
    return u;
}

static void test_small_body_is_one_put(void)
{
    es_s3_client *c = NULL;
    es_s3_write_options opt = {.if_none_match = true, .source = &s_source};
    es_aws_result res;
    es_s3_upload *u = s_small_upload(&c, &opt, &res);
    REQUIRE(u);
    CHECK_INT_EQ(es_test_http_server_request_count(s_srv), 0); /* nothing before finish */
    CHECK_OK(es_s3_upload_finish(u, &res));
    REQUIRE(es_test_http_server_request_count(s_srv) == 1);
    es_test_http_request r;
    REQUIRE(s_req(0, &r));
    CHECK_STR_EQ(r.method, "PUT");
    CHECK(r.query == NULL);
    CHECK_INT_EQ(r.body_len, 1000);
    CHECK_STR_EQ(es_test_http_request_header(&r, "if-none-match"), "*");
    CHECK_STR_EQ(es_test_http_request_header(&r, "x-amz-meta-exifstrip-source-etag"), "src-etag");
    CHECK_STR_EQ(es_test_http_request_header(&r, "content-type"), "image/jpeg");
    char crc[13];
    s_pattern_crc(0, 1000, crc);
    CHECK_STR_EQ(es_test_http_request_header(&r, "x-amz-checksum-crc64nvme"), crc);
    CHECK(s_sha256_signed(&r));
    es_test_http_request_free(&r);
    /* Writing after finish is refused and sends nothing. */
    CHECK_INT_EQ(es_s3_upload_write(u, (const uint8_t *)"x", 1, &res), ES_ERR_INVALID_ARG);
    es_s3_upload_free(u);
    CHECK_INT_EQ(es_test_http_server_request_count(s_srv), 1);
    es_s3_client_free(c);
}

/* The capacity of the waiting spares (part_spare.c's pool). */
static size_t s_spare_total(void) { return es_s3_upload_spare_bytes(); }

static void s_release_all(void) { es_s3_upload_release_spares(); }

/* len bytes of s_write's pattern from offset 0 (the caller frees). */
static uint8_t *s_pattern(size_t len)
{
    uint8_t *p = malloc(len ? len : 1);
    for (size_t i = 0; p && i < len; i++)
        p[i] = (uint8_t)(i % 251);
    return p;
}

/* A lone PutObject that failed its condition sends the same body again on
 * the conditions the caller set since, with the same metadata (source and
 * write id); nothing else can be resent (es_s3_upload_resendable says so).
 * The same for a lent body (es_s3_upload_lend, in pieces that continue
 * each other): the lent bytes go out with their CRC, twice, and no part
 * buffer is taken (no spare is left, as a written part would be). */
static void test_resend_after_failed_condition(void)
{
    uint8_t *body = s_pattern(1000);
    REQUIRE(body);
    for (int lent = 0; lent < 2; lent++) {
        s_release_all();
        es_s3_client *c = NULL;
        es_s3_write_options opt = {.if_none_match = true, .source = &s_source, .write_id = "w-1"};
        es_aws_result res;
        es_s3_upload *u = NULL;
        if (!lent) {
            u = s_small_upload(&c, &opt, &res);
        } else if ((c = s_client()) && (u = es_s3_upload_new(c, "bkt", "k.jpg", NULL, S_PART, &opt))) {
            CHECK_OK(es_s3_upload_lend(u, body, 600, &res));
            CHECK_OK(es_s3_upload_lend(u, body + 600, 0, &res));
            CHECK_OK(es_s3_upload_lend(u, body + 600, 400, &res));
        }
        REQUIRE(u);
        CHECK(!es_s3_upload_resendable(u));
        CHECK(!es_s3_upload_resendable(NULL));
        CHECK_INT_EQ(es_s3_upload_resend(u, &res), ES_ERR_INVALID_ARG); /* not finished */
        s_script.put_412s = 1;
        CHECK_INT_EQ(es_s3_upload_finish(u, &res), ES_ERR_PRECONDITION);
        CHECK(es_s3_upload_resendable(u));
        opt.if_none_match = false;
        opt.if_match = "\"b-etag\"";
        CHECK_OK(es_s3_upload_resend(u, &res));
        REQUIRE(es_test_http_server_request_count(s_srv) == 2);
        char crc[13];
        s_pattern_crc(0, 1000, crc);
        for (size_t i = 0; i < 2; i++) {
            es_test_http_request r;
            REQUIRE(s_req(i, &r));
            CHECK_STR_EQ(r.method, "PUT");
            CHECK(r.body_len == 1000 && memcmp(r.body, body, 1000) == 0);
            CHECK_STR_EQ(es_test_http_request_header(&r, i ? "if-match" : "if-none-match"),
                         i ? "\"b-etag\"" : "*");
            CHECK(es_test_http_request_header(&r, i ? "if-none-match" : "if-match") == NULL);
            CHECK_STR_EQ(es_test_http_request_header(&r, "x-amz-meta-exifstrip-source-etag"), "src-etag");
            CHECK_STR_EQ(es_test_http_request_header(&r, "x-amz-meta-exifstrip-write-id"), "w-1");
            CHECK_STR_EQ(es_test_http_request_header(&r, "x-amz-checksum-crc64nvme"), crc);
            es_test_http_request_free(&r);
        }
        CHECK(!es_s3_upload_resendable(u));
        CHECK_INT_EQ(es_s3_upload_resend(u, &res), ES_ERR_INVALID_ARG); /* written */
        es_s3_upload_free(u);
        CHECK_INT_EQ(es_test_http_server_request_count(s_srv), 2);
        if (lent)
            CHECK_INT_EQ(s_spare_total(), 0);
        es_s3_client_free(c);
    }
    free(body);
}

/* The requests of a multipart upload of `total` bytes of s_write's pattern
 * (total > 2 parts, < 3) on s_source with if-match "old-etag": create with
 * the metadata, the parts in order with their CRCs, complete with the
 * condition, every ETag and the whole object's CRC. */
static void s_check_three_part_upload(size_t total)
{
    REQUIRE(es_test_http_server_request_count(s_srv) == 5);
    s_check_req(0, "POST", "uploads");
    s_check_req(1, "PUT", "partNumber=1&uploadId=UP-1");
    s_check_req(2, "PUT", "partNumber=2&uploadId=UP-1");
    s_check_req(3, "PUT", "partNumber=3&uploadId=UP-1");
    s_check_req(4, "POST", "uploadId=UP-1");
    es_test_http_request r;
    /* The metadata goes on create, never a condition. */
    REQUIRE(s_req(0, &r));
    CHECK_STR_EQ(es_test_http_request_header(&r, "x-amz-meta-exifstrip-source-version-id"), "v1");
    CHECK(es_test_http_request_header(&r, "if-match") == NULL);
    CHECK_STR_EQ(es_test_http_request_header(&r, "x-amz-checksum-algorithm"), "CRC64NVME");
    CHECK_STR_EQ(es_test_http_request_header(&r, "x-amz-checksum-type"), "FULL_OBJECT");
    es_test_http_request_free(&r);
    char part_crc[3][13];
    /* Parts: the bytes in order, part_size each but the last. */
    size_t off = 0;
    for (size_t i = 1; i <= 3; i++) {
        REQUIRE(s_req(i, &r));
        CHECK_INT_EQ(r.body_len, i < 3 ? S_PART : total - 2 * S_PART);
        bool same = true;
        for (size_t j = 0; j < r.body_len && same; j++)
            same = (uint8_t)r.body[j] == (uint8_t)((off + j) % 251);
        CHECK(same);
        s_pattern_crc(off, r.body_len, part_crc[i - 1]);
        CHECK_STR_EQ(es_test_http_request_header(&r, "x-amz-checksum-crc64nvme"), part_crc[i - 1]);
        CHECK(s_sha256_signed(&r));
        off += r.body_len;
        CHECK(es_test_http_request_header(&r, "if-match") == NULL);
        es_test_http_request_free(&r);
    }
    CHECK_INT_EQ(off, total);
    /* Complete: the condition, every ETag in order, no metadata. */
    REQUIRE(s_req(4, &r));
    CHECK_STR_EQ(es_test_http_request_header(&r, "if-match"), "\"old-etag\"");
    CHECK(es_test_http_request_header(&r, "x-amz-meta-exifstrip-source-etag") == NULL);
    char parts_xml[1024];
    snprintf(parts_xml, sizeof parts_xml,
             "<Part><PartNumber>1</PartNumber><ETag>&quot;etag-1&quot;</ETag>"
             "<ChecksumCRC64NVME>%s</ChecksumCRC64NVME></Part>"
             "<Part><PartNumber>2</PartNumber><ETag>&quot;etag-2&quot;</ETag>"
             "<ChecksumCRC64NVME>%s</ChecksumCRC64NVME></Part>"
             "<Part><PartNumber>3</PartNumber><ETag>&quot;etag-3&quot;</ETag>"
             "<ChecksumCRC64NVME>%s</ChecksumCRC64NVME></Part>",
             part_crc[0], part_crc[1], part_crc[2]);
    CHECK_STR_CONTAINS(r.body, parts_xml);
    char whole[13];
    s_pattern_crc(0, total, whole);
    CHECK_STR_EQ(es_test_http_request_header(&r, "x-amz-checksum-crc64nvme"), whole);
    CHECK_STR_EQ(es_test_http_request_header(&r, "x-amz-checksum-type"), "FULL_OBJECT");
    es_test_http_request_free(&r);
}

static void test_multipart_parts_and_complete(void)
{
    es_s3_client *c = s_client();
    REQUIRE(c);
    es_s3_write_options opt = {.if_match = "\"old-etag\"", .source = &s_source};
    es_s3_upload *u = es_s3_upload_new(c, "bkt", "k.jpg", "image/jpeg", S_PART, &opt);
    REQUIRE(u);
    es_aws_result res;
    size_t total = 2 * S_PART + 100;
    CHECK_OK(s_write(u, total, 777777, &res)); /* chunks that straddle part boundaries */
    CHECK_OK(es_s3_upload_finish(u, &res));
    es_s3_upload_free(u); /* nothing left to abort */
    s_check_three_part_upload(total);
    es_s3_client_free(c);
}

/* EXIFSTRIP_PAYLOAD_SIGNING=unsigned: the upload bodies (PutObject,
 * UploadPart) are signed as UNSIGNED-PAYLOAD and still carry their CRC; the
 * small XML of complete keeps its SHA-256. signed: every body is hashed. */
static void test_unsigned_payload_setting(void)
{
    for (int unsigned_mode = 0; unsigned_mode < 2; unsigned_mode++) {
        es_s3_client *c = s_client_signing(unsigned_mode ? ES_PAYLOAD_UNSIGNED : ES_PAYLOAD_SIGNED);
        REQUIRE(c);
        es_aws_result res;
        CHECK_OK(es_s3_put_object(c, "bkt", "k.jpg", (const uint8_t *)"abc", 3, NULL, &res));
        es_s3_upload *u = es_s3_upload_new(c, "bkt", "k.jpg", NULL, S_PART, NULL);
        REQUIRE(u);
        CHECK_OK(s_write(u, S_PART + 1, S_PART, &res));
        CHECK_OK(es_s3_upload_finish(u, &res));
        es_s3_upload_free(u);
        REQUIRE(es_test_http_server_request_count(s_srv) == 5); /* put, create, 2 parts, complete */
        for (size_t i = 0; i < 5; i++) {
            es_test_http_request r;
            REQUIRE(s_req(i, &r));
            bool body_upload = !strcmp(r.method, "PUT");
            if (unsigned_mode && body_upload)
                CHECK_STR_EQ(es_test_http_request_header(&r, "x-amz-content-sha256"), "UNSIGNED-PAYLOAD");
            else
                CHECK(s_sha256_signed(&r));
            if (body_upload)
                CHECK(es_test_http_request_header(&r, "x-amz-checksum-crc64nvme") != NULL);
            es_test_http_request_free(&r);
        }
        es_s3_client_free(c);
    }
}

/* The size hint changes nothing on the wire: a hinted body smaller or larger
 * than announced (or past one part) goes out exactly as written. */
/* The bytes of every PUT so far, in order, match the pattern from 0 and
 * total `expected`; the server's record is cleared. */
static void s_check_put_bytes(size_t expected, const char *what)
{
    size_t n = es_test_http_server_request_count(s_srv), total = 0;
    for (size_t r = 0; r < n; r++) {
        es_test_http_request req;
        REQUIRE(s_req(r, &req));
        if (!strcmp(req.method, "PUT")) {
            for (size_t j = 0; j < req.body_len; j++)
                if ((uint8_t)req.body[j] != (uint8_t)((total + j) % 251)) {
                    es_test_fail(__FILE__, __LINE__, "%s: byte %zu differs", what, total + j);
                    break;
                }
            total += req.body_len;
        }
        es_test_http_request_free(&req);
    }
    CHECK_INT_EQ(total, expected);
    es_test_http_server_clear_requests(s_srv);
}

static void test_expect_hint_keeps_the_bytes(void)
{
    /* every part is prefaulted (upload.c); the last two reserve over 1 MiB */
    static const size_t sizes[][2] = {{1000, 1000},
                                      {5000, 100},
                                      {10, 5000},
                                      {(2u << 20) + 3, (2u << 20) + 3},
                                      {S_PART + 7, (size_t)1 << 40}};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        es_s3_client *c = s_client();
        REQUIRE(c);
        es_s3_upload *u = es_s3_upload_new(c, "bkt", "k.jpg", NULL, S_PART, NULL);
        REQUIRE(u);
        es_s3_upload_expect(u, sizes[i][1]);
        es_aws_result res;
        CHECK_OK(s_write(u, sizes[i][0], 999, &res));
        es_s3_upload_expect(u, 1); /* too late: ignored */
        CHECK_OK(es_s3_upload_finish(u, &res));
        es_s3_upload_free(u);
        char what[32];
        snprintf(what, sizeof what, "case %zu", i);
        s_check_put_bytes(sizes[i][0], what);
        es_s3_client_free(c);
    }
}

/* One upload after another on a thread reuses the buffer of the last one (no
 * fresh pages per object), and a reused buffer holding a larger object's
 * bytes sends exactly the new object's: smaller, larger, unknown size, empty.
 * The first, of 1000 bytes, already gets a buffer for a whole part, so that
 * it fits every later one; what the thread holds resident is what its
 * largest upload wrote, all of it the process's excess while it waits. */
static void test_thread_reuses_its_part_buffer(void)
{
    s_release_all();
    CHECK_INT_EQ(s_spare_total(), 0);
    static const struct {
        size_t len;
        uint64_t expect; /* 0: no hint */
    } cases[] = {{1000, 1000}, {200000, 200000}, {150000, 150000},   {70000, 0},
                 {0, 0},       {90000, 90000},   {5000, 0},          {900000, 900000},
                 {300000, 0},  {120000, 120000}, {2000000, 2000000}, {4000, 4000}};
    es_s3_client *c = s_client();
    REQUIRE(c);
    size_t largest = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        es_s3_upload *u = es_s3_upload_new(c, "bkt", "k.jpg", NULL, S_PART, NULL);
        REQUIRE(u);
        size_t reused = es_s3_spare_reuses();
        if (cases[i].expect)
            es_s3_upload_expect(u, cases[i].expect);
        es_aws_result res;
        CHECK_OK(s_write(u, cases[i].len, 65536, &res));
        /* every upload but the first (and the empty one, which allocates nothing) reuses */
        CHECK_INT_EQ(es_s3_spare_reuses(), reused + (i > 0 && cases[i].len > 0));
        CHECK_OK(es_s3_upload_finish(u, &res));
        es_s3_upload_free(u);
        char what[32];
        snprintf(what, sizeof what, "upload %zu", i);
        s_check_put_bytes(cases[i].len, what);
        /* the first upload's buffer, a part and its NUL, is the spare from then on */
        CHECK_INT_EQ(s_spare_total(), S_PART + 1);
        if (cases[i].len > largest) /* resident: what the largest wrote (far below the excess cap) */
            largest = cases[i].len;
        CHECK(es_s3_upload_spare_resident() >= largest + 1);
        CHECK(es_s3_upload_spare_resident() <= S_PART + 1);
        CHECK_INT_EQ(es_s3_spare_excess(), es_s3_upload_spare_resident()); /* waiting: all of it */
    }
    s_release_all();
    CHECK_INT_EQ(s_spare_total(), 0);
    CHECK_INT_EQ(es_s3_upload_spare_resident(), 0);
    CHECK_INT_EQ(es_s3_spare_excess(), 0);
    es_s3_client_free(c);
}

/* The calling thread's minor page faults so far. */
static long s_faults(void)
{
    struct rusage ru;
    return getrusage(RUSAGE_THREAD, &ru) == 0 ? ru.ru_minflt : -1;
}

/* One upload of len bytes of src announced by es_s3_upload_expect; returns
 * the page faults its writes took (src is resident already). */
static long s_upload_faults(es_s3_client *c, const uint8_t *src, size_t len)
{
    es_s3_upload *u = es_s3_upload_new(c, "bkt", "k.jpg", NULL, S_PART, NULL);
    if (!u)
        return -1;
    es_s3_upload_expect(u, len);
    es_aws_result res;
    long before = s_faults();
    for (size_t off = 0; off < len; off += 16384)
        CHECK_OK(es_s3_upload_write(u, src + off, len - off < 16384 ? len - off : 16384, &res));
    long faults = s_faults() - before;
    CHECK_OK(es_s3_upload_finish(u, &res));
    es_s3_upload_free(u);
    es_test_http_server_clear_requests(s_srv);
    return faults;
}

/* The pages an announced body will be written to are populated at once
 * (common/pages.h), not faulted in one by one as it is copied in: none of
 * the writes takes a fault, whether the part is a fresh buffer or a spare of
 * which an earlier, smaller upload wrote only the first pages (the rest are
 * populated: the spare knows how much was written). A 256 KiB part written
 * page by page took 64. */
static void test_announced_part_is_written_without_faults(void)
{
    if (ES_TEST_SANITIZED)
        SKIP("built with a sanitizer: its allocator and shadow memory fault on their own");
    SKIP_UNLESS_POPULATING();
    /* as the worker has it (src/worker/memory.c), with the heap's free
     * memory given back: a part's pages are fresh, not memory of the heap
     * that earlier tests made resident */
    REQUIRE(mallopt(M_MMAP_THRESHOLD, 128 * 1024) == 1 && mallopt(M_TRIM_THRESHOLD, 128 * 1024) == 1);
    malloc_trim(0);
    static const size_t sizes[] = {
        20000,            /* a fresh buffer for a part, its first 5 pages populated */
        (256u << 10) - 1, /* that buffer as the thread's spare: the next pages populated */
        12000,            /* the spare, already resident */
        600000,           /* the spare, the pages past 256 KiB populated */
        700000,           /* the spare, 600000 bytes of it resident */
        4900000,          /* the spare, the rest populated */
        20000,            /* the spare, which gives back its pages past the excess cap on */
        4900000,          /* the spare, those pages populated again */
    };
    static uint8_t src[4900000];
    memset(src, 7, sizeof src);
    s_release_all();
    es_s3_client *c = s_client();
    REQUIRE(c);
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        long faults = s_upload_faults(c, src, sizes[i]);
        if (faults != 0)
            es_test_fail(__FILE__, __LINE__, "upload %zu (%zu bytes): %ld page faults", i, sizes[i], faults);
    }
    s_release_all();
    es_s3_client_free(c);
}

/* One upload of len bytes announced (es_s3_upload_expect), on c. */
static void s_upload_announced(es_s3_client *c, size_t len)
{
    es_s3_upload *u = es_s3_upload_new(c, "bkt", "k.jpg", NULL, S_PART, NULL);
    REQUIRE(u);
    es_s3_upload_expect(u, len);
    es_aws_result res;
    CHECK_OK(s_write(u, len, 65536, &res));
    CHECK_OK(es_s3_upload_finish(u, &res));
    es_s3_upload_free(u);
    s_check_put_bytes(len, "announced upload");
}

/* Whether whole page i of the buffer at data (counted from its first whole
 * page) is resident: 1 or 0, -1 if mincore cannot tell. */
static int s_page_resident(const char *data, size_t i)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    uintptr_t at = ((uintptr_t)data + page - 1) / page * page + i * page;
    return (int)es_test_resident_pages(at, at + page);
}

typedef struct s_other {
    es_s3_client *c;
    size_t resident_after_small; /* the other thread's spare after its small upload */
} s_other;

/* Another thread: a large upload, then a small one that takes its spare. */
static void *s_other_thread(void *arg)
{
    s_other *o = arg;
    s_upload_announced(o->c, 3000000);
    s_upload_announced(o->c, 100000);
    o->resident_after_small = es_s3_upload_spare_resident();
    return NULL; /* its spare waits in the pool */
}

/* The spares hold at most ES_S3_SPARE_EXCESS_CAP beyond what the uploads
 * using them announced, process-wide: a spare taken for a smaller upload
 * keeps its pages while that fits (a photo of a size seen before costs no
 * fresh pages), and when it does not keeps what the room left under the cap
 * allows past the upload's bytes (256 KiB at least) and gives back the rest
 * (not resident then), and the next larger upload
 * is sent whole again. A spare another upload holds counts too, and every
 * waiting spare whole. A fresh buffer is reserved for 8 MiB, or for a
 * whole part when that is less, or for the photo when it is more. */
static void test_spare_excess_is_capped(void)
{
    s_release_all();
    es_s3_client *c = s_client();
    REQUIRE(c);
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    s_upload_announced(c, ES_S3_SPARE_EXCESS_CAP);
    s_upload_announced(c, 100000); /* the cap less 100000 beyond: kept */
    CHECK(es_s3_upload_spare_resident() > ES_S3_SPARE_EXCESS_CAP);
    s_upload_announced(c, 4900000);
    s_upload_announced(c, 100000); /* 4.8 MB beyond: the cap's worth past its bytes stays */
    size_t resident = es_s3_upload_spare_resident(), kept = 100001 + ES_S3_SPARE_EXCESS_CAP;
    CHECK(resident >= kept && resident <= kept + page);
    CHECK_INT_EQ(es_s3_spare_excess(), resident);
    es_buf b;
    es_buf_init(&b, S_PART);
    CHECK_INT_EQ(es_s3_spare_take(&b, 1000, false), resident);
    REQUIRE(b.data);
    CHECK_INT_EQ(es_s3_spare_excess(), 0); /* in use for an unannounced upload: none counted */
    CHECK_INT_EQ(s_page_resident(b.data, 100000 / page - 1), 1);
    CHECK_INT_EQ(s_page_resident(b.data, kept / page - 2), 1);
    for (size_t i = kept / page + 1; i < 4800000 / page; i += 4)
        if (s_page_resident(b.data, i) != 0)
            es_test_fail(__FILE__, __LINE__, "page %zu of the spare still resident", i);
    es_s3_spare_keep(&b, resident);
    s_upload_announced(c, 4900000); /* sent whole from the spare, its pages populated again */
    CHECK(es_s3_upload_spare_resident() > 4900000);

    /* this thread holds the 4.9 MB spare for a small upload (the cap's worth
     * past its bytes kept: the whole excess); another thread's 3 MB upload
     * maps a fresh buffer, and its small upload takes that one back from the
     * pool and keeps 256 KiB past its bytes */
    es_buf_init(&b, S_PART);
    size_t held = es_s3_spare_take(&b, 100000, true);
    REQUIRE(b.data);
    CHECK(held >= kept && held <= kept + page);
    CHECK_INT_EQ(es_s3_spare_excess(), held - 100001);
    s_other o = {c, 0};
    pthread_t th;
    REQUIRE(pthread_create(&th, NULL, s_other_thread, &o) == 0);
    REQUIRE(pthread_join(th, NULL) == 0);
    CHECK(o.resident_after_small >= 100001 + (256u << 10) &&
          o.resident_after_small <= 100001 + (256u << 10) + page);
    es_s3_spare_keep(&b, held);
    CHECK_INT_EQ(es_s3_upload_spare_resident(), held + o.resident_after_small); /* both wait */
    CHECK_INT_EQ(es_s3_spare_excess(), es_s3_upload_spare_resident());          /* all of them count */
    s_release_all();
    CHECK_INT_EQ(es_s3_spare_excess(), 0);
    CHECK_INT_EQ(s_spare_total(), 0);
    es_s3_client_free(c);

    es_buf_init(&b, (size_t)16 << 20);
    CHECK_INT_EQ(es_s3_spare_fresh_size(&b, 1000), ((size_t)8 << 20) - 1);
    CHECK_INT_EQ(es_s3_spare_fresh_size(&b, (size_t)12 << 20), (size_t)12 << 20);
    CHECK_INT_EQ(es_s3_spare_fresh_size(&b, (size_t)20 << 20), (size_t)16 << 20);
    es_buf_init(&b, S_PART);
    CHECK_INT_EQ(es_s3_spare_fresh_size(&b, 1000), S_PART);
}

/* The waiting spares are one pool, whichever thread left them: an announced
 * upload takes the least resident spare whose resident pages hold all its
 * bytes (a photo as large as one seen before populates no page, and a small
 * one leaves the large spare to the next large photo), else the most
 * resident one; an unannounced upload, whose size is not known, the most
 * resident one too. A thread gone idle gives back the most resident one. */
static void test_spare_pool_fits_best(void)
{
    s_release_all();
    static const size_t sizes[] = {200000, 3000000, 1000000};
    char *data[3];
    es_buf b[3];
    for (int i = 0; i < 3; i++) { /* three uploads at once: three fresh buffers */
        es_buf_init(&b[i], S_PART);
        CHECK_INT_EQ(es_s3_spare_take(&b[i], sizes[i], true), 0);
        REQUIRE(b[i].data == NULL);
        REQUIRE(es_buf_reserve(&b[i], es_s3_spare_fresh_size(&b[i], sizes[i])) == ES_OK);
        memset(b[i].data, 'a' + i, sizes[i] + 1);
        data[i] = b[i].data;
    }
    for (int i = 0; i < 3; i++)
        es_s3_spare_keep(&b[i], sizes[i] + 1);
    CHECK_INT_EQ(es_s3_upload_spare_resident(), 200001 + 3000001 + 1000001);
    static const struct {
        size_t need;
        bool announced;
        int gets; /* index into sizes */
    } takes[] = {{150000, true, 0}, {900000, true, 2}, {2000000, true, 1}};
    for (int i = 0; i < 3; i++) { /* each held while the next one takes */
        es_buf_init(&b[i], S_PART);
        CHECK_INT_EQ(es_s3_spare_take(&b[i], takes[i].need, takes[i].announced), sizes[takes[i].gets] + 1);
        CHECK(b[i].data == data[takes[i].gets]);
    }
    CHECK_INT_EQ(s_spare_total(), 0); /* all three taken */
    for (int i = 0; i < 3; i++)
        es_s3_spare_keep(&b[i], sizes[takes[i].gets] + 1);
    static const struct {
        size_t need;
        bool announced;
    } largest[] = {{5000000, true}, {1000, false}}; /* none holds 5 MB; 1000 bytes not announced */
    for (int i = 0; i < 2; i++) {
        es_buf_init(&b[0], S_PART);
        CHECK_INT_EQ(es_s3_spare_take(&b[0], largest[i].need, largest[i].announced), 3000001);
        CHECK(b[0].data == data[1]);
        es_s3_spare_keep(&b[0], 3000001);
    }
    es_s3_upload_release_spare(); /* a thread gone idle: the most resident spare goes */
    CHECK_INT_EQ(es_s3_upload_spare_resident(), 200001 + 1000001);
    CHECK_INT_EQ(es_s3_spare_excess(), 200001 + 1000001);
    s_release_all();
    CHECK_INT_EQ(s_spare_total(), 0);
    CHECK_INT_EQ(es_s3_spare_excess(), 0);
}

/* A spare too small for an upload's first bytes is freed, not grown (a
 * realloc would copy the bytes it held): the upload allocates afresh. One
 * that fits is taken as it is; one larger than the part is freed. */
static void test_spare_taken_only_when_it_fits(void)
{
    s_release_all();
    es_buf b;
    es_buf_init(&b, S_PART);
    REQUIRE(es_buf_reserve(&b, 1000) == ES_OK);
    char *kept = b.data;
    size_t cap = b.cap;
    es_s3_spare_keep(&b, 0);
    REQUIRE(s_spare_total() == cap);
    es_buf_init(&b, S_PART);
    es_s3_spare_take(&b, cap, false); /* cap bytes and the NUL do not fit */
    CHECK(b.data == NULL);
    CHECK_INT_EQ(s_spare_total(), 0);

    REQUIRE(es_buf_reserve(&b, 1000) == ES_OK);
    kept = b.data;
    cap = b.cap;
    es_s3_spare_keep(&b, 0);
    es_buf_init(&b, S_PART);
    es_s3_spare_take(&b, cap - 1, false);
    CHECK(b.data == kept);
    CHECK_INT_EQ(b.cap, cap);
    CHECK_INT_EQ(s_spare_total(), 0);
    es_s3_spare_keep(&b, 0);
    es_buf_init(&b, 100); /* a part smaller than the spare */
    es_s3_spare_take(&b, 10, false);
    CHECK(b.data == NULL);
    CHECK_INT_EQ(s_spare_total(), 0);
}

static void test_exact_part_multiple_has_no_empty_part(void)
{
    es_s3_client *c = s_client();
    REQUIRE(c);
    es_s3_upload *u = es_s3_upload_new(c, "bkt", "k.jpg", NULL, S_PART, NULL);
    REQUIRE(u);
    es_aws_result res;
    CHECK_OK(s_write(u, 2 * S_PART, S_PART, &res));
    CHECK_OK(es_s3_upload_finish(u, &res));
    es_s3_upload_free(u);
    CHECK_INT_EQ(es_test_http_server_request_count(s_srv), 4); /* create, 2 parts, complete */
    s_check_req(3, "POST", "uploadId=UP-1");
    es_test_http_request r;
    REQUIRE(s_req(3, &r));
    CHECK(strstr(r.body, "<PartNumber>3</PartNumber>") == NULL);
    CHECK(es_test_http_request_header(&r, "if-match") == NULL); /* no options, no conditions */
    CHECK(es_test_http_request_header(&r, "if-none-match") == NULL);
    es_test_http_request_free(&r);
    es_s3_client_free(c);
}

static void test_failed_part_aborts(void)
{
    es_s3_client *c = s_client();
    REQUIRE(c);
    s_script.fail_part = 2;
    es_s3_upload *u = es_s3_upload_new(c, "bkt", "k.jpg", NULL, S_PART, NULL);
    REQUIRE(u);
    es_aws_result res;
    CHECK_INT_EQ(s_write(u, 2 * S_PART + 1, 1u << 20, &res), ES_ERR_SERVER);
    CHECK_INT_EQ(res.http_status, 500);
    CHECK_INT_EQ(es_test_http_server_request_count(s_srv), 4);
    s_check_req(3, "DELETE", "uploadId=UP-1");
    /* The upload is failed for good, and freeing it does not abort twice. */
    CHECK_INT_EQ(es_s3_upload_finish(u, &res), ES_ERR_INVALID_ARG);
    es_s3_upload_free(u);
    CHECK_INT_EQ(es_test_http_server_count(s_srv, "DELETE", NULL), 1);
    es_s3_client_free(c);
}

static void test_failed_complete_aborts(void)
{
    es_s3_client *c = s_client();
    REQUIRE(c);
    s_script.complete_status = 412;
    es_s3_write_options opt = {.if_none_match = true};
    es_s3_upload *u = es_s3_upload_new(c, "bkt", "k.jpg", NULL, S_PART, &opt);
    REQUIRE(u);
    es_aws_result res;
    CHECK_OK(s_write(u, S_PART + 5, 1u << 20, &res));
    CHECK_INT_EQ(es_s3_upload_finish(u, &res), ES_ERR_PRECONDITION);
    CHECK_STR_EQ(res.aws_code, "PreconditionFailed");
    /* Aborted by finish itself, not only by the safety net of free. */
    CHECK_INT_EQ(es_test_http_server_count(s_srv, "DELETE", NULL), 1);
    CHECK(!es_s3_upload_resendable(u));
    CHECK_INT_EQ(es_s3_upload_resend(u, &res), ES_ERR_INVALID_ARG); /* its parts are gone */
    es_s3_upload_free(u);
    REQUIRE(es_test_http_server_request_count(s_srv) == 5);
    s_check_req(3, "POST", "uploadId=UP-1");
    es_test_http_request r;
    REQUIRE(s_req(3, &r));
    CHECK_STR_EQ(es_test_http_request_header(&r, "if-none-match"), "*");
    es_test_http_request_free(&r);
    s_check_req(4, "DELETE", "uploadId=UP-1");
    es_s3_client_free(c);
}

/* A completion whose answer was lost although S3 completed the upload
 * (here: answered 500) is aborted, and the abort answered 404 NoSuchUpload:
 * nothing is left to abort, so no s3.abort_failed warning (its parts are
 * not left to the lifecycle rule), and freeing the upload does not abort it
 * a second time. */
static void test_abort_of_a_completed_upload_is_quiet(void)
{
    es_s3_client *c = s_client();
    REQUIRE(c);
    s_script.complete_status = 500;
    s_script.abort_status = 404;
    es_s3_upload *u = es_s3_upload_new(c, "bkt", "k.jpg", NULL, S_PART, NULL);
    REQUIRE(u);
    es_aws_result res;
    es_logcap_start();
    CHECK_OK(s_write(u, S_PART + 5, 1u << 20, &res));
    CHECK_INT_EQ(es_s3_upload_finish(u, &res), ES_ERR_SERVER);
    es_s3_upload_free(u);
    CHECK(!strstr(es_logcap_text(), "abort_failed"));
    es_logcap_stop();
    CHECK_INT_EQ(es_test_http_server_count(s_srv, "DELETE", NULL), 1);
    CHECK_INT_EQ(es_test_http_server_request_count(s_srv), 5); /* create, 2 parts, complete, abort */
    s_check_req(4, "DELETE", "uploadId=UP-1");
    es_s3_client_free(c);
}

static void test_abort_and_free_of_a_started_upload(void)
{
    es_s3_client *c = s_client();
    REQUIRE(c);
    es_s3_upload *u = es_s3_upload_new(c, "bkt", "k.jpg", NULL, S_PART, NULL);
    REQUIRE(u);
    es_aws_result res;
    CHECK_OK(s_write(u, S_PART + 1, S_PART + 1, &res));
    es_s3_upload_abort(u); /* a refused input: the started upload is aborted */
    CHECK_INT_EQ(es_test_http_server_request_count(s_srv), 3);
    s_check_req(2, "DELETE", "uploadId=UP-1");
    /* Nothing started: nothing to abort. */
    u = es_s3_upload_new(c, "bkt", "k.jpg", NULL, S_PART, NULL);
    REQUIRE(u);
    CHECK_OK(s_write(u, 10, 10, &res));
    es_s3_upload_abort(u);
    es_s3_upload_abort(NULL);
    CHECK_INT_EQ(es_test_http_server_request_count(s_srv), 3);
    es_s3_client_free(c);
}

/* --- lent bodies (es_s3_upload_lend) --- */

/* A lent body larger than one part is a multipart upload whose parts are
 * slices of it, lent in chunks that straddle the part boundaries: the same
 * requests as written ones, and no part buffer. */
static void test_lent_multipart_slices(void)
{
    s_release_all();
    es_s3_client *c = s_client();
    REQUIRE(c);
    size_t total = 2 * S_PART + 100;
    uint8_t *body = s_pattern(total);
    REQUIRE(body);
    es_s3_write_options opt = {.if_match = "\"old-etag\"", .source = &s_source};
    es_s3_upload *u = es_s3_upload_new(c, "bkt", "k.jpg", "image/jpeg", S_PART, &opt);
    REQUIRE(u);
    es_aws_result res;
    for (size_t off = 0; off < total; off += 777777)
        CHECK_OK(es_s3_upload_lend(u, body + off, total - off < 777777 ? total - off : 777777, &res));
    CHECK_INT_EQ(es_test_http_server_request_count(s_srv), 3); /* create, 2 full parts: more followed */
    CHECK_OK(es_s3_upload_finish(u, &res));
    es_s3_upload_free(u);
    s_check_three_part_upload(total);
    CHECK_INT_EQ(s_spare_total(), 0);
    free(body);
    es_s3_client_free(c);
}

/* Lent bytes that do not continue the lent range, or a write after them,
 * are copied: the body goes out whole and in order, single part and
 * multipart, lent first or written first. */
static void test_lent_then_other_bytes_are_copied(void)
{
    static const size_t sizes[] = {1000, 2 * S_PART + 100};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        size_t total = sizes[i], cut = total / 3;
        uint8_t *a = s_pattern(total), *b = s_pattern(total);
        REQUIRE(a && b);
        for (int how = 0; how < 3; how++) {
            es_s3_client *c = s_client();
            REQUIRE(c);
            es_s3_upload *u = es_s3_upload_new(c, "bkt", "k.jpg", NULL, S_PART, NULL);
            REQUIRE(u);
            es_aws_result res;
            if (how == 0) { /* lent, then lent from another buffer */
                CHECK_OK(es_s3_upload_lend(u, a, cut, &res));
                CHECK_OK(es_s3_upload_lend(u, b + cut, total - cut, &res));
            } else if (how == 1) { /* lent, then written */
                CHECK_OK(es_s3_upload_lend(u, a, cut, &res));
                CHECK_OK(es_s3_upload_write(u, b + cut, total - cut, &res));
            } else { /* written, then lent */
                CHECK_OK(es_s3_upload_write(u, a, cut, &res));
                CHECK_OK(es_s3_upload_lend(u, a + cut, total - cut, &res));
            }
            CHECK_OK(es_s3_upload_finish(u, &res));
            es_s3_upload_free(u);
            char what[48];
            snprintf(what, sizeof what, "%zu bytes, case %d", total, how);
            s_check_put_bytes(total, what);
            es_s3_client_free(c);
        }
        free(a);
        free(b);
    }
}

/* A lent multipart upload whose part fails is aborted, and so is one
 * abandoned after its first part (a refused input); lending after a
 * failure is refused. */
static void test_lent_failure_and_abort(void)
{
    es_s3_client *c = s_client();
    REQUIRE(c);
    size_t total = 2 * S_PART + 1;
    uint8_t *body = s_pattern(total);
    REQUIRE(body);
    s_script.fail_part = 2;
    es_s3_upload *u = es_s3_upload_new(c, "bkt", "k.jpg", NULL, S_PART, NULL);
    REQUIRE(u);
    es_aws_result res;
    CHECK_INT_EQ(es_s3_upload_lend(u, body, total, &res), ES_ERR_SERVER);
    CHECK_INT_EQ(res.http_status, 500);
    CHECK_INT_EQ(es_test_http_server_request_count(s_srv), 4); /* create, part 1, part 2, abort */
    s_check_req(3, "DELETE", "uploadId=UP-1");
    CHECK_INT_EQ(es_s3_upload_lend(u, body, 1, &res), ES_ERR_INVALID_ARG);
    CHECK_INT_EQ(es_s3_upload_finish(u, &res), ES_ERR_INVALID_ARG);
    es_s3_upload_free(u);
    CHECK_INT_EQ(es_test_http_server_count(s_srv, "DELETE", NULL), 1);
    es_s3_client_free(c);

    c = s_client();
    REQUIRE(c);
    u = es_s3_upload_new(c, "bkt", "k.jpg", NULL, S_PART, NULL);
    REQUIRE(u);
    CHECK_INT_EQ(es_s3_upload_lend(u, NULL, 1, &res), ES_ERR_INVALID_ARG);
    CHECK_OK(es_s3_upload_lend(u, body, S_PART + 1, &res));
    es_s3_upload_abort(u);
    CHECK_INT_EQ(es_test_http_server_request_count(s_srv), 3); /* create, part 1, abort */
    s_check_req(2, "DELETE", "uploadId=UP-1");
    free(body);
    es_s3_client_free(c);
}

static void test_part_size_bounds(void)
{
    es_s3_client *c = s_client();
    REQUIRE(c);
    CHECK(es_s3_upload_new(c, "bkt", "k", NULL, ES_S3_MIN_PART_SIZE - 1, NULL) == NULL);
    CHECK(es_s3_upload_new(c, "bkt", "k", NULL, (size_t)ES_S3_MAX_PART_SIZE + 1, NULL) == NULL);
    CHECK(es_s3_upload_new(NULL, "bkt", "k", NULL, S_PART, NULL) == NULL);
    CHECK(es_s3_upload_new(c, NULL, "k", NULL, S_PART, NULL) == NULL);
    es_s3_upload *u = es_s3_upload_new(c, "bkt", "k", NULL, (size_t)ES_S3_MAX_PART_SIZE, NULL);
    CHECK(u != NULL); /* the buffer grows with the data, not to part_size */
    es_aws_result res;
    CHECK_INT_EQ(es_s3_upload_write(u, NULL, 1, &res), ES_ERR_INVALID_ARG);
    es_s3_upload_free(u);
    CHECK_INT_EQ(es_test_http_server_request_count(s_srv), 0);
    es_s3_client_free(c);
}

int main(void)
{
    s_srv = es_test_http_server_start();
    s_creds = es_creds_provider_new_static("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", NULL);
    if (!s_srv || !s_creds)
        return 1;
    es_test_http_server_set_handler(s_srv, s_s3, NULL);
    ES_RUN(test_small_body_is_one_put);
    ES_RUN(test_resend_after_failed_condition);
    ES_RUN(test_multipart_parts_and_complete);
    ES_RUN(test_unsigned_payload_setting);
    ES_RUN(test_expect_hint_keeps_the_bytes);
    ES_RUN(test_thread_reuses_its_part_buffer);
    ES_RUN(test_announced_part_is_written_without_faults);
    ES_RUN(test_spare_pool_fits_best);
    ES_RUN(test_spare_taken_only_when_it_fits);
    ES_RUN(test_spare_excess_is_capped);
    ES_RUN(test_exact_part_multiple_has_no_empty_part);
    ES_RUN(test_failed_part_aborts);
    ES_RUN(test_failed_complete_aborts);
    ES_RUN(test_abort_and_free_of_a_started_upload);
    ES_RUN(test_abort_of_a_completed_upload_is_quiet);
    ES_RUN(test_part_size_bounds);
    ES_RUN(test_lent_multipart_slices);
    ES_RUN(test_lent_then_other_bytes_are_copied);
    ES_RUN(test_lent_failure_and_abort);
    es_creds_provider_release(s_creds);
    es_test_http_server_stop(s_srv);
    return es_test_finish();
}
