/* metrics_test.c - the EMF emitter (src/worker/metrics.c): a record is one
 * JSON line with the _aws metadata (Timestamp in epoch ms, two directives in
 * the configured namespace), every metric of ES_METRICS_LIST defined once and
 * present as a number, the dimensions as strings; each outcome counts in its
 * own Jobs* metric; queue timings only when known; nothing at all when off,
 * with text logs or for no result; written whatever the log level. Also the
 * EXIFSTRIP_METRICS / EXIFSTRIP_METRICS_NAMESPACE settings, namespace
 * validation and the queue name taken from the URL. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../harness/test.h"
#include "common/log.h"
#include "worker/clock.h"
#include "worker/config.h"
#include "worker/job.h"
#include "worker/metrics.h"

/* The last line logged and how many were. */
static char s_line[8192];
static int s_lines;

static void s_sink(void *ctx, const char *line, size_t len)
{
    (void)ctx;
    snprintf(s_line, sizeof s_line, "%.*s", (int)len, line);
    s_lines++;
}

static void s_capture_start(void)
{
    s_line[0] = '\0';
    s_lines = 0;
    es_log_set_sink(s_sink, NULL);
}

/* The single captured line as a JSON object (NULL unless exactly one whole line). */
static json_t *s_record(void)
{
    es_log_set_sink(NULL, NULL);
    size_t len = strlen(s_line);
    if (s_lines != 1 || len == 0 || s_line[len - 1] != '\n' || memchr(s_line, '\n', len - 1))
        return NULL;
    json_error_t jerr;
    json_t *j = json_loadb(s_line, len - 1, JSON_REJECT_DUPLICATES, &jerr);
    if (!j)
        fprintf(stderr, "  invalid JSON (%s): %s", jerr.text, s_line);
    return j;
}

static es_job_result s_result(es_job_outcome outcome)
{
    es_job_result res;
    memset(&res, 0, sizeof res);
    res.outcome = outcome;
    res.bytes_in = 5000000;
    res.bytes_out = outcome == ES_JOB_STRIPPED ? 4900000 : 0;
    res.bytes_removed = outcome == ES_JOB_STRIPPED ? 100000 : 0;
    res.duration_ms = 321;
    return res;
}

static json_int_t s_int(json_t *rec, const char *name)
{
    json_t *v = json_object_get(rec, name);
    return json_is_integer(v) ? json_integer_value(v) : -1;
}

/* Checks the EMF structure of rec: a recent Timestamp, two directives in
 * namespace ns ([Queue] with want_metrics metrics, [Queue, Outcome] with
 * JobDuration), every dimension a non-empty string, every metric a number. */
static void s_check_structure(json_t *rec, const char *ns, size_t want_metrics)
{
    json_t *aws = json_object_get(rec, "_aws");
    REQUIRE(json_is_object(aws));
    json_t *ts = json_object_get(aws, "Timestamp");
    REQUIRE(json_is_integer(ts));
    uint64_t now = es_clock_epoch_ms();
    CHECK((uint64_t)json_integer_value(ts) + 5000 > now && (uint64_t)json_integer_value(ts) <= now);
    json_t *dirs = json_object_get(aws, "CloudWatchMetrics");
    REQUIRE(json_is_array(dirs) && json_array_size(dirs) == 2);
    size_t i;
    json_t *d;
    json_array_foreach(dirs, i, d)
    {
        CHECK_STR_EQ(json_string_value(json_object_get(d, "Namespace")), ns);
        json_t *sets = json_object_get(d, "Dimensions");
        REQUIRE(json_is_array(sets) && json_array_size(sets) == 1);
        json_t *set = json_array_get(sets, 0);
        REQUIRE(json_is_array(set) && json_array_size(set) == i + 1);
        size_t k;
        json_t *dim;
        json_array_foreach(set, k, dim)
        {
            REQUIRE(json_is_string(dim));
            json_t *dv = json_object_get(rec, json_string_value(dim));
            CHECK(json_is_string(dv) && json_string_length(dv) > 0);
        }
        json_t *metrics = json_object_get(d, "Metrics");
        REQUIRE(json_is_array(metrics));
        CHECK_INT_EQ(json_array_size(metrics), i == 0 ? want_metrics : 1);
        json_t *m;
        json_array_foreach(metrics, k, m)
        {
            const char *name = json_string_value(json_object_get(m, "Name"));
            REQUIRE(name);
            CHECK(json_is_string(json_object_get(m, "Unit")));
            CHECK(json_is_integer(json_object_get(rec, name)));
            CHECK(s_int(rec, name) >= 0);
        }
    }
    CHECK_STR_EQ(json_string_value(
                     json_object_get(json_array_get(json_object_get(json_array_get(dirs, 1), "Metrics"), 0),
                                     "Name")),
                 "JobDuration");
}

