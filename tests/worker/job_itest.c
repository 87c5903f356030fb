/* job_itest.c - one record / one message end to end against the emulator:
 * stripped output equals the stripper's, keys with spaces and UTF-8, the
 * multipart path, refusals (nothing written, DLQ report), 404/412 -> gone,
 * size limits (event size, Content-Length), skips, write ordering
 * (re-delivery, older and newer events; the first delivery's write without
 * a HEAD, its fallbacks and races; a lost write's body is sent again only
 * when sequencers order it, else A is read again; a write whose answer was
 * lost is settled as written, the last one's too; a skip names the deciding HEAD's request
 * id), and the fault-injection
 * cases where the outcome must be "retry" (GET/PUT failures, DLQ send failure,
 * a GET body that fails its S3 checksum: nothing published, a started
 * multipart upload aborted, a refusal of the damaged bytes not kept), a photo
 * to be turned whose transform memory is not free stopped at its frame and
 * read again once it is, and a failed request naming its own request id. */
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../harness/test.h"
#include "../support/aws_itest.h"
#include "../support/fail_malloc.h"
#include "../support/fixture.h"
#include "../support/wait.h"
#include "../support/worker_fixture.h"
#include "common/log.h"
#include "exifstrip/jpeg.h"
#include "exifstrip/orient.h"
#include "exifstrip/rules.h"
#include "worker/job.h"
#include "worker/transform_budget.h"

static es_wfix s_w;
static es_job_env s_env;

static bool s_setup(void)
{
    if (!es_itest_endpoint())
        return false;
    if (es_wfix_setup(&s_w, 0) != 0)
        return false;
    s_env = (es_job_env){.cfg = &s_w.cfg, .s3 = s_w.s3, .sqs = s_w.sqs};
    return true;
}

#define SETUP()                                                                        \
    do {                                                                               \
        REQUIRE(es_itest_endpoint() != NULL && "ES_TEST_ENDPOINT names the emulator"); \
        REQUIRE(s_setup());                                                            \
    } while (0)

static uint8_t *s_jpeg(size_t *len, bool gps)
{
    es_fixture_opts o =
        {.exif = true, .exif_gps = gps, .xmp = true, .comment = true, .mp4_trailer = true, .seed = 3};
    uint8_t *j = NULL;
    return es_fixture_make(&o, &j, len) == 0 ? j : NULL;
}

static void s_record(es_event_record *rec, const char *bucket, const char *key, const char *etag)
{
    memset(rec, 0, sizeof *rec);
    snprintf(rec->bucket, sizeof rec->bucket, "%s", bucket);
    snprintf(rec->key, sizeof rec->key, "%s", key);
    snprintf(rec->etag, sizeof rec->etag, "%s", etag ? etag : "");
    snprintf(rec->event_name, sizeof rec->event_name, "ObjectCreated:Put");
}

static es_job_message s_msg(const char *body)
{
    return (es_job_message){.message_id = "msg-1",
                            .body = body,
                            .body_len = body ? strlen(body) : 0,
                            .receive_count = 1};
}

static bool s_dest_exists(const char *key)
{
    char etag[128];
    return es_wfix_etag(&s_w, s_w.dst, key, etag, sizeof etag) == ES_OK;
}

/* Checks the destination holds exactly what the stripper makes of src. */
static void s_check_output(const char *key, const uint8_t *src, size_t src_len)
{
    uint8_t *expect = NULL, *got = NULL;
    size_t expect_len = 0, got_len = 0;
    es_s3_object_info info;
    REQUIRE(es_jpeg_strip_buffer(NULL, src, src_len, &expect, &expect_len, NULL, NULL) == ES_OK);
    es_err rc = es_wfix_get(&s_w, s_w.dst, key, &got, &got_len, &info);
    CHECK_OK(rc);
    if (rc == ES_OK) {
        CHECK_MEM_EQ(got, got_len, expect, expect_len);
        CHECK_STR_EQ(info.content_type, "image/jpeg");
    }
    free(expect);
    free(got);
}

/* Puts a fresh JPEG (with GPS) at src/key and fills rec with its event
 * record (ETag, no version); returns the JPEG (caller frees). */
static uint8_t *s_put_source(const char *key, size_t *len, es_event_record *rec)
{
    uint8_t *jpeg = s_jpeg(len, true);
    char etag[128];
    if (!jpeg || es_wfix_put(&s_w, s_w.src, key, jpeg, *len) != ES_OK ||
        es_wfix_etag(&s_w, s_w.src, key, etag, sizeof etag) != ES_OK) {
        free(jpeg);
        return NULL;
    }
    s_record(rec, s_w.src, key, etag);
    return jpeg;
}

/* The result of stripping s_put_source's JPEG of len bytes (a macro, so
 * that a failure names the caller's line). */
#define S_CHECK_STRIPPED(res, len)                                    \
    do {                                                              \
        CHECK_INT_EQ((res)->outcome, ES_JOB_STRIPPED);                \
        CHECK_INT_EQ((res)->code, ES_OK);                             \
        CHECK_INT_EQ((res)->bytes_in, (len));                         \
        CHECK((res)->bytes_out > 0 && (res)->bytes_out < (len));      \
        CHECK_STR_EQ((res)->removed, "gps,exif,xmp,comment,trailer"); \
        CHECK((res)->request_id[0] != '\0');                          \
    } while (0)

static void test_strip_one_record(void)
{
    SETUP();
    size_t len = 0;
    const char *key = "in/photo.jpg";
    es_event_record rec;
    uint8_t *jpeg = s_put_source(key, &len, &rec);
    REQUIRE(jpeg != NULL);
    es_job_message msg = s_msg("{}");
    es_job_result res;
    es_job_run_record(&s_env, &msg, &rec, &res);
    S_CHECK_STRIPPED(&res, len);
    s_check_output(key, jpeg, len);
    free(jpeg);
    es_wfix_teardown(&s_w);
}

/* Running out of memory is not the photo's fault: a photo whose stripper
 * cannot hold its Exif segment (where the orientation is read) is retried,
 * never refused (a refusal deletes the message and reports the photo), and
 * nothing is written. */
static void test_out_of_memory_is_retried_not_refused(void)
{
    if (!es_test_fail_malloc_available())
        SKIP("the sanitizers' allocators replace malloc");
    SETUP();
    size_t len = 0, exif_body = 0;
    uint8_t *jpeg = es_fixture_turned_with_exif(&len, &exif_body);
    REQUIRE(jpeg != NULL);
    const char *key = "nomem/turned.jpg";
    char etag[128];
    REQUIRE(es_wfix_put(&s_w, s_w.src, key, jpeg, len) == ES_OK);
    REQUIRE(es_wfix_etag(&s_w, s_w.src, key, etag, sizeof etag) == ES_OK);
    es_event_record rec;
    s_record(&rec, s_w.src, key, etag);
    es_job_message msg = s_msg("{}");
    es_job_result res;
    es_test_fail_next_malloc(exif_body);
    es_job_run_record(&s_env, &msg, &rec, &res);
    bool met = es_test_malloc_failure_met();
    es_test_fail_next_malloc(0);
    CHECK(met);
    CHECK_INT_EQ(res.outcome, ES_JOB_RETRY);
    CHECK_INT_EQ(res.code, ES_ERR_NOMEM);
    CHECK_STR_CONTAINS(res.reason, "no memory");
    CHECK(!s_dest_exists(key));
    es_job_run_record(&s_env, &msg, &rec, &res); /* memory again: turned and written */
    CHECK_INT_EQ(res.outcome, ES_JOB_STRIPPED);
    CHECK(s_dest_exists(key));
    free(jpeg);
    es_wfix_teardown(&s_w);
}

/* Write ordering of redelivered messages (SQS receive count 2: B is HEADed
 * before anything else): a re-delivery of what B holds is skipped without a
 * GET; an older event (smaller sequencer) never replaces a newer output,
 * without a GET either; a newer one does, recording its sequencer. */
static void test_ordered_writes(void)
{
    SETUP();
    es_event_record rec;
    size_t len = 0;
    uint8_t *jpeg = s_put_source("in/ordered.jpg", &len, &rec);
    REQUIRE(jpeg != NULL);
    free(jpeg); /* only the source object is needed */
    const char *key = rec.key;
    snprintf(rec.sequencer, sizeof rec.sequencer, "0B00000000000000");
    es_job_message msg = s_msg("{}");
    es_job_result res;
    es_job_run_record(&s_env, &msg, &rec, &res);
    CHECK_INT_EQ(res.outcome, ES_JOB_STRIPPED);
    es_s3_object_info info;
    es_aws_result ares;
    REQUIRE(es_s3_head_object(s_w.s3, s_w.dst, key, &info, &ares) == ES_OK);
    CHECK_STR_EQ(info.source.etag, rec.etag);
    CHECK_STR_EQ(info.source.sequencer, "0B00000000000000");

    long seq = es_wfix_last_seq();
    msg.receive_count = 2;
    es_job_run_record(&s_env, &msg, &rec, &res); /* the same event again */
    CHECK_INT_EQ(res.outcome, ES_JOB_SKIPPED);
    CHECK_STR_CONTAINS(res.reason, "already holds this source version");
    CHECK_INT_EQ(es_wfix_count(seq, "HeadObject", key), 1);
    CHECK_INT_EQ(es_wfix_count(seq, "GetObject", key), 0);
    CHECK_INT_EQ(es_wfix_count(seq, "PutObject", key), 0);

    es_event_record older = rec;
    snprintf(older.sequencer, sizeof older.sequencer, "0A"); /* "0A" right-padded is smaller */
    es_job_run_record(&s_env, &msg, &older, &res);
    CHECK_INT_EQ(res.outcome, ES_JOB_SKIPPED);
    CHECK_STR_CONTAINS(res.reason, "newer source version");
    CHECK_INT_EQ(es_wfix_count(seq, "GetObject", key), 0);
    CHECK_INT_EQ(es_wfix_count(seq, "PutObject", key), 0);

    es_event_record newer = rec;
    snprintf(newer.sequencer, sizeof newer.sequencer, "0C");
    es_job_run_record(&s_env, &msg, &newer, &res);
    CHECK_INT_EQ(res.outcome, ES_JOB_STRIPPED);
    CHECK_INT_EQ(es_wfix_count(seq, "HeadObject", key), 3);
    REQUIRE(es_s3_head_object(s_w.s3, s_w.dst, key, &info, &ares) == ES_OK);
    CHECK_STR_EQ(info.source.sequencer, "0C");
    es_wfix_teardown(&s_w);
}

/* s_put_source with the size in the event record, as S3 sends it. */
static uint8_t *s_put_sized_source(const char *key, size_t *len, es_event_record *rec)
{
    uint8_t *jpeg = s_put_source(key, len, rec);
    rec->has_size = jpeg != NULL;
    rec->size = *len;
    return jpeg;
}

/* The next `times` requests `action` for B's key are answered 412. */
static void s_precondition_fault(const char *action, const char *key, int times)
{
    char fields[96];
    snprintf(fields, sizeof fields, "\"status\":412,\"code\":\"PreconditionFailed\",\"times\":%d", times);
    REQUIRE(es_itest_s3_fault(action, s_w.dst, key, fields) == 0);
}

/* The sequencer B records for key ("" when B has no such key). */
static void s_dest_sequencer(const char *key, char *out, size_t size)
{
    es_s3_object_info info;
    es_aws_result ares;
    es_aws_result_clear(&ares);
    bool found = es_s3_head_object(s_w.s3, s_w.dst, key, &info, &ares) == ES_OK;
    snprintf(out, size, "%s", found ? info.source.sequencer : "");
}

/* The request id the emulator answered key's newest `action` since seq with
 * (a macro, so that a failure names the caller's line). */
#define S_CHECK_DECIDED_BY(res, seq, action, key)                                    \
    do {                                                                             \
        char rid_[128];                                                              \
        es_wfix_last_field((seq), (action), (key), "request_id", rid_, sizeof rid_); \
        CHECK(rid_[0] != '\0');                                                      \
        CHECK_STR_EQ((res)->request_id, rid_);                                       \
    } while (0)

/* Requests for key since seq: HEADs of B, GETs (A's), PutObjects to B (a
 * macro, so that a failure names the caller's line). */
#define S_CHECK_REQUESTS(seq, key, heads, gets, puts)                     \
    do {                                                                  \
        CHECK_INT_EQ(es_wfix_count((seq), "HeadObject", (key)), (heads)); \
        CHECK_INT_EQ(es_wfix_count((seq), "GetObject", (key)), (gets));   \
        CHECK_INT_EQ(es_wfix_count((seq), "PutObject", (key)), (puts));   \
    } while (0)

/* A message received for the first time is written at once with
 * If-None-Match: *, without a HEAD of B; only when B already has the key
 * (412) is B HEADed and the ordering decided as for a redelivery: the same
 * source version -> skipped with no second write, an older one recorded ->
 * overwritten (If-Match), a newer one -> skipped. */
