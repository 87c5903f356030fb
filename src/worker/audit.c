/* audit.c - es_audit_run (audit.h): the listing thread feeds keys into a
 * small bounded queue, `concurrency` threads take them, GET each object
 * through es_jpeg_audit (the stripper's parse-only pass, so what counts as
 * metadata is what the worker removes; like the worker's, the GET asks for
 * S3's stored checksum, and a body that fails it is read again, never
 * judged), HEAD the counterpart in the source bucket when asked (judged by
 * the worker's own ordering rule), and report through the caller's callbacks
 * under one lock, the running summary after each page and each object (with
 * count_ahead, its total from list_count.h). */
#include "worker/audit.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exifstrip/orient.h"
#include "worker/config.h"
#include "worker/list_count.h"
#include "worker/ordering.h"

#define S_QUEUE_PER_THREAD 4
/* a GET cut after bytes were delivered, or failing its checksum, starts over this often */
#define S_GET_ATTEMPTS 3

static const char *const s_kind_names[ES_AUDIT_KIND_COUNT] = {
    [ES_AUDIT_METADATA] = "metadata", [ES_AUDIT_NOT_JPEG] = "not-jpeg", [ES_AUDIT_BAD_JPEG] = "invalid-jpeg",
    [ES_AUDIT_ORPHAN] = "orphan",     [ES_AUDIT_OUTDATED] = "outdated", [ES_AUDIT_UNRECORDED] = "unrecorded",
};

const char *es_audit_kind_name(es_audit_kind kind)
{
    return (unsigned)kind < ES_AUDIT_KIND_COUNT ? s_kind_names[kind] : "unknown";
}

bool es_audit_is_orientation_tag(const es_jpeg_stats *st)
{
    return st->removed_count[ES_JPEG_KIND_EXIF] == 1 &&
           st->removed_bytes[ES_JPEG_KIND_EXIF] == ES_ORIENT_TAG_SEGMENT_LEN && st->exif_orientation != 0 &&
           !st->exif_has_gps && !st->exif_has_thumbnail;
}

/* A listed key waiting for a thread (the key is malloc'd). */
typedef struct s_queued {
    char *key;
    uint64_t size; /* as listed */
} s_queued;

typedef struct s_audit {
    es_s3_client *s3;
    const es_audit_options *opt;
    es_audit_summary *sum;
    pthread_mutex_t mu; /* queue, summary and callbacks */
    pthread_cond_t not_empty, not_full;
    s_queued *queue;
    size_t cap, head, count;
    bool listing_done;
    es_list_counter *counter; /* count_ahead, or NULL */
} s_audit;

/* ---- reporting (callers hold mu) ----------------------------------------- */

