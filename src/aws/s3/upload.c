/* upload.c - the streaming uploader of s3.h. Writes fill one part-sized
 * buffer; when it is full and more data comes, a multipart upload is started
 * (once) and the buffer goes out as the next part. finish() sends a lone
 * buffer as a single PutObject, otherwise the last part and the completion.
 * The write options' conditions go on that final request (PutObject or
 * CompleteMultipartUpload), their source metadata on the request that creates
 * the object; a lone PutObject whose condition failed may be sent again
 * (resend) on the conditions the caller has set since. Any failure after the
 * multipart upload was created aborts it (best effort). A process killed
 * mid-upload cannot: its upload stays open, billed
 * and invisible, until bucket B's AbortIncompleteMultipartUpload lifecycle rule
 * removes it (README, "Bucket B"). Memory stays about one part; the buffer
 * is a spare an earlier upload left when one fits (part_spare.c). The pages
 * the first bytes will be written to are populated in one call when the part
 * starts (s_part_start), those an earlier upload wrote excepted.
 * Each part's CRC-64/NVME is computed piece by piece as the bytes are copied in.
 * Lent bodies (es_s3_upload_lend: bytes that stay valid until the upload is
 * freed) are not copied: as long as what is lent is one contiguous range
 * and nothing was written, each part, and a lone PutObject, is a slice of
 * it (its CRC computed over the slice when it is sent), and no part buffer
 * is taken. Anything else written after lent bytes copies them into the
 * part first, as if they had been written. */
#include "aws/s3/s3.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/http/http.h"
#include "aws/s3/internal.h"
#include "common/buf.h"
#include "common/crc.h"
#include "common/log.h"
#include "common/pages.h"

#define S_STR_(x) #x
#define S_STR(x) S_STR_(x) /* the value of a macro as a string literal */

enum s_state { S_OPEN, S_DONE, S_FAILED };

struct es_s3_upload {
    es_s3_client *c;
    char *bucket, *key, *content_type;
    const es_s3_write_options *opt; /* the caller's, may be NULL */
    size_t part_size;
    es_buf part;         /* the part being filled, capped at part_size */
    size_t part_touched; /* its first bytes written or populated: their pages are resident */
    const uint8_t *lent; /* lent bytes not yet sent as a part (lent_len of them), part empty */
    size_t lent_len;
    uint64_t part_crc;    /* CRC-64/NVME of part's bytes, kept up as they are copied in */
    char upload_id[1024]; /* "" until a multipart upload exists */
    es_s3_part *parts;    /* the ones uploaded so far */
    uint64_t sending_ms; /* spent creating the multipart upload and sending parts (es_s3_upload_sending_ms) */
    int part_count;
    enum s_state state;
    bool resendable; /* finish's lone PutObject failed its condition: the body is kept */
    bool unchanged;  /* finish sent nothing: the key holds these bytes (opt->unless_same) */
};

static char *s_dup(const char *s) { return s ? strdup(s) : NULL; }

es_s3_upload *es_s3_upload_new(es_s3_client *c, const char *bucket, const char *key, const char *content_type,
                               size_t part_size, const es_s3_write_options *opt)
{
    if (!c || !bucket || !key || part_size < ES_S3_MIN_PART_SIZE || part_size > ES_S3_MAX_PART_SIZE)
        return NULL;
    es_s3_upload *u = calloc(1, sizeof *u);
    if (!u)
        return NULL;
    u->c = c;
    u->opt = opt;
    u->part_size = part_size;
    es_buf_init(&u->part, part_size);
    u->bucket = s_dup(bucket);
    u->key = s_dup(key);
    u->content_type = s_dup(content_type);
    if (!u->bucket || !u->key || (content_type && !u->content_type)) {
        es_s3_upload_free(u);
        return NULL;
    }
    return u;
}

static es_err s_fail(es_s3_upload *u, es_err code, es_aws_result *res, const char *why)
{
    u->state = S_FAILED;
    if (res && res->code == ES_OK) { /* no request failed: none is named (not the last that succeeded) */
        res->code = code;
        res->http_status = 0;
        res->aws_code[0] = res->request_id[0] = '\0';
        snprintf(res->message, sizeof res->message, "upload: %s", why);
    }
    return code;
}

