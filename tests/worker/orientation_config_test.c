/* orientation_config_test.c - the worker's orientation settings
 * (EXIFSTRIP_ORIENTATION, EXIFSTRIP_MAX_PIXELS, EXIFSTRIP_TRANSFORM_MEMORY,
 * EXIFSTRIP_TRANSFORM_CONCURRENCY and their flags); the budget they feed is
 * tested in transform_budget_test.c. */
#include <stdio.h>
#include <string.h>

#include "../harness/test.h"
#include "worker/config.h"

typedef struct s_env {
    const char *pairs[8][2];
} s_env;

static const char *s_getenv(void *ctx, const char *name)
{
    const s_env *env = ctx;
    for (size_t i = 0; i < 8 && env->pairs[i][0]; i++)
        if (!strcmp(env->pairs[i][0], name))
            return env->pairs[i][1];
    return NULL;
}

#define S_REQUIRED \
    {"EXIFSTRIP_QUEUE_URL", "http://127.0.0.1:4566/000000000000/q"}, { "EXIFSTRIP_DEST_BUCKET", "clean" }

static void test_defaults_and_values(void)
{
    s_env env = {{S_REQUIRED}};
    es_cfg cfg;
    es_error err = {0};
    REQUIRE(es_cfg_load(&cfg, 0, NULL, s_getenv, &env, &err) == ES_OK);
    CHECK_INT_EQ(cfg.orientation, ES_ORIENT_APPLY);
    CHECK_INT_EQ(cfg.max_pixels, 100000000);
    CHECK_INT_EQ(cfg.transform_memory, 512ull << 20);
    CHECK_INT_EQ(cfg.transform_concurrency, 0); /* auto: the usable CPUs */
    s_env set = {{S_REQUIRED,
                  {"EXIFSTRIP_ORIENTATION", "keep"},
                  {"EXIFSTRIP_MAX_PIXELS", "24M"},
                  {"EXIFSTRIP_TRANSFORM_MEMORY", "64M"}}};
    REQUIRE(es_cfg_load(&cfg, 0, NULL, s_getenv, &set, &err) == ES_OK);
    CHECK_INT_EQ(cfg.orientation, ES_ORIENT_KEEP);
    CHECK_INT_EQ(cfg.max_pixels, 24000000);
    CHECK_INT_EQ(cfg.transform_memory, 64ull << 20);
    char *argv[] = {"--orientation", "drop", "--max-pixels", "1000"};
    REQUIRE(es_cfg_load(&cfg, 4, argv, s_getenv, &set, &err) == ES_OK);
    CHECK_INT_EQ(cfg.orientation, ES_ORIENT_DROP);
    CHECK_INT_EQ(cfg.max_pixels, 1000);
}

static void test_transform_concurrency_is_auto_or_a_count(void)
{
    static const struct {
        const char *value;
        int want;
    } good[] = {{"1", 1}, {"auto", 0}, {"AUTO", 0}, {"3", 3}, {"1024", 1024}};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        s_env env = {{S_REQUIRED, {"EXIFSTRIP_TRANSFORM_CONCURRENCY", "7"}}};
        es_cfg cfg;
        es_error err = {0};
        REQUIRE(es_cfg_load(&cfg, 0, NULL, s_getenv, &env, &err) == ES_OK);
        CHECK_INT_EQ(cfg.transform_concurrency, 7);
        env.pairs[2][1] = good[i].value;
        REQUIRE(es_cfg_load(&cfg, 0, NULL, s_getenv, &env, &err) == ES_OK);
        CHECK_INT_EQ(cfg.transform_concurrency, good[i].want);
        char flag[64];
        snprintf(flag, sizeof flag, "--transform-concurrency=%s", good[i].value);
        char *argv[] = {flag};
        env.pairs[2][1] = "9";
        REQUIRE(es_cfg_load(&cfg, 1, argv, s_getenv, &env, &err) == ES_OK); /* the flag wins */
        CHECK_INT_EQ(cfg.transform_concurrency, good[i].want);
    }
    static const char *const bad[] = {"0", "-1", "1025", "two", "2x", " 2", "", "autox"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char flag[64];
        snprintf(flag, sizeof flag, "--transform-concurrency=%s", bad[i]);
        char *argv[] = {flag};
        s_env env = {{S_REQUIRED}};
        es_cfg cfg;
        es_error err = {0};
        CHECK_INT_EQ(es_cfg_load(&cfg, 1, argv, s_getenv, &env, &err), ES_ERR_CONFIG);
        CHECK_STR_CONTAINS(err.msg, "transform-concurrency");
        CHECK_STR_CONTAINS(err.msg, "expected auto or a whole number from 1 to 1024");
    }
}

static void test_bad_values_name_the_variable(void)
{
    static const char *const bad[][2] = {
        {"EXIFSTRIP_ORIENTATION", "rotate"},      {"EXIFSTRIP_MAX_PIXELS", "0"},
        {"EXIFSTRIP_MAX_PIXELS", "12 MP"},        {"EXIFSTRIP_TRANSFORM_MEMORY", "1K"},
        {"EXIFSTRIP_TRANSFORM_CONCURRENCY", "0"}, {"EXIFSTRIP_TRANSFORM_CONCURRENCY", "many"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        s_env env = {{S_REQUIRED, {bad[i][0], bad[i][1]}}};
        es_cfg cfg;
        es_error err = {0};
        CHECK_INT_EQ(es_cfg_load(&cfg, 0, NULL, s_getenv, &env, &err), ES_ERR_CONFIG);
        CHECK_STR_CONTAINS(err.msg, bad[i][0]);
    }
}

int main(void)
{
    ES_RUN(test_defaults_and_values);
    ES_RUN(test_bad_values_name_the_variable);
    ES_RUN(test_transform_concurrency_is_auto_or_a_count);
    return es_test_finish();
}
