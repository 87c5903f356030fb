/* strip.c - `exifstrip strip`: removes metadata from JPEG files, one input at
 * a time, streaming through the stripper with constant memory. Every output
 * goes through a temporary file (output_file.c), so refused inputs leave no
 * output and --in-place never leaves a half-written file. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/format.h"
#include "cli/orientation.h"
#include "cli/output_file.h"
#include "cli/paths.h"
#include "cli/progress.h"
#include "cli/signals.h"
#include "cli/stream.h"
#include "common/block_cache.h"
#include "exifstrip/jpeg.h"
#include "exifstrip/orient.h"

static const char s_usage_text[] =
    "usage: exifstrip strip [options] IN OUT\n"
    "       exifstrip strip [options] -o OUTDIR [FILE...] [-r DIR]...\n"
    "       exifstrip strip [options] --in-place [FILE...] [-r DIR]...\n"
    "\n"
    "Removes privacy-relevant metadata (EXIF with GPS and thumbnails, XMP, IPTC,\n"
    "comments, MPF/MPO extra images, data after EOI) from JPEG files without\n"
    "re-encoding: the image data is copied byte for byte. IN and OUT may be '-'\n"
    "for stdin/stdout; when OUT is a directory the output is OUT/<name of IN>.\n"
    "Outputs are written to a temporary file and renamed into place, so a refused\n"
    "input never leaves a partial or empty file (stdout gets nothing at all).\n"
    "\n"
    "options:\n"
    "  -o, --output-dir DIR  write each FILE to DIR/<name> and each file found with\n"
    "                        -r to DIR/<path relative to the -r directory>\n"
    "  -r, --recursive DIR   strip every .jpg/.jpeg file (any case) below DIR;\n"
    "                        repeatable; needs -o or --in-place. Symbolic links\n"
    "                        (to files or directories) below DIR are skipped\n"
    "      --follow-symlinks follow them (in place, never to a file outside DIR)\n"
    "  -i, --in-place        replace each input by its stripped version (atomic\n"
    "                        rename; keeps the file mode; a refused file, or one\n"
    "                        replaced or modified meanwhile, is left as it is)\n"
    "      --keep-icc        keep ICC colour profiles (default)\n"
    "      --drop-icc        remove ICC colour profiles too\n"
    "      --keep-comments   keep COM comment segments (default: removed)\n"
    "      --orientation MODE  apply (default): turn the pixels losslessly so the\n"
    "                        photo displays upright without its EXIF Orientation\n"
    "                        tag; keep: write back only the tag; drop: remove it\n"
    "      --max-pixels N    apply keeps the tag instead for larger photos\n"
    "                        (default EXIFSTRIP_MAX_PIXELS, else 100000000)\n"
    "      --sync            fsync each output before the rename and its directory\n"
    "                        after it (the default only with --in-place)\n"
    "      --no-sync         never fsync, not even with --in-place\n"
    "  -q, --quiet           no progress line and no summary (errors still shown)\n"
    "  -v, --verbose         per file: sizes in/out and what was removed\n"
    "  -h, --help            show this help\n"
    "\n"
    "exit status: 0 every input was stripped; 2 at least one input was refused\n"
    "(not a JPEG, truncated, corrupt: 'path: reason' on stderr, no output);\n"
    "1 usage or I/O error (this wins over 2).\n";

typedef struct s_opts {
    es_jpeg_policy policy;
    es_orient_config orient;
    const char *out_dir;
    bool in_place, quiet, verbose, follow_symlinks;
    int sync; /* 1 --sync, 0 --no-sync, -1 default: only when replacing inputs */
} s_opts;

typedef struct s_tally {
    unsigned stripped, refused, failed;
    es_progress progress; /* "[i/n] path" on a terminal (cli/progress.h); messages erase it first */
} s_tally;

enum {
    S_OPT_KEEP_ICC = 256,
    S_OPT_DROP_ICC,
    S_OPT_KEEP_COMMENTS,
    S_OPT_SYNC,
    S_OPT_NO_SYNC,
    S_OPT_FOLLOW,
    S_OPT_ORIENTATION,
    S_OPT_MAX_PIXELS
};

static void s_report(s_tally *t, const char *path, const char *what)
{
    char shown[ES_CLI_SHOWN_SIZE];
    es_progress_printf(&t->progress, stderr, "%s: %s\n", es_cli_shown_path(path, shown, sizeof shown), what);
}

static const char *s_display(const char *path) { return strcmp(path, "-") ? path : "<stdin>"; }

