/* s3_itest.c - the S3 client against the local emulator (ES_TEST_ENDPOINT):
 * object round trips for awkward keys, listing, conditional gets, a 40 MiB
 * multipart upload through es_s3_upload (its full-object CRC64NVME checked
 * by the emulator and on GET), GETs checking the stored CRC (a corrupted
 * body fails with ES_ERR_NETWORK), uploads signed as UNSIGNED-PAYLOAD, retries of injected 503 SlowDown,
 * connection resets and a 200-with-Error completion, clock-skew correction,
 * and a wrong secret refused with ES_ERR_AUTH without leaking secrets. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../harness/test.h"
#include "../../support/aws_itest.h"
#include "../../support/log_capture.h"
#include "aws/client/client.h"
#include "aws/s3/s3.h"
#include "../../support/s3_admin.h"
#include "aws/s3/internal.h"

static es_itest_clients s_emu;
static es_s3_client *s_s3; /* s_emu.s3 once the test bucket exists */
static char s_bucket[64];

/* run.sh always provides the emulator: without it these tests fail, not skip. */
#define REQUIRE_ENDPOINT() REQUIRE(s_s3 != NULL && "ES_TEST_ENDPOINT set and emulator usable")

static void s_report(const char *what, es_err rc, const es_aws_result *r)
{
    if (rc != ES_OK)
        fprintf(stderr, "  %s: %s (%s) status=%ld attempts=%d: %s\n", what, es_errname(rc), r->aws_code,
                r->http_status, r->attempts, r->message);
}

/* Deterministic bytes from a seed, computable at any offset. */
static void s_fill(uint8_t *buf, size_t len, uint32_t seed, uint64_t offset)
{
    /* Random access: each 4-byte word is a hash of (seed, word index). */
    for (size_t i = 0; i < len; i++) {
        uint64_t word = (offset + i) / 4;
        uint32_t x = (uint32_t)(seed * 2654435761u) ^ (uint32_t)(word * 2246822519u) ^ (uint32_t)(word >> 32);
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        buf[i] = (uint8_t)(x >> (8 * ((offset + i) % 4)));
    }
}

/* ---- collecting GETs --------------------------------------------------- */

typedef struct s_sink {
    uint8_t *data;
    size_t len, cap;
    int heads;
    es_s3_object_info info;
    /* When verifying a generated stream instead of keeping it: */
    uint32_t seed;
    bool verify_only;
    uint64_t verified;
    bool mismatch;
} s_sink;

static es_err s_on_head(void *ctx, const es_s3_object_info *info)
{
    s_sink *s = ctx;
    s->heads++;
    s->info = *info;
    return ES_OK;
}

static es_err s_on_body(void *ctx, const uint8_t *data, size_t len)
{
    s_sink *s = ctx;
    if (s->heads != 1)
        return ES_ERR_INTERNAL; /* body before head */
    if (s->verify_only) {
        uint8_t tmp[65536];
        while (len) {
            size_t n = len < sizeof tmp ? len : sizeof tmp;
            s_fill(tmp, n, s->seed, s->verified);
            if (memcmp(tmp, data, n) != 0)
                s->mismatch = true;
            s->verified += n;
            data += n;
            len -= n;
        }
        return ES_OK;
    }
    return es_itest_append(&s->data, &s->len, &s->cap, data, len);
}

static es_err s_get_mode(const char *key, const char *if_match, bool checksum_mode, s_sink *sink,
                         es_aws_result *res)
{
    es_s3_get_options opt = {.if_match = if_match,
                             .checksum_mode = checksum_mode,
                             .on_head = s_on_head,
                             .on_body = s_on_body,
                             .ctx = sink};
    return es_s3_get_object(s_s3, s_bucket, key, &opt, res);
}

static es_err s_get(const char *key, const char *if_match, s_sink *sink, es_aws_result *res)
{
    return s_get_mode(key, if_match, false, sink, res);
}

static bool s_listed(const char *prefix, const char *key, uint64_t *size)
{
    char token[ES_S3_MAX_CONTINUATION_TOKEN] = "";
    bool found = false;
    for (int page_no = 0; page_no < 100; page_no++) {
        es_s3_list_page page;
        es_aws_result res;
        es_err rc = es_s3_list_objects(s_s3, s_bucket, prefix, token, &page, &res);
        s_report("list", rc, &res);
        if (rc != ES_OK)
            return false;
        for (size_t i = 0; i < page.count; i++) {
            if (strcmp(page.keys[i], key) == 0) {
                found = true;
                *size = page.sizes[i];
            }
        }
        snprintf(token, sizeof token, "%s", page.next_token);
        es_s3_list_free(&page);
        if (!token[0])
            break;
    }
    return found;
}

