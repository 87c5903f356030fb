/* strip_bench.c - in-process throughput of the stripper on one core (not a
 * test). Inputs: the JPEGs of the shared corpus (../shared/corpus/dev) that
 * the stripper accepts, or, without the corpus (or with --generated), a few
 * large generated photos (4000x3000, high quality, with metadata). Inputs are
 * read into memory first; each measurement repeats whole passes for at least
 * --seconds (default 1) of CPU time, in five slices. Reports the median
 * slice's MB/s (10^6 bytes of input per second) for the
 * streaming API fed 256 KiB chunks and for es_jpeg_strip_buffer, plus peak RSS.
 * --emit-dir DIR writes the inputs used, for run-bench.sh's whole-process run.
 * Lines starting with "# " are key/value results for scripts. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "../support/fixture.h"
#include "exifstrip/jpeg.h"

#define CHUNK ((size_t)256 * 1024)

typedef struct input {
    char name[256];
    uint8_t *data;
    size_t len;
} input;

typedef struct inputs {
    input *v;
    size_t n, cap, bytes, max_len;
    unsigned refused;
} inputs;

typedef struct sink {
    uint8_t *buf;
    size_t cap, len;
} sink;

/* CPU seconds of this process: on a machine shared with other work, time
 * spent descheduled would otherwise count as stripping time. */
static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Copies the output into a reused buffer, as a real writer would. */
static es_err sink_write(void *ctx, const uint8_t *data, size_t len)
{
    sink *s = ctx;
    if (len > s->cap - s->len)
        return ES_ERR_OUTPUT;
    memcpy(s->buf + s->len, data, len);
    s->len += len;
    return ES_OK;
}

/* Keeps data (taking ownership) when the stripper accepts it. */
static int add_input(inputs *in, const char *name, uint8_t *data, size_t len)
{
    uint8_t *out = NULL;
    size_t out_len = 0;
    if (es_jpeg_strip_buffer(NULL, data, len, &out, &out_len, NULL, NULL) != ES_OK) {
        in->refused++;
        free(data);
        return 0;
    }
    free(out);
    if (in->n == in->cap) {
        size_t cap = in->cap ? in->cap * 2 : 64;
        input *v = realloc(in->v, cap * sizeof *v);
        if (!v) {
            free(data);
            return -1;
        }
        in->v = v;
        in->cap = cap;
    }
    input *i = &in->v[in->n++];
    snprintf(i->name, sizeof i->name, "%s", name);
    i->data = data;
    i->len = len;
    in->bytes += len;
    if (len > in->max_len)
        in->max_len = len;
    return 0;
}

static int cmp_names(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static int load_corpus(const char *dir, inputs *in)
{
    DIR *d = opendir(dir);
    char *names[4096];
    size_t n = 0;
    struct dirent *e;
    if (!d)
        return -1;
    while ((e = readdir(d)) != NULL && n < sizeof names / sizeof names[0])
        if (e->d_name[0] != '.')
            names[n++] = strdup(e->d_name);
    closedir(d);
    qsort(names, n, sizeof names[0], cmp_names);
    for (size_t i = 0; i < n; i++) {
        char path[4096];
        uint8_t *data;
        size_t len;
        if (names[i] && snprintf(path, sizeof path, "%s/%s", dir, names[i]) < (int)sizeof path &&
            es_fixture_read_file(path, &data, &len) == 0)
            add_input(in, names[i], data, len);
        free(names[i]);
    }
    return in->n ? 0 : -1;
}

static int generate(inputs *in)
{
    for (unsigned i = 0; i < 4; i++) {
        es_fixture_opts o = {.width = 4000,
                             .height = 3000,
                             .quality = 92,
                             .seed = i,
                             .exif_gps = true,
                             .exif_thumbnail = true,
                             .xmp = true,
                             .icc_chunks = 2,
                             .iptc = true,
                             .progressive = i % 2 == 1,
                             .mp4_trailer = i == 3};
        uint8_t *data;
        size_t len;
        char name[64];
        if (es_fixture_make(&o, &data, &len) != 0)
            return -1;
        snprintf(name, sizeof name, "generated-%u.jpg", i);
        if (add_input(in, name, data, len) != 0)
            return -1;
    }
    return in->n ? 0 : -1;
}

static int emit(const inputs *in, const char *dir)
{
    for (size_t i = 0; i < in->n; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, in->v[i].name);
        FILE *f = fopen(path, "wb");
        if (!f || fwrite(in->v[i].data, 1, in->v[i].len, f) != in->v[i].len) {
            perror(path);
            if (f)
                fclose(f);
            return -1;
        }
        if (fclose(f) != 0)
            return -1;
    }
    return 0;
}