static void s_verbose(const s_opts *o, s_tally *t, const char *path, const es_orient_stripper *s)
{
    const es_orient_result *r = es_orient_stripper_result(s);
    if (r->fallback && !o->quiet) /* never silent: the photo was not turned */
        s_report(t, s_display(path), r->note);
    if (!o->verbose || o->quiet)
        return;
    const es_jpeg_stats *st = es_orient_stripper_stats(s);
    char in[32], out[32], removed[512], shown[ES_CLI_SHOWN_SIZE];
    es_cli_human_size(st->bytes_in, in, sizeof in);
    es_cli_human_size(st->bytes_out, out, sizeof out);
    es_cli_removed_summary(st, removed, sizeof removed);
    es_progress_printf(&t->progress, stderr, "%s: %s -> %s, removed: %s%s%s\n",
                       es_cli_shown_path(s_display(path), shown, sizeof shown), in, out, removed,
                       r->note[0] && !r->fallback ? "; " : "", r->note[0] && !r->fallback ? r->note : "");
}

static const char s_dir_replaced[] = "its directory was replaced after the walk (e.g. by a symbolic link to "
                                     "elsewhere); left as it is";

/* The directory a file found by -r is opened in: the one the walk found it
 * in, or -1 with the reason in err. AT_FDCWD for a file named explicitly. */
static int s_open_job_dir(const es_cli_job *job, es_error *err)
{
    if (!job->dir_seen)
        return AT_FDCWD;
    char *dir = es_cli_dirname(job->in);
    int fd = dir ? open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
    free(dir);
    struct stat st;
    if (fd < 0) {
        es_error_set(err, ES_ERR_IO, "cannot open its directory: %s", strerror(errno));
        return -1;
    }
    if (fstat(fd, &st) != 0 || !es_cli_job_dir_unchanged(job, &st)) {
        close(fd);
        es_error_set(err, ES_ERR_PRECONDITION, "%s", s_dir_replaced);
        return -1;
    }
    return fd;
}

/* Opens the input ("-" = stdin; a file found by -r is not followed if it has
 * become a symlink, nor read if no longer a regular file); *st is its fstat.
 * regular_only: a FIFO is not waited on to be opened (the caller refuses it).
 * keep_dir (may be NULL): receives the directory a file found by -r was
 * opened in, for the caller to close or hand on (-1 otherwise).
 * -1 with the reason in err on failure. */
static int s_open_input(const es_cli_job *job, bool regular_only, struct stat *st, int *keep_dir, es_error *err)
{
    memset(st, 0, sizeof *st);
    if (keep_dir)
        *keep_dir = -1;
    if (!strcmp(job->in, "-"))
        return STDIN_FILENO;
    int dir_fd = s_open_job_dir(job, err);
    if (dir_fd == -1)
        return -1;
    int fd = openat(dir_fd, dir_fd == AT_FDCWD ? job->in : es_cli_basename(job->in),
                    O_RDONLY | O_CLOEXEC | (job->nofollow ? O_NOFOLLOW : 0) |
                        (job->nofollow || regular_only ? O_NONBLOCK : 0));
    if (fd < 0) {
        if (job->nofollow && errno == ELOOP)
            es_error_set(err, ES_ERR_INVALID_ARG,
                         "is a symbolic link (not followed under -r; see --follow-symlinks)");
        else
            es_error_set(err, ES_ERR_IO, "cannot open: %s", strerror(errno));
    } else if (fstat(fd, st) == 0 && S_ISDIR(st->st_mode)) {
        es_error_set(err, ES_ERR_INVALID_ARG, "is a directory (use -r DIR)");
    } else if (job->nofollow && !S_ISREG(st->st_mode)) {
        es_error_set(err, ES_ERR_INVALID_ARG, "is no longer a regular file");
    } else {
        if (dir_fd != AT_FDCWD && keep_dir)
            *keep_dir = dir_fd;
        else if (dir_fd != AT_FDCWD)
            close(dir_fd);
        return fd;
    }
    if (fd >= 0)
        close(fd);
    if (dir_fd != AT_FDCWD)
        close(dir_fd);
    return -1;
}

/* Test hook (EXIFSTRIP_TEST_PAUSE_FIFO=path, used by tests/cli): before an
 * output is published, open the FIFO and read it to its end, so a test can
 * change the input at exactly this point. Nothing happens without it. */
static void s_test_pause(void)
{
    const char *fifo = getenv("EXIFSTRIP_TEST_PAUSE_FIFO");
    char buf[64];
    int fd = fifo && *fifo ? open(fifo, O_RDONLY | O_CLOEXEC) : -1;
    if (fd < 0)
        return;
    while (read(fd, buf, sizeof buf) > 0) {
    }
    close(fd);
}