/* ---- tests --------------------------------------------------------------- */

static const char *const s_keys[] = {
    "plain.jpg",
    "with space.jpg",
    "plus+sign.jpg",
    "100%.jpg",
    "what?.jpg",
    "hash#tag.jpg",
    "caf\xc3\xa9/\xe5\x86\x99\xe7\x9c\x9f.jpg",
    "a//b.jpg",
    "../up.jpg",
    "x/./y/../z.jpg",
    "dir/",
    "/leading-slash",
    "amp&eq=semi;colon:comma,.jpg",
    "quote\"'<>|\\^`{}[]!*()$@~.jpg",
    "tab\there.jpg",
};

static void test_awkward_keys_round_trip(void)
{
    REQUIRE_ENDPOINT();
    for (size_t i = 0; i < sizeof s_keys / sizeof s_keys[0]; i++) {
        const char *key = s_keys[i];
        uint8_t body[777];
        s_fill(body, sizeof body, (uint32_t)i + 11, 0);
        body[0] = 0x00; /* every byte value round-trips, NUL and 0xFF included */
        body[1] = 0xff;
        es_aws_result res;
        es_err rc = es_s3_put_object(s_s3, s_bucket, key, body, sizeof body, "image/jpeg", &res);
        s_report(key, rc, &res);
        CHECK_OK(rc);

        es_s3_object_info info;
        rc = es_s3_head_object(s_s3, s_bucket, key, &info, &res);
        s_report("head", rc, &res);
        CHECK_OK(rc);
        CHECK_INT_EQ(info.content_length, sizeof body);
        CHECK(info.etag[0] == '"');
        CHECK_STR_EQ(info.content_type, "image/jpeg");

        s_sink sink = {0};
        rc = s_get(key, NULL, &sink, &res);
        s_report("get", rc, &res);
        CHECK_OK(rc);
        CHECK_INT_EQ(sink.heads, 1);
        CHECK_MEM_EQ(sink.data, sink.len, body, sizeof body);
        CHECK_STR_EQ(sink.info.etag, info.etag);
        free(sink.data);

        uint64_t size = 0;
        if (!s_listed(key, key, &size))
            es_test_fail(__FILE__, __LINE__, "key %zu (%s) not listed under its own prefix", i, key);
        else
            CHECK_INT_EQ(size, sizeof body);

        rc = es_s3_delete_object(s_s3, s_bucket, key, &res);
        s_report("delete", rc, &res);
        CHECK_OK(rc);
        CHECK_INT_EQ(es_s3_head_object(s_s3, s_bucket, key, &info, &res), ES_ERR_NOT_FOUND);
        CHECK_INT_EQ(res.http_status, 404);
        sink = (s_sink){0};
        CHECK_INT_EQ(s_get(key, NULL, &sink, &res), ES_ERR_NOT_FOUND);
        CHECK_STR_EQ(res.aws_code, "NoSuchKey");
        CHECK_INT_EQ(sink.heads, 0);
        free(sink.data);
    }
}

static void test_empty_object(void)
{
    REQUIRE_ENDPOINT();
    es_aws_result res;
    es_err rc = es_s3_put_object(s_s3, s_bucket, "empty", NULL, 0, NULL, &res);
    s_report("put empty", rc, &res);
    CHECK_OK(rc);
    s_sink sink = {0};
    CHECK_OK(s_get("empty", NULL, &sink, &res));
    CHECK_INT_EQ(sink.heads, 1); /* headers delivered even without a body */
    CHECK_INT_EQ(sink.len, 0);
    CHECK_INT_EQ(sink.info.content_length, 0);
    free(sink.data);
    CHECK_OK(es_s3_delete_object(s_s3, s_bucket, "empty", &res));
}

static void test_conditional_get(void)
{
    REQUIRE_ENDPOINT();
    es_aws_result res;
    CHECK_OK(es_s3_put_object(s_s3, s_bucket, "cond", (const uint8_t *)"v1", 2, NULL, &res));
    es_s3_object_info info;
    CHECK_OK(es_s3_head_object(s_s3, s_bucket, "cond", &info, &res));
    s_sink sink = {0};
    CHECK_OK(s_get("cond", info.etag, &sink, &res));
    CHECK_MEM_EQ(sink.data, sink.len, "v1", 2);
    free(sink.data);
    /* Replaced object: the old ETag no longer matches. */
    CHECK_OK(es_s3_put_object(s_s3, s_bucket, "cond", (const uint8_t *)"v2", 2, NULL, &res));
    sink = (s_sink){0};
    CHECK_INT_EQ(s_get("cond", info.etag, &sink, &res), ES_ERR_PRECONDITION);
    CHECK_INT_EQ(res.http_status, 412);
    CHECK_INT_EQ(res.attempts, 1);
    CHECK_INT_EQ(sink.heads, 0);
    free(sink.data);
    CHECK_OK(es_s3_delete_object(s_s3, s_bucket, "cond", &res));
}

