/* config_test.c - worker configuration: defaults, every variable's validation
 * (the message must name the variable, or the flag when the value came from
 * one), flags overriding the environment, usage errors, and the helpers that
 * interpret the settings (bucket allowlist, suffixes). The environment is a
 * table passed through the getenv hook, never the process environment. */
#include <stdio.h>
#include <string.h>

#include "../harness/test.h"
#include "worker/config.h"
#include "worker/transform_budget.h"

typedef struct s_env {
    const char *pairs[32][2];
} s_env;

static const char *s_getenv(void *ctx, const char *name)
{
    const s_env *env = ctx;
    for (size_t i = 0; i < 32 && env->pairs[i][0]; i++)
        if (!strcmp(env->pairs[i][0], name))
            return env->pairs[i][1];
    return NULL;
}

#define S_QUEUE "http://127.0.0.1:4566/000000000000/events"

static es_err s_load(s_env *env, int argc, char **argv, es_cfg *cfg, es_error *err)
{
    es_error_clear(err);
    return es_cfg_load(cfg, argc, argv, s_getenv, env, err);
}

static void test_defaults(void)
{
    s_env env = {{{"EXIFSTRIP_QUEUE_URL", S_QUEUE}, {"EXIFSTRIP_DEST_BUCKET", "clean-bucket"}}};
    es_cfg cfg;
    es_error err;
    REQUIRE(s_load(&env, 0, NULL, &cfg, &err) == ES_OK);
    CHECK_STR_EQ(cfg.queue_url, S_QUEUE);
    CHECK_STR_EQ(cfg.dest_bucket, "clean-bucket");
    CHECK_INT_EQ(cfg.source_bucket_count, 0);
    CHECK_INT_EQ(cfg.suffix_count, 2);
    CHECK_STR_EQ(cfg.suffixes[0], ".jpg");
    CHECK_STR_EQ(cfg.suffixes[1], ".jpeg");
    CHECK_STR_EQ(cfg.dlq_url, "");
    CHECK_INT_EQ(cfg.concurrency, 4);
    CHECK_INT_EQ(cfg.visibility_timeout, 60);
    CHECK_INT_EQ(cfg.max_object_bytes, 256ull * 1024 * 1024);
    CHECK_INT_EQ(cfg.part_size, 8ull * 1024 * 1024);
    CHECK_INT_EQ(cfg.wait_seconds, 20);
    CHECK_INT_EQ(cfg.shutdown_grace, 25);
    CHECK_INT_EQ(cfg.min_transfer_rate, 16 * 1024);
    CHECK_INT_EQ(cfg.min_transfer_window, 30);
    CHECK_INT_EQ(cfg.max_job_seconds, 0); /* derived from the object's size */
    CHECK_STR_EQ(cfg.heartbeat_file, "/tmp/exifstrip-worker.heartbeat");
    CHECK_INT_EQ(cfg.log_format, ES_LOG_FORMAT_JSON);
    CHECK_INT_EQ(cfg.log_level, ES_LOG_INFO);
    CHECK(!cfg.drain);
    CHECK(!cfg.propagate_deletes);
    CHECK_INT_EQ(cfg.payload_signing, ES_PAYLOAD_AUTO);
    /* auto: half of this machine's memory limit, at most 512 MiB */
    CHECK(cfg.transform_memory_auto);
    CHECK_INT_EQ(cfg.transform_memory, es_transform_memory_for_limit(es_transform_memory_limit()));
}

/* EXIFSTRIP_TRANSFORM_MEMORY: auto (any case) or a size; a size is taken as
 * it is, whatever the limit; a bad value's message offers auto. */
