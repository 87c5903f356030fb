/* ordering_test.c - the write-ordering decision: sequencer comparison as AWS
 * documents it (right-pad the shorter with zeros, compare as text), and what the worker
 * does for an absent key, a re-delivery, an older and a newer event, and a
 * destination written without exifstrip's metadata; when a lost write's kept
 * body may be resent (sequencers order it after B's copy). */
#include <stdio.h>
#include <string.h>

#include "../harness/test.h"
#include "worker/ordering.h"

static int s_cmp(const char *a, const char *b)
{
    int cmp = 99;
    CHECK(es_sequencer_compare(a, b, &cmp));
    return cmp;
}

static void test_sequencer_compare(void)
{
    CHECK_INT_EQ(s_cmp("0055AED6DCD90281E5", "0055AED6DCD90281E6"), -1);
    CHECK_INT_EQ(s_cmp("0055AED6DCD90281E6", "0055AED6DCD90281E5"), 1);
    CHECK_INT_EQ(s_cmp("0055AED6DCD90281E5", "0055AED6DCD90281E5"), 0);
    /* different lengths: the shorter is right-padded with zeros (AWS's rule),
     * so a value and its zero-extended form are equal, and a shorter value
     * can be the later one */
    CHECK_INT_EQ(s_cmp("AB", "AB00"), 0);
    CHECK_INT_EQ(s_cmp("AB", "AB01"), -1);
    CHECK_INT_EQ(s_cmp("B", "A1"), 1);    /* "B0" > "A1" */
    CHECK_INT_EQ(s_cmp("FF", "0100"), 1); /* "FF00" > "0100": not a numeric comparison */
    CHECK_INT_EQ(s_cmp("0055AED6DCD90281E5", "0055AED6DCD90281E500"), 0);
    CHECK_INT_EQ(s_cmp("0055AED6DCD90281E5", "0055AED6DCD90281E501"), -1);
    CHECK_INT_EQ(s_cmp("ab", "AB"), 0); /* hex digits in either case */
    int cmp;
    CHECK(!es_sequencer_compare("", "01", &cmp));
    CHECK(!es_sequencer_compare("01", "", &cmp));
    CHECK(!es_sequencer_compare("0x1", "01", &cmp));
    CHECK(!es_sequencer_compare("01", "G1", &cmp));
}

static es_event_record s_rec(const char *etag, const char *version, const char *sequencer)
{
    es_event_record r;
    memset(&r, 0, sizeof r);
    snprintf(r.bucket, sizeof r.bucket, "a");
    snprintf(r.key, sizeof r.key, "k.jpg");
    snprintf(r.etag, sizeof r.etag, "%s", etag);
    snprintf(r.version_id, sizeof r.version_id, "%s", version);
    snprintf(r.sequencer, sizeof r.sequencer, "%s", sequencer);
    return r;
}

/* es_dest_decide on rec's source identity. */
static es_dest_verdict s_decide(const es_event_record *rec, const es_s3_object_info *dest,
                                es_s3_write_options *cond)
{
    es_s3_source_id src;
    es_source_id_of(rec, &src);
    return es_dest_decide(&src, dest, cond);
}

static es_s3_object_info s_dest(const es_event_record *from)
{
    es_s3_object_info d;
    memset(&d, 0, sizeof d);
    snprintf(d.etag, sizeof d.etag, "\"b-etag\"");
    if (from)
        es_source_id_of(from, &d.source);
    return d;
}

static void test_absent_key_is_created_only_if_still_absent(void)
{
    es_event_record r = s_rec("e1", "", "0A");
    es_s3_write_options w = {.if_match = "junk"};
    CHECK_INT_EQ(s_decide(&r, NULL, &w), ES_DEST_WRITE);
    CHECK(w.if_none_match);
    CHECK(w.if_match == NULL);
}