/* Conditional writes: If-None-Match: * creates once; If-Match replaces only
 * the ETag seen; the source identity comes back from HEAD; for a multipart
 * upload the condition is checked at completion. */
static void test_conditional_write_and_source_metadata(void)
{
    REQUIRE_ENDPOINT();
    es_aws_result res;
    es_s3_source_id src = {.etag = "0123456789abcdef", .sequencer = "0063A1B2C3D4E5F601"};
    es_s3_write_options create = {.if_none_match = true, .source = &src};
    CHECK_OK(es_s3_put_object_with(s_s3, s_bucket, "cw", (const uint8_t *)"v1", 2, NULL, &create, &res));
    CHECK_INT_EQ(es_s3_put_object_with(s_s3, s_bucket, "cw", (const uint8_t *)"v2", 2, NULL, &create, &res),
                 ES_ERR_PRECONDITION);
    CHECK_INT_EQ(res.http_status, 412);
    es_s3_object_info info;
    CHECK_OK(es_s3_head_object(s_s3, s_bucket, "cw", &info, &res));
    CHECK_STR_EQ(info.source.etag, "0123456789abcdef");
    CHECK_STR_EQ(info.source.sequencer, "0063A1B2C3D4E5F601");
    CHECK_STR_EQ(info.source.version_id, "");
    es_s3_write_options stale = {.if_match = "\"00000000000000000000000000000000\""};
    CHECK_INT_EQ(es_s3_put_object_with(s_s3, s_bucket, "cw", (const uint8_t *)"v2", 2, NULL, &stale, &res),
                 ES_ERR_PRECONDITION);
    es_s3_write_options replace = {.if_match = info.etag};
    CHECK_OK(es_s3_put_object_with(s_s3, s_bucket, "cw", (const uint8_t *)"v2", 2, NULL, &replace, &res));
    CHECK_OK(es_s3_head_object(s_s3, s_bucket, "cw", &info, &res));
    CHECK_STR_EQ(info.source.etag, ""); /* no source given: no metadata */

    /* multipart: the stale condition fails at CompleteMultipartUpload and the upload is aborted */
    const size_t part = 5u << 20;
    uint8_t *big = calloc(1, part + 10);
    REQUIRE(big);
    es_s3_upload *u = es_s3_upload_new(s_s3, s_bucket, "cw", "image/jpeg", part, &create);
    REQUIRE(u);
    CHECK_OK(es_s3_upload_write(u, big, part + 10, &res));
    CHECK_INT_EQ(es_s3_upload_finish(u, &res), ES_ERR_PRECONDITION);
    es_s3_upload_abort(u);
    CHECK_OK(es_s3_head_object(s_s3, s_bucket, "cw", &info, &res));
    CHECK_INT_EQ(info.content_length, 2);
    u = es_s3_upload_new(s_s3, s_bucket, "cw", "image/jpeg", part, &replace);
    REQUIRE(u);
    CHECK_OK(es_s3_upload_write(u, big, part + 10, &res));
    CHECK_OK(es_s3_upload_finish(u, &res));
    es_s3_upload_free(u);
    CHECK_OK(es_s3_head_object(s_s3, s_bucket, "cw", &info, &res));
    CHECK_INT_EQ(info.content_length, part + 10);
    free(big);
    CHECK_OK(es_s3_delete_object(s_s3, s_bucket, "cw", &res));
}

/* A multipart upload whose part fails is aborted; when the abort fails too,
 * the upload stays open (billed until B's lifecycle rule removes it) and one
 * warn line says so, naming the bucket, key and upload id: the free that
 * follows does not try (and log) the abort again. */
static void test_failed_abort_is_logged(void)
{
    REQUIRE_ENDPOINT();
    const size_t part = 5u << 20;
    uint8_t *big = calloc(1, 2 * part + 10);
    REQUIRE(big);
    REQUIRE(es_itest_s3_fault("UploadPart", s_bucket, "abort/fails", "\"status\":500,\"times\":50") == 0);
    REQUIRE(es_itest_s3_fault("AbortMultipartUpload", s_bucket, "abort/fails",
                              "\"status\":500,\"times\":50") == 0);
    es_logcap_start();
    es_s3_upload *u = es_s3_upload_new(s_s3, s_bucket, "abort/fails", "image/jpeg", part, NULL);
    REQUIRE(u);
    es_aws_result res;
    CHECK(es_s3_upload_write(u, big, 2 * part + 10, &res) != ES_OK);
    es_s3_upload_abort(u);
    const char *log = es_logcap_text();
    CHECK_STR_CONTAINS(log, "\"event\":\"s3.abort_failed\"");
    const char *first = strstr(log, "s3.abort_failed");
    CHECK(first && !strstr(first + 1, "s3.abort_failed"));
    CHECK_STR_CONTAINS(log, "\"key\":\"abort/fails\"");
    CHECK_STR_CONTAINS(log, "\"upload_id\":\"");
    CHECK_STR_CONTAINS(log, "HTTP 500");
    es_logcap_stop();
    es_itest_clear_faults();
    free(big);
}