static void test_first_delivery_writes_without_head(void)
{
    SETUP();
    es_event_record rec;
    size_t len = 0;
    uint8_t *jpeg = s_put_sized_source("in/fresh.jpg", &len, &rec);
    REQUIRE(jpeg != NULL);
    const char *key = rec.key;
    snprintf(rec.sequencer, sizeof rec.sequencer, "0B");
    es_job_message msg = s_msg("{}");
    es_job_result res;
    char seqr[128];

    long seq = es_wfix_last_seq();
    es_job_run_record(&s_env, &msg, &rec, &res); /* a new key: GET and one PutObject, no HEAD */
    CHECK_INT_EQ(res.outcome, ES_JOB_STRIPPED);
    S_CHECK_REQUESTS(seq, key, 0, 1, 1);
    s_check_output(key, jpeg, len);
    char etag_before[128] = "", etag_after[128] = "";
    CHECK_OK(es_wfix_etag(&s_w, s_w.dst, key, etag_before, sizeof etag_before));

    seq = es_wfix_last_seq();
    es_job_run_record(&s_env, &msg, &rec, &res); /* a duplicate event of what B holds */
    CHECK_INT_EQ(res.outcome, ES_JOB_SKIPPED);
    CHECK_STR_CONTAINS(res.reason, "already holds this source version");
    S_CHECK_REQUESTS(seq, key, 1, 1, 1);              /* the PutObject was answered 412 */
    S_CHECK_DECIDED_BY(&res, seq, "HeadObject", key); /* not the 412's */
    CHECK_INT_EQ(res.bytes_out, 0);                   /* nothing written, nothing reported removed */
    CHECK_INT_EQ(res.bytes_removed, 0);
    CHECK_STR_EQ(res.removed, "");
    CHECK_OK(es_wfix_etag(&s_w, s_w.dst, key, etag_after, sizeof etag_after));
    CHECK_STR_EQ(etag_after, etag_before);

    es_event_record older = rec;
    snprintf(older.sequencer, sizeof older.sequencer, "0A");
    seq = es_wfix_last_seq();
    es_job_run_record(&s_env, &msg, &older, &res);
    CHECK_INT_EQ(res.outcome, ES_JOB_SKIPPED);
    CHECK_STR_CONTAINS(res.reason, "newer source version");
    S_CHECK_REQUESTS(seq, key, 1, 1, 1);
    S_CHECK_DECIDED_BY(&res, seq, "HeadObject", key);
    s_dest_sequencer(key, seqr, sizeof seqr);
    CHECK_STR_EQ(seqr, "0B");

    es_event_record newer = rec;
    snprintf(newer.sequencer, sizeof newer.sequencer, "0C");
    seq = es_wfix_last_seq();
    es_job_run_record(&s_env, &msg, &newer, &res); /* B holds an older one: overwritten */
    S_CHECK_STRIPPED(&res, len);                   /* as made before the 412 */
    S_CHECK_REQUESTS(seq, key, 1, 1, 2);           /* the 412'd body is sent again, not GOT again */
    s_dest_sequencer(key, seqr, sizeof seqr);
    CHECK_STR_EQ(seqr, "0C");
    s_check_output(key, jpeg, len);
    free(jpeg);
    es_wfix_teardown(&s_w);
}

/* Races around the unchecked write: a 412 for a key that is gone again by
 * the HEAD is written on If-None-Match: * (a checked attempt; A is GOT
 * again, as nothing orders the kept body against what A holds now); B
 * changing under every checked attempt leaves the record for redelivery
 * after 3 of them (4 conditional writes with the unchecked one, and a last
 * HEAD that finds no write of this job); an object
 * without a size in its event, a message without a receive count, and an
 * object announced larger than one part are HEADed first (a lost race of
 * its multipart upload GETs it again), and one whose event understates its
 * size stops its GET at the headers and is HEADed before its multipart
 * upload. */
static void test_unchecked_write_races_and_limits(void)
{
    SETUP();
    es_event_record rec;
    size_t len = 0;
    uint8_t *jpeg = s_put_sized_source("in/raced.jpg", &len, &rec);
    REQUIRE(jpeg != NULL);
    es_job_message msg = s_msg("{}");
    es_job_result res;
    s_precondition_fault("PutObject", "in/raced.jpg", 1);
    long seq = es_wfix_last_seq();
    es_job_run_record(&s_env, &msg, &rec, &res);
    CHECK_INT_EQ(res.outcome, ES_JOB_STRIPPED);
    S_CHECK_REQUESTS(seq, "in/raced.jpg", 1, 2, 2);
    s_check_output("in/raced.jpg", jpeg, len);

    s_precondition_fault("PutObject", "in/busy.jpg", 4);
    REQUIRE(es_wfix_put(&s_w, s_w.src, "in/busy.jpg", jpeg, len) == ES_OK);
    s_record(&rec, s_w.src, "in/busy.jpg", NULL);
    rec.has_size = true;
    rec.size = len;
    seq = es_wfix_last_seq();
    es_job_run_record(&s_env, &msg, &rec, &res);
    CHECK_INT_EQ(res.outcome, ES_JOB_RETRY);
    CHECK_STR_CONTAINS(res.reason, "during each of 4 conditional writes");
    S_CHECK_REQUESTS(seq, "in/busy.jpg", 4, 4, 4); /* a last HEAD: not this job's write */
    CHECK_INT_EQ(res.bytes_out, 0);
    CHECK_INT_EQ(res.bytes_removed, 0);
    CHECK(!s_dest_exists("in/busy.jpg"));
    es_itest_clear_faults();
    rec.has_size = false; /* no size announced: checked first */
    seq = es_wfix_last_seq();
    es_job_run_record(&s_env, &msg, &rec, &res);
    CHECK_INT_EQ(res.outcome, ES_JOB_STRIPPED);
    S_CHECK_REQUESTS(seq, "in/busy.jpg", 1, 1, 1);
    REQUIRE(es_wfix_put(&s_w, s_w.src, "in/uncounted.jpg", jpeg, len) == ES_OK);
    s_record(&rec, s_w.src, "in/uncounted.jpg", NULL);
    rec.has_size = true;
    rec.size = len;
    msg.receive_count = 0; /* no ApproximateReceiveCount: not known to be a first delivery */
    seq = es_wfix_last_seq();
    es_job_run_record(&s_env, &msg, &rec, &res);
    CHECK_INT_EQ(res.outcome, ES_JOB_STRIPPED);
    S_CHECK_REQUESTS(seq, "in/uncounted.jpg", 1, 1, 1);
    msg.receive_count = 1;
    free(jpeg);

    REQUIRE(es_wfix_big_jpeg((size_t)s_w.cfg.part_size + 300000, &jpeg, &len) == 0);
    REQUIRE(es_wfix_put(&s_w, s_w.src, "big/announced.jpg", jpeg, len) == ES_OK);
    REQUIRE(es_wfix_put(&s_w, s_w.src, "big/understated.jpg", jpeg, len) == ES_OK);
    s_record(&rec, s_w.src, "big/announced.jpg", NULL);
    rec.has_size = true;
    rec.size = len;
    s_precondition_fault("CompleteMultipartUpload", "big/announced.jpg", 1);
    seq = es_wfix_last_seq();
    es_job_run_record(&s_env, &msg, &rec, &res); /* a lost multipart race: its parts are gone, GOT again */
    CHECK_INT_EQ(res.outcome, ES_JOB_STRIPPED);
    S_CHECK_REQUESTS(seq, "announced.jpg", 2, 2, 0);
    CHECK_INT_EQ(es_wfix_count(seq, "CreateMultipartUpload", "announced.jpg"), 2);
    CHECK_INT_EQ(es_wfix_count(seq, "CompleteMultipartUpload", "announced.jpg"), 2);
    s_check_output("big/announced.jpg", jpeg, len);
    s_record(&rec, s_w.src, "big/understated.jpg", NULL);
    rec.has_size = true;
    rec.size = 1000;
    seq = es_wfix_last_seq();
    es_job_run_record(&s_env, &msg, &rec, &res);
    CHECK_INT_EQ(res.outcome, ES_JOB_STRIPPED);
    S_CHECK_REQUESTS(seq, "understated.jpg", 1, 2, 0);
    CHECK_INT_EQ(es_wfix_count(seq, "CreateMultipartUpload", "understated.jpg"), 1);
    CHECK_INT_EQ(es_wfix_count(seq, "UploadPart", "understated.jpg"), 2);
    s_check_output("big/understated.jpg", jpeg, len);
    free(jpeg);
    es_wfix_teardown(&s_w);
}

/* The safety net of the unchecked write: an input within one part whose
 * output outgrows it (a progressive photo turned upright is re-coded a few
 * KB larger) is not written as a multipart upload on If-None-Match alone:
 * the transfer stops before anything is sent, B is HEADed, and the photo
 * is GOT again and written by a checked multipart upload. */
/* A progressive photo stored turned, padded (ICC) to just under one part:
 * turned upright it is re-coded a few KB larger, past one part. */
static uint8_t *s_turned_past_one_part(size_t *len)
{
    es_fixture_opts o = {.width = 1024,
                         .height = 768,
                         .quality = 95,
                         .progressive = true,
                         .seed = 5,
                         .orientation = 6,
                         .oriented_pixels = true};
    uint8_t *small = NULL;
    size_t small_len = 0;
    if (es_fixture_make(&o, &small, &small_len) != 0)
        return NULL;
    *len = (size_t)s_w.cfg.part_size - 1000;
    uint8_t *jpeg = es_wfix_pad_with_icc(small, small_len, *len);
    free(small);
    return jpeg;
}

static void test_output_larger_than_the_input_part(void)
{
    SETUP();
    uint8_t *expect = NULL;
    size_t len = 0, expect_len = 0;
    uint8_t *jpeg = s_turned_past_one_part(&len);
    REQUIRE(jpeg != NULL);
    es_orient_config oc = {ES_ORIENT_APPLY, s_w.cfg.max_pixels, NULL};
    es_error err;
    REQUIRE(es_orient_strip_buffer(NULL, &oc, jpeg, len, &expect, &expect_len, &err, NULL) == ES_OK);
    REQUIRE(expect_len > s_w.cfg.part_size); /* the premise: turned, it no longer fits one part */
    REQUIRE(es_wfix_put(&s_w, s_w.src, "turned/grows.jpg", jpeg, len) == ES_OK);
    es_event_record rec;
    s_record(&rec, s_w.src, "turned/grows.jpg", NULL);
    rec.has_size = true;
    rec.size = len;
    es_job_message msg = s_msg("{}");
    es_job_result res;
    long seq = es_wfix_last_seq();
    es_job_run_record(&s_env, &msg, &rec, &res);
    CHECK_INT_EQ(res.outcome, ES_JOB_STRIPPED);
    CHECK_INT_EQ(res.bytes_out, expect_len);
    S_CHECK_REQUESTS(seq, "grows.jpg", 1, 2, 0);
    CHECK_INT_EQ(es_wfix_count(seq, "CreateMultipartUpload", "grows.jpg"), 1);
    uint8_t *got = NULL;
    size_t got_len = 0;
    CHECK_OK(es_wfix_get(&s_w, s_w.dst, "turned/grows.jpg", &got, &got_len, NULL));
    CHECK_MEM_EQ(got, got_len, expect, expect_len);
    free(got);
    free(expect);
    free(jpeg);
    es_wfix_teardown(&s_w);
}

/* A 640x480 photo stored turned (Orientation 6, GPS in its Exif when gps)
 * and what `exifstrip strip` makes of it (es_orient_strip_buffer, apply):
 * both malloc'd; false when either could not be made. */
static bool s_turned_photo(unsigned seed, bool gps, uint8_t **jpeg, size_t *len, uint8_t **expect,
                           size_t *expect_len)
{
    es_fixture_opts o = {.width = 640, .height = 480, .seed = seed, .orientation = 6, .oriented_pixels = true};
    o.exif_gps = gps;
    es_orient_config oc = {ES_ORIENT_APPLY, s_w.cfg.max_pixels, NULL};
    es_error err;
    *jpeg = *expect = NULL;
    return es_fixture_make(&o, jpeg, len) == 0 &&
           es_orient_strip_buffer(NULL, &oc, *jpeg, *len, expect, expect_len, &err, NULL) == ES_OK;
}

/* A turned photo's output is lent to the upload by the stripper, not copied
 * into a part: B gets exactly what es_orient_strip_buffer (the CLI's strip)
 * makes, and no part buffer is allocated (none is left as the thread's
 * spare, as a copied part would be). A first write that finds B holding an
 * older source sends the same lent body again (If-Match, no second GET),
 * the stripper kept alive for it. */
static void test_turned_photo_is_lent_not_copied(void)
{
    SETUP();
    uint8_t *jpeg, *expect;
    size_t len = 0, expect_len = 0;
    REQUIRE(s_turned_photo(11, true, &jpeg, &len, &expect, &expect_len));
    const char *key = "turned/lent.jpg";
    REQUIRE(es_wfix_put(&s_w, s_w.src, key, jpeg, len) == ES_OK);
    es_event_record rec;
    s_record(&rec, s_w.src, key, NULL);
    rec.has_size = true;
    rec.size = len;
    snprintf(rec.sequencer, sizeof rec.sequencer, "0B");
    es_job_message msg = s_msg("{}");
    es_job_result res;
    for (int run = 0; run < 2; run++) {
        es_s3_upload_release_spares();
        long seq = es_wfix_last_seq();
        if (run == 1) /* B holds the older source 0B: If-None-Match fails, the kept body is resent */
            snprintf(rec.sequencer, sizeof rec.sequencer, "0C");
        es_job_run_record(&s_env, &msg, &rec, &res);
        CHECK_INT_EQ(res.outcome, ES_JOB_STRIPPED);
        CHECK_STR_CONTAINS(res.orientation, "rotate 90");
        CHECK_INT_EQ(res.bytes_out, expect_len);
        CHECK_INT_EQ(es_wfix_count(seq, "GetObject", key), 1);
        CHECK_INT_EQ(es_wfix_count(seq, "PutObject", key), run ? 2 : 1);
        CHECK_INT_EQ(es_s3_upload_spare_bytes(), 0); /* no part */
        uint8_t *got = NULL;
        size_t got_len = 0;
        CHECK_OK(es_wfix_get(&s_w, s_w.dst, key, &got, &got_len, NULL));
        CHECK_MEM_EQ(got, got_len, expect, expect_len);
        free(got);
    }
    free(expect);
    free(jpeg);
    es_wfix_teardown(&s_w);
}