static void test_newer_event_overwrites_on_the_etag_seen(void)
{
    es_event_record old = s_rec("e1", "", "0A"), cur = s_rec("e2", "", "0B");
    es_s3_object_info d = s_dest(&old);
    es_s3_write_options w = {0};
    CHECK_INT_EQ(s_decide(&cur, &d, &w), ES_DEST_WRITE);
    CHECK(!w.if_none_match);
    REQUIRE(w.if_match != NULL);
    CHECK_STR_EQ(w.if_match, "\"b-etag\"");
}

static void test_older_event_is_skipped(void)
{
    es_event_record old = s_rec("e1", "", "0A"), cur = s_rec("e2", "", "0B");
    es_s3_object_info d = s_dest(&cur);
    es_s3_write_options w = {0};
    CHECK_INT_EQ(s_decide(&old, &d, &w), ES_DEST_NEWER);
    /* the same when the older sequencer is longer but numerically smaller */
    es_event_record longer_old = s_rec("e0", "", "00000A");
    CHECK_INT_EQ(s_decide(&longer_old, &d, &w), ES_DEST_NEWER);
}

static void test_redelivery_is_a_no_op(void)
{
    es_event_record r = s_rec("e1", "v1", "0A");
    es_s3_object_info d = s_dest(&r);
    es_s3_write_options w = {0};
    CHECK_INT_EQ(s_decide(&r, &d, &w), ES_DEST_SAME);
    /* without sequencers, the recorded ETag and version id identify it */
    es_event_record plain = s_rec("e1", "v1", "");
    es_s3_object_info pd = s_dest(&plain);
    CHECK_INT_EQ(s_decide(&plain, &pd, &w), ES_DEST_SAME);
    es_event_record other_version = s_rec("e1", "v2", "");
    CHECK_INT_EQ(s_decide(&other_version, &pd, &w), ES_DEST_WRITE);
    /* a listing (backfill) knows no version id: the same ETag is the same source,
     * another ETag is not */
    es_event_record listed = s_rec("e1", "", "");
    CHECK_INT_EQ(s_decide(&listed, &pd, &w), ES_DEST_SAME);
    es_event_record listed_other = s_rec("e2", "", "");
    CHECK_INT_EQ(s_decide(&listed_other, &pd, &w), ES_DEST_WRITE);
}

static void test_foreign_destination_is_replaced_conditionally(void)
{
    es_event_record r = s_rec("e1", "", "0A");
    es_s3_object_info d = s_dest(NULL); /* no exifstrip metadata */
    es_s3_write_options w = {0};
    CHECK_INT_EQ(s_decide(&r, &d, &w), ES_DEST_WRITE);
    REQUIRE(w.if_match != NULL);
    CHECK_STR_EQ(w.if_match, "\"b-etag\"");
}

/* A body made earlier may replace B's object only when sequencers order it
 * after B's: not for an absent key, a copy without a sequencer, a source
 * without one (a listing), nor an equal or older sequencer; and never when
 * deletes are judged by version id (propagated on a versioned source). */
static void test_resend_only_when_newer_by_sequencer(void)
{
    es_s3_source_id src, listed;
    es_event_record cur = s_rec("e2", "", "0B"), none = s_rec("e2", "", "");
    es_source_id_of(&cur, &src);
    es_source_id_of(&none, &listed);
    es_event_record old = s_rec("e1", "", "0A"), same = s_rec("e1", "", "0B00"), plain = s_rec("e1", "", "");
    es_s3_object_info older = s_dest(&old), equal = s_dest(&same), unordered = s_dest(&plain);
    es_s3_object_info foreign = s_dest(NULL);
    CHECK(es_dest_may_resend(&src, &older, false));
    CHECK(!es_dest_may_resend(&src, &older, true));
    CHECK(!es_dest_may_resend(&src, NULL, false));
    CHECK(!es_dest_may_resend(&src, &equal, false));
    CHECK(!es_dest_may_resend(&src, &unordered, false));
    CHECK(!es_dest_may_resend(&src, &foreign, false));
    CHECK(!es_dest_may_resend(&listed, &older, false));
    es_s3_object_info newer = s_dest(&cur);
    CHECK(!es_dest_may_resend(&older.source, &newer, false));
}

