/* health.c - `exifstrip health`: a cheap probe of the worker's heartbeat file
 * for a container health check. Exits 0 when the worker is doing its job, 1
 * when it is not (or on a usage error), 78 on a bad setting, always with one
 * line saying why. The heartbeat file and the long-poll wait are read with
 * the worker's own configuration table (EXIFSTRIP_HEARTBEAT_FILE /
 * --heartbeat-file, EXIFSTRIP_WAIT_SECONDS / --wait-seconds), so both agree
 * on defaults and on what an empty value means. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/format.h"
#include "worker/config.h"
#include "worker/health.h"

static void s_usage(FILE *out)
{
    fprintf(out,
            "usage: exifstrip health [--heartbeat-file PATH] [--max-age SECONDS]\n"
            "                        [--stuck-after SECONDS] [--wait-seconds SECONDS]\n\n"
            "Judges the worker's heartbeat file (for a container health check). Exit status:\n"
            "  0   healthy\n"
            "  1   unhealthy: no heartbeat file (or not a regular file), or it is older\n"
            "      than --max-age (the worker is not running) or dated ahead of this\n"
            "      clock by more than that (written before the clock was set back, and\n"
            "      not since), or receives from SQS have\n"
            "      been failing with no success for more than --max-age seconds (bad\n"
            "      credentials, no network ...), or\n"
            "      every job slot has been busy with the same job for more than\n"
            "      --stuck-after seconds; also usage errors\n"
            "  78  a bad value (EX_CONFIG)\n"
            "One line says why, on stdout when healthy, on stderr otherwise.\n\n"
            "  --heartbeat-file PATH  EXIFSTRIP_HEARTBEAT_FILE (default: "
            "/tmp/exifstrip-worker.heartbeat;\n"
            "                         empty: the worker writes none, so health fails)\n"
            "  --max-age SECONDS      oldest accepted heartbeat, and longest accepted time\n"
            "                         without a successful receive while receives fail\n"
            "                         (default: 3 x EXIFSTRIP_WAIT_SECONDS + 30, i.e. 90)\n"
            "  --stuck-after SECONDS  job age after which a job counts as stuck; 0 = never\n"
            "                         (default: %ld, or the longest age limit the worker\n"
            "                         gives a job + %ld when that is longer: a job past it\n"
            "                         is abandoned by the worker itself)\n"
            "  --wait-seconds SECONDS EXIFSTRIP_WAIT_SECONDS, the worker's long-poll wait\n",
            ES_HEALTH_DEFAULT_STUCK_AFTER, ES_HEALTH_STUCK_GRACE);
}

int es_cmd_health(int argc, char **argv)
{
    const char *max_age_arg = NULL, *stuck_arg = NULL;
    char **shared = calloc((size_t)argc + 1, sizeof *shared); /* the worker's own options */
    int nshared = 0;
    if (!shared) {
        fprintf(stderr, "exifstrip health: out of memory\n");
        return ES_EXIT_FAILURE;
    }
    for (int i = 1; i < argc; i++) {
        bool missing = false;
        const char *v;
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            s_usage(stdout);
            free(shared);
            return ES_EXIT_OK;
        } else if ((v = es_cli_opt_value(argc, argv, &i, "--max-age", &missing)) != NULL) {
            max_age_arg = v;
        } else if ((v = es_cli_opt_value(argc, argv, &i, "--stuck-after", &missing)) != NULL) {
            stuck_arg = v;
        } else if (missing) {
            fprintf(stderr, "exifstrip health: missing value for '%s'\n", argv[i]);
            s_usage(stderr);
            free(shared);
            return ES_EXIT_FAILURE;
        } else {
            shared[nshared++] = argv[i];
        }
    }
    static const char *const names[] = {"EXIFSTRIP_HEARTBEAT_FILE", "EXIFSTRIP_WAIT_SECONDS", NULL};
    es_cfg cfg;
    es_error err;
    es_error_clear(&err);
    es_err rc = es_cfg_load_some(&cfg, names, nshared, shared, NULL, NULL, &err);
    free(shared);
    if (rc != ES_OK) {
        es_cli_refuse("health", "", err.msg);
        if (rc != ES_ERR_CONFIG)
            s_usage(stderr);
        return rc == ES_ERR_CONFIG ? ES_EXIT_CONFIG : ES_EXIT_FAILURE;
    }
    long max_age = es_health_default_max_age(cfg.wait_seconds);
    long stuck_after = ES_HEALTH_STUCK_AFTER_AUTO;
    if ((max_age_arg && es_cfg_parse_int("--max-age", max_age_arg, 1, 86400, &max_age, &err) != ES_OK) ||
        (stuck_arg && es_cfg_parse_int("--stuck-after", stuck_arg, 0, 604800, &stuck_after, &err) != ES_OK)) {
        es_cli_refuse("health", "", err.msg);
        return ES_EXIT_CONFIG;
    }
    if (!cfg.heartbeat_file[0]) {
        fprintf(stderr, "unhealthy: no heartbeat file is configured (EXIFSTRIP_HEARTBEAT_FILE is "
                        "empty, so the worker writes none)\n");
        return ES_EXIT_FAILURE;
    }
    char summary[1024];
    es_health_verdict v = es_health_judge(cfg.heartbeat_file, (int64_t)time(NULL), max_age, stuck_after,
                                          summary, sizeof summary);
    if (v != ES_HEALTH_OK) {
        fprintf(stderr, "unhealthy: %s\n", summary);
        return ES_EXIT_FAILURE;
    }
    printf("healthy: %s\n", summary);
    return ES_EXIT_OK;
}
