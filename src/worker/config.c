/* config.c - the worker's settings (config.h). A single table lists every
 * setting once: its variable, its flag, its default (parsed by the same code
 * as user input, so defaults are validated too), its help text and how to
 * parse it. Loading resolves each setting from its flag if given, else its
 * variable, else its default, and then checks the settings that depend on
 * each other. Nothing here touches the network. */
#include "worker/config.h"

#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws/client/client.h"
#include "aws/s3/s3.h"
#include "aws/sqs/sqs.h"
#include "common/flag.h"
#include "worker/metrics.h"
#include "worker/transform_budget.h"

#define S_MIB (1024ull * 1024ull)

typedef enum s_kind {
    S_URL,
    S_BUCKET,
    S_BUCKETS,
    S_SUFFIXES,
    S_INT,
    S_BYTES,
    S_PATH,
    S_LOG_FORMAT,
    S_LOG_LEVEL,
    S_BOOL,
    S_ORIENTATION,
    S_PIXELS,
    S_METRICS,
    S_NAMESPACE,
    S_PAYLOAD_SIGNING,
    S_AUTO_OR_INT,
    S_TRANSFORM_MEMORY
} s_kind;

typedef struct s_opt {
    const char *env;
    const char *flag;     /* without the leading "--" */
    const char *metavar;  /* NULL: a boolean flag that takes no argument */
    const char *def;      /* default value (parsed like input), NULL = none */
    const char *def_help; /* shown instead of def in --help */
    const char *help;
    s_kind kind;
    size_t offset;
    size_t size;        /* capacity of string fields */
    long long min, max; /* S_INT and S_BYTES bounds */
    bool required;
} s_opt;

#define S_FIELD(f) offsetof(es_cfg, f), sizeof(((es_cfg *)0)->f)