/* Test hook (EXIFSTRIP_TEST_HOLD_STATS=1, used by tests/cli): after each
 * output, "path: probed N, copied M" on stderr - the input bytes the
 * orientation stripper scanned while deciding (and buffering a photo to
 * turn) and copied into its hold (es_orient_stripper_probed, _copied), so a
 * test can tell a lent mapped file from a copied one without counting page
 * faults. Nothing happens without it. */
static void s_test_hold_stats(s_tally *t, const char *path, const es_orient_stripper *s)
{
    const char *on = getenv("EXIFSTRIP_TEST_HOLD_STATS");
    if (on && !strcmp(on, "1"))
        es_progress_printf(&t->progress, stderr, "%s: probed %llu, copied %llu\n", s_display(path),
                           (unsigned long long)es_orient_stripper_probed(s),
                           (unsigned long long)es_orient_stripper_copied(s));
}

/* Publishes the output; in place only if the input is still the file that was
 * read (not replaced by a rename onto its path, not written to meanwhile). */
static es_err s_commit(const s_opts *o, es_cli_out *out, int fd, const struct stat *opened, es_error *err)
{
    bool sync = o->sync < 0 ? o->in_place : o->sync == 1;
    struct stat now;
    s_test_pause();
    if (o->in_place) {
        if (fstat(fd, &now) != 0 || !es_cli_same_file(&now, opened)) {
            es_cli_out_abort(out);
            return es_error_set(err, ES_ERR_PRECONDITION,
                                "changed while it was being stripped (replaced or modified); left as it is");
        }
        es_cli_out_expect(out, opened);
    }
    return es_cli_out_commit(out, sync, err, NULL);
}

static void s_strip_one(const s_opts *o, const es_cli_job *job, s_tally *t)
{
    es_error err;
    es_cli_input info;
    struct stat opened;
    es_error_clear(&err);
    /* In place, a file found by -r is renamed into the directory the walk
     * found it in (the one it was opened in, held from here on), never one its
     * path leads to now. */
    bool in_walked_dir = o->in_place && job->dir_seen && job->nofollow;
    int dir_fd = -1;
    int fd = s_open_input(job, o->in_place, &opened, in_walked_dir ? &dir_fd : NULL, &err);
    if (fd < 0) {
        s_report(t, s_display(job->in), err.msg);
        t->failed++;
        return;
    }
    if (o->in_place && !S_ISREG(opened.st_mode)) { /* a FIFO would be written back into itself */
        s_report(t, s_display(job->in), "not a regular file: --in-place replaces regular files only");
        t->failed++;
        goto done;
    }
    struct stat target;
    if (!o->in_place && fd != STDIN_FILENO && strcmp(job->out, "-") && stat(job->out, &target) == 0 &&
        target.st_dev == opened.st_dev && target.st_ino == opened.st_ino) {
        s_report(t, job->out, "is the input itself; not replaced (use --in-place for that)");
        t->failed++;
        goto done;
    }
    if (o->out_dir && es_cli_make_parents(job->out) != 0) {
        es_error_set(&err, ES_ERR_IO, "cannot create its directory: %s", strerror(errno));
        s_report(t, job->out, err.msg);
        t->failed++;
        goto done;
    }
    es_cli_out *out = dir_fd >= 0 ? es_cli_out_open_in(dir_fd, job->out, &err)
                                  : es_cli_out_open(job->out, &err);
    dir_fd = -1; /* taken over by the output */
    if (!out) {
        s_report(t, job->out, err.msg);
        t->failed++;
        goto done;
    }
    es_orient_stripper *s = es_orient_stripper_new(&o->policy, &o->orient, es_cli_out_write, out);
    es_err rc = s ? es_cli_pump_orient(s, fd, &info) : ES_ERR_NOMEM;
    if (rc == ES_OK) {
        if (s_commit(o, out, fd, &opened, &err) == ES_OK) {
            t->stripped++;
            s_verbose(o, t, job->in, s);
            s_test_hold_stats(t, job->in, s);
        } else {
            s_report(t, job->out, err.msg);
            t->failed++;
        }
    } else if (rc == ES_ERR_OUTPUT && es_cli_out_errno(out)) {
        es_error_set(&err, rc, "cannot write: %s", strerror(es_cli_out_errno(out)));
        es_cli_out_abort(out);
        s_report(t, job->out, err.msg);
        t->failed++;
    } else {
        es_cli_failure_reason(s ? es_orient_stripper_error(s) : NULL, rc, &info, &err);
        es_cli_out_abort(out);
        s_report(t, s_display(job->in), err.msg);
        if (es_err_category(rc) == ES_CAT_INPUT)
            t->refused++;
        else
            t->failed++;
    }
    es_orient_stripper_free(s);
done:
    if (fd != STDIN_FILENO)
        close(fd);
    if (dir_fd >= 0)
        close(dir_fd);
}