static void test_multipart_40mib(void)
{
    REQUIRE_ENDPOINT();
    const size_t total = 40u << 20, part = 8u << 20;
    const uint32_t seed = 4242;
    const char *key = "big/forty mib+.bin";
    es_s3_upload *u = es_s3_upload_new(s_s3, s_bucket, key, "application/octet-stream", part, NULL);
    REQUIRE(u);
    uint8_t *chunk = malloc(1000003); /* odd size: writes straddle part boundaries */
    REQUIRE(chunk);
    es_aws_result res;
    es_err rc = ES_OK;
    for (size_t off = 0; off < total && rc == ES_OK;) {
        size_t n = total - off < 1000003 ? total - off : 1000003;
        s_fill(chunk, n, seed, off);
        rc = es_s3_upload_write(u, chunk, n, &res);
        off += n;
    }
    s_report("upload write", rc, &res);
    CHECK_OK(rc);
    rc = es_s3_upload_finish(u, &res);
    s_report("upload finish", rc, &res);
    CHECK_OK(rc);
    es_s3_upload_free(u);
    free(chunk);

    es_s3_object_info info;
    CHECK_OK(es_s3_head_object(s_s3, s_bucket, key, &info, &res));
    CHECK_INT_EQ(info.content_length, total);
    CHECK_STR_CONTAINS(info.etag, "-5\""); /* five parts */

    /* The emulator checked the full-object CRC64NVME combined from the five
     * parts' at completion; the GET checks the body against it. */
    s_sink sink = {.seed = seed, .verify_only = true};
    rc = s_get_mode(key, NULL, true, &sink, &res);
    s_report("get big", rc, &res);
    CHECK_OK(rc);
    CHECK_INT_EQ(sink.verified, total);
    CHECK(!sink.mismatch);
    CHECK_STR_EQ(sink.info.checksum.algorithm, "CRC64NVME");
    CHECK_STR_EQ(sink.info.checksum.type, "FULL_OBJECT");
    CHECK(sink.info.checksum.checked);
    CHECK_OK(es_s3_delete_object(s_s3, s_bucket, key, &res));
}

/* GET with checksum mode: the stored CRC64NVME comes back and is checked; a
 * body damaged in transit (the emulator's corrupt rule) fails with
 * ES_ERR_NETWORK after the bytes were delivered, not retried inside the call
 * (the caller has consumed them). Without checksum mode nothing is noticed. */
static void test_get_checks_the_stored_crc(void)
{
    REQUIRE_ENDPOINT();
    const char *key = "checked/photo.jpg";
    es_aws_result res;
    CHECK_OK(es_s3_put_object(s_s3, s_bucket, key, (const uint8_t *)"123456789", 9, NULL, &res));
    s_sink sink = {0};
    CHECK_OK(s_get_mode(key, NULL, true, &sink, &res));
    CHECK_STR_EQ(sink.info.checksum.value, "rosUhgp5mIg="); /* CRC-64/NVME of "123456789" */
    CHECK(sink.info.checksum.checked);
    free(sink.data);
    char rule[512];
    snprintf(rule, sizeof rule,
             "{\"service\":\"s3\",\"action\":\"GetObject\",\"bucket\":\"%s\",\"key\":\"%s\","
             "\"corrupt\":true,\"times\":2}",
             s_bucket, key);
    REQUIRE(es_itest_fault(rule) == 0);
    sink = (s_sink){0};
    CHECK_INT_EQ(s_get_mode(key, NULL, true, &sink, &res), ES_ERR_NETWORK);
    CHECK_STR_CONTAINS(res.message, "checksum");
    CHECK_INT_EQ(res.attempts, 1);
    CHECK_INT_EQ(sink.len, 9); /* delivered, then judged */
    free(sink.data);
    sink = (s_sink){0};
    CHECK_OK(s_get_mode(key, NULL, false, &sink, &res)); /* unchecked: the damage passes */
    CHECK(sink.len == 9 && memcmp(sink.data, "123456789", 9) != 0);
    CHECK_STR_EQ(sink.info.checksum.algorithm, "");
    free(sink.data);
    es_itest_clear_faults();
    /* An empty object's CRC is checked too. */
    CHECK_OK(es_s3_put_object(s_s3, s_bucket, "checked/empty", NULL, 0, NULL, &res));
    sink = (s_sink){0};
    CHECK_OK(s_get_mode("checked/empty", NULL, true, &sink, &res));
    CHECK_STR_EQ(sink.info.checksum.value, "AAAAAAAAAAA=");
    CHECK_OK(es_s3_delete_object(s_s3, s_bucket, key, &res));
    CHECK_OK(es_s3_delete_object(s_s3, s_bucket, "checked/empty", &res));
}