static const s_opt s_opts[] = {
    {"EXIFSTRIP_QUEUE_URL", "queue-url", "URL", NULL, "required",
     "SQS queue that receives the S3 event notifications", S_URL, S_FIELD(queue_url), 0, 0, true},
    {"EXIFSTRIP_DEST_BUCKET", "dest-bucket", "BUCKET", NULL, "required",
     "bucket the stripped copies are written to (same key)", S_BUCKET, S_FIELD(dest_bucket), 0, 0, true},
    {"EXIFSTRIP_SOURCE_BUCKETS", "source-buckets", "B1,B2", NULL,
     "unset: any bucket except the destination, with a warning",
     "comma-separated allowlist; events from other buckets are skipped", S_BUCKETS, S_FIELD(source_buckets),
     0, 0, false},
    {"EXIFSTRIP_SUFFIXES", "suffixes", ".A,.B", ".jpg,.jpeg", NULL,
     "comma-separated key suffixes to process (case-insensitive)", S_SUFFIXES, S_FIELD(suffixes), 0, 0, false},
    {"EXIFSTRIP_DLQ_URL", "dlq-url", "URL", NULL, "none: refusals are only logged",
     "SQS queue that receives a JSON report for every refused input", S_URL, S_FIELD(dlq_url), 0, 0, false},
    {"EXIFSTRIP_CONCURRENCY", "concurrency", "N", "4", NULL, "worker threads (1..64)", S_INT,
     S_FIELD(concurrency), 1, ES_CFG_MAX_CONCURRENCY, false},
    {"EXIFSTRIP_VISIBILITY_TIMEOUT", "visibility-timeout", "SECONDS", "60", NULL,
     "visibility timeout asked for on receive; jobs running longer than half of it get it "
     "extended by this much (1..43200)",
     S_INT, S_FIELD(visibility_timeout), 1, ES_SQS_MAX_VISIBILITY_S, false},
    {"EXIFSTRIP_MAX_OBJECT_BYTES", "max-object-bytes", "SIZE", "256MiB", NULL,
     "larger objects are refused (suffix K, M or G = KiB, MiB, GiB)", S_BYTES, S_FIELD(max_object_bytes), 1,
     5ll * 1024 * 1024 * 1024 * 1024, false},
    {"EXIFSTRIP_PART_SIZE", "part-size", "SIZE", "8MiB", NULL,
     "multipart upload part size; smaller outputs are sent with one PutObject (5MiB..5GiB)", S_BYTES,
     S_FIELD(part_size), (long long)ES_S3_MIN_PART_SIZE, (long long)ES_S3_MAX_PART_SIZE, false},
    {"EXIFSTRIP_WAIT_SECONDS", "wait-seconds", "SECONDS", "20", NULL,
     "SQS long-poll wait per receive (0..20)", S_INT, S_FIELD(wait_seconds), 0, 20, false},
    {"EXIFSTRIP_SHUTDOWN_GRACE", "shutdown-grace", "SECONDS", "25", NULL,
     "after SIGTERM/SIGINT, time in-flight jobs get to finish (0..3600)", S_INT, S_FIELD(shutdown_grace), 0,
     3600, false},
    {"EXIFSTRIP_MIN_TRANSFER_RATE", "min-transfer-rate", "BYTES", "16KiB", NULL,
     "a GET slower than this many bytes per second, averaged over the window, is abandoned "
     "and retried (K, M or G suffixes)",
     S_BYTES, S_FIELD(min_transfer_rate), 1, 1024ll * 1024 * 1024, false},
    {"EXIFSTRIP_MIN_TRANSFER_WINDOW", "min-transfer-window", "SECONDS", "30", NULL,
     "window over which the minimum transfer rate is measured (1..3600)", S_INT, S_FIELD(min_transfer_window),
     1, 3600, false},
    {"EXIFSTRIP_MAX_JOB_SECONDS", "max-job-seconds", "SECONDS", "0", "derived from the size",
     "a job running longer is abandoned and its message released for redelivery; 0 = 300 s "
     "plus 1 s per 256 KiB of the object (0..604800)",
     S_INT, S_FIELD(max_job_seconds), 0, 604800, false},
    {"EXIFSTRIP_HEARTBEAT_FILE", "heartbeat-file", "PATH", "/tmp/exifstrip-worker.heartbeat", NULL,
     "state file the receiver loop rewrites once per receive, at most once a second (read by `exifstrip health`; "
     "its directory must be writable); empty = none",
     S_PATH, S_FIELD(heartbeat_file), 0, 0, false},
    {"EXIFSTRIP_LOG_FORMAT", "log-format", "json|text", "json", NULL, "log line format", S_LOG_FORMAT,
     offsetof(es_cfg, log_format), 0, 0, 0, false},
    {"EXIFSTRIP_LOG_LEVEL", "log-level", "LEVEL", "info", NULL,
     "least severe level logged: debug, info, warn or error", S_LOG_LEVEL, offsetof(es_cfg, log_level), 0, 0,
     0, false},
    {"EXIFSTRIP_DRAIN", "drain", NULL, "false", NULL,
     "exit 0 once every job is done and the queue holds no message (visible, in flight or delayed; "
     "without sqs:GetQueueAttributes: once two receives in a row come back empty)",
     S_BOOL, offsetof(es_cfg, drain), 0, 0, 0, false},
    {"EXIFSTRIP_ORIENTATION", "orientation", "apply|keep|drop", "apply", NULL,
     "EXIF Orientation: apply turns the pixels losslessly so photos display upright without "
     "EXIF; keep writes back only the tag; drop removes it",
     S_ORIENTATION, offsetof(es_cfg, orientation), 0, 0, 0, false},
    {"EXIFSTRIP_MAX_PIXELS", "max-pixels", "N", "100000000", NULL,
     "apply keeps the tag instead of turning photos with more pixels (suffix M = millions)", S_PIXELS,
     S_FIELD(max_pixels), 0, 0, false},
    {"EXIFSTRIP_TRANSFORM_MEMORY", "transform-memory", "auto|SIZE", "auto", NULL,
     "memory all concurrent orientation transforms share; a transform waits for its share, and "
     "one that can never fit keeps the tag instead; auto = half the memory limit (the smallest "
     "cgroup memory limit visible, or the machine's RAM), at most 512MiB",
     S_TRANSFORM_MEMORY, S_FIELD(transform_memory), 1024 * 1024, 1024ll * 1024 * 1024 * 1024, false},
    {"EXIFSTRIP_TRANSFORM_CONCURRENCY", "transform-concurrency", "auto|N", "auto", NULL,
     "orientation transforms that may run at once (1..1024); auto = the usable CPUs (affinity, "
     "lowered to the smallest cgroup CPU quota visible; a limit on a parent cgroup the container "
     "cannot see, such as an ECS task's cpu, is missed: set it then)",
     S_AUTO_OR_INT, S_FIELD(transform_concurrency), 1, 1024, false},
    {"EXIFSTRIP_PROPAGATE_DELETES", "propagate-deletes", NULL, "false", NULL,
     "an ObjectRemoved event deletes the destination's copy of the key, only when that copy "
     "records it was made from the deleted source (a newer copy is kept); needs "
     "s3:DeleteObject on the destination and s3:ListBucket on the source buckets",
     S_BOOL, offsetof(es_cfg, propagate_deletes), 0, 0, 0, false},
    {"EXIFSTRIP_METRICS", "metrics", "emf|off", "emf", NULL,
     "emf writes one CloudWatch Embedded Metric Format record per job to the JSON log (jobs by "
     "outcome, bytes, durations, queue wait); only with --log-format json",
     S_METRICS, offsetof(es_cfg, metrics), 0, 0, 0, false},
    {"EXIFSTRIP_METRICS_NAMESPACE", "metrics-namespace", "NAME", ES_METRICS_DEFAULT_NAMESPACE, NULL,
     "CloudWatch namespace of the metrics", S_NAMESPACE, S_FIELD(metrics_namespace), 0, 0, false},
    {"EXIFSTRIP_PAYLOAD_SIGNING", "payload-signing", "auto|signed|unsigned", "auto", NULL,
     "uploads always carry a CRC64NVME checksum S3 verifies; unsigned signs them as "
     "UNSIGNED-PAYLOAD instead of hashing every byte with SHA-256; auto = unsigned over https, "
     "signed over plain http",
     S_PAYLOAD_SIGNING, offsetof(es_cfg, payload_signing), 0, 0, 0, false},
};