/* SIGINT/SIGTERM: the output being written is not left behind as a hidden
 * temporary file; the process then ends by the signal, as it would have. */
static void s_on_stop(int sig)
{
    es_cli_out_remove_pending();
    signal(sig, SIG_DFL);
    raise(sig);
}

static int s_usage_error(const char *msg)
{
    fprintf(stderr, "exifstrip strip: %s\n(see 'exifstrip strip --help')\n", msg);
    return ES_EXIT_FAILURE;
}

/* Builds the job list from the positional arguments and -r directories. */
static int s_plan(const s_opts *o, int nfiles, char **files, int ndirs, char **dirs, es_cli_jobs *jobs,
                  es_cli_walk *walk)
{
    if (!o->out_dir && !o->in_place) {
        if (ndirs)
            return s_usage_error("-r needs -o OUTDIR or --in-place");
        if (nfiles != 2)
            return s_usage_error(nfiles < 2 ? "expected IN and OUT"
                                            : "several inputs need -o OUTDIR or --in-place");
        struct stat st;
        if (strcmp(files[0], "-") && strcmp(files[1], "-") && stat(files[1], &st) == 0 && S_ISDIR(st.st_mode)) {
            char *out = es_cli_path_join(files[1], es_cli_basename(files[0]));
            int rc = out ? es_cli_jobs_add(jobs, files[0], out) : -1;
            free(out);
            return rc ? s_usage_error("out of memory") : ES_EXIT_OK;
        }
        if (!strcmp(files[1], "-") && isatty(STDOUT_FILENO))
            return s_usage_error("not writing JPEG data to a terminal (redirect stdout)");
        return es_cli_jobs_add(jobs, files[0], files[1]) ? s_usage_error("out of memory") : ES_EXIT_OK;
    }
    if (o->out_dir && o->in_place)
        return s_usage_error("-o and --in-place exclude each other");
    if (nfiles + ndirs == 0)
        return s_usage_error("no input files");
    for (int i = 0; i < nfiles; i++) {
        if (!strcmp(files[i], "-"))
            return s_usage_error("'-' (stdin) only works as 'strip - OUT'");
        char *out = o->out_dir ? es_cli_path_join(o->out_dir, es_cli_basename(files[i])) : strdup(files[i]);
        int rc = out ? es_cli_jobs_add(jobs, files[i], out) : -1;
        free(out);
        if (rc)
            return s_usage_error("out of memory");
    }
    for (int i = 0; i < ndirs; i++)
        if (es_cli_collect_tree(dirs[i], walk, jobs) != 0)
            return s_usage_error("out of memory");
    const char *dup = o->in_place ? NULL : es_cli_jobs_duplicate_out(jobs);
    if (dup) {
        fprintf(stderr, "%s: several inputs would be written here\n", dup);
        return s_usage_error("output names collide (inputs with the same name from different directories?)");
    }
    return ES_EXIT_OK;
}

