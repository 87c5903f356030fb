/* backfill_itest.c - the backfill engine (worker/backfill.h) against the
 * emulator, in both test trees (the shell test tests/e2e/backfill_test.sh
 * drives the command in the plain tree only): keys handed out across pages
 * to several threads, the suffix filter, statistics, a second run that only
 * HEADs, the dry run's plan lines, a stop before the listing starts
 * (nothing done, resume_after empty), and a key replaced after its listing
 * (the GET pinned to the listed ETag: gone, nothing written). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../harness/test.h"
#include "../support/aws_itest.h"
#include "../support/backfill_run.h"
#include "../support/fixture.h"
#include "../support/worker_fixture.h"
#include "worker/backfill.h"

#define S_KEYS 13

static es_wfix s_w;
static es_job_env s_env;

static bool s_setup(void)
{
    if (!es_itest_endpoint() || es_wfix_setup(&s_w, 0) != 0)
        return false;
    s_w.cfg.concurrency = 3;
    s_env = (es_job_env){.cfg = &s_w.cfg, .s3 = s_w.s3, .sqs = s_w.sqs};
    uint8_t *jpeg = NULL;
    size_t len = 0;
    es_fixture_opts o = {.exif = true, .exif_gps = true, .comment = true, .seed = 5};
    if (es_fixture_make(&o, &jpeg, &len) != 0)
        return false;
    bool ok = true;
    for (int i = 0; i < S_KEYS && ok; i++) {
        char key[64];
        snprintf(key, sizeof key, "bf/%02d photo.jpg", i);
        ok = es_wfix_put(&s_w, s_w.src, key, jpeg, len) == ES_OK;
    }
    ok = ok && es_wfix_put(&s_w, s_w.src, "bf/readme.txt", jpeg, len) == ES_OK &&
         es_wfix_put(&s_w, s_w.src, "other/x.jpg", jpeg, len) == ES_OK;
    free(jpeg);
    return ok;
}

static void test_backfill_engine(void)
{
    REQUIRE(es_itest_endpoint() != NULL && "ES_TEST_ENDPOINT names the emulator");
    REQUIRE(s_setup());
    es_backfill_stats st;
    es_backfill_opts opts = {.bucket = s_w.src, .prefix = "bf/", .page_size = 4};
    long seq = es_wfix_last_seq();
    REQUIRE(es_test_backfill_run(&s_env, &opts, 60000, &st));
    CHECK_INT_EQ(st.listed, S_KEYS + 1);
    CHECK_INT_EQ(st.matched, S_KEYS);
    CHECK(st.listing_done);
    CHECK_INT_EQ(st.list_error, ES_OK);
    CHECK_INT_EQ(st.settled, S_KEYS);
    CHECK_INT_EQ(st.outcomes[ES_JOB_STRIPPED], S_KEYS);
    CHECK(st.bytes_out > 0 && st.bytes_out < st.bytes_in);
    CHECK_INT_EQ(es_wfix_count(seq, "ListObjectsV2", NULL), 4); /* 14 keys in pages of 4 */
    CHECK_INT_EQ(es_wfix_count(seq, "GetObject", "photo"), S_KEYS);
    CHECK_STR_EQ(st.resume_after, "bf/12 photo.jpg"); /* everything settled */
    char etag[128];
    CHECK_OK(es_wfix_etag(&s_w, s_w.dst, "bf/00 photo.jpg", etag, sizeof etag));
    CHECK_OK(es_wfix_etag(&s_w, s_w.dst, "bf/12 photo.jpg", etag, sizeof etag));
    CHECK(es_wfix_etag(&s_w, s_w.dst, "bf/readme.txt", etag, sizeof etag) != ES_OK);
    CHECK(es_wfix_etag(&s_w, s_w.dst, "other/x.jpg", etag, sizeof etag) != ES_OK);

    /* again: one HEAD per key, no GET; counted ahead, the totals are the same */
    seq = es_wfix_last_seq();
    opts.count_ahead = true;
    REQUIRE(es_test_backfill_run(&s_env, &opts, 60000, &st));
    opts.count_ahead = false;
    CHECK(st.total_known);
    CHECK_INT_EQ(st.total_matched, S_KEYS);
    CHECK_INT_EQ(st.total_bytes, st.matched_bytes);
    CHECK_INT_EQ(st.outcomes[ES_JOB_SKIPPED], S_KEYS);
    CHECK_INT_EQ(es_wfix_count(seq, "GetObject", NULL), 0);
    CHECK_INT_EQ(es_wfix_count(seq, "HeadObject", NULL), S_KEYS);

    /* dry run after a key: plan lines only */
    char *plan_text = NULL;
    size_t plan_len = 0;
    FILE *plan = open_memstream(&plan_text, &plan_len);
    REQUIRE(plan != NULL);
    es_backfill_opts dry = {.bucket = s_w.src, .start_after = "bf/10 photo.jpg", .dry_run = true, .plan = plan};
    seq = es_wfix_last_seq();
    REQUIRE(es_test_backfill_run(&s_env, &dry, 60000, &st));
    fclose(plan);
    CHECK_INT_EQ(st.matched, 3); /* bf/11, bf/12, other/x.jpg */
    CHECK_INT_EQ(st.outcomes[ES_JOB_SKIPPED], 2);
    CHECK_INT_EQ(st.outcomes[ES_JOB_STRIPPED], 1);
    REQUIRE(plan_text != NULL);
    CHECK(strstr(plan_text, "{\"action\":\"strip\",\"key\":\"other/x.jpg\"") != NULL);
    CHECK(strstr(plan_text, "{\"action\":\"skipped\",\"key\":\"bf/11 photo.jpg\"") != NULL);
    free(plan_text);
    CHECK_INT_EQ(es_wfix_count(seq, "GetObject", NULL), 0);
    CHECK_INT_EQ(es_wfix_count(seq, "PutObject", NULL), 0);
    CHECK(es_wfix_etag(&s_w, s_w.dst, "other/x.jpg", etag, sizeof etag) != ES_OK);

    /* stopped before it started: nothing listed or done */
    es_backfill *b = es_backfill_new(&s_env, &opts);
    REQUIRE(b != NULL);
    es_backfill_stop(b);
    seq = es_wfix_last_seq();
    REQUIRE(es_backfill_start(b) == ES_OK);
    CHECK(es_backfill_wait(b, 10000));
    es_backfill_get_stats(b, &st);
    CHECK_INT_EQ(st.settled, 0);
    CHECK_STR_EQ(st.resume_after, "");
    CHECK_INT_EQ(es_wfix_count(seq, "ListObjectsV2", NULL), 0);
    es_backfill_free(b);

    /* a key replaced after it was listed: the GET is pinned to the listed
     * ETag, so the new content is left to its own event ("gone") */
    REQUIRE(es_itest_fault("{\"service\":\"s3\",\"action\":\"HeadObject\",\"key\":\"late/*\","
                           "\"delay_ms\":1500}") == 0);
    uint8_t *jpeg = NULL;
    size_t len = 0;
    es_fixture_opts o = {.exif = true, .seed = 9};
    REQUIRE(es_fixture_make(&o, &jpeg, &len) == 0);
    REQUIRE(es_wfix_put(&s_w, s_w.src, "late/photo.jpg", jpeg, len) == ES_OK);
    es_backfill_opts late = {.bucket = s_w.src, .prefix = "late/"};
    b = es_backfill_new(&s_env, &late);
    REQUIRE(b != NULL);
    REQUIRE(es_backfill_start(b) == ES_OK);
    for (int i = 0; i < 200; i++) { /* until it is listed; its HEAD of B is then held back */
        es_backfill_get_stats(b, &st);
        if (st.listed > 0 || es_backfill_wait(b, 50))
            break;
    }
    CHECK_INT_EQ(st.listed, 1);
    o.seed = 10;
    free(jpeg);
    REQUIRE(es_fixture_make(&o, &jpeg, &len) == 0);
    REQUIRE(es_wfix_put(&s_w, s_w.src, "late/photo.jpg", jpeg, len) == ES_OK);
    free(jpeg);
    CHECK(es_backfill_wait(b, 10000));
    es_backfill_get_stats(b, &st);
    es_backfill_free(b);
    es_itest_clear_faults();
    CHECK_INT_EQ(st.outcomes[ES_JOB_GONE], 1);
    CHECK(es_wfix_etag(&s_w, s_w.dst, "late/photo.jpg", etag, sizeof etag) != ES_OK);

    /* invalid options */
    es_backfill_opts bad = {.bucket = s_w.src, .page_size = 1001};
    CHECK(es_backfill_new(&s_env, &bad) == NULL);
    es_backfill_opts no_plan = {.bucket = s_w.src, .dry_run = true};
    CHECK(es_backfill_new(&s_env, &no_plan) == NULL);
    es_wfix_teardown(&s_w);
}

int main(void)
{
    ES_RUN(test_backfill_engine);
    return es_test_finish();
}