/* Gives the empty part its buffer for its first `want` bytes: the spare
 * that fits best when one fits, else a fresh one (es_s3_spare_fresh_size:
 * reserved for a whole part, so that as a spare it serves later uploads).
 * Then fills in
 * the page tables of the pages those bytes and es_buf's NUL will be written
 * to with one call (common/pages.h) instead of one page fault per 4 KiB as
 * the part fills,
 * except the pages an earlier upload already wrote (resident). Whatever
 * the size: on the VM of issue 11 a fault cost ~9 us, a populated page
 * ~4 us with its zeroing and the call ~1.3 us, so even a 1-page part gains.
 * Only pages that will be written: the rest of the capacity stays unmapped
 * (and the madvise call is skipped when the spare's are resident). A failed
 * allocation is left to the writes. Transparent huge pages (MADV_HUGEPAGE
 * on a 2 MiB-aligned part) were measured and left out: in a VM that reports
 * free memory to its host (Firecracker, as on Fargate) a free 2 MiB block
 * has usually been handed back, so zeroing a huge page faults the host in
 * 512 times; a 68 MB photo then cost 94-148 ms of CPU instead of 87-97. */
static void s_part_start(es_s3_upload *u, size_t want, bool announced)
{
    u->part_touched = es_s3_spare_take(&u->part, want, announced);
    if (!u->part.data && es_buf_reserve(&u->part, es_s3_spare_fresh_size(&u->part, want)) != ES_OK) {
        es_buf_reset(&u->part); /* not a failed buffer: the writes try again */
        return;
    }
    size_t end = want + 1; /* the bytes and the NUL */
    if (end > u->part_touched) {
        (void)es_pages_populate_written(u->part.bytes + u->part_touched, end - u->part_touched);
        u->part_touched = end;
    }
}

void es_s3_upload_expect(es_s3_upload *u, uint64_t bytes)
{
    if (!u || u->state != S_OPEN || u->part.cap || bytes == 0)
        return;
    s_part_start(u, bytes < u->part_size ? (size_t)bytes : u->part_size, true);
}

/* Sends len bytes as the next part (starting the multipart upload first). */
static es_err s_send_part_now(es_s3_upload *u, const uint8_t *bytes, size_t len, uint64_t crc,
                              es_aws_result *res)
{
    if (!u->upload_id[0])
        ES_GUARD(es_s3_multipart_create(u->c, u->bucket, u->key, u->content_type, u->opt, u->upload_id,
                                        sizeof u->upload_id, res));
    if (u->part_count >= ES_S3_MAX_PARTS)
        return s_fail(u, ES_ERR_TOO_LARGE, res, "more than " S_STR(ES_S3_MAX_PARTS) " parts");
    es_s3_part *parts = realloc(u->parts, (size_t)(u->part_count + 1) * sizeof *parts);
    if (!parts)
        return s_fail(u, ES_ERR_NOMEM, res, "out of memory");
    u->parts = parts;
    ES_GUARD(es_s3_multipart_upload_part_crc(u->c, u->bucket, u->key, u->upload_id, u->part_count + 1, bytes,
                                             len, crc, &u->parts[u->part_count], res));
    u->part_count++;
    return ES_OK;
}

/* Sends one part (creating the multipart upload first if needed), timed. */
static es_err s_send_part(es_s3_upload *u, const uint8_t *bytes, size_t len, uint64_t crc, es_aws_result *res)
{
    uint64_t start = es_http_now_ms();
    es_err rc = s_send_part_now(u, bytes, len, crc, res);
    u->sending_ms += es_http_now_ms() - start;
    return rc;
}

uint64_t es_s3_upload_sending_ms(const es_s3_upload *u) { return u ? u->sending_ms : 0; }

/* Sends the first n lent bytes as the next part. */
static es_err s_send_lent(es_s3_upload *u, size_t n, es_aws_result *res)
{
    ES_GUARD(s_send_part(u, u->lent, n, es_crc_update(ES_CRC64NVME, 0, u->lent, n), res));
    u->lent += n;
    u->lent_len -= n;
    return ES_OK;
}

/* Sends the buffer, or the lent bytes, as the next part (whole). */
static es_err s_flush_part(es_s3_upload *u, es_aws_result *res)
{
    if (u->lent_len)
        return s_send_lent(u, u->lent_len, res);
    ES_GUARD(s_send_part(u, u->part.bytes, u->part.len, u->part_crc, res));
    es_buf_reset(&u->part);
    u->part_crc = 0;
    return ES_OK;
}

