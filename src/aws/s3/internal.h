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

/* What the spare part buffers may hold beyond the bytes their uploads
 * announced, process-wide, before a spare taken for a smaller upload gives
 * back its pages past that upload's (part_spare.c). */
#define ES_S3_SPARE_EXCESS_CAP ((size_t)2 << 20)
/* The most spares the pool keeps waiting (one per upload running at once:
 * the worker's most threads). */
#define ES_S3_SPARE_POOL_MAX 64

/* The pool of spare part buffers (part_spare.c). take: an empty b gets the
 * waiting spare that fits it best among those that hold need bytes and
 * their NUL and are within b's cap; those that do not fit are freed
 * (growing one would copy bytes nobody needs, keeping it would hold a
 * second part beside the one b allocates afresh). announced: need is the
 * whole upload's size (es_s3_upload_expect): the best is the least resident
 * spare whose resident bytes hold need, else the most resident, and the
 * spare keeps past need only what the other spares' excess leaves under
 * ES_S3_SPARE_EXCESS_CAP (256 KiB at least) and gives back the pages
 * beyond; not announced: the most resident. Returns how many of the spare's
 * first bytes are resident, 0 when b got none. fresh_size: the bytes to
 * reserve in an empty b that got no spare, for need bytes: a whole part (8
 * MiB at least, or need when more; never above b's cap), of which only the
 * pages written become resident, so that as a spare it fits later uploads.
 * keep: b's allocation, touched bytes of it resident, waits in the pool (when
 * it holds ES_S3_SPARE_POOL_MAX, the least resident of them and b goes); b
 * is left empty. excess: the bytes the spares hold beyond their uploads'
 * announced sizes now (a waiting spare's all count). A thread runs one
 * upload at a time: its upload's excess is counted per thread. */
size_t es_s3_spare_take(es_buf *b, size_t need, bool announced);
size_t es_s3_spare_fresh_size(const es_buf *b, size_t need);
void es_s3_spare_keep(es_buf *b, size_t touched);
size_t es_s3_spare_excess(void);
/* How many takes got the spare, process-wide: the tests' view of reuse. */
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
