/* backfill.c - `exifstrip backfill s3://A[/prefix] s3://B`: strips the objects
 * already in A (which never produced events) into B with the worker's own
 * job, settings and clients (src/worker/backfill.h does the work). This file
 * reads the arguments and the worker's settings, sends refusal reports to
 * --report FILE or the DLQ, handles SIGINT/SIGTERM, shows progress
 * (backfill_progress.c) and prints the summary; exit 0 when every key is
 * done, 2 when some were refused, 1 on errors or an interrupted run. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aws/client/config.h"
#include "aws/creds/creds.h"
#include "aws/s3/s3.h"
#include "aws/sqs/sqs.h"
#include "cli/args.h"
#include "cli/aws_setup.h"
#include "cli/backfill_progress.h"
#include "cli/commands.h"
#include "cli/format.h"
#include "cli/signals.h"
#include "common/log.h"
#include "worker/backfill.h"
#include "worker/clock.h"
#include "worker/config.h"
#include "worker/memory.h"
#include "worker/metrics.h"

#define S_TICK_MS 250
#define S_CANCEL_WAIT_MS 10000 /* after cancelling, for running transfers to unwind */

/* The worker settings backfill uses (the rest are the daemon's). */
static const char *const s_settings[] = {"EXIFSTRIP_SUFFIXES",
                                         "EXIFSTRIP_DLQ_URL",
                                         "EXIFSTRIP_CONCURRENCY",
                                         "EXIFSTRIP_MAX_OBJECT_BYTES",
                                         "EXIFSTRIP_PART_SIZE",
                                         "EXIFSTRIP_SHUTDOWN_GRACE",
                                         "EXIFSTRIP_MIN_TRANSFER_RATE",
                                         "EXIFSTRIP_MIN_TRANSFER_WINDOW",
                                         "EXIFSTRIP_MAX_JOB_SECONDS",
                                         "EXIFSTRIP_ORIENTATION",
                                         "EXIFSTRIP_MAX_PIXELS",
                                         "EXIFSTRIP_TRANSFORM_MEMORY",
                                         "EXIFSTRIP_TRANSFORM_CONCURRENCY",
                                         "EXIFSTRIP_LOG_FORMAT",
                                         "EXIFSTRIP_LOG_LEVEL",
                                         "EXIFSTRIP_METRICS",
                                         "EXIFSTRIP_METRICS_NAMESPACE",
                                         "EXIFSTRIP_PAYLOAD_SIGNING",
                                         NULL};

static volatile sig_atomic_t s_signals;

static void s_on_signal(int sig)
{
    (void)sig;
    s_signals++;
}

static void s_usage(FILE *out)
{
    fprintf(out, "usage: exifstrip backfill [options] s3://SOURCE[/PREFIX] s3://DEST\n\n"
                 "Strips the objects already in SOURCE (uploaded before the worker was deployed,\n"
                 "so they never produced an event) into DEST under the same keys, with the\n"
                 "worker's own job: every listed key with a configured suffix is checked against\n"
                 "DEST (a copy that records the same source ETag is skipped with one HEAD, no\n"
                 "GET, unless an older generation of exifstrip's rules made it: that one is made\n"
                 "again), read pinned to the listed ETag, stripped losslessly and written with a\n"
                 "conditional write that records the source. Re-running is cheap and safe, so an\n"
                 "interrupted backfill resumes by running it again.\n\n"
                 "  --dry-run              list what would be done, one JSON line per key on stdout\n"
                 "                         ({\"action\":\"strip\"|\"skipped\"|\"refused\"|...,\"key\",\n"
                 "                         \"size\",\"reason\"}); only lists SOURCE and HEADs DEST\n"
                 "  --rewrite              also make again the copies that record the same\n"
                 "                         source (made by an older exifstrip, before a newer\n"
                 "                         rule): each is read from SOURCE and stripped, and\n"
                 "                         written only when its bytes differ from the copy's\n"
                 "                         (length and CRC-64/NVME) or its record lacks the\n"
                 "                         source bucket; dry runs list them (and copies of an\n"
                 "                         older rules generation) as \"rewrite\"\n"
                 "  --report FILE          write a JSON line per refused key to FILE (the DLQ\n"
                 "                         report's format; the file is rewritten by each run);\n"
                 "                         default: to EXIFSTRIP_DLQ_URL when set, else refusals\n"
                 "                         are only logged\n"
                 "  --start-after KEY      list only the keys after KEY (S3 key order)\n"
                 "  --page-size N          keys per ListObjectsV2 request (1..1000, default 1000)\n"
                 "  --progress SECONDS     interval of the progress lines when stderr is not a\n"
                 "                         terminal (default 10; 0 = none); a terminal gets one\n"
                 "                         line updated in place\n\n"
                 "Worker settings used (each also read from the environment variable shown):\n");
    es_cfg_print_help_some(out, s_settings);
    fprintf(out, "\nLogs: the worker's JSON lines on stderr; here EXIFSTRIP_LOG_LEVEL defaults to\n"
                 "warn, not info (info logs every key). Metrics: the worker's EMF record per key\n"
                 "(dimension Queue=" ES_METRICS_BACKFILL_QUEUE
                 "), except in dry runs; EXIFSTRIP_METRICS defaults\n"
                 "to off when stderr is a terminal. AWS settings and credentials as for\n"
                 "`exifstrip worker`.\n"
                 "Signals: SIGINT/SIGTERM start no new key and let running ones finish within\n"
                 "EXIFSTRIP_SHUTDOWN_GRACE; a second signal abandons them (nothing is written).\n"
                 "Exit status: 0 every key is done (stripped, or already in DEST), 2 some keys\n"
                 "were refused (not JPEG, corrupt, too large), 1 errors (listing or transient\n"
                 "failures, interrupted; run again to resume) and usage errors, 78 bad settings.\n");
}