static void test_record_of_a_stripped_job(void)
{
    es_metrics_configure(true, "photos/prod", "uploads");
    es_log_configure(ES_LOG_INFO, ES_LOG_FORMAT_JSON);
    es_job_message msg = {.message_id = "m-1",
                          .body = "{}",
                          .body_len = 2,
                          .receive_count = 1,
                          .received_ms = es_clock_ms() - 40,
                          .has_queue_wait = true,
                          .queue_wait_ms = 1234};
    es_job_result res = s_result(ES_JOB_STRIPPED);
    s_capture_start();
    es_metrics_job(&msg, &res);
    json_t *rec = s_record();
    REQUIRE(rec);
    CHECK_STR_EQ(json_string_value(json_object_get(rec, "event")), "metrics");
    CHECK_STR_EQ(json_string_value(json_object_get(rec, "level")), "info");
    CHECK(json_is_string(json_object_get(rec, "time")));
    CHECK_STR_EQ(json_string_value(json_object_get(rec, "Queue")), "uploads");
    CHECK_STR_EQ(json_string_value(json_object_get(rec, "Outcome")), "stripped");
    s_check_structure(rec, "photos/prod", ES_METRIC_COUNT);
    /* every metric of the list is defined, in list order */
    json_t *defs = json_object_get(
        json_array_get(json_object_get(json_object_get(rec, "_aws"), "CloudWatchMetrics"), 0), "Metrics");
    for (int i = 0; i < ES_METRIC_COUNT; i++)
        CHECK_STR_EQ(json_string_value(json_object_get(json_array_get(defs, (size_t)i), "Name")),
                     es_metric_name((es_metric_id)i));
    CHECK_INT_EQ(s_int(rec, "JobsDone"), 1);
    CHECK_INT_EQ(s_int(rec, "JobsRefused") + s_int(rec, "JobsSkipped") + s_int(rec, "JobsGone") +
                     s_int(rec, "JobsRetried") + s_int(rec, "JobsDeleted"),
                 0);
    CHECK_INT_EQ(s_int(rec, "BytesIn"), 5000000);
    CHECK_INT_EQ(s_int(rec, "BytesOut"), 4900000);
    CHECK_INT_EQ(s_int(rec, "BytesRemoved"), 100000);
    CHECK_INT_EQ(s_int(rec, "JobDuration"), 321);
    CHECK_INT_EQ(s_int(rec, "QueueWait"), 1234);
    CHECK(s_int(rec, "ReceiveToDone") >= 40 && s_int(rec, "ReceiveToDone") < 40000);
    CHECK(!json_object_get(rec, "key") && !json_object_get(rec, "message_id")); /* no per-object data */
    json_decref(rec);
}

