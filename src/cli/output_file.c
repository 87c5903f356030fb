/* output_file.c - temp-file-and-rename outputs (see output_file.h). The
 * temporary file is created with its final mode where possible (O_CREAT
 * applies the umask), so a new output costs no umask or fchmod calls. The
 * target's directory is held open from the start: the temporary file, the
 * checks, the rename and the directory's fsync all happen in that directory,
 * even if its path is made to lead elsewhere meanwhile. A target that is a
 * device or FIFO is written like stdout, never replaced. */
#include "cli/output_file.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/paths.h"
#include "cli/stream.h"

#define S_TMP_TAG "exifstrip-" /* in every temporary file's name */

struct es_cli_out {
    int fd;
    int sink_fd; /* spooled, copied here on commit: STDOUT_FILENO, or a device/FIFO target
                    opened for writing; -1: a temporary file renamed onto the target */
    int err_no;
    char *final_path; /* NULL for stdout */
    char *tmp_name;   /* in dir_fd; NULL for stdout, or once published */
    char *dir;        /* directory of final_path (for messages) */
    int dir_fd;       /* that directory, held open; -1 for stdout and sinks */
    bool expect;      /* final_path must still be `expected` at commit */
    struct stat expected;
    size_t len;
    uint8_t buf[ES_CLI_CHUNK];
};

/* The temporary file a stop signal would leave behind (the CLI has one output
 * open at a time): its directory and name, set once it exists, cleared once it
 * is renamed or removed. Read by es_cli_out_remove_pending in a signal handler. */
static volatile sig_atomic_t s_pending_dir = -1;
static char s_pending_name[NAME_MAX + 1];

static void s_pending_set(const es_cli_out *o)
{
    s_pending_dir = -1;
    snprintf(s_pending_name, sizeof s_pending_name, "%s", o->tmp_name);
    s_pending_dir = o->dir_fd;
}

void es_cli_out_remove_pending(void)
{
    int dir = s_pending_dir;
    if (dir >= 0)
        unlinkat(dir, s_pending_name, 0);
}

static void s_free(es_cli_out *o)
{
    free(o->final_path);
    free(o->tmp_name);
    free(o->dir);
    if (o->dir_fd >= 0)
        close(o->dir_fd);
    free(o);
}