#define S_NOPTS (sizeof s_opts / sizeof s_opts[0])

static es_err s_bad(es_error *err, const char *label, const char *value, const char *problem)
{
    return es_error_set(err, ES_ERR_CONFIG, "%s=\"%.80s%s\": %s", label, value,
                        strlen(value) > 80 ? "..." : "", problem);
}

es_err es_cfg_parse_int(const char *name, const char *value, long min, long max, long *out, es_error *err)
{
    char problem[96];
    snprintf(problem, sizeof problem, "expected a whole number from %ld to %ld", min, max);
    ES_ENSURE_REF(value);
    errno = 0;
    char *end = NULL;
    long v = strtol(value, &end, 10);
    if (end == value || *end != '\0' || errno == ERANGE || v < min || v > max ||
        isspace((unsigned char)value[0]))
        return s_bad(err, name, value, problem);
    *out = v;
    return ES_OK;
}

static es_err s_parse_bytes(const s_opt *o, const char *label, const char *value, uint64_t *out, es_error *err)
{
    static const struct {
        const char *suffix;
        uint64_t mult;
    } units[] = {{"", 1},
                 {"B", 1},
                 {"K", 1024},
                 {"KB", 1024},
                 {"KiB", 1024},
                 {"M", S_MIB},
                 {"MB", S_MIB},
                 {"MiB", S_MIB},
                 {"G", S_MIB * 1024},
                 {"GB", S_MIB * 1024},
                 {"GiB", S_MIB * 1024}};
    char problem[128];
    snprintf(problem, sizeof problem, "expected %sa size from %lld to %lld bytes (e.g. 8MiB)",
             o->kind == S_TRANSFORM_MEMORY ? "auto or " : "", o->min, o->max);
    if (!isdigit((unsigned char)value[0]))
        return s_bad(err, label, value, problem);
    errno = 0;
    char *end = NULL;
    unsigned long long n = strtoull(value, &end, 10);
    if (errno == ERANGE)
        return s_bad(err, label, value, problem);
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (strcasecmp(end, units[i].suffix) != 0)
            continue;
        if (n > UINT64_MAX / units[i].mult)
            return s_bad(err, label, value, problem);
        uint64_t v = n * units[i].mult;
        if (v < (uint64_t)o->min || v > (uint64_t)o->max)
            return s_bad(err, label, value, problem);
        *out = v;
        return ES_OK;
    }
    return s_bad(err, label, value, problem);
}

static es_err s_parse_url(const char *label, const char *value, char *out, size_t size, es_error *err)
{
    es_err rc = es_url_check_configured(NULL, label, value, err); /* user info is logged with the URL */
    if (rc != ES_OK)
        return rc;
    for (const char *p = value; *p; p++)
        if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7F)
            return s_bad(err, label, value, "URL contains blanks or non-ASCII characters");
    if (strlen(value) >= size)
        return s_bad(err, label, value, "URL is too long");
    memcpy(out, value, strlen(value) + 1);
    return ES_OK;
}

