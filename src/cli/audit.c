/* audit.c - `exifstrip audit s3://B[/prefix] [--source s3://A] [--json]`:
 * the privacy audit of the public bucket. Parses the arguments and the
 * worker's concurrency setting, builds the S3 client like the worker does,
 * runs src/worker/audit.c and prints each finding (text, or JSON Lines with a
 * final summary object). Exit 0 only when the bucket is clean, 2 on findings,
 * 1 on errors (each named with its key on stderr), 78 on bad configuration. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "aws/client/config.h"
#include "aws/creds/creds.h"
#include "aws/s3/s3.h"
#include "cli/args.h"
#include "cli/aws_setup.h"
#include "cli/commands.h"
#include "cli/format.h"
#include "cli/progress.h"
#include "worker/audit.h"
#include "worker/clock.h"
#include "worker/config.h"
#include "worker/report.h"
#include "worker/thread.h"

static const char s_usage_text[] =
    "usage: exifstrip audit s3://BUCKET[/PREFIX] [--source s3://SOURCE] [--json] [--concurrency N]\n"
    "                       [--page-size N] [--progress SECONDS]\n"
    "\n"
    "Privacy audit of the public bucket: lists BUCKET (under PREFIX), reads every\n"
    "object through the stripper's own inspection (streamed, bounded memory; the\n"
    "policy the worker applies) and reports each object that still carries what\n"
    "stripping removes: GPS, EXIF, XMP, IPTC/Photoshop, comments, JFIF/JFXX/EXIF\n"
    "thumbnails, MPF images, trailers after EOI (motion-photo video ...), other APPn\n"
    "metadata, text or device data in a kept ICC profile (icc-text), and each object\n"
    "that is not a JPEG or a JPEG the stripper refuses.\n"
    "The minimal Exif segment holding only the Orientation tag, which the worker\n"
    "itself writes (EXIFSTRIP_ORIENTATION=keep), is not a finding.\n"
    "\n"
    "options:\n"
    "      --source s3://A   also report each key with no counterpart in bucket A\n"
    "                        ('orphan'), one made from another version of it than\n"
    "                        A's current one ('outdated': the recorded\n"
    "                        x-amz-meta-exifstrip-source-etag differs, or the\n"
    "                        -source-version-id when A has one), and one recording\n"
    "                        no source ('unrecorded')\n"
    "      --json            JSON Lines on stdout: one object per finding, then one\n"
    "                        summary object (\"type\":\"summary\")\n"
    "      --concurrency N   objects audited in parallel, 1..64 (EXIFSTRIP_CONCURRENCY,\n"
    "                        the worker's setting; default 4)\n"
    "      --page-size N     keys per ListObjectsV2 request (1..1000, default 1000)\n"
    "      --progress SECONDS\n"
    "                        interval of the progress lines on stderr when it is not\n"
    "                        a terminal (default 10, 0 = none); on a terminal one\n"
    "                        line is updated in place\n"
    "  -h, --help            show this help\n"
    "\n"
    "AWS settings and credentials as for 'exifstrip worker' (AWS_REGION,\n"
    "AWS_ENDPOINT_URL[_S3], the standard credential chain).\n"
    "\n"
    "exit status: 0 the bucket is clean; 2 at least one finding; 1 usage error or\n"
    "an object or listing that could not be read (key and cause on stderr);\n"
    "78 bad configuration.\n";

#define S_TICK_MS 100

typedef struct s_ctx {
    bool json;
    const char *bucket;
    long progress_s;
    es_progress progress;
    es_pool_thread ticker;     /* its mu guards snapshot */
    es_audit_summary snapshot; /* the engine's running summary */
} s_ctx;

/* A key for a terminal: control, bidi and separator characters as \xNN
 * (es_cli_shown_path). */
static void s_print_key(FILE *out, const char *key)
{
    char shown[ES_CLI_KEY_SHOWN_SIZE];
    fputs(es_cli_shown_path(key, shown, sizeof shown), out);
}

/* A JSON string of s (invalid UTF-8 becomes U+FFFD). */
static json_t *s_jstr(const char *s) { return es_report_json_string(s, strlen(s)); }

static void s_print_json(json_t *obj)
{
    char *line = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (line) {
        puts(line);
        free(line);
    }
    json_decref(obj);
}

