/* usable_cpus.h - how many CPUs this process can keep busy at once: the
 * CPUs its affinity mask allows, lowered to its cgroup's CPU quota (cgroup
 * v2 cpu.max, or v1 cpu.cfs_quota_us / cpu.cfs_period_us, rounded up), which
 * is how ECS/Fargate and Kubernetes limit a task's vCPUs. */
#ifndef ES_WORKER_USABLE_CPUS_H
#define ES_WORKER_USABLE_CPUS_H

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

#endif
