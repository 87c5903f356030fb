/* drain.c - the --drain end-of-queue check (drain.h): three queue
 * attributes, each a decimal count, read with one GetQueueAttributes call. */
#include "worker/drain.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Parses one counter value; false (and res->message says which) when it is no number. */
static bool s_count(const char *name, const char *value, unsigned long long *out, es_aws_result *res)
{
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(value, &end, 10);
    if (!value[0] || value[0] == '-' || errno || !end || *end) {
        snprintf(res->message, sizeof res->message, "%s is not a count", name);
        return false;
    }
    *out = v;
    return true;
}

es_drain_verdict es_drain_check(es_sqs_client *sqs, const char *queue_url, es_drain_counts *counts,
                                es_aws_result *res)
{
    static const char *const names[] = {"ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
                                        "ApproximateNumberOfMessagesDelayed"};
    unsigned long long *slots[] = {&counts->visible, &counts->in_flight, &counts->delayed};
    char values[3][32];
    es_sqs_attribute attrs[3];
    for (size_t i = 0; i < 3; i++)
        attrs[i] = (es_sqs_attribute){names[i], values[i], sizeof values[i]};
    memset(counts, 0, sizeof *counts);
    if (es_sqs_get_attributes(sqs, queue_url, attrs, 3, res) != ES_OK)
        return ES_DRAIN_UNKNOWN;
    for (size_t i = 0; i < 3; i++)
        if (!s_count(names[i], values[i], slots[i], res))
            return ES_DRAIN_UNKNOWN;
    return counts->visible || counts->in_flight || counts->delayed ? ES_DRAIN_PENDING : ES_DRAIN_DONE;
}