static json_t *s_finding_json(const s_ctx *c, const es_audit_finding *f)
{
    json_t *o = json_object();
    json_object_set_new(o, "type", json_string("finding"));
    json_object_set_new(o, "finding", json_string(es_audit_kind_name(f->kind)));
    json_object_set_new(o, "bucket", json_string(c->bucket));
    json_object_set_new(o, "key", s_jstr(f->key));
    json_object_set_new(o, "size", json_integer((json_int_t)f->size));
    json_object_set_new(o, "etag", s_jstr(f->etag ? f->etag : ""));
    if (f->item_count) {
        json_t *items = json_array();
        for (size_t i = 0; i < f->item_count; i++) {
            json_t *it = json_object();
            json_object_set_new(it, "kind", json_string(f->items[i].name));
            json_object_set_new(it, "what", json_string(f->items[i].text));
            json_object_set_new(it, "segments", json_integer(f->items[i].segments));
            json_object_set_new(it, "bytes", json_integer((json_int_t)f->items[i].bytes));
            json_array_append_new(items, it);
        }
        json_object_set_new(o, "carries", items);
    }
    if (f->reason)
        json_object_set_new(o, "reason", s_jstr(f->reason));
    if (f->recorded) {
        json_object_set_new(o, "recorded_source_etag", s_jstr(f->recorded->etag));
        json_object_set_new(o, "recorded_source_version_id", s_jstr(f->recorded->version_id));
    }
    if (f->source_etag) {
        json_object_set_new(o, "source_etag", s_jstr(f->source_etag));
        json_object_set_new(o, "source_version_id", s_jstr(f->source_version_id ? f->source_version_id : ""));
    }
    return o;
}

static void s_finding_text(FILE *out, const s_ctx *c, const es_audit_finding *f)
{
    char size[32];
    fprintf(out, "s3://%s/", c->bucket);
    s_print_key(out, f->key);
    switch (f->kind) {
    case ES_AUDIT_METADATA:
        fprintf(out, ": carries ");
        for (size_t i = 0; i < f->item_count; i++) {
            fprintf(out, "%s%s", i ? ", " : "", f->items[i].text);
            if (f->items[i].bytes) {
                es_cli_human_size(f->items[i].bytes, size, sizeof size);
                fprintf(out, " [%s, %s]", f->items[i].name, size);
            }
        }
        break;
    case ES_AUDIT_NOT_JPEG: fprintf(out, ": not a JPEG: %s", f->reason); break;
    case ES_AUDIT_BAD_JPEG: fprintf(out, ": a JPEG the stripper refuses: %s", f->reason); break;
    case ES_AUDIT_ORPHAN: fprintf(out, ": orphan: no object under this key in the source bucket"); break;
    case ES_AUDIT_OUTDATED:
        fprintf(out,
                ": outdated: made from source etag \"%s\" version \"%s\", the source now has etag \"%s\" version \"%s\"",
                f->recorded->etag, f->recorded->version_id, f->source_etag, f->source_version_id);
        break;
    case ES_AUDIT_UNRECORDED:
        fprintf(out,
                ": unrecorded: no x-amz-meta-exifstrip-source-* metadata, so it cannot be matched with the source");
        break;
    case ES_AUDIT_KIND_COUNT: break;
    }
    fputc('\n', out);
}

/* One finding's line, out of the progress line's way. */
static void s_on_finding(void *ctx, const es_audit_finding *f)
{
    s_ctx *c = ctx;
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    if (mem) {
        if (c->json) {
            json_t *o = s_finding_json(c, f);
            (void)json_dumpf(o, mem, JSON_COMPACT | JSON_PRESERVE_ORDER);
            fputc('\n', mem);
            json_decref(o);
        } else {
            s_finding_text(mem, c, f);
        }
    }
    if (!mem || fclose(mem) != 0) {
        free(text);
        fprintf(stderr, "exifstrip audit: out of memory reporting s3://%s/", c->bucket);
        s_print_key(stderr, f->key);
        fputc('\n', stderr);
        return;
    }
    es_progress_write(&c->progress, stdout, text, len);
    free(text);
}

static void s_on_error(void *ctx, const char *key, const char *what)
{
    s_ctx *c = ctx;
    (void)key; /* what names the key, shown safely with the rest */
    char shown[ES_CLI_KEY_SHOWN_SIZE], line[ES_CLI_KEY_SHOWN_SIZE + 32];
    int n = snprintf(line, sizeof line, "exifstrip audit: %s\n", es_cli_shown_path(what, shown, sizeof shown));
    es_progress_write(&c->progress, stderr, line, n > 0 && (size_t)n < sizeof line ? (size_t)n : strlen(line));
}