/* getenv, except that an unset EXIFSTRIP_LOG_LEVEL means "warn", and an
 * unset EXIFSTRIP_METRICS "off" when stderr is a terminal: one log line (or
 * EMF record) per key would drown the progress display. */
static const char *s_getenv(void *ctx, const char *name)
{
    (void)ctx;
    const char *v = getenv(name);
    if (!strcmp(name, "EXIFSTRIP_LOG_LEVEL") && (!v || !*v))
        return "warn";
    if (!strcmp(name, "EXIFSTRIP_METRICS") && (!v || !*v) && isatty(STDERR_FILENO))
        return "off";
    return v;
}

/* ---- --report FILE ---- */

typedef struct s_report_file {
    FILE *f;
    pthread_mutex_t mu;
} s_report_file;

static es_err s_write_report(void *ctx, const char *json)
{
    s_report_file *r = ctx;
    pthread_mutex_lock(&r->mu);
    bool ok = fputs(json, r->f) >= 0 && fputc('\n', r->f) != EOF && fflush(r->f) == 0;
    pthread_mutex_unlock(&r->mu);
    return ok ? ES_OK : ES_ERR_IO;
}

/* ---- the command ---- */

typedef struct s_args {
    const char *source_url, *dest_url;
    const char *report_path;
    const char *start_after;
    long page_size;
    long progress_s;
    bool dry_run;
    bool rewrite;
    char **shared; /* the worker settings' flags, for es_cfg_load_some */
    int nshared;
} s_args;

/* Returns -1 to go on, else the exit status (help, usage error). */
static int s_parse_args(int argc, char **argv, s_args *a)
{
    for (int i = 1; i < argc; i++) {
        bool missing = false;
        const char *v;
        const char *arg = argv[i];
        if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
            s_usage(stdout);
            return ES_EXIT_OK;
        } else if (!strcmp(arg, "--dry-run")) {
            a->dry_run = true;
        } else if (!strcmp(arg, "--rewrite")) {
            a->rewrite = true;
        } else if ((v = es_cli_opt_value(argc, argv, &i, "--report", &missing)) != NULL) {
            a->report_path = v;
        } else if ((v = es_cli_opt_value(argc, argv, &i, "--start-after", &missing)) != NULL) {
            a->start_after = v;
        } else if ((v = es_cli_opt_value(argc, argv, &i, "--page-size", &missing)) != NULL ||
                   (v = es_cli_opt_value(argc, argv, &i, "--progress", &missing)) != NULL) {
            bool page = strncmp(arg, "--page-size", 11) == 0;
            es_error err;
            es_error_clear(&err);
            if (es_cfg_parse_int(page ? "--page-size" : "--progress", v, page ? 1 : 0, page ? 1000 : 86400,
                                 page ? &a->page_size : &a->progress_s, &err) != ES_OK) {
                es_cli_refuse("backfill", "", err.msg);
                return ES_EXIT_FAILURE;
            }
        } else if (missing) {
            fprintf(stderr, "exifstrip backfill: missing value for '%s'\n", arg);
            return ES_EXIT_FAILURE;
        } else if (!strncmp(arg, "s3://", 5)) {
            if (a->dest_url) {
                fprintf(stderr, "exifstrip backfill: unexpected argument '%s'\n", arg);
                return ES_EXIT_FAILURE;
            }
            *(a->source_url ? &a->dest_url : &a->source_url) = arg;
        } else {
            a->shared[a->nshared++] = argv[i];
        }
    }
    if (!a->source_url || !a->dest_url) {
        fprintf(stderr, "exifstrip backfill: expected s3://SOURCE[/PREFIX] and s3://DEST\n"
                        "run 'exifstrip backfill --help' for the options\n");
        return ES_EXIT_FAILURE;
    }
    return -1;
}

