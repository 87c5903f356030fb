/* s3.h - the S3 operations exifstrip needs, over the signed HTTP layer.
 *
 * GetObject streams the body to a callback; uploads go through es_s3_upload,
 * which sends one PutObject for bodies up to one part and switches to a
 * multipart upload (aborted on failure) beyond that, so memory stays about
 * one part whatever the object size. Keys are raw bytes (UTF-8), encoded here. */
#ifndef ES_AWS_S3_H
#define ES_AWS_S3_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aws/client/config.h"
#include "aws/creds/creds.h"

/* S3's multipart limits: parts per upload, and the size of every part but
 * the last. */
#define ES_S3_MAX_PARTS 10000
#define ES_S3_MIN_PART_SIZE (5ull * 1024u * 1024u)
#define ES_S3_MAX_PART_SIZE (5ull * 1024u * 1024u * 1024u)

typedef struct es_s3_client es_s3_client;

/* Shares creds (acquires a reference). Thread-safe: one client for all threads. */
es_s3_client *es_s3_client_new(const es_aws_config *cfg, es_creds_provider *creds);
/* "https://s3.eu-west-1.amazonaws.com (eu-west-1)": where requests go, for logs. */
void es_s3_client_describe(const es_s3_client *c, char *out, size_t cap);
void es_s3_client_free(es_s3_client *c);

/* The ETag etag[0..len) without the double quotes S3 puts around it (when
 * both are there): its first byte in *bare, its length returned. exifstrip
 * records and compares ETags bare (the job adds the quotes for If-Match). */
size_t es_s3_etag_bare(const char *etag, size_t len, const char **bare);

/* The source object an exifstrip output was made from, recorded as user
 * metadata: x-amz-meta-exifstrip-source-bucket, -source-etag (without
 * quotes), -source-version-id and -source-sequencer (the S3 event's; a
 * sequencer orders events of one key in one bucket only). With the write id
 * and the rules (es_s3_write_options) it is the only user metadata exifstrip
 * writes. Empty fields are not written; HEAD/GET fill them from the headers
 * ("" if absent: copies written before the bucket was recorded have none). */
typedef struct es_s3_source_id {
    char bucket[256];
    char etag[128];
    char version_id[1025];
    char sequencer[128];
} es_s3_source_id;

/* A checksum S3 stores with an object (x-amz-checksum-*), returned when the
 * request asks for it (x-amz-checksum-mode: ENABLED). */
typedef struct es_s3_checksum {
    char algorithm[16]; /* "CRC64NVME", "CRC32C", "CRC32", "SHA1", "SHA256"; "" = none */
    char value[64];     /* base64, as S3 sends it ("...-N" for a composite checksum) */
    char type[16];      /* "FULL_OBJECT", "COMPOSITE" or "" (not stated) */
    bool checked;       /* a full-object checksum (CRC or SHA) the GET checks the body against */
} es_s3_checksum;

/* An object's length and full-object CRC-64/NVME (base64, as S3 states it):
 * what a write that would not change it is compared with. */
typedef struct es_s3_same_as {
    uint64_t length;
    char crc64nvme[16];
} es_s3_same_as;

typedef struct es_s3_object_info {
    uint64_t content_length;
    bool has_content_length; /* the answer named one (S3 always does; a chunked answer may not) */
    char etag[128];          /* with quotes, as S3 returns it */
    char content_type[128];
    char version_id[256];
    es_s3_source_id source;  /* exifstrip's metadata, when the object has it */
    char write_id[64];       /* x-amz-meta-exifstrip-write-id: the write that made it ("" if absent) */
    char rules[16];          /* x-amz-meta-exifstrip-rules: the rules that made it ("" if absent) */
    es_s3_checksum checksum; /* GET with checksum_mode, es_s3_head_object_checksum only */
} es_s3_object_info;

/* Fills same from info (a HEAD with checksum mode); false when info states
 * no full-object CRC-64/NVME or no length. */
bool es_s3_same_as_of(const es_s3_object_info *info, es_s3_same_as *same);

/* How a write may replace what the key holds (S3 conditional writes) and the
 * source identity to record. A failed condition is ES_ERR_PRECONDITION (412)
 * or, for if_match on a key that no longer exists, ES_ERR_NOT_FOUND; S3 may
 * also answer 409 ConditionalRequestConflict (ES_ERR_CLIENT, HTTP 409) when a
 * concurrent write won. */
