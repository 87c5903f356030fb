/* sqs_admin.h - queue administration for the integration tests (exifstrip
 * itself never creates queues): create (with attributes such as
 * RedrivePolicy), look up, purge and delete queues. Built on the SQS client's
 * internals (aws/sqs/internal.h). */
#ifndef ES_AWS_SQS_ADMIN_H
#define ES_AWS_SQS_ADMIN_H

#include "aws/sqs/sqs.h"

/* attrs: NULL or a NULL-terminated list of name, value pairs, e.g.
 * {"VisibilityTimeout", "30", "RedrivePolicy", "{...}", NULL}. The new (or
 * existing, if the attributes agree) queue's URL goes to queue_url. */
ES_MUST_USE es_err es_sqs_create_queue(es_sqs_client *c, const char *name, const char *const *attrs,
                                       char *queue_url, size_t queue_url_size, es_aws_result *res);
ES_MUST_USE es_err es_sqs_get_queue_url(es_sqs_client *c, const char *name, char *queue_url,
                                        size_t queue_url_size, es_aws_result *res);
ES_MUST_USE es_err es_sqs_purge_queue(es_sqs_client *c, const char *queue_url, es_aws_result *res);
ES_MUST_USE es_err es_sqs_delete_queue(es_sqs_client *c, const char *queue_url, es_aws_result *res);

#endif