/* Every outcome the job code has counts in exactly one Jobs* metric, its own. */
static void test_each_outcome_counts_once(void)
{
    static const char *const counts[] = {"JobsDone",    "JobsSkipped", "JobsGone",
                                         "JobsRefused", "JobsRetried", "JobsDeleted"};
    CHECK_STR_EQ(es_metric_name(es_metrics_outcome_count("stripped")), "JobsDone");
    CHECK_STR_EQ(es_metric_name(es_metrics_outcome_count("retry")), "JobsRetried");
    CHECK_INT_EQ(es_metrics_outcome_count("no such outcome"), ES_METRIC_COUNT);
    es_metrics_configure(true, NULL, "q");
    for (int o = 0; o < ES_JOB_OUTCOME_COUNT; o++) {
        es_job_result res = s_result((es_job_outcome)o);
        s_capture_start();
        es_metrics_job(NULL, &res);
        json_t *rec = s_record();
        REQUIRE(rec);
        const char *name = es_job_outcome_name((es_job_outcome)o);
        CHECK_STR_EQ(json_string_value(json_object_get(rec, "Outcome")), name);
        const char *own = es_metric_name(es_metrics_outcome_count(name));
        if (!own)
            es_test_fail(__FILE__, __LINE__, "outcome \"%s\" has no Jobs* count (ES_METRICS_OUTCOME_COUNTS)",
                         name);
        json_int_t total = 0;
        for (size_t k = 0; k < sizeof counts / sizeof counts[0]; k++) {
            json_int_t v = s_int(rec, counts[k]);
            CHECK_INT_EQ(v, own && !strcmp(counts[k], own) ? 1 : 0);
            total += v;
        }
        CHECK_INT_EQ(total, 1);
        CHECK_INT_EQ(s_int(rec, "RemovalsRechecked"), 0);
        json_decref(rec);
    }
    /* a removal left to be looked at again is a retry that says so */
    es_job_result res = s_result(ES_JOB_RETRY);
    res.recheck = true;
    s_capture_start();
    es_metrics_job(NULL, &res);
    json_t *rec = s_record();
    REQUIRE(rec);
    CHECK_INT_EQ(s_int(rec, "JobsRetried"), 1);
    CHECK_INT_EQ(s_int(rec, "RemovalsRechecked"), 1);
    json_decref(rec);
}

static void test_unknown_timings_are_left_out(void)
{
    es_metrics_configure(true, "", "");
    es_job_result res = s_result(ES_JOB_REFUSED);
    es_job_message msg = {.message_id = "m-2", .body = "x", .body_len = 1, .receive_count = 1}; /* no timings */
    s_capture_start();
    es_metrics_job(&msg, &res);
    json_t *rec = s_record();
    REQUIRE(rec);
    CHECK(!json_object_get(rec, "QueueWait") && !json_object_get(rec, "ReceiveToDone"));
    s_check_structure(rec, ES_METRICS_DEFAULT_NAMESPACE, ES_METRIC_COUNT - 2);
    CHECK_STR_EQ(json_string_value(json_object_get(rec, "Queue")), "unknown");
    CHECK_INT_EQ(s_int(rec, "JobsRefused"), 1);
    json_decref(rec);
}

/* The keys come in metrics.h's order (jansson keeps the order it read), and
 * a queue name that needs escaping comes through intact as valid JSON. */
static void test_key_order_and_escaping(void)
{
    static const char odd[] = "up\"lo\\ads\x01\xc3\xa9";
    es_metrics_configure(true, "ns", odd);
    es_log_configure(ES_LOG_INFO, ES_LOG_FORMAT_JSON);
    es_job_message msg = {.message_id = "m-3",
                          .body = "{}",
                          .body_len = 2,
                          .receive_count = 1,
                          .received_ms = es_clock_ms(),
                          .has_queue_wait = true,
                          .queue_wait_ms = 7};
    es_job_result res = s_result(ES_JOB_SKIPPED);
    s_capture_start();
    es_metrics_job(&msg, &res);
    json_t *rec = s_record();
    REQUIRE(rec);
    CHECK_STR_EQ(json_string_value(json_object_get(rec, "Queue")), odd);
    s_check_structure(rec, "ns", ES_METRIC_COUNT);
    static const char *const head[] = {"time", "level", "event", "_aws", "Queue", "Outcome"};
    size_t n = 0;
    const char *key;
    json_t *v;
    json_object_foreach(rec, key, v)
    {
        const char *want = n < 6 ? head[n] : es_metric_name((es_metric_id)(n - 6));
        CHECK_STR_EQ(key, want ? want : "(no more keys)");
        n++;
    }
    CHECK_INT_EQ(n, 6 + ES_METRIC_COUNT);
    json_decref(rec);
    es_metrics_configure(false, NULL, NULL);
}