/* EXIFSTRIP_PAYLOAD_SIGNING=unsigned against the emulator, which checks the
 * signature and the CRC of every body strictly: a PutObject and a two-part
 * upload signed as UNSIGNED-PAYLOAD are accepted and read back intact. */
static void test_unsigned_payload_uploads(void)
{
    REQUIRE_ENDPOINT();
    es_aws_config cfg = s_emu.cfg;
    cfg.payload_signing = ES_PAYLOAD_UNSIGNED;
    es_s3_client *c = es_s3_client_new(&cfg, s_emu.creds);
    REQUIRE(c);
    es_aws_result res;
    CHECK_OK(es_s3_put_object(c, s_bucket, "unsigned/small", (const uint8_t *)"123456789", 9, NULL, &res));
    const size_t total = ES_S3_MIN_PART_SIZE + 4321;
    uint8_t *body = malloc(total);
    REQUIRE(body);
    s_fill(body, total, 99, 0);
    es_s3_upload *u = es_s3_upload_new(c, s_bucket, "unsigned/two-parts", NULL, ES_S3_MIN_PART_SIZE, NULL);
    REQUIRE(u);
    CHECK_OK(es_s3_upload_write(u, body, total, &res));
    es_err rc = es_s3_upload_finish(u, &res);
    s_report("unsigned multipart", rc, &res);
    CHECK_OK(rc);
    es_s3_upload_free(u);
    s_sink sink = {.seed = 99, .verify_only = true};
    CHECK_OK(s_get_mode("unsigned/two-parts", NULL, true, &sink, &res));
    CHECK_INT_EQ(sink.verified, total);
    CHECK(!sink.mismatch);
    CHECK(sink.info.checksum.checked);
    sink = (s_sink){0};
    CHECK_OK(s_get_mode("unsigned/small", NULL, true, &sink, &res));
    CHECK(sink.len == 9 && memcmp(sink.data, "123456789", 9) == 0);
    free(sink.data);
    CHECK_OK(es_s3_delete_object(c, s_bucket, "unsigned/small", &res));
    CHECK_OK(es_s3_delete_object(c, s_bucket, "unsigned/two-parts", &res));
    free(body);
    es_s3_client_free(c);
}

/* Lent bodies (es_s3_upload_lend) against the emulator, which checks each
 * request's SigV4 signature and x-amz-checksum-crc64nvme: a lone PutObject
 * and a multipart upload whose parts are slices of the lent range (lent in
 * pieces that straddle the part boundary), signed and UNSIGNED-PAYLOAD;
 * both read back whole, their full-object CRC checked. */
static void test_lent_uploads(void)
{
    REQUIRE_ENDPOINT();
    const size_t total = ES_S3_MIN_PART_SIZE + 4321;
    uint8_t *body = malloc(total);
    REQUIRE(body);
    s_fill(body, total, 77, 0);
    for (int unsigned_mode = 0; unsigned_mode < 2; unsigned_mode++) {
        es_aws_config cfg = s_emu.cfg;
        cfg.payload_signing = unsigned_mode ? ES_PAYLOAD_UNSIGNED : ES_PAYLOAD_SIGNED;
        es_s3_client *c = es_s3_client_new(&cfg, s_emu.creds);
        REQUIRE(c);
        static const size_t sizes[] = {3000, ES_S3_MIN_PART_SIZE + 4321};
        for (size_t i = 0; i < 2; i++) {
            const char *key = i ? "lent/two-parts" : "lent/small";
            es_s3_upload *u = es_s3_upload_new(c, s_bucket, key, "image/jpeg", ES_S3_MIN_PART_SIZE, NULL);
            REQUIRE(u);
            es_aws_result res;
            size_t cut = sizes[i] - 1000;
            CHECK_OK(es_s3_upload_lend(u, body, cut, &res));
            CHECK_OK(es_s3_upload_lend(u, body + cut, sizes[i] - cut, &res));
            es_err rc = es_s3_upload_finish(u, &res);
            s_report("lent upload", rc, &res);
            CHECK_OK(rc);
            es_s3_upload_free(u);
            s_sink sink = {.seed = 77, .verify_only = true};
            CHECK_OK(s_get_mode(key, NULL, true, &sink, &res));
            CHECK_INT_EQ(sink.verified, sizes[i]);
            CHECK(!sink.mismatch);
            CHECK(sink.info.checksum.checked);
            CHECK_OK(es_s3_delete_object(c, s_bucket, key, &res));
        }
        es_s3_client_free(c);
    }
    free(body);
}

