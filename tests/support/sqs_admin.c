/* sqs_admin.c - queue administration over the JSON protocol (sqs_admin.h). */
#include "sqs_admin.h"

#include "aws/sqs/internal.h"

/* {"name": "value", ...} from a NULL-terminated pair list; NULL on OOM or an odd list. */
static json_t *s_attr_object(const char *const *attrs)
{
    json_t *obj = json_object();
    for (size_t i = 0; obj && attrs && attrs[i]; i += 2) {
        if (!attrs[i + 1] || json_object_set_new(obj, attrs[i], json_string(attrs[i + 1])) != 0) {
            json_decref(obj);
            obj = NULL;
        }
    }
    return obj;
}

es_err es_sqs_create_queue(es_sqs_client *c, const char *name, const char *const *attrs, char *queue_url,
                           size_t queue_url_size, es_aws_result *res)
{
    if (!name || !name[0] || !queue_url || !queue_url_size)
        return es_aws_bad_arg(res, "queue name or url buffer");
    json_t *a = s_attr_object(attrs);
    json_t *body = a ? json_pack("{s:s, s:o}", "QueueName", name, "Attributes", a) : NULL;
    es_sqs_string_out out = {.name = "QueueUrl", .out = queue_url, .size = queue_url_size};
    es_sqs_call_opts opts = {.on_success = es_sqs_string_member, .success_ctx = &out};
    return es_sqs_call(c, "CreateQueue", body, &opts, res);
}

es_err es_sqs_get_queue_url(es_sqs_client *c, const char *name, char *queue_url, size_t queue_url_size,
                            es_aws_result *res)
{
    if (!name || !name[0] || !queue_url || !queue_url_size)
        return es_aws_bad_arg(res, "queue name or url buffer");
    es_sqs_string_out out = {.name = "QueueUrl", .out = queue_url, .size = queue_url_size};
    es_sqs_call_opts opts = {.on_success = es_sqs_string_member, .success_ctx = &out};
    return es_sqs_call(c, "GetQueueUrl", json_pack("{s:s}", "QueueName", name), &opts, res);
}

static es_err s_url_only(es_sqs_client *c, const char *action, const char *queue_url, es_aws_result *res)
{
    if (!queue_url || !queue_url[0])
        return es_aws_bad_arg(res, "queue url");
    return es_sqs_call(c, action, json_pack("{s:s}", "QueueUrl", queue_url), NULL, res);
}

es_err es_sqs_purge_queue(es_sqs_client *c, const char *queue_url, es_aws_result *res)
{
    return s_url_only(c, "PurgeQueue", queue_url, res);
}

es_err es_sqs_delete_queue(es_sqs_client *c, const char *queue_url, es_aws_result *res)
{
    return s_url_only(c, "DeleteQueue", queue_url, res);
}