/* ---- progress ---------------------------------------------------------------- */

static void s_on_progress(void *ctx, const es_audit_summary *sum)
{
    s_ctx *c = ctx;
    pthread_mutex_lock(&c->ticker.mu);
    c->snapshot = *sum;
    pthread_mutex_unlock(&c->ticker.mu);
}

/* "12/40 objects, 3.1 MiB/9.8 MiB, ... (clean 9, with findings 2, errors 1)" when due. */
static void s_show_progress(s_ctx *c, const es_audit_summary *s, bool final)
{
    if (!es_progress_due(&c->progress, final))
        return;
    es_progress_counts counts = {.done = s->settled,
                                 .total = s->total_known ? s->total_objects : s->objects,
                                 .done_bytes = s->settled_bytes,
                                 .total_bytes = s->total_known ? s->total_bytes : s->bytes,
                                 .total_known = s->total_known};
    char head[256], line[512];
    es_progress_format_counts(&counts, "objects", es_progress_elapsed_ms(&c->progress), head, sizeof head);
    snprintf(line, sizeof line, "%s (clean %llu, with findings %llu, errors %llu)", head,
             (unsigned long long)s->clean, (unsigned long long)s->with_findings, (unsigned long long)s->errors);
    es_progress_show(&c->progress, line);
}

/* Shows the progress while the audit runs, until the ticker is stopped. */
static void *s_ticker(void *arg)
{
    s_ctx *c = arg;
    pthread_mutex_lock(&c->ticker.mu);
    while (!c->ticker.stopping) {
        (void)es_clock_wait_until(&c->ticker.cv, &c->ticker.mu, es_clock_ms() + S_TICK_MS);
        if (c->ticker.stopping)
            break;
        es_audit_summary s = c->snapshot;
        pthread_mutex_unlock(&c->ticker.mu);
        s_show_progress(c, &s, false);
        pthread_mutex_lock(&c->ticker.mu);
    }
    pthread_mutex_unlock(&c->ticker.mu);
    return NULL;
}

/* Runs the audit with the progress display on stderr. */
static es_err s_run_audit(es_s3_client *s3, es_audit_options *opt, s_ctx *c, es_audit_summary *sum)
{
    es_progress_init(&c->progress, stderr, "audit", (int)c->progress_s);
    es_pool_thread_init(&c->ticker);
    memset(&c->snapshot, 0, sizeof c->snapshot);
    memset(sum, 0, sizeof *sum);
    bool shown = c->progress.tty || c->progress_s > 0;
    opt->count_ahead = shown;
    opt->on_progress = s_on_progress;
    if (shown)
        (void)es_pool_thread_start(&c->ticker, s_ticker, c); /* without it: no progress, same audit */
    es_err rc = es_audit_run(s3, opt, sum);
    es_pool_thread_destroy(&c->ticker); /* stops and joins it */
    s_show_progress(c, sum, true);
    es_progress_end(&c->progress);
    return rc;
}

static const char *s_status(const es_audit_summary *s, es_err rc)
{
    if (rc != ES_OK || s->errors)
        return "errors";
    return s->with_findings ? "findings" : "clean";
}

static void s_summary_json(const es_audit_options *opt, const es_audit_summary *s, es_err rc)
{
    json_t *o = json_object(), *findings = json_object(), *carrying = json_object();
    json_object_set_new(o, "type", json_string("summary"));
    json_object_set_new(o, "bucket", json_string(opt->bucket));
    json_object_set_new(o, "prefix", s_jstr(opt->prefix));
    json_object_set_new(o, "source", opt->source_bucket ? json_string(opt->source_bucket) : json_null());
    json_object_set_new(o, "status", json_string(s_status(s, rc)));
    json_object_set_new(o, "listing_complete", json_boolean(rc == ES_OK));
    json_object_set_new(o, "objects", json_integer((json_int_t)s->objects));
    json_object_set_new(o, "bytes", json_integer((json_int_t)s->bytes));
    json_object_set_new(o, "clean", json_integer((json_int_t)s->clean));
    json_object_set_new(o, "with_findings", json_integer((json_int_t)s->with_findings));
    json_object_set_new(o, "errors", json_integer((json_int_t)s->errors));
    json_object_set_new(o, "vanished", json_integer((json_int_t)s->vanished));
    json_object_set_new(o, "folders", json_integer((json_int_t)s->folders));
    json_object_set_new(o, "orientation_tags", json_integer((json_int_t)s->orientation_tags));
    for (int k = 0; k < ES_AUDIT_KIND_COUNT; k++)
        json_object_set_new(findings, es_audit_kind_name((es_audit_kind)k),
                            json_integer((json_int_t)s->findings[k]));
    json_object_set_new(carrying, ES_JPEG_ITEM_GPS, json_integer((json_int_t)s->gps));
    json_object_set_new(carrying, ES_JPEG_ITEM_EXIF_THUMBNAIL, json_integer((json_int_t)s->exif_thumbnail));
    json_object_set_new(carrying, ES_JPEG_ITEM_ICC_TEXT, json_integer((json_int_t)s->icc_text));
    for (int k = 0; k < ES_JPEG_KIND_COUNT; k++)
        if (s->by_kind[k])
            json_object_set_new(carrying, es_jpeg_kind_name((es_jpeg_kind)k),
                                json_integer((json_int_t)s->by_kind[k]));
    json_object_set_new(o, "findings", findings);
    json_object_set_new(o, "carrying", carrying);
    s_print_json(o);
}

