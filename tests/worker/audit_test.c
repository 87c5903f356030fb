/* audit_test.c - the audit's pure decisions (src/worker/audit.c): how a copy's
 * recorded source compares with the source's current ETag/version (the
 * worker's ordering rule; quotes and the unversioned "null" are handled), and which Exif segment is the worker's own orientation-only tag:
 * the real keep-mode output of every tag value is, anything with more is not. */
#include <stdlib.h>
#include <string.h>

#include "../harness/test.h"
#include "../support/fixture.h"
#include "exifstrip/jpeg_audit.h"
#include "exifstrip/orient.h"
#include "worker/audit.h"

static es_s3_object_info s_copy(const char *etag, const char *version)
{
    es_s3_object_info c;
    memset(&c, 0, sizeof c);
    strcpy(c.etag, "\"b-etag\"");
    strcpy(c.source.etag, etag);
    strcpy(c.source.version_id, version);
    return c;
}

static void test_compare_source(void)
{
    es_s3_object_info c = s_copy("abc", "");
    CHECK_INT_EQ(es_audit_compare_source(&c, "\"abc\"", ""), ES_AUDIT_KIND_COUNT);
    CHECK_INT_EQ(es_audit_compare_source(&c, "abc", "null"), ES_AUDIT_KIND_COUNT);
    CHECK_INT_EQ(es_audit_compare_source(&c, "\"abd\"", ""), ES_AUDIT_OUTDATED);
    /* a copy that recorded no version (backfill's: a listing has none) is
     * judged by its ETag, as the worker judges a source without one */
    CHECK_INT_EQ(es_audit_compare_source(&c, "\"abc\"", "v2"), ES_AUDIT_KIND_COUNT);
    CHECK_INT_EQ(es_audit_compare_source(&c, "\"abd\"", "v2"), ES_AUDIT_OUTDATED);
    CHECK_INT_EQ(es_audit_compare_source(&c, "\"\"", ""), ES_AUDIT_OUTDATED);

    c = s_copy("abc", "v1");
    CHECK_INT_EQ(es_audit_compare_source(&c, "\"abc\"", "v1"), ES_AUDIT_KIND_COUNT);
    CHECK_INT_EQ(es_audit_compare_source(&c, "\"abc\"", "v2"), ES_AUDIT_OUTDATED); /* same bytes re-uploaded */
    CHECK_INT_EQ(es_audit_compare_source(&c, "\"xyz\"", "v1"), ES_AUDIT_OUTDATED);
    CHECK_INT_EQ(es_audit_compare_source(&c, "\"abc\"", "null"), ES_AUDIT_KIND_COUNT); /* ETags decide */
    CHECK_INT_EQ(es_audit_compare_source(&c, "\"abc\"", ""), ES_AUDIT_KIND_COUNT);

    c = s_copy("", "v1");
    CHECK_INT_EQ(es_audit_compare_source(&c, "\"abc\"", "v1"), ES_AUDIT_OUTDATED); /* the worker records both */

    c = s_copy("", "");
    CHECK_INT_EQ(es_audit_compare_source(&c, "\"abc\"", "v1"), ES_AUDIT_UNRECORDED);
    CHECK_STR_EQ(es_audit_kind_name(ES_AUDIT_UNRECORDED), "unrecorded");
    CHECK_STR_EQ(es_audit_kind_name(ES_AUDIT_BAD_JPEG), "invalid-jpeg");
}

/* Audits a whole buffer in one feed. */
static es_jpeg_audit_result s_audit(const uint8_t *in, size_t len)
{
    es_jpeg_audit_result r;
    es_jpeg_audit *a = es_jpeg_audit_new(NULL);
    if (!a)
        abort();
    (void)es_jpeg_audit_feed(a, in, len);
    (void)es_jpeg_audit_finish(a, &r);
    es_jpeg_audit_free(a);
    return r;
}

static void test_worker_orientation_tag_is_clean(void)
{
    es_orient_config keep = {.mode = ES_ORIENT_KEEP};
    for (int tag = 2; tag <= 8; tag++) {
        uint8_t *img, *out;
        size_t len, out_len;
        REQUIRE(es_fixture_make(&(es_fixture_opts){.orientation = tag,
                                                   .exif_gps = true,
                                                   .exif_thumbnail = true,
                                                   .seed = (unsigned)tag},
                                &img, &len) == 0);
        es_jpeg_audit_result r = s_audit(img, len);
        CHECK(!es_audit_is_orientation_tag(&r.stats)); /* the original's Exif is not */
        REQUIRE(es_orient_strip_buffer(NULL, &keep, img, len, &out, &out_len, NULL, NULL) == ES_OK);
        r = s_audit(out, out_len);
        CHECK_INT_EQ(r.status, ES_OK);
        CHECK_INT_EQ(r.stats.exif_orientation, tag);
        CHECK(es_audit_is_orientation_tag(&r.stats));
        free(out);
        free(img);
    }
}

static void test_anything_more_is_not_the_tag(void)
{
    es_jpeg_stats st;
    memset(&st, 0, sizeof st);
    st.removed_count[ES_JPEG_KIND_EXIF] = 1;
    st.removed_bytes[ES_JPEG_KIND_EXIF] = ES_ORIENT_TAG_SEGMENT_LEN;
    st.exif_orientation = 6;
    CHECK(es_audit_is_orientation_tag(&st));
    st.removed_bytes[ES_JPEG_KIND_EXIF]++;
    CHECK(!es_audit_is_orientation_tag(&st));
    st.removed_bytes[ES_JPEG_KIND_EXIF]--;
    st.removed_count[ES_JPEG_KIND_EXIF] = 2;
    CHECK(!es_audit_is_orientation_tag(&st));
    st.removed_count[ES_JPEG_KIND_EXIF] = 1;
    st.exif_has_gps = true;
    CHECK(!es_audit_is_orientation_tag(&st));
    st.exif_has_gps = false;
    st.exif_has_thumbnail = true;
    CHECK(!es_audit_is_orientation_tag(&st));
    st.exif_has_thumbnail = false;
    st.exif_orientation = 0;
    CHECK(!es_audit_is_orientation_tag(&st));
}

int main(void)
{
    ES_RUN(test_compare_source);
    ES_RUN(test_worker_orientation_tag_is_clean);
    ES_RUN(test_anything_more_is_not_the_tag);
    return es_test_finish();
}