/* Runs even when the thread's transfers are being cancelled (shutdown) or
 * its deadline has passed (an abandoned job): the cancel token and the
 * deadline are suspended for this one cleanup request, which is bounded by
 * the client's own timeouts, so no orphaned parts stay billed. One that fails
 * is logged: its parts stay billed until the bucket's lifecycle rule
 * (AbortIncompleteMultipartUpload) removes them, and only the log says so.
 * One answered 404 (NoSuchUpload) had nothing left to abort: the upload was
 * completed (its answer lost) or already aborted; not a failure, and not
 * tried again. */
static void s_abort_multipart(es_s3_upload *u)
{
    if (!u->upload_id[0])
        return;
    const atomic_int *token = es_http_set_thread_cancel(NULL);
    uint64_t deadline = es_http_set_thread_deadline(0);
    es_aws_result r;
    es_err rc = es_s3_multipart_abort(u->c, u->bucket, u->key, u->upload_id, &r);
    es_http_set_thread_deadline(deadline);
    es_http_set_thread_cancel(token);
    if (rc == ES_OK) {
        u->upload_id[0] = '\0';
        return;
    }
    char why[ES_ERRBUF_SIZE];
    es_aws_result_describe(&r, rc, why, sizeof why);
    if (rc == ES_ERR_NOT_FOUND) { /* NoSuchUpload, or the bucket gone: no part stays billed */
        ES_LOG(ES_LOG_DEBUG, "s3.abort_nothing_left", ES_LF_STR("bucket", u->bucket),
               ES_LF_STR("key", u->key), ES_LF_STR("upload_id", u->upload_id), ES_LF_STR("reason", why));
        u->upload_id[0] = '\0';
        return;
    }
    ES_LOG(ES_LOG_WARN, "s3.abort_failed", ES_LF_STR("bucket", u->bucket), ES_LF_STR("key", u->key),
           ES_LF_STR("upload_id", u->upload_id), ES_LF_STR("reason", why),
           ES_LF_STR("note", "its parts stay until the bucket's AbortIncompleteMultipartUpload lifecycle rule "
                             "removes them"));
    u->upload_id[0] = '\0'; /* tried with the client's retries: the free's safety net does not send it again */
}

/* Copies data into the part, sending each full one when more follows. */
static es_err s_copy_in(es_s3_upload *u, const uint8_t *data, size_t len, es_aws_result *res)
{
    while (len > 0) {
        if (u->part.len == u->part_size) {
            es_err rc = s_flush_part(u, res);
            if (rc != ES_OK) {
                s_abort_multipart(u);
                return s_fail(u, rc, res, "part upload failed");
            }
        }
        size_t n = u->part_size - u->part.len;
        if (n > len)
            n = len;
        if (!u->part.data)
            s_part_start(u, n, false);
        size_t cap = u->part.cap;
        /* grows geometrically up to part_size (without a hint past 256 KiB) */
        es_err rc = es_buf_append(&u->part, data, n);
        if (rc != ES_OK) {
            s_abort_multipart(u);
            return s_fail(u, rc, res, "out of memory");
        }
        if (u->part.cap != cap) /* moved: only what was copied or written is known */
            u->part_touched = 0;
        if (u->part.len >= u->part_touched)
            u->part_touched = u->part.len + 1;
        /* the copy, still in cache, rather than a second pass over the part */
        u->part_crc = es_crc_update(ES_CRC64NVME, u->part_crc, u->part.bytes + u->part.len - n, n);
        data += n;
        len -= n;
    }
    return ES_OK;
}

/* Lent bytes not yet sent go into the part, as if they had been written. */
static es_err s_copy_lent(es_s3_upload *u, es_aws_result *res)
{
    const uint8_t *lent = u->lent;
    size_t n = u->lent_len;
    u->lent = NULL;
    u->lent_len = 0;
    return s_copy_in(u, lent, n, res);
}

/* The checks common to write and lend; clears res. */
static es_err s_check_open(es_s3_upload *u, const uint8_t *data, size_t len, es_aws_result *res, const char *op)
{
    if (res)
        es_aws_result_clear(res);
    if (!u || (!data && len))
        return es_aws_bad_arg(res, op);
    if (u->state != S_OPEN)
        return s_fail(u, ES_ERR_INVALID_ARG, res, "write after finish or failure");
    return ES_OK;
}

es_err es_s3_upload_write(es_s3_upload *u, const uint8_t *data, size_t len, es_aws_result *res)
{
    ES_GUARD(s_check_open(u, data, len, res, "upload write"));
    if (u->lent_len && len)
        ES_GUARD(s_copy_lent(u, res));
    return s_copy_in(u, data, len, res);
}