/* One "name count" of the summary's carrying line, when count is not 0. */
static void s_carrying_item(const char *name, uint64_t count, const char **sep)
{
    if (!count)
        return;
    printf("%s %s %llu", *sep, name, (unsigned long long)count);
    *sep = ",";
}

static void s_summary_text(const es_audit_options *opt, const es_audit_summary *s, es_err rc)
{
    char size[32];
    es_cli_human_size(s->bytes, size, sizeof size);
    printf("audited s3://%s/", opt->bucket);
    s_print_key(stdout, opt->prefix);
    printf("%s%s: %llu objects (%s), %llu clean, %llu with findings, %llu errors",
           opt->source_bucket ? " against s3://" : "", opt->source_bucket ? opt->source_bucket : "",
           (unsigned long long)s->objects, size, (unsigned long long)s->clean,
           (unsigned long long)s->with_findings, (unsigned long long)s->errors);
    if (s->vanished)
        printf(", %llu deleted while auditing", (unsigned long long)s->vanished);
    if (s->folders)
        printf(", %llu folder markers skipped", (unsigned long long)s->folders);
    printf("\n");
    for (int k = 0; k < ES_AUDIT_KIND_COUNT; k++)
        if (s->findings[k])
            printf("  %-13s %llu\n", es_audit_kind_name((es_audit_kind)k), (unsigned long long)s->findings[k]);
    if (s->orientation_tags)
        printf("  orientation-only Exif segments: %llu (not findings)\n",
               (unsigned long long)s->orientation_tags);
    if (s->findings[ES_AUDIT_METADATA]) {
        const char *sep = "  carrying:";
        s_carrying_item(ES_JPEG_ITEM_GPS, s->gps, &sep);
        s_carrying_item(ES_JPEG_ITEM_EXIF_THUMBNAIL, s->exif_thumbnail, &sep);
        for (int k = 0; k < ES_JPEG_KIND_COUNT; k++)
            s_carrying_item(es_jpeg_kind_name((es_jpeg_kind)k), s->by_kind[k], &sep);
        s_carrying_item(ES_JPEG_ITEM_ICC_TEXT, s->icc_text, &sep);
        printf("\n");
    }
    if (rc != ES_OK) /* the listing failed, or the source bucket does not exist: said on stderr */
        printf("the audit stopped (the reason is on stderr): it is incomplete\n");
    else if (s->errors)
        printf("%llu objects could not be read: the audit is incomplete\n", (unsigned long long)s->errors);
    else if (s->with_findings)
        printf("NOT CLEAN: %llu objects need attention\n", (unsigned long long)s->with_findings);
    else
        printf("clean: every object is a JPEG without removable metadata\n");
}

/* A number option in min..max; false (said on stderr) when it is not. */
static bool s_parse_count(const char *name, const char *v, long min, long max, long *out)
{
    es_error err;
    es_error_clear(&err);
    if (es_cfg_parse_int(name, v, min, max, out, &err) == ES_OK)
        return true;
    es_cli_refuse("audit", "", err.msg);
    return false;
}

