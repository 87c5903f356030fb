/* job_transfer.h - internal to the job: streams one source object through the
 * stripper into a conditional upload to the destination bucket. */
#ifndef ES_WORKER_JOB_TRANSFER_H
#define ES_WORKER_JOB_TRANSFER_H

#include <stdbool.h>

#include "worker/job.h"

/* What a write that found B changed leaves for the next attempt: the
 * stripped body of a single PutObject, and what it would have reported (the
 * write may have landed after all, its answer lost: job.c asks B).
 * Zero-initialised; freed with es_job_kept_free. */
typedef struct es_job_kept {
    es_s3_upload *upload;         /* NULL: no body kept */
    es_orient_stripper *stripper; /* a turned photo's: it lends upload its body (else NULL) */
    bool sent;                    /* a write was sent and found B changed: res holds its stripped outcome's
                             bytes, removed summary and orientation note */
    es_job_result res;
} es_job_kept;

/* GETs obj (pinned by its version id, else If-Match on its ETag), strips it
 * and writes it to cfg->dest_bucket under the same key on wopt's condition,
 * recording wopt's source identity. Fills res's outcome, bytes, removed
 * summary, orientation note and request id. A photo to be turned whose
 * share of the transform memory is not free when its frame is read is
 * waited for holding nothing and read again. Returns true when the
 * conditional write found B changed (the caller re-checks B), else false.
 * unchecked: wopt was not decided from a HEAD of B, so the output must go
 * out as one PutObject: an object (by its Content-Length) or an output
 * larger than one part is not written, and true is returned (check B first).
 * A write that found B changed leaves in kept what it would have reported
 * (kept->sent), and a single PutObject its body: called
 * again with it (and wopt, which the upload reads, updated by the re-check)
 * it sends that body again, without another GET (the caller frees kept
 * first when A must be read again: job.c). wopt must live as long. */
bool es_job_transfer(const es_job_env *env, const es_job_object *obj, const es_s3_write_options *wopt,
                     bool unchecked, es_job_kept *kept, es_job_result *res);

/* Installs deadline_ms (es_clock_ms time; 0: none) as the calling thread's
 * HTTP deadline (es_http_set_thread_deadline): a job's requests end at its
 * age limit however slowly their answers come. */
void es_job_http_deadline(uint64_t deadline_ms);
/* When res is a retry (not a shutdown's) and the thread's HTTP deadline has
 * passed, a request was stopped by it: res becomes an abandoned job's retry
 * (released at once) whose reason names the age limit limit_s. */
void es_job_abandon_past_deadline(const es_cfg *cfg, uint64_t limit_s, es_job_result *res);

/* Frees what kept holds (accepts an empty one). */
void es_job_kept_free(es_job_kept *kept);

/* Sets why to "object is N bytes, more than EXIFSTRIP_MAX_OBJECT_BYTES (M)"
 * (ES_ERR_TOO_LARGE) and returns that code. */
es_err es_job_too_large(const es_cfg *cfg, uint64_t size, es_error *why);

#endif