static void test_small_upload_is_single_put(void)
{
    REQUIRE_ENDPOINT();
    const char *key = "small/upload.jpg";
    es_s3_upload *u = es_s3_upload_new(s_s3, s_bucket, key, "image/jpeg", 5u << 20, NULL);
    REQUIRE(u);
    uint8_t data[3000];
    s_fill(data, sizeof data, 9, 0);
    es_aws_result res;
    CHECK_OK(es_s3_upload_write(u, data, 1000, &res));
    CHECK_OK(es_s3_upload_write(u, data + 1000, 2000, &res));
    CHECK_OK(es_s3_upload_finish(u, &res));
    CHECK_INT_EQ(es_s3_upload_write(u, data, 1, &res), ES_ERR_INVALID_ARG);
    es_s3_upload_free(u);
    es_s3_object_info info;
    CHECK_OK(es_s3_head_object(s_s3, s_bucket, key, &info, &res));
    CHECK_INT_EQ(info.content_length, sizeof data);
    CHECK(strchr(info.etag, '-') == NULL); /* not a multipart ETag */
    s_sink sink = {0};
    CHECK_OK(s_get(key, NULL, &sink, &res));
    CHECK_MEM_EQ(sink.data, sink.len, data, sizeof data);
    free(sink.data);
    CHECK_OK(es_s3_delete_object(s_s3, s_bucket, key, &res));
}

static int s_sleeps;
static void s_count_sleep(void *ctx, long ms)
{
    (void)ctx;
    (void)ms;
    s_sleeps++;
}
/* A fixed jitter draw: a full-jitter back-off of 0 ms would skip the sleep hook. */
static double s_half_jitter(void *ctx)
{
    (void)ctx;
    return 0.5;
}

static void test_retry_slowdown(void)
{
    REQUIRE_ENDPOINT();
    es_aws_client_set_retry_hooks(es_s3_client_core(s_s3), s_count_sleep, NULL, s_half_jitter, NULL);
    char rule[256];
    snprintf(rule, sizeof rule,
             "{\"service\":\"s3\",\"action\":\"PutObject\",\"bucket\":\"%s\",\"key\":\"retry/slow\","
             "\"status\":503,\"code\":\"SlowDown\",\"times\":2}",
             s_bucket);
    REQUIRE(es_itest_fault(rule) == 0);
    s_sleeps = 0;
    es_aws_result res;
    es_err rc = es_s3_put_object(s_s3, s_bucket, "retry/slow", (const uint8_t *)"abc", 3, NULL, &res);
    s_report("put slowdown", rc, &res);
    CHECK_OK(rc);
    CHECK_INT_EQ(res.attempts, 3);
    CHECK_INT_EQ(s_sleeps, 2);
    /* More failures than attempts: the final error is the throttle. */
    snprintf(rule, sizeof rule,
             "{\"service\":\"s3\",\"action\":\"PutObject\",\"bucket\":\"%s\",\"key\":\"retry/slow\","
             "\"status\":503,\"code\":\"SlowDown\",\"times\":3}",
             s_bucket);
    REQUIRE(es_itest_fault(rule) == 0);
    CHECK_INT_EQ(es_s3_put_object(s_s3, s_bucket, "retry/slow", (const uint8_t *)"abc", 3, NULL, &res),
                 ES_ERR_THROTTLED);
    CHECK_INT_EQ(res.attempts, 3);
    CHECK_INT_EQ(res.http_status, 503);
    CHECK_STR_EQ(res.aws_code, "SlowDown");
    CHECK_STR_CONTAINS(res.message, "SlowDown");
    es_itest_clear_faults();
    CHECK_OK(es_s3_delete_object(s_s3, s_bucket, "retry/slow", &res));
    es_aws_client_set_retry_hooks(es_s3_client_core(s_s3), NULL, NULL, NULL, NULL);
}

/* A reset on a reused keep-alive connection is replayed by libcurl itself;
 * the second reset (on a fresh connection) reaches our retry loop. */