/* Parses the options; returns -1 to go on, else an exit status. */
static int s_parse(int argc, char **argv, es_audit_options *opt, s_ctx *ctx, char *bucket, char *source,
                   size_t cap)
{
    char *shared[2];
    int nshared = 0;
    const char *url = NULL, *source_url = NULL;
    for (int i = 1; i < argc; i++) {
        bool missing = false;
        const char *v, *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(s_usage_text, stdout);
            return ES_EXIT_OK;
        } else if (!strcmp(a, "--json")) {
            ctx->json = true;
        } else if ((v = es_cli_opt_value(argc, argv, &i, "--source", &missing)) != NULL) {
            source_url = v;
        } else if ((v = es_cli_opt_value(argc, argv, &i, "--page-size", &missing)) != NULL) {
            long page = 0;
            if (!s_parse_count("--page-size", v, 1, 1000, &page))
                return ES_EXIT_FAILURE;
            opt->page_size = (int)page;
        } else if ((v = es_cli_opt_value(argc, argv, &i, "--progress", &missing)) != NULL) {
            if (!s_parse_count("--progress", v, 0, 86400, &ctx->progress_s))
                return ES_EXIT_FAILURE;
        } else if (!strncmp(a, "--concurrency", 13) && (a[13] == '\0' || a[13] == '=') && nshared == 0) {
            shared[nshared++] = argv[i]; /* es_cfg_load_some parses it */
            if (a[13] == '\0' && i + 1 < argc)
                shared[nshared++] = argv[++i];
        } else if (missing) {
            fprintf(stderr, "exifstrip audit: missing value for '%s'\n", a);
            return ES_EXIT_FAILURE;
        } else if (a[0] != '-' && !url) {
            url = a;
        } else {
            fprintf(stderr, "exifstrip audit: unexpected argument '%s'\n%s", a, s_usage_text);
            return ES_EXIT_FAILURE;
        }
    }
    if (!url || !es_cli_parse_s3_url(url, bucket, cap, &opt->prefix)) {
        fprintf(stderr, "exifstrip audit: %s\n%s",
                url ? "the bucket must be given as s3://BUCKET[/PREFIX]" : "missing s3://BUCKET[/PREFIX]",
                s_usage_text);
        return ES_EXIT_FAILURE;
    }
    const char *src_prefix = "";
    if (source_url && (!es_cli_parse_s3_url(source_url, source, cap, &src_prefix) || src_prefix[0])) {
        fprintf(stderr,
                "exifstrip audit: --source must be s3://BUCKET (keys are compared under the identical name)\n");
        return ES_EXIT_FAILURE;
    }
    static const char *const names[] = {"EXIFSTRIP_CONCURRENCY", NULL};
    es_cfg cfg;
    es_error err;
    es_error_clear(&err);
    es_err rc = es_cfg_load_some(&cfg, names, nshared, shared, NULL, NULL, &err);
    if (rc != ES_OK) {
        es_cli_refuse("audit", "", err.msg);
        return rc == ES_ERR_CONFIG ? ES_EXIT_CONFIG : ES_EXIT_FAILURE;
    }
    opt->bucket = bucket;
    opt->source_bucket = source_url ? source : NULL;
    opt->concurrency = cfg.concurrency;
    es_jpeg_policy_default(&opt->policy); /* the worker's policy */
    ctx->bucket = bucket;
    return -1;
}

int es_cmd_audit(int argc, char **argv)
{
    char bucket[256], source[256];
    es_audit_options opt = {0};
    s_ctx ctx = {.progress_s = 10};
    int status = s_parse(argc, argv, &opt, &ctx, bucket, source, sizeof bucket);
    if (status >= 0)
        return status;
    es_aws_config aws;
    es_creds_provider *creds;
    if (es_cli_aws_setup("audit", false, &aws, &creds) != ES_EXIT_OK)
        return ES_EXIT_CONFIG;
    es_s3_client *s3 = creds ? es_s3_client_new(&aws, creds) : NULL;
    if (!s3) {
        fprintf(stderr, "exifstrip audit: could not initialise the S3 client\n");
        es_creds_provider_release(creds);
        return ES_EXIT_FAILURE;
    }
    opt.on_finding = s_on_finding;
    opt.on_error = s_on_error;
    opt.ctx = &ctx;
    es_audit_summary sum;
    es_err rc = s_run_audit(s3, &opt, &ctx, &sum);
    if (ctx.json)
        s_summary_json(&opt, &sum, rc);
    else
        s_summary_text(&opt, &sum, rc);
    es_s3_client_free(s3);
    es_creds_provider_release(creds);
    if (rc != ES_OK || sum.errors)
        return ES_EXIT_FAILURE;
    return sum.with_findings ? ES_EXIT_REFUSED : ES_EXIT_OK;
}