/* A record run in the background (its source first uploaded by the thread
 * when jpeg is set: s_upload_newer). */
typedef struct s_bg_job {
    pthread_t thread;
    es_event_record rec;
    es_job_result res;
    atomic_int done;
    uint8_t *jpeg;
    size_t len;
} s_bg_job;

static void *s_bg_job_run(void *arg)
{
    s_bg_job *j = arg;
    es_job_message msg = s_msg("{}");
    es_job_run_record(&s_env, &msg, &j->rec, &j->res);
    atomic_store(&j->done, 1);
    return NULL;
}

/* Whether an emulator fault rule on key has started to serve a request. */
static bool s_fault_fired(const char *key)
{
    char *reply = NULL;
    bool fired = false;
    json_t *j = es_itest_control("GET", "/faults", NULL, &reply) == 200 ? json_loads(reply, 0, NULL) : NULL;
    json_t *rules = json_object_get(j, "rules");
    for (size_t i = 0; i < json_array_size(rules); i++) {
        json_t *r = json_array_get(rules, i);
        const char *k = json_string_value(json_object_get(r, "key"));
        fired = fired || (k && !strcmp(k, key) && json_integer_value(json_object_get(r, "fired")) > 0);
    }
    json_decref(j);
    free(reply);
    return fired;
}

/* EXIFSTRIP_MIN_TRANSFER_RATE judges the GET by its own time: a part that
 * fills while the body streams is sent to B from inside the body callback,
 * and a slow part upload (2.5 s here, with the window at 1 s and the rate at
 * 4 MiB/s) is not the GET's slowness - the job is done, not abandoned with
 * "GET abandoned: transfer rate ...". */
static void test_slow_part_upload_is_not_a_slow_get(void)
{
    SETUP();
    es_fixture_opts o = {.width = 3000, .height = 2400, .quality = 98, .seed = 42};
    uint8_t *jpeg = NULL;
    size_t len = 0;
    REQUIRE(es_fixture_make(&o, &jpeg, &len) == 0);
    REQUIRE(len > s_w.cfg.part_size + (1u << 20)); /* a part is sent while the body streams */
    const char *key = "big/slow-part.jpg";
    REQUIRE(es_wfix_put(&s_w, s_w.src, key, jpeg, len) == ES_OK);
    s_w.cfg.min_transfer_rate = 4u << 20;
    s_w.cfg.min_transfer_window = 1;
    REQUIRE(es_itest_s3_fault("UploadPart", s_w.dst, key, "\"delay_ms\":2500,\"times\":1") == 0);
    es_event_record rec;
    s_record(&rec, s_w.src, key, NULL);
    es_job_message msg = s_msg("{}");
    es_job_result res;
    es_job_run_record(&s_env, &msg, &rec, &res);
    es_itest_clear_faults();
    CHECK_INT_EQ(res.outcome, ES_JOB_STRIPPED);
    CHECK(!res.abandoned);
    if (res.outcome != ES_JOB_STRIPPED)
        es_test_fail(__FILE__, __LINE__, "reason: %s", res.reason);
    free(jpeg);
    es_wfix_teardown(&s_w);
}

/* An answer too slow to judge by its pace (here one that comes only after 8
 * s, the GET's or the PutObject's, with EXIFSTRIP_MAX_JOB_SECONDS=2) ends at
 * the job's age limit: the HTTP layer stops the request at the job's
 * deadline and nothing retries it; the job is abandoned (its message
 * released at once), not held until the answer comes. */
static void test_slow_answer_ends_at_the_age_limit(void)
{
    SETUP();
    static const char *const actions[] = {"GetObject", "PutObject"};
    for (size_t i = 0; i < sizeof actions / sizeof actions[0]; i++) {
        char key[64];
        snprintf(key, sizeof key, "slow/%s.jpg", actions[i]);
        size_t len = 0;
        es_event_record rec;
        uint8_t *jpeg = s_put_sized_source(key, &len, &rec);
        REQUIRE(jpeg != NULL);
        const char *bucket = i == 0 ? s_w.src : s_w.dst;
        REQUIRE(es_itest_s3_fault(actions[i], bucket, key, "\"delay_ms\":8000,\"times\":1") == 0);
        s_w.cfg.max_job_seconds = 2;
        es_job_message msg = s_msg("{}");
        es_job_result res;
        uint64_t start = es_test_now_ms();
        es_job_run_record(&s_env, &msg, &rec, &res);
        uint64_t took = es_test_now_ms() - start;
        es_itest_clear_faults();
        s_w.cfg.max_job_seconds = 0;
        CHECK_INT_EQ(res.outcome, ES_JOB_RETRY);
        CHECK(res.abandoned);
        CHECK_STR_CONTAINS(res.reason, "job abandoned: still running after 2 s (EXIFSTRIP_MAX_JOB_SECONDS)");
        CHECK_STR_CONTAINS(res.reason, "deadline passed");
        CHECK(took < 6000);
        free(jpeg);
    }
    es_wfix_teardown(&s_w);
}

/* A GET whose answer has another length than the object it is pinned to
 * (the event's size and ETag; a proxy or store that cut or padded it), or
 * names another ETag than the If-Match sent, is not the photo: a retry,
 * never judged (refused and reported) by the stripper nor by the size limit. */
static void test_answer_of_another_length_is_retried(void)
{
    SETUP();
    size_t len = 0;
    es_event_record rec;
    uint8_t *jpeg = s_put_sized_source("len/cut.jpg", &len, &rec);
    REQUIRE(jpeg != NULL);
    es_job_message msg = s_msg("{}");
    es_job_result res;
    const uint64_t sizes[] = {len / 2, len + 1000};
    for (size_t i = 0; i < 2; i++) {
        rec.size = sizes[i];
        long seq = es_wfix_last_seq();
        es_job_run_record(&s_env, &msg, &rec, &res);
        CHECK_INT_EQ(res.outcome, ES_JOB_RETRY);
        CHECK_INT_EQ(res.code, ES_ERR_PROTOCOL);
        CHECK_STR_CONTAINS(res.reason, "not the object, retried");
        CHECK_INT_EQ(es_wfix_count(seq, "PutObject", "len/cut.jpg"), 0);
        CHECK(!s_dest_exists("len/cut.jpg"));
    }
    /* an answer naming another ETag than the If-Match sent (an endpoint that
     * ignored the condition) is not the object either */
    REQUIRE(es_itest_s3_fault("GetObject", s_w.src, "len/cut.jpg",
                              "\"headers\":{\"ETag\":\"\\\"0123456789abcdef0123456789abcdef\\\"\"},\"times\":1") ==
            0);
    rec.size = len;
    es_job_run_record(&s_env, &msg, &rec, &res);
    es_itest_clear_faults();
    CHECK_INT_EQ(res.outcome, ES_JOB_RETRY);
    CHECK_STR_CONTAINS(res.reason, "names ETag \"0123456789abcdef0123456789abcdef\", but the GET asked for");
    CHECK(!s_dest_exists("len/cut.jpg"));
    uint64_t max = s_w.cfg.max_object_bytes;
    s_w.cfg.max_object_bytes = len - 1; /* nor is a longer answer "over the limit" */
    rec.size = len - 10;
    es_job_run_record(&s_env, &msg, &rec, &res);
    CHECK_INT_EQ(res.outcome, ES_JOB_RETRY);
    CHECK_STR_CONTAINS(res.reason, "not the object, retried");
    s_w.cfg.max_object_bytes = max;
    rec.size = len;
    es_job_run_record(&s_env, &msg, &rec, &res);
    S_CHECK_STRIPPED(&res, len);
    free(jpeg);
    es_wfix_teardown(&s_w);
}

/* A job waiting for its share of the transform memory waits past its age
 * limit (nothing is wrong with the photo: the photos ahead each hold their
 * share for at most their own limit) and, once the share is free, is read
 * again and written within a limit counted from that reading; a shutdown
 * ends the wait as a retry that names no earlier request's id (the HEAD of
 * B before the write, the stopped GET): no request decided it. */
static void test_share_wait_outlasts_the_age_limit_and_ends_at_a_stop(void)
{
    SETUP();
    es_fixture_opts o = {.width = 640, .height = 480, .seed = 7, .orientation = 6, .oriented_pixels = true};
    uint8_t *jpeg = NULL;
    size_t len = 0;
    REQUIRE(es_fixture_make(&o, &jpeg, &len) == 0);
    const char *key = "turned/waits-long.jpg";
    REQUIRE(es_wfix_put(&s_w, s_w.src, key, jpeg, len) == ES_OK);
    es_transform_budget *b = es_transform_budget_shared(s_w.cfg.transform_memory,
                                                        (unsigned)s_w.cfg.transform_concurrency);
    REQUIRE(b != NULL);
    REQUIRE(es_transform_budget_try_reserve(b, s_w.cfg.transform_memory)); /* all of it */
    s_w.cfg.max_job_seconds = 1;
    s_bg_job waiter;
    memset(&waiter, 0, sizeof waiter);
    s_record(&waiter.rec, s_w.src, key, NULL);
    long seq = es_wfix_last_seq();
    REQUIRE(pthread_create(&waiter.thread, NULL, s_bg_job_run, &waiter) == 0);
    for (int i = 0; i < 250 && es_wfix_count(seq, "GetObject", key) < 1; i++)
        usleep(20 * 1000);
    usleep(2500 * 1000); /* well past its 1 s limit */
    CHECK(!atomic_load(&waiter.done));
    CHECK_INT_EQ(es_transform_budget_in_use(b, NULL), s_w.cfg.transform_memory); /* it took nothing */
    es_transform_budget_release(b, s_w.cfg.transform_memory);
    pthread_join(waiter.thread, NULL);
    CHECK_INT_EQ(waiter.res.outcome, ES_JOB_STRIPPED);
    CHECK(!waiter.res.abandoned);
    if (waiter.res.outcome != ES_JOB_STRIPPED)
        es_test_fail(__FILE__, __LINE__, "reason: %s", waiter.res.reason);
    CHECK_INT_EQ(es_wfix_count(seq, "GetObject", key), 2); /* stopped, then read again */
    CHECK_INT_EQ(es_wfix_count(seq, "PutObject", key), 1);
    CHECK_INT_EQ(es_transform_budget_in_use(b, NULL), 0); /* its share came back */
    REQUIRE(es_transform_budget_try_reserve(b, s_w.cfg.transform_memory));

    key = "turned/stopped.jpg";
    REQUIRE(es_wfix_put(&s_w, s_w.src, key, jpeg, len) == ES_OK);
    s_w.cfg.max_job_seconds = 0;
    atomic_int stop = 0;
    s_env.cancel = &stop;
    s_bg_job job;
    memset(&job, 0, sizeof job);
    s_record(&job.rec, s_w.src, key, NULL);
    seq = es_wfix_last_seq();
    REQUIRE(pthread_create(&job.thread, NULL, s_bg_job_run, &job) == 0);
    for (int i = 0; i < 250 && es_wfix_count(seq, "GetObject", key) < 1; i++)
        usleep(20 * 1000);
    usleep(200 * 1000);
    CHECK(!atomic_load(&job.done)); /* waiting for its share */
    atomic_store(&stop, 1);
    pthread_join(job.thread, NULL);
    s_env.cancel = NULL;
    CHECK_INT_EQ(job.res.outcome, ES_JOB_RETRY);
    CHECK_STR_CONTAINS(job.res.reason, "shutting down: waiting for transform memory");
    CHECK(!job.res.abandoned);
    CHECK_STR_EQ(job.res.request_id, "");
    es_transform_budget_release(b, s_w.cfg.transform_memory);
    CHECK_INT_EQ(es_transform_budget_in_use(b, NULL), 0);
    free(jpeg);
    es_wfix_teardown(&s_w);
}

/* A photo to be turned whose share of the transform memory is not free when
 * its frame is read (the test holds all of it): its GET is stopped and the
 * job waits holding nothing; once the share is free the photo is read again
 * and turned, and its share comes back - only once the photo is written:
 * while its PutObject is held back the share is still taken. */
