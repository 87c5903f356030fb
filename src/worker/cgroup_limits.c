/* cgroup_limits.c - what the calling process may use (cgroup_limits.h): its
 * affinity mask (sched_getaffinity) and the cgroup CPU quotas, and the
 * cgroup memory limits. The cgroup is found in /proc/self/cgroup; inside a
 * container with a cgroup namespace it is "/", the container's own cgroup
 * mounted at /sys/fs/cgroup; without one it is the full path, whose
 * directories (and ancestors) exist under the mount only when the host's
 * whole hierarchy is mounted. Every level that exists is read, and the
 * mount's own root last; the smallest limit found wins. */
#include "worker/cgroup_limits.h"

#include <inttypes.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ES_CGROUP_PATH_MAX 1024

unsigned es_cpu_quota_cpus(int64_t quota, int64_t period)
{
    if (quota <= 0 || period <= 0)
        return 0;
    int64_t cpus = quota / period + (quota % period != 0);
    return cpus > 4096 ? 4096u : (unsigned)cpus;
}

unsigned es_cpu_max_parse(const char *text)
{
    int64_t quota, period;
    if (sscanf(text, "%" SCNd64 " %" SCNd64, &quota, &period) != 2)
        return 0; /* "max ..." or malformed */
    return es_cpu_quota_cpus(quota, period);
}

/* The first line of path, false when it cannot be read. */
static bool s_read_line(const char *path, char *line, size_t cap)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return false;
    bool ok = fgets(line, (int)cap, f) != NULL;
    fclose(f);
    return ok;
}

/* The quota set in one cgroup directory (v2 cpu.max, else v1 CFS files), 0 for none. */
static uint64_t s_dir_quota_cpus(const char *dir)
{
    char path[ES_CGROUP_PATH_MAX + 32], line[128], period[64];
    snprintf(path, sizeof path, "%s/cpu.max", dir);
    if (s_read_line(path, line, sizeof line))
        return es_cpu_max_parse(line);
    snprintf(path, sizeof path, "%s/cpu.cfs_quota_us", dir);
    if (!s_read_line(path, line, sizeof line))
        return 0;
    snprintf(path, sizeof path, "%s/cpu.cfs_period_us", dir);
    if (!s_read_line(path, period, sizeof period))
        return 0;
    return es_cpu_quota_cpus(strtoll(line, NULL, 10), strtoll(period, NULL, 10));
}

uint64_t es_memory_limit_parse(const char *text)
{
    char *end = NULL;
    if (text[0] < '0' || text[0] > '9')
        return 0; /* "max" or malformed */
    unsigned long long n = strtoull(text, &end, 10);
    if (*end != '\0' && *end != '\n')
        return 0;
    return n >= ES_MEMORY_NO_LIMIT ? 0 : (uint64_t)n;
}

/* The memory limit set in one cgroup directory (v2 memory.max, else v1
 * memory.limit_in_bytes), 0 for none. */
static uint64_t s_dir_memory_limit(const char *dir)
{
    char path[ES_CGROUP_PATH_MAX + 32], line[64];
    snprintf(path, sizeof path, "%s/memory.max", dir);
    if (s_read_line(path, line, sizeof line))
        return es_memory_limit_parse(line);
    snprintf(path, sizeof path, "%s/memory.limit_in_bytes", dir);
    return s_read_line(path, line, sizeof line) ? es_memory_limit_parse(line) : 0;
}

/* One cgroup directory's limit of some kind; 0 for none. */
typedef uint64_t (*s_dir_limit_fn)(const char *dir);

/* The smallest limit of mount/cgroup and each of its ancestors up to mount
 * itself (which is all a cgroup namespace shows); 0 for none. */
static uint64_t s_walk_up(const char *mount, const char *cgroup, s_dir_limit_fn limit_of)
{
    char dir[ES_CGROUP_PATH_MAX];
    int n = snprintf(dir, sizeof dir, "%s%s", mount, strcmp(cgroup, "/") == 0 ? "" : cgroup);
    if (n < 0 || (size_t)n >= sizeof dir)
        snprintf(dir, sizeof dir, "%s", mount); /* too deep to name: the mount's own limit */
    size_t floor = strlen(mount);
    uint64_t best = 0;
    for (;;) {
        uint64_t limit = limit_of(dir);
        if (limit && (best == 0 || limit < best))
            best = limit;
        char *slash = strrchr(dir, '/');
        if (strlen(dir) <= floor || !slash || (size_t)(slash - dir) < floor)
            return best;
        *slash = '\0';
    }
}

