/* job_summary_test.c - the parts of the job that need no network: the
 * "removed" summary built from stripper statistics (order, the kind names
 * src/jpeg gives and inspect shows, gps only with EXIF), the outcome names used in logs,
 * and the request id a result names (always the deciding request's, none when it had none). */
#include <string.h>

#include "../harness/test.h"
#include "worker/job.h"
#include "worker/job_outcome.h"

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
    st.scrubbed_bytes = 120; /* a kept ICC profile zeroed in place comes last, by audit's name */
    es_job_removed_summary(&st, out, sizeof out);
    CHECK_STR_EQ(out, "xmp-ext,icc,jfxx,icc-text");
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

static es_aws_result s_answer(const char *request_id)
{
    es_aws_result r;
    es_aws_result_clear(&r);
    snprintf(r.request_id, sizeof r.request_id, "%s", request_id);
    return r;
}

/* The request that decided names the result, even when it had no answer
 * naming it (a dropped connection): the GET's id never stands for a failed PUT. */
static void test_request_id_is_the_deciding_requests(void)
{
    es_job_result res;
    memset(&res, 0, sizeof res);
    es_aws_result get = s_answer("GET-ID"), put = s_answer("PUT-ID"), dropped = s_answer("");
    es_job_copy_request_id(&res, &get);
    CHECK_STR_EQ(res.request_id, "GET-ID");
    es_job_copy_request_id(&res, &put);
    CHECK_STR_EQ(res.request_id, "PUT-ID");
    es_job_copy_request_id(&res, &dropped);
    CHECK_STR_EQ(res.request_id, "");
}

static es_err s_report_fails(void *ctx, const char *json)
{
    (void)json;
    (*(int *)ctx)++;
    return ES_ERR_IO;
}

static es_err s_report_stores(void *ctx, const char *json)
{
    (void)json;
    (*(int *)ctx)++;
    return ES_OK;
}

/* Reports a refusal the GET "GET-ID" decided through env, into res. */
static void s_report_get_refusal(const es_job_env *env, es_job_result *res)
{
    memset(res, 0, sizeof *res);
    es_job_set_outcome(res, ES_JOB_REFUSED, ES_ERR_JPEG_EMPTY, "%s", "empty input");
    snprintf(res->request_id, sizeof res->request_id, "GET-ID");
    es_job_report_refusal(env, NULL, "src", "a.jpg", NULL, res);
}

/* A refusal keeps the id of the GET that was refused; when its report then
 * fails, the retry is not the GET's doing and no longer names it. */
static void test_failed_report_does_not_name_the_get(void)
{
    es_cfg cfg;
    memset(&cfg, 0, sizeof cfg);
    int calls = 0;
    es_job_env env = {.cfg = &cfg, .report = s_report_stores, .report_ctx = &calls};
    es_job_result res;
    s_report_get_refusal(&env, &res);
    CHECK_INT_EQ(calls, 1);
    CHECK_INT_EQ(res.outcome, ES_JOB_REFUSED);
    CHECK(res.reported);
    CHECK_STR_EQ(res.request_id, "GET-ID");

    env.report = s_report_fails;
    s_report_get_refusal(&env, &res);
    CHECK_INT_EQ(calls, 2);
    CHECK_INT_EQ(res.outcome, ES_JOB_RETRY);
    CHECK_STR_CONTAINS(res.reason, "report failed");
    CHECK_STR_EQ(res.request_id, "");
}

int main(void)
{
    ES_RUN(test_summary_order);
    ES_RUN(test_summary_cases);
    ES_RUN(test_summary_uses_kind_names);
    ES_RUN(test_outcome_names);
    ES_RUN(test_request_id_is_the_deciding_requests);
    ES_RUN(test_failed_report_does_not_name_the_get);
    return es_test_finish();
}
