/* lossless.h - the DCT-domain transform behind es_orient_transform, on
 * libjpeg-turbo's jpeglib API (internal to src/orient). */
#ifndef ES_ORIENT_LOSSLESS_H
#define ES_ORIENT_LOSSLESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "exifstrip/error.h"
#include "exifstrip/orient.h"

/* What one es_orient_lossless has allocated while it runs (its libjpeg-turbo
 * objects, buffers and sparse source), reachable from the slot its caller
 * passes (NULL again whenever it returns). A caller that may leave it by a
 * longjmp past it (a SIGBUS handler's: lent input truncated meanwhile) keeps
 * the slot where the jump does not pop it and afterwards releases it with
 * es_orient_lossless_abandon (transform.c). */
typedef struct es_orient_lossless_job es_orient_lossless_job;

/* Transforms a whole JPEG (SOI..EOI) by op, trimming the partial edge MCUs
 * the operation would move, written progressive when progressive is set:
 * the bytes tjTransform gives with TJXOPT_TRIM | TJXOPT_COPYNONE (and
 * TJXOPT_PROGRESSIVE), TJFLAG_LIMITSCANS | TJFLAG_STOPONWARNING, including the
 * library's own JFIF/Adobe segment and its refusals (any warning, over 500
 * scans, sampling factors TurboJPEG does not name). The destination's
 * coefficients are produced row by row from the source's while they are
 * encoded, so only the source's coefficient array is held. *out is a block
 * of common/block_cache.h (freed with es_block_free); it is set only when
 * the transform succeeds, and job is released by then. */
es_err es_orient_lossless(const uint8_t *jpeg, size_t len, es_orient_op op, bool progressive, uint8_t **out,
                          size_t *out_len, es_orient_lossless_job **job, es_error *err);

/* Releases what a transform left by a longjmp past it had allocated; the
 * slot is NULL afterwards (nothing happens when it already was). */
void es_orient_lossless_abandon(es_orient_lossless_job **job);

#endif
