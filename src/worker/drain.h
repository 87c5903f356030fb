/* drain.h - when `exifstrip worker --drain` may stop: after a receive came
 * back empty and the worker holds nothing, the queue's own counters
 * (one GetQueueAttributes call) say whether any message is still visible, delayed or
 * in flight (held by another worker, or left for redelivery). Only when all
 * three are 0 is the queue done. */
#ifndef ES_WORKER_DRAIN_H
#define ES_WORKER_DRAIN_H

#include "aws/sqs/sqs.h"

typedef enum es_drain_verdict {
    ES_DRAIN_DONE = 0, /* nothing visible, delayed or in flight */
    ES_DRAIN_PENDING,  /* messages remain somewhere: keep polling */
    ES_DRAIN_UNKNOWN   /* the attributes could not be read (res says why) */
} es_drain_verdict;

typedef struct es_drain_counts {
    unsigned long long visible, in_flight, delayed;
} es_drain_counts;

/* Reads ApproximateNumberOfMessages, ...NotVisible and ...Delayed of
 * queue_url into *counts and judges them. */
es_drain_verdict es_drain_check(es_sqs_client *sqs, const char *queue_url, es_drain_counts *counts,
                                es_aws_result *res);

#endif
