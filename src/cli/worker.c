/* worker.c - `exifstrip worker`: validates the whole configuration (exit 78
 * naming the variable or flag, before any request; the heartbeat file's
 * directory must be writable) and checks that libcurl
 * and libcrypto load (exit 78 too), builds the S3/SQS clients with the default credential
 * chain, installs SIGTERM/SIGINT handlers that ask the pool to stop, runs
 * the daemon until it has shut down, and ends the process without the
 * libraries' exit handlers. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "aws/client/config.h"
#include "aws/creds/creds.h"
#include "aws/s3/s3.h"
#include "aws/sqs/sqs.h"
#include "cli/aws_setup.h"
#include "cli/commands.h"
#include "cli/format.h"
#include "cli/signals.h"
#include "common/log.h"
#include "common/quick_exit.h"
#include "worker/config.h"
#include "worker/health.h"
#include "worker/memory.h"
#include "worker/metrics.h"
#include "worker/pool.h"

static es_pool *s_pool; /* set before the handlers are installed, cleared after removal */

static void s_on_signal(int sig)
{
    (void)sig;
    es_pool_request_stop(s_pool);
}

static void s_usage(FILE *out)
{
    fprintf(out, "usage: exifstrip worker [options]\n\n"
                 "Receives S3 \"object created\" events from an SQS queue (S3 notifications, SNS\n"
                 "envelopes or EventBridge events), strips privacy-relevant metadata from each JPEG\n"
                 "losslessly and writes the clean copy under the same key to the destination bucket.\n"
                 "Refused inputs (not JPEG, corrupt, too large, unknown events) are reported to the\n"
                 "DLQ queue when one is set, and deleted; transient failures leave the message for\n"
                 "redelivery.\n\n"
                 "Options (each also read from the environment variable shown; flags win):\n");
    es_cfg_print_help(out);
    fprintf(out, "\nAWS settings come from the usual variables: AWS_REGION / AWS_DEFAULT_REGION,\n"
                 "AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL_SQS, AWS_MAX_ATTEMPTS,\n"
                 "AWS_CA_BUNDLE, EXIFSTRIP_S3_PATH_STYLE, and the AWS_PROFILE's region,\n"
                 "endpoint_url and services section; credentials from the environment, web\n"
                 "identity, AWS_PROFILE / shared files, ECS or EC2 instance metadata.\n\n"
                 "Logs: one JSON object per line on stderr (or text with --log-format text).\n"
                 "Metrics: with JSON logs, each job is followed by a CloudWatch Embedded Metric\n"
                 "Format record (\"event\":\"metrics\", an \"_aws\" member) that CloudWatch Logs turns\n"
                 "into metrics in the EXIFSTRIP_METRICS_NAMESPACE namespace, dimension Queue (the\n"
                 "queue's name; JobDuration also by Outcome); EXIFSTRIP_METRICS=off turns them off.\n"
                 "Signals: SIGTERM/SIGINT stop receiving, give back unstarted messages, let running\n"
                 "jobs finish within the shutdown grace; a second signal cancels them.\n"
                 "Exit status: 0 after a clean shutdown (signal, or --drain found the queue empty),\n"
                 "1 on usage errors, failure to start, or --drain giving up after receives kept\n"
                 "failing, 78 on bad or missing configuration.\n");
}

int es_cmd_worker(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            s_usage(stdout);
            return ES_EXIT_OK;
        }
    es_cfg cfg;
    es_error err;
    es_error_clear(&err);
    es_err rc = es_cfg_load(&cfg, argc - 1, argv + 1, NULL, NULL, &err);
    if (rc != ES_OK) {
        es_cli_refuse("worker", "", err.msg);
        if (rc != ES_ERR_CONFIG) {
            fprintf(stderr, "run 'exifstrip worker --help' for the options\n");
            return ES_EXIT_FAILURE;
        }
        return ES_EXIT_CONFIG;
    }
    if (cfg.heartbeat_file[0] && es_health_check_writable(cfg.heartbeat_file, &err) != ES_OK) {
        fprintf(stderr,
                "exifstrip worker: EXIFSTRIP_HEARTBEAT_FILE (--heartbeat-file): %s; point it at a writable "
                "directory, or set it empty to run without a heartbeat\n",
                err.msg);
        return ES_EXIT_CONFIG;
    }
    es_log_configure(cfg.log_level, cfg.log_format); /* before the set-up, which may warn */
    long other = es_health_other_writer(cfg.heartbeat_file);
    if (other)
        ES_LOG(ES_LOG_WARN, "health.shared", ES_LF_STR("heartbeat_file", cfg.heartbeat_file),
               ES_LF_INT("other_pid", other),
               ES_LF_STR("reason", "another worker writes this heartbeat file: `exifstrip health` cannot tell "
                                   "that one of the two has stopped; give each worker its own file"));
    es_aws_config aws;
    es_creds_provider *creds;
    if (es_cli_aws_setup("worker", true, &aws, &creds) != ES_EXIT_OK)
        return ES_EXIT_CONFIG;
    aws.payload_signing = cfg.payload_signing;
    es_metrics_configure_from_cfg(&cfg, NULL);
    es_worker_tune_malloc();

    int status = ES_EXIT_FAILURE;
    es_s3_client *s3 = creds ? es_s3_client_new(&aws, creds) : NULL;
    es_sqs_client *sqs = creds ? es_sqs_client_new(&aws, creds) : NULL;
    es_pool *pool = s3 && sqs ? es_pool_new(&cfg, s3, sqs) : NULL;
    if (!pool) {
        fprintf(stderr, "exifstrip worker: could not initialise the AWS clients\n");
        goto done;
    }
    /* es_cli_aws_setup loaded and initialised libcurl, libcrypto and their
     * libraries: let go of the pages only that start-up read. */
    size_t released = es_worker_release_startup_pages();
    ES_LOG(ES_LOG_DEBUG, "worker.startup_pages_released", ES_LF_UINT("kib", released / 1024));
    signal(SIGPIPE, SIG_IGN);
    s_pool = pool;
    es_cli_set_stop_handlers(s_on_signal);
    es_pool_stats stats;
    rc = es_pool_run(pool, &stats);
    es_cli_set_stop_handlers(SIG_DFL);
    s_pool = NULL;
    if (rc == ES_ERR_TIMEOUT) {
        /* Threads still blocked in a request use the clients: leave without freeing. */
        fflush(stdout);
        _exit(ES_EXIT_OK);
    }
    status = rc == ES_OK ? ES_EXIT_OK : ES_EXIT_FAILURE;
done:
    es_pool_free(pool);
    es_sqs_client_free(sqs);
    es_s3_client_free(s3);
    es_creds_provider_release(creds);
    /* Shut down and freed: the libraries' exit handlers would only free
     * memory and fault released pages back in (common/quick_exit.h). */
    es_quick_exit(status);
}
