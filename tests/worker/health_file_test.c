/* health_file_test.c - the heartbeat state file: it round-trips, is replaced
 * atomically without following symlinks (at the path or at its temporary
 * name) and leaves no temporary file; the judge says stale, "cannot receive"
 * (failures in a row and no success within max-age), "stuck" (every slot
 * busy beyond stuck-after) or healthy, each with a reason; a path that is
 * not a regular file (a directory, a FIFO) is unhealthy, named with its kind. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../harness/test.h"
#include "worker/health.h"

static void s_tmp_path(char *out, size_t size, const char *name)
{
    snprintf(out, size, "/tmp/es_health_%ld_%s", (long)getpid(), name);
    unlink(out);
}

static es_health_state s_state(int64_t now)
{
    es_health_state st;
    memset(&st, 0, sizeof st);
    st.pid = 42;
    st.updated = now;
    st.started = now - 10;
    st.last_receive_ok = now - 1;
    st.slots = 2;
    snprintf(st.last_error, sizeof st.last_error, "%s", "");
    return st;
}

static void s_write(const char *path, const es_health_state *st)
{
    es_error err;
    es_error_clear(&err);
    REQUIRE(es_health_write(path, st, &err) == ES_OK);
}

static void test_write_read_roundtrip(void)
{
    char path[128], tmp[160];
    s_tmp_path(path, sizeof path, "hb");
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    es_health_state st = s_state(1700000000);
    st.receive_failures = 3;
    snprintf(st.last_error, sizeof st.last_error, "%s", "ES_ERR_AUTH (HTTP 403, InvalidClientTokenId)");
    st.busy = 1;
    st.oldest_job_started = st.newest_job_started = 1699999990;
    st.job_limit = 1324;
    s_write(path, &st);
    struct stat sb;
    CHECK(stat(tmp, &sb) != 0); /* renamed away */
    es_health_state back;
    bool has = false;
    es_error err;
    es_error_clear(&err);
    REQUIRE(es_health_read(path, &back, &has, &err) == ES_OK);
    CHECK(has);
    CHECK_INT_EQ(back.pid, 42);
    CHECK_INT_EQ(back.updated, 1700000000);
    CHECK_INT_EQ(back.started, 1699999990);
    CHECK_INT_EQ(back.last_receive_ok, 1699999999);
    CHECK_INT_EQ(back.receive_failures, 3);
    CHECK_STR_EQ(back.last_error, "ES_ERR_AUTH (HTTP 403, InvalidClientTokenId)");
    CHECK_INT_EQ(back.slots, 2);
    CHECK_INT_EQ(back.busy, 1);
    CHECK_INT_EQ(back.newest_job_started, 1699999990);
    CHECK_INT_EQ(back.job_limit, 1324);
    /* a file without state (touch) reads as no state */
    FILE *f = fopen(path, "w");
    REQUIRE(f != NULL);
    fclose(f);
    REQUIRE(es_health_read(path, &back, &has, &err) == ES_OK);
    CHECK(!has);
    unlink(path);
}

static void test_symlinks_not_followed(void)
{
    char path[128], tmp[160], target[128];
    s_tmp_path(path, sizeof path, "hb2");
    s_tmp_path(target, sizeof target, "target");
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    unlink(tmp);
    /* a symlink planted at the temporary name is replaced, not written through */
    REQUIRE(symlink(target, tmp) == 0);
    es_health_state st = s_state((int64_t)time(NULL));
    s_write(path, &st);
    struct stat sb;
    CHECK(stat(target, &sb) != 0);
    CHECK(lstat(tmp, &sb) != 0);
    /* a symlink at the path itself is replaced by the file */
    unlink(path);
    REQUIRE(symlink(target, path) == 0);
    s_write(path, &st);
    CHECK(lstat(path, &sb) == 0 && S_ISREG(sb.st_mode));
    CHECK(stat(target, &sb) != 0);
    unlink(path);
    es_error err;
    es_error_clear(&err);
    CHECK_INT_EQ(es_health_write("/nonexistent-dir/x/hb", &st, &err), ES_ERR_IO);
    CHECK_STR_CONTAINS(err.msg, "/nonexistent-dir/x/hb");
}