static void test_turned_photo_waits_for_its_share_holding_nothing(void)
{
    SETUP();
    uint8_t *jpeg, *expect, *got = NULL;
    size_t len = 0, expect_len = 0, got_len = 0;
    REQUIRE(s_turned_photo(6, false, &jpeg, &len, &expect, &expect_len));
    const char *key = "turned/waits.jpg";
    REQUIRE(es_wfix_put(&s_w, s_w.src, key, jpeg, len) == ES_OK);
    es_transform_budget *b = es_transform_budget_shared(s_w.cfg.transform_memory,
                                                        (unsigned)s_w.cfg.transform_concurrency);
    REQUIRE(b != NULL);
    REQUIRE(es_transform_budget_try_reserve(b, s_w.cfg.transform_memory)); /* all of it, for now */
    s_bg_job job;
    memset(&job, 0, sizeof job);
    s_record(&job.rec, s_w.src, key, NULL);
    long seq = es_wfix_last_seq();
    REQUIRE(pthread_create(&job.thread, NULL, s_bg_job_run, &job) == 0);
    for (int i = 0; i < 250 && es_wfix_count(seq, "GetObject", key) < 1; i++)
        usleep(20 * 1000);
    usleep(300 * 1000);
    CHECK(!atomic_load(&job.done));                        /* waiting for its share... */
    CHECK_INT_EQ(es_wfix_count(seq, "GetObject", key), 1); /* ...its GET stopped at the frame */
    CHECK_INT_EQ(es_wfix_count(seq, "PutObject", key), 0);
    CHECK_INT_EQ(es_transform_budget_in_use(b, NULL), s_w.cfg.transform_memory);
    es_transform_budget_release(b, s_w.cfg.transform_memory);
    pthread_join(job.thread, NULL);
    CHECK_INT_EQ(job.res.outcome, ES_JOB_STRIPPED);
    CHECK_STR_CONTAINS(job.res.orientation, "rotate 90");
    CHECK_INT_EQ(job.res.bytes_in, len);
    CHECK_INT_EQ(es_wfix_count(seq, "GetObject", key), 2); /* read again once the share was free */
    CHECK_INT_EQ(es_transform_budget_in_use(b, NULL), 0);
    CHECK_OK(es_wfix_get(&s_w, s_w.dst, key, &got, &got_len, NULL));
    CHECK_MEM_EQ(got, got_len, expect, expect_len);

    const char *held = "turned/written.jpg";
    REQUIRE(es_wfix_put(&s_w, s_w.src, held, jpeg, len) == ES_OK);
    REQUIRE(es_itest_s3_fault("PutObject", s_w.dst, held, "\"delay_ms\":1000") == 0);
    s_bg_job writer;
    memset(&writer, 0, sizeof writer);
    s_record(&writer.rec, s_w.src, held, NULL);
    REQUIRE(pthread_create(&writer.thread, NULL, s_bg_job_run, &writer) == 0);
    for (int i = 0; i < 250 && !s_fault_fired(held); i++)
        usleep(20 * 1000);
    CHECK(es_transform_budget_in_use(b, NULL) > 0); /* turned, being written: its share still taken */
    pthread_join(writer.thread, NULL);
    es_itest_clear_faults();
    CHECK_INT_EQ(writer.res.outcome, ES_JOB_STRIPPED);
    CHECK_INT_EQ(es_transform_budget_in_use(b, NULL), 0);
    free(got);
    free(expect);
    free(jpeg);
    es_wfix_teardown(&s_w);
}

/* A PutObject S3 applied but whose answer was lost (a 500, or the
 * connection dropped, after the object was stored): the client's retry is
 * answered 412 and the HEAD finds B records exactly this source, as the
 * write stamped it, so the record is settled as written (job.done with the
 * stripped bytes, the HEAD's request id), not skipped: the unchecked write
 * of a first delivery, a checked one on a key B lacked, and a checked
 * overwrite of an older copy (If-Match). A 409 on the unchecked write is a
 * lost race as a 412 is. */
static void test_unchecked_write_answer_lost_or_conflicting(void)
{
    SETUP();
    es_event_record rec;
    size_t len = 0;
    uint8_t *jpeg = s_put_sized_source("lost.jpg", &len, &rec);
    REQUIRE(jpeg != NULL);
    snprintf(rec.sequencer, sizeof rec.sequencer, "0B");
    REQUIRE(es_itest_s3_fault("PutObject", s_w.dst, "lost.jpg",
                              "\"status\":500,\"phase\":\"after\",\"times\":1") == 0);
    es_job_message msg = s_msg("{}");
    es_job_result res;
    long seq = es_wfix_last_seq();
    es_job_run_record(&s_env, &msg, &rec, &res);
    S_CHECK_STRIPPED(&res, len);
    CHECK_STR_CONTAINS(res.reason, "answer was lost");
    S_CHECK_REQUESTS(seq, "lost.jpg", 1, 1, 2);
    S_CHECK_DECIDED_BY(&res, seq, "HeadObject", "lost.jpg");
    s_check_output("lost.jpg", jpeg, len);
    es_itest_clear_faults();

    es_job_message again = msg;
    again.receive_count = 2; /* redelivered: HEADed first, a checked write */
    REQUIRE(es_wfix_put(&s_w, s_w.src, "dropped.jpg", jpeg, len) == ES_OK); /* same bytes, same ETag */
    snprintf(rec.key, sizeof rec.key, "dropped.jpg");
    REQUIRE(es_itest_s3_fault("PutObject", s_w.dst, "dropped.jpg",
                              "\"reset\":true,\"phase\":\"after\",\"times\":1") == 0);
    seq = es_wfix_last_seq();
    es_job_run_record(&s_env, &again, &rec, &res); /* If-None-Match: *, stored, connection dropped */
    S_CHECK_STRIPPED(&res, len);
    S_CHECK_REQUESTS(seq, "dropped.jpg", 2, 1, 2);
    S_CHECK_DECIDED_BY(&res, seq, "HeadObject", "dropped.jpg");
    es_itest_clear_faults();

    /* a newer upload (other bytes, so another output ETag) overwrites 0B's copy on If-Match */
    es_fixture_opts other = {.exif = true, .xmp = true, .seed = 4};
    size_t len2 = 0;
    uint8_t *jpeg2 = NULL;
    REQUIRE(es_fixture_make(&other, &jpeg2, &len2) == 0);
    REQUIRE(es_wfix_put(&s_w, s_w.src, "dropped.jpg", jpeg2, len2) == ES_OK);
    REQUIRE(es_wfix_etag(&s_w, s_w.src, "dropped.jpg", rec.etag, sizeof rec.etag) == ES_OK);
    snprintf(rec.sequencer, sizeof rec.sequencer, "0C");
    rec.size = len2;
    REQUIRE(es_itest_s3_fault("PutObject", s_w.dst, "dropped.jpg",
                              "\"reset\":true,\"phase\":\"after\",\"times\":1") == 0);
    seq = es_wfix_last_seq();
    es_job_run_record(&s_env, &again, &rec, &res);
    CHECK_INT_EQ(res.outcome, ES_JOB_STRIPPED);
    CHECK_INT_EQ(res.bytes_in, len2);
    CHECK(res.bytes_out > 0 && res.bytes_out < len2);
    CHECK_STR_EQ(res.removed, "exif,xmp");
    S_CHECK_REQUESTS(seq, "dropped.jpg", 2, 1, 2); /* the retry was answered 412 (B's ETag changed) */
    S_CHECK_DECIDED_BY(&res, seq, "HeadObject", "dropped.jpg");
    char seqr[128];
    s_dest_sequencer("dropped.jpg", seqr, sizeof seqr);
    CHECK_STR_EQ(seqr, "0C");
    s_check_output("dropped.jpg", jpeg2, len2);
    es_itest_clear_faults();
    free(jpeg2);

    REQUIRE(es_wfix_put(&s_w, s_w.src, "c409.jpg", jpeg, len) == ES_OK);
    s_record(&rec, s_w.src, "c409.jpg", NULL);
    rec.has_size = true;
    rec.size = len;
    REQUIRE(es_itest_s3_fault("PutObject", s_w.dst, "c409.jpg",
                              "\"status\":409,\"code\":\"ConditionalRequestConflict\",\"times\":1") == 0);
    seq = es_wfix_last_seq();
    es_job_run_record(&s_env, &msg, &rec, &res);
    S_CHECK_STRIPPED(&res, len);
    S_CHECK_REQUESTS(seq, "c409.jpg", 1, 2, 2); /* B's key absent: A GOT again */
    s_check_output("c409.jpg", jpeg, len);
    es_itest_clear_faults();
    free(jpeg);
    es_wfix_teardown(&s_w);
}

/* The answer lost on the LAST conditional write: backfill (no message, so
 * every write is checked) finds its first two writes answered 412, the
 * third stored but answered 500 and its retry 412 (the key is taken). One
 * more HEAD finds this job's write id: job.done with the stripped bytes,
 * decided by that HEAD, and nothing written again; the redelivery then
 * skips. Without that HEAD the job was a retry with no bytes out. */
static void test_last_write_answer_lost(void)
{
    SETUP();
    es_event_record rec;
    size_t len = 0;
    uint8_t *jpeg = s_put_sized_source("last.jpg", &len, &rec);
    REQUIRE(jpeg != NULL);
    es_job_object obj = {.bucket = rec.bucket, .key = rec.key, .size = len, .has_size = true};
    snprintf(obj.source.etag, sizeof obj.source.etag, "%s", rec.etag);
    s_precondition_fault("PutObject", "last.jpg", 2);
    REQUIRE(es_itest_s3_fault("PutObject", s_w.dst, "last.jpg",
                              "\"status\":500,\"phase\":\"after\",\"times\":1") == 0);
    es_job_result res;
    long seq = es_wfix_last_seq();
    es_job_run_object(&s_env, &obj, NULL, &res);
    S_CHECK_STRIPPED(&res, len);
    CHECK_STR_CONTAINS(res.reason, "answer was lost");
    S_CHECK_REQUESTS(seq, "last.jpg", 4, 3, 4); /* 3 checks and the last one; 412, 412, 500, 412 */
    S_CHECK_DECIDED_BY(&res, seq, "HeadObject", "last.jpg");
    s_check_output("last.jpg", jpeg, len);
    es_itest_clear_faults();

    seq = es_wfix_last_seq();
    es_job_run_object(&s_env, &obj, NULL, &res);
    CHECK_INT_EQ(res.outcome, ES_JOB_SKIPPED);
    S_CHECK_REQUESTS(seq, "last.jpg", 1, 0, 0);
    free(jpeg);
    es_wfix_teardown(&s_w);
}

/* A kept body is freed whatever ends the job (the ASan tree's leak check):
 * the HEAD after the lost write fails; the resend of a body that sequencers
 * order after B's copy fails. Both are retries, B keeps its older copy. */
static void test_kept_body_freed_on_failures(void)
{
    SETUP();
    es_event_record rec;
    size_t len = 0;
    uint8_t *jpeg = s_put_sized_source("kept.jpg", &len, &rec);
    REQUIRE(jpeg != NULL);
    es_job_message msg = s_msg("{}");
    es_job_result res;
    snprintf(rec.sequencer, sizeof rec.sequencer, "0A");
    es_job_run_record(&s_env, &msg, &rec, &res);
    REQUIRE(res.outcome == ES_JOB_STRIPPED);
    snprintf(rec.sequencer, sizeof rec.sequencer, "0B");
    REQUIRE(es_itest_s3_fault("HeadObject", s_w.dst, "kept.jpg", "\"status\":500,\"times\":50") == 0);
    es_job_run_record(&s_env, &msg, &rec, &res); /* 412, then the HEAD fails */
    CHECK_INT_EQ(res.outcome, ES_JOB_RETRY);
    CHECK_STR_CONTAINS(res.reason, "HEAD in bucket");
    const char *status = strstr(res.reason, "HTTP 500"); /* told once */
    CHECK(status != NULL && strstr(status + 1, "HTTP 500") == NULL);
    CHECK_INT_EQ(res.bytes_removed, 0);
    es_itest_clear_faults();
    s_precondition_fault("PutObject", "kept.jpg", 1);
    REQUIRE(es_itest_s3_fault("PutObject", s_w.dst, "kept.jpg", "\"status\":500,\"times\":50") == 0);
    long seq = es_wfix_last_seq();
    es_job_run_record(&s_env, &msg, &rec, &res); /* 412, HEAD: 0B > 0A, the resend fails */
    CHECK_INT_EQ(res.outcome, ES_JOB_RETRY);
    CHECK_STR_CONTAINS(res.reason, "writing to bucket");
    CHECK_INT_EQ(es_wfix_count(seq, "GetObject", "kept.jpg"), 1);
    CHECK_INT_EQ(res.bytes_out, 0);
    es_itest_clear_faults();
    char seqr[128];
    s_dest_sequencer("kept.jpg", seqr, sizeof seqr);
    CHECK_STR_EQ(seqr, "0A");
    free(jpeg);
    es_wfix_teardown(&s_w);
}

/* A newer upload of the key, written by a worker while backfill's write of
 * the listed (older) object waits in the emulator. */
static void *s_upload_newer(void *arg)
{
    s_bg_job *up = arg;
    usleep(500 * 1000); /* backfill's PutObject is held back by then */
    up->jpeg = s_jpeg(&up->len, false);
    char etag[128];
    if (!up->jpeg || es_wfix_put(&s_w, s_w.src, "bf.jpg", up->jpeg, up->len) != ES_OK ||
        es_wfix_etag(&s_w, s_w.src, "bf.jpg", etag, sizeof etag) != ES_OK)
        return NULL;
    s_record(&up->rec, s_w.src, "bf.jpg", etag);
    snprintf(up->rec.sequencer, sizeof up->rec.sequencer, "0F");
    up->rec.has_size = true;
    up->rec.size = up->len;
    return s_bg_job_run(up);
}

/* Runs obj's job (the listed v1) while its PutObject is held back and a
 * worker writes the newer v2's copy (s_upload_newer): the job's write fails
 * its condition, the re-check GETs v1 pinned to its ETag and finds A
 * changed: gone, and B keeps v2's copy. */
static void s_race_newer_upload(const es_job_object *obj)
{
    REQUIRE(es_itest_s3_fault("PutObject", s_w.dst, "bf.jpg", "\"delay_ms\":1500,\"times\":1") == 0);
    s_bg_job up;
    memset(&up, 0, sizeof up);
    REQUIRE(pthread_create(&up.thread, NULL, s_upload_newer, &up) == 0);
    es_job_result res;
    es_job_run_object(&s_env, obj, NULL, &res);
    pthread_join(up.thread, NULL);
    es_itest_clear_faults();
    CHECK_INT_EQ(up.res.outcome, ES_JOB_STRIPPED);
    CHECK_INT_EQ(res.outcome, ES_JOB_GONE);
    CHECK_INT_EQ(res.code, ES_ERR_PRECONDITION);
    char seqr[128];
    s_dest_sequencer("bf.jpg", seqr, sizeof seqr);
    CHECK_STR_EQ(seqr, "0F");
    if (up.jpeg)
        s_check_output("bf.jpg", up.jpeg, up.len);
    free(up.jpeg);
}

