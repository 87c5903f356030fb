/* health.c - heartbeat file upkeep and freshness check (health.h). Only the
 * mtime matters, so touching is an open + futimens, cheap enough to do on
 * every iteration of the receiver loop. */
#include "worker/health.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

es_err es_health_touch(const char *path, es_error *err)
{
    ES_ENSURE_REF(path);
    int fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, 0644);
    if (fd < 0)
        return es_error_set(err, ES_ERR_IO, "cannot open heartbeat file %s: %s", path,
                            strerror(errno));
    es_err rc = ES_OK;
    if (futimens(fd, NULL) != 0)
        rc = es_error_set(err, ES_ERR_IO, "cannot update heartbeat file %s: %s", path,
                          strerror(errno));
    close(fd);
    return rc;
}

long es_health_default_max_age(int wait_seconds) { return 3L * wait_seconds + 30; }

es_err es_health_check(const char *path, long max_age_s, long *age_s, es_error *err)
{
    ES_ENSURE_REF(path);
    struct stat st;
    if (stat(path, &st) != 0)
        return es_error_set(err, ES_ERR_NOT_FOUND, "heartbeat file %s: %s", path, strerror(errno));
    time_t now = time(NULL);
    long age = now > st.st_mtime ? (long)(now - st.st_mtime) : 0;
    if (age_s)
        *age_s = age;
    if (age > max_age_s)
        return es_error_set(err, ES_ERR_TIMEOUT,
                            "heartbeat file %s is %ld s old (more than %ld s): the worker's "
                            "receiver loop is not running",
                            path, age, max_age_s);
    return ES_OK;
}
