/* cgroup_limits.h - what this process may use: how many CPUs it can keep
 * busy at once, and how much memory its cgroups allow.
 *
 * CPUs: the
 * CPUs its affinity mask allows, lowered to the smallest CPU quota (cgroup v2
 * cpu.max, or v1 cpu.cfs_quota_us / cpu.cfs_period_us, rounded up) among its
 * own cgroup and every ancestor of it that is visible under /sys/fs/cgroup.
 * What is NOT seen: a quota on a cgroup outside that mount. With a cgroup
 * namespace (Docker's and ECS's default on cgroup v2) the container's own
 * cgroup is the root of what it sees, so a limit set on the task's cgroup
 * above it (ECS/Fargate task-level `cpu`: /ecs/<task>, ecstasks-<task>.slice)
 * stays invisible; EXIFSTRIP_TRANSFORM_CONCURRENCY states it instead. */
#ifndef ES_WORKER_CGROUP_LIMITS_H
#define ES_WORKER_CGROUP_LIMITS_H

#include <stdint.h>

/* At least 1. Read from the system on every call. */
unsigned es_usable_cpus(void);

/* The CPUs a quota of `quota` microseconds per `period` allows, rounded up
 * (a quota of 1.5 CPUs keeps 2 threads busy part of the time); 0 when
 * there is no limit (quota <= 0, period <= 0). */
unsigned es_cpu_quota_cpus(int64_t quota, int64_t period);

/* Parses a cgroup v2 cpu.max line ("max 100000" or "150000 100000") into
 * the CPUs it allows (es_cpu_quota_cpus); 0 for "max" or anything malformed. */
unsigned es_cpu_max_parse(const char *text);

/* The smallest cgroup CPU quota, in whole CPUs, found for the process whose
 * /proc/<pid>/cgroup file is proc_cgroup, with cgroupfs mounted at root
 * (normally "/proc/self/cgroup" and "/sys/fs/cgroup"): the cgroup's own
 * directory and each ancestor up to root, for v2 (cpu.max) and v1 (the cpu
 * controller's hierarchy under root/cpu). 0 when none is set or visible. */
unsigned es_cgroup_quota_cpus_at(const char *proc_cgroup, const char *root);

/* Memory: the smallest limit (cgroup v2 memory.max, v1 memory.limit_in_bytes
 * under root/memory) among the process's own cgroup and its ancestors
 * visible under root, in bytes; 0 when none is set or visible. A container's
 * --memory, a Kubernetes limits.memory and an ECS container-level memory are
 * set on the container's own cgroup and seen; a Fargate task-level memory
 * sits above a cgroup namespace, like its cpu. */
uint64_t es_cgroup_memory_limit_at(const char *proc_cgroup, const char *root);

/* es_cgroup_memory_limit_at of this process ("/proc/self/cgroup",
 * "/sys/fs/cgroup"), read on every call. */
uint64_t es_cgroup_memory_limit(void);

/* A v2 memory.max or v1 memory.limit_in_bytes value in bytes; 0 for "max",
 * for v1's "no limit" (at least ES_MEMORY_NO_LIMIT) and for anything malformed. */
#define ES_MEMORY_NO_LIMIT (1ull << 62)
uint64_t es_memory_limit_parse(const char *text);

#endif
