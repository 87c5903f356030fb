/* lossless.h - the DCT-domain transform behind es_orient_transform, on
 * libjpeg-turbo's jpeglib API (internal to src/orient). */
#ifndef ES_ORIENT_LOSSLESS_H
#define ES_ORIENT_LOSSLESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "exifstrip/error.h"
#include "exifstrip/orient.h"

/* Transforms a whole JPEG (SOI..EOI) by op, trimming the partial edge MCUs
 * the operation would move, written progressive when progressive is set:
 * the bytes tjTransform gives with TJXOPT_TRIM | TJXOPT_COPYNONE (and
 * TJXOPT_PROGRESSIVE), TJFLAG_LIMITSCANS | TJFLAG_STOPONWARNING, including the
 * library's own JFIF/Adobe segment and its refusals (any warning, over 500
 * scans, sampling factors TurboJPEG does not name). The destination's
 * coefficients are produced row by row from the source's while they are
 * encoded, so only the source's coefficient array is held. *out is malloc'd. */
es_err es_orient_lossless(const uint8_t *jpeg, size_t len, es_orient_op op, bool progressive, uint8_t **out,
                          size_t *out_len, es_error *err);

#endif