bool es_cfg_bucket_name_valid(const char *name, size_t len)
{
    bool ok = len >= 3 && len <= 255 && isalnum((unsigned char)name[0]) &&
              isalnum((unsigned char)name[len - 1]);
    for (size_t i = 0; ok && i < len; i++)
        ok = isalnum((unsigned char)name[i]) || name[i] == '.' || name[i] == '-' || name[i] == '_';
    return ok;
}

static es_err s_check_bucket(const char *label, const char *full, const char *name, size_t len, es_error *err)
{
    if (!es_cfg_bucket_name_valid(name, len))
        return s_bad(err, label, full, "not a valid bucket name (3 to 255 letters, digits, '.', '-', '_')");
    return ES_OK;
}

/* Splits a comma-separated list into trimmed, non-empty items; calls fn for each. */
typedef es_err (*s_item_fn)(void *ctx, const char *item, size_t len);
static es_err s_split(const char *value, s_item_fn fn, void *ctx)
{
    const char *p = value;
    for (;;) {
        const char *comma = strchr(p, ',');
        const char *end = comma ? comma : p + strlen(p);
        const char *b = p, *e = end;
        while (b < e && isspace((unsigned char)*b))
            b++;
        while (e > b && isspace((unsigned char)e[-1]))
            e--;
        if (e > b)
            ES_GUARD(fn(ctx, b, (size_t)(e - b)));
        if (!comma)
            return ES_OK;
        p = comma + 1;
    }
}

typedef struct s_list_ctx {
    es_cfg *cfg;
    const char *label, *value;
    es_error *err;
} s_list_ctx;

static es_err s_add_bucket(void *vctx, const char *item, size_t len)
{
    s_list_ctx *c = vctx;
    ES_GUARD(s_check_bucket(c->label, c->value, item, len, c->err));
    if (c->cfg->source_bucket_count >= ES_CFG_MAX_SOURCE_BUCKETS)
        return s_bad(c->err, c->label, c->value, "too many buckets (the limit is 64)");
    char *dst = c->cfg->source_buckets[c->cfg->source_bucket_count++];
    memcpy(dst, item, len);
    dst[len] = '\0';
    return ES_OK;
}

static es_err s_add_suffix(void *vctx, const char *item, size_t len)
{
    s_list_ctx *c = vctx;
    if (len >= sizeof c->cfg->suffixes[0])
        return s_bad(c->err, c->label, c->value, "a suffix is longer than 31 bytes");
    if (c->cfg->suffix_count >= ES_CFG_MAX_SUFFIXES)
        return s_bad(c->err, c->label, c->value, "too many suffixes (the limit is 16)");
    char *dst = c->cfg->suffixes[c->cfg->suffix_count++];
    for (size_t i = 0; i < len; i++)
        dst[i] = (char)tolower((unsigned char)item[i]);
    dst[len] = '\0';
    return ES_OK;
}

static es_err s_parse_bool(const char *label, const char *value, bool *out, es_error *err)
{
    return es_flag_parse(value, out) ? ES_OK : s_bad(err, label, value, "expected true or false");
}