/* Only the object a write of src stamped with this write id counts as that
 * write: not another write of the same source (another write id, none), nor
 * a copy judged the same source version by its sequencer alone. */
static void test_written_by_needs_the_write_id_and_the_exact_source(void)
{
    es_event_record r = s_rec("e1", "v1", "0A");
    es_s3_source_id src;
    es_source_id_of(&r, &src);
    es_s3_object_info d = s_dest(&r);
    snprintf(d.write_id, sizeof d.write_id, "w1");
    CHECK(es_dest_written_by(&src, "w1", &d));
    CHECK(!es_dest_written_by(&src, "w2", &d));
    CHECK(!es_dest_written_by(&src, NULL, &d));
    CHECK(!es_dest_written_by(&src, "w1", NULL));
    es_s3_write_options w = {0};
    es_event_record same_sequencer = s_rec("e2", "v1", "0A");
    es_s3_source_id other;
    es_source_id_of(&same_sequencer, &other);
    CHECK_INT_EQ(s_decide(&same_sequencer, &d, &w), ES_DEST_SAME);
    CHECK(!es_dest_written_by(&other, "w1", &d));
    es_event_record other_version = s_rec("e1", "v2", "0A");
    es_source_id_of(&other_version, &other);
    CHECK(!es_dest_written_by(&other, "w1", &d));
    d.write_id[0] = '\0'; /* written before write ids, or by another tool */
    CHECK(!es_dest_written_by(&src, "", &d));
}

/* A copy of another source bucket's object under the same key (two allowed
 * source buckets sharing a key): sequencers, ETags and version ids of two
 * buckets are not comparable, so it is never "newer" nor "the same source",
 * its body is never resent over, and the later write replaces it on the ETag
 * seen. A copy that recorded no bucket (written before it was recorded) is
 * judged as before. */
static void test_copy_of_another_source_bucket_is_not_ordered_against(void)
{
    es_event_record in_a = s_rec("e1", "", "0A"), in_c = s_rec("e1", "", "0B");
    snprintf(in_c.bucket, sizeof in_c.bucket, "c");
    es_s3_object_info of_c = s_dest(&in_c);
    es_s3_write_options w = {0};
    CHECK_STR_EQ(of_c.source.bucket, "c");
    CHECK_INT_EQ(s_decide(&in_a, &of_c, &w), ES_DEST_WRITE); /* older sequencer, same ETag: C's */
    REQUIRE(w.if_match != NULL);
    CHECK_STR_EQ(w.if_match, "\"b-etag\"");
    es_event_record newer_in_a = s_rec("e2", "", "0C");
    es_s3_source_id src;
    es_source_id_of(&newer_in_a, &src);
    CHECK(!es_dest_may_resend(&src, &of_c, false));
    es_source_id_of(&in_c, &src);
    snprintf(of_c.write_id, sizeof of_c.write_id, "w1");
    CHECK(es_dest_written_by(&src, "w1", &of_c));
    snprintf(src.bucket, sizeof src.bucket, "a");
    CHECK(!es_dest_written_by(&src, "w1", &of_c));
    of_c.source.bucket[0] = '\0'; /* recorded no bucket */
    CHECK_INT_EQ(s_decide(&in_a, &of_c, &w), ES_DEST_NEWER);
}

int main(void)
{
    ES_RUN(test_copy_of_another_source_bucket_is_not_ordered_against);
    ES_RUN(test_sequencer_compare);
    ES_RUN(test_written_by_needs_the_write_id_and_the_exact_source);
    ES_RUN(test_absent_key_is_created_only_if_still_absent);
    ES_RUN(test_newer_event_overwrites_on_the_etag_seen);
    ES_RUN(test_older_event_is_skipped);
    ES_RUN(test_redelivery_is_a_no_op);
    ES_RUN(test_foreign_destination_is_replaced_conditionally);
    ES_RUN(test_resend_only_when_newer_by_sequencer);
    return es_test_finish();
}