static int s_write_all(int fd, const uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int s_flush(es_cli_out *o)
{
    if (o->err_no)
        return -1;
    if (o->len && s_write_all(o->fd, o->buf, o->len) != 0) {
        o->err_no = errno ? errno : EIO;
        return -1;
    }
    o->len = 0;
    return 0;
}

/* The anonymous spool for stdout, in $TMPDIR or /tmp. */
static int s_open_spool(es_cli_out *o, es_error *err)
{
    const char *tmpdir = getenv("TMPDIR");
    char path[PATH_MAX];
    if (!tmpdir || !*tmpdir)
        tmpdir = "/tmp";
    if (snprintf(path, sizeof path, "%s/exifstrip-XXXXXX", tmpdir) >= (int)sizeof path) {
        es_error_set(err, ES_ERR_OUTPUT, "temporary directory path too long");
        return -1;
    }
    o->fd = mkostemp(path, O_CLOEXEC);
    if (o->fd < 0) {
        es_error_set(err, ES_ERR_OUTPUT, "cannot create a temporary file in %s: %s", tmpdir, strerror(errno));
        return -1;
    }
    unlink(path);
    return 0;
}

/* The temporary file's name for a target named base: ".base.exifstrip-XXXXXX",
 * or ".exifstrip-XXXXXX" when that would pass the file system's name limit. */
static char *s_tmp_name(const char *base)
{
    char *name = NULL;
    if (strlen(base) + sizeof ".." S_TMP_TAG "XXXXXX" - 1 > NAME_MAX)
        return strdup("." S_TMP_TAG "XXXXXX");
    return asprintf(&name, ".%s." S_TMP_TAG "XXXXXX", base) < 0 ? NULL : name;
}

/* The directory's path (for messages) and the temp file's name, from final_path. */
static int s_names(es_cli_out *o, es_error *err)
{
    const char *base = es_cli_basename(o->final_path);
    if (!*base) {
        es_error_set(err, ES_ERR_INVALID_ARG, "not a file name");
        return -1;
    }
    o->dir = es_cli_dirname(o->final_path);
    if (!o->dir || !(o->tmp_name = s_tmp_name(base))) {
        es_error_set(err, ES_ERR_NOMEM, "out of memory");
        return -1;
    }
    return 0;
}

/* Target (resolved through a symlink), its directory (opened) and the temp
 * file name; *existing is set when the target is a regular file (its stat in *st). */
static int s_paths(es_cli_out *o, const char *path, struct stat *st, bool *existing, es_error *err)
{
    bool found = lstat(path, st) == 0;
    if (found && S_ISLNK(st->st_mode)) {
        o->final_path = realpath(path, NULL);
        found = o->final_path && stat(o->final_path, st) == 0;
    } else {
        o->final_path = strdup(path);
    }
    if (!o->final_path) {
        es_error_set(err, ES_ERR_OUTPUT, "cannot resolve: %s", strerror(errno));
        return -1;
    }
    *existing = found && S_ISREG(st->st_mode);
    if (s_names(o, err) != 0)
        return -1;
    o->dir_fd = open(o->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (o->dir_fd < 0) {
        es_error_set(err, ES_ERR_OUTPUT, "cannot open its directory %s: %s", o->dir, strerror(errno));
        return -1;
    }
    return 0;
}

/* Creates tmpl in dir_fd exclusively, its trailing "XXXXXX" replaced by random
 * letters and digits (another name on a clash, like mkostemp). The CLI is
 * single threaded: the generator state is a plain static, seeded once. */
static int s_create_temp(int dir_fd, char *tmpl, mode_t mode)
{
    static const char digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    static uint64_t state;
    size_t n = strlen(tmpl);
    if (n < 6 || strcmp(tmpl + n - 6, "XXXXXX") != 0) {
        errno = EINVAL;
        return -1;
    }
    if (!state) {
        if (getrandom(&state, sizeof state, GRND_NONBLOCK) != (ssize_t)sizeof state) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            state = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec + (uint64_t)getpid();
        }
        state |= 1; /* xorshift needs a non-zero state */
    }
    for (int attempt = 0; attempt < 1000; attempt++) {
        state ^= state << 13; /* xorshift64 */
        state ^= state >> 7;
        state ^= state << 17;
        uint64_t r = state;
        for (size_t i = n - 6; i < n; i++, r /= 62)
            tmpl[i] = digits[r % 62];
        int fd = openat(dir_fd, tmpl, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, mode);
        if (fd >= 0 || errno != EEXIST)
            return fd;
    }
    return -1; /* errno EEXIST */
}

/* An existing target's mode (and, as root, owner) goes to the temp file. */
static void s_copy_mode(es_cli_out *o, const struct stat *st)
{
    static int root = -1; /* geteuid() == 0, asked once */
    if (root < 0)
        root = geteuid() == 0;
    if (root && fchown(o->fd, st->st_uid, st->st_gid) != 0) {
        /* best effort: keep our ownership */
    }
    (void)fchmod(o->fd, st->st_mode & 07777);
}

static es_cli_out *s_new(es_error *err)
{
    /* malloc, not calloc: the 256 KiB buffer needs no zeroing, and a reused
     * heap block avoids fresh page faults for every file. */
    es_cli_out *o = malloc(sizeof *o);
    if (!o) {
        es_error_set(err, ES_ERR_NOMEM, "out of memory");
        return NULL;
    }
    o->fd = -1;
    o->sink_fd = -1;
    o->err_no = 0;
    o->final_path = o->tmp_name = o->dir = NULL;
    o->dir_fd = -1;
    o->expect = false;
    o->len = 0;
    return o;
}

/* Creates the temporary file in dir_fd: a new output as 0666 & ~umask right
 * away; a replaced one (existing, its stat in *st) starts private and then
 * takes the target's mode. */
static int s_create(es_cli_out *o, bool existing, const struct stat *st, es_error *err)
{
    o->fd = s_create_temp(o->dir_fd, o->tmp_name, existing ? 0600 : 0666);
    if (o->fd < 0) {
        es_error_set(err, ES_ERR_OUTPUT, "cannot create a temporary file in %s: %s", o->dir, strerror(errno));
        return -1;
    }
    s_pending_set(o);
    if (existing)
        s_copy_mode(o, st);
    return 0;
}

static es_cli_out *s_fail(es_cli_out *o)
{
    if (o->fd >= 0)
        close(o->fd);
    if (o->sink_fd > STDERR_FILENO)
        close(o->sink_fd);
    s_free(o);
    return NULL;
}

es_cli_out *es_cli_out_open_in(int dir_fd, const char *path, es_error *err)
{
    es_cli_out *o = s_new(err);
    if (!o) {
        close(dir_fd);
        return NULL;
    }
    o->dir_fd = dir_fd;
    struct stat st;
    if (!(o->final_path = strdup(path))) {
        es_error_set(err, ES_ERR_NOMEM, "out of memory");
        return s_fail(o);
    }
    if (s_names(o, err) != 0)
        return s_fail(o);
    bool existing = fstatat(dir_fd, es_cli_basename(path), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
                    S_ISREG(st.st_mode);
    return s_create(o, existing, &st, err) == 0 ? o : s_fail(o);
}

es_cli_out *es_cli_out_open(const char *path, es_error *err)
{
    es_cli_out *o = s_new(err);
    if (!o)
        return NULL;
    if (!strcmp(path, "-")) {
        if (s_open_spool(o, err) != 0)
            return s_fail(o);
        o->sink_fd = STDOUT_FILENO;
        return o;
    }
    struct stat st;
    /* A device or FIFO (/dev/null, a named pipe) is written, never replaced
     * by a renamed file: spooled like stdout and copied to it on commit. */
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
        o->final_path = strdup(path);
        o->sink_fd = open(path, O_WRONLY | O_CLOEXEC);
        if (!o->final_path || o->sink_fd < 0) {
            es_error_set(err, ES_ERR_OUTPUT, "cannot open: %s",
                         o->final_path ? strerror(errno) : "out of memory");
            return s_fail(o);
        }
        if (s_open_spool(o, err) != 0)
            return s_fail(o);
        return o;
    }
    bool existing;
    if (s_paths(o, path, &st, &existing, err) != 0 || s_create(o, existing, &st, err) != 0)
        return s_fail(o);
    return o;
}

/* A run at least this long (a photo's entropy-coded scan) is written straight
 * from the caller's memory: copying it into the buffer first would cost a
 * memcpy and a page fault per 4 KiB of buffer touched, more than the extra
 * write() for the bytes buffered before it. */
#define S_DIRECT_MIN ((size_t)64 * 1024)

es_err es_cli_out_write(void *ctx, const uint8_t *data, size_t len)
{
    es_cli_out *o = ctx;
    if (o->err_no)
        return ES_ERR_OUTPUT;
    if (len > sizeof o->buf - o->len || len >= S_DIRECT_MIN) {
        if (s_flush(o) != 0)
            return ES_ERR_OUTPUT;
        if (len >= S_DIRECT_MIN) {
            if (s_write_all(o->fd, data, len) != 0) {
                o->err_no = errno ? errno : EIO;
                return ES_ERR_OUTPUT;
            }
            return ES_OK;
        }
    }
    memcpy(o->buf + o->len, data, len);
    o->len += len;
    return ES_OK;
}

int es_cli_out_errno(const es_cli_out *o) { return o ? o->err_no : 0; }

void es_cli_out_expect(es_cli_out *o, const struct stat *st)
{
    o->expect = true;
    o->expected = *st;
}

bool es_cli_same_file(const struct stat *a, const struct stat *b)
{
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
           a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/* The target is still the expected file (lstat: a symlink put in its place differs). */
static bool s_target_unchanged(const es_cli_out *o)
{
    struct stat now;
    return !o->expect || (fstatat(o->dir_fd, es_cli_basename(o->final_path), &now, AT_SYMLINK_NOFOLLOW) == 0 &&
                          es_cli_same_file(&now, &o->expected));
}

/* Copies the spool to the sink through the (flushed, now free) buffer. */
static int s_copy_to_sink(es_cli_out *o)
{
    if (lseek(o->fd, 0, SEEK_SET) != 0)
        return -1;
    for (;;) {
        ssize_t n = read(o->fd, o->buf, sizeof o->buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0)
            return 0;
        if (s_write_all(o->sink_fd, o->buf, (size_t)n) != 0)
            return -1;
    }
}

es_err es_cli_out_commit(es_cli_out *o, bool sync, es_error *err, bool *changed)
{
    es_err rc = ES_OK;
    if (changed)
        *changed = false;
    if (s_flush(o) != 0) {
        rc = es_error_set(err, ES_ERR_OUTPUT, "cannot write: %s", strerror(o->err_no));
        goto done;
    }
    if (o->sink_fd >= 0) {
        if (s_copy_to_sink(o) != 0) {
            rc = es_error_set(err, ES_ERR_OUTPUT, "cannot write to %s: %s",
                              o->final_path ? o->final_path : "stdout", strerror(errno));
            goto done;
        }
        goto done;
    }
    if (sync && fsync(o->fd) != 0) {
        rc = es_error_set(err, ES_ERR_OUTPUT, "cannot sync: %s", strerror(errno));
        goto done;
    }
    int fd = o->fd;
    o->fd = -1;
    if (close(fd) != 0) {
        rc = es_error_set(err, ES_ERR_OUTPUT, "cannot write: %s", strerror(errno));
        goto done;
    }
    /* The last moment before the rename: a file replaced (mv onto the path)
     * or rewritten since it was opened is left as it is. */
    if (!s_target_unchanged(o)) {
        rc = es_error_set(err, ES_ERR_PRECONDITION,
                          "changed while it was being stripped (replaced or modified); left as it is");
        if (changed)
            *changed = true;
        goto done;
    }
    if (renameat(o->dir_fd, o->tmp_name, o->dir_fd, es_cli_basename(o->final_path)) != 0) {
        rc = es_error_set(err, ES_ERR_OUTPUT, "cannot replace: %s", strerror(errno));
        goto done;
    }
    s_pending_dir = -1;
    free(o->tmp_name);
    o->tmp_name = NULL; /* published: nothing to unlink */
    if (sync)
        (void)fsync(o->dir_fd);
done:
    es_cli_out_abort(o);
    return rc;
}

void es_cli_out_abort(es_cli_out *o)
{
    if (!o)
        return;
    if (o->fd >= 0)
        close(o->fd);
    if (o->sink_fd > STDERR_FILENO)
        close(o->sink_fd);
    if (o->tmp_name) {
        unlinkat(o->dir_fd, o->tmp_name, 0);
        s_pending_dir = -1;
    }
    s_free(o);
}
