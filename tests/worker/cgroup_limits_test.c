/* usable_cpus_test.c - the cgroup CPU quota the worker finds, read from a
 * fake cgroup tree in a temporary directory: the smallest quota among the
 * process's own cgroup and its visible ancestors wins (an ECS task's limit
 * sits on the task's cgroup, a parent of the container's own), for cgroup v2
 * cpu.max and v1 CFS files alike; "max" and -1 mean no limit; a container
 * that sees only its own unlimited cgroup (a cgroup namespace) finds none. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../harness/test.h"
#include "worker/cgroup_limits.h"

static char s_root[64];

/* Writes text to root/rel, creating the directories on the way. */
static void s_put(const char *rel, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", s_root, rel);
    for (char *p = path + strlen(s_root) + 1; (p = strchr(p, '/')) != NULL; p++) {
        *p = '\0';
        mkdir(path, 0700);
        *p = '/';
    }
    FILE *f = fopen(path, "w");
    REQUIRE(f);
    fputs(text, f);
    fclose(f);
}

static unsigned s_quota(void)
{
    char proc[128];
    snprintf(proc, sizeof proc, "%s/proc-cgroup", s_root);
    return es_cgroup_quota_cpus_at(proc, s_root);
}

static void s_fresh_tree(void)
{
    snprintf(s_root, sizeof s_root, "/tmp/es-usable-cpus-XXXXXX");
    REQUIRE(mkdtemp(s_root));
}

static void s_remove_tree(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", s_root);
    CHECK_INT_EQ(system(cmd), 0);
}

static void test_v2_task_limit_on_a_parent_is_found(void)
{
    s_fresh_tree();
    /* Fargate-like: the task's cgroup holds the limit, the container's has none. */
    s_put("proc-cgroup", "0::/ecs/task1/container1\n");
    s_put("cpu.max", "max 100000\n");
    s_put("ecs/cpu.max", "max 100000\n");
    s_put("ecs/task1/cpu.max", "51200 100000\n"); /* task_cpu = 512: half a vCPU */
    s_put("ecs/task1/container1/cpu.max", "max 100000\n");
    CHECK_INT_EQ(s_quota(), 1);
    /* the smallest wins wherever it sits */
    s_put("ecs/task1/cpu.max", "400000 100000\n");
    s_put("ecs/task1/container1/cpu.max", "200000 100000\n");
    CHECK_INT_EQ(s_quota(), 2);
    s_put("ecs/task1/container1/cpu.max", "max 100000\n");
    CHECK_INT_EQ(s_quota(), 4);
    /* a systemd slice name (ecstasks-<task>.slice) is just another ancestor */
    s_put("proc-cgroup", "0::/ecstasks.slice/ecstasks-t2.slice/docker-c2.scope\n");
    s_put("ecstasks.slice/ecstasks-t2.slice/cpu.max", "300000 100000\n");
    s_put("ecstasks.slice/ecstasks-t2.slice/docker-c2.scope/cpu.max", "max 100000\n");
    CHECK_INT_EQ(s_quota(), 3);
    s_remove_tree();
}

static void test_v2_namespace_sees_only_its_own_cgroup(void)
{
    s_fresh_tree();
    s_put("proc-cgroup", "0::/\n");
    s_put("cpu.max", "max 100000\n");
    CHECK_INT_EQ(s_quota(), 0); /* the parent's limit is not visible: none found */
    s_put("cpu.max", "150000 100000\n");
    CHECK_INT_EQ(s_quota(), 2);
    /* no namespace but only the container's cgroup mounted: the path does not exist, the mount is read */
    s_put("proc-cgroup", "0::/ecs/task1/container1\n");
    CHECK_INT_EQ(s_quota(), 2);
    s_remove_tree();
}

static void test_v1_cfs_quota_walks_up_the_cpu_hierarchy(void)
{
    s_fresh_tree();
    s_put("proc-cgroup", "12:memory:/ecs/t/c\n4:cpu,cpuacct:/ecs/t/c\n1:name=systemd:/ecs/t/c\n");
    s_put("cpu/cpu.cfs_quota_us", "-1\n");
    s_put("cpu/cpu.cfs_period_us", "100000\n");
    s_put("cpu/ecs/t/cpu.cfs_quota_us", "50000\n");
    s_put("cpu/ecs/t/cpu.cfs_period_us", "100000\n");
    s_put("cpu/ecs/t/c/cpu.cfs_quota_us", "-1\n");
    s_put("cpu/ecs/t/c/cpu.cfs_period_us", "100000\n");
    CHECK_INT_EQ(s_quota(), 1);
    s_put("cpu/ecs/t/cpu.cfs_quota_us", "250000\n");
    CHECK_INT_EQ(s_quota(), 3);
    /* a line for another controller (cpuset, not cpu) is not read as cpu's */
    s_put("proc-cgroup", "4:cpuset:/ecs/t/c\n");
    CHECK_INT_EQ(s_quota(), 0);
    s_remove_tree();
}