/* Without sequencers to compare (backfill: a listing has none), a write that
 * lost its race is not resent from the body stripped before: backfill's
 * PutObject of v1 is held back while a worker writes the newer v2; the
 * 412'd backfill HEADs B (v2's copy, unordered against v1), GETs v1 again
 * pinned to its ETag and finds A changed: gone, and B keeps v2's copy. */
static void test_backfill_lost_race_keeps_the_newer_copy(void)
{
    SETUP();
    es_event_record rec;
    size_t len = 0;
    uint8_t *jpeg = s_put_sized_source("bf.jpg", &len, &rec); /* v1, as listed */
    REQUIRE(jpeg != NULL);
    es_job_object obj = {.bucket = rec.bucket, .key = rec.key, .size = len, .has_size = true};
    snprintf(obj.source.etag, sizeof obj.source.etag, "%s", rec.etag);
    s_race_newer_upload(&obj);
    free(jpeg);
    es_wfix_teardown(&s_w);
}

/* Puts at B/key a copy of what strip makes of jpeg (or, with as_uploaded,
 * jpeg itself: a copy made by an exifstrip that removed less) recording id
 * and rules (NULL: none). */
static void s_put_copy(const char *key, const uint8_t *jpeg, size_t len, bool as_uploaded,
                       const es_s3_source_id *id, const char *rules)
{
    uint8_t *stripped = NULL;
    size_t stripped_len = len;
    if (!as_uploaded)
        REQUIRE(es_jpeg_strip_buffer(NULL, jpeg, len, &stripped, &stripped_len, NULL, NULL) == ES_OK);
    es_s3_write_options wopt = {.source = id, .rules = rules};
    es_aws_result ares;
    es_aws_result_clear(&ares);
    REQUIRE(es_s3_put_object_with(s_w.s3, s_w.dst, key, as_uploaded ? jpeg : stripped, stripped_len,
                                  "image/jpeg", &wopt, &ares) == ES_OK);
    free(stripped);
}

/* Runs obj, which must make B's copy of jpeg again (a HEAD, a GET and a PUT of
 * what strip makes of it) recording the source's bucket and ETag and keeping
 * the copy's sequencer; fills *info from a HEAD of the new copy. */
static void s_check_made_again(const es_job_object *obj, const uint8_t *jpeg, size_t len,
                               const char *sequencer, es_s3_object_info *info)
{
    es_job_result res;
    long seq = es_wfix_last_seq();
    es_job_run_object(&s_env, obj, NULL, &res);
    S_CHECK_STRIPPED(&res, len);
    S_CHECK_REQUESTS(seq, obj->key, 1, 1, 1);
    s_check_output(obj->key, jpeg, len);
    es_aws_result ares;
    es_aws_result_clear(&ares);
    REQUIRE(es_s3_head_object(s_w.s3, s_w.dst, obj->key, info, &ares) == ES_OK);
    CHECK_STR_EQ(info->source.bucket, s_w.src);
    CHECK_STR_EQ(info->source.etag, obj->source.etag);
    CHECK_STR_EQ(info->source.sequencer, sequencer);
}

/* Runs obj, which must be skipped with a reason containing why after its
 * HEAD, `gets` GETs and no PUT. */
static void s_check_kept(const es_job_object *obj, int gets, const char *why)
{
    es_job_result res;
    long seq = es_wfix_last_seq();
    es_job_run_object(&s_env, obj, NULL, &res);
    CHECK_INT_EQ(res.outcome, ES_JOB_SKIPPED);
    CHECK_STR_CONTAINS(res.reason, why);
    S_CHECK_REQUESTS(seq, obj->key, 1, gets, 0);
}

/* backfill --rewrite (es_job_object.rewrite): a copy that records this very
 * source but was made by an older exifstrip (here the photo as uploaded) is
 * skipped by a plain run and written again by a rewrite, recording what the
 * copy recorded: the worker's sequencer still orders a later event of an
 * older upload (skipped). A second rewrite reads the source but writes
 * nothing (the copy has its bytes). The rewrite is conditional on the copy its HEAD
 * saw: one whose PutObject is held back while a worker writes a newer
 * upload's copy looks again, finds A changed (gone) and keeps that copy. */
static void test_rewrite_replaces_a_copy_of_the_same_source(void)
{
    SETUP();
    es_event_record rec;
    size_t len = 0;
    uint8_t *jpeg = s_put_sized_source("bf.jpg", &len, &rec);
    REQUIRE(jpeg != NULL);
    es_s3_source_id old = {0};
    snprintf(old.bucket, sizeof old.bucket, "%s", s_w.src);
    snprintf(old.etag, sizeof old.etag, "%s", rec.etag);
    snprintf(old.sequencer, sizeof old.sequencer, "0B00000000000000");
    s_put_copy("bf.jpg", jpeg, len, true, &old, NULL);

    es_job_object obj = {.bucket = rec.bucket, .key = rec.key, .size = len, .has_size = true};
    snprintf(obj.source.etag, sizeof obj.source.etag, "%s", rec.etag);
    s_check_kept(&obj, 0, "already holds this source version");

    obj.rewrite = true;
    es_s3_object_info info;
    s_check_made_again(&obj, jpeg, len, "0B00000000000000", &info);
    es_event_record older = rec;
    snprintf(older.sequencer, sizeof older.sequencer, "0A");
    es_job_message msg = s_msg("{}");
    msg.receive_count = 2;
    es_job_result res;
    es_job_run_record(&s_env, &msg, &older, &res);
    CHECK_INT_EQ(res.outcome, ES_JOB_SKIPPED);
    CHECK_STR_CONTAINS(res.reason, "newer source version");

    /* made again alike: read, not written */
    s_check_kept(&obj, 1, "already holds what this exifstrip makes of this source (the same");
    s_check_output("bf.jpg", jpeg, len);

    /* the older copy again (a newer upload's copy would have the rewrite's bytes) */
    s_put_copy("bf.jpg", jpeg, len, true, &old, NULL);
    s_race_newer_upload(&obj);
    free(jpeg);
    es_wfix_teardown(&s_w);
}

/* A copy made before the source bucket was recorded, with the bytes this
 * exifstrip makes: a rewrite used to leave it as it was (the same bytes), so
 * it never got the bucket, and a removal of the same key in another source
 * bucket could delete it. The rewrite now writes it, keeping its sequencer;
 * then a second rewrite has nothing to add. */
static void test_rewrite_completes_an_old_record(void)
{
    SETUP();
    es_event_record rec;
    size_t len = 0;
    uint8_t *jpeg = s_put_sized_source("rec.jpg", &len, &rec);
    REQUIRE(jpeg != NULL);
    es_s3_source_id old = {0}; /* no bucket: as copies were recorded before it */
    snprintf(old.etag, sizeof old.etag, "%s", rec.etag);
    snprintf(old.sequencer, sizeof old.sequencer, "0C00000000000000");
    s_put_copy("rec.jpg", jpeg, len, false, &old, ES_RULES_TEXT);

    es_job_object obj = {.bucket = rec.bucket, .key = rec.key, .size = len, .has_size = true, .rewrite = true};
    snprintf(obj.source.etag, sizeof obj.source.etag, "%s", rec.etag);
    snprintf(obj.source.bucket, sizeof obj.source.bucket, "%s", rec.bucket); /* as backfill lists it */
    es_s3_object_info info;
    s_check_made_again(&obj, jpeg, len, "0C00000000000000", &info);
    s_check_kept(&obj, 1, "already holds what this exifstrip makes of this source (the same");
    free(jpeg);
    es_wfix_teardown(&s_w);
}

/* Every copy records the rules that made it (exifstrip/rules.h). A job (a
 * redelivered event) that finds a copy of its very source made under older
 * rules makes it again, even with the same bytes, keeping its record; a copy
 * under the current or a newer generation, or one that records none (made
 * before they were recorded: backfill --rewrite's job), is skipped as before. */
static void test_copy_under_older_rules_is_made_again(void)
{
    SETUP();
    es_event_record rec;
    size_t len = 0;
    uint8_t *jpeg = s_put_sized_source("rules.jpg", &len, &rec);
    REQUIRE(jpeg != NULL);
    es_s3_source_id id = {0};
    snprintf(id.bucket, sizeof id.bucket, "%s", rec.bucket);
    snprintf(id.etag, sizeof id.etag, "%s", rec.etag);
    snprintf(id.sequencer, sizeof id.sequencer, "0D00000000000000");
    es_job_object obj = {.bucket = rec.bucket, .key = rec.key, .size = len, .has_size = true};
    snprintf(obj.source.etag, sizeof obj.source.etag, "%s", rec.etag);
    snprintf(obj.source.bucket, sizeof obj.source.bucket, "%s", rec.bucket);
    char older[16];
    snprintf(older, sizeof older, "%d", ES_RULES - 1);
    s_put_copy("rules.jpg", jpeg, len, false, &id, older);
    es_s3_object_info info;
    s_check_made_again(&obj, jpeg, len, "0D00000000000000", &info);
    CHECK_STR_EQ(info.rules, ES_RULES_TEXT);
    s_check_kept(&obj, 0, "already holds this source version"); /* made under these rules now */

    char newer[16];
    snprintf(newer, sizeof newer, "%d", ES_RULES + 1);
    const char *kept[] = {NULL, newer, "x1", "99999999999"};
    for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++) {
        s_put_copy("rules.jpg", jpeg, len, false, &id, kept[i]);
        s_check_kept(&obj, 0, "already holds this source version");
    }
    free(jpeg);
    es_wfix_teardown(&s_w);
}

static void test_version_id_pins_the_get(void)
{
    SETUP();
    size_t len = 0;
    uint8_t *jpeg = s_jpeg(&len, false);
    REQUIRE(jpeg != NULL);
    REQUIRE(es_wfix_put(&s_w, s_w.src, "v.jpg", jpeg, len) == ES_OK);
    long seq = es_wfix_last_seq();
    es_event_record rec;
    s_record(&rec, s_w.src, "v.jpg", "ignored-when-versioned");
    snprintf(rec.version_id, sizeof rec.version_id, "3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY");
    es_job_message msg = s_msg("{}");
    es_job_result res;
    es_job_run_record(&s_env, &msg, &rec, &res);
    /* the emulator has no versioning: it serves the current object for any versionId */
    CHECK_INT_EQ(res.outcome, ES_JOB_STRIPPED);
    char query[512];
    es_wfix_last_query(seq, "GetObject", "v.jpg", query, sizeof query);
    CHECK_STR_CONTAINS(query, "versionId=3HL4kqtJlcpXroDTDmJ%2BrmSpXd3dIbrHY");
    free(jpeg);
    es_wfix_teardown(&s_w);
}

static void test_message_with_encoded_keys(void)
{
    SETUP();
    size_t len = 0;
    uint8_t *jpeg = s_jpeg(&len, false);
    REQUIRE(jpeg != NULL);
    static const char *const keys[] = {"dir/my photo+1.JPG", "\xE6\x97\xA5\xE6\x9C\xAC/100% sure.jpeg"};
    for (size_t i = 0; i < 2; i++) {
        REQUIRE(es_wfix_put(&s_w, s_w.src, keys[i], jpeg, len) == ES_OK);
        char etag[128], body[8192];
        REQUIRE(es_wfix_etag(&s_w, s_w.src, keys[i], etag, sizeof etag) == ES_OK);
        es_wfix_s3_event(body, sizeof body, s_w.src, keys[i], etag, NULL, (long long)len);
        es_job_message msg = s_msg(body);
        es_job_counts counts;
        memset(&counts, 0, sizeof counts);
        CHECK(es_job_run_message(&s_env, &msg, &counts));
        CHECK_INT_EQ(counts.n[ES_JOB_STRIPPED], 1);
        s_check_output(keys[i], jpeg, len);
    }
    free(jpeg);
    es_wfix_teardown(&s_w);
}

/* An output larger than one part goes out as a multipart upload; a
 * completion whose answer was lost is settled as written. */
static void test_multipart_output(void)
{
    SETUP();
    uint8_t *jpeg = NULL;
    size_t len = 0;
    REQUIRE(es_wfix_big_jpeg((size_t)s_w.cfg.part_size + 300000, &jpeg, &len) == 0);
    const char *key = "big/large.jpg";
    REQUIRE(es_wfix_put(&s_w, s_w.src, key, jpeg, len) == ES_OK);
    long seq = es_wfix_last_seq();
    es_event_record rec;
    s_record(&rec, s_w.src, key, NULL);
    es_job_message msg = s_msg("{}");
    es_job_result res;
    es_job_run_record(&s_env, &msg, &rec, &res);
    CHECK_INT_EQ(res.outcome, ES_JOB_STRIPPED);
    CHECK(res.bytes_out > s_w.cfg.part_size);
    CHECK_INT_EQ(es_wfix_count(seq, "CreateMultipartUpload", "large.jpg"), 1);
    CHECK_INT_EQ(es_wfix_count(seq, "CompleteMultipartUpload", "large.jpg"), 1);
    s_check_output(key, jpeg, len);

    /* the completion's answer lost (a 500 after it was carried out): its
     * retry finds the upload gone, and B's copy is the one this job wrote */
    key = "big/lost.jpg";
    REQUIRE(es_wfix_put(&s_w, s_w.src, key, jpeg, len) == ES_OK);
    REQUIRE(es_itest_s3_fault("CompleteMultipartUpload", s_w.dst, key,
                              "\"status\":500,\"phase\":\"after\",\"times\":1") == 0);
    s_record(&rec, s_w.src, key, NULL);
    seq = es_wfix_last_seq();
    es_job_run_record(&s_env, &msg, &rec, &res);
    es_itest_clear_faults();
    CHECK_INT_EQ(res.outcome, ES_JOB_STRIPPED);
    CHECK_STR_CONTAINS(res.reason, "answer was lost");
    CHECK(res.bytes_out > s_w.cfg.part_size);
    CHECK_INT_EQ(es_wfix_count(seq, "CompleteMultipartUpload", "lost.jpg"), 2);
    CHECK_INT_EQ(es_wfix_count(seq, "GetObject", "lost.jpg"), 1);
    s_check_output(key, jpeg, len);
    free(jpeg);
    es_wfix_teardown(&s_w);
}