static void s_error(s_audit *a, const char *key, const char *fmt, ...) ES_PRINTF(3, 4);
static void s_error(s_audit *a, const char *key, const char *fmt, ...)
{
    char what[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    if (key)
        a->sum->errors++;
    if (a->opt->on_error)
        a->opt->on_error(a->opt->ctx, key, what);
}

static void s_progress(s_audit *a)
{
    es_audit_summary *s = a->sum;
    es_list_counter_settle(a->counter, s->listing_done, s->objects, s->bytes, &s->total_known,
                           &s->total_objects, &s->total_bytes);
    if (a->opt->on_progress)
        a->opt->on_progress(a->opt->ctx, a->sum);
}

static void s_finding(s_audit *a, const es_audit_finding *f)
{
    a->sum->findings[f->kind]++;
    if (a->opt->on_finding)
        a->opt->on_finding(a->opt->ctx, f);
}

/* ---- one object ------------------------------------------------------------ */

typedef struct s_object {
    es_s3_object_info info;
    es_jpeg_audit *jpeg;
    es_err judged; /* the stripper's refusal: ends the transfer early unless checked */
    bool checked;  /* the GET checks the body against S3's full-object CRC */
    uint64_t delivered;
} s_object;

static es_err s_on_head(void *ctx, const es_s3_object_info *info)
{
    s_object *o = ctx;
    o->info = *info;
    o->checked = info->checksum.checked;
    return ES_OK;
}

static es_err s_on_body(void *ctx, const uint8_t *data, size_t len)
{
    s_object *o = ctx;
    o->delivered += len;
    if (o->judged != ES_OK)
        return ES_OK; /* read on for the checksum */
    es_err rc = es_jpeg_audit_feed(o->jpeg, data, len);
    if (rc != ES_OK) {
        o->judged = rc;
        /* A body damaged in transit can look like a broken JPEG: with a
         * checksum to check, the rest is read and the checksum decides
         * whether the refusal stands; without one it is enough to judge. */
        return o->checked ? ES_OK : ES_ERR_CANCELLED;
    }
    return ES_OK;
}

/* GETs key into a fresh audit in o. Returns ES_OK when the stream was judged
 * (read to the end and intact as far as S3's checksum tells, or refused
 * early with no checksum to check), else the GET's error with res filled: a
 * body that fails its checksum (ES_ERR_NETWORK) is read again, like a cut
 * one, and whatever was made of it is not kept. */
static es_err s_read_object(s_audit *a, const char *key, s_object *o, es_aws_result *res)
{
    es_err rc = ES_ERR_INTERNAL;
    es_aws_result_clear(res);
    for (int attempt = 1; attempt <= S_GET_ATTEMPTS; attempt++) {
        es_jpeg_audit_free(o->jpeg);
        memset(o, 0, sizeof *o);
        o->jpeg = es_jpeg_audit_new(&a->opt->policy);
        if (!o->jpeg)
            return ES_ERR_NOMEM;
        es_s3_get_options get = {.checksum_mode = true, .on_head = s_on_head, .on_body = s_on_body, .ctx = o};
        es_aws_result_clear(res);
        rc = es_s3_get_object(a->s3, a->opt->bucket, key, &get, res);
        if (rc == ES_OK || (o->judged != ES_OK && !o->checked))
            return ES_OK;
        /* Transient failures after some bytes are returned to the caller: start over. */
        if (es_err_category(rc) != ES_CAT_TRANSIENT || o->delivered == 0)
            return rc;
    }
    return rc;
}

static void s_strip_quotes(const char *in, char *out, size_t cap)
{
    const char *bare;
    size_t n = es_s3_etag_bare(in, strlen(in), &bare);
    if (n >= cap)
        n = cap - 1;
    memcpy(out, bare, n);
    out[n] = '\0';
}

es_audit_kind es_audit_compare_source(const es_s3_object_info *copy, const char *etag, const char *version_id)
{
    if (!copy->source.etag[0] && !copy->source.version_id[0])
        return ES_AUDIT_UNRECORDED;
    return es_copy_is_of(copy, etag ? etag : "", version_id) ? ES_AUDIT_KIND_COUNT : ES_AUDIT_OUTDATED;
}

/* The source's current object under key (outside the lock). */
typedef struct s_source {
    es_err rc;
    es_s3_object_info info;
    es_aws_result res;
    char etag[128]; /* info.etag without quotes */
} s_source;

static void s_head_source(s_audit *a, const char *key, s_source *src)
{
    es_aws_result_clear(&src->res);
    memset(&src->info, 0, sizeof src->info);
    src->rc = es_s3_head_object(a->s3, a->opt->source_bucket, key, &src->info, &src->res);
    s_strip_quotes(src->info.etag, src->etag, sizeof src->etag);
}

/* Reports how B's copy compares with its source (caller holds mu). */
static void s_report_source(s_audit *a, const char *key, const s_object *o, const s_source *src,
                            es_audit_finding *f)
{
    char why[400];
    if (src->rc == ES_ERR_NOT_FOUND) {
        f->kind = ES_AUDIT_ORPHAN;
        s_finding(a, f);
        return;
    }
    if (src->rc != ES_OK) {
        es_aws_result_describe(&src->res, src->rc, why, sizeof why);
        s_error(a, key, "HEAD s3://%s/%s failed: %s", a->opt->source_bucket, key, why);
        return;
    }
    f->recorded = &o->info.source;
    f->source_etag = src->etag;
    f->source_version_id = src->info.version_id;
    f->kind = es_audit_compare_source(&o->info, src->info.etag, src->info.version_id);
    if (f->kind != ES_AUDIT_KIND_COUNT)
        s_finding(a, f);
}

/* Reports what the stripper's inspection found (caller holds mu); returns
 * whether the object holds the worker's orientation-only Exif. */
static bool s_report_jpeg(s_audit *a, const es_jpeg_audit_result *r, es_audit_finding *f)
{
    es_jpeg_audit_item items[ES_JPEG_AUDIT_MAX_ITEMS];
    size_t n = es_jpeg_audit_items(r, items), kept = 0;
    bool orientation_tag = r->status == ES_OK && es_audit_is_orientation_tag(&r->stats);
    for (size_t i = 0; i < n; i++) /* the worker's own orientation tag is not a finding */
        if (!(orientation_tag && !strcmp(items[i].name, es_jpeg_kind_name(ES_JPEG_KIND_EXIF))))
            items[kept++] = items[i];
    if (r->status != ES_OK) {
        f->kind = r->status == ES_ERR_JPEG_NOT_JPEG || r->status == ES_ERR_JPEG_EMPTY ? ES_AUDIT_NOT_JPEG
                                                                                      : ES_AUDIT_BAD_JPEG;
        f->reason = r->reason;
        s_finding(a, f);
    } else if (kept > 0) {
        f->kind = ES_AUDIT_METADATA;
        f->items = items;
        f->item_count = kept;
        for (size_t i = 0; i < kept; i++) {
            for (int k = 0; k < ES_JPEG_KIND_COUNT; k++)
                if (!strcmp(items[i].name, es_jpeg_kind_name((es_jpeg_kind)k)))
                    a->sum->by_kind[k]++;
            a->sum->gps += !strcmp(items[i].name, ES_JPEG_ITEM_GPS);
            a->sum->exif_thumbnail += !strcmp(items[i].name, ES_JPEG_ITEM_EXIF_THUMBNAIL);
            a->sum->icc_text += !strcmp(items[i].name, ES_JPEG_ITEM_ICC_TEXT);
        }
        s_finding(a, f);
    }
    f->items = NULL;
    f->item_count = 0;
    f->reason = NULL;
    return orientation_tag;
}

static uint64_t s_total_findings(const es_audit_summary *sum)
{
    uint64_t n = 0;
    for (int k = 0; k < ES_AUDIT_KIND_COUNT; k++)
        n += sum->findings[k];
    return n;
}

/* Whether o is judged against --source: there is one, and the copy records
 * no source bucket or that one (a copy of another source bucket's object
 * under the same key is neither an orphan nor outdated there). */
static bool s_judged_by_source(const s_audit *a, const s_object *o)
{
    const char *recorded = o->info.source.bucket;
    return a->opt->source_bucket && (!recorded[0] || !strcmp(recorded, a->opt->source_bucket));
}

/* Reads key and its source's identity without the lock, then reports under it. */
static void s_audit_key(s_audit *a, const char *key, uint64_t listed_size)
{
    s_object o = {0};
    s_source src = {.rc = ES_OK};
    es_aws_result res;
    es_jpeg_audit_result r;
    char why[400];
    es_err rc = s_read_object(a, key, &o, &res);
    if (rc == ES_OK) {
        (void)es_jpeg_audit_finish(o.jpeg, &r);
        if (s_judged_by_source(a, &o))
            s_head_source(a, key, &src);
    }
    es_jpeg_audit_free(o.jpeg);
    pthread_mutex_lock(&a->mu);
    if (rc == ES_ERR_NOT_FOUND) {
        a->sum->vanished++; /* deleted since it was listed: nothing left to audit */
    } else if (rc != ES_OK) {
        es_aws_result_describe(&res, rc, why, sizeof why);
        s_error(a, key, "GET s3://%s/%s failed: %s", a->opt->bucket, key, why);
    } else {
        uint64_t before = s_total_findings(a->sum), errors = a->sum->errors;
        es_audit_finding f = {.key = key, .size = o.info.content_length, .etag = o.info.etag};
        bool orientation_tag = s_report_jpeg(a, &r, &f);
        if (s_judged_by_source(a, &o))
            s_report_source(a, key, &o, &src, &f);
        if (s_total_findings(a->sum) > before) {
            a->sum->with_findings++;
        } else if (a->sum->errors == errors) {
            a->sum->clean++;
            a->sum->orientation_tags += orientation_tag;
        }
    }
    a->sum->settled++;
    a->sum->settled_bytes += listed_size;
    s_progress(a);
    pthread_mutex_unlock(&a->mu);
}

/* ---- the pool --------------------------------------------------------------- */

static void *s_thread(void *arg)
{
    s_audit *a = arg;
    for (;;) {
        pthread_mutex_lock(&a->mu);
        while (a->count == 0 && !a->listing_done)
            pthread_cond_wait(&a->not_empty, &a->mu);
        if (a->count == 0) {
            pthread_mutex_unlock(&a->mu);
            return NULL;
        }
        s_queued item = a->queue[a->head];
        a->head = (a->head + 1) % a->cap;
        a->count--;
        pthread_cond_signal(&a->not_full);
        pthread_mutex_unlock(&a->mu);
        s_audit_key(a, item.key, item.size);
        free(item.key);
    }
}

/* Hands item over to the threads (takes the key), waiting while the queue is full. */
static void s_push(s_audit *a, s_queued item)
{
    pthread_mutex_lock(&a->mu);
    while (a->count == a->cap)
        pthread_cond_wait(&a->not_full, &a->mu);
    a->queue[(a->head + a->count) % a->cap] = item;
    a->count++;
    pthread_cond_signal(&a->not_empty);
    pthread_mutex_unlock(&a->mu);
}

/* Lists every page and queues each key; returns the listing's error, if any. */
/* An empty object whose key ends in '/': a folder the S3 console made, no
 * photo to audit (one with a body is audited like any object). */
static bool s_folder_marker(const char *key, uint64_t size)
{
    size_t n = strlen(key);
    return size == 0 && n > 0 && key[n - 1] == '/';
}

static es_err s_list(s_audit *a)
{
    char token[sizeof((es_s3_list_page *)0)->next_token] = "";
    do {
        es_s3_list_page page;
        es_aws_result res;
        char why[400];
        es_aws_result_clear(&res);
        es_s3_list_options list = {.prefix = a->opt->prefix,
                                   .continuation = token,
                                   .max_keys = a->opt->page_size};
        es_err rc = es_s3_list_objects_with(a->s3, a->opt->bucket, &list, &page, &res);
        if (rc != ES_OK) {
            es_aws_result_describe(&res, rc, why, sizeof why);
            pthread_mutex_lock(&a->mu);
            s_error(a, NULL, "ListObjectsV2 s3://%s/%s failed: %s", a->opt->bucket,
                    a->opt->prefix ? a->opt->prefix : "", why);
            pthread_mutex_unlock(&a->mu);
            return rc;
        }
        pthread_mutex_lock(&a->mu); /* the page counts before its keys are done */
        for (size_t i = 0; i < page.count; i++) {
            a->sum->objects++;
            a->sum->bytes += page.sizes ? page.sizes[i] : 0;
            if (s_folder_marker(page.keys[i], page.sizes ? page.sizes[i] : 0)) {
                a->sum->folders++;
                a->sum->settled++;
                free(page.keys[i]);
                page.keys[i] = NULL;
            }
        }
        a->sum->listing_done = !page.next_token[0];
        s_progress(a);
        pthread_mutex_unlock(&a->mu);
        for (size_t i = 0; i < page.count; i++) {
            if (page.keys[i])
                s_push(a, (s_queued){page.keys[i], page.sizes ? page.sizes[i] : 0});
            page.keys[i] = NULL;
        }
        memcpy(token, page.next_token, sizeof token);
        es_s3_list_free(&page);
    } while (token[0]);
    return ES_OK;
}

es_err es_audit_run(es_s3_client *s3, const es_audit_options *opt, es_audit_summary *sum)
{
    ES_ENSURE(s3 && opt && sum && opt->bucket, ES_ERR_INVALID_ARG);
    ES_ENSURE(opt->concurrency >= 1 && opt->concurrency <= ES_CFG_MAX_CONCURRENCY, ES_ERR_INVALID_ARG);
    memset(sum, 0, sizeof *sum);
    s_audit a = {.s3 = s3, .opt = opt, .sum = sum};
    es_aws_result res;
    es_aws_result_clear(&res);
    if (opt->source_bucket && es_s3_bucket_missing(s3, opt->source_bucket, &res)) {
        /* else every copy would be reported an orphan, a finding to delete */
        s_error(&a, NULL, "the source bucket s3://%s does not exist (%s): no copy is audited against it",
                opt->source_bucket, res.message);
        return ES_ERR_NOT_FOUND;
    }
    a.cap = (size_t)opt->concurrency * S_QUEUE_PER_THREAD;
    a.queue = calloc(a.cap, sizeof *a.queue);
    pthread_t threads[ES_CFG_MAX_CONCURRENCY];
    int started = 0;
    if (!a.queue)
        return ES_ERR_NOMEM;
    pthread_mutex_init(&a.mu, NULL);
    pthread_cond_init(&a.not_empty, NULL);
    pthread_cond_init(&a.not_full, NULL);
    if (opt->count_ahead) /* without it, the total is known when the listing ends */
        a.counter = es_list_counter_start(
            &(es_list_count_opts){.s3 = s3, .bucket = opt->bucket, .prefix = opt->prefix});
    while (started < opt->concurrency && pthread_create(&threads[started], NULL, s_thread, &a) == 0)
        started++;
    es_err rc = started > 0 ? s_list(&a) : ES_ERR_NOMEM;
    pthread_mutex_lock(&a.mu);
    a.listing_done = true;
    pthread_cond_broadcast(&a.not_empty);
    pthread_mutex_unlock(&a.mu);
    for (int i = 0; i < started; i++)
        pthread_join(threads[i], NULL);
    es_list_counter_free(a.counter); /* a count still running ends at once */
    pthread_cond_destroy(&a.not_full);
    pthread_cond_destroy(&a.not_empty);
    pthread_mutex_destroy(&a.mu);
    free(a.queue);
    return rc;
}