static void test_nothing_readable_is_no_limit(void)
{
    s_fresh_tree();
    CHECK_INT_EQ(s_quota(), 0); /* no proc file */
    s_put("proc-cgroup", "0::/a/b\n");
    CHECK_INT_EQ(s_quota(), 0); /* no cgroup files */
    s_put("a/cpu.max", "garbage\n");
    CHECK_INT_EQ(s_quota(), 0);
    s_remove_tree();
}

static void test_unnameable_cgroups_are_not_read(void)
{
    s_fresh_tree();
    s_put("cpu.max", "300000 100000\n");
    /* outside this namespace's root ("/../sibling"): neither it nor the mount governs the process */
    s_put("proc-cgroup", "0::/../sibling\n");
    CHECK_INT_EQ(s_quota(), 0);
    s_put("proc-cgroup", "0::/a/../..\n");
    CHECK_INT_EQ(s_quota(), 0);
    s_put("proc-cgroup", "0::/a..b\n"); /* only a whole ".." segment leaves it */
    CHECK_INT_EQ(s_quota(), 3);
    /* a line longer than the reader's buffer is skipped whole: its tail is not read as a line of its own */
    char line[1100];
    int n = snprintf(line, sizeof line, "0::/");
    memset(line + n, 'a', 1023 - (size_t)n);
    snprintf(line + 1023, sizeof line - 1023, "0::/evil\n");
    s_put("proc-cgroup", line);
    s_put("cpu.max", "max 100000\n");
    s_put("evil/cpu.max", "100000 100000\n");
    CHECK_INT_EQ(s_quota(), 0);
    s_remove_tree();
}

static uint64_t s_memory(void)
{
    char proc[128];
    snprintf(proc, sizeof proc, "%s/proc-cgroup", s_root);
    return es_cgroup_memory_limit_at(proc, s_root);
}

/* memory.max of the container's own cgroup (docker --memory) or of a parent
 * visible; the smallest wins; "max" is no limit; v1's limit_in_bytes under
 * the memory hierarchy, its "unlimited" page-rounded 2^63 too. */
static void test_memory_limits(void)
{
    s_fresh_tree();
    s_put("proc-cgroup", "0::/\n");
    s_put("memory.max", "max\n");
    CHECK_INT_EQ(s_memory(), 0);
    s_put("memory.max", "67108864\n");
    CHECK_INT_EQ(s_memory(), 64ull << 20);
    s_put("proc-cgroup", "0::/kubepods/pod1/c1\n");
    s_put("kubepods/pod1/memory.max", "33554432\n");
    s_put("kubepods/pod1/c1/memory.max", "max\n");
    CHECK_INT_EQ(s_memory(), 32ull << 20);
    s_put("kubepods/pod1/c1/memory.max", "16777216\n");
    CHECK_INT_EQ(s_memory(), 16ull << 20);
    s_put("kubepods/pod1/c1/memory.max", "16777216 bytes\n"); /* malformed: not a limit */
    CHECK_INT_EQ(s_memory(), 32ull << 20);
    /* v1: the memory controller's line, not the cpu one's */
    s_put("proc-cgroup", "12:memory:/docker/c\n4:cpu,cpuacct:/other\n");
    s_put("memory/memory.limit_in_bytes", "9223372036854771712\n");
    s_put("memory/docker/c/memory.limit_in_bytes", "9223372036854771712\n");
    CHECK_INT_EQ(s_memory(), 0);
    s_put("memory/docker/c/memory.limit_in_bytes", "134217728\n");
    CHECK_INT_EQ(s_memory(), 128ull << 20);
    s_put("proc-cgroup", "4:cpu,cpuacct:/docker/c\n"); /* no memory line: nothing read */
    CHECK_INT_EQ(s_memory(), 0);
    s_remove_tree();
    CHECK_INT_EQ(es_memory_limit_parse("max\n"), 0);
    CHECK_INT_EQ(es_memory_limit_parse("-1\n"), 0);
    CHECK_INT_EQ(es_memory_limit_parse("4096"), 4096);
    CHECK_INT_EQ(es_memory_limit_parse("99999999999999999999999\n"), 0);
}

int main(void)
{
    ES_RUN(test_v2_task_limit_on_a_parent_is_found);
    ES_RUN(test_v2_namespace_sees_only_its_own_cgroup);
    ES_RUN(test_v1_cfs_quota_walks_up_the_cpu_hierarchy);
    ES_RUN(test_nothing_readable_is_no_limit);
    ES_RUN(test_unnameable_cgroups_are_not_read);
    ES_RUN(test_memory_limits);
    return es_test_finish();
}