static es_health_verdict s_judge(const char *path, int64_t now, long max_age, long stuck, char *summary)
{
    return es_health_judge(path, now, max_age, stuck, summary, 512);
}

static void test_judge(void)
{
    char path[128], summary[512];
    s_tmp_path(path, sizeof path, "hb3");
    int64_t now = (int64_t)time(NULL);
    CHECK_INT_EQ(s_judge(path, now, 90, 900, summary), ES_HEALTH_MISSING);
    CHECK_STR_CONTAINS(summary, path);

    es_health_state st = s_state(now);
    s_write(path, &st);
    CHECK_INT_EQ(s_judge(path, now, 90, 900, summary), ES_HEALTH_OK);
    CHECK_STR_CONTAINS(summary, "last successful receive");
    /* the file itself is old: the receiver loop is not running */
    CHECK_INT_EQ(s_judge(path, now + 100, 90, 900, summary), ES_HEALTH_STALE);
    CHECK_STR_CONTAINS(summary, "not running");

    /* receives failing, last success 100 s ago: cannot reach SQS */
    st.receive_failures = 7;
    st.started = now - 300;
    st.last_receive_ok = now - 100;
    snprintf(st.last_error, sizeof st.last_error, "%s", "ES_ERR_AUTH (HTTP 403, SignatureDoesNotMatch)");
    s_write(path, &st);
    CHECK_INT_EQ(s_judge(path, now, 90, 900, summary), ES_HEALTH_NO_RECEIVE);
    CHECK_STR_CONTAINS(summary, "cannot receive from SQS");
    CHECK_STR_CONTAINS(summary, "7 failed receives in a row");
    CHECK_STR_CONTAINS(summary, "SignatureDoesNotMatch");
    CHECK_INT_EQ(s_judge(path, now, 200, 900, summary), ES_HEALTH_OK); /* within max-age */
    /* never succeeded: counted from the start */
    st.last_receive_ok = 0;
    st.started = now - 5;
    s_write(path, &st);
    CHECK_INT_EQ(s_judge(path, now, 90, 900, summary), ES_HEALTH_OK);
    st.started = now - 95;
    s_write(path, &st);
    CHECK_INT_EQ(s_judge(path, now, 90, 900, summary), ES_HEALTH_NO_RECEIVE);
    CHECK_STR_CONTAINS(summary, "since start");
    /* an old success without failures is fine (e.g. all slots busy, no receive needed) */
    st.receive_failures = 0;
    st.last_error[0] = '\0';
    s_write(path, &st);
    CHECK_INT_EQ(s_judge(path, now, 90, 900, summary), ES_HEALTH_OK);

    /* every slot busy with jobs older than stuck-after: stuck */
    st.busy = 2;
    st.oldest_job_started = now - 1000;
    st.newest_job_started = now - 950;
    s_write(path, &st);
    CHECK_INT_EQ(s_judge(path, now, 90, 900, summary), ES_HEALTH_STUCK);
    CHECK_STR_CONTAINS(summary, "every job slot (2)");
    CHECK_INT_EQ(s_judge(path, now, 90, 0, summary), ES_HEALTH_OK);    /* 0: never stuck */
    CHECK_INT_EQ(s_judge(path, now, 90, 1000, summary), ES_HEALTH_OK); /* younger than the limit */
    /* the default: 900 s, unless the worker's jobs may legitimately run longer
     * (a 256 MiB limit: 300 + 1024 s); past that limit they are abandoned */
    CHECK_INT_EQ(s_judge(path, now, 90, ES_HEALTH_STUCK_AFTER_AUTO, summary), ES_HEALTH_STUCK);
    st.job_limit = 1324;
    s_write(path, &st);
    CHECK_INT_EQ(s_judge(path, now, 90, ES_HEALTH_STUCK_AFTER_AUTO, summary), ES_HEALTH_OK);
    CHECK_INT_EQ(s_judge(path, now, 90, 900, summary), ES_HEALTH_STUCK); /* given: as given */
    st.newest_job_started = now - 1324 - 61;
    s_write(path, &st);
    CHECK_INT_EQ(s_judge(path, now, 90, ES_HEALTH_STUCK_AFTER_AUTO, summary), ES_HEALTH_STUCK);
    CHECK_STR_CONTAINS(summary, "more than 1384 s");
    st.job_limit = 300; /* shorter jobs: 900 s still */
    st.newest_job_started = now - 950;
    s_write(path, &st);
    CHECK_INT_EQ(s_judge(path, now, 90, ES_HEALTH_STUCK_AFTER_AUTO, summary), ES_HEALTH_STUCK);
    CHECK_STR_CONTAINS(summary, "more than 900 s");
    st.busy = 1; /* one slot free: not stuck */
    s_write(path, &st);
    CHECK_INT_EQ(s_judge(path, now, 90, 900, summary), ES_HEALTH_OK);
    CHECK_STR_CONTAINS(summary, "1 of 2 job slots busy");

    /* a file without state is judged by its age only */
    FILE *f = fopen(path, "w");
    REQUIRE(f != NULL);
    fclose(f);
    CHECK_INT_EQ(s_judge(path, now, 90, 900, summary), ES_HEALTH_OK);
    CHECK_STR_CONTAINS(summary, "no state recorded");
    unlink(path);
}

