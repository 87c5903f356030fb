/* s3_admin.h - bucket administration for the integration tests (exifstrip
 * itself never creates buckets): create/delete a bucket and point the
 * bucket's event notifications at an SQS queue. Built on the S3 client's
 * internals (aws/s3/internal.h). */
#ifndef ES_AWS_S3_ADMIN_H
#define ES_AWS_S3_ADMIN_H

#include "aws/s3/s3.h"

/* CreateBucket (with a LocationConstraint outside us-east-1). A bucket that
 * already exists and is ours (BucketAlreadyOwnedByYou) counts as success. */
ES_MUST_USE es_err es_s3_create_bucket(es_s3_client *c, const char *bucket, es_aws_result *res);
/* DeleteBucket (the bucket must be empty). */
ES_MUST_USE es_err es_s3_delete_bucket(es_s3_client *c, const char *bucket, es_aws_result *res);

/* PutBucketNotificationConfiguration with one QueueConfiguration sending
 * `event` (NULL = "s3:ObjectCreated:*"; several names separated by commas,
 * e.g. "s3:ObjectCreated:*,s3:ObjectRemoved:*") for keys matching prefix/suffix (NULL
 * or "" = no filter) to the queue ARN. Replaces the bucket's configuration. */
ES_MUST_USE es_err es_s3_put_bucket_notification(es_s3_client *c, const char *bucket, const char *queue_arn,
                                                 const char *event, const char *prefix, const char *suffix,
                                                 es_aws_result *res);

#endif
