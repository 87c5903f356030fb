/* job_summary_test.c - the parts of the job that need no network: the
 * "removed" summary built from stripper statistics (order, the kind names
 * src/jpeg gives and inspect shows, gps only with EXIF) and the outcome names used in logs. */
#include <string.h>

#include "../harness/test.h"
#include "worker/job.h"

static void test_summary_order(void)
{
    es_jpeg_stats st;
    memset(&st, 0, sizeof st);
    st.removed_count[ES_JPEG_KIND_TRAILER] = 1;
    st.removed_bytes[ES_JPEG_KIND_TRAILER] = 100;
    st.removed_count[ES_JPEG_KIND_COMMENT] = 2;
    st.removed_count[ES_JPEG_KIND_XMP_EXT] = 3;
    st.removed_count[ES_JPEG_KIND_XMP] = 1;
    st.removed_count[ES_JPEG_KIND_EXIF] = 1;
    st.removed_count[ES_JPEG_KIND_PHOTOSHOP] = 1;
    st.removed_count[ES_JPEG_KIND_MPF] = 1;
    st.removed_count[ES_JPEG_KIND_DUCKY] = 1;
    st.exif_has_gps = true;
    char out[160];
    es_job_removed_summary(&st, out, sizeof out);
    CHECK_STR_EQ(out, "gps,exif,xmp,xmp-ext,photoshop,comment,trailer,mpf,ducky");
}

static void test_summary_cases(void)
{
    es_jpeg_stats st;
    char out[160];
    memset(&st, 0, sizeof st);
    es_job_removed_summary(&st, out, sizeof out);
    CHECK_STR_EQ(out, "");
    st.exif_has_gps = true; /* GPS is only reported when the EXIF segment was removed */
    es_job_removed_summary(&st, out, sizeof out);
    CHECK_STR_EQ(out, "");
    st.removed_count[ES_JPEG_KIND_XMP_EXT] = 1; /* the extension has its own name, as in inspect */
    st.removed_count[ES_JPEG_KIND_ICC] = 1;
    st.removed_count[ES_JPEG_KIND_JFXX] = 1;
    es_job_removed_summary(&st, out, sizeof out);
    CHECK_STR_EQ(out, "xmp-ext,icc,jfxx");
    /* a small buffer is cut, never overrun */
    char tiny[6];
    memset(&st, 0, sizeof st);
    st.removed_count[ES_JPEG_KIND_EXIF] = 1;
    st.removed_count[ES_JPEG_KIND_XMP] = 1;
    st.exif_has_gps = true;
    es_job_removed_summary(&st, tiny, sizeof tiny);
    CHECK_INT_EQ(strlen(tiny), 5);
    es_job_removed_summary(NULL, out, sizeof out);
    CHECK_STR_EQ(out, "");
}

/* Every label is the kind's name in src/jpeg (one vocabulary with inspect). */
static void test_summary_uses_kind_names(void)
{
    char out[160];
    for (int k = 0; k < ES_JPEG_KIND_COUNT; k++) {
        es_jpeg_stats st;
        memset(&st, 0, sizeof st);
        st.removed_bytes[k] = 1;
        es_job_removed_summary(&st, out, sizeof out);
        CHECK_STR_EQ(out, es_jpeg_kind_name((es_jpeg_kind)k));
    }
}

static void test_outcome_names(void)
{
    CHECK_STR_EQ(es_job_outcome_name(ES_JOB_STRIPPED), "stripped");
    CHECK_STR_EQ(es_job_outcome_name(ES_JOB_SKIPPED), "skipped");
    CHECK_STR_EQ(es_job_outcome_name(ES_JOB_GONE), "gone");
    CHECK_STR_EQ(es_job_outcome_name(ES_JOB_REFUSED), "refused");
    CHECK_STR_EQ(es_job_outcome_name(ES_JOB_RETRY), "retry");
    CHECK_STR_EQ(es_job_outcome_name(ES_JOB_DELETED), "deleted");
}

int main(void)
{
    ES_RUN(test_summary_order);
    ES_RUN(test_summary_cases);
    ES_RUN(test_summary_uses_kind_names);
    ES_RUN(test_outcome_names);
    return es_test_finish();
}