/* The clients and the job environment of one run. */
typedef struct s_run {
    es_cfg cfg;
    char source[256];
    const char *prefix;
    es_creds_provider *creds;
    es_s3_client *s3;
    es_sqs_client *sqs;
    s_report_file report;
    bool report_open;
    es_job_env env;
} s_run;

/* Loads the settings and makes the clients; returns -1 to go on, else the exit status. */
static int s_setup(s_run *r, s_args *a)
{
    es_error err;
    es_error_clear(&err);
    es_err rc = es_cfg_load_some(&r->cfg, s_settings, a->nshared, a->shared, s_getenv, NULL, &err);
    if (rc != ES_OK) {
        es_cli_refuse("backfill", "", err.msg);
        if (rc != ES_ERR_CONFIG)
            fprintf(stderr, "run 'exifstrip backfill --help' for the options\n");
        return rc == ES_ERR_CONFIG ? ES_EXIT_CONFIG : ES_EXIT_FAILURE;
    }
    const char *dest_prefix = NULL;
    if (!es_cli_parse_s3_url(a->source_url, r->source, sizeof r->source, &r->prefix) ||
        !es_cli_parse_s3_url(a->dest_url, r->cfg.dest_bucket, sizeof r->cfg.dest_bucket, &dest_prefix)) {
        fprintf(stderr, "exifstrip backfill: '%s' is not s3://BUCKET[/PREFIX] with a valid bucket name\n",
                es_cli_parse_s3_url(a->source_url, r->source, sizeof r->source, &r->prefix) ? a->dest_url
                                                                                            : a->source_url);
        return ES_EXIT_FAILURE;
    }
    if (dest_prefix[0]) {
        fprintf(stderr, "exifstrip backfill: '%s': the destination takes no prefix (keys are kept)\n",
                a->dest_url);
        return ES_EXIT_FAILURE;
    }
    if (!strcmp(r->source, r->cfg.dest_bucket)) {
        fprintf(stderr, "exifstrip backfill: the source and the destination are the same bucket '%s'\n",
                r->source);
        return ES_EXIT_FAILURE;
    }
    es_log_configure(r->cfg.log_level, r->cfg.log_format); /* before the set-up, which may warn */
    es_aws_config aws;
    bool to_dlq = !a->report_path && r->cfg.dlq_url[0];
    if (es_cli_aws_setup("backfill", to_dlq, &aws, &r->creds) != ES_EXIT_OK)
        return ES_EXIT_CONFIG;
    aws.payload_signing = r->cfg.payload_signing; /* its PUTs are the worker's */
    es_metrics_configure_from_cfg(&r->cfg, ES_METRICS_BACKFILL_QUEUE);
    es_worker_tune_malloc(); /* before the job threads start */
    if (a->report_path) {
        r->report.f = fopen(a->report_path, "w");
        if (!r->report.f) {
            fprintf(stderr, "exifstrip backfill: cannot write the report '%s': %s\n", a->report_path,
                    strerror(errno));
            return ES_EXIT_FAILURE;
        }
        pthread_mutex_init(&r->report.mu, NULL);
        r->report_open = true;
    }
    r->s3 = r->creds ? es_s3_client_new(&aws, r->creds) : NULL;
    r->sqs = r->creds && to_dlq ? es_sqs_client_new(&aws, r->creds) : NULL;
    if (!r->s3 || (to_dlq && !r->sqs)) {
        fprintf(stderr, "exifstrip backfill: could not initialise the AWS clients\n");
        return ES_EXIT_FAILURE;
    }
    es_aws_result res; /* a typo in B's name would have every key read and stripped, then fail */
    es_aws_result_clear(&res);
    if (es_s3_bucket_missing(r->s3, r->cfg.dest_bucket, &res)) {
        fprintf(stderr, "exifstrip backfill: the destination bucket s3://%s does not exist (%s)\n",
                r->cfg.dest_bucket, res.message);
        return ES_EXIT_FAILURE;
    }
    r->env = (es_job_env){.cfg = &r->cfg, .s3 = r->s3, .sqs = r->sqs};
    if (r->report_open) {
        r->env.report = s_write_report;
        r->env.report_ctx = &r->report;
    }
    return -1;
}

