/* paths.c - input/output pair lists, recursive collection of JPEG files and
 * creation of output directories for `exifstrip strip`. */
#include "cli/paths.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "cli/format.h"

/* Deeper trees than this are not descended (loops through bind mounts ...). */
#define S_MAX_DEPTH 64

/* "path: what" on stderr, the path shown safely (es_cli_shown_path). */
static void s_complain(const char *path, const char *what)
{
    char shown[ES_CLI_SHOWN_SIZE];
    fprintf(stderr, "%s: %s\n", es_cli_shown_path(path, shown, sizeof shown), what);
}

int es_cli_jobs_add(es_cli_jobs *jobs, const char *in, const char *out)
{
    if (jobs->n == jobs->cap) {
        size_t cap = jobs->cap ? jobs->cap * 2 : 16;
        es_cli_job *v = realloc(jobs->v, cap * sizeof *v);
        if (!v)
            return -1;
        jobs->v = v;
        jobs->cap = cap;
    }
    char *i = strdup(in), *o = strdup(out);
    if (!i || !o) {
        free(i);
        free(o);
        return -1;
    }
    jobs->v[jobs->n++] = (es_cli_job){.in = i, .out = o};
    return 0;
}

void es_cli_jobs_free(es_cli_jobs *jobs)
{
    for (size_t i = 0; i < jobs->n; i++) {
        free(jobs->v[i].in);
        free(jobs->v[i].out);
    }
    free(jobs->v);
    *jobs = (es_cli_jobs){0};
}

static int s_cmp_names(const void *a, const void *b);

const char *es_cli_jobs_duplicate_out(const es_cli_jobs *jobs)
{
    const char *dup = NULL;
    char **outs = jobs->n > 1 ? malloc(jobs->n * sizeof *outs) : NULL;
    if (!outs)
        return NULL;
    for (size_t i = 0; i < jobs->n; i++)
        outs[i] = jobs->v[i].out;
    qsort(outs, jobs->n, sizeof *outs, s_cmp_names);
    for (size_t i = 1; i < jobs->n && !dup; i++)
        if (!strcmp(outs[i - 1], outs[i]))
            dup = outs[i];
    free(outs);
    return dup;
}

bool es_cli_is_jpeg_name(const char *name)
{
    const char *dot = strrchr(name, '.');
    return dot && dot != name && (!strcasecmp(dot, ".jpg") || !strcasecmp(dot, ".jpeg"));
}

char *es_cli_path_join(const char *dir, const char *name)
{
    char *p = NULL;
    size_t dl = strlen(dir);
    bool slash = dl > 0 && dir[dl - 1] == '/';
    if (asprintf(&p, "%s%s%s", dir, slash ? "" : "/", name) < 0)
        return NULL;
    return p;
}

