/* metrics.c - the EMF records of metrics.h. A record is written as one
 * compact JSON line into a buffer (keys in the documented order) and handed
 * to the logger as is (es_log_write_line), so it goes wherever the log goes
 * and never interleaves with other lines. The settings are plain
 * process-wide values written once at start-up, before any job runs. */
#include "worker/metrics.h"

#include <jansson.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/log.h"
#include "worker/clock.h"
#include "worker/config.h"
#include "worker/job.h"

#define S_NAME_MAX 256 /* CloudWatch: namespaces up to 255 characters, dimension values up to 1024 */

static atomic_bool s_enabled;
/* The namespace and the queue name as JSON string literals, quoted and
 * escaped (at most 6 bytes per byte). */
static char s_namespace_json[6 * S_NAME_MAX + 3] = "\"" ES_METRICS_DEFAULT_NAMESPACE "\"";
static char s_queue_json[6 * S_NAME_MAX + 3] = "\"unknown\"";

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

/* s as a JSON string literal (quotes included) into out; "unknown" when it
 * cannot be encoded (not UTF-8) or does not fit. */
static void s_json_string(const char *s, char *out, size_t size)
{
    json_t *j = json_string(s);
    char *text = j ? json_dumps(j, JSON_ENCODE_ANY) : NULL;
    snprintf(out, size, "%s", text && strlen(text) < size ? text : "\"unknown\"");
    free(text);
    json_decref(j);
}

void es_metrics_configure(bool enabled, const char *namespace_, const char *queue_name)
{
    char ns[S_NAME_MAX], queue[S_NAME_MAX];
    snprintf(ns, sizeof ns, "%s", namespace_ && namespace_[0] ? namespace_ : ES_METRICS_DEFAULT_NAMESPACE);
    snprintf(queue, sizeof queue, "%s", queue_name && queue_name[0] ? queue_name : "unknown");
    s_json_string(ns, s_namespace_json, sizeof s_namespace_json);
    s_json_string(queue, s_queue_json, sizeof s_queue_json);
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
    value[ES_METRIC_REMOVALS_RECHECKED] = res->recheck;
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

/* A record is at most: 400 bytes of frame, two namespaces and a queue name
 * escaped (6 bytes per byte at worst) and every metric's definition and value. */
#define S_RECORD_MAX (1024u + 3u * 6u * S_NAME_MAX + ES_METRIC_COUNT * 96u)

/* Appends one directive: the namespace, one dimension set, the metrics. */
static void s_directive(es_buf *b, const char *dimensions, const bool present[ES_METRIC_COUNT], int only)
{
    es_buf_puts(b, "{\"Namespace\":");
    es_buf_puts(b, s_namespace_json);
    es_buf_puts(b, ",\"Dimensions\":[");
    es_buf_puts(b, dimensions);
    es_buf_puts(b, "],\"Metrics\":[");
    const char *sep = "";
    for (int i = 0; i < ES_METRIC_COUNT; i++) {
        if (!present[i] || (only >= 0 && i != only))
            continue;
        es_buf_puts(b, sep);
        es_buf_puts(b, "{\"Name\":\"");
        es_buf_puts(b, s_names[i]);
        es_buf_puts(b, "\",\"Unit\":\"");
        es_buf_puts(b, s_units[i]);
        es_buf_puts(b, "\"}");
        sep = ",";
    }
    es_buf_puts(b, "]}");
}

/* The record as one JSON line (with its newline), written straight into a
 * buffer: no document tree, no allocation per key (jansson's tree cost more
 * than the job's own log line), and no printf (one per field cost ~1 % of a
 * worker's CPU per image). Names and units are plain ASCII; the
 * namespace and the queue name were escaped once, at configuration. */
static char *s_record(const es_job_message *msg, const es_job_result *res, size_t *len)
{
    uint64_t value[ES_METRIC_COUNT];
    bool present[ES_METRIC_COUNT];
    s_values(msg, res, es_clock_ms(), value, present);
    char now[ES_LOG_TIME_SIZE];
    es_log_timestamp(now);
    es_buf b;
    es_buf_init(&b, S_RECORD_MAX);
    (void)es_buf_reserve(&b, 1536);
    es_buf_puts(&b, "{\"time\":\"");
    es_buf_puts(&b, now);
    es_buf_puts(&b, "\",\"level\":\"info\",\"event\":\"metrics\",\"_aws\":{\"Timestamp\":");
    es_buf_put_u64(&b, es_clock_epoch_ms());
    es_buf_puts(&b, ",\"CloudWatchMetrics\":[");
    s_directive(&b, "[\"" ES_METRICS_DIM_QUEUE "\"]", present, -1);
    es_buf_puts(&b, ",");
    s_directive(&b, "[\"" ES_METRICS_DIM_QUEUE "\",\"" ES_METRICS_DIM_OUTCOME "\"]", present,
                ES_METRICS_BY_OUTCOME);
    es_buf_puts(&b, "]},\"" ES_METRICS_DIM_QUEUE "\":");
    es_buf_puts(&b, s_queue_json);
    es_buf_puts(&b, ",\"" ES_METRICS_DIM_OUTCOME "\":\"");
    es_buf_puts(&b, es_job_outcome_name(res->outcome));
    es_buf_puts(&b, "\"");
    for (int i = 0; i < ES_METRIC_COUNT; i++)
        if (present[i]) {
            es_buf_puts(&b, ",\"");
            es_buf_puts(&b, s_names[i]);
            es_buf_puts(&b, "\":");
            es_buf_put_u64(&b, value[i]);
        }
    es_buf_puts(&b, "}\n");
    *len = b.len;
    return es_buf_take(&b);
}

void es_metrics_job(const es_job_message *msg, const es_job_result *res)
{
    if (!res || !es_metrics_enabled())
        return;
    size_t len = 0;
    char *line = s_record(msg, res, &len);
    if (!line)
        return;
    es_log_write_line(line, len);
    free(line);
}
