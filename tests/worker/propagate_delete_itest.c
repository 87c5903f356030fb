/* propagate_delete_itest.c - delete propagation against the emulator, with
 * the emulator's own ObjectCreated / ObjectRemoved notifications where the
 * order matters and hand-made events for versioned buckets: on, the copy
 * made from the deleted source goes; off, the removal is skipped as before;
 * a copy of a re-upload newer than the removal, a missing key, a copy
 * written by someone else (kept, warned in the log) and a copy replaced
 * between the HEAD and the conditional DELETE all stay; a copy that keeps
 * changing leaves the removal for redelivery, as does a DELETE whose
 * connection drops (naming no request id, not its HEAD's); a late creation of a version
 * hidden by a delete marker is not published again, nor a creation whose
 * source was deleted (or its version hidden) and the removal propagated
 * while it was in flight; a removal that finds B's key absent on its first
 * receive, or on a later one within half a visibility timeout of it (a
 * message given back unjudged), is looked at again on redelivery (a new key's write
 * may be in flight); a copy that recorded no sequencer (backfill's) is judged by A: it
 * goes when A no longer holds its source, stays while it is a copy of A's
 * current object; so does a copy recording an older sequencer than the
 * removal while A holds the same bytes again. */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../harness/test.h"
#include "../support/aws_itest.h"
#include "../support/fixture.h"
#include "../support/log_capture.h"
#include "../support/s3_admin.h"
#include "../support/worker_fixture.h"
#include "worker/job.h"

static es_wfix s_w;
static es_job_env s_env;

/* Creates the buckets and the event queue, the source's notifications (both
 * kinds) and a configuration with EXIFSTRIP_PROPAGATE_DELETES = propagate. */
static bool s_setup(bool propagate)
{
    if (!es_itest_endpoint() || es_wfix_setup(&s_w, 1) != 0)
        return false;
    s_w.cfg.propagate_deletes = propagate;
    s_env = (es_job_env){.cfg = &s_w.cfg, .s3 = s_w.s3, .sqs = s_w.sqs};
    char arn[256];
    es_aws_result res;
    es_aws_result_clear(&res);
    if (es_sqs_get_attribute(s_w.sqs, s_w.queue_url, "QueueArn", arn, sizeof arn, &res) != ES_OK ||
        es_s3_put_bucket_notification(s_w.s3, s_w.src, arn, "s3:ObjectCreated:*,s3:ObjectRemoved:*", NULL,
                                      NULL, &res) != ES_OK)
        return false;
    es_logcap_start();
    return true;
}

static void s_teardown(void)
{
    es_logcap_stop();
    es_wfix_teardown(&s_w);
}

#define SETUP(propagate)                                                               \
    do {                                                                               \
        REQUIRE(es_itest_endpoint() != NULL && "ES_TEST_ENDPOINT names the emulator"); \
        REQUIRE(s_setup(propagate));                                                   \
    } while (0)

static uint8_t *s_jpeg(size_t *len, unsigned seed)
{
    es_fixture_opts o = {.exif = true, .exif_gps = true, .comment = true, .seed = seed};
    uint8_t *j = NULL;
    return es_fixture_make(&o, &j, len) == 0 ? j : NULL;
}

static bool s_put_source(const char *key, unsigned seed)
{
    size_t len = 0;
    uint8_t *jpeg = s_jpeg(&len, seed);
    bool ok = jpeg && es_wfix_put(&s_w, s_w.src, key, jpeg, len) == ES_OK;
    free(jpeg);
    return ok;
}

static bool s_delete_source(const char *key)
{
    es_aws_result res;
    es_aws_result_clear(&res);
    return es_s3_delete_object(s_w.s3, s_w.src, key, &res) == ES_OK;
}

/* The next notification on the event queue that is not s3:TestEvent (malloc'd), or NULL. */
static char *s_next_event(void)
{
    for (int i = 0; i < 4; i++) {
        char *body = es_wfix_receive_body(&s_w, s_w.queue_url, 2);
        if (!body || !strstr(body, "s3:TestEvent"))
            return body;
        free(body);
    }
    return NULL;
}

/* Runs body through the job as a message received receive_count times;
 * returns the per-outcome counts. The message must be settled unless it
 * has a record to retry. */
/* When >= 0: the next messages were first received this long ago (SQS's
 * ApproximateFirstReceiveTimestamp); -1: SQS did not say. */
static long long s_since_first_receive_ms = -1;

static es_job_counts s_run_received(const char *body, int receive_count)
{
    es_job_counts counts;
    memset(&counts, 0, sizeof counts);
    es_job_message msg = {.message_id = "msg-del",
                          .body = body,
                          .body_len = strlen(body),
                          .receive_count = receive_count,
                          .has_first_receive = s_since_first_receive_ms >= 0,
                          .since_first_receive_ms = s_since_first_receive_ms >= 0
                                                        ? (uint64_t)s_since_first_receive_ms
                                                        : 0};
    bool settled = es_job_run_message(&s_env, &msg, &counts);
    if (settled != (counts.n[ES_JOB_RETRY] == 0))
        es_test_fail(__FILE__, __LINE__, "settled=%d with %u retries: %s", settled, counts.n[ES_JOB_RETRY],
                     es_logcap_text());
    return counts;
}

/* Runs body as a message received for the first time. */
static es_job_counts s_run(const char *body) { return s_run_received(body, 1); }

/* Receives and runs the next notification; false when none came. */
static bool s_run_next(es_job_counts *counts)
{
    char *body = s_next_event();
    if (!body)
        return false;
    *counts = s_run(body);
    free(body);
    return true;
}

/* Uploads a photo to A and runs the emulator's ObjectCreated event for it:
 * true when it was stripped into B. */