es_err es_s3_upload_lend(es_s3_upload *u, const uint8_t *data, size_t len, es_aws_result *res)
{
    ES_GUARD(s_check_open(u, data, len, res, "upload lend"));
    if (len == 0)
        return ES_OK;
    if (u->part.len || (u->lent_len && data != u->lent + u->lent_len))
        return es_s3_upload_write(u, data, len, res); /* not one range: copied */
    if (!u->lent_len)
        u->lent = data;
    u->lent_len += len;
    while (u->lent_len > u->part_size) { /* a full part is sent once more follows, as written ones */
        es_err rc = s_send_lent(u, u->part_size, res);
        if (rc != ES_OK) {
            s_abort_multipart(u);
            return s_fail(u, rc, res, "part upload failed");
        }
    }
    return ES_OK;
}

bool es_s3_write_condition_lost(es_err rc, const es_aws_result *res)
{
    if (rc == ES_ERR_PRECONDITION || (res && res->http_status == 409))
        return true;
    return rc == ES_ERR_NOT_FOUND && !(res && strcmp(res->aws_code, "NoSuchBucket") == 0);
}

/* Whether a lone body of len bytes and this CRC is what opt->unless_same
 * says the key holds. */
static bool s_same_as(const es_s3_write_options *opt, size_t len, uint64_t crc)
{
    if (!opt || !opt->unless_same || opt->unless_same->length != len)
        return false;
    char text[13];
    es_crc_base64(ES_CRC64NVME, crc, text);
    return strcmp(text, opt->unless_same->crc64nvme) == 0;
}

bool es_s3_upload_unchanged(const es_s3_upload *u) { return u && u->state == S_DONE && u->unchanged; }

es_err es_s3_upload_finish(es_s3_upload *u, es_aws_result *res)
{
    if (res)
        es_aws_result_clear(res);
    if (!u)
        return es_aws_bad_arg(res, "upload");
    if (u->state != S_OPEN)
        return s_fail(u, ES_ERR_INVALID_ARG, res, "finish after finish or failure");
    es_err rc;
    if (!u->upload_id[0]) { /* one PutObject: of the lent bytes (kept for a resend) or of the part */
        bool lent = u->lent_len > 0;
        const uint8_t *body = lent ? u->lent : u->part.bytes;
        size_t len = lent ? u->lent_len : u->part.len;
        uint64_t crc = lent ? es_crc_update(ES_CRC64NVME, 0, body, len) : u->part_crc;
        u->unchanged = s_same_as(u->opt, len, crc);
        rc = u->unchanged
                 ? ES_OK
                 : es_s3_put_object_crc(u->c, u->bucket, u->key, body, len, crc, u->content_type, u->opt, res);
        u->resendable = es_s3_write_condition_lost(rc, res);
    } else {
        /* A multipart upload exists, so the buffer (or the lent bytes) holds the last (non-empty) part. */
        rc = u->part.len || u->lent_len ? s_flush_part(u, res) : ES_OK;
        if (rc == ES_OK)
            rc = es_s3_multipart_complete(u->c, u->bucket, u->key, u->upload_id, u->parts, u->part_count,
                                          u->opt, res);
        if (rc == ES_OK)
            u->upload_id[0] = '\0';
        else
            s_abort_multipart(u);
    }
    if (rc != ES_OK)
        return s_fail(u, rc, res, "finish failed");
    u->state = S_DONE;
    es_s3_spare_keep(&u->part, u->part_touched);
    return ES_OK;
}

bool es_s3_upload_resendable(const es_s3_upload *u) { return u && u->state == S_FAILED && u->resendable; }

es_err es_s3_upload_resend(es_s3_upload *u, es_aws_result *res)
{
    if (res)
        es_aws_result_clear(res);
    if (!es_s3_upload_resendable(u))
        return es_aws_bad_arg(res, "upload resend");
    u->state = S_OPEN;
    return es_s3_upload_finish(u, res);
}

void es_s3_upload_free(es_s3_upload *u)
{
    if (!u)
        return;
    s_abort_multipart(u); /* safety net: do not leave an unfinished multipart upload open */
    free(u->parts);
    es_s3_spare_keep(&u->part, u->part_touched);
    free(u->bucket);
    free(u->key);
    free(u->content_type);
    free(u);
}

void es_s3_upload_abort(es_s3_upload *u)
{
    es_s3_upload_free(u); /* which aborts a started multipart upload */
}
