/* health.c - the heartbeat state file (health.h): written by the worker's
 * receiver loop with a temporary file and a rename, read and judged by
 * `exifstrip health`. Both sides are a few system calls on a file under
 * 1 KiB, cheap enough for every receiver iteration and a 30 s health check. */
#include "worker/health.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define S_MAGIC "exifstrip-heartbeat 1\n"
#define S_MAX_FILE 4096

/* Creates tmp exclusively (a leftover from a crash is removed once). */
static int s_create_tmp(const char *tmp)
{
    for (int attempt = 0; attempt < 2; attempt++) {
        int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (fd >= 0 || errno != EEXIST || attempt > 0)
            return fd;
        unlink(tmp);
    }
    return -1;
}

es_err es_health_write(const char *path, const es_health_state *st, es_error *err)
{
    ES_ENSURE_REF(path);
    ES_ENSURE_REF(st);
    char tmp[1100];
    if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", path) >= sizeof tmp)
        return es_error_set(err, ES_ERR_IO, "heartbeat file name %.64s... is too long", path);
    char buf[1024];
    int n = snprintf(buf, sizeof buf,
                     S_MAGIC "pid=%ld\nupdated=%" PRId64 "\nstarted=%" PRId64 "\nlast_receive_ok=%" PRId64
                             "\nreceive_failures=%u\n"
                             "last_error=%s\nslots=%d\nbusy=%d\noldest_job_started=%" PRId64
                             "\nnewest_job_started=%" PRId64 "\njob_limit=%" PRId64 "\n",
                     st->pid, st->updated, st->started, st->last_receive_ok, st->receive_failures,
                     st->last_error, st->slots, st->busy, st->oldest_job_started, st->newest_job_started,
                     st->job_limit);
    if (n < 0 || (size_t)n >= sizeof buf)
        return es_error_set(err, ES_ERR_INTERNAL, "heartbeat state does not fit its buffer");
    int fd = s_create_tmp(tmp);
    if (fd < 0)
        return es_error_set(err, ES_ERR_IO, "cannot create %s: %s", tmp, strerror(errno));
    /* under 1 KiB to a new regular file: a short write means the disk is full */
    ssize_t w = write(fd, buf, (size_t)n);
    es_err rc = w == (ssize_t)n ? ES_OK : ES_ERR_IO;
    int saved = w < 0 ? errno : ENOSPC;
    if (close(fd) != 0 && rc == ES_OK) {
        rc = ES_ERR_IO;
        saved = errno;
    }
    if (rc == ES_OK && rename(tmp, path) != 0) {
        rc = ES_ERR_IO;
        saved = errno;
    }
    if (rc != ES_OK) {
        unlink(tmp);
        return es_error_set(err, rc, "cannot write heartbeat file %s: %s", path, strerror(saved));
    }
    return ES_OK;
}

es_err es_health_check_writable(const char *path, es_error *err)
{
    ES_ENSURE_REF(path);
    /* lstat: the rename replaces the name itself, even a symbolic link */
    struct stat file;
    bool exists = lstat(path, &file) == 0;
    if (exists && S_ISDIR(file.st_mode))
        return es_error_set(err, ES_ERR_CONFIG, "%s is a directory, not a file the worker can write", path);
    char probe[1100];
    if ((size_t)snprintf(probe, sizeof probe, "%s.probe.XXXXXX", path) >= sizeof probe)
        return es_error_set(err, ES_ERR_CONFIG, "heartbeat file name %.64s... is too long", path);
    int fd = mkstemp(probe);
    if (fd < 0)
        return es_error_set(err, ES_ERR_CONFIG, "cannot create files in the directory of %s: %s", path,
                            strerror(errno));
    close(fd);
    unlink(probe);
    /* The heartbeat replaces the file by a rename, which a sticky directory
     * (such as /tmp) refuses for another user's file. */
    char *slash = strrchr(probe, '/');
    if (slash)
        slash[slash == probe ? 1 : 0] = '\0'; /* probe is now the directory */
    struct stat dir;
    if (exists && file.st_uid != geteuid() && geteuid() != 0 && stat(slash ? probe : ".", &dir) == 0 &&
        (dir.st_mode & S_ISVTX))
        return es_error_set(err, ES_ERR_CONFIG,
                            "%s belongs to another user (uid %ld) in a sticky directory: the worker cannot "
                            "replace it",
                            path, (long)file.st_uid);
    return ES_OK;
}

