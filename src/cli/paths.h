/* paths.h - the list of (input, output) pairs a strip run works through, and
 * how it is built: explicit files, recursion into directories (only
 * .jpg/.jpeg files, relative paths kept under the output directory), and
 * creating missing output directories. */
#ifndef ES_CLI_PATHS_H
#define ES_CLI_PATHS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

typedef struct es_cli_job {
    char *in;      /* "-" = stdin */
    char *out;     /* "-" = stdout */
    bool nofollow; /* found by -r without --follow-symlinks: open with O_NOFOLLOW */
    bool dir_seen; /* found by -r: the directory holding it was dir_dev/dir_ino */
    dev_t dir_dev;
    ino_t dir_ino;
} es_cli_job;

typedef struct es_cli_jobs {
    es_cli_job *v;
    size_t n, cap;
} es_cli_jobs;

/* Appends copies of in/out. Returns 0 or -1 (out of memory). */
int es_cli_jobs_add(es_cli_jobs *jobs, const char *in, const char *out);
void es_cli_jobs_free(es_cli_jobs *jobs);
/* An output path that two jobs share (one would overwrite the other), or
 * NULL when all differ (or when out of memory to check). */
const char *es_cli_jobs_duplicate_out(const es_cli_jobs *jobs);

/* True for names ending in .jpg or .jpeg, any case. */
bool es_cli_is_jpeg_name(const char *name);
/* malloc'd "dir/name" (no doubled slash); NULL when out of memory. */
char *es_cli_path_join(const char *dir, const char *name);
/* Last component of path (pointer into path). */
const char *es_cli_basename(const char *path);
/* malloc'd directory part of path ("." when it has none, "/" for "/x"); NULL when out of memory. */
char *es_cli_dirname(const char *path);
/* Whether job's directory is still the one the walk found it in (always true
 * for a job not found by -r). A directory of the tree swapped for a link
 * elsewhere after the walk resolves to another directory: false. */
bool es_cli_job_dir_unchanged(const es_cli_job *job, const struct stat *dir);

/* How a tree is walked, and what the walk met besides jobs. */
typedef struct es_cli_walk {
    const char *out_root; /* NULL: in place */
    bool follow_symlinks; /* --follow-symlinks */
    bool verbose;         /* report each skipped symlink on stderr */
    unsigned errors;      /* unreadable directories and entries (reported on stderr) */
    unsigned skipped;     /* symlinks not followed */
} es_cli_walk;

/* Adds every .jpg/.jpeg regular file below root, in sorted order, with output
 * out_root/<path relative to root> (or the input itself when out_root is
 * NULL: in place). The directory out_root itself is skipped. Symlinks (to
 * files or directories) are skipped and counted unless follow_symlinks; jobs
 * for files found are marked nofollow. With follow_symlinks, links are
 * followed (a directory already being walked is not entered again), except
 * that in place a link whose target lies outside root is skipped: nothing
 * outside the tree is rewritten through a link. Each job records the
 * directory it was found in (dir_seen). Unreadable directories are
 * reported on stderr and counted; returns -1 only when out of memory. */
int es_cli_collect_tree(const char *root, es_cli_walk *walk, es_cli_jobs *jobs);

/* Creates the directories leading to file path (like mkdir -p of its
 * parent); nothing when that directory exists or was the previous call's.
 * Returns 0, or -1 with errno set. Not thread-safe. */
int es_cli_make_parents(const char *path);

#endif
