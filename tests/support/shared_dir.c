/* shared_dir.c - locates ../shared (see shared_dir.h for the rule). */
#include "shared_dir.h"

#include "../harness/test.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static bool s_is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The repository root: the working directory when it holds include/exifstrip,
 * else the first ancestor of the test binary that does. */
static bool s_repo_root(char *dst, size_t cap)
{
    char exe[PATH_MAX], probe[PATH_MAX + 32];
    if (access("include/exifstrip/jpeg.h", F_OK) == 0)
        return snprintf(dst, cap, ".") < (int)cap;
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return false;
    exe[n] = '\0';
    for (char *slash = strrchr(exe, '/'); slash && slash != exe; slash = strrchr(exe, '/')) {
        *slash = '\0';
        if (snprintf(probe, sizeof probe, "%s/include/exifstrip/jpeg.h", exe) < (int)sizeof probe &&
            access(probe, F_OK) == 0)
            return snprintf(dst, cap, "%s", exe) < (int)cap;
    }
    return false;
}

const char *es_test_shared_path(const char *sub)
{
    /* One slot per distinct sub-folder name, so two lookups never clobber each other. */
    static struct {
        char sub[32];
        char path[PATH_MAX];
    } slots[4];
    char root[PATH_MAX];
    size_t i;
    for (i = 0; i < sizeof slots / sizeof slots[0] && slots[i].sub[0]; i++)
        if (strcmp(slots[i].sub, sub) == 0)
            break;
    if (i == sizeof slots / sizeof slots[0] || strlen(sub) >= sizeof slots[i].sub)
        return NULL;
    const char *env = getenv("ES_SHARED_DIR");
    int w;
    if (env && *env)
        w = snprintf(slots[i].path, sizeof slots[i].path, "%s/%s", env, sub);
    else if (s_repo_root(root, sizeof root))
        w = snprintf(slots[i].path, sizeof slots[i].path, "%s/../shared/%s", root, sub);
    else
        return NULL;
    if (w < 0 || (size_t)w >= sizeof slots[i].path || !s_is_dir(slots[i].path))
        return NULL;
    snprintf(slots[i].sub, sizeof slots[i].sub, "%s", sub);
    return slots[i].path;
}

bool es_test_shared_required(void)
{
    const char *v = getenv("ES_REQUIRE_SHARED");
    return v && strcmp(v, "1") == 0;
}

void es_test_shared_missing(const char *what)
{
    if (es_test_shared_required())
        es_test_fail(__FILE__, __LINE__,
                     "%s not found, and ES_REQUIRE_SHARED=1 (set ES_SHARED_DIR to the shared folder)", what);
    else
        es_test_skip(what);
}