typedef struct es_s3_write_options {
    const char *if_match;             /* the ETag (with quotes) the key must still have, or NULL */
    bool if_none_match;               /* the key must not exist yet (If-None-Match: *) */
    const es_s3_source_id *source;    /* written as x-amz-meta-exifstrip-source-*, or NULL */
    const char *write_id;             /* written as x-amz-meta-exifstrip-write-id, or NULL: tells the
                                      object this write made from any other write of the same source */
    const char *rules;                /* written as x-amz-meta-exifstrip-rules, or NULL: the generation of
                                         the rules that made the object (exifstrip/rules.h) */
    const es_s3_same_as *unless_same; /* or NULL: an upload whose whole body fits one PutObject and
                                         has this length and CRC-64/NVME is not sent at all
                                         (es_s3_upload_unchanged) */
} es_s3_write_options;

/* Called with the object's headers once, before any body bytes (may be NULL). */
typedef es_err (*es_s3_head_fn)(void *ctx, const es_s3_object_info *info);
/* Called with successive body bytes; a non-OK return aborts the transfer. */
typedef es_err (*es_s3_body_fn)(void *ctx, const uint8_t *data, size_t len);

typedef struct es_s3_get_options {
    const char *version_id; /* NULL = latest */
    const char *if_match;   /* ETag the object must still have, or NULL */
    /* Ask for the stored checksum (x-amz-checksum-mode: ENABLED). When S3
     * returns a full-object CRC (CRC64NVME, CRC32C or CRC32) the body is
     * checked against it as it streams; a mismatch fails the GET with
     * ES_ERR_NETWORK (a corrupted transfer: retry the whole object) after the
     * last byte was delivered, so the caller must not publish what it made
     * of the body before es_s3_get_object returned ES_OK. */
    bool checksum_mode;
    es_s3_head_fn on_head;
    es_s3_body_fn on_body;
    void *ctx;
} es_s3_get_options;

/* 404 -> ES_ERR_NOT_FOUND, 412 -> ES_ERR_PRECONDITION. Retries restart the body
 * from the beginning only if no byte was delivered yet; otherwise the transient
 * error is returned so the caller can start over. */
ES_MUST_USE es_err es_s3_get_object(es_s3_client *c, const char *bucket, const char *key,
                                    const es_s3_get_options *opt, es_aws_result *res);
ES_MUST_USE es_err es_s3_head_object(es_s3_client *c, const char *bucket, const char *key,
                                     es_s3_object_info *info, es_aws_result *res);
/* The same with x-amz-checksum-mode: ENABLED: info->checksum holds the
 * checksum S3 stores with the object (reading it from an SSE-KMS object
 * needs kms:Decrypt). */
ES_MUST_USE es_err es_s3_head_object_checksum(es_s3_client *c, const char *bucket, const char *key,
                                              es_s3_object_info *info, es_aws_result *res);
/* Tests and tooling (the worker uploads through es_s3_upload). */
ES_MUST_USE es_err es_s3_put_object(es_s3_client *c, const char *bucket, const char *key, const uint8_t *body,
                                    size_t len, const char *content_type, es_aws_result *res);
/* PutObject with conditions and source metadata (opt may be NULL). */
ES_MUST_USE es_err es_s3_put_object_with(es_s3_client *c, const char *bucket, const char *key,
                                         const uint8_t *body, size_t len, const char *content_type,
                                         const es_s3_write_options *opt, es_aws_result *res);
/* DeleteObject without a condition (tests and tooling): a missing key is no error. */
ES_MUST_USE es_err es_s3_delete_object(es_s3_client *c, const char *bucket, const char *key,
                                       es_aws_result *res);
/* S3's conditional delete: if_match (with quotes, or NULL for none) is the
 * ETag the key must still have. A changed object is ES_ERR_PRECONDITION
 * (412; a concurrent write may also give HTTP 409), a key that no longer
 * exists ES_ERR_NOT_FOUND (404). The worker's delete propagation uses it. */
ES_MUST_USE es_err es_s3_delete_object_if(es_s3_client *c, const char *bucket, const char *key,
                                          const char *if_match, es_aws_result *res);

/* ListObjectsV2, one page (`exifstrip backfill` lists the source bucket with
 * it). Keys and ETags (without quotes, "" when absent) are returned in
 * malloc'd arrays of malloc'd strings (free with es_s3_list_free).
 * next_token is "" when the listing ended. A page whose next_token is the
 * continuation it was asked with (an endpoint that would make the listing
 * loop forever) fails the call with ES_ERR_PROTOCOL, its message naming the
 * bucket, the prefix and the token; the page is then empty. */