static void s_check_dlq_report(const char *key, const char *error_code)
{
    char *report = es_wfix_receive_body(&s_w, s_w.dlq_url, 2);
    REQUIRE(report != NULL);
    json_t *j = json_loads(report, 0, NULL);
    CHECK(j != NULL);
    if (key)
        CHECK_STR_EQ(json_string_value(json_object_get(j, "key")), key);
    else
        CHECK(json_is_null(json_object_get(j, "key")));
    CHECK_STR_EQ(json_string_value(json_object_get(j, "error_code")), error_code);
    CHECK_STR_EQ(json_string_value(json_object_get(j, "category")), "input");
    CHECK_STR_EQ(json_string_value(json_object_get(j, "message_id")), "msg-1");
    CHECK(json_object_get(j, "event") != NULL);
    json_decref(j);
    free(report);
}

static void test_refused_not_jpeg(void)
{
    SETUP();
    static const uint8_t png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13};
    const char *key = "fake.jpg";
    REQUIRE(es_wfix_put(&s_w, s_w.src, key, png, sizeof png) == ES_OK);
    char body[4096];
    es_wfix_s3_event(body, sizeof body, s_w.src, key, NULL, NULL, -1);
    es_job_message msg = s_msg(body);
    es_job_counts counts;
    memset(&counts, 0, sizeof counts);
    CHECK(es_job_run_message(&s_env, &msg, &counts)); /* settled: deleted, not retried */
    CHECK_INT_EQ(counts.n[ES_JOB_REFUSED], 1);
    CHECK(!s_dest_exists(key));
    s_check_dlq_report(key, "ES_ERR_JPEG_NOT_JPEG");
    es_wfix_teardown(&s_w);
}

static void test_refused_after_multipart_started(void)
{
    SETUP();
    uint8_t *jpeg = NULL;
    size_t len = 0;
    REQUIRE(es_wfix_big_jpeg((size_t)s_w.cfg.part_size + 300000, &jpeg, &len) == 0);
    const char *key = "big/truncated.jpg";
    REQUIRE(es_wfix_put(&s_w, s_w.src, key, jpeg, len - 200) == ES_OK); /* no EOI */
    long seq = es_wfix_last_seq();
    es_event_record rec;
    s_record(&rec, s_w.src, key, NULL);
    es_job_message msg = s_msg("{\"x\":1}");
    es_job_result res;
    es_job_run_record(&s_env, &msg, &rec, &res);
    CHECK_INT_EQ(res.outcome, ES_JOB_REFUSED);
    CHECK_INT_EQ(res.code, ES_ERR_JPEG_TRUNCATED);
    CHECK(res.reported);
    CHECK_INT_EQ(res.bytes_out, 0);
    CHECK_INT_EQ(es_wfix_count(seq, "CreateMultipartUpload", "truncated.jpg"), 1);
    CHECK_INT_EQ(es_wfix_count(seq, "AbortMultipartUpload", "truncated.jpg"), 1);
    CHECK_INT_EQ(es_wfix_count(seq, "CompleteMultipartUpload", "truncated.jpg"), 0);
    CHECK(!s_dest_exists(key));
    s_check_dlq_report(key, "ES_ERR_JPEG_TRUNCATED");
    free(jpeg);
    es_wfix_teardown(&s_w);
}

/* Collects the reports es_job_run_object hands to env->report. */
typedef struct s_reports {
    int count;
    char last[4096];
    es_err answer; /* what the sink returns */
} s_reports;

static es_err s_collect_report(void *ctx, const char *json)
{
    s_reports *r = ctx;
    r->count++;
    snprintf(r->last, sizeof r->last, "%s", json);
    return r->answer;
}

/* The entry point without a message (backfill's): a listed object (ETag, no
 * version id) is stripped with its identity recorded; run again it costs one
 * HEAD and no GET; a refusal goes to env->report (not the DLQ), and a report
 * that cannot be stored makes it a retry. */
static void test_object_without_message(void)
{
    SETUP();
    size_t len = 0;
    const char *key = "listed/photo one.jpg";
    es_event_record rec;
    uint8_t *jpeg = s_put_source(key, &len, &rec);
    REQUIRE(jpeg != NULL);
    s_reports reports = {.answer = ES_OK};
    es_job_env env = s_env;
    env.report = s_collect_report;
    env.report_ctx = &reports;
    es_job_object obj = {.bucket = s_w.src, .key = key};
    snprintf(obj.source.etag, sizeof obj.source.etag, "%s", rec.etag);
    es_job_result res;
    es_job_run_object(&env, &obj, NULL, &res);
    CHECK_INT_EQ(res.outcome, ES_JOB_STRIPPED);
    s_check_output(key, jpeg, len);
    es_s3_object_info info;
    es_aws_result ares;
    REQUIRE(es_s3_head_object(s_w.s3, s_w.dst, key, &info, &ares) == ES_OK);
    CHECK_STR_EQ(info.source.etag, rec.etag);
    long seq = es_wfix_last_seq();
    es_job_run_object(&env, &obj, NULL, &res);
    CHECK_INT_EQ(res.outcome, ES_JOB_SKIPPED);
    CHECK_INT_EQ(es_wfix_count(seq, "GetObject", "photo one"), 0);
    CHECK_INT_EQ(es_wfix_count(seq, "HeadObject", "photo one"), 1);

    static const uint8_t png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13};
    const char *bad = "listed/fake.jpg";
    REQUIRE(es_wfix_put(&s_w, s_w.src, bad, png, sizeof png) == ES_OK);
    es_job_object fake = {.bucket = s_w.src, .key = bad};
    es_job_run_object(&env, &fake, NULL, &res);
    CHECK_INT_EQ(res.outcome, ES_JOB_REFUSED);
    CHECK(res.reported);
    CHECK_INT_EQ(reports.count, 1);
    json_t *j = json_loads(reports.last, 0, NULL);
    REQUIRE(j != NULL);
    CHECK_STR_EQ(json_string_value(json_object_get(j, "key")), bad);
    CHECK_STR_EQ(json_string_value(json_object_get(j, "error_code")), "ES_ERR_JPEG_NOT_JPEG");
    CHECK(json_is_null(json_object_get(j, "message_id")));
    json_decref(j);
    char *dlq = es_wfix_receive_body(&s_w, s_w.dlq_url, 0);
    CHECK(dlq == NULL); /* the sink replaced the DLQ */
    free(dlq);
    reports.answer = ES_ERR_IO;
    es_job_run_object(&env, &fake, NULL, &res);
    CHECK_INT_EQ(res.outcome, ES_JOB_RETRY);
    CHECK(!s_dest_exists(bad));
    free(jpeg);
    es_wfix_teardown(&s_w);
}

/* A rewrite of a copy whose source the stripper now refuses says that B
 * keeps the older copy (the website still shows it); one refused for its
 * size before B is looked at says that B keeps what it holds. */
static void test_refused_rewrite_says_the_copy_stays(void)
{
    SETUP();
    static const uint8_t png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13};
    REQUIRE(es_wfix_put(&s_w, s_w.src, "old.jpg", png, sizeof png) == ES_OK);
    char etag[128];
    REQUIRE(es_wfix_etag(&s_w, s_w.src, "old.jpg", etag, sizeof etag) == ES_OK);
    es_s3_source_id old = {0};
    snprintf(old.bucket, sizeof old.bucket, "%s", s_w.src);
    snprintf(old.etag, sizeof old.etag, "%s", etag);
    es_s3_write_options wopt = {.source = &old};
    es_aws_result ares;
    es_aws_result_clear(&ares);
    REQUIRE(es_s3_put_object_with(s_w.s3, s_w.dst, "old.jpg", png, sizeof png, "image/jpeg", &wopt, &ares) ==
            ES_OK);
    es_job_object obj = {.bucket = s_w.src, .key = "old.jpg", .size = sizeof png, .has_size = true};
    snprintf(obj.source.etag, sizeof obj.source.etag, "%s", etag);
    obj.rewrite = true;
    s_reports reports = {.answer = ES_OK};
    es_job_env env = s_env;
    env.report = s_collect_report;
    env.report_ctx = &reports;
    es_job_result res;
    es_job_run_object(&env, &obj, NULL, &res);
    CHECK_INT_EQ(res.outcome, ES_JOB_REFUSED);
    CHECK_STR_CONTAINS(res.reason, "not a JPEG");
    CHECK_STR_CONTAINS(res.reason, "keeps the copy an older exifstrip made of this source");
    CHECK_STR_CONTAINS(reports.last, "keeps the copy an older exifstrip made");
    CHECK(s_dest_exists("old.jpg"));
    /* refused for its size, before B is looked at: B keeps what it holds */
    uint64_t max = s_w.cfg.max_object_bytes;
    s_w.cfg.max_object_bytes = sizeof png - 1;
    es_job_result planned;
    CHECK(!es_job_plan_object(&env, &obj, &planned)); /* a dry run says the same */
    CHECK_INT_EQ(planned.outcome, ES_JOB_REFUSED);
    CHECK_STR_CONTAINS(planned.reason, "keeps any copy of this key it holds");
    es_job_run_object(&env, &obj, NULL, &res);
    s_w.cfg.max_object_bytes = max;
    CHECK_INT_EQ(res.outcome, ES_JOB_REFUSED);
    CHECK_STR_CONTAINS(res.reason, "keeps any copy of this key it holds");
    CHECK(strstr(res.reason, "older exifstrip") == NULL);
    CHECK_STR_CONTAINS(reports.last, "keeps any copy of this key it holds");
    CHECK(s_dest_exists("old.jpg"));
    es_wfix_teardown(&s_w);
}

static void test_gone(void)
{
    SETUP();
    size_t len = 0;
    uint8_t *jpeg = s_jpeg(&len, false);
    REQUIRE(jpeg != NULL);
    es_event_record rec;
    es_job_message msg = s_msg("{}");
    es_job_result res;
    s_record(&rec, s_w.src, "never-written.jpg", NULL);
    es_job_run_record(&s_env, &msg, &rec, &res);
    CHECK_INT_EQ(res.outcome, ES_JOB_GONE);
    CHECK_INT_EQ(res.code, ES_ERR_NOT_FOUND);
    /* replaced since the event: If-Match on the old ETag fails with 412 */
    REQUIRE(es_wfix_put(&s_w, s_w.src, "replaced.jpg", jpeg, len) == ES_OK);
    s_record(&rec, s_w.src, "replaced.jpg", "0123456789abcdef0123456789abcdef");
    es_job_run_record(&s_env, &msg, &rec, &res);
    CHECK_INT_EQ(res.outcome, ES_JOB_GONE);
    CHECK_INT_EQ(res.code, ES_ERR_PRECONDITION);
    CHECK(!s_dest_exists("replaced.jpg"));
    CHECK(es_wfix_receive_body(&s_w, s_w.dlq_url, 0) == NULL); /* gone is not reported */
    free(jpeg);
    es_wfix_teardown(&s_w);
}

static void test_size_limits(void)
{
    SETUP();
    size_t len = 0;
    uint8_t *jpeg = s_jpeg(&len, false);
    REQUIRE(jpeg != NULL);
    REQUIRE(es_wfix_put(&s_w, s_w.src, "big.jpg", jpeg, len) == ES_OK);
    s_w.cfg.max_object_bytes = len - 1;
    es_event_record rec;
    es_job_message msg = s_msg("{}");
    es_job_result res;
    /* no size in the event: refused from the GET's Content-Length, before any body byte */
    s_record(&rec, s_w.src, "big.jpg", NULL);
    es_job_run_record(&s_env, &msg, &rec, &res);
    CHECK_INT_EQ(res.outcome, ES_JOB_REFUSED);
    CHECK_INT_EQ(res.code, ES_ERR_TOO_LARGE);
    CHECK_STR_CONTAINS(res.reason, "EXIFSTRIP_MAX_OBJECT_BYTES");
    CHECK_INT_EQ(res.bytes_in, 0);
    CHECK(!s_dest_exists("big.jpg"));
    s_check_dlq_report("big.jpg", "ES_ERR_TOO_LARGE");
    /* size in the event: refused without any GET */
    long seq = es_wfix_last_seq();
    rec.has_size = true;
    rec.size = len;
    es_job_run_record(&s_env, &msg, &rec, &res);
    CHECK_INT_EQ(res.outcome, ES_JOB_REFUSED);
    CHECK_INT_EQ(es_wfix_count(seq, "GetObject", NULL), 0);
    free(es_wfix_receive_body(&s_w, s_w.dlq_url, 2));
    free(jpeg);
    es_wfix_teardown(&s_w);
}