static int64_t s_int(const char *v)
{
    char *end = NULL;
    long long n = strtoll(v, &end, 10);
    return end == v ? 0 : (int64_t)n;
}

/* Applies one "key=value" line (NUL-terminated, without its newline). */
static bool s_apply_line(es_health_state *st, char *line)
{
    char *eq = strchr(line, '=');
    if (!eq)
        return false;
    *eq = '\0';
    const char *k = line, *v = eq + 1;
    static const struct {
        const char *key;
        size_t offset;
    } times[] = {{"updated", offsetof(es_health_state, updated)},
                 {"started", offsetof(es_health_state, started)},
                 {"last_receive_ok", offsetof(es_health_state, last_receive_ok)},
                 {"oldest_job_started", offsetof(es_health_state, oldest_job_started)},
                 {"newest_job_started", offsetof(es_health_state, newest_job_started)},
                 {"job_limit", offsetof(es_health_state, job_limit)}};
    for (size_t i = 0; i < sizeof times / sizeof times[0]; i++)
        if (!strcmp(k, times[i].key)) {
            *(int64_t *)((char *)st + times[i].offset) = s_int(v);
            return !strcmp(k, "updated");
        }
    if (!strcmp(k, "pid"))
        st->pid = (long)s_int(v);
    else if (!strcmp(k, "receive_failures"))
        st->receive_failures = (unsigned)s_int(v);
    else if (!strcmp(k, "slots"))
        st->slots = (int)s_int(v);
    else if (!strcmp(k, "busy"))
        st->busy = (int)s_int(v);
    else if (!strcmp(k, "last_error"))
        snprintf(st->last_error, sizeof st->last_error, "%s", v);
    return false;
}

es_err es_health_read(const char *path, es_health_state *st, bool *has_state, es_error *err)
{
    ES_ENSURE_REF(path);
    ES_ENSURE_REF(st);
    memset(st, 0, sizeof *st);
    *has_state = false;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return es_error_set(err, ES_ERR_NOT_FOUND, "heartbeat file %s: %s", path, strerror(errno));
    char buf[S_MAX_FILE + 1];
    size_t len = 0;
    ssize_t r;
    while (len < S_MAX_FILE && (r = read(fd, buf + len, S_MAX_FILE - len)) != 0) {
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            break;
        len += (size_t)r;
    }
    close(fd);
    buf[len] = '\0';
    for (char *line = buf, *nl; line && *line; line = nl ? nl + 1 : NULL) {
        nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        if (s_apply_line(st, line))
            *has_state = true;
    }
    return ES_OK;
}

/* How recent another worker's heartbeat must be to count as written now:
 * a live one rewrites it about every second. */
#define S_LIVE_WRITER_S 5

long es_health_other_writer(const char *path)
{
    es_health_state st;
    bool has_state = false;
    es_error err;
    es_error_clear(&err);
    if (!path || !path[0] || es_health_read(path, &st, &has_state, &err) != ES_OK || !has_state)
        return 0;
    int64_t now = (int64_t)time(NULL);
    if (st.pid <= 0 || st.pid == (long)getpid() || st.updated < now - S_LIVE_WRITER_S || st.updated > now + 1)
        return 0;
    return kill((pid_t)st.pid, 0) == 0 || errno == EPERM ? st.pid : 0;
}

long es_health_default_max_age(int wait_seconds) { return 3L * wait_seconds + 30; }

static int64_t s_max(int64_t a, int64_t b) { return a > b ? a : b; }

/* How long ago a time t the heartbeat states was: how long before the
 * heartbeat was written (both on the writer's clock), plus the heartbeat's
 * own age, so that a step of the wall clock since the writing changes
 * nothing but that age (which the worker renews every second). */
static int64_t s_ago(const es_health_state *st, int64_t t, int64_t heartbeat_age)
{
    int64_t before = st->updated > t ? st->updated - t : 0;
    return before + heartbeat_age;
}

/* What a path that is not a regular file is, for the message. */
static const char *s_kind(mode_t mode)
{
    if (S_ISDIR(mode))
        return "a directory";
    if (S_ISFIFO(mode))
        return "a FIFO";
    if (S_ISSOCK(mode))
        return "a socket";
    if (S_ISCHR(mode) || S_ISBLK(mode))
        return "a device";
    return "of an unknown kind";
}