/* Parses value into o's field of cfg; label names where the value came from. */
static es_err s_apply(es_cfg *cfg, const s_opt *o, const char *label, const char *value, es_error *err)
{
    void *field = (char *)cfg + o->offset;
    s_list_ctx lc = {cfg, label, value, err};
    long n = 0;
    switch (o->kind) {
    case S_URL: return s_parse_url(label, value, field, o->size, err);
    case S_BUCKET:
        ES_GUARD(s_check_bucket(label, value, value, strlen(value), err));
        snprintf(field, o->size, "%s", value);
        return ES_OK;
    case S_BUCKETS: /* a list naming no bucket must not mean "any bucket" */
        cfg->source_bucket_count = 0;
        ES_GUARD(s_split(value, s_add_bucket, &lc));
        if (cfg->source_bucket_count == 0)
            return s_bad(err, label, value,
                         "at least one bucket is needed (unset, events from any bucket are taken)");
        return ES_OK;
    case S_SUFFIXES:
        cfg->suffix_count = 0;
        ES_GUARD(s_split(value, s_add_suffix, &lc));
        if (cfg->suffix_count == 0)
            return s_bad(err, label, value, "at least one suffix is needed");
        return ES_OK;
    case S_INT:
        ES_GUARD(es_cfg_parse_int(label, value, (long)o->min, (long)o->max, &n, err));
        *(int *)field = (int)n;
        return ES_OK;
    case S_BYTES: return s_parse_bytes(o, label, value, field, err);
    case S_PATH:
        if (strlen(value) >= o->size)
            return s_bad(err, label, value, "path is too long");
        snprintf(field, o->size, "%s", value);
        return ES_OK;
    case S_LOG_FORMAT:
        if (es_log_parse_format(value, field) != ES_OK)
            return s_bad(err, label, value, "expected json or text");
        return ES_OK;
    case S_LOG_LEVEL:
        if (es_log_parse_level(value, field) != ES_OK)
            return s_bad(err, label, value, "expected debug, info, warn or error");
        return ES_OK;
    case S_BOOL: return s_parse_bool(label, value, field, err);
    case S_ORIENTATION:
        if (!es_orient_mode_parse(value, field))
            return s_bad(err, label, value, "expected apply, keep or drop");
        return ES_OK;
    case S_METRICS:
        if (!strcasecmp(value, "emf"))
            *(es_cfg_metrics *)field = ES_CFG_METRICS_EMF;
        else if (!strcasecmp(value, "off"))
            *(es_cfg_metrics *)field = ES_CFG_METRICS_OFF;
        else
            return s_bad(err, label, value, "expected emf or off");
        return ES_OK;
    case S_NAMESPACE:
        if (!es_metrics_namespace_valid(value))
            return s_bad(err, label, value,
                         "expected a CloudWatch namespace: 1..255 of A-Z a-z 0-9 . - _ / # : and "
                         "space, not starting with AWS/");
        snprintf(field, o->size, "%s", value);
        return ES_OK;
    case S_PAYLOAD_SIGNING:
        if (!es_cfg_parse_payload_signing(value, field))
            return s_bad(err, label, value, "expected auto, signed or unsigned");
        return ES_OK;
    case S_AUTO_OR_INT:
        if (!strcasecmp(value, "auto")) {
            *(int *)field = 0;
            return ES_OK;
        }
        if (es_cfg_parse_int(label, value, (long)o->min, (long)o->max, &n, NULL) != ES_OK)
            return s_bad(err, label, value, "expected auto or a whole number from 1 to 1024");
        *(int *)field = (int)n;
        return ES_OK;
    case S_TRANSFORM_MEMORY:
        cfg->transform_memory_auto = !strcasecmp(value, "auto");
        if (cfg->transform_memory_auto) {
            *(uint64_t *)field = es_transform_memory_for_limit(es_transform_memory_limit());
            return ES_OK;
        }
        return s_parse_bytes(o, label, value, field, err);
    case S_PIXELS:
        if (!es_orient_parse_pixels(value, field))
            return s_bad(err, label, value, "expected a positive number of pixels (e.g. 100000000 or 100M)");
        return ES_OK;
    }
    return ES_ERR_INTERNAL;
}

bool es_cfg_parse_payload_signing(const char *value, es_payload_signing *out)
{
    static const struct {
        const char *name;
        es_payload_signing mode;
    } modes[] = {{"auto", ES_PAYLOAD_AUTO}, {"signed", ES_PAYLOAD_SIGNED}, {"unsigned", ES_PAYLOAD_UNSIGNED}};
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++)
        if (!strcasecmp(value, modes[i].name)) {
            *out = modes[i].mode;
            return true;
        }
    return false;
}

void es_cfg_defaults(es_cfg *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    for (size_t i = 0; i < S_NOPTS; i++)
        if (s_opts[i].def)
            (void)s_apply(cfg, &s_opts[i], s_opts[i].env, s_opts[i].def, NULL);
}

static const char *s_default_getenv(void *ctx, const char *name)
{
    (void)ctx;
    return getenv(name);
}

static const s_opt *s_find_flag(const char *name, size_t len)
{
    for (size_t i = 0; i < S_NOPTS; i++)
        if (strlen(s_opts[i].flag) == len && !strncmp(s_opts[i].flag, name, len))
            return &s_opts[i];
    return NULL;
}

