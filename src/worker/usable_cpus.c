/* usable_cpus.c - the affinity mask (sched_getaffinity) and the cgroup CPU
 * quota of the calling process (usable_cpus.h). The cgroup is found in
 * /proc/self/cgroup; inside a container it is usually "/", which is the
 * container's own cgroup mounted at /sys/fs/cgroup. */
#include "worker/usable_cpus.h"

#include <inttypes.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* This process's cgroup v2 path ("0::/path"), "" when there is none. */
static void s_cgroup2_path(char *path, size_t cap)
{
    path[0] = '\0';
    FILE *f = fopen("/proc/self/cgroup", "re");
    if (!f)
        return;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "0::", 3) != 0)
            continue;
        line[strcspn(line, "\n")] = '\0';
        snprintf(path, cap, "%s", strcmp(line + 3, "/") == 0 ? "" : line + 3);
        break;
    }
    fclose(f);
}

static unsigned s_cgroup_quota_cpus(void)
{
    char cg[512], path[576], line[128];
    s_cgroup2_path(cg, sizeof cg);
    snprintf(path, sizeof path, "/sys/fs/cgroup%s/cpu.max", cg);
    if (s_read_line(path, line, sizeof line) ||
        (cg[0] && s_read_line("/sys/fs/cgroup/cpu.max", line, sizeof line)))
        return es_cpu_max_parse(line);
    char period[64];
    if (s_read_line("/sys/fs/cgroup/cpu/cpu.cfs_quota_us", line, sizeof line) &&
        s_read_line("/sys/fs/cgroup/cpu/cpu.cfs_period_us", period, sizeof period))
        return es_cpu_quota_cpus(strtoll(line, NULL, 10), strtoll(period, NULL, 10));
    return 0;
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
    unsigned quota = s_cgroup_quota_cpus();
    if (quota && (cpus == 0 || quota < cpus))
        cpus = quota;
    return cpus ? cpus : 1;
}