es_health_verdict es_health_judge(const char *path, int64_t now, long max_age_s, long stuck_after_s,
                                  char *summary, size_t size)
{
    struct stat sb;
    if (stat(path, &sb) != 0) {
        snprintf(summary, size, "heartbeat file %s: %s (is the worker running?)", path, strerror(errno));
        return ES_HEALTH_MISSING;
    }
    if (!S_ISREG(sb.st_mode)) { /* the worker cannot rename its heartbeat over it */
        snprintf(summary, size, "heartbeat file %s is %s, not a regular file (the worker cannot write it)",
                 path, s_kind(sb.st_mode));
        return ES_HEALTH_MISSING;
    }
    es_health_state st;
    bool has_state = false;
    es_error err;
    es_error_clear(&err);
    bool readable = es_health_read(path, &st, &has_state, &err) == ES_OK;
    /* The heartbeat was written when its state says (else when its mtime
     * says). One dated ahead of now was written before the clock was set
     * back: a live worker has rewritten it since (every second), so how far
     * ahead it is counts as its age. */
    int64_t written = readable && has_state && st.updated > 0 ? st.updated : (int64_t)sb.st_mtime;
    int64_t age = now >= written ? now - written : written - now;
    if (written > now + max_age_s) {
        snprintf(summary, size,
                 "heartbeat file %s is dated %" PRId64 " s ahead of this clock (more than %ld s): the worker "
                 "has not rewritten it since the clock was set back, so its receiver loop is not running",
                 path, written - now, max_age_s);
        return ES_HEALTH_STALE;
    }
    if (age > max_age_s) {
        snprintf(summary, size,
                 "heartbeat file %s is %" PRId64 " s old (more than %ld s): the worker's receiver "
                 "loop is not running",
                 path, age, max_age_s);
        return ES_HEALTH_STALE;
    }
    if (!readable) {
        snprintf(summary, size, "%s", err.msg);
        return ES_HEALTH_MISSING;
    }
    if (!has_state) {
        snprintf(summary, size,
                 "heartbeat %s is %" PRId64 " s old (limit %ld s); no state recorded (only its "
                 "age is judged)",
                 path, age, max_age_s);
        return ES_HEALTH_OK;
    }
    int64_t since_ok = s_ago(&st, s_max(st.last_receive_ok, st.started), age);
    if (st.receive_failures > 0 && since_ok > max_age_s) {
        snprintf(summary, size,
                 "the worker cannot receive from SQS: %u failed receives in a row, %s for %" PRId64
                 " s (limit %ld s); last error: %s",
                 st.receive_failures, st.last_receive_ok ? "no success" : "no success since start", since_ok,
                 max_age_s, st.last_error[0] ? st.last_error : "unknown");
        return ES_HEALTH_NO_RECEIVE;
    }
    if (stuck_after_s == ES_HEALTH_STUCK_AFTER_AUTO)
        stuck_after_s = st.job_limit > ES_HEALTH_DEFAULT_STUCK_AFTER - ES_HEALTH_STUCK_GRACE
                            ? (long)st.job_limit + ES_HEALTH_STUCK_GRACE
                            : ES_HEALTH_DEFAULT_STUCK_AFTER;
    if (stuck_after_s > 0 && st.slots > 0 && st.busy >= st.slots && st.newest_job_started > 0 &&
        s_ago(&st, st.newest_job_started, age) > stuck_after_s) {
        snprintf(summary, size,
                 "every job slot (%d) has been busy with the same job for more than %ld s (the "
                 "most recent started %" PRId64 " s ago): the jobs are stuck",
                 st.slots, stuck_after_s, s_ago(&st, st.newest_job_started, age));
        return ES_HEALTH_STUCK;
    }
    char last_ok[48];
    if (st.last_receive_ok)
        snprintf(last_ok, sizeof last_ok, "%" PRId64 " s ago", s_ago(&st, st.last_receive_ok, age));
    else
        snprintf(last_ok, sizeof last_ok, "none yet");
    snprintf(summary, size,
             "heartbeat %s is %" PRId64 " s old (limit %ld s); last successful receive %s; "
             "%u failed receives in a row; %d of %d job slots busy",
             path, age, max_age_s, last_ok, st.receive_failures, st.busy, st.slots);
    return ES_HEALTH_OK;
}
