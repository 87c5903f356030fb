/* transform_budget.h - the memory budget concurrent orientation transforms
 * share (EXIFSTRIP_TRANSFORM_MEMORY): a transform takes its estimated bytes
 * before it starts and gives them back when done; one that does not fit now
 * waits, one that could never fit is told so at once (it then keeps the tag). */
#ifndef ES_WORKER_TRANSFORM_BUDGET_H
#define ES_WORKER_TRANSFORM_BUDGET_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct es_transform_budget es_transform_budget;

es_transform_budget *es_transform_budget_new(uint64_t total);
void es_transform_budget_free(es_transform_budget *b);
/* Waits until bytes fit and takes them: true. false at once when bytes is
 * more than the whole budget, or while waiting when *cancel becomes nonzero. */
bool es_transform_budget_acquire(es_transform_budget *b, uint64_t bytes, const atomic_int *cancel);
void es_transform_budget_release(es_transform_budget *b, uint64_t bytes);
uint64_t es_transform_budget_in_use(es_transform_budget *b);
/* The process-wide budget of the worker's jobs, created on first use with total. */
es_transform_budget *es_transform_budget_shared(uint64_t total);

#endif