static void test_skipped(void)
{
    SETUP();
    long seq = es_wfix_last_seq();
    es_event_record rec;
    es_job_message msg = s_msg("{}");
    es_job_result res;
    s_record(&rec, "some-other-bucket", "a.jpg", NULL);
    es_job_run_record(&s_env, &msg, &rec, &res);
    CHECK_INT_EQ(res.outcome, ES_JOB_SKIPPED);
    CHECK_STR_CONTAINS(res.reason, "not an allowed source");
    s_record(&rec, s_w.src, "a.png", NULL);
    es_job_run_record(&s_env, &msg, &rec, &res);
    CHECK_INT_EQ(res.outcome, ES_JOB_SKIPPED);
    CHECK_STR_CONTAINS(res.reason, "suffix");
    /* the destination is never a source, even without an allowlist */
    s_w.cfg.source_bucket_count = 0;
    s_record(&rec, s_w.dst, "a.jpg", NULL);
    es_job_run_record(&s_env, &msg, &rec, &res);
    CHECK_INT_EQ(res.outcome, ES_JOB_SKIPPED);
    CHECK_INT_EQ(es_wfix_count(seq, NULL, NULL), 0); /* no request at all */
    es_wfix_teardown(&s_w);
}

static void s_fault(const char *fmt_service, const char *action, const char *where_field, const char *where,
                    int status)
{
    char rule[512];
    snprintf(rule, sizeof rule,
             "{\"service\":\"%s\",\"action\":\"%s\",\"%s\":\"%s\",\"status\":%d,\"times\":50}", fmt_service,
             action, where_field, where, status);
    REQUIRE(es_itest_fault(rule) == 0);
}

static void test_transient_get_failure_is_retry(void)
{
    SETUP();
    size_t len = 0;
    uint8_t *jpeg = s_jpeg(&len, false);
    REQUIRE(jpeg != NULL);
    REQUIRE(es_wfix_put(&s_w, s_w.src, "slow.jpg", jpeg, len) == ES_OK);
    s_fault("s3", "GetObject", "bucket", s_w.src, 503);
    char body[4096];
    es_wfix_s3_event(body, sizeof body, s_w.src, "slow.jpg", NULL, NULL, -1);
    es_job_message msg = s_msg(body);
    es_job_counts counts;
    memset(&counts, 0, sizeof counts);
    CHECK(!es_job_run_message(&s_env, &msg, &counts)); /* not settled: left for redelivery */
    CHECK_INT_EQ(counts.n[ES_JOB_RETRY], 1);
    CHECK(!s_dest_exists("slow.jpg"));
    CHECK(es_wfix_receive_body(&s_w, s_w.dlq_url, 0) == NULL);
    es_itest_clear_faults();
    /* redelivered after the fault cleared: stripped */
    memset(&counts, 0, sizeof counts);
    CHECK(es_job_run_message(&s_env, &msg, &counts));
    CHECK_INT_EQ(counts.n[ES_JOB_STRIPPED], 1);
    free(jpeg);
    es_wfix_teardown(&s_w);
}

/* The emulator flips one bit in the middle of the next GET body of key (its
 * stored CRC64NVME header unchanged). */
static void s_corrupt_next_get(const char *key)
{
    char rule[512];
    snprintf(rule, sizeof rule,
             "{\"service\":\"s3\",\"action\":\"GetObject\",\"bucket\":\"%s\",\"key\":\"%s\","
             "\"corrupt\":true,\"times\":1}",
             s_w.src, key);
    REQUIRE(es_itest_fault(rule) == 0);
}

/* Runs key's record with its next GET body corrupted: a retry for a transfer
 * error naming the checksum, nothing in B; then again intact: stripped. */
static void s_check_corrupted_get(const char *key, const uint8_t *jpeg, size_t len)
{
    long seq = es_wfix_last_seq();
    s_corrupt_next_get(key);
    es_event_record rec;
    s_record(&rec, s_w.src, key, NULL);
    es_job_message msg = s_msg("{}");
    es_job_result res;
    es_job_run_record(&s_env, &msg, &rec, &res);
    CHECK_INT_EQ(res.outcome, ES_JOB_RETRY);
    CHECK_INT_EQ(res.code, ES_ERR_NETWORK);
    CHECK_STR_CONTAINS(res.reason, "checksum");
    CHECK(!res.reported);
    CHECK_INT_EQ(es_wfix_count(seq, "PutObject", key), 0);
    CHECK_INT_EQ(es_wfix_count(seq, "CompleteMultipartUpload", key), 0);
    CHECK(!s_dest_exists(key));
    es_itest_clear_faults();
    es_job_run_record(&s_env, &msg, &rec, &res);
    CHECK_INT_EQ(res.outcome, ES_JOB_STRIPPED);
    s_check_output(key, jpeg, len);
}

static void test_corrupted_get_is_retry(void)
{
    SETUP();
    size_t len = 0;
    uint8_t *jpeg = s_jpeg(&len, true);
    REQUIRE(jpeg != NULL);
    REQUIRE(es_wfix_put(&s_w, s_w.src, "damaged.jpg", jpeg, len) == ES_OK);
    s_check_corrupted_get("damaged.jpg", jpeg, len);
    free(jpeg);
    es_wfix_teardown(&s_w);
}

/* The output is already going out in parts when the damaged GET ends: the
 * multipart upload is aborted, never completed. */
static void test_corrupted_get_aborts_multipart(void)
{
    SETUP();
    uint8_t *jpeg = NULL;
    size_t len = 0;
    REQUIRE(es_wfix_big_jpeg((size_t)s_w.cfg.part_size * 2 + 300000, &jpeg, &len) == 0);
    const char *key = "big-damaged.jpg";
    REQUIRE(es_wfix_put(&s_w, s_w.src, key, jpeg, len) == ES_OK);
    long seq = es_wfix_last_seq();
    s_check_corrupted_get(key, jpeg, len);
    CHECK_INT_EQ(es_wfix_count(seq, "CreateMultipartUpload", key), 2);
    CHECK_INT_EQ(es_wfix_count(seq, "AbortMultipartUpload", key), 1);
    CHECK_INT_EQ(es_wfix_count(seq, "CompleteMultipartUpload", key), 1); /* the intact run's */
    free(jpeg);
    es_wfix_teardown(&s_w);
}

/* A bit flipped in a marker makes the damaged bytes look like a broken JPEG:
 * the body is read to its end and, failing its checksum, retried - not
 * refused and reported as bad input. The photo is built so that the middle
 * byte (the one the fault flips) is the 0xFF of a marker: SOI, a comment
 * padding the first half, then the fixture's segments. */
static void test_refusal_of_damaged_bytes_not_kept(void)
{
    SETUP();
    size_t n = 0;
    uint8_t *inner = s_jpeg(&n, false);
    REQUIRE(inner != NULL && n > 16 && n - 8 + 2 <= 0xFFFF);
    size_t pad = n - 8, len = 2 + 4 + pad + (n - 2);
    uint8_t *jpeg = malloc(len);
    REQUIRE(jpeg);
    memcpy(jpeg, "\xFF\xD8\xFF\xFE", 4);
    jpeg[4] = (uint8_t)((pad + 2) >> 8);
    jpeg[5] = (uint8_t)(pad + 2);
    memset(jpeg + 6, 'c', pad);
    memcpy(jpeg + 6 + pad, inner + 2, n - 2);
    REQUIRE(jpeg[len / 2] == 0xFF);
    REQUIRE(es_wfix_put(&s_w, s_w.src, "marker-hit.jpg", jpeg, len) == ES_OK);
    s_check_corrupted_get("marker-hit.jpg", jpeg, len);
    CHECK(es_wfix_receive_body(&s_w, s_w.dlq_url, 0) == NULL); /* no refusal report */
    free(inner);
    free(jpeg);
    es_wfix_teardown(&s_w);
}

static void test_transient_put_failure_is_retry(void)
{
    SETUP();
    size_t len = 0;
    uint8_t *jpeg = s_jpeg(&len, false);
    REQUIRE(jpeg != NULL);
    REQUIRE(es_wfix_put(&s_w, s_w.src, "p.jpg", jpeg, len) == ES_OK);
    s_fault("s3", "PutObject", "bucket", s_w.dst, 500);
    es_event_record rec;
    s_record(&rec, s_w.src, "p.jpg", NULL);
    es_job_message msg = s_msg("{}");
    es_job_result res;
    es_job_run_record(&s_env, &msg, &rec, &res);
    CHECK_INT_EQ(res.outcome, ES_JOB_RETRY);
    CHECK_INT_EQ(es_err_category(res.code), ES_CAT_TRANSIENT);
    CHECK_STR_CONTAINS(res.reason, s_w.dst);
    es_itest_clear_faults();
    CHECK(!s_dest_exists("p.jpg"));
    free(jpeg);
    es_wfix_teardown(&s_w);
}

/* Runs key's record (A's copy already there) under the fault rules set,
 * then removes them; returns the request log's sequence number before it. */
static long s_run_faulted(const char *key, es_job_result *res)
{
    es_event_record rec;
    s_record(&rec, s_w.src, key, NULL);
    es_job_message msg = s_msg("{}");
    long seq = es_wfix_last_seq();
    es_job_run_record(&s_env, &msg, &rec, res);
    es_itest_clear_faults();
    return seq;
}

/* Runs key's record (A's copy already there) with every `action` request to
 * B for key dropped without an answer (after a GET that succeeded): a retry
 * whose request id is not the GET's (nor the HEAD's before it) but none, as
 * the failed request had no answer to name one. */
static void s_check_dropped_write(const char *key, const char *action)
{
    REQUIRE(es_itest_s3_fault(action, s_w.dst, key, "\"reset\":true") == 0);
    es_job_result res;
    long seq = s_run_faulted(key, &res);
    CHECK_INT_EQ(res.outcome, ES_JOB_RETRY);
    CHECK_INT_EQ(res.code, ES_ERR_NETWORK);
    CHECK(es_wfix_count(seq, action, key) > 0);
    char get_id[128], head_id[128];
    es_wfix_last_field(seq, "GetObject", key, "request_id", get_id, sizeof get_id);
    es_wfix_last_field(seq, "HeadObject", key, "request_id", head_id, sizeof head_id);
    CHECK(get_id[0] != '\0' && head_id[0] != '\0');
    CHECK(strcmp(res.request_id, get_id) != 0);
    CHECK(strcmp(res.request_id, head_id) != 0);
    CHECK_STR_EQ(res.request_id, "");
    CHECK(!s_dest_exists(key));
}

/* The request id a failed write reports is its own: none for a PutObject, a
 * part or a completion whose connection dropped (never the GET's before it),
 * the failing PutObject's for one answered 500. */
static void test_failed_write_names_its_own_request(void)
{
    SETUP();
    size_t len = 0;
    uint8_t *jpeg = s_jpeg(&len, false);
    REQUIRE(jpeg != NULL);
    REQUIRE(es_wfix_put(&s_w, s_w.src, "reset.jpg", jpeg, len) == ES_OK);
    s_check_dropped_write("reset.jpg", "PutObject");

    REQUIRE(es_wfix_put(&s_w, s_w.src, "answered.jpg", jpeg, len) == ES_OK);
    s_fault("s3", "PutObject", "bucket", s_w.dst, 500);
    es_job_result res;
    long seq = s_run_faulted("answered.jpg", &res);
    CHECK_INT_EQ(res.outcome, ES_JOB_RETRY);
    S_CHECK_DECIDED_BY(&res, seq, "PutObject", "answered.jpg"); /* the last attempt's 500 */
    free(jpeg);

    jpeg = NULL;
    REQUIRE(es_wfix_big_jpeg((size_t)s_w.cfg.part_size + 300000, &jpeg, &len) == 0);
    REQUIRE(es_wfix_put(&s_w, s_w.src, "big/part.jpg", jpeg, len) == ES_OK);
    s_check_dropped_write("big/part.jpg", "UploadPart"); /* the first part fails inside the GET */
    REQUIRE(es_wfix_put(&s_w, s_w.src, "big/complete.jpg", jpeg, len) == ES_OK);
    s_check_dropped_write("big/complete.jpg", "CompleteMultipartUpload");
    free(jpeg);

    /* a photo turned at its end: its output's parts go out after the GET */
    jpeg = s_turned_past_one_part(&len);
    REQUIRE(jpeg != NULL);
    REQUIRE(es_wfix_put(&s_w, s_w.src, "turned/part.jpg", jpeg, len) == ES_OK);
    s_check_dropped_write("turned/part.jpg", "UploadPart");
    free(jpeg);
    es_wfix_teardown(&s_w);
}

static void test_dlq_failure_keeps_message(void)
{
    SETUP();
    static const uint8_t text[] = "hello, not an image";
    REQUIRE(es_wfix_put(&s_w, s_w.src, "t.jpg", text, sizeof text - 1) == ES_OK);
    const char *slash = strrchr(s_w.dlq_url, '/');
    REQUIRE(slash != NULL);
    s_fault("sqs", "SendMessage", "queue", slash + 1, 503);
    char body[4096];
    es_wfix_s3_event(body, sizeof body, s_w.src, "t.jpg", NULL, NULL, -1);
    es_job_message msg = s_msg(body);
    es_job_counts counts;
    memset(&counts, 0, sizeof counts);
    CHECK(!es_job_run_message(&s_env, &msg, &counts));
    CHECK_INT_EQ(counts.n[ES_JOB_RETRY], 1);
    /* the retry names the failed SendMessage's request id, not the refused GET's */
    es_event_record rec;
    s_record(&rec, s_w.src, "t.jpg", NULL);
    es_job_result res;
    long seq = es_wfix_last_seq();
    es_job_run_record(&s_env, &msg, &rec, &res);
    CHECK_INT_EQ(res.outcome, ES_JOB_RETRY);
    CHECK_STR_CONTAINS(res.reason, "DLQ report failed");
    S_CHECK_DECIDED_BY(&res, seq, "SendMessage", slash + 1);
    es_itest_clear_faults();
    /* without a DLQ a refusal is only logged, and settled */
    s_w.cfg.dlq_url[0] = '\0';
    memset(&counts, 0, sizeof counts);
    CHECK(es_job_run_message(&s_env, &msg, &counts));
    CHECK_INT_EQ(counts.n[ES_JOB_REFUSED], 1);
    es_wfix_teardown(&s_w);
}