static void test_written_whatever_the_level(void)
{
    es_metrics_configure(true, "ns", "q");
    es_log_configure(ES_LOG_ERROR, ES_LOG_FORMAT_JSON);
    es_job_result res = s_result(ES_JOB_STRIPPED);
    s_capture_start();
    es_metrics_job(NULL, &res);
    ES_LOG(ES_LOG_INFO, "job.done", ES_LF_STR("key", "filtered out"));
    json_t *rec = s_record();
    CHECK(rec != NULL);
    json_decref(rec);
    es_log_configure(ES_LOG_INFO, ES_LOG_FORMAT_JSON);
}

static void test_off_writes_nothing(void)
{
    es_job_result res = s_result(ES_JOB_STRIPPED);
    es_metrics_configure(false, "ns", "q");
    CHECK(!es_metrics_enabled());
    s_capture_start();
    es_metrics_job(NULL, &res);
    es_metrics_configure(true, "ns", "q");
    es_metrics_job(NULL, NULL); /* no result: nothing */
    es_log_set_sink(NULL, NULL);
    CHECK_INT_EQ(s_lines, 0);
}

typedef struct s_env {
    const char *const *extra;
} s_env;

static const char *s_getenv(void *ctx, const char *name)
{
    const s_env *env = ctx;
    if (!strcmp(name, "EXIFSTRIP_QUEUE_URL"))
        return "https://sqs.eu-west-1.amazonaws.com/123456789012/photo-events";
    if (!strcmp(name, "EXIFSTRIP_DEST_BUCKET"))
        return "clean";
    for (size_t i = 0; env->extra && env->extra[i]; i += 2)
        if (!strcmp(env->extra[i], name))
            return env->extra[i + 1];
    return NULL;
}

/* Loads the worker's settings with extra variables (name, value pairs, NULL-terminated). */
static es_err s_load(es_cfg *cfg, es_error *err, const char *const *extra)
{
    s_env env = {extra};
    es_error_clear(err);
    return es_cfg_load(cfg, 0, NULL, s_getenv, &env, err);
}

/* Whether the settings make es_metrics_job write a record. */
static bool s_writes_records(const es_cfg *cfg)
{
    es_metrics_configure_from_cfg(cfg, NULL);
    es_job_result res = s_result(ES_JOB_STRIPPED);
    s_capture_start();
    es_metrics_job(NULL, &res);
    es_log_set_sink(NULL, NULL);
    return s_lines == 1 && strstr(s_line, "\"_aws\":") != NULL;
}

