/* config.h - AWS client configuration resolved from the environment the way
 * the AWS SDKs do it, and the result record every S3/SQS call fills in.
 *
 * Endpoints: AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL_SQS > AWS_ENDPOINT_URL >
 * the profile's services section > its endpoint_url > the regional AWS
 * endpoint (all but the last ignored when AWS_IGNORE_CONFIGURED_ENDPOINT_URLS,
 * else the profile's ignore_configured_endpoint_urls, is true). Region:
 * AWS_REGION > AWS_DEFAULT_REGION > the profile's region. Path-style S3 addressing for custom endpoints or when
 * EXIFSTRIP_S3_PATH_STYLE=1. Retries: AWS_MAX_ATTEMPTS (default 3). */
#ifndef ES_AWS_CONFIG_H
#define ES_AWS_CONFIG_H

#include <stdbool.h>

#include "aws/creds/creds.h"
#include "exifstrip/error.h"

/* How S3 request bodies are protected (EXIFSTRIP_PAYLOAD_SIGNING). Uploads
 * always carry x-amz-checksum-crc64nvme, which S3 verifies and stores; with
 * UNSIGNED the signature covers "UNSIGNED-PAYLOAD" instead of the body's
 * SHA-256 (TLS and the CRC protect the bytes), saving a SHA-256 pass over
 * every uploaded byte. AUTO: unsigned over https, signed over plain http. */
typedef enum es_payload_signing {
    ES_PAYLOAD_AUTO = 0,
    ES_PAYLOAD_SIGNED,
    ES_PAYLOAD_UNSIGNED
} es_payload_signing;

/* Endpoints a setting asks for that exifstrip does not pick itself. */
typedef enum es_aws_endpoint_variant {
    ES_AWS_ENDPOINT_STANDARD = 0,
    ES_AWS_ENDPOINT_FIPS,     /* AWS_USE_FIPS_ENDPOINT / use_fips_endpoint = true */
    ES_AWS_ENDPOINT_DUALSTACK /* AWS_USE_DUALSTACK_ENDPOINT / use_dualstack_endpoint = true */
} es_aws_endpoint_variant;

typedef struct es_aws_config {
    char region[64];
    char s3_endpoint[512];  /* "" = regional AWS endpoint */
    char sqs_endpoint[512]; /* "" = regional AWS endpoint */
    bool s3_path_style;
    int max_attempts;                   /* total attempts per call, >= 1 */
    long connect_timeout_ms;            /* default 3000 */
    long low_speed_time_s;              /* abort a transfer slower than 1 byte/s for this long (default 30) */
    char ca_bundle[512];                /* AWS_CA_BUNDLE, "" = system default */
    es_payload_signing payload_signing; /* set by the worker's settings; AUTO by default */
    es_aws_endpoint_variant endpoint_variant;
    const char *endpoint_variant_setting; /* what asked for it: "AWS_USE_FIPS_ENDPOINT", "use_fips_endpoint", ... */
    es_creds_endpoints_ignored endpoints_ignored; /* whether configured endpoints are ignored, and why */
} es_aws_config;

/* Fills cfg from the environment. ES_ERR_CONFIG (naming the variable) when a
 * value is malformed or no region can be found. */
ES_MUST_USE es_err es_aws_config_from_env(es_aws_config *cfg, es_error *err);

/* ES_ERR_CONFIG (naming the setting and the variable to set) when cfg's
 * endpoint_variant asks for an endpoint exifstrip does not pick and service
 * ("s3" or "sqs") has none configured: it would reach the standard AWS
 * endpoint instead. Checked at start for each service a command uses. */
ES_MUST_USE es_err es_aws_config_check_endpoint(const es_aws_config *cfg, const char *service, es_error *err);

/* Outcome of one S3/SQS operation (after retries). code is ES_OK on success;
 * otherwise message holds the root cause. Never contains secrets. */
typedef struct es_aws_result {
    es_err code;
    long http_status;  /* last HTTP status, 0 if no response */
    char aws_code[64]; /* e.g. "NoSuchKey", "SlowDown", "AWS.SimpleQueueService.NonExistentQueue" */
    char message[256];
    char request_id[128]; /* x-amz-request-id / x-amzn-RequestId */
    int attempts;
    bool answer_too_large; /* the answer's body was over the request's max_response (ES_ERR_PROTOCOL) */
} es_aws_result;

void es_aws_result_clear(es_aws_result *r);

/* Why a call failed, for a message: "<es_strerror(rc)>: HTTP 403 AccessDenied:
 * <text>" when the service answered; res's message alone when it did not, or
 * when the transport failed after the answer began (the message starts with
 * es_strerror(rc) already); es_strerror(rc) when res has no message. */
void es_aws_result_describe(const es_aws_result *res, es_err rc, char *out, size_t cap);

#endif