/* Records the value of every flag in argv (the last occurrence wins). */
static es_err s_scan_flags(int argc, char **argv, const char *values[S_NOPTS], es_error *err)
{
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i];
        if (strncmp(arg, "--", 2) != 0)
            return es_error_set(err, ES_ERR_INVALID_ARG, "unexpected argument '%.64s'", arg);
        const char *name = arg + 2;
        const char *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        const s_opt *o = s_find_flag(name, len);
        if (!o)
            return es_error_set(err, ES_ERR_INVALID_ARG, "unknown option '--%.*s'",
                                (int)(len > 64 ? 64 : len), name);
        const char *value = eq ? eq + 1 : NULL;
        if (!value && !o->metavar)
            value = "true";
        if (!value) {
            if (i + 1 >= argc)
                return es_error_set(err, ES_ERR_INVALID_ARG, "option '--%s' needs a value (%s)", o->flag,
                                    o->metavar);
            value = argv[++i];
        }
        values[o - s_opts] = value;
    }
    return ES_OK;
}

static const char *s_label(const s_opt *o, bool from_flag, char *buf, size_t size)
{
    if (!from_flag)
        return o->env;
    snprintf(buf, size, "--%s", o->flag);
    return buf;
}

/* Sets o's field from its flag value if given, else its variable, else keeps
 * the default. An empty variable counts as unset, except for a path, where
 * it means "none" (EXIFSTRIP_HEARTBEAT_FILE= turns the heartbeat off). */
static es_err s_resolve(es_cfg *cfg, const s_opt *o, const char *flag_value, es_cfg_getenv_fn getenv_fn,
                        void *getenv_ctx, es_error *err)
{
    char label[64];
    const char *value = flag_value;
    if (!value) {
        value = getenv_fn(getenv_ctx, o->env);
        if (value && !*value && o->kind != S_PATH)
            value = NULL;
    }
    if (value)
        ES_GUARD(s_apply(cfg, o, s_label(o, flag_value != NULL, label, sizeof label), value, err));
    return ES_OK;
}

es_err es_cfg_load_some(es_cfg *cfg, const char *const *names, int argc, char **argv,
                        es_cfg_getenv_fn getenv_fn, void *getenv_ctx, es_error *err)
{
    ES_ENSURE_REF(cfg);
    ES_ENSURE_REF(names);
    const char *flags[S_NOPTS] = {0};
    bool wanted[S_NOPTS] = {0};
    es_cfg_defaults(cfg);
    if (!getenv_fn)
        getenv_fn = s_default_getenv;
    for (size_t n = 0; names[n]; n++)
        for (size_t i = 0; i < S_NOPTS; i++)
            wanted[i] = wanted[i] || !strcmp(s_opts[i].env, names[n]);
    ES_GUARD(s_scan_flags(argc, argv, flags, err));
    for (size_t i = 0; i < S_NOPTS; i++) {
        if (flags[i] && !wanted[i])
            return es_error_set(err, ES_ERR_INVALID_ARG, "unknown option '--%s'", s_opts[i].flag);
        if (wanted[i])
            ES_GUARD(s_resolve(cfg, &s_opts[i], flags[i], getenv_fn, getenv_ctx, err));
    }
    return ES_OK;
}

/* The queue a URL names: its path's last two segments "/<account-id>/<name>"
 * (a trailing '/' ignored) into *id, *len. Requests go to the SQS endpoint
 * whatever host the URL spells (localhost or 127.0.0.1, sqs.<region> or
 * queue.amazonaws.com), so these alone tell two queues apart. false when the
 * path has no two such segments. */
static bool s_queue_id(const char *url, const char **id, size_t *len)
{
    const char *auth = strstr(url, "://");
    const char *path = strchr(auth ? auth + 3 : url, '/');
    if (!path)
        return false;
    size_t end = strcspn(path, "?#");
    while (end > 0 && path[end - 1] == '/')
        end--;
    size_t name = end;
    while (name > 0 && path[name - 1] != '/')
        name--;
    if (name == end || name < 2)
        return false;
    size_t account = name - 1;
    while (account > 0 && path[account - 1] != '/')
        account--;
    if (account == name - 1 || account == 0)
        return false;
    *id = path + account - 1;
    *len = end - (account - 1);
    return true;
}

static bool s_same_queue(const char *a, const char *b)
{
    const char *ia, *ib;
    size_t la, lb;
    if (!s_queue_id(a, &ia, &la) || !s_queue_id(b, &ib, &lb))
        return !strcmp(a, b);
    return la == lb && !memcmp(ia, ib, la);
}