static int s_parse(int argc, char **argv, s_opts *o, char **dirs, int *ndirs)
{
    static const struct option longopts[] = {
        {"output-dir", required_argument, NULL, 'o'},
        {"recursive", required_argument, NULL, 'r'},
        {"in-place", no_argument, NULL, 'i'},
        {"keep-icc", no_argument, NULL, S_OPT_KEEP_ICC},
        {"drop-icc", no_argument, NULL, S_OPT_DROP_ICC},
        {"keep-comments", no_argument, NULL, S_OPT_KEEP_COMMENTS},
        {"sync", no_argument, NULL, S_OPT_SYNC},
        {"no-sync", no_argument, NULL, S_OPT_NO_SYNC},
        {"follow-symlinks", no_argument, NULL, S_OPT_FOLLOW},
        {"orientation", required_argument, NULL, S_OPT_ORIENTATION},
        {"max-pixels", required_argument, NULL, S_OPT_MAX_PIXELS},
        {"quiet", no_argument, NULL, 'q'},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:r:iqvh", longopts, NULL)) != -1) {
        switch (c) {
        case 'o': o->out_dir = optarg; break;
        case 'r': dirs[(*ndirs)++] = optarg; break;
        case 'i': o->in_place = true; break;
        case S_OPT_KEEP_ICC: o->policy.keep_icc = true; break;
        case S_OPT_DROP_ICC: o->policy.keep_icc = false; break;
        case S_OPT_KEEP_COMMENTS: o->policy.keep_comments = true; break;
        case S_OPT_SYNC: o->sync = 1; break;
        case S_OPT_NO_SYNC: o->sync = 0; break;
        case S_OPT_FOLLOW: o->follow_symlinks = true; break;
        case S_OPT_ORIENTATION:
            if (!es_cli_orientation_mode_arg("strip", optarg, &o->orient))
                return -2;
            break;
        case S_OPT_MAX_PIXELS:
            if (!es_cli_orientation_pixels_arg("strip", optarg, &o->orient))
                return -2;
            break;
        case 'q': o->quiet = true; break;
        case 'v': o->verbose = true; break;
        case 'h': fputs(s_usage_text, stdout); return -1;
        default: fprintf(stderr, "(see 'exifstrip strip --help')\n"); return -2;
        }
    }
    return 0;
}

/* A batch keeps the large blocks of a turned photo (its hold, output and
 * coefficient store, common/block_cache.h) for the next one, up to this many
 * bytes of mappings (only the pages a turn touched are resident): as glibc's
 * malloc reuses freed memory, instead of faulting fresh pages in for each
 * photo. A 12 MP photo's turn maps ~46 MiB of which ~20 MiB is touched. */
#define S_BATCH_KEEP_BYTES ((size_t)256 << 20)

int es_cmd_strip(int argc, char **argv)
{
    s_opts o = {.sync = -1};
    es_jpeg_policy_default(&o.policy);
    if (!es_cli_orientation_env("strip", &o.orient))
        return ES_EXIT_FAILURE;
    es_cli_jobs jobs = {0};
    s_tally t = {0};
    char **dirs = calloc((size_t)argc + 1, sizeof *dirs);
    int ndirs = 0, status;
    if (!dirs) {
        fprintf(stderr, "exifstrip strip: out of memory\n");
        return ES_EXIT_FAILURE;
    }
    int prc = s_parse(argc, argv, &o, dirs, &ndirs);
    if (prc != 0) {
        free(dirs);
        return prc == -1 ? ES_EXIT_OK : ES_EXIT_FAILURE;
    }
    es_cli_walk walk = {.out_root = o.out_dir,
                        .follow_symlinks = o.follow_symlinks,
                        .verbose = o.verbose && !o.quiet};
    status = s_plan(&o, argc - optind, argv + optind, ndirs, dirs, &jobs, &walk);
    free(dirs);
    if (status != ES_EXIT_OK) {
        es_cli_jobs_free(&jobs);
        return status;
    }
    es_progress_init(&t.progress, stderr, "exifstrip", 0);
    bool progress = jobs.n > 1 && !o.quiet && t.progress.tty; /* then a summary follows */
    if (jobs.n > 1)
        es_block_cache_limit(S_BATCH_KEEP_BYTES, 0, 0);
    es_block_cache_huge_pages(true); /* a turn's large blocks fault in 2 MiB at a time (block_cache.c) */
    es_cli_set_stop_handlers(s_on_stop);
    for (size_t i = 0; i < jobs.n; i++) {
        if (progress) {
            char line[1024], shown[ES_CLI_SHOWN_SIZE];
            snprintf(line, sizeof line, "[%zu/%zu] %s", i + 1, jobs.n,
                     es_cli_shown_path(jobs.v[i].in, shown, sizeof shown));
            es_progress_show(&t.progress, line);
        }
        s_strip_one(&o, &jobs.v[i], &t);
    }
    es_block_cache_release();
    if (!o.quiet && (jobs.n > 1 || walk.errors || walk.skipped)) {
        char skipped[96] = "";
        if (walk.skipped)
            snprintf(skipped, sizeof skipped, ", %u symbolic links skipped%s", walk.skipped,
                     o.verbose ? "" : " (-v lists them)");
        es_progress_printf(&t.progress, stderr, "exifstrip: %u stripped, %u refused, %u failed%s\n",
                           t.stripped, t.refused, t.failed + walk.errors, skipped);
    }
    es_progress_end(&t.progress);
    es_cli_jobs_free(&jobs);
    if (t.failed || walk.errors)
        return ES_EXIT_FAILURE;
    return t.refused ? ES_EXIT_REFUSED : ES_EXIT_OK;
}