static void s_teardown(s_run *r)
{
    if (r->report_open) {
        fclose(r->report.f);
        pthread_mutex_destroy(&r->report.mu);
    }
    es_sqs_client_free(r->sqs);
    es_s3_client_free(r->s3);
    es_creds_provider_release(r->creds);
}

/* Runs the engine until it is done, handling signals and showing progress.
 * Returns false when threads were still blocked after cancelling them. */
static bool s_drive(es_backfill *b, const s_run *r, es_progress *progress, bool *interrupted)
{
    uint64_t grace_end = 0;
    for (;;) {
        if (es_backfill_wait(b, S_TICK_MS))
            return true;
        es_backfill_progress_tick(progress, b, false);
        int signals = s_signals;
        if (signals > 0 && !*interrupted) {
            *interrupted = true;
            es_backfill_stop(b);
            grace_end = es_clock_ms() + (uint64_t)r->cfg.shutdown_grace * 1000u;
            es_progress_note(progress, "stopping: no new keys; running ones get EXIFSTRIP_SHUTDOWN_GRACE "
                                       "to finish (signal again to abandon them)");
        }
        if (*interrupted && (signals > 1 || es_clock_ms() >= grace_end)) {
            es_backfill_cancel(b);
            es_progress_note(progress, "abandoning the running keys (nothing is written for them)");
            return es_backfill_wait(b, S_CANCEL_WAIT_MS);
        }
    }
}

int es_cmd_backfill(int argc, char **argv)
{
    s_args a = {.progress_s = 10};
    a.shared = calloc((size_t)argc + 1, sizeof *a.shared);
    if (!a.shared) {
        fprintf(stderr, "exifstrip backfill: out of memory\n");
        return ES_EXIT_FAILURE;
    }
    s_run r;
    memset(&r, 0, sizeof r);
    int status = s_parse_args(argc, argv, &a);
    if (status < 0)
        status = s_setup(&r, &a);
    es_backfill *b = NULL;
    if (status < 0) {
        es_backfill_opts opts = {.bucket = r.source,
                                 .prefix = r.prefix,
                                 .start_after = a.start_after,
                                 .page_size = (int)a.page_size,
                                 .dry_run = a.dry_run,
                                 .rewrite = a.rewrite,
                                 .plan = stdout,
                                 .count_ahead = a.progress_s > 0 || isatty(STDERR_FILENO)};
        b = es_backfill_new(&r.env, &opts);
        if (!b) {
            fprintf(stderr, "exifstrip backfill: out of memory\n");
            status = ES_EXIT_FAILURE;
        }
    }
    if (status < 0) {
        signal(SIGPIPE, SIG_IGN);
        s_signals = 0;
        es_cli_set_stop_handlers(s_on_signal);
        es_progress progress;
        es_progress_init(&progress, stderr, "backfill", (int)a.progress_s);
        bool interrupted = false, finished = false, started = es_backfill_start(b) == ES_OK;
        if (!started)
            fprintf(stderr, "exifstrip backfill: could not start the job threads\n");
        else
            finished = s_drive(b, &r, &progress, &interrupted);
        es_cli_set_stop_handlers(SIG_DFL);
        es_backfill_stats st;
        es_backfill_get_stats(b, &st);
        es_backfill_progress_tick(&progress, b, true);
        status = es_backfill_summary(stdout, &st, a.source_url, a.dest_url, a.dry_run, a.rewrite, interrupted,
                                     es_progress_elapsed_ms(&progress));
        if (!started)
            status = ES_EXIT_FAILURE;
        else if (!finished) {
            /* Threads still blocked in a request use the clients: leave without freeing. */
            fflush(stdout);
            _exit(ES_EXIT_FAILURE);
        }
    }
    es_backfill_free(b);
    s_teardown(&r);
    free(a.shared);
    return status;
}
