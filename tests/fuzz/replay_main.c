/* replay_main.c - main() for fuzz targets built without libFuzzer (make test):
 * runs LLVMFuzzerTestOneInput over every seed in tests/fuzz/corpus/<name>/
 * and over deterministic pseudo-random mutations of each seed. <name> is the
 * executable's name minus "_replay_test" (jpeg_strip_replay_test ->
 * jpeg_strip); the corpus is looked up from the current directory (tests/run.sh
 * runs from the repository root) and then upwards from the executable. One
 * test per seed file; a target that aborts or trips a sanitizer fails the run.
 * Shared by every fuzz target: nothing here is target-specific. */
#include <dirent.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../harness/test.h"
#include "../support/fixture.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define S_MAX_SEEDS 256
#define S_MUTATIONS_TOTAL 400 /* spread over the seeds */
#define S_MAX_INPUT (1u << 20)

static char s_dir[PATH_MAX];
static char *s_seeds[S_MAX_SEEDS];
static size_t s_nseeds, s_cur, s_mutations_each;

static bool s_is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* tests/fuzz/corpus/<name> from the working directory or an ancestor of the executable. */
static bool s_find_corpus(const char *name)
{
    char exe[PATH_MAX];
    ssize_t n;
    if (snprintf(s_dir, sizeof s_dir, "tests/fuzz/corpus/%s", name) < (int)sizeof s_dir && s_is_dir(s_dir))
        return true;
    n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return false;
    exe[n] = '\0';
    for (char *slash = strrchr(exe, '/'); slash && slash != exe; slash = strrchr(exe, '/')) {
        *slash = '\0';
        if (snprintf(s_dir, sizeof s_dir, "%s/tests/fuzz/corpus/%s", exe, name) < (int)sizeof s_dir &&
            s_is_dir(s_dir))
            return true;
    }
    return false;
}

static int s_cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void s_list_seeds(void)
{
    DIR *d = opendir(s_dir);
    struct dirent *e;
    if (!d)
        return;
    while ((e = readdir(d)) != NULL && s_nseeds < S_MAX_SEEDS) {
        char path[PATH_MAX];
        struct stat st;
        if (e->d_name[0] == '.')
            continue;
        if (snprintf(path, sizeof path, "%s/%s", s_dir, e->d_name) >= (int)sizeof path)
            continue;
        if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
            s_seeds[s_nseeds++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(s_seeds, s_nseeds, sizeof s_seeds[0], s_cmp); /* same order everywhere */
}

static uint32_t s_rand(uint32_t *state)
{
    uint32_t x = *state ? *state : 0x2545F491u;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *state = x;
}

/* Applies 1-4 random edits (bit flip, byte set, insert, delete, duplicate, truncate) in place. */
static size_t s_mutate(uint8_t *buf, size_t len, size_t cap, uint32_t *rng)
{
    static const uint8_t interesting[] = {0x00, 0xFF, 0xD8, 0xD9, 0xDA, 0xE1, 0x01, 0x02, 0x7F, 0x80};
    int edits = 1 + (int)(s_rand(rng) % 4);
    for (int e = 0; e < edits; e++) {
        uint32_t r = s_rand(rng);
        size_t at = len ? s_rand(rng) % len : 0;
        size_t n = 1 + s_rand(rng) % 16;
        switch (r % 6) {
        case 0:
            if (len)
                buf[at] ^= (uint8_t)(1u << (r >> 8) % 8);
            break;
        case 1:
            if (len)
                buf[at] = interesting[(r >> 8) % sizeof interesting];
            break;
        case 2:
            if (len + n <= cap) {
                memmove(buf + at + n, buf + at, len - at);
                for (size_t i = 0; i < n; i++)
                    buf[at + i] = (uint8_t)s_rand(rng);
                len += n;
            }
            break;
        case 3:
            if (n > len - at)
                n = len - at;
            memmove(buf + at, buf + at + n, len - at - n);
            len -= n;
            break;
        case 4:
            if (n > len - at)
                n = len - at;
            if (len + n <= cap) {
                memmove(buf + at + n, buf + at, len - at);
                len += n; /* the range at..at+n now appears twice */
            }
            break;
        default: len = at; break;
        }
    }
    return len;
}

static void test_seed(void)
{
    char path[PATH_MAX];
    uint8_t *seed = NULL, *buf = NULL;
    size_t len = 0;
    if (snprintf(path, sizeof path, "%s/%s", s_dir, s_seeds[s_cur]) >= (int)sizeof path ||
        es_fixture_read_file(path, &seed, &len) != 0 || len > S_MAX_INPUT) {
        es_test_fail(__FILE__, __LINE__, "cannot read seed %s", path);
        free(seed);
        return;
    }
    LLVMFuzzerTestOneInput(seed, len);
    size_t cap = len + 256;
    buf = malloc(cap);
    REQUIRE(buf != NULL);
    for (size_t m = 0; m < s_mutations_each; m++) {
        uint32_t rng = (uint32_t)(s_cur * 7919u + m * 104729u + 1u);
        memcpy(buf, seed, len);
        size_t n = s_mutate(buf, len, cap, &rng);
        LLVMFuzzerTestOneInput(buf, n);
    }
    free(buf);
    free(seed);
}

static void test_corpus_present(void)
{
    if (s_nseeds == 0)
        es_test_fail(__FILE__, __LINE__, "no seeds in %s", s_dir[0] ? s_dir : "tests/fuzz/corpus/<name>");
    LLVMFuzzerTestOneInput((const uint8_t *)"", 0);
}

int main(int argc, char **argv)
{
    char name[256];
    const char *base = argc > 0 ? strrchr(argv[0], '/') : NULL;
    const char *suffix = "_replay_test";
    base = base ? base + 1 : (argc > 0 ? argv[0] : "");
    snprintf(name, sizeof name, "%s", base);
    size_t n = strlen(name), k = strlen(suffix);
    if (n > k && !strcmp(name + n - k, suffix))
        name[n - k] = '\0';
    if (s_find_corpus(name))
        s_list_seeds();
    s_mutations_each = s_nseeds ? S_MUTATIONS_TOTAL / s_nseeds + 1 : 0;
    ES_RUN(test_corpus_present);
    for (s_cur = 0; s_cur < s_nseeds; s_cur++)
        es_test_run(s_seeds[s_cur], test_seed);
    printf("# %s: %zu seeds from %s, %zu mutations each\n", name, s_nseeds, s_dir, s_mutations_each);
    for (size_t i = 0; i < s_nseeds; i++)
        free(s_seeds[i]);
    return es_test_finish();
}