const char *es_cli_basename(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

char *es_cli_dirname(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return strdup(".");
    return strndup(path, slash == path ? 1 : (size_t)(slash - path));
}

bool es_cli_job_dir_unchanged(const es_cli_job *job, const struct stat *dir)
{
    return !job->dir_seen || (dir->st_dev == job->dir_dev && dir->st_ino == job->dir_ino);
}

typedef struct s_walk {
    es_cli_jobs *jobs;
    es_cli_walk *opts;
    bool skip_valid;
    dev_t skip_dev;
    ino_t skip_ino;
    char *root_real;                /* realpath of the root (in place + follow_symlinks) */
    dev_t dir_dev[S_MAX_DEPTH + 1]; /* the directories being walked, root first */
    ino_t dir_ino[S_MAX_DEPTH + 1];
} s_walk;

static int s_cmp_names(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Sorted entry names of dir (without . and ..); NULL + *n = 0 on error. */
static char **s_list_dir(const char *dir, size_t *n)
{
    DIR *d = opendir(dir);
    char **names = NULL;
    size_t cap = 0;
    struct dirent *e;
    *n = 0;
    if (!d)
        return NULL;
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        if (*n == cap) {
            cap = cap ? cap * 2 : 32;
            char **v = realloc(names, cap * sizeof *v);
            if (!v)
                goto oom;
            names = v;
        }
        if (!(names[*n] = strdup(e->d_name)))
            goto oom;
        (*n)++;
    }
    closedir(d);
    if (*n)
        qsort(names, *n, sizeof *names, s_cmp_names);
    return names ? names : calloc(1, sizeof *names);
oom:
    closedir(d);
    for (size_t i = 0; i < *n; i++)
        free(names[i]);
    free(names);
    *n = 0;
    errno = ENOMEM;
    return NULL;
}

static void s_free_names(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* Reports a symlink the walk does not follow (always counted, shown with -v
 * or when it points outside the tree in place). */
static void s_skip_link(s_walk *w, const char *path, const char *why, bool always)
{
    w->opts->skipped++;
    if (!always && !w->opts->verbose)
        return;
    char what[160];
    snprintf(what, sizeof what, "skipped: symbolic link %s", why);
    s_complain(path, what);
}

/* Whether the symlink at path (entry name) may be followed; st becomes its
 * target's stat. Links that would matter (to a directory, or named .jpg) are
 * reported when skipped. */
static bool s_follow_link(s_walk *w, const char *path, const char *name, struct stat *st)
{
    struct stat target;
    bool found = stat(path, &target) == 0;
    if (!w->opts->follow_symlinks) {
        if ((found && S_ISDIR(target.st_mode)) || es_cli_is_jpeg_name(name))
            s_skip_link(w, path, "(not followed under -r; see --follow-symlinks)", false);
        return false;
    }
    if (!found)
        return false;   /* dangling: nothing to strip */
    if (w->root_real) { /* in place: never rewrite a file outside the tree */
        char *real = realpath(path, NULL);
        size_t n = strlen(w->root_real);
        bool inside = real && !strncmp(real, w->root_real, n) && (real[n] == '/' || n == 1);
        free(real);
        if (!inside) {
            s_skip_link(w, path, "to outside the tree (not rewritten in place)", true);
            return false;
        }
    }
    *st = target;
    return true;
}

static bool s_walking(const s_walk *w, const struct stat *st, int depth)
{
    for (int i = 0; i <= depth; i++)
        if (w->dir_dev[i] == st->st_dev && w->dir_ino[i] == st->st_ino)
            return true;
    return false;
}

static int s_walk_dir(s_walk *w, const char *dir, const char *out_dir, int depth)
{
    size_t n;
    char **names = s_list_dir(dir, &n);
    if (!names) {
        if (errno == ENOMEM)
            return -1;
        s_complain(dir, strerror(errno));
        w->opts->errors++;
        return 0;
    }
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        char *in = es_cli_path_join(dir, names[i]);
        char *out = out_dir ? es_cli_path_join(out_dir, names[i]) : NULL;
        struct stat st;
        bool link = false;
        if (!in || (out_dir && !out)) {
            rc = -1;
        } else if (lstat(in, &st) != 0) {
            s_complain(in, strerror(errno));
            w->opts->errors++;
        } else if (S_ISLNK(st.st_mode) && !(link = s_follow_link(w, in, names[i], &st))) {
            /* not followed */
        } else if (S_ISDIR(st.st_mode)) {
            bool skip = (w->skip_valid && st.st_dev == w->skip_dev && st.st_ino == w->skip_ino) ||
                        s_walking(w, &st, depth);
            if (!skip && depth < S_MAX_DEPTH) {
                w->dir_dev[depth + 1] = st.st_dev;
                w->dir_ino[depth + 1] = st.st_ino;
                rc = s_walk_dir(w, in, out, depth + 1);
            }
        } else if (S_ISREG(st.st_mode) && es_cli_is_jpeg_name(names[i])) {
            rc = es_cli_jobs_add(w->jobs, in, out ? out : in);
            if (rc == 0) {
                es_cli_job *job = &w->jobs->v[w->jobs->n - 1];
                job->nofollow = !link;
                job->dir_seen = true;
                job->dir_dev = w->dir_dev[depth];
                job->dir_ino = w->dir_ino[depth];
            }
        }
        free(in);
        free(out);
    }
    s_free_names(names, n);
    return rc;
}

int es_cli_collect_tree(const char *root, es_cli_walk *walk, es_cli_jobs *jobs)
{
    s_walk w = {.jobs = jobs, .opts = walk};
    struct stat st;
    if (walk->out_root && stat(walk->out_root, &st) == 0 && S_ISDIR(st.st_mode)) {
        w.skip_valid = true;
        w.skip_dev = st.st_dev;
        w.skip_ino = st.st_ino;
    }
    if (stat(root, &st) != 0) {
        s_complain(root, strerror(errno));
        walk->errors++;
        return 0;
    }
    if (!S_ISDIR(st.st_mode)) {
        s_complain(root, "not a directory");
        walk->errors++;
        return 0;
    }
    w.dir_dev[0] = st.st_dev;
    w.dir_ino[0] = st.st_ino;
    if (!walk->out_root && walk->follow_symlinks && !(w.root_real = realpath(root, NULL))) {
        s_complain(root, strerror(errno));
        walk->errors++;
        return 0;
    }
    int rc = s_walk_dir(&w, root, walk->out_root, 0);
    free(w.root_real);
    return rc;
}

/* mkdir -p of path's parent, component by component (EEXIST is fine). */
static int s_make_parents(const char *path)
{
    char *p = strdup(path);
    if (!p) {
        errno = ENOMEM;
        return -1;
    }
    int rc = 0;
    for (char *s = strchr(p + 1, '/'); s && rc == 0; s = strchr(s + 1, '/')) {
        *s = '\0';
        if (mkdir(p, 0777) != 0 && errno != EEXIST)
            rc = -1;
        *s = '/';
    }
    free(p);
    return rc;
}

int es_cli_make_parents(const char *path)
{
    /* The directory made or found for the previous output: jobs come in
     * directory order, so most outputs need no system call here. */
    static char *s_last;
    const char *slash = strrchr(path, '/');
    if (!slash || slash == path)
        return 0;
    size_t len = (size_t)(slash - path);
    if (s_last && strlen(s_last) == len && !memcmp(s_last, path, len))
        return 0;
    char *dir = strndup(path, len);
    if (!dir) {
        errno = ENOMEM;
        return -1;
    }
    struct stat st;
    if ((stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) && s_make_parents(path) != 0) {
        free(dir);
        return -1;
    }
    free(s_last);
    s_last = dir;
    return 0;
}