/* The clock set back or forward: a heartbeat dated ahead of the judge's
 * clock by more than max-age was written before the clock went back and not
 * since (stale, said so; never a negative age); the state's times are aged
 * from the heartbeat's own writing plus its age. */
static void test_judge_clock_steps(void)
{
    char path[128], summary[512];
    s_tmp_path(path, sizeof path, "hb5");
    int64_t now = (int64_t)time(NULL);
    es_health_state st = s_state(now + 3600);
    s_write(path, &st);
    CHECK_INT_EQ(s_judge(path, now, 90, 900, summary), ES_HEALTH_STALE);
    CHECK_STR_CONTAINS(summary, "is dated 3600 s ahead of this clock (more than 90 s)");
    st = s_state(now + 30); /* written 30 s "ahead": the clock went back a little */
    s_write(path, &st);
    CHECK_INT_EQ(s_judge(path, now, 90, 900, summary), ES_HEALTH_OK);
    CHECK_STR_CONTAINS(summary, "is 30 s old");
    CHECK_STR_CONTAINS(summary, "last successful receive 31 s ago"); /* 1 s before writing + 30 */
    st.busy = st.slots;
    st.oldest_job_started = st.newest_job_started = st.updated - 890; /* 890 + 30 s ago */
    s_write(path, &st);
    CHECK_INT_EQ(s_judge(path, now, 90, 900, summary), ES_HEALTH_STUCK);
    CHECK_STR_CONTAINS(summary, "the most recent started 920 s ago");
    unlink(path);
}

static void test_judge_not_a_regular_file(void)
{
    char path[128], summary[512];
    s_tmp_path(path, sizeof path, "hbdir");
    rmdir(path);
    REQUIRE(mkdir(path, 0700) == 0);
    int64_t now = (int64_t)time(NULL);
    CHECK_INT_EQ(s_judge(path, now, 90, 900, summary), ES_HEALTH_MISSING);
    CHECK_STR_CONTAINS(summary, path);
    CHECK_STR_CONTAINS(summary, "is a directory, not a regular file");
    rmdir(path);
    s_tmp_path(path, sizeof path, "hbfifo");
    REQUIRE(mkfifo(path, 0600) == 0);
    CHECK_INT_EQ(s_judge(path, now, 90, 900, summary), ES_HEALTH_MISSING);
    CHECK_STR_CONTAINS(summary, "is a FIFO, not a regular file");
    unlink(path);
}

static void test_default_max_age(void)
{
    CHECK_INT_EQ(es_health_default_max_age(20), 90);
    CHECK_INT_EQ(es_health_default_max_age(0), 30);
}

int main(void)
{
    ES_RUN(test_write_read_roundtrip);
    ES_RUN(test_symlinks_not_followed);
    ES_RUN(test_judge);
    ES_RUN(test_judge_clock_steps);
    ES_RUN(test_judge_not_a_regular_file);
    ES_RUN(test_default_max_age);
    return es_test_finish();
}
