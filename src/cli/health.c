/* health.c - `exifstrip health`: a liveness probe for the worker. Exits 0
 * when the worker's heartbeat file was refreshed within --max-age seconds
 * (default 3 × EXIFSTRIP_WAIT_SECONDS + 30), 1 otherwise, with one line
 * saying why. The file comes from --heartbeat-file or
 * EXIFSTRIP_HEARTBEAT_FILE, as for the worker. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "worker/config.h"
#include "worker/health.h"

static void s_usage(FILE *out)
{
    fprintf(out,
            "usage: exifstrip health [--heartbeat-file PATH] [--max-age SECONDS]\n\n"
            "Exits 0 when the worker's heartbeat file was refreshed recently, 1 otherwise.\n"
            "  --heartbeat-file PATH  EXIFSTRIP_HEARTBEAT_FILE (default: %s)\n"
            "  --max-age SECONDS      oldest accepted heartbeat (default: 3 x\n"
            "                         EXIFSTRIP_WAIT_SECONDS + 30, i.e. 90 for the default wait)\n",
            "/tmp/exifstrip-worker.heartbeat");
}

/* Value of option argv[*i] ("--name VALUE" or "--name=VALUE"), or NULL if argv[*i] is not it. */
static const char *s_opt(int argc, char **argv, int *i, const char *name, bool *missing)
{
    size_t n = strlen(name);
    if (strncmp(argv[*i], name, n) != 0)
        return NULL;
    if (argv[*i][n] == '=')
        return argv[*i] + n + 1;
    if (argv[*i][n] != '\0')
        return NULL;
    if (*i + 1 >= argc) {
        *missing = true;
        return NULL;
    }
    return argv[++*i];
}

int es_cmd_health(int argc, char **argv)
{
    es_cfg defaults;
    es_cfg_defaults(&defaults);
    const char *path = getenv("EXIFSTRIP_HEARTBEAT_FILE");
    if (!path || !*path)
        path = defaults.heartbeat_file;
    const char *max_age_arg = NULL;
    for (int i = 1; i < argc; i++) {
        bool missing = false;
        const char *v;
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            s_usage(stdout);
            return ES_EXIT_OK;
        } else if ((v = s_opt(argc, argv, &i, "--heartbeat-file", &missing)) != NULL) {
            path = v;
        } else if ((v = s_opt(argc, argv, &i, "--max-age", &missing)) != NULL) {
            max_age_arg = v;
        } else {
            fprintf(stderr, "exifstrip health: %s '%s'\n",
                    missing ? "missing value for" : "unknown option", argv[i]);
            s_usage(stderr);
            return ES_EXIT_FAILURE;
        }
    }
    es_error err;
    es_error_clear(&err);
    long wait = defaults.wait_seconds, max_age = 0;
    const char *wait_env = getenv("EXIFSTRIP_WAIT_SECONDS");
    if (wait_env && *wait_env &&
        es_cfg_parse_int("EXIFSTRIP_WAIT_SECONDS", wait_env, 0, 20, &wait, &err) != ES_OK) {
        fprintf(stderr, "exifstrip health: %s\n", err.msg);
        return ES_EXIT_CONFIG;
    }
    max_age = es_health_default_max_age((int)wait);
    if (max_age_arg && es_cfg_parse_int("--max-age", max_age_arg, 1, 86400, &max_age, &err) != ES_OK) {
        fprintf(stderr, "exifstrip health: %s\n", err.msg);
        return ES_EXIT_CONFIG;
    }
    if (!*path) {
        fprintf(stderr, "unhealthy: no heartbeat file is configured\n");
        return ES_EXIT_FAILURE;
    }
    long age = 0;
    if (es_health_check(path, max_age, &age, &err) != ES_OK) {
        fprintf(stderr, "unhealthy: %s\n", err.msg);
        return ES_EXIT_FAILURE;
    }
    printf("healthy: heartbeat %s is %ld s old (limit %ld s)\n", path, age, max_age);
    return ES_EXIT_OK;
}