static void test_bad_event_and_test_event(void)
{
    SETUP();
    es_job_message bad = s_msg("{\"Records\":{}}");
    es_job_counts counts;
    memset(&counts, 0, sizeof counts);
    CHECK(es_job_run_message(&s_env, &bad, &counts));
    CHECK_INT_EQ(counts.n[ES_JOB_REFUSED], 1);
    s_check_dlq_report(NULL, "ES_ERR_EVENT_INVALID");
    long seq = es_wfix_last_seq();
    es_job_message test = s_msg("{\"Service\":\"Amazon S3\",\"Event\":\"s3:TestEvent\",\"Bucket\":\"b\"}");
    memset(&counts, 0, sizeof counts);
    CHECK(es_job_run_message(&s_env, &test, &counts));
    unsigned total = 0;
    for (int i = 0; i < ES_JOB_OUTCOME_COUNT; i++)
        total += counts.n[i];
    CHECK_INT_EQ(total, 0);
    CHECK_INT_EQ(es_wfix_count(seq, NULL, NULL), 0);
    /* an ObjectRemoved record is skipped: settled, no request, no report */
    es_job_message removed = s_msg("{\"Records\":[{\"eventSource\":\"aws:s3\",\"eventName\":"
                                   "\"ObjectRemoved:Delete\"}]}");
    memset(&counts, 0, sizeof counts);
    CHECK(es_job_run_message(&s_env, &removed, &counts));
    CHECK_INT_EQ(counts.n[ES_JOB_SKIPPED], 1);
    CHECK_INT_EQ(counts.n[ES_JOB_REFUSED], 0);
    CHECK_INT_EQ(es_wfix_count(seq, NULL, NULL), 0);
    es_wfix_teardown(&s_w);
}

/* Issue 10 #12: an ETag with CR/LF is refused at parse time (with a report
 * naming the field), not retried until the redrive policy drops it. */
static void test_bad_etag_refused_not_retried(void)
{
    SETUP();
    size_t len = 0;
    uint8_t *jpeg = s_jpeg(&len, false);
    REQUIRE(jpeg != NULL);
    REQUIRE(es_wfix_put(&s_w, s_w.src, "crlf.jpg", jpeg, len) == ES_OK);
    long seq = es_wfix_last_seq();
    char body[4096];
    snprintf(body, sizeof body,
             "{\"Records\":[{\"eventSource\":\"aws:s3\",\"eventName\":\"ObjectCreated:Put\",\"s3\":{"
             "\"bucket\":{\"name\":\"%s\"},\"object\":{\"key\":\"crlf.jpg\","
             "\"eTag\":\"abc\\r\\nX-Injected: 1\"}}}]}",
             s_w.src);
    es_job_message msg = s_msg(body);
    es_job_counts counts;
    memset(&counts, 0, sizeof counts);
    CHECK(es_job_run_message(&s_env, &msg, &counts)); /* settled: deleted after the report */
    CHECK_INT_EQ(counts.n[ES_JOB_REFUSED], 1);
    CHECK_INT_EQ(counts.n[ES_JOB_RETRY], 0);
    CHECK_INT_EQ(es_wfix_count(seq, "GetObject", NULL), 0); /* refused before any request */
    CHECK(!s_dest_exists("crlf.jpg"));
    char *report = es_wfix_receive_body(&s_w, s_w.dlq_url, 2);
    REQUIRE(report != NULL);
    CHECK_STR_CONTAINS(report, "eTag is not a valid ETag");
    CHECK_STR_CONTAINS(report, "\"ES_ERR_EVENT_INVALID\"");
    CHECK_STR_CONTAINS(report, "\"key\":\"crlf.jpg\"");
    free(report);
    free(jpeg);
    es_wfix_teardown(&s_w);
}

/* Issue 10 #13: one bad record and one ObjectRemoved record do not spoil a
 * valid ObjectCreated sibling: it is stripped, the bad one alone is refused
 * and reported, the removal skipped, and the message is settled. */
static void test_records_settled_one_by_one(void)
{
    SETUP();
    size_t len = 0;
    uint8_t *jpeg = s_jpeg(&len, false);
    REQUIRE(jpeg != NULL);
    REQUIRE(es_wfix_put(&s_w, s_w.src, "sibling.jpg", jpeg, len) == ES_OK);
    char body[4096];
    snprintf(body, sizeof body,
             "{\"Records\":[{\"eventSource\":\"aws:s3\",\"eventName\":\"ObjectRemoved:Delete\","
             "\"s3\":{\"bucket\":{\"name\":\"%s\"},\"object\":{\"key\":\"old.jpg\"}}},"
             "{\"eventSource\":\"aws:s3\",\"eventName\":\"ObjectCreated:Put\",\"s3\":{"
             "\"bucket\":{\"name\":\"%s\"},\"object\":{\"key\":\"sibling.jpg\"}}},"
             "{\"eventSource\":\"aws:s3\",\"eventName\":\"ObjectCreated:Put\",\"s3\":{"
             "\"bucket\":{\"name\":\"%s\"},\"object\":{\"key\":\"bad.jpg\",\"size\":-5}}}]}",
             s_w.src, s_w.src, s_w.src);
    es_job_message msg = s_msg(body);
    es_job_counts counts;
    memset(&counts, 0, sizeof counts);
    CHECK(es_job_run_message(&s_env, &msg, &counts));
    CHECK_INT_EQ(counts.n[ES_JOB_SKIPPED], 1);
    CHECK_INT_EQ(counts.n[ES_JOB_STRIPPED], 1);
    CHECK_INT_EQ(counts.n[ES_JOB_REFUSED], 1);
    s_check_output("sibling.jpg", jpeg, len);
    char *report = es_wfix_receive_body(&s_w, s_w.dlq_url, 2);
    REQUIRE(report != NULL);
    CHECK_STR_CONTAINS(report, "Records[2].s3.object.size");
    CHECK_STR_CONTAINS(report, "\"key\":\"bad.jpg\"");
    free(report);
    report = es_wfix_receive_body(&s_w, s_w.dlq_url, 1);
    CHECK(report == NULL); /* one report: the skipped and stripped records send none */
    free(report);
    free(jpeg);
    es_wfix_teardown(&s_w);
}

static void test_multi_record_partial_failure(void)
{
    SETUP();
    size_t len = 0;
    uint8_t *jpeg = s_jpeg(&len, false);
    REQUIRE(jpeg != NULL);
    REQUIRE(es_wfix_put(&s_w, s_w.src, "ok.jpg", jpeg, len) == ES_OK);
    REQUIRE(es_wfix_put(&s_w, s_w.src, "flaky.jpg", jpeg, len) == ES_OK);
    char rule[256];
    snprintf(rule, sizeof rule,
             "{\"service\":\"s3\",\"action\":\"GetObject\",\"key\":\"flaky.jpg\",\"reset\":true,\"times\":50}");
    REQUIRE(es_itest_fault(rule) == 0);
    char body[4096];
    snprintf(body, sizeof body,
             "{\"Records\":[{\"eventSource\":\"aws:s3\",\"eventName\":\"ObjectCreated:Put\",\"s3\":{"
             "\"bucket\":{\"name\":\"%s\"},\"object\":{\"key\":\"flaky.jpg\"}}},{\"eventSource\":"
             "\"aws:s3\",\"eventName\":\"ObjectCreated:Put\",\"s3\":{\"bucket\":{\"name\":\"%s\"},"
             "\"object\":{\"key\":\"ok.jpg\"}}}]}",
             s_w.src, s_w.src);
    es_job_message msg = s_msg(body);
    es_job_counts counts;
    memset(&counts, 0, sizeof counts);
    CHECK(!es_job_run_message(&s_env, &msg, &counts)); /* one record must be retried */
    CHECK_INT_EQ(counts.n[ES_JOB_RETRY], 1);
    CHECK_INT_EQ(counts.n[ES_JOB_STRIPPED], 1);
    CHECK(s_dest_exists("ok.jpg"));
    CHECK(!s_dest_exists("flaky.jpg"));
    free(jpeg);
    es_wfix_teardown(&s_w);
}

static void test_cancel_flag(void)
{
    SETUP();
    size_t len = 0;
    uint8_t *jpeg = s_jpeg(&len, false);
    REQUIRE(jpeg != NULL);
    REQUIRE(es_wfix_put(&s_w, s_w.src, "c.jpg", jpeg, len) == ES_OK);
    atomic_int cancel = 1;
    s_env.cancel = &cancel;
    char body[4096];
    es_wfix_s3_event(body, sizeof body, s_w.src, "c.jpg", NULL, NULL, -1);
    es_job_message msg = s_msg(body);
    es_job_counts counts;
    memset(&counts, 0, sizeof counts);
    CHECK(!es_job_run_message(&s_env, &msg, &counts));
    CHECK(!s_dest_exists("c.jpg"));
    free(jpeg);
    es_wfix_teardown(&s_w);
}

/* A destination bucket that does not exist (404 NoSuchBucket on the
 * PutObject) is not a lost race: one retry naming the missing bucket, not
 * four GETs and strips of A and "the object changed". */
static void test_missing_dest_bucket_is_not_a_race(void)
{
    SETUP();
    es_event_record rec;
    size_t len = 0;
    uint8_t *jpeg = s_put_sized_source("nb.jpg", &len, &rec);
    REQUIRE(jpeg != NULL);
    snprintf(s_w.cfg.dest_bucket, sizeof s_w.cfg.dest_bucket, "%s", "no-such-bucket-review");
    es_job_message msg = s_msg("{}");
    es_job_result res;
    long seq = es_wfix_last_seq();
    es_job_run_record(&s_env, &msg, &rec, &res);
    CHECK_INT_EQ(res.outcome, ES_JOB_RETRY);
    CHECK_INT_EQ(es_wfix_count(seq, "GetObject", "nb.jpg"), 1);
    CHECK(strstr(res.reason, "changed during") == NULL);
    CHECK(strstr(res.reason, "NoSuchBucket") != NULL || strstr(res.reason, "bucket does not exist") != NULL);
    free(jpeg);
    es_wfix_teardown(&s_w);
}

int main(void)
{
    es_log_configure(getenv("ES_TEST_VERBOSE") ? ES_LOG_DEBUG : ES_LOG_ERROR, ES_LOG_FORMAT_JSON);
    ES_RUN(test_strip_one_record);
    ES_RUN(test_out_of_memory_is_retried_not_refused);
    ES_RUN(test_ordered_writes);
    ES_RUN(test_first_delivery_writes_without_head);
    ES_RUN(test_unchecked_write_races_and_limits);
    ES_RUN(test_output_larger_than_the_input_part);
    ES_RUN(test_turned_photo_waits_for_its_share_holding_nothing);
    ES_RUN(test_turned_photo_is_lent_not_copied);
    ES_RUN(test_share_wait_outlasts_the_age_limit_and_ends_at_a_stop);
    ES_RUN(test_slow_part_upload_is_not_a_slow_get);
    ES_RUN(test_unchecked_write_answer_lost_or_conflicting);
    ES_RUN(test_last_write_answer_lost);
    ES_RUN(test_kept_body_freed_on_failures);
    ES_RUN(test_backfill_lost_race_keeps_the_newer_copy);
    ES_RUN(test_rewrite_replaces_a_copy_of_the_same_source);
    ES_RUN(test_rewrite_completes_an_old_record);
    ES_RUN(test_copy_under_older_rules_is_made_again);
    ES_RUN(test_refused_rewrite_says_the_copy_stays);
    ES_RUN(test_version_id_pins_the_get);
    ES_RUN(test_message_with_encoded_keys);
    ES_RUN(test_multipart_output);
    ES_RUN(test_refused_not_jpeg);
    ES_RUN(test_refused_after_multipart_started);
    ES_RUN(test_object_without_message);
    ES_RUN(test_gone);
    ES_RUN(test_size_limits);
    ES_RUN(test_skipped);
    ES_RUN(test_transient_get_failure_is_retry);
    ES_RUN(test_corrupted_get_is_retry);
    ES_RUN(test_corrupted_get_aborts_multipart);
    ES_RUN(test_refusal_of_damaged_bytes_not_kept);
    ES_RUN(test_transient_put_failure_is_retry);
    ES_RUN(test_failed_write_names_its_own_request);
    ES_RUN(test_dlq_failure_keeps_message);
    ES_RUN(test_bad_event_and_test_event);
    ES_RUN(test_bad_etag_refused_not_retried);
    ES_RUN(test_records_settled_one_by_one);
    ES_RUN(test_multi_record_partial_failure);
    ES_RUN(test_cancel_flag);
    ES_RUN(test_slow_answer_ends_at_the_age_limit);
    ES_RUN(test_answer_of_another_length_is_retried);
    ES_RUN(test_missing_dest_bucket_is_not_a_race);
    return es_test_finish();
}