static int pass_stream(const inputs *in, sink *out)
{
    for (size_t i = 0; i < in->n; i++) {
        es_jpeg_stripper *s = es_jpeg_stripper_new(NULL, sink_write, out);
        if (!s)
            return -1;
        out->len = 0;
        const input *f = &in->v[i];
        es_err rc = ES_OK;
        for (size_t off = 0; off < f->len && rc == ES_OK; off += CHUNK)
            rc = es_jpeg_stripper_feed(s, f->data + off, f->len - off < CHUNK ? f->len - off : CHUNK);
        if (rc == ES_OK)
            rc = es_jpeg_stripper_finish(s);
        es_jpeg_stripper_free(s);
        if (rc != ES_OK)
            return -1;
    }
    return 0;
}

static int pass_buffer(const inputs *in, sink *unused)
{
    (void)unused;
    for (size_t i = 0; i < in->n; i++) {
        uint8_t *out = NULL;
        size_t out_len = 0;
        if (es_jpeg_strip_buffer(NULL, in->v[i].data, in->v[i].len, &out, &out_len, NULL, NULL) != ES_OK)
            return -1;
        free(out);
    }
    return 0;
}

static int cmp_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* MB/s of `pass` over S_SLICES slices of seconds / S_SLICES each (whole
 * passes, at least one per slice): the median slice is reported, so a burst
 * of cache or memory contention from other work on the machine moves it less. */
#define S_SLICES 5
static double measure(const char *label, const char *key, int (*pass)(const inputs *, sink *),
                      const inputs *in, sink *out, double seconds)
{
    double rates[S_SLICES], total_t = 0;
    unsigned total_passes = 0;
    if (pass(in, out) != 0) /* warm-up */
        return -1;
    for (int k = 0; k < S_SLICES; k++) {
        unsigned passes = 0;
        double t0 = now(), t;
        do {
            if (pass(in, out) != 0) {
                fprintf(stderr, "strip_bench: %s: the stripper failed on an accepted input\n", label);
                return -1;
            }
            passes++;
            t = now() - t0;
        } while (t < seconds / S_SLICES);
        rates[k] = (double)in->bytes * passes / t / 1e6;
        total_passes += passes;
        total_t += t;
    }
    qsort(rates, S_SLICES, sizeof rates[0], cmp_doubles);
    double mbs = rates[S_SLICES / 2];
    printf("%-34s %9.1f MB/s  (median of %d slices, %.1f-%.1f; %u passes in %.2f s)\n", label, mbs, S_SLICES,
           rates[0], rates[S_SLICES - 1], total_passes, total_t);
    printf("# %s %.1f\n", key, mbs);
    return mbs;
}

int main(int argc, char **argv)
{
    inputs in = {0};
    bool force_generated = false;
    const char *emit_dir = NULL;
    double seconds = 1.0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--generated"))
            force_generated = true;
        else if (!strcmp(argv[i], "--emit-dir") && i + 1 < argc)
            emit_dir = argv[++i];
        else if (!strcmp(argv[i], "--seconds") && i + 1 < argc)
            seconds = atof(argv[++i]);
        else {
            fprintf(stderr, "usage: strip_bench [--generated] [--seconds S] [--emit-dir DIR]\n");
            return 1;
        }
    }
    const char *shared = force_generated ? NULL : es_fixture_shared_dir();
    char corpus[4096] = "";
    if (shared)
        snprintf(corpus, sizeof corpus, "%s/dev", shared);
    if (!shared || load_corpus(corpus, &in) != 0) {
        snprintf(corpus, sizeof corpus, "generated 4000x3000 photos");
        if (generate(&in) != 0) {
            fprintf(stderr, "strip_bench: no inputs\n");
            return 1;
        }
    }
    printf("inputs: %s: %zu files accepted (%u refused, skipped), %.1f MB\n", corpus, in.n, in.refused,
           (double)in.bytes / 1e6);
    printf("# inputs_files %zu\n# inputs_bytes %zu\n", in.n, in.bytes);
    if (emit_dir && emit(&in, emit_dir) != 0)
        return 1;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    long rss_loaded = ru.ru_maxrss;
    sink out = {malloc(in.max_len + 1), in.max_len + 1, 0};
    if (!out.buf)
        return 1;
    int rc = 0;
    if (measure("streaming, 256 KiB feeds", "stream_mb_s", pass_stream, &in, &out, seconds) < 0)
        rc = 1;
    if (measure("es_jpeg_strip_buffer (one-shot)", "buffer_mb_s", pass_buffer, &in, &out, seconds) < 0)
        rc = 1;
    getrusage(RUSAGE_SELF, &ru);
    printf("peak RSS: %.1f MiB (after loading inputs: %.1f MiB)\n", ru.ru_maxrss / 1024.0, rss_loaded / 1024.0);
    printf("# peak_rss_kib %ld\n# loaded_rss_kib %ld\n", ru.ru_maxrss, rss_loaded);
    for (size_t i = 0; i < in.n; i++)
        free(in.v[i].data);
    free(in.v);
    free(out.buf);
    return rc;
}