static void test_retry_connection_reset(void)
{
    REQUIRE_ENDPOINT();
    es_aws_result res;
    CHECK_OK(es_s3_put_object(s_s3, s_bucket, "retry/reset", (const uint8_t *)"hello", 5, NULL, &res));
    long seq = es_itest_log_seq();
    char rule[256];
    snprintf(rule, sizeof rule,
             "{\"service\":\"s3\",\"action\":\"GetObject\",\"bucket\":\"%s\",\"key\":\"retry/reset\","
             "\"reset\":true,\"times\":2}",
             s_bucket);
    REQUIRE(es_itest_fault(rule) == 0);
    s_sink sink = {0};
    es_err rc = s_get("retry/reset", NULL, &sink, &res);
    s_report("get after reset", rc, &res);
    CHECK_OK(rc);
    CHECK(res.attempts >= 2);
    CHECK_INT_EQ(sink.heads, 1);
    CHECK_MEM_EQ(sink.data, sink.len, "hello", 5);
    free(sink.data);
    CHECK_INT_EQ(es_itest_log_count(seq, "GetObject", "ConnectionReset"), 2);
    /* A reset on PUT is retried too (the body is resent from memory). */
    seq = es_itest_log_seq();
    snprintf(rule, sizeof rule,
             "{\"service\":\"s3\",\"action\":\"PutObject\",\"bucket\":\"%s\",\"key\":\"retry/reset\","
             "\"reset\":true,\"times\":2}",
             s_bucket);
    REQUIRE(es_itest_fault(rule) == 0);
    rc = es_s3_put_object(s_s3, s_bucket, "retry/reset", (const uint8_t *)"world", 5, NULL, &res);
    s_report("put after reset", rc, &res);
    CHECK_OK(rc);
    CHECK(res.attempts >= 2);
    CHECK_INT_EQ(es_itest_log_count(seq, "PutObject", "ConnectionReset"), 2);
    es_itest_clear_faults();
    sink = (s_sink){0};
    CHECK_OK(s_get("retry/reset", NULL, &sink, &res));
    CHECK_MEM_EQ(sink.data, sink.len, "world", 5);
    free(sink.data);
    CHECK_OK(es_s3_delete_object(s_s3, s_bucket, "retry/reset", &res));
}

/* CompleteMultipartUpload answering 200 with an <Error> body must be retried. */
static void test_complete_200_with_error(void)
{
    REQUIRE_ENDPOINT();
    const char *key = "mpu/200-error";
    char upload_id[512];
    es_aws_result res;
    REQUIRE(es_s3_multipart_create(s_s3, s_bucket, key, NULL, NULL, upload_id, sizeof upload_id, &res) == ES_OK);
    uint8_t *part = malloc(5u << 20);
    REQUIRE(part);
    s_fill(part, 5u << 20, 77, 0);
    es_s3_part parts[2];
    CHECK_OK(es_s3_multipart_upload_part(s_s3, s_bucket, key, upload_id, 1, part, 5u << 20, &parts[0], &res));
    CHECK_OK(es_s3_multipart_upload_part(s_s3, s_bucket, key, upload_id, 2, part, 100, &parts[1], &res));
    char rule[256];
    snprintf(rule, sizeof rule,
             "{\"service\":\"s3\",\"action\":\"CompleteMultipartUpload\",\"bucket\":\"%s\","
             "\"status\":200,\"code\":\"InternalError\",\"times\":1}",
             s_bucket);
    REQUIRE(es_itest_fault(rule) == 0);
    es_err rc = es_s3_multipart_complete(s_s3, s_bucket, key, upload_id, parts, 2, NULL, &res);
    s_report("complete", rc, &res);
    CHECK_OK(rc);
    CHECK_INT_EQ(res.attempts, 2);
    es_itest_clear_faults();
    es_s3_object_info info;
    CHECK_OK(es_s3_head_object(s_s3, s_bucket, key, &info, &res));
    CHECK_INT_EQ(info.content_length, (5u << 20) + 100);
    CHECK_OK(es_s3_delete_object(s_s3, s_bucket, key, &res));
    /* Completing an aborted upload is NoSuchUpload. */
    CHECK_OK(es_s3_multipart_create(s_s3, s_bucket, key, NULL, NULL, upload_id, sizeof upload_id, &res));
    CHECK_OK(es_s3_multipart_abort(s_s3, s_bucket, key, upload_id, &res));
    CHECK_INT_EQ(es_s3_multipart_complete(s_s3, s_bucket, key, upload_id, parts, 2, NULL, &res),
                 ES_ERR_NOT_FOUND);
    CHECK_STR_EQ(res.aws_code, "NoSuchUpload");
    free(part);
}

static void test_clock_skew_corrected(void)
{
    REQUIRE_ENDPOINT();
    es_aws_client *core = es_s3_client_core(s_s3);
    es_aws_client_set_clock_offset(core, -3600); /* our "clock" is an hour behind */
    es_aws_result res;
    es_err rc = es_s3_put_object(s_s3, s_bucket, "skew", (const uint8_t *)"x", 1, NULL, &res);
    s_report("put with skew", rc, &res);
    CHECK_OK(rc);
    CHECK_INT_EQ(res.attempts, 2);
    long off = es_aws_client_clock_offset(core);
    CHECK(off > -120 && off < 120); /* corrected to about zero, and kept */
    rc = es_s3_delete_object(s_s3, s_bucket, "skew", &res);
    CHECK_OK(rc);
    CHECK_INT_EQ(res.attempts, 1);
}