es_err es_cfg_load(es_cfg *cfg, int argc, char **argv, es_cfg_getenv_fn getenv_fn, void *getenv_ctx,
                   es_error *err)
{
    ES_ENSURE_REF(cfg);
    const char *flags[S_NOPTS] = {0};
    es_cfg_defaults(cfg);
    if (!getenv_fn)
        getenv_fn = s_default_getenv;
    ES_GUARD(s_scan_flags(argc, argv, flags, err));
    for (size_t i = 0; i < S_NOPTS; i++) {
        const s_opt *o = &s_opts[i];
        ES_GUARD(s_resolve(cfg, o, flags[i], getenv_fn, getenv_ctx, err));
        if (o->required && *((char *)cfg + o->offset) == '\0')
            return es_error_set(err, ES_ERR_CONFIG, "%s (or --%s) is required: %s", o->env, o->flag, o->help);
    }
    for (size_t i = 0; i < cfg->source_bucket_count; i++)
        if (!strcmp(cfg->source_buckets[i], cfg->dest_bucket))
            return es_error_set(err, ES_ERR_CONFIG,
                                "EXIFSTRIP_SOURCE_BUCKETS: lists the destination bucket '%s' "
                                "(its own output would be processed again)",
                                cfg->dest_bucket);
    if (cfg->dlq_url[0] && s_same_queue(cfg->dlq_url, cfg->queue_url))
        return es_error_set(err, ES_ERR_CONFIG,
                            "EXIFSTRIP_DLQ_URL: must not be the event queue (the same account and queue "
                            "name as EXIFSTRIP_QUEUE_URL; reports would be processed as events)");
    if (cfg->max_object_bytes > cfg->part_size * ES_S3_MAX_PARTS)
        return es_error_set(err, ES_ERR_CONFIG,
                            "EXIFSTRIP_MAX_OBJECT_BYTES: %llu bytes would need more than %d parts "
                            "of EXIFSTRIP_PART_SIZE (%llu bytes)",
                            (unsigned long long)cfg->max_object_bytes, ES_S3_MAX_PARTS,
                            (unsigned long long)cfg->part_size);
    return ES_OK;
}

/* Prints text word-wrapped to 78 columns, every line indented by indent spaces. */
static void s_print_wrapped(FILE *out, int indent, const char *text)
{
    const int width = 78 - indent;
    while (*text) {
        int len = (int)strlen(text);
        int cut = len;
        if (len > width) {
            cut = width;
            while (cut > 0 && text[cut] != ' ')
                cut--;
            if (cut == 0)
                cut = width;
        }
        fprintf(out, "%*s%.*s\n", indent, "", cut, text);
        text += cut;
        while (*text == ' ')
            text++;
    }
}

static bool s_named(const char *const *names, const char *env)
{
    if (!names)
        return true;
    for (size_t n = 0; names[n]; n++)
        if (!strcmp(names[n], env))
            return true;
    return false;
}

void es_cfg_print_help(FILE *out) { es_cfg_print_help_some(out, NULL); }

void es_cfg_print_help_some(FILE *out, const char *const *names)
{
    for (size_t i = 0; i < S_NOPTS; i++) {
        const s_opt *o = &s_opts[i];
        if (!s_named(names, o->env))
            continue;
        char flag[64], text[512];
        snprintf(flag, sizeof flag, "--%s%s%s", o->flag, o->metavar ? " " : "", o->metavar ? o->metavar : "");
        fprintf(out, "  %-28s %s\n", flag, o->env);
        snprintf(text, sizeof text, "%s (%s%s)", o->help,
                 o->def_help ? "" : "default: ", o->def_help ? o->def_help : o->def);
        s_print_wrapped(out, 6, text);
    }
}

bool es_cfg_bucket_allowed(const es_cfg *cfg, const char *bucket)
{
    if (cfg->source_bucket_count == 0)
        return strcmp(bucket, cfg->dest_bucket) != 0;
    for (size_t i = 0; i < cfg->source_bucket_count; i++)
        if (!strcmp(cfg->source_buckets[i], bucket))
            return true;
    return false;
}

bool es_cfg_suffix_matches(const es_cfg *cfg, const char *key)
{
    size_t klen = strlen(key);
    for (size_t i = 0; i < cfg->suffix_count; i++) {
        size_t slen = strlen(cfg->suffixes[i]);
        if (slen <= klen && !strcasecmp(key + klen - slen, cfg->suffixes[i]))
            return true;
    }
    return false;
}