static void test_settings(void)
{
    es_cfg cfg;
    es_error err;
    REQUIRE(s_load(&cfg, &err, NULL) == ES_OK);
    CHECK_INT_EQ(cfg.metrics, ES_CFG_METRICS_EMF);
    CHECK_STR_EQ(cfg.metrics_namespace, "exifstrip");
    CHECK(s_writes_records(&cfg)); /* the default: on, with JSON logs */
    CHECK(strstr(s_line, "\"Queue\":\"photo-events\"") && strstr(s_line, "\"Namespace\":\"exifstrip\""));
    es_metrics_configure_from_cfg(&cfg, ES_METRICS_BACKFILL_QUEUE); /* backfill's records */
    es_job_result res = s_result(ES_JOB_STRIPPED);
    s_capture_start();
    es_metrics_job(NULL, &res);
    es_log_set_sink(NULL, NULL);
    CHECK(s_lines == 1 && strstr(s_line, "\"Queue\":\"Backfill\"") && !strstr(s_line, "photo-events"));

    const char *const off[] = {"EXIFSTRIP_METRICS", "OFF", NULL};
    REQUIRE(s_load(&cfg, &err, off) == ES_OK);
    CHECK_INT_EQ(cfg.metrics, ES_CFG_METRICS_OFF);
    CHECK(!s_writes_records(&cfg));

    const char *const text[] = {"EXIFSTRIP_LOG_FORMAT", "text", "EXIFSTRIP_METRICS", "emf", NULL};
    REQUIRE(s_load(&cfg, &err, text) == ES_OK);
    CHECK(!s_writes_records(&cfg)); /* text logs stay readable: no EMF blobs */

    const char *const ns[] = {"EXIFSTRIP_METRICS_NAMESPACE", "Team/exifstrip prod", NULL};
    REQUIRE(s_load(&cfg, &err, ns) == ES_OK);
    CHECK(s_writes_records(&cfg));
    CHECK(strstr(s_line, "\"Namespace\":\"Team/exifstrip prod\"") != NULL);

    const char *const bad_mode[] = {"EXIFSTRIP_METRICS", "statsd", NULL};
    CHECK_INT_EQ(s_load(&cfg, &err, bad_mode), ES_ERR_CONFIG);
    CHECK_STR_CONTAINS(err.msg, "EXIFSTRIP_METRICS=");
    CHECK_STR_CONTAINS(err.msg, "emf or off");
    const char *const bad_ns[] = {"EXIFSTRIP_METRICS_NAMESPACE", "AWS/S3", NULL};
    CHECK_INT_EQ(s_load(&cfg, &err, bad_ns), ES_ERR_CONFIG);
    CHECK_STR_CONTAINS(err.msg, "EXIFSTRIP_METRICS_NAMESPACE");
    es_metrics_configure(false, NULL, NULL);
}

static void test_namespace_rules(void)
{
    static const char *const good[] = {"exifstrip", "a", "Team/photos-prod_1.2#x:y", "with space"};
    static const char *const bad[] = {"", " ", "AWS/S3", ":x", "tab\there", "é", "quote\"", "a\nb"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        if (!es_metrics_namespace_valid(good[i]))
            es_test_fail(__FILE__, __LINE__, "rejected \"%s\"", good[i]);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (es_metrics_namespace_valid(bad[i]))
            es_test_fail(__FILE__, __LINE__, "accepted \"%s\"", bad[i]);
    char longest[257];
    memset(longest, 'n', sizeof longest - 1);
    longest[255] = '\0';
    CHECK(es_metrics_namespace_valid(longest));
    longest[255] = 'n';
    longest[256] = '\0';
    CHECK(!es_metrics_namespace_valid(longest));
    CHECK(!es_metrics_namespace_valid(NULL));
}

static void test_queue_name(void)
{
    static const char *const cases[][2] = {
        {"https://sqs.eu-west-1.amazonaws.com/123456789012/photo-events", "photo-events"},
        {"http://127.0.0.1:4566/000000000000/q.fifo/", "q.fifo"},
        {"https://sqs.us-east-1.amazonaws.com/1/events?x=1", "events"},
        {"https://sqs.us-east-1.amazonaws.com", "unknown"},
        {"https://sqs.us-east-1.amazonaws.com/", "unknown"},
        {"", "unknown"},
    };
    char out[64];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        es_metrics_queue_name(cases[i][0], out, sizeof out);
        CHECK_STR_EQ(out, cases[i][1]);
    }
    es_metrics_queue_name(NULL, out, sizeof out);
    CHECK_STR_EQ(out, "unknown");
    es_metrics_queue_name("https://h/1/abcdefgh", out, 5);
    CHECK_STR_EQ(out, "abcd");
}

int main(void)
{
    ES_RUN(test_record_of_a_stripped_job);
    ES_RUN(test_each_outcome_counts_once);
    ES_RUN(test_unknown_timings_are_left_out);
    ES_RUN(test_key_order_and_escaping);
    ES_RUN(test_written_whatever_the_level);
    ES_RUN(test_off_writes_nothing);
    ES_RUN(test_settings);
    ES_RUN(test_namespace_rules);
    ES_RUN(test_queue_name);
    return es_test_finish();
}