/* Whether a cgroup path has a ".." segment: the kernel names a cgroup outside
 * the reader's cgroup namespace that way ("/../sibling"), and such a cgroup
 * and its ancestors are not under the mount this process sees. */
static bool s_leaves_namespace(const char *path)
{
    for (const char *seg = path; seg; seg = strchr(seg, '/')) {
        seg += *seg == '/';
        if (seg[0] == '.' && seg[1] == '.' && (seg[2] == '/' || seg[2] == '\0'))
            return true;
    }
    return false;
}

/* Whether a /proc/<pid>/cgroup controller list ("cpu,cpuacct") names controller. */
static bool s_lists(const char *list, size_t len, const char *controller)
{
    size_t want = strlen(controller);
    while (len) {
        const char *comma = memchr(list, ',', len);
        size_t item = comma ? (size_t)(comma - list) : len;
        if (item == want && !strncmp(list, controller, want))
            return true;
        if (!comma)
            break;
        len -= item + 1;
        list = comma + 1;
    }
    return false;
}

/* The smallest limit limit_of finds for the process whose cgroup file is
 * proc_cgroup: on the v2 hierarchy, and on the v1 hierarchy of controller
 * (mounted at root/controller). 0 when none is set or visible. */
static uint64_t s_smallest_limit(const char *proc_cgroup, const char *root, const char *controller,
                                 s_dir_limit_fn limit_of)
{
    FILE *f = fopen(proc_cgroup, "re");
    if (!f)
        return 0;
    char line[ES_CGROUP_PATH_MAX], mount[ES_CGROUP_PATH_MAX];
    uint64_t best = 0;
    while (fgets(line, sizeof line, f)) {
        char *nl = strchr(line, '\n');
        if (!nl && !feof(f)) { /* longer than a path we can name: skip all of it */
            int ch;
            while ((ch = fgetc(f)) != EOF && ch != '\n')
                ;
            continue;
        }
        if (nl)
            *nl = '\0';
        char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (!c2 || c2[1] != '/' || s_leaves_namespace(c2 + 1))
            continue;
        bool v2 = strncmp(line, "0::", 3) == 0;
        if (!v2 && !s_lists(c1 + 1, (size_t)(c2 - c1 - 1), controller))
            continue;
        snprintf(mount, sizeof mount, "%s%s%s", root, v2 ? "" : "/", v2 ? "" : controller);
        uint64_t limit = s_walk_up(mount, c2 + 1, limit_of);
        if (limit && (best == 0 || limit < best))
            best = limit;
    }
    fclose(f);
    return best;
}

unsigned es_cgroup_quota_cpus_at(const char *proc_cgroup, const char *root)
{
    return (unsigned)s_smallest_limit(proc_cgroup, root, "cpu", s_dir_quota_cpus);
}

uint64_t es_cgroup_memory_limit_at(const char *proc_cgroup, const char *root)
{
    return s_smallest_limit(proc_cgroup, root, "memory", s_dir_memory_limit);
}

uint64_t es_cgroup_memory_limit(void)
{
    return es_cgroup_memory_limit_at("/proc/self/cgroup", "/sys/fs/cgroup");
}

unsigned es_usable_cpus(void)
{
    unsigned cpus = 0;
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0)
        cpus = (unsigned)CPU_COUNT(&set);
    long online = sysconf(_SC_NPROCESSORS_ONLN); /* the mask did not fit a cpu_set_t */
    if (cpus == 0 && online > 0)
        cpus = (unsigned)online;
    unsigned quota = es_cgroup_quota_cpus_at("/proc/self/cgroup", "/sys/fs/cgroup");
    if (quota && (cpus == 0 || quota < cpus))
        cpus = quota;
    return cpus ? cpus : 1;
}
