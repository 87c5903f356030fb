/* drain.c - the --drain end-of-queue check (drain.h): three queue
 * attributes, each a decimal count. */
#include "worker/drain.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Reads one counter attribute; false when the request failed or the value is no number. */
static bool s_count(es_sqs_client *sqs, const char *queue_url, const char *name,
                    unsigned long long *out, es_aws_result *res)
{
    char value[32];
    if (es_sqs_get_attribute(sqs, queue_url, name, value, sizeof value, res) != ES_OK)
        return false;
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
    memset(counts, 0, sizeof *counts);
    if (!s_count(sqs, queue_url, "ApproximateNumberOfMessages", &counts->visible, res) ||
        !s_count(sqs, queue_url, "ApproximateNumberOfMessagesNotVisible", &counts->in_flight, res) ||
        !s_count(sqs, queue_url, "ApproximateNumberOfMessagesDelayed", &counts->delayed, res))
        return ES_DRAIN_UNKNOWN;
    return counts->visible || counts->in_flight || counts->delayed ? ES_DRAIN_PENDING : ES_DRAIN_DONE;
}