static void test_transform_memory(void)
{
    s_env env = {{{"EXIFSTRIP_QUEUE_URL", S_QUEUE},
                  {"EXIFSTRIP_DEST_BUCKET", "clean-bucket"},
                  {"EXIFSTRIP_TRANSFORM_MEMORY", "2GiB"}}};
    es_cfg cfg;
    es_error err;
    REQUIRE(s_load(&env, 0, NULL, &cfg, &err) == ES_OK);
    CHECK(!cfg.transform_memory_auto);
    CHECK_INT_EQ(cfg.transform_memory, 2ull << 30);
    env.pairs[2][1] = "AUTO";
    REQUIRE(s_load(&env, 0, NULL, &cfg, &err) == ES_OK);
    CHECK(cfg.transform_memory_auto);
    CHECK(cfg.transform_memory >= 1024 * 1024 && cfg.transform_memory <= ES_TRANSFORM_MEMORY_MAX_AUTO);
    env.pairs[2][1] = "lots";
    CHECK_INT_EQ(s_load(&env, 0, NULL, &cfg, &err), ES_ERR_CONFIG);
    CHECK_STR_CONTAINS(err.msg, "EXIFSTRIP_TRANSFORM_MEMORY=\"lots\": expected auto or a size from 1048576");
    env.pairs[2][1] = "512K";
    CHECK_INT_EQ(s_load(&env, 0, NULL, &cfg, &err), ES_ERR_CONFIG);
}

static void test_every_variable_parsed(void)
{
    s_env env = {{{"EXIFSTRIP_QUEUE_URL", S_QUEUE},
                  {"EXIFSTRIP_DEST_BUCKET", "clean"},
                  {"EXIFSTRIP_SOURCE_BUCKETS", " uploads-a , uploads.b,,"},
                  {"EXIFSTRIP_SUFFIXES", ".JPG, .jpe"},
                  {"EXIFSTRIP_DLQ_URL", "https://sqs.eu-west-1.amazonaws.com/123456789012/dlq"},
                  {"EXIFSTRIP_CONCURRENCY", "64"},
                  {"EXIFSTRIP_VISIBILITY_TIMEOUT", "120"},
                  {"EXIFSTRIP_MAX_OBJECT_BYTES", "10M"},
                  {"EXIFSTRIP_PART_SIZE", "5MiB"},
                  {"EXIFSTRIP_WAIT_SECONDS", "0"},
                  {"EXIFSTRIP_SHUTDOWN_GRACE", "3"},
                  {"EXIFSTRIP_MIN_TRANSFER_RATE", "1K"},
                  {"EXIFSTRIP_MIN_TRANSFER_WINDOW", "5"},
                  {"EXIFSTRIP_MAX_JOB_SECONDS", "900"},
                  {"EXIFSTRIP_HEARTBEAT_FILE", "/run/hb"},
                  {"EXIFSTRIP_LOG_FORMAT", "TEXT"},
                  {"EXIFSTRIP_LOG_LEVEL", "debug"},
                  {"EXIFSTRIP_DRAIN", "yes"},
                  {"EXIFSTRIP_PROPAGATE_DELETES", "1"},
                  {"EXIFSTRIP_PAYLOAD_SIGNING", "Unsigned"}}};
    es_cfg cfg;
    es_error err;
    REQUIRE(s_load(&env, 0, NULL, &cfg, &err) == ES_OK);
    CHECK_INT_EQ(cfg.payload_signing, ES_PAYLOAD_UNSIGNED);
    REQUIRE(cfg.source_bucket_count == 2);
    CHECK_STR_EQ(cfg.source_buckets[0], "uploads-a");
    CHECK_STR_EQ(cfg.source_buckets[1], "uploads.b");
    REQUIRE(cfg.suffix_count == 2);
    CHECK_STR_EQ(cfg.suffixes[0], ".jpg"); /* lower-cased */
    CHECK_STR_EQ(cfg.suffixes[1], ".jpe");
    CHECK_STR_EQ(cfg.dlq_url, "https://sqs.eu-west-1.amazonaws.com/123456789012/dlq");
    CHECK_INT_EQ(cfg.concurrency, 64);
    CHECK_INT_EQ(cfg.visibility_timeout, 120);
    CHECK_INT_EQ(cfg.max_object_bytes, 10ull * 1024 * 1024);
    CHECK_INT_EQ(cfg.part_size, 5ull * 1024 * 1024);
    CHECK_INT_EQ(cfg.wait_seconds, 0);
    CHECK_INT_EQ(cfg.shutdown_grace, 3);
    CHECK_INT_EQ(cfg.min_transfer_rate, 1024);
    CHECK_INT_EQ(cfg.min_transfer_window, 5);
    CHECK_INT_EQ(cfg.max_job_seconds, 900);
    CHECK_STR_EQ(cfg.heartbeat_file, "/run/hb");
    CHECK_INT_EQ(cfg.log_format, ES_LOG_FORMAT_TEXT);
    CHECK_INT_EQ(cfg.log_level, ES_LOG_DEBUG);
    CHECK(cfg.drain);
    CHECK(cfg.propagate_deletes);
}

