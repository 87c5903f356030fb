/* transform_budget.h - the memory budget concurrent orientation transforms
 * share (EXIFSTRIP_TRANSFORM_MEMORY): a transform takes its estimated bytes
 * before it starts and gives them back when done; one that does not fit now
 * waits, one that could never fit is told so at once (it then keeps the tag).
 * The budget also admits at most so many transforms at once: they are
 * CPU-bound, so more than the CPUs can run only adds their memory. A running
 * slot is held only while the transform computes; its bytes until its output
 * has been written. A photo's bytes may be reserved before its slot (while
 * it is read and while it waits for the slot): a reservation never waits
 * for a slot and a slot never waits for bytes, so waiters never hold up the
 * transform that runs. Bytes go first come, first served: while a caller
 * waits for bytes, later ones (acquire, reserve, try_reserve) wait behind it
 * even when their own bytes would fit, so small shares never starve a big
 * one; a caller wanting only a slot (0 bytes) does not queue for bytes. */
#ifndef ES_WORKER_TRANSFORM_BUDGET_H
#define ES_WORKER_TRANSFORM_BUDGET_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct es_transform_budget es_transform_budget;

/* total bytes, shared by at most max_running transforms at once (0 = no limit). */
es_transform_budget *es_transform_budget_new(uint64_t total, unsigned max_running);
void es_transform_budget_free(es_transform_budget *b);
/* Waits its turn until bytes fit and takes them, then (holding them, out of
 * the queue) until a transform may start, and takes a running slot: true.
 * false at once when bytes is more than the whole budget, or while waiting
 * when *cancel becomes nonzero (the bytes, if taken, are given back). */
bool es_transform_budget_acquire(es_transform_budget *b, uint64_t bytes, const atomic_int *cancel);
/* Takes bytes without a running slot, for a photo held before its transform
 * (its share taken as soon as it is known, transform_budget.c): true when
 * they fit now and nobody waits for bytes, false at once otherwise (wait with
 * es_transform_budget_reserve, holding nothing meanwhile). Given back with
 * es_transform_budget_release; its transform then acquires 0 bytes (a slot). */
bool es_transform_budget_try_reserve(es_transform_budget *b, uint64_t bytes);
/* Waits until bytes fit and takes them, without a running slot: true. false
 * at once when bytes is more than the whole budget, or while waiting when
 * *cancel becomes nonzero. */
bool es_transform_budget_reserve(es_transform_budget *b, uint64_t bytes, const atomic_int *cancel);
/* Gives the running slot back: the transform's CPU work is done (its output
 * may still be being written, holding its bytes). Once per acquire. */
void es_transform_budget_end_run(es_transform_budget *b);
/* Gives the bytes back. Once per acquire, after es_transform_budget_end_run. */
void es_transform_budget_release(es_transform_budget *b, uint64_t bytes);
/* Bytes taken; *running (when not NULL): transforms still running. */
uint64_t es_transform_budget_in_use(es_transform_budget *b, unsigned *running);
/* The process-wide budget of the worker's jobs, created on first use with
 * total and max_running transforms at once (EXIFSTRIP_TRANSFORM_CONCURRENCY),
 * 0 = as many as there are usable CPUs (cgroup_limits.h). */
es_transform_budget *es_transform_budget_shared(uint64_t total, unsigned max_running);
/* The transforms allowed at once for a configured
 * EXIFSTRIP_TRANSFORM_CONCURRENCY: itself, or for 0 ("auto") the usable CPUs. */
unsigned es_transform_concurrency(unsigned configured);

/* EXIFSTRIP_TRANSFORM_MEMORY's largest "auto" value, and its value when no
 * memory limit is found. */
#define ES_TRANSFORM_MEMORY_MAX_AUTO (512ull * 1024 * 1024)
/* The transform memory "auto" gives for a memory limit of limit bytes (0 =
 * none): half of it (the rest is the worker's own, its parts in flight and
 * the GETs and PUTs of the photos not turned), from 1 MiB to
 * ES_TRANSFORM_MEMORY_MAX_AUTO. A fixed 512 MiB under a 64 MiB container
 * limit let four turned phone photos get the worker OOM-killed. */
uint64_t es_transform_memory_for_limit(uint64_t limit);
/* The memory limit "auto" follows: the smallest of the cgroup memory limits
 * visible (cgroup_limits.h) and the machine's RAM (which on Fargate, a VM per
 * task, is the task's memory); 0 when neither is known. */
uint64_t es_transform_memory_limit(void);

#endif
