/* config.h - the worker's configuration: every setting comes from an
 * EXIFSTRIP_* environment variable or the matching --flag (flags win), is
 * validated before any request is made, and a bad or missing value yields
 * ES_ERR_CONFIG with a message naming the variable or flag. One table in
 * config.c drives parsing, validation and `exifstrip worker --help`. */
#ifndef ES_WORKER_CONFIG_H
#define ES_WORKER_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "aws/client/config.h"
#include "common/log.h"
#include "exifstrip/error.h"
#include "exifstrip/orient.h"

#define ES_CFG_MAX_SOURCE_BUCKETS 64
#define ES_CFG_MAX_SUFFIXES 16
/* Worker threads; also the capacity of the pool's queue (pool.c). */
#define ES_CFG_MAX_CONCURRENCY 64

typedef enum es_cfg_metrics { ES_CFG_METRICS_EMF = 0, ES_CFG_METRICS_OFF } es_cfg_metrics;

typedef struct es_cfg {
    char queue_url[1024];
    char dest_bucket[256];
    char source_buckets[ES_CFG_MAX_SOURCE_BUCKETS][256]; /* empty list: any but dest_bucket */
    size_t source_bucket_count;
    char suffixes[ES_CFG_MAX_SUFFIXES][32]; /* lower-case, matched case-insensitively */
    size_t suffix_count;
    char dlq_url[1024];     /* "" = refused inputs are only logged */
    int concurrency;        /* worker threads, 1..64 */
    int visibility_timeout; /* seconds; also the heartbeat's extension */
    uint64_t max_object_bytes;
    uint64_t part_size;         /* multipart part size, >= 5 MiB */
    int wait_seconds;           /* SQS long-poll, 0..20 */
    int shutdown_grace;         /* seconds in-flight jobs get after SIGTERM */
    uint64_t min_transfer_rate; /* bytes/s a GET must average over min_transfer_window */
    int min_transfer_window;    /* seconds */
    int max_job_seconds;        /* 0 = ES_JOB_AGE_BASE_S + size / ES_JOB_AGE_BYTES_PER_S */
    char heartbeat_file[1024];  /* "" = no heartbeat file */
    es_log_format log_format;
    es_log_level log_level;
    bool drain;                 /* exit 0 once the queue stays empty */
    es_orient_mode orientation; /* apply (default), keep or drop */
    uint64_t max_pixels;        /* apply keeps the tag of larger photos */
    uint64_t transform_memory;  /* bytes all concurrent transforms may hold together */
    bool transform_memory_auto; /* ...set by "auto" from the memory limit (transform_budget.h) */
    int transform_concurrency;  /* transforms at once; 0 = auto (the usable CPUs) */
    bool propagate_deletes;     /* an ObjectRemoved event deletes B's copy made from that source */
    es_cfg_metrics metrics;     /* EMF records in the JSON log (worker/metrics.h), or off */
    char metrics_namespace[256];
    es_payload_signing payload_signing; /* copied into the S3 client's es_aws_config */
} es_cfg;

/* Looks up an environment variable; NULL means unset. */
typedef const char *(*es_cfg_getenv_fn)(void *ctx, const char *name);

void es_cfg_defaults(es_cfg *cfg);

/* Fills cfg from defaults, the environment (via getenv_fn, or getenv() when
 * NULL) and args (argc options such as "--concurrency 8" or "--drain", NOT
 * starting with the subcommand name). Returns ES_OK, ES_ERR_CONFIG (a value
 * is bad or a required one is missing; err names the variable or flag) or
 * ES_ERR_INVALID_ARG (unknown option or missing option argument: a usage
 * error). An empty variable counts as unset, except EXIFSTRIP_HEARTBEAT_FILE
 * (a path), where empty means "none". "--help" is not handled here. */
ES_MUST_USE es_err es_cfg_load(es_cfg *cfg, int argc, char **argv, es_cfg_getenv_fn getenv_fn,
                               void *getenv_ctx, es_error *err);

/* Like es_cfg_load for the settings named in names (their variables, a
 * NULL-terminated list) only: the others keep their defaults, nothing is
 * required and settings are not checked against each other; a flag of
 * another setting is an unknown option (ES_ERR_INVALID_ARG). For commands
 * that share a few of the worker's settings, such as `exifstrip health`. */
ES_MUST_USE es_err es_cfg_load_some(es_cfg *cfg, const char *const *names, int argc, char **argv,
                                    es_cfg_getenv_fn getenv_fn, void *getenv_ctx, es_error *err);

/* "auto", "signed" or "unsigned" (any case) into *out; false otherwise. */
bool es_cfg_parse_payload_signing(const char *value, es_payload_signing *out);

/* Prints the option/variable table for `exifstrip worker --help`. */
void es_cfg_print_help(FILE *out);
/* The same for the settings named in names (their variables, a
 * NULL-terminated list, as es_cfg_load_some takes); NULL = all. */
void es_cfg_print_help_some(FILE *out, const char *const *names);

/* Whether events from bucket are processed: it is in the allowlist, or the
 * allowlist is empty and bucket is not the destination. */
bool es_cfg_bucket_allowed(const es_cfg *cfg, const char *bucket);
/* Whether name[0..len) has the shape of a bucket name: 3..255 of [A-Za-z0-9._-],
 * starting and ending with a letter or digit (S3's current rules plus legacy
 * names). Used for settings and for the bucket names in events. */
bool es_cfg_bucket_name_valid(const char *name, size_t len);
/* Whether key ends with one of the configured suffixes (case-insensitive). */
bool es_cfg_suffix_matches(const es_cfg *cfg, const char *key);

/* Parses a whole decimal integer in [min, max]; ES_ERR_CONFIG naming `name`. */
ES_MUST_USE es_err es_cfg_parse_int(const char *name, const char *value, long min, long max, long *out,
                                    es_error *err);

#endif
