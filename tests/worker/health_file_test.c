/* health_file_test.c - the heartbeat file: touching creates it and refreshes
 * its mtime, the check accepts a fresh file and rejects a stale or missing
 * one with a message, and a symlink is never followed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <utime.h>

#include "../harness/test.h"
#include "worker/health.h"

static void s_tmp_path(char *out, size_t size, const char *name)
{
    snprintf(out, size, "/tmp/es_health_%ld_%s", (long)getpid(), name);
    unlink(out);
}

static void test_touch_and_check(void)
{
    char path[128];
    s_tmp_path(path, sizeof path, "hb");
    es_error err;
    es_error_clear(&err);
    long age = -1;
    CHECK_INT_EQ(es_health_check(path, 10, &age, &err), ES_ERR_NOT_FOUND);
    CHECK_STR_CONTAINS(err.msg, path);
    es_error_clear(&err);
    REQUIRE(es_health_touch(path, &err) == ES_OK);
    es_error_clear(&err);
    CHECK_OK(es_health_check(path, 10, &age, &err));
    CHECK(age >= 0 && age <= 2);
    /* make it 100 s old: stale for 10, fresh for 200 */
    struct utimbuf old = {time(NULL) - 100, time(NULL) - 100};
    REQUIRE(utime(path, &old) == 0);
    es_error_clear(&err);
    CHECK_INT_EQ(es_health_check(path, 10, &age, &err), ES_ERR_TIMEOUT);
    CHECK(age >= 99 && age <= 102);
    CHECK_STR_CONTAINS(err.msg, "old");
    es_error_clear(&err);
    CHECK_OK(es_health_check(path, 200, NULL, &err));
    /* touching again makes it fresh */
    es_error_clear(&err);
    REQUIRE(es_health_touch(path, &err) == ES_OK);
    CHECK_OK(es_health_check(path, 10, &age, &err));
    unlink(path);
}

static void test_symlink_not_followed(void)
{
    char target[128], link[128];
    s_tmp_path(target, sizeof target, "target");
    s_tmp_path(link, sizeof link, "link");
    REQUIRE(symlink(target, link) == 0);
    es_error err;
    es_error_clear(&err);
    CHECK_INT_EQ(es_health_touch(link, &err), ES_ERR_IO);
    struct stat st;
    CHECK(stat(target, &st) != 0); /* the target was not created */
    unlink(link);
    CHECK_INT_EQ(es_health_touch("/nonexistent-dir/x/hb", &err), ES_ERR_IO);
}

static void test_default_max_age(void)
{
    CHECK_INT_EQ(es_health_default_max_age(20), 90);
    CHECK_INT_EQ(es_health_default_max_age(0), 30);
}

int main(void)
{
    ES_RUN(test_touch_and_check);
    ES_RUN(test_symlink_not_followed);
    ES_RUN(test_default_max_age);
    return es_test_finish();
}
