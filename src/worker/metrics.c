/* metrics.c - the EMF records of metrics.h. A record is built as a jansson
 * object (keys kept in insertion order), dumped compactly on one line and
 * handed to the logger as is (es_log_write_line), so it goes wherever the
 * log goes and never interleaves with other lines. The settings are plain
 * process-wide values written once at start-up, before any job runs. */
#include "worker/metrics.h"

#include <jansson.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "worker/clock.h"
#include "worker/config.h"
#include "worker/job.h"

#define S_NAME_MAX 256 /* CloudWatch: namespaces up to 255 characters, dimension values up to 1024 */

static atomic_bool s_enabled;
static char s_namespace[S_NAME_MAX] = ES_METRICS_DEFAULT_NAMESPACE;
static char s_queue[S_NAME_MAX] = "unknown";

#define S_NAME(id, name, unit) name,
#define S_UNIT(id, name, unit) unit,
static const char *const s_names[ES_METRIC_COUNT] = {ES_METRICS_LIST(S_NAME)};
static const char *const s_units[ES_METRIC_COUNT] = {ES_METRICS_LIST(S_UNIT)};
#undef S_NAME
#undef S_UNIT

const char *es_metric_name(es_metric_id id)
{
    return (int)id >= 0 && id < ES_METRIC_COUNT ? s_names[id] : NULL;
}

bool es_metrics_namespace_valid(const char *ns)
{
    if (!ns || !ns[0] || strlen(ns) >= S_NAME_MAX || !strncmp(ns, "AWS/", 4) || ns[0] == ':')
        return false;
    bool visible = false;
    for (const char *c = ns; *c; c++) {
        bool alnum = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9');
        if (!alnum && !strchr(" ._/#:-", *c))
            return false;
        visible = visible || *c != ' ';
    }
    return visible;
}

void es_metrics_queue_name(const char *queue_url, char *out, size_t size)
{
    if (!out || size == 0)
        return;
    const char *url = queue_url ? queue_url : "";
    const char *host = strstr(url, "://");
    const char *path = strchr(host ? host + 3 : url, '/');
    size_t end = path ? strcspn(path, "?#") : 0;
    while (end > 0 && path[end - 1] == '/')
        end--;
    size_t start = end;
    while (start > 0 && path[start - 1] != '/')
        start--;
    if (end == start)
        snprintf(out, size, "%s", "unknown");
    else
        snprintf(out, size, "%.*s", (int)(end - start), path + start);
}

void es_metrics_configure(bool enabled, const char *namespace_, const char *queue_name)
{
    snprintf(s_namespace, sizeof s_namespace, "%s",
             namespace_ && namespace_[0] ? namespace_ : ES_METRICS_DEFAULT_NAMESPACE);
    snprintf(s_queue, sizeof s_queue, "%s", queue_name && queue_name[0] ? queue_name : "unknown");
    atomic_store(&s_enabled, enabled);
}

void es_metrics_configure_from_cfg(const es_cfg *cfg, const char *queue_name)
{
    char queue[S_NAME_MAX];
    es_metrics_queue_name(cfg->queue_url, queue, sizeof queue);
    es_metrics_configure(cfg->metrics == ES_CFG_METRICS_EMF && cfg->log_format == ES_LOG_FORMAT_JSON,
                         cfg->metrics_namespace, queue_name ? queue_name : queue);
}

bool es_metrics_enabled(void) { return atomic_load(&s_enabled); }

es_metric_id es_metrics_outcome_count(const char *name)
{
#define S_OUTCOME(outcome, id) {outcome, id},
    static const struct {
        const char *outcome;
        es_metric_id id;
    } counts[] = {ES_METRICS_OUTCOME_COUNTS(S_OUTCOME)};
#undef S_OUTCOME
    for (size_t i = 0; name && i < sizeof counts / sizeof counts[0]; i++)
        if (!strcmp(counts[i].outcome, name))
            return counts[i].id;
    return ES_METRIC_COUNT;
}