/* Each bad value must fail with ES_ERR_CONFIG and a message naming its variable. */
static void test_validation_names_variable(void)
{
    static const struct {
        const char *var, *value, *msg_part;
    } bad[] = {
        {"EXIFSTRIP_QUEUE_URL", "sqs.amazonaws.com/1/q", "http"},
        {"EXIFSTRIP_QUEUE_URL", "http://host/with space", "blanks"},
        {"EXIFSTRIP_DEST_BUCKET", "ab", "bucket name"},
        {"EXIFSTRIP_DEST_BUCKET", "-bucket", "bucket name"},
        {"EXIFSTRIP_DEST_BUCKET", "bucket/key", "bucket name"},
        {"EXIFSTRIP_SOURCE_BUCKETS", "good-bucket,x", "bucket name"},
        {"EXIFSTRIP_SOURCE_BUCKETS", " , ", "at least one bucket"}, /* never "any bucket" */
        {"EXIFSTRIP_SUFFIXES", " , ", "at least one suffix"},
        {"EXIFSTRIP_SUFFIXES", ".aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "longer than 31"},
        {"EXIFSTRIP_DLQ_URL", "ftp://x/y", "http"},
        {"EXIFSTRIP_QUEUE_URL", "http://admin:QueuePassw0rd@sqs.local/1/q", "user name or password"},
        {"EXIFSTRIP_DLQ_URL", "https://token@sqs.local/1/r", "user name or password"},
        {"EXIFSTRIP_QUEUE_URL", "admin:QueuePassw0rd@sqs.local/1/q", "user name or password"}, /* no scheme */
        {"EXIFSTRIP_CONCURRENCY", "0", "from 1 to 64"},
        {"EXIFSTRIP_CONCURRENCY", "65", "from 1 to 64"},
        {"EXIFSTRIP_CONCURRENCY", "four", "whole number"},
        {"EXIFSTRIP_CONCURRENCY", "4x", "whole number"},
        {"EXIFSTRIP_CONCURRENCY", " 4", "whole number"},
        {"EXIFSTRIP_VISIBILITY_TIMEOUT", "0", "from 1 to 43200"},
        {"EXIFSTRIP_VISIBILITY_TIMEOUT", "43201", "from 1 to 43200"},
        {"EXIFSTRIP_MAX_OBJECT_BYTES", "0", "size"},
        {"EXIFSTRIP_MAX_OBJECT_BYTES", "12 MB", "size"},
        {"EXIFSTRIP_MAX_OBJECT_BYTES", "-5", "size"},
        {"EXIFSTRIP_MAX_OBJECT_BYTES", "99999999999999999999", "size"},
        {"EXIFSTRIP_MAX_OBJECT_BYTES", "18014398509481984G", "size"},
        {"EXIFSTRIP_PART_SIZE", "4MiB", "size"},
        {"EXIFSTRIP_PART_SIZE", "6T", "size"},
        {"EXIFSTRIP_WAIT_SECONDS", "21", "from 0 to 20"},
        {"EXIFSTRIP_SHUTDOWN_GRACE", "-1", "from 0 to 3600"},
        {"EXIFSTRIP_LOG_FORMAT", "xml", "json or text"},
        {"EXIFSTRIP_LOG_LEVEL", "verbose", "debug, info, warn or error"},
        {"EXIFSTRIP_DRAIN", "maybe", "true or false"},
        {"EXIFSTRIP_PROPAGATE_DELETES", "sometimes", "true or false"},
        {"EXIFSTRIP_PAYLOAD_SIGNING", "none", "auto, signed or unsigned"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        /* s_getenv returns the first match, so the bad value shadows the valid ones */
        s_env env = {
            {{bad[i].var, bad[i].value}, {"EXIFSTRIP_QUEUE_URL", S_QUEUE}, {"EXIFSTRIP_DEST_BUCKET", "clean"}}};
        es_cfg cfg;
        es_error err;
        es_err rc = s_load(&env, 0, NULL, &cfg, &err);
        if (rc != ES_ERR_CONFIG)
            es_test_fail(__FILE__, __LINE__, "%s=%s: rc %d, expected ES_ERR_CONFIG", bad[i].var, bad[i].value,
                         rc);
        if (strncmp(err.msg, bad[i].var, strlen(bad[i].var)) != 0 || !strstr(err.msg, bad[i].msg_part))
            es_test_fail(__FILE__, __LINE__, "%s=%s: message \"%s\" (expected the variable and \"%s\")",
                         bad[i].var, bad[i].value, err.msg, bad[i].msg_part);
        if (strstr(err.msg, "Passw0rd") || strstr(err.msg, "token@"))
            es_test_fail(__FILE__, __LINE__, "%s: the message repeats the URL's user info: %s", bad[i].var,
                         err.msg);
    }
}

static void test_required(void)
{
    es_cfg cfg;
    es_error err;
    s_env none = {{{NULL, NULL}}};
    CHECK_INT_EQ(s_load(&none, 0, NULL, &cfg, &err), ES_ERR_CONFIG);
    CHECK_STR_CONTAINS(err.msg, "EXIFSTRIP_QUEUE_URL (or --queue-url) is required");
    s_env no_dest = {{{"EXIFSTRIP_QUEUE_URL", S_QUEUE}}};
    CHECK_INT_EQ(s_load(&no_dest, 0, NULL, &cfg, &err), ES_ERR_CONFIG);
    CHECK_STR_CONTAINS(err.msg, "EXIFSTRIP_DEST_BUCKET (or --dest-bucket) is required");
    /* an empty variable counts as unset */
    s_env empty = {{{"EXIFSTRIP_QUEUE_URL", ""}, {"EXIFSTRIP_DEST_BUCKET", "clean"}}};
    CHECK_INT_EQ(s_load(&empty, 0, NULL, &cfg, &err), ES_ERR_CONFIG);
    CHECK_STR_CONTAINS(err.msg, "EXIFSTRIP_QUEUE_URL");
}

static void test_flags_override_env(void)
{
    s_env env = {{{"EXIFSTRIP_QUEUE_URL", S_QUEUE},
                  {"EXIFSTRIP_DEST_BUCKET", "clean"},
                  {"EXIFSTRIP_CONCURRENCY", "not-a-number"}, /* overridden: never parsed */
                  {"EXIFSTRIP_WAIT_SECONDS", "5"}}};
    char *argv[] = {"--concurrency",    "8",
                    "--wait-seconds=1", "--dest-bucket",
                    "other-bucket",     "--drain",
                    "--suffixes=.png",  "--source-buckets",
                    "a-src,b-src",      "--payload-signing=signed"};
    es_cfg cfg;
    es_error err;
    REQUIRE(s_load(&env, 10, argv, &cfg, &err) == ES_OK);
    CHECK_INT_EQ(cfg.payload_signing, ES_PAYLOAD_SIGNED);
    CHECK_INT_EQ(cfg.concurrency, 8);
    CHECK_INT_EQ(cfg.wait_seconds, 1);
    CHECK_STR_EQ(cfg.dest_bucket, "other-bucket");
    CHECK(cfg.drain);
    CHECK_INT_EQ(cfg.suffix_count, 1);
    CHECK_INT_EQ(cfg.source_bucket_count, 2);
    /* the last occurrence of a flag wins */
    char *twice[] = {"--concurrency=2", "--concurrency=3", "--drain=false"};
    REQUIRE(s_load(&env, 3, twice, &cfg, &err) == ES_OK);
    CHECK_INT_EQ(cfg.concurrency, 3);
    CHECK(!cfg.drain);
}

static void test_flag_errors_name_the_flag(void)
{
    s_env env = {{{"EXIFSTRIP_QUEUE_URL", S_QUEUE}, {"EXIFSTRIP_DEST_BUCKET", "clean"}}};
    es_cfg cfg;
    es_error err;
    char *bad_value[] = {"--concurrency", "0"};
    CHECK_INT_EQ(s_load(&env, 2, bad_value, &cfg, &err), ES_ERR_CONFIG);
    CHECK(strncmp(err.msg, "--concurrency", 13) == 0);
    char *unknown[] = {"--queue", S_QUEUE};
    CHECK_INT_EQ(s_load(&env, 2, unknown, &cfg, &err), ES_ERR_INVALID_ARG);
    CHECK_STR_CONTAINS(err.msg, "unknown option '--queue'");
    char *missing[] = {"--queue-url"};
    CHECK_INT_EQ(s_load(&env, 1, missing, &cfg, &err), ES_ERR_INVALID_ARG);
    CHECK_STR_CONTAINS(err.msg, "needs a value");
    /* an allowlist flag given empty (--source-buckets "$SRC" with SRC unset) is
     * refused, never read as "any bucket" */
    char *no_bucket[] = {"--source-buckets="};
    CHECK_INT_EQ(s_load(&env, 1, no_bucket, &cfg, &err), ES_ERR_CONFIG);
    CHECK_STR_CONTAINS(err.msg, "at least one bucket");
    char *positional[] = {"extra"};
    CHECK_INT_EQ(s_load(&env, 1, positional, &cfg, &err), ES_ERR_INVALID_ARG);
    CHECK_STR_CONTAINS(err.msg, "unexpected argument");
    s_env none = {{{NULL, NULL}}};
    char *flags_only[] = {"--queue-url", S_QUEUE, "--dest-bucket", "clean"};
    CHECK_OK(s_load(&none, 4, flags_only, &cfg, &err));
}

static void test_cross_checks(void)
{
    es_cfg cfg;
    es_error err;
    s_env loop = {{{"EXIFSTRIP_QUEUE_URL", S_QUEUE},
                   {"EXIFSTRIP_DEST_BUCKET", "clean"},
                   {"EXIFSTRIP_SOURCE_BUCKETS", "raw,clean"}}};
    CHECK_INT_EQ(s_load(&loop, 0, NULL, &cfg, &err), ES_ERR_CONFIG);
    CHECK_STR_CONTAINS(err.msg, "EXIFSTRIP_SOURCE_BUCKETS");
    CHECK_STR_CONTAINS(err.msg, "destination");
    s_env dlq = {
        {{"EXIFSTRIP_QUEUE_URL", S_QUEUE}, {"EXIFSTRIP_DEST_BUCKET", "clean"}, {"EXIFSTRIP_DLQ_URL", S_QUEUE}}};
    CHECK_INT_EQ(s_load(&dlq, 0, NULL, &cfg, &err), ES_ERR_CONFIG);
    CHECK_STR_CONTAINS(err.msg, "EXIFSTRIP_DLQ_URL");
    /* The event queue under another spelling: requests go to the SQS endpoint
     * whatever the host, so the account and name alone tell the queue. */
    static const struct {
        const char *queue, *dlq;
        bool same;
    } spell[] = {
        {"http://127.0.0.1:4566/000000000000/photos", "http://localhost:4566/000000000000/photos", true},
        {"http://127.0.0.1:4566/000000000000/photos", "http://127.0.0.1:4566/000000000000/photos/", true},
        {"https://sqs.eu-west-1.amazonaws.com/123456789012/photos",
         "https://queue.amazonaws.com/123456789012/photos", true},
        {"http://localhost:4566/000000000000/photos",
         "http://localhost:4566/queue/us-east-1/000000000000/photos", true},
        {"https://sqs.eu-west-1.amazonaws.com/123456789012/photos",
         "https://sqs.eu-west-1.amazonaws.com/123456789012/photos-refused", false},
        {"https://sqs.eu-west-1.amazonaws.com/123456789012/photos",
         "https://sqs.eu-west-1.amazonaws.com/210987654321/photos", false},
        {"https://sqs.eu-west-1.amazonaws.com/123456789012/photos",
         "https://sqs.eu-west-1.amazonaws.com/photos", false},
    };
    for (size_t i = 0; i < sizeof spell / sizeof spell[0]; i++) {
        s_env e = {{{"EXIFSTRIP_QUEUE_URL", spell[i].queue},
                    {"EXIFSTRIP_DEST_BUCKET", "clean"},
                    {"EXIFSTRIP_DLQ_URL", spell[i].dlq}}};
        es_err rc = s_load(&e, 0, NULL, &cfg, &err);
        if (rc != (spell[i].same ? ES_ERR_CONFIG : ES_OK))
            es_test_fail(__FILE__, __LINE__, "DLQ %s against queue %s: %s", spell[i].dlq, spell[i].queue,
                         es_strerror(rc));
        if (spell[i].same)
            CHECK_STR_CONTAINS(err.msg, "must not be the event queue");
    }
    s_env parts = {{{"EXIFSTRIP_QUEUE_URL", S_QUEUE},
                    {"EXIFSTRIP_DEST_BUCKET", "clean"},
                    {"EXIFSTRIP_PART_SIZE", "5MiB"},
                    {"EXIFSTRIP_MAX_OBJECT_BYTES", "60000MiB"}}};
    CHECK_INT_EQ(s_load(&parts, 0, NULL, &cfg, &err), ES_ERR_CONFIG);
    CHECK_STR_CONTAINS(err.msg, "EXIFSTRIP_MAX_OBJECT_BYTES");
    CHECK_STR_CONTAINS(err.msg, "10000 parts");
}

static void test_bucket_allowed_and_suffix(void)
{
    es_cfg cfg;
    es_cfg_defaults(&cfg);
    snprintf(cfg.dest_bucket, sizeof cfg.dest_bucket, "clean");
    CHECK(es_cfg_bucket_allowed(&cfg, "anything"));
    CHECK(!es_cfg_bucket_allowed(&cfg, "clean")); /* never our own output */
    snprintf(cfg.source_buckets[0], sizeof cfg.source_buckets[0], "raw");
    cfg.source_bucket_count = 1;
    CHECK(es_cfg_bucket_allowed(&cfg, "raw"));
    CHECK(!es_cfg_bucket_allowed(&cfg, "anything"));
    CHECK(!es_cfg_bucket_allowed(&cfg, "ra"));
    CHECK(es_cfg_suffix_matches(&cfg, "a/b/photo.jpg"));
    CHECK(es_cfg_suffix_matches(&cfg, "PHOTO.JPEG"));
    CHECK(es_cfg_suffix_matches(&cfg, ".jpg"));
    CHECK(!es_cfg_suffix_matches(&cfg, "photo.png"));
    CHECK(!es_cfg_suffix_matches(&cfg, "photo.jpg.txt"));
    CHECK(!es_cfg_suffix_matches(&cfg, "jpg"));
}

static void test_help_lists_every_variable(void)
{
    char buf[16384] = "";
    FILE *f = fmemopen(buf, sizeof buf - 1, "w");
    REQUIRE(f != NULL);
    es_cfg_print_help(f);
    fclose(f);
    static const char *const names[] = {"EXIFSTRIP_QUEUE_URL",
                                        "--queue-url",
                                        "EXIFSTRIP_DEST_BUCKET",
                                        "EXIFSTRIP_SOURCE_BUCKETS",
                                        "EXIFSTRIP_CONCURRENCY",
                                        "EXIFSTRIP_SUFFIXES",
                                        "EXIFSTRIP_DLQ_URL",
                                        "EXIFSTRIP_VISIBILITY_TIMEOUT",
                                        "EXIFSTRIP_MAX_OBJECT_BYTES",
                                        "EXIFSTRIP_SHUTDOWN_GRACE",
                                        "EXIFSTRIP_LOG_FORMAT",
                                        "EXIFSTRIP_LOG_LEVEL",
                                        "EXIFSTRIP_HEARTBEAT_FILE",
                                        "EXIFSTRIP_PART_SIZE",
                                        "EXIFSTRIP_WAIT_SECONDS",
                                        "--drain",
                                        "(default: 4)",
                                        ".jpg,.jpeg",
                                        "EXIFSTRIP_MIN_TRANSFER_RATE",
                                        "EXIFSTRIP_MIN_TRANSFER_WINDOW",
                                        "EXIFSTRIP_MAX_JOB_SECONDS",
                                        "EXIFSTRIP_PROPAGATE_DELETES",
                                        "--propagate-deletes",
                                        "EXIFSTRIP_PAYLOAD_SIGNING",
                                        "--payload-signing"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        CHECK_STR_CONTAINS(buf, names[i]);
}

static void test_parse_int(void)
{
    long v = 0;
    es_error err;
    es_error_clear(&err);
    CHECK_OK(es_cfg_parse_int("--max-age", "90", 0, 100, &v, &err));
    CHECK_INT_EQ(v, 90);
    CHECK_INT_EQ(es_cfg_parse_int("--max-age", "101", 0, 100, &v, &err), ES_ERR_CONFIG);
    CHECK_STR_CONTAINS(err.msg, "--max-age");
}

/* An empty EXIFSTRIP_HEARTBEAT_FILE means "no heartbeat file" (README), in
 * the worker and in `exifstrip health` (es_cfg_load_some); other empty
 * variables still count as unset. */
static void test_empty_heartbeat_means_none(void)
{
    s_env env = {{{"EXIFSTRIP_QUEUE_URL", S_QUEUE},
                  {"EXIFSTRIP_DEST_BUCKET", "clean-bucket"},
                  {"EXIFSTRIP_HEARTBEAT_FILE", ""},
                  {"EXIFSTRIP_CONCURRENCY", ""}}};
    es_cfg cfg;
    es_error err;
    REQUIRE(s_load(&env, 0, NULL, &cfg, &err) == ES_OK);
    CHECK_STR_EQ(cfg.heartbeat_file, "");
    CHECK_INT_EQ(cfg.concurrency, 4);
    static const char *const names[] = {"EXIFSTRIP_HEARTBEAT_FILE", "EXIFSTRIP_WAIT_SECONDS", NULL};
    es_error_clear(&err);
    REQUIRE(es_cfg_load_some(&cfg, names, 0, NULL, s_getenv, &env, &err) == ES_OK);
    CHECK_STR_EQ(cfg.heartbeat_file, "");
    char *flag_empty[] = {"--heartbeat-file="};
    s_env none = {{{NULL, NULL}}};
    REQUIRE(es_cfg_load_some(&cfg, names, 1, flag_empty, s_getenv, &none, &err) == ES_OK);
    CHECK_STR_EQ(cfg.heartbeat_file, "");
    REQUIRE(es_cfg_load_some(&cfg, names, 0, NULL, s_getenv, &none, &err) == ES_OK);
    CHECK_STR_EQ(cfg.heartbeat_file, "/tmp/exifstrip-worker.heartbeat");
}

static void test_load_some(void)
{
    static const char *const names[] = {"EXIFSTRIP_HEARTBEAT_FILE", "EXIFSTRIP_WAIT_SECONDS", NULL};
    s_env env = {{{"EXIFSTRIP_WAIT_SECONDS", "5"},
                  {"EXIFSTRIP_HEARTBEAT_FILE", "/run/hb"},
                  {"EXIFSTRIP_CONCURRENCY", "9"}}};
    es_cfg cfg;
    es_error err;
    es_error_clear(&err);
    /* nothing is required; unnamed settings keep their defaults */
    REQUIRE(es_cfg_load_some(&cfg, names, 0, NULL, s_getenv, &env, &err) == ES_OK);
    CHECK_INT_EQ(cfg.wait_seconds, 5);
    CHECK_STR_EQ(cfg.heartbeat_file, "/run/hb");
    CHECK_INT_EQ(cfg.concurrency, 4);
    char *flags[] = {"--heartbeat-file", "/x/hb", "--wait-seconds=0"};
    REQUIRE(es_cfg_load_some(&cfg, names, 3, flags, s_getenv, &env, &err) == ES_OK);
    CHECK_STR_EQ(cfg.heartbeat_file, "/x/hb");
    CHECK_INT_EQ(cfg.wait_seconds, 0);
    s_env bad = {{{"EXIFSTRIP_WAIT_SECONDS", "99"}}};
    CHECK_INT_EQ(es_cfg_load_some(&cfg, names, 0, NULL, s_getenv, &bad, &err), ES_ERR_CONFIG);
    CHECK_STR_CONTAINS(err.msg, "EXIFSTRIP_WAIT_SECONDS");
    char *other[] = {"--concurrency", "2"};
    es_error_clear(&err);
    CHECK_INT_EQ(es_cfg_load_some(&cfg, names, 2, other, s_getenv, &env, &err), ES_ERR_INVALID_ARG);
    CHECK_STR_CONTAINS(err.msg, "--concurrency");
}

int main(void)
{
    ES_RUN(test_defaults);
    ES_RUN(test_transform_memory);
    ES_RUN(test_every_variable_parsed);
    ES_RUN(test_validation_names_variable);
    ES_RUN(test_required);
    ES_RUN(test_flags_override_env);
    ES_RUN(test_flag_errors_name_the_flag);
    ES_RUN(test_cross_checks);
    ES_RUN(test_bucket_allowed_and_suffix);
    ES_RUN(test_help_lists_every_variable);
    ES_RUN(test_parse_int);
    ES_RUN(test_empty_heartbeat_means_none);
    ES_RUN(test_load_some);
    return es_test_finish();
}