/* Continuation tokens are opaque and grow with the page's last key: the one
 * after a 1024-byte key (S3's longest) takes about 1400 characters of base64
 * (the emulator's and S3's alike). A longer one fails the page. */
#define ES_S3_MAX_CONTINUATION_TOKEN 4096
typedef struct es_s3_list_page {
    char **keys;
    uint64_t *sizes;
    char **etags;
    size_t count;
    char next_token[ES_S3_MAX_CONTINUATION_TOKEN];
} es_s3_list_page;
ES_MUST_USE es_err es_s3_list_objects(es_s3_client *c, const char *bucket, const char *prefix,
                                      const char *continuation, es_s3_list_page *page, es_aws_result *res);
/* ListObjectsV2's parameters; NULL or "" / 0 leave one out. */
typedef struct es_s3_list_options {
    const char *prefix;
    const char *start_after;  /* list keys after this one (S3 ignores it with a continuation) */
    const char *continuation; /* the previous page's next_token */
    int max_keys;             /* 1..1000; 0 = S3's default (1000) */
} es_s3_list_options;
ES_MUST_USE es_err es_s3_list_objects_with(es_s3_client *c, const char *bucket, const es_s3_list_options *opt,
                                           es_s3_list_page *page, es_aws_result *res);
void es_s3_list_free(es_s3_list_page *page);
/* Whether S3 says bucket does not exist (404 NoSuchBucket to a one-key
 * ListObjectsV2; res holds its answer). False for any other outcome, a
 * refusal or a failure included: only a definite "no such bucket" is one. */
bool es_s3_bucket_missing(es_s3_client *c, const char *bucket, es_aws_result *res);

/* Uploads carry x-amz-checksum-crc64nvme (S3 verifies it and stores it; a
 * mismatch is ES_ERR_CLIENT, HTTP 400 BadDigest). Multipart uploads use a
 * full-object CRC64NVME: each part is sent with its own CRC and the
 * completion with every part's and the whole object's. With
 * EXIFSTRIP_PAYLOAD_SIGNING resolving to unsigned (config.h), PutObject and
 * UploadPart bodies are signed as UNSIGNED-PAYLOAD.
 *
 * A part that was uploaded: its ETag, CRC-64/NVME and length. */
typedef struct es_s3_part {
    char etag[128];
    uint64_t crc;
    uint64_t len;
} es_s3_part;

/* Multipart primitives. opt (may be NULL): create sends its source metadata,
 * complete its conditions (S3 checks them when the upload completes). An
 * upload that is never completed or aborted (the process was killed) stays
 * open and billed until the bucket's AbortIncompleteMultipartUpload lifecycle
 * rule removes it. */
ES_MUST_USE es_err es_s3_multipart_create(es_s3_client *c, const char *bucket, const char *key,
                                          const char *content_type, const es_s3_write_options *opt,
                                          char *upload_id, size_t upload_id_size, es_aws_result *res);
/* Fills *part on success. */
ES_MUST_USE es_err es_s3_multipart_upload_part(es_s3_client *c, const char *bucket, const char *key,
                                               const char *upload_id, int part_number, const uint8_t *body,
                                               size_t len, es_s3_part *part, es_aws_result *res);
/* parts[i] is part i+1. A 200 reply carrying <Error> is a failure. */
ES_MUST_USE es_err es_s3_multipart_complete(es_s3_client *c, const char *bucket, const char *key,
                                            const char *upload_id, const es_s3_part *parts, int part_count,
                                            const es_s3_write_options *opt, es_aws_result *res);
ES_MUST_USE es_err es_s3_multipart_abort(es_s3_client *c, const char *bucket, const char *key,
                                         const char *upload_id, es_aws_result *res);

/* Streaming upload: write any amount, then finish (or abort). Bodies up to
 * part_size go out as one PutObject at finish; larger ones as multipart with
 * parts of part_size (ES_S3_MIN_PART_SIZE..ES_S3_MAX_PART_SIZE). opt (may be NULL; it and what it points to
 * must outlive the upload) gives the conditions of the final write and the
 * user metadata, the source identity and the write id: the only user
 * metadata ever sent. */
typedef struct es_s3_upload es_s3_upload;
es_s3_upload *es_s3_upload_new(es_s3_client *c, const char *bucket, const char *key, const char *content_type,
                               size_t part_size, const es_s3_write_options *opt);
