/* fixture_files.c - file helpers for corpus tests: reading a whole file and
 * locating the optional shared corpus (../shared/corpus next to the repo). */
#include "fixture.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Corpus files are small; anything bigger is not a test input. */
#define S_MAX_FILE ((size_t)512 << 20)

int es_fixture_read_file(const char *path, uint8_t **out, size_t *out_len)
{
    FILE *f = fopen(path, "rb");
    struct stat st;
    uint8_t *buf = NULL;
    *out = NULL;
    *out_len = 0;
    if (!f)
        return -1;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < 0 ||
        (unsigned long long)st.st_size > S_MAX_FILE)
        goto fail;
    size_t size = (size_t)st.st_size;
    buf = malloc(size ? size : 1);
    if (!buf || fread(buf, 1, size, f) != size)
        goto fail;
    fclose(f);
    *out = buf;
    *out_len = size;
    return 0;
fail:
    free(buf);
    fclose(f);
    return -1;
}

static bool s_is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Accepts either the corpus directory itself or the shared/ directory above it. */
static bool s_try(char *dst, size_t cap, const char *dir)
{
    char probe[PATH_MAX];
    if (snprintf(probe, sizeof probe, "%s/dev", dir) < (int)sizeof probe && s_is_dir(probe))
        return snprintf(dst, cap, "%s", dir) < (int)cap;
    if (snprintf(probe, sizeof probe, "%s/corpus/dev", dir) < (int)sizeof probe && s_is_dir(probe))
        return snprintf(dst, cap, "%s/corpus", dir) < (int)cap;
    return false;
}

/* Walks up from the test binary (BUILD/tests/<area>/x_test) to the repository. */
static bool s_from_exe(char *dst, size_t cap)
{
    char exe[PATH_MAX], probe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return false;
    exe[n] = '\0';
    for (char *slash = strrchr(exe, '/'); slash && slash != exe; slash = strrchr(exe, '/')) {
        *slash = '\0';
        if (snprintf(probe, sizeof probe, "%s/include/exifstrip/jpeg.h", exe) < (int)sizeof probe &&
            access(probe, F_OK) == 0) {
            char cand[PATH_MAX];
            return snprintf(cand, sizeof cand, "%s/../shared/corpus", exe) < (int)sizeof cand &&
                   s_try(dst, cap, cand);
        }
    }
    return false;
}

const char *es_fixture_shared_dir(void)
{
    static char path[PATH_MAX];
    const char *env = getenv("ES_SHARED_DIR");
    if (env && *env)
        return s_try(path, sizeof path, env) ? path : NULL;
    if (s_try(path, sizeof path, "../shared/corpus") || s_from_exe(path, sizeof path))
        return path;
    return NULL;
}