/* Fills value[] (present[] says which are known) for one job. */
static void s_values(const es_job_message *msg, const es_job_result *res, uint64_t now_ms,
                     uint64_t value[ES_METRIC_COUNT], bool present[ES_METRIC_COUNT])
{
    memset(value, 0, ES_METRIC_COUNT * sizeof value[0]);
    for (int i = 0; i < ES_METRIC_COUNT; i++)
        present[i] = true;
    es_metric_id count = es_metrics_outcome_count(es_job_outcome_name(res->outcome));
    if (count < ES_METRIC_COUNT)
        value[count] = 1;
    value[ES_METRIC_BYTES_IN] = res->bytes_in;
    value[ES_METRIC_BYTES_OUT] = res->bytes_out;
    value[ES_METRIC_BYTES_REMOVED] = res->bytes_removed;
    value[ES_METRIC_JOB_DURATION] = res->duration_ms;
    present[ES_METRIC_RECEIVE_TO_DONE] = msg && msg->received_ms && now_ms >= msg->received_ms;
    if (present[ES_METRIC_RECEIVE_TO_DONE])
        value[ES_METRIC_RECEIVE_TO_DONE] = now_ms - msg->received_ms;
    present[ES_METRIC_QUEUE_WAIT] = msg && msg->has_queue_wait;
    if (present[ES_METRIC_QUEUE_WAIT])
        value[ES_METRIC_QUEUE_WAIT] = msg->queue_wait_ms;
}

static json_t *s_metric_def(es_metric_id id)
{
    return json_pack("{s:s, s:s}", "Name", s_names[id], "Unit", s_units[id]);
}

/* One directive: the namespace, one dimension set, the metrics. */
static json_t *s_directive(json_t *dimension_set, json_t *metrics)
{
    return json_pack("{s:s, s:[o], s:o}", "Namespace", s_namespace, "Dimensions", dimension_set, "Metrics",
                     metrics);
}

static json_t *s_record(const es_job_message *msg, const es_job_result *res)
{
    uint64_t value[ES_METRIC_COUNT];
    bool present[ES_METRIC_COUNT];
    s_values(msg, res, es_clock_ms(), value, present);
    json_int_t epoch_ms = (json_int_t)es_clock_epoch_ms();
    char now[ES_LOG_TIME_SIZE];
    es_log_timestamp(now);

    json_t *all = json_array();
    for (int i = 0; all && i < ES_METRIC_COUNT; i++)
        if (present[i] && json_array_append_new(all, s_metric_def((es_metric_id)i)) != 0) {
            json_decref(all);
            all = NULL;
        }
    json_t *directives = json_pack("[o, o]", s_directive(json_pack("[s]", ES_METRICS_DIM_QUEUE), all),
                                   s_directive(json_pack("[s, s]", ES_METRICS_DIM_QUEUE, ES_METRICS_DIM_OUTCOME),
                                               json_pack("[o]", s_metric_def(ES_METRICS_BY_OUTCOME))));
    json_t *rec = json_pack("{s:s, s:s, s:s, s:{s:I, s:o}, s:s, s:s}", "time", now, "level", "info", "event",
                            "metrics", "_aws", "Timestamp", epoch_ms, "CloudWatchMetrics", directives,
                            ES_METRICS_DIM_QUEUE, s_queue, ES_METRICS_DIM_OUTCOME,
                            es_job_outcome_name(res->outcome));
    for (int i = 0; rec && i < ES_METRIC_COUNT; i++)
        if (present[i] && json_object_set_new(rec, s_names[i], json_integer((json_int_t)value[i])) != 0) {
            json_decref(rec);
            rec = NULL;
        }
    return rec;
}

void es_metrics_job(const es_job_message *msg, const es_job_result *res)
{
    if (!res || !es_metrics_enabled())
        return;
    json_t *rec = s_record(msg, res);
    char *line = rec ? json_dumps(rec, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(rec);
    if (!line)
        return;
    size_t len = strlen(line);
    char *out = realloc(line, len + 2);
    if (!out) {
        free(line);
        return;
    }
    out[len] = '\n';
    out[len + 1] = '\0';
    es_log_write_line(out, len + 1);
    free(out);
}