ES_MUST_USE es_err es_s3_upload_write(es_s3_upload *u, const uint8_t *data, size_t len, es_aws_result *res);
/* Like write, but the bytes are lent, not copied: the caller keeps them
 * valid and unchanged until u is freed (through finish, resend or abort).
 * Lent bytes that continue the previous lent ones (one contiguous range,
 * nothing written before) go out as slices of that range: each part, or the
 * lone PutObject, with its CRC computed over the slice, and no part buffer
 * is taken (es_s3_upload_expect must not be called then). Otherwise, and
 * for anything written after them, they are copied as by write. */
ES_MUST_USE es_err es_s3_upload_lend(es_s3_upload *u, const uint8_t *data, size_t len, es_aws_result *res);
/* A hint before the first write: about `bytes` will be written. The buffer
 * is allocated for that much at once (at most one part; below 256 KiB, 256
 * KiB so that it serves the thread's later uploads) instead of growing by
 * doubling, which would copy the body and fault in fresh pages several
 * times, and the pages those bytes go to are mapped in one call rather than
 * faulted in one by one as it fills (those a spare's earlier upload wrote
 * are resident already). Best effort: a failed allocation is left to the
 * writes. */
void es_s3_upload_expect(es_s3_upload *u, uint64_t bytes);
ES_MUST_USE es_err es_s3_upload_finish(es_s3_upload *u, es_aws_result *res);
/* Milliseconds u has spent so far creating its multipart upload and sending
 * parts: writes that fill a part send it before they return, so a caller
 * timing its own input (a GET feeding the upload) leaves this time out. */
uint64_t es_s3_upload_sending_ms(const es_s3_upload *u);
/* Whether a conditional write's result (rc and res of a PutObject or
 * CompleteMultipartUpload) says the condition was lost to another writer:
 * 412, 409, or 404 NoSuchKey (the object the condition named is gone). A
 * missing bucket (404 NoSuchBucket) is not: nothing there to re-check. */
bool es_s3_write_condition_lost(es_err rc, const es_aws_result *res);
/* Whether u's finish sent nothing because its whole body, one part, has the
 * length and CRC-64/NVME the write options' unless_same names (the key
 * already holds it). False for NULL. */
bool es_s3_upload_unchanged(const es_s3_upload *u);
/* Whether u's finish was a single PutObject that lost its condition
 * (es_s3_write_condition_lost; the body was at most one part), its body
 * kept for es_s3_upload_resend. False for NULL. */
bool es_s3_upload_resendable(const es_s3_upload *u);
/* After a finish whose single PutObject lost its condition
 * (es_s3_upload_resendable): sends the same body again, on the
 * conditions the write options (the caller's, which it may have changed)
 * hold now, with finish's results. ES_ERR_INVALID_ARG for any other upload. */
ES_MUST_USE es_err es_s3_upload_resend(es_s3_upload *u, es_aws_result *res);
/* Aborts a started multipart upload (best effort) and frees u; accepts NULL. */
void es_s3_upload_abort(es_s3_upload *u);
/* Frees u after finish; accepts NULL. */
void es_s3_upload_free(es_s3_upload *u);
/* A finished or freed upload leaves its part buffer (at most one part) to a
 * later upload on any thread, a spare in the process's pool: no fresh pages
 * to map, populate and zero per object. An upload takes the spare that fits
 * it best: the least resident one whose resident pages hold all the bytes it
 * announced (es_s3_upload_expect), else the most resident one. A spare that
 * does not fit the upload that looks at it is freed. A spare taken for a
 * smaller announced upload keeps past that upload's bytes only what leaves
 * the spares' excess (what they hold beyond the sizes announced, a waiting
 * spare counting whole) under 2 MiB, 256 KiB at least, and gives back its
 * pages beyond. One upload at a time per thread.
 * release_spare frees the most resident waiting spare (call it when a
 * thread goes idle while others work), release_spares every waiting one
 * (when the process goes idle). spare_bytes: the waiting spares' capacity,
 * 0 if none; spare_resident: how many of their first bytes were written
 * (their resident pages), 0 if none; spares_kept: how many buffers have
 * entered the pool since the process started (a count that only grows, so a
 * caller sees that a spare was kept even after it has been released). */
void es_s3_upload_release_spare(void);
void es_s3_upload_release_spares(void);
size_t es_s3_upload_spare_bytes(void);
size_t es_s3_upload_spare_resident(void);
size_t es_s3_upload_spares_kept(void);

#endif
