/* internal.h - what the S3 source files (operations.c, url.c, upload.c) and the
 * tests (including tests/support/s3_admin.c) share: request targets (virtual-hosted or
 * path-style) and the one helper every S3 operation goes through. */
#ifndef ES_AWS_S3_INTERNAL_H
#define ES_AWS_S3_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "aws/client/client.h"
#include "common/buf.h"
#include "aws/s3/s3.h"

#define ES_S3_MAX_KEY_BYTES 1024
#define ES_S3_LIST_MAX_RESPONSE (16u << 20)

/* True when bucket can be a DNS label set on <bucket>.s3.<region>.amazonaws.com:
 * 3-63 characters of a-z 0-9 '-' '.', starting and ending alphanumeric, not an
 * IP address, no ".." - and no dots at all over https (the wildcard
 * certificate covers one label only). */
bool es_s3_bucket_virtual_ok(const char *bucket, bool https);

/* Where a request for (bucket, key) goes: host prefix "bucket." or NULL, and
 * the raw path "/key" or "/bucket/key" (bucket operations: key NULL). */
typedef struct es_s3_target {
    char *host_prefix;
    char *path;
} es_s3_target;

ES_MUST_USE es_err es_s3_target_make(const es_s3_client *c, const char *bucket, const char *key,
                                     es_s3_target *t);
void es_s3_target_clean(es_s3_target *t);
/* The full URL of (bucket, key, encoded query); malloc'd, NULL on error. */
char *es_s3_url(const es_s3_client *c, const char *bucket, const char *key, const char *query);

/* The spare part buffers (part_spare.c). take: an empty b gets the thread's
 * spare, or for need of 256 KiB and more the shared one, when it holds need
 * bytes and is within b's cap; a spare that does not fit is freed (growing
 * it would copy bytes nobody needs, keeping it would hold a second part
 * beside the one b allocates afresh). Returns how many of the spare's first
 * bytes were written before (resident), 0 when b got none. fresh_size: the
 * bytes to reserve in an empty b that got no spare, for need bytes: 256 KiB
 * (less its NUL) below that, so that the buffer then fits any later
 * upload's as the thread's spare (pages never written are not resident),
 * else need; never above b's cap. keep: b's allocation, touched bytes of
 * it written, becomes the thread's spare up to 256 KiB, the shared one up to
 * 8 MiB (either slot keeps the larger of two; a larger buffer is freed), b
 * is left empty. */
size_t es_s3_spare_take(es_buf *b, size_t need);
size_t es_s3_spare_fresh_size(const es_buf *b, size_t need);
void es_s3_spare_keep(es_buf *b, size_t touched);
/* How many takes got a spare (either kind), process-wide: the tests' view of reuse. */
size_t es_s3_spare_reuses(void);

/* The signed-call core (tests set retry hooks on it). */
es_aws_client *es_s3_client_core(es_s3_client *c);

/* Fills req's host prefix and path for (bucket, key) and performs it. */
ES_MUST_USE es_err es_s3_call(es_s3_client *c, const char *bucket, const char *key, es_aws_request *req,
                              es_http_response *resp, es_aws_result *res);

/* es_s3_put_object_with and es_s3_multipart_upload_part with the body's
 * CRC-64/NVME already known (upload.c computes it while the bytes are copied
 * in, when they are still in cache, instead of in a second pass over the
 * part). body_crc must be es_crc_update(ES_CRC64NVME, 0, body, len). */
ES_MUST_USE es_err es_s3_put_object_crc(es_s3_client *c, const char *bucket, const char *key,
                                        const uint8_t *body, size_t len, uint64_t body_crc,
                                        const char *content_type, const es_s3_write_options *opt,
                                        es_aws_result *res);
ES_MUST_USE es_err es_s3_multipart_upload_part_crc(es_s3_client *c, const char *bucket, const char *key,
                                                   const char *upload_id, int part_number,
                                                   const uint8_t *body, size_t len, uint64_t body_crc,
                                                   es_s3_part *part, es_aws_result *res);

#endif
