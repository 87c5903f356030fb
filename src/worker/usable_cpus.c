/* usable_cpus.c - the affinity mask (sched_getaffinity) and the cgroup CPU
 * quotas of the calling process (usable_cpus.h). The cgroup is found in
 * /proc/self/cgroup; inside a container with a cgroup namespace it is "/",
 * the container's own cgroup mounted at /sys/fs/cgroup; without one it is
 * the full path, whose directories (and ancestors) exist under the mount
 * only when the host's whole hierarchy is mounted. Every level that exists
 * is read, and the mount's own root last. */
#include "worker/usable_cpus.h"

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
static unsigned s_dir_quota_cpus(const char *dir)
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

/* The smallest quota of mount/cgroup and each of its ancestors up to mount
 * itself (which is all a cgroup namespace shows); 0 for none. */
static unsigned s_walk_up(const char *mount, const char *cgroup)
{
    char dir[ES_CGROUP_PATH_MAX];
    int n = snprintf(dir, sizeof dir, "%s%s", mount, strcmp(cgroup, "/") == 0 ? "" : cgroup);
    if (n < 0 || (size_t)n >= sizeof dir)
        snprintf(dir, sizeof dir, "%s", mount); /* too deep to name: the mount's own quota */
    size_t floor = strlen(mount);
    unsigned best = 0;
    for (;;) {
        unsigned cpus = s_dir_quota_cpus(dir);
        if (cpus && (best == 0 || cpus < best))
            best = cpus;
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

/* Whether a /proc/<pid>/cgroup controller list ("cpu,cpuacct") names cpu. */
static bool s_lists_cpu(const char *list, size_t len)
{
    while (len) {
        const char *comma = memchr(list, ',', len);
        size_t item = comma ? (size_t)(comma - list) : len;
        if (item == 3 && !strncmp(list, "cpu", 3))
            return true;
        if (!comma)
            break;
        len -= item + 1;
        list = comma + 1;
    }
    return false;
}

unsigned es_cgroup_quota_cpus_at(const char *proc_cgroup, const char *root)
{
    FILE *f = fopen(proc_cgroup, "re");
    if (!f)
        return 0;
    char line[ES_CGROUP_PATH_MAX], mount[ES_CGROUP_PATH_MAX];
    unsigned best = 0;
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
        if (!v2 && !s_lists_cpu(c1 + 1, (size_t)(c2 - c1 - 1)))
            continue;
        snprintf(mount, sizeof mount, "%s%s", root, v2 ? "" : "/cpu");
        unsigned cpus = s_walk_up(mount, c2 + 1);
        if (cpus && (best == 0 || cpus < best))
            best = cpus;
    }
    fclose(f);
    return best;
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
