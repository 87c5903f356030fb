/* s3_admin.c - bucket creation/deletion and queue notifications (s3_admin.h). */
#include "s3_admin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "aws/s3/internal.h"

#define S_XMLNS "xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\""

es_err es_s3_create_bucket(es_s3_client *c, const char *bucket, es_aws_result *res)
{
    es_aws_result scratch;
    if (!res)
        res = &scratch;
    if (!c)
        return es_aws_bad_arg(res, "client");
    const char *region = es_aws_client_config(es_s3_client_core(c))->region;
    es_buf b;
    es_buf_init(&b, 1024);
    if (strcmp(region, "us-east-1") != 0) {
        es_buf_puts(&b, "<CreateBucketConfiguration " S_XMLNS "><LocationConstraint>");
        es_buf_xml_escaped(&b, region);
        es_buf_puts(&b, "</LocationConstraint></CreateBucketConfiguration>");
    }
    char *body = es_buf_take(&b);
    if (!body)
        return es_aws_bad_arg(res, "region");
    es_aws_header hdr[] = {{"content-type", "application/xml"}};
    es_aws_request req = {
        .method = "PUT",
        .headers = hdr,
        .header_count = body[0] ? 1 : 0,
        .body = (const uint8_t *)body,
        .body_len = strlen(body),
    };
    es_err rc = es_s3_call(c, bucket, NULL, &req, NULL, res);
    free(body);
    if (rc != ES_OK && !strcmp(res->aws_code, "BucketAlreadyOwnedByYou")) {
        res->code = rc = ES_OK;
        res->message[0] = '\0';
    }
    return rc;
}

es_err es_s3_delete_bucket(es_s3_client *c, const char *bucket, es_aws_result *res)
{
    es_aws_request req = {.method = "DELETE"};
    return es_s3_call(c, bucket, NULL, &req, NULL, res);
}

static void s_filter_rule(es_buf *b, const char *name, const char *value)
{
    if (!value || !value[0])
        return;
    es_buf_printf(b, "<FilterRule><Name>%s</Name><Value>", name);
    es_buf_xml_escaped(b, value);
    es_buf_puts(b, "</Value></FilterRule>");
}

es_err es_s3_put_bucket_notification(es_s3_client *c, const char *bucket, const char *queue_arn,
                                     const char *event, const char *prefix, const char *suffix,
                                     es_aws_result *res)
{
    if (!queue_arn || !queue_arn[0])
        return es_aws_bad_arg(res, "queue ARN");
    es_buf b;
    es_buf_init(&b, 16384);
    es_buf_puts(&b, "<NotificationConfiguration " S_XMLNS "><QueueConfiguration>"
                    "<Id>exifstrip</Id><Queue>");
    es_buf_xml_escaped(&b, queue_arn);
    es_buf_puts(&b, "</Queue>");
    const char *events = event ? event : "s3:ObjectCreated:*";
    for (const char *e = events; *e;) { /* one <Event> per comma-separated name */
        size_t n = strcspn(e, ",");
        char name[128];
        snprintf(name, sizeof name, "%.*s", (int)n, e);
        es_buf_puts(&b, "<Event>");
        es_buf_xml_escaped(&b, name);
        es_buf_puts(&b, "</Event>");
        e += n + (e[n] == ',');
    }
    if ((prefix && prefix[0]) || (suffix && suffix[0])) {
        es_buf_puts(&b, "<Filter><S3Key>");
        s_filter_rule(&b, "prefix", prefix);
        s_filter_rule(&b, "suffix", suffix);
        es_buf_puts(&b, "</S3Key></Filter>");
    }
    es_buf_puts(&b, "</QueueConfiguration></NotificationConfiguration>");
    char *body = es_buf_take(&b);
    if (!body)
        return es_aws_bad_arg(res, "notification configuration too large");
    es_aws_header hdr[] = {{"content-type", "application/xml"}};
    es_aws_request req = {
        .method = "PUT",
        .query = "notification=",
        .headers = hdr,
        .header_count = 1,
        .body = (const uint8_t *)body,
        .body_len = strlen(body),
    };
    es_err rc = es_s3_call(c, bucket, NULL, &req, NULL, res);
    free(body);
    return rc;
}