static void test_wrong_secret_refused(void)
{
    REQUIRE_ENDPOINT();
    const char *secret = "WRONGsecretKEYvalue1234567890";
    const char *token = "SESSIONtokenVALUEabcdefghij0987";
    es_itest_clients bad;
    REQUIRE(es_itest_clients_open_refused(&bad, NULL, secret, token) == 0);
    es_s3_client *c = bad.s3;
    es_aws_result res;
    CHECK_INT_EQ(es_s3_put_object(c, s_bucket, "auth/x", (const uint8_t *)"x", 1, NULL, &res), ES_ERR_AUTH);
    CHECK_INT_EQ(res.http_status, 403);
    CHECK_STR_EQ(res.aws_code, "SignatureDoesNotMatch");
    CHECK_INT_EQ(res.attempts, 1);
    CHECK(!es_itest_mentions(&res, secret));
    CHECK(!es_itest_mentions(&res, token));
    es_s3_object_info info;
    CHECK_INT_EQ(es_s3_head_object(c, s_bucket, "auth/x", &info, &res), ES_ERR_AUTH);
    CHECK(!es_itest_mentions(&res, secret) && !es_itest_mentions(&res, token));
    s_sink sink = {0};
    es_s3_get_options opt = {.on_head = s_on_head, .on_body = s_on_body, .ctx = &sink};
    CHECK_INT_EQ(es_s3_get_object(c, s_bucket, "auth/x", &opt, &res), ES_ERR_AUTH);
    CHECK(!es_itest_mentions(&res, secret) && !es_itest_mentions(&res, token));
    CHECK_INT_EQ(sink.heads, 0);
    es_itest_clients_close(&bad);

    /* An unknown access key is refused as well. */
    REQUIRE(es_itest_clients_open_refused(&bad, "AKIDUNKNOWN", secret, NULL) == 0);
    c = bad.s3;
    CHECK_INT_EQ(es_s3_put_object(c, s_bucket, "auth/x", (const uint8_t *)"x", 1, NULL, &res), ES_ERR_AUTH);
    CHECK_STR_EQ(res.aws_code, "InvalidAccessKeyId");
    CHECK(!es_itest_mentions(&res, secret));
    es_itest_clients_close(&bad);
    /* ...and nothing was written. */
    CHECK_INT_EQ(es_s3_head_object(s_s3, s_bucket, "auth/x", &info, &res), ES_ERR_NOT_FOUND);
}

static void test_missing_bucket(void)
{
    REQUIRE_ENDPOINT();
    es_aws_result res;
    es_s3_list_page page;
    CHECK_INT_EQ(es_s3_list_objects(s_s3, "no-such-bucket-exifstrip", NULL, NULL, &page, &res),
                 ES_ERR_NOT_FOUND);
    CHECK_STR_EQ(res.aws_code, "NoSuchBucket");
    CHECK(page.count == 0);
}

int main(void)
{
    if (es_itest_clients_open(&s_emu) == 0) {
        es_itest_name(s_bucket, sizeof s_bucket, "s3-itest");
        es_aws_result res;
        if (es_s3_create_bucket(s_emu.s3, s_bucket, &res) == ES_OK)
            s_s3 = s_emu.s3;
        else
            fprintf(stderr, "create bucket: %s\n", res.message);
    }
    ES_RUN(test_awkward_keys_round_trip);
    ES_RUN(test_empty_object);
    ES_RUN(test_conditional_get);
    ES_RUN(test_conditional_write_and_source_metadata);
    ES_RUN(test_multipart_40mib);
    ES_RUN(test_get_checks_the_stored_crc);
    ES_RUN(test_unsigned_payload_uploads);
    ES_RUN(test_small_upload_is_single_put);
    ES_RUN(test_lent_uploads);
    ES_RUN(test_retry_slowdown);
    ES_RUN(test_retry_connection_reset);
    ES_RUN(test_complete_200_with_error);
    ES_RUN(test_clock_skew_corrected);
    ES_RUN(test_wrong_secret_refused);
    ES_RUN(test_missing_bucket);
    ES_RUN(test_failed_abort_is_logged);
    if (s_s3) {
        es_aws_result res;
        if (es_s3_delete_bucket(s_s3, s_bucket, &res) != ES_OK)
            fprintf(stderr, "delete bucket: %s\n", res.message);
    }
    es_itest_clients_close(&s_emu);
    return es_test_finish();
}