static bool s_upload_and_strip(const char *key, unsigned seed)
{
    es_job_counts c;
    return s_put_source(key, seed) && s_run_next(&c) && c.n[ES_JOB_STRIPPED] == 1;
}

/* Uploads a photo to A and drops the emulator's event for it (the test
 * publishes it with a hand-made event instead). */
static bool s_upload_only(const char *key)
{
    if (!s_put_source(key, 1))
        return false;
    free(s_next_event());
    return true;
}

static bool s_in_dest(const char *key, es_s3_object_info *info)
{
    es_s3_object_info scratch;
    es_aws_result res;
    es_aws_result_clear(&res);
    return es_s3_head_object(s_w.s3, s_w.dst, key, info ? info : &scratch, &res) == ES_OK;
}

/* Runs the message body printf-formatted from fmt. */
static es_job_counts s_run_formatted(const char *fmt, ...) ES_PRINTF(1, 2);
static es_job_counts s_run_formatted(const char *fmt, ...)
{
    char body[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(body, sizeof body, fmt, ap);
    va_end(ap);
    return s_run(body);
}

/* A hand-made S3 notification with one record in bucket (version and sequencer may be ""). */
static char *s_event(const char *bucket, const char *name, const char *key, const char *version,
                     const char *sequencer)
{
    size_t n = 1024 + strlen(key) + strlen(version) + strlen(sequencer);
    char *out = malloc(n);
    if (out)
        snprintf(out, n,
                 "{\"Records\":[{\"eventVersion\":\"2.1\",\"eventSource\":\"aws:s3\",\"eventName\":"
                 "\"%s\",\"s3\":{\"bucket\":{\"name\":\"%s\"},\"object\":{\"key\":\"%s\"%s%s%s%s%s%"
                 "s}}}]}",
                 name, bucket, key, version[0] ? ",\"versionId\":\"" : "", version, version[0] ? "\"" : "",
                 sequencer[0] ? ",\"sequencer\":\"" : "", sequencer, sequencer[0] ? "\"" : "");
    return out;
}

/* Runs a hand-made event in bucket as a message received receive_count times. */
static es_job_counts s_run_event_in(const char *bucket, const char *name, const char *key,
                                    const char *version, const char *sequencer, int receive_count)
{
    char *body = s_event(bucket, name, key, version, sequencer);
    es_job_counts counts;
    memset(&counts, 0, sizeof counts);
    if (body)
        counts = s_run_received(body, receive_count);
    else
        es_test_fail(__FILE__, __LINE__, "out of memory");
    free(body);
    return counts;
}

static es_job_counts s_run_event_received(const char *name, const char *key, const char *version,
                                          const char *sequencer, int receive_count)
{
    return s_run_event_in(s_w.src, name, key, version, sequencer, receive_count);
}

static es_job_counts s_run_event(const char *name, const char *key, const char *version, const char *sequencer)
{
    return s_run_event_received(name, key, version, sequencer, 1);
}

/* Strips the source's current object into B as if announced by a creation
 * event with this version id and sequencer. */
static bool s_publish(const char *key, const char *version, const char *sequencer)
{
    es_job_counts c = s_run_event("ObjectCreated:Put", key, version, sequencer);
    return c.n[ES_JOB_STRIPPED] == 1;
}

static void test_delete_removes_the_copy_of_that_source(void)
{
    SETUP(true);
    REQUIRE(s_upload_and_strip("in/a photo.jpg", 1));
    es_job_counts c;
    CHECK(s_in_dest("in/a photo.jpg", NULL));
    REQUIRE(s_delete_source("in/a photo.jpg"));
    long seq = es_wfix_last_seq();
    REQUIRE(s_run_next(&c)); /* the emulator's ObjectRemoved:Delete */
    CHECK_INT_EQ(c.n[ES_JOB_DELETED], 1);
    CHECK(!s_in_dest("in/a photo.jpg", NULL));
    CHECK_INT_EQ(es_wfix_count(seq, "DeleteObject", "in/a photo.jpg"), 1);
    CHECK_STR_CONTAINS(es_logcap_text(), "\"event\":\"job.deleted\"");
    /* a re-delivery of the removal finds nothing left to delete */
    es_job_counts again = s_run_event_received("ObjectRemoved:Delete", "in/a+photo.jpg", "", "FF", 2);
    CHECK_INT_EQ(again.n[ES_JOB_SKIPPED], 1);
    CHECK_STR_CONTAINS(es_logcap_text(), "has no copy of this key");
    s_teardown();
}

/* The removal is processed after the re-upload that followed it: the copy
 * of the re-upload stays. */
static void test_copy_of_a_newer_upload_is_kept(void)
{
    SETUP(true);
    REQUIRE(s_upload_and_strip("b.jpg", 1));
    REQUIRE(s_delete_source("b.jpg"));
    char *removal = s_next_event();
    REQUIRE(removal != NULL);
    CHECK_STR_CONTAINS(removal, "ObjectRemoved:Delete");
    REQUIRE(s_upload_and_strip("b.jpg", 2)); /* the re-upload overtakes the removal */
    es_s3_object_info before;
    REQUIRE(s_in_dest("b.jpg", &before));
    long seq = es_wfix_last_seq();
    es_job_counts c = s_run(removal);
    free(removal);
    CHECK_INT_EQ(c.n[ES_JOB_SKIPPED], 1);
    CHECK_INT_EQ(c.n[ES_JOB_DELETED], 0);
    es_s3_object_info after;
    REQUIRE(s_in_dest("b.jpg", &after));
    CHECK_STR_EQ(after.etag, before.etag);
    CHECK_INT_EQ(es_wfix_count(seq, "DeleteObject", "b.jpg"), 0);
    CHECK_STR_CONTAINS(es_logcap_text(), "holds a copy of a newer source");
    s_teardown();
}

/* A removal whose sequencer is newer than the copy's record, processed after
 * the same bytes were uploaded again (that upload's event not run yet, or its
 * write overtaken by a late write of the earlier upload: B's ETag, the
 * stripped bytes' MD5, is the same, so B may record the older sequencer):
 * A holds the bytes the copy was made from, so the copy stays. Other bytes
 * uploaded instead: the copy goes (that upload's event writes its own). */
static void test_copy_of_bytes_uploaded_again_is_kept(void)
{
    SETUP(true);
    REQUIRE(s_upload_and_strip("aba.jpg", 3));
    REQUIRE(s_delete_source("aba.jpg"));
    char *removal = s_next_event();
    REQUIRE(removal != NULL);
    REQUIRE(s_put_source("aba.jpg", 3)); /* the same bytes again; its event waits */
    long seq = es_wfix_last_seq();
    es_job_counts c = s_run(removal);
    free(removal);
    CHECK_INT_EQ(c.n[ES_JOB_SKIPPED], 1);
    CHECK(s_in_dest("aba.jpg", NULL));
    CHECK_INT_EQ(es_wfix_count(seq, "DeleteObject", "aba.jpg"), 0);
    CHECK_STR_CONTAINS(es_logcap_text(), "holds a copy of the bytes bucket A holds again under this key");
    free(s_next_event());

    REQUIRE(s_upload_and_strip("abc.jpg", 4));
    REQUIRE(s_delete_source("abc.jpg"));
    removal = s_next_event();
    REQUIRE(removal != NULL);
    REQUIRE(s_put_source("abc.jpg", 5)); /* other bytes */
    c = s_run(removal);
    free(removal);
    CHECK_INT_EQ(c.n[ES_JOB_DELETED], 1);
    CHECK(!s_in_dest("abc.jpg", NULL));
    free(s_next_event());
    s_teardown();
}

/* Copies B as `exifstrip backfill` does: from the listing's ETag, no event,
 * so the copy records no sequencer. */
static bool s_backfill(const char *key)
{
    es_s3_object_info info;
    es_aws_result ar;
    es_aws_result_clear(&ar);
    if (es_s3_head_object(s_w.s3, s_w.src, key, &info, &ar) != ES_OK)
        return false;
    es_job_object obj = {.bucket = s_w.src, .key = key, .size = info.content_length, .has_size = true};
    size_t n = strlen(info.etag);
    snprintf(obj.source.etag, sizeof obj.source.etag, "%.*s", n >= 2 ? (int)n - 2 : 0, info.etag + 1);
    es_job_result res;
    es_job_run_object(&s_env, &obj, NULL, &res);
    es_s3_object_info copy;
    return res.outcome == ES_JOB_STRIPPED && s_in_dest(key, &copy) && !copy.source.sequencer[0] &&
           !strcmp(copy.source.etag, obj.source.etag);
}

/* A removal cannot be ordered against a backfilled copy by sequencers: A
 * decides. Deleted from A (the emulator's own removal event), or replaced
 * there by another object: the copy goes. A removal while A still holds the
 * copy's source (an older removal, or the same bytes uploaded again): it
 * stays. A failed HEAD of A leaves the removal for redelivery. */
static void test_backfilled_copy_judged_by_the_source(void)
{
    SETUP(true);
    REQUIRE(s_upload_only("bf/gone.jpg") && s_backfill("bf/gone.jpg"));
    REQUIRE(s_delete_source("bf/gone.jpg"));
    long seq = es_wfix_last_seq();
    es_job_counts c;
    REQUIRE(s_run_next(&c)); /* the emulator's ObjectRemoved:Delete, with a sequencer */
    CHECK_INT_EQ(c.n[ES_JOB_DELETED], 1);
    CHECK(!s_in_dest("bf/gone.jpg", NULL));
    CHECK_INT_EQ(es_wfix_count(seq, "DeleteObject", "bf/gone.jpg"), 1);
    CHECK_STR_CONTAINS(es_logcap_text(), "deleted the copy made from an object bucket A no longer holds");

    REQUIRE(s_upload_only("bf/kept.jpg") && s_backfill("bf/kept.jpg"));
    es_logcap_clear();
    seq = es_wfix_last_seq();
    c = s_run_event("ObjectRemoved:Delete", "bf/kept.jpg", "", "01");
    CHECK_INT_EQ(c.n[ES_JOB_SKIPPED], 1);
    CHECK(s_in_dest("bf/kept.jpg", NULL));
    CHECK_INT_EQ(es_wfix_count(seq, "DeleteObject", "bf/kept.jpg"), 0);
    CHECK_STR_CONTAINS(es_logcap_text(), "holds a copy of the source's current object");
    CHECK(strstr(es_logcap_text(), "\"level\":\"warn\"") == NULL);

    REQUIRE(es_itest_s3_fault("HeadObject", s_w.src, "bf/kept.jpg", "\"status\":500,\"times\":50") == 0);
    c = s_run_event("ObjectRemoved:Delete", "bf/kept.jpg", "", "01");
    es_itest_clear_faults();
    CHECK_INT_EQ(c.n[ES_JOB_RETRY], 1);
    CHECK(s_in_dest("bf/kept.jpg", NULL));
    CHECK_STR_CONTAINS(es_logcap_text(), "HEAD in bucket");

    REQUIRE(s_put_source("bf/kept.jpg", 7)); /* another object under the key: its event is not run */
    free(s_next_event());
    c = s_run_event("ObjectRemoved:Delete", "bf/kept.jpg", "", "01");
    CHECK_INT_EQ(c.n[ES_JOB_DELETED], 1);
    CHECK(!s_in_dest("bf/kept.jpg", NULL));
    s_teardown();
}

static void test_off_skips_removals_as_before(void)
{
    SETUP(false);
    REQUIRE(s_upload_and_strip("c.jpg", 1));
    es_job_counts c;
    REQUIRE(s_delete_source("c.jpg"));
    long seq = es_wfix_last_seq();
    REQUIRE(s_run_next(&c));
    CHECK_INT_EQ(c.n[ES_JOB_SKIPPED], 1);
    CHECK(s_in_dest("c.jpg", NULL));
    CHECK_INT_EQ(es_wfix_count(seq, "HeadObject", "c.jpg"), 1); /* only the check above */
    CHECK_INT_EQ(es_wfix_count(seq, "DeleteObject", "c.jpg"), 0);
    /* at warn level: bucket A sends removals, which this worker drops */
    CHECK_STR_CONTAINS(es_logcap_text(), "\"level\":\"warn\",\"event\":\"job.skipped\"");
    CHECK_STR_CONTAINS(es_logcap_text(),
                       "event \\\"ObjectRemoved:Delete\\\" is a removal, and delete propagation is off here");
    /* a malformed removal is skipped too, not refused */
    c = s_run_event("ObjectRemoved:Delete", "bad%ZZ.jpg", "", "0A");
    CHECK_INT_EQ(c.n[ES_JOB_SKIPPED], 1);
    char *report = es_wfix_receive_body(&s_w, s_w.dlq_url, 0);
    CHECK(report == NULL);
    free(report);
    s_teardown();
}

static void test_missing_foreign_and_filtered_keys(void)
{
    SETUP(true);
    long seq = es_wfix_last_seq();
    /* a key B does not hold is looked at again once (its creation's write
     * may be in flight), logged at info level, then settled */
    es_job_counts c = s_run_event("ObjectRemoved:Delete", "never.jpg", "", "0A");
    CHECK_INT_EQ(c.n[ES_JOB_RETRY], 1);
    CHECK_INT_EQ(c.recheck, 1);
    CHECK_STR_CONTAINS(es_logcap_text(), "has no copy of this key yet: looked at again on redelivery");
    CHECK_STR_CONTAINS(es_logcap_text(), "\"recheck\":true");
    CHECK(strstr(es_logcap_text(), "\"level\":\"warn\"") == NULL);
    /* given back unjudged (its worker stopping): it comes back at once with a
     * higher count, still within a visibility timeout of its first receive */
    s_since_first_receive_ms = 2000;
    c = s_run_event_received("ObjectRemoved:Delete", "never.jpg", "", "0A", 2);
    CHECK_INT_EQ(c.recheck, 1);
    CHECK_INT_EQ(c.n[ES_JOB_SKIPPED], 0);
    s_since_first_receive_ms = (long long)s_w.cfg.visibility_timeout * 500; /* half: SQS's clock may lead */
    c = s_run_event_received("ObjectRemoved:Delete", "never.jpg", "", "0A", 2);
    s_since_first_receive_ms = -1;
    CHECK_INT_EQ(c.n[ES_JOB_SKIPPED], 1);
    CHECK_INT_EQ(c.n[ES_JOB_RETRY] + c.n[ES_JOB_REFUSED] + c.recheck, 0);
    CHECK_STR_CONTAINS(es_logcap_text(), "has no copy of this key: nothing to delete");
    c = s_run_event_received("ObjectRemoved:Delete", "never.jpg", "", "0A", 2); /* SQS did not say */
    CHECK_INT_EQ(c.n[ES_JOB_SKIPPED], 1);
    CHECK_INT_EQ(es_wfix_count(seq, "DeleteObject", "never.jpg"), 0);

    static const uint8_t other[] = "someone else's file";
    REQUIRE(es_wfix_put(&s_w, s_w.dst, "theirs.jpg", other, sizeof other) == ES_OK);
    es_logcap_clear();
    c = s_run_event("ObjectRemoved:Delete", "theirs.jpg", "", "0A");
    CHECK_INT_EQ(c.n[ES_JOB_SKIPPED], 1);
    CHECK(s_in_dest("theirs.jpg", NULL));
    CHECK_STR_CONTAINS(es_logcap_text(), "\"level\":\"warn\"");
    CHECK_STR_CONTAINS(es_logcap_text(), "written by something else");
    CHECK_STR_CONTAINS(es_logcap_text(), "\"key\":\"theirs.jpg\"");

    /* keys without a configured suffix and other buckets are not looked at */
    seq = es_wfix_last_seq();
    c = s_run_event("ObjectRemoved:Delete", "notes.txt", "", "0A");
    CHECK_INT_EQ(c.n[ES_JOB_SKIPPED], 1);
    /* by key: another process's long poll may end meanwhile */
    CHECK_INT_EQ(es_wfix_count(seq, NULL, "notes.txt"), 0);

    /* on, a malformed removal is refused with a report */
    c = s_run_event("ObjectRemoved:Delete", "bad%ZZ.jpg", "", "0A");
    CHECK_INT_EQ(c.n[ES_JOB_REFUSED], 1);
    char *report = es_wfix_receive_body(&s_w, s_w.dlq_url, 2);
    REQUIRE(report != NULL);
    CHECK_STR_CONTAINS(report, "bad percent escape");
    free(report);
    s_teardown();
}

/* Versioned source buckets: a permanently deleted version removes only the
 * copy of that version; a delete marker is ordered by its sequencer; the
 * same through EventBridge (and SNS). */
static void test_versioned_source(void)
{
    SETUP(true);
    REQUIRE(s_upload_only("v.jpg"));
    REQUIRE(s_publish("v.jpg", "v1", "0A"));
    es_job_counts c = s_run_event("ObjectRemoved:Delete", "v.jpg", "v0", "0F");
    CHECK_INT_EQ(c.n[ES_JOB_SKIPPED], 1);
    CHECK_STR_CONTAINS(es_logcap_text(), "not of the deleted version");
    c = s_run_event("ObjectRemoved:DeleteMarkerCreated", "v.jpg", "marker-1", "05");
    CHECK_INT_EQ(c.n[ES_JOB_SKIPPED], 1);
    CHECK(s_in_dest("v.jpg", NULL));
    c = s_run_event("ObjectRemoved:Delete", "v.jpg", "v1", "10");
    CHECK_INT_EQ(c.n[ES_JOB_DELETED], 1);
    CHECK(!s_in_dest("v.jpg", NULL));

    REQUIRE(s_publish("v.jpg", "v2", "20"));
    c = s_run_event("ObjectRemoved:DeleteMarkerCreated", "v.jpg", "marker-2", "21");
    CHECK_INT_EQ(c.n[ES_JOB_DELETED], 1);
    CHECK(!s_in_dest("v.jpg", NULL));

    /* EventBridge's "Object Deleted", wrapped in SNS: an older delete marker
     * keeps the copy, the permanent delete of its version removes it */
    REQUIRE(s_publish("v.jpg", "v3", "30"));
    c = s_run_formatted("{\"Type\":\"Notification\",\"Message\":\"{\\\"source\\\":\\\"aws.s3\\\",\\\"detail-"
                        "type\\\":"
                        "\\\"Object Deleted\\\",\\\"detail\\\":{\\\"bucket\\\":{\\\"name\\\":\\\"%s\\\"},"
                        "\\\"object\\\":{\\\"key\\\":\\\"v.jpg\\\",\\\"version-id\\\":\\\"m3\\\","
                        "\\\"sequencer\\\":\\\"2f\\\"},\\\"deletion-type\\\":\\\"Delete Marker Created\\\"}}\"}",
                        s_w.src);
    CHECK_INT_EQ(c.n[ES_JOB_SKIPPED], 1);
    CHECK(s_in_dest("v.jpg", NULL));
    c = s_run_formatted("{\"source\":\"aws.s3\",\"detail-type\":\"Object "
                        "Deleted\",\"detail\":{\"bucket\":{\"name\":"
                        "\"%s\"},\"object\":{\"key\":\"v.jpg\",\"version-id\":\"v3\",\"sequencer\":\"31\"},"
                        "\"deletion-type\":\"Permanently Deleted\"}}",
                        s_w.src);
    CHECK_INT_EQ(c.n[ES_JOB_DELETED], 1);
    CHECK(!s_in_dest("v.jpg", NULL));
    s_teardown();
}

/* A creation that arrives after a delete marker hid its version does not
 * publish it again (the emulator has no versioning: a fault rule answers
 * the HEAD of the source's current version with 404, as S3 does for a
 * delete marker); off, the source is not HEADed at all. */
static void test_late_creation_of_a_hidden_version_is_not_published(void)
{
    SETUP(true);
    REQUIRE(s_upload_only("late.jpg"));
    char rule[512];
    snprintf(rule, sizeof rule,
             "{\"service\":\"s3\",\"action\":\"HeadObject\",\"bucket\":\"%s\",\"key\":\"late.jpg\","
             "\"status\":404,\"code\":\"NoSuchKey\",\"times\":1}",
             s_w.src);
    REQUIRE(es_itest_fault(rule) == 0);
    long seq = es_wfix_last_seq();
    es_job_counts c = s_run_event("ObjectCreated:Put", "late.jpg", "v1", "0A");
    CHECK_INT_EQ(c.n[ES_JOB_GONE], 1);
    CHECK(!s_in_dest("late.jpg", NULL));
    CHECK_INT_EQ(es_wfix_count(seq, "GetObject", "late.jpg"), 0);
    CHECK_STR_CONTAINS(es_logcap_text(), "current version is a delete marker");
    /* once a version is current again, it is published */
    REQUIRE(s_publish("late.jpg", "v1", "0A"));
    CHECK(s_in_dest("late.jpg", NULL));
    s_teardown();

    SETUP(false);
    REQUIRE(s_upload_only("late.jpg"));
    seq = es_wfix_last_seq();
    REQUIRE(s_publish("late.jpg", "v1", "0A"));
    CHECK_INT_EQ(es_wfix_count(seq, "HeadObject", "late.jpg"), 1); /* B's only, not A's */
    s_teardown();
}

/* Publishes key into B from a creation with sequencer 0A, then sets a fault
 * rule (its JSON members `fault`) on B's DeleteObject of the key. */
static bool s_published_with_delete_fault(const char *key, const char *fault)
{
    char rule[512];
    snprintf(rule, sizeof rule,
             "{\"service\":\"s3\",\"action\":\"DeleteObject\",\"bucket\":\"%s\",\"key\":\"%s\",%s}", s_w.dst,
             key, fault);
    return s_upload_only(key) && s_publish(key, "", "0A") && es_itest_fault(rule) == 0;
}

/* A job run in the background on an event body. */
typedef struct s_bg {
    pthread_t thread;
    const char *body;
    char *created; /* the body, when s_start_creation_with_slow_write made it */
    es_job_counts counts;
} s_bg;

static void *s_bg_run(void *arg)
{
    s_bg *bg = arg;
    bg->counts = s_run(bg->body);
    return NULL;
}

/* B holds the copy of key's v0 (sequencer 0A); the creation event of
 * `version` (`sequencer`) runs in the background, and once this returns its
 * PutObject to B is waiting 1.5 s in the emulator. bg->created is the event
 * body to free after the join. */
static bool s_start_creation_with_slow_write(const char *key, const char *version, const char *sequencer,
                                             s_bg *bg)
{
    if (!s_upload_only(key) || !s_publish(key, "v0", "0A") ||
        es_itest_s3_fault("PutObject", s_w.dst, key, "\"delay_ms\":1500,\"times\":1") != 0)
        return false;
    bg->created = s_event(s_w.src, "ObjectCreated:Put", key, version, sequencer);
    bg->body = bg->created;
    if (!bg->created || pthread_create(&bg->thread, NULL, s_bg_run, bg) != 0)
        return false;
    usleep(600 * 1000); /* the creation's GET is done, its PutObject waits */
    return true;
}

/* A newer copy written between the HEAD and the DELETE survives: the
 * DELETE is conditional on the ETag the HEAD saw (delayed here by a fault
 * rule so the write lands in between), and the copy is judged again. */
static void test_copy_written_during_the_delete_survives(void)
{
    SETUP(true);
    REQUIRE(s_published_with_delete_fault("race.jpg", "\"delay_ms\":800,\"times\":1"));
    long seq = es_wfix_last_seq();
    char *removal = s_event(s_w.src, "ObjectRemoved:Delete", "race.jpg", "", "0B");
    REQUIRE(removal != NULL);
    s_bg bg = {.body = removal};
    REQUIRE(pthread_create(&bg.thread, NULL, s_bg_run, &bg) == 0);
    usleep(300 * 1000); /* the HEAD is done, the DELETE waits in the emulator */
    static const uint8_t newer[] = "a newer copy";
    es_s3_source_id src = {.etag = "e2", .sequencer = "0C"};
    es_s3_write_options wopt = {.source = &src};
    es_aws_result res;
    es_aws_result_clear(&res);
    CHECK_OK(es_s3_put_object_with(s_w.s3, s_w.dst, "race.jpg", newer, sizeof newer, "image/jpeg", &wopt, &res));
    pthread_join(bg.thread, NULL);
    free(removal);
    CHECK_INT_EQ(bg.counts.n[ES_JOB_SKIPPED], 1);
    CHECK_INT_EQ(bg.counts.n[ES_JOB_DELETED], 0);
    uint8_t *got = NULL;
    size_t got_len = 0;
    REQUIRE(es_wfix_get(&s_w, s_w.dst, "race.jpg", &got, &got_len, NULL) == ES_OK);
    CHECK_MEM_EQ(got, got_len, newer, sizeof newer);
    free(got);
    CHECK_INT_EQ(es_wfix_count(seq, "DeleteObject", "race.jpg"), 1); /* answered 412 */
    CHECK_INT_EQ(es_wfix_count(seq, "HeadObject", "race.jpg"), 2);   /* judged again */
    CHECK_STR_CONTAINS(es_logcap_text(), "holds a copy of a newer source");
    s_teardown();
}

/* A copy that keeps changing under the conditional DELETE (412 each time)
 * is judged 3 times, then the record is left for redelivery, the copy kept. */
static void test_lost_races_leave_the_removal_for_redelivery(void)
{
    SETUP(true);
    REQUIRE(s_published_with_delete_fault("busy.jpg",
                                          "\"status\":412,\"code\":\"PreconditionFailed\",\"times\":3"));
    long seq = es_wfix_last_seq();
    es_job_counts c = s_run_event("ObjectRemoved:Delete", "busy.jpg", "", "0B");
    CHECK_INT_EQ(c.n[ES_JOB_RETRY], 1);
    CHECK(s_in_dest("busy.jpg", NULL));
    CHECK_INT_EQ(es_wfix_count(seq, "HeadObject", "busy.jpg"), 3 + 1); /* + the check above */
    CHECK_INT_EQ(es_wfix_count(seq, "DeleteObject", "busy.jpg"), 3);
    CHECK_STR_CONTAINS(es_logcap_text(), "left for redelivery after 3 conditional deletes");
    /* redelivered once the races are over: the copy goes */
    c = s_run_event("ObjectRemoved:Delete", "busy.jpg", "", "0B");
    CHECK_INT_EQ(c.n[ES_JOB_DELETED], 1);
    s_teardown();
}

/* A conditional DELETE whose connection drops every time: the removal is
 * retried, and its job.retry line names no request id (the DELETE got no
 * answer), not the HEAD's that went before it. */
static void test_dropped_delete_names_no_request(void)
{
    SETUP(true);
    REQUIRE(s_published_with_delete_fault("dropped.jpg", "\"reset\":true"));
    long seq = es_wfix_last_seq();
    es_job_counts c = s_run_event("ObjectRemoved:Delete", "dropped.jpg", "", "0B");
    es_itest_clear_faults();
    CHECK_INT_EQ(c.n[ES_JOB_RETRY], 1);
    CHECK(es_wfix_count(seq, "DeleteObject", "dropped.jpg") > 0);
    CHECK_INT_EQ(es_wfix_count(seq, "HeadObject", "dropped.jpg"), 1);
    char head_id[128];
    es_wfix_last_field(seq, "HeadObject", "dropped.jpg", "request_id", head_id, sizeof head_id);
    REQUIRE(head_id[0] != '\0');
    CHECK(s_in_dest("dropped.jpg", NULL));
    const char *line = strstr(es_logcap_text(), "\"event\":\"job.retry\"");
    REQUIRE(line != NULL);
    const char *end = strchr(line, '\n');
    size_t n = end ? (size_t)(end - line) : strlen(line);
    CHECK(!memmem(line, n, "request_id", 10));
    CHECK(!memmem(line, n, head_id, strlen(head_id)));
    CHECK(memmem(line, n, "DELETE in bucket", 16) != NULL);
    s_teardown();
}

/* A delete is not undone by the creation it followed: B holds the copy of
 * v0, v1 is uploaded and deleted at once, and the removal (propagated) takes
 * B's copy away while v1's job is in flight, its request to B (`action`:
 * the PutObject, or the HEAD that orders it) held back by a fault rule.
 * v1's job must settle as gone and leave B empty, as A is: it HEADs B
 * before writing with deletes propagated (no If-None-Match: * write that
 * the emptied key would accept) and, after its write lost, reads A again
 * rather than resending what it stripped. */
static void s_check_delete_not_undone(const char *key, const char *action)
{
    REQUIRE(s_upload_and_strip(key, 1)); /* B holds the copy of v0 */
    REQUIRE(s_put_source(key, 2));       /* v1 */
    char *created = s_next_event();
    REQUIRE(created != NULL);
    REQUIRE(es_itest_s3_fault(action, s_w.dst, key, "\"delay_ms\":1500,\"times\":1") == 0);
    s_bg bg = {.body = created};
    REQUIRE(pthread_create(&bg.thread, NULL, s_bg_run, &bg) == 0);
    usleep(600 * 1000); /* v1's request to B waits in the emulator */
    REQUIRE(s_delete_source(key));
    es_job_counts removal;
    memset(&removal, 0, sizeof removal);
    bool removal_ran = s_run_next(&removal);
    pthread_join(bg.thread, NULL);
    es_itest_clear_faults();
    CHECK(removal_ran);
    CHECK_INT_EQ(removal.n[ES_JOB_DELETED], 1);
    CHECK_INT_EQ(bg.counts.n[ES_JOB_GONE], 1);
    CHECK_INT_EQ(bg.counts.n[ES_JOB_STRIPPED], 0);
    CHECK(!s_in_dest(key, NULL));
    free(created);
}

static void test_delete_not_undone_by_the_creation_it_followed(void)
{
    SETUP(true);
    s_check_delete_not_undone("raced-put.jpg", "PutObject");
    s_check_delete_not_undone("raced-head.jpg", "HeadObject");
    s_teardown();
}

/* The same in a versioned bucket: v1's write to B waits in the emulator
 * while a delete marker hides v1 (a fault rule answers the HEAD of A's
 * current version with 404, as S3 does) and the removal takes B's copy of
 * v0; the lost write must not be followed by a GET pinned to v1's version
 * id (which would still find it) and a write: A's current version is HEADed
 * again, and the creation is gone. */
static void test_hidden_version_not_published_after_a_lost_write(void)
{
    SETUP(true);
    s_bg bg = {0};
    REQUIRE(s_start_creation_with_slow_write("vraced.jpg", "v1", "0B", &bg));
    int marker = es_itest_s3_fault("HeadObject", s_w.src, "vraced.jpg",
                                   "\"status\":404,\"code\":\"NoSuchKey\",\"times\":1");
    es_job_counts removal = s_run_event("ObjectRemoved:DeleteMarkerCreated", "vraced.jpg", "m1", "0C");
    pthread_join(bg.thread, NULL);
    es_itest_clear_faults();
    CHECK_INT_EQ(marker, 0);
    CHECK_INT_EQ(removal.n[ES_JOB_DELETED], 1);
    CHECK_INT_EQ(bg.counts.n[ES_JOB_GONE], 1);
    CHECK(!s_in_dest("vraced.jpg", NULL));
    CHECK_STR_CONTAINS(es_logcap_text(), "current version is a delete marker");
    free(bg.created);
    s_teardown();
}

/* A permanently deleted version is not published by a resend.
 * B holds the copy of v0 (sequencer 0A); v1's (0C) PutObject waits in the
 * emulator while an older event's writer puts v0.5's copy (0B) into B and v1
 * is permanently deleted (its removal, judged by version id, keeps v0.5's
 * copy: another version). v1's write then loses (412), the re-check orders
 * v1 after v0.5 by sequencers and the kept body is resent without reading A
 * again: B ends with the copy of a version that no longer exists. A GET
 * pinned to v1 (answered 404 NoSuchVersion here, as S3 does) would settle
 * the creation as gone. */
static void test_permanently_deleted_version_not_resent(void)
{
    SETUP(true);
    s_bg bg = {0};
    REQUIRE(s_start_creation_with_slow_write("perm.jpg", "v1", "0C", &bg));
    static const uint8_t older[] = "the copy of v0.5";
    es_s3_source_id src = {.etag = "e05", .version_id = "v0.5", .sequencer = "0B"};
    es_s3_write_options wopt = {.source = &src};
    es_aws_result res;
    es_aws_result_clear(&res);
    CHECK_OK(es_s3_put_object_with(s_w.s3, s_w.dst, "perm.jpg", older, sizeof older, "image/jpeg", &wopt, &res));
    /* v1 permanently deleted: its GET by version id now 404s */
    CHECK_INT_EQ(es_itest_s3_fault("GetObject", s_w.src, "perm.jpg",
                                   "\"status\":404,\"code\":\"NoSuchVersion\",\"times\":5"),
                 0);
    es_job_counts removal = s_run_event("ObjectRemoved:Delete", "perm.jpg", "v1", "0D");
    CHECK_INT_EQ(removal.n[ES_JOB_SKIPPED], 1); /* B holds v0.5's copy: another version */
    pthread_join(bg.thread, NULL);
    es_itest_clear_faults();
    es_s3_object_info info;
    REQUIRE(s_in_dest("perm.jpg", &info));
    CHECK_STR_EQ(info.source.version_id, "v0.5"); /* not v1's copy */
    CHECK_INT_EQ(bg.counts.n[ES_JOB_STRIPPED], 0);
    CHECK_INT_EQ(bg.counts.n[ES_JOB_GONE], 1);
    free(bg.created);
    s_teardown();
}

/* A new key uploaded and deleted at once: its creation HEADs B (absent),
 * GETs A (still there) and its PutObject (If-None-Match: *) waits in the
 * emulator while A's object is deleted and the removal runs. B has no copy
 * yet: the removal is not settled on its first receive but left for
 * redelivery; redelivered once the write has landed, it deletes that copy,
 * and B ends as A is. */
static void test_new_key_deleted_while_its_write_is_in_flight(void)
{
    SETUP(true);
    REQUIRE(s_put_source("fresh.jpg", 1));
    char *created = s_next_event();
    REQUIRE(created != NULL);
    REQUIRE(es_itest_s3_fault("PutObject", s_w.dst, "fresh.jpg", "\"delay_ms\":1500,\"times\":1") == 0);
    s_bg bg = {.body = created};
    REQUIRE(pthread_create(&bg.thread, NULL, s_bg_run, &bg) == 0);
    usleep(600 * 1000); /* the GET is done, the PutObject waits in the emulator */
    REQUIRE(s_delete_source("fresh.jpg"));
    char *removal = s_next_event();
    es_job_counts first;
    memset(&first, 0, sizeof first);
    if (removal)
        first = s_run(removal);
    pthread_join(bg.thread, NULL);
    es_itest_clear_faults();
    REQUIRE(removal != NULL);
    CHECK_INT_EQ(bg.counts.n[ES_JOB_STRIPPED], 1); /* the write landed after the removal's HEAD */
    CHECK_INT_EQ(first.n[ES_JOB_RETRY], 1);
    CHECK_INT_EQ(first.recheck, 1);
    es_job_counts again = s_run_received(removal, 2); /* the redelivery */
    CHECK_INT_EQ(again.n[ES_JOB_DELETED], 1);
    CHECK(!s_in_dest("fresh.jpg", NULL)); /* A has no such object */
    free(removal);
    free(created);
    s_teardown();
}

/* Two allowed source buckets holding the same key: sequencers order events
 * of one key in one bucket only, so B's copy of one bucket's photo is
 * replaced by the other's later write whatever their sequencers, and a
 * removal in one bucket leaves B's copy of the other's photo (recorded in
 * x-amz-meta-exifstrip-source-bucket), however new the removal. */
static void test_two_source_buckets_sharing_a_key(void)
{
    SETUP(true);
    char other[64];
    es_aws_result res;
    es_aws_result_clear(&res);
    es_itest_name(other, sizeof other, "src2");
    REQUIRE(es_s3_create_bucket(s_w.s3, other, &res) == ES_OK);
    snprintf(s_w.cfg.source_buckets[1], sizeof s_w.cfg.source_buckets[1], "%s", other);
    s_w.cfg.source_bucket_count = 2;
    size_t len = 0;
    uint8_t *jpeg = s_jpeg(&len, 2);
    REQUIRE(jpeg && es_wfix_put(&s_w, other, "k.jpg", jpeg, len) == ES_OK);
    free(jpeg);
    es_job_counts c = s_run_event_in(other, "ObjectCreated:Put", "k.jpg", "", "0B", 1);
    REQUIRE(c.n[ES_JOB_STRIPPED] == 1);
    es_s3_object_info copy;
    REQUIRE(s_in_dest("k.jpg", &copy));
    CHECK_STR_EQ(copy.source.bucket, other);

    REQUIRE(s_upload_only("k.jpg")); /* A's photo, announced with a lower sequencer than C's */
    c = s_run_event("ObjectCreated:Put", "k.jpg", "", "0A");
    CHECK_INT_EQ(c.n[ES_JOB_STRIPPED], 1);
    REQUIRE(s_in_dest("k.jpg", &copy));
    CHECK_STR_EQ(copy.source.bucket, s_w.src);

    es_logcap_clear();
    REQUIRE(es_s3_delete_object(s_w.s3, other, "k.jpg", &res) == ES_OK);
    c = s_run_event_in(other, "ObjectRemoved:Delete", "k.jpg", "", "0C", 1);
    CHECK_INT_EQ(c.n[ES_JOB_SKIPPED], 1);
    CHECK_INT_EQ(c.n[ES_JOB_DELETED], 0);
    CHECK(s_in_dest("k.jpg", NULL));
    CHECK_STR_CONTAINS(es_logcap_text(), "holds a copy made from bucket");

    c = s_run_event("ObjectRemoved:Delete", "k.jpg", "", "0D");
    CHECK_INT_EQ(c.n[ES_JOB_DELETED], 1);
    CHECK(!s_in_dest("k.jpg", NULL));
    s_teardown();
}

int main(void)
{
    ES_RUN(test_two_source_buckets_sharing_a_key);
    ES_RUN(test_delete_removes_the_copy_of_that_source);
    ES_RUN(test_copy_of_a_newer_upload_is_kept);
    ES_RUN(test_copy_of_bytes_uploaded_again_is_kept);
    ES_RUN(test_off_skips_removals_as_before);
    ES_RUN(test_missing_foreign_and_filtered_keys);
    ES_RUN(test_versioned_source);
    ES_RUN(test_copy_written_during_the_delete_survives);
    ES_RUN(test_lost_races_leave_the_removal_for_redelivery);
    ES_RUN(test_dropped_delete_names_no_request);
    ES_RUN(test_delete_not_undone_by_the_creation_it_followed);
    ES_RUN(test_hidden_version_not_published_after_a_lost_write);
    ES_RUN(test_permanently_deleted_version_not_resent);
    ES_RUN(test_new_key_deleted_while_its_write_is_in_flight);
    ES_RUN(test_backfilled_copy_judged_by_the_source);
    ES_RUN(test_late_creation_of_a_hidden_version_is_not_published);
    return es_test_finish();
}
