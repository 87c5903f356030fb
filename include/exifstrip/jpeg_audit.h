/* jpeg_audit.h - the privacy audit of one JPEG stream (`exifstrip audit`):
 * the stripper itself run in parse-only mode with the caller's policy, so the
 * audit judges exactly what `strip` and the worker would remove, plus the
 * first bytes after EOI to say what a trailer is. Push model like the
 * stripper: feed chunks of any size, then finish. Memory is O(1) in the
 * image size and the result is the same however the input is split. */
#ifndef EXIFSTRIP_JPEG_AUDIT_H
#define EXIFSTRIP_JPEG_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "exifstrip/error.h"
#include "exifstrip/jpeg.h"
#include "exifstrip/jpeg_describe.h"

typedef struct es_jpeg_audit_result {
    es_err status;                /* ES_OK, or why the stripper refuses the input */
    char reason[ES_ERRBUF_SIZE];  /* the stripper's message when status != ES_OK */
    es_jpeg_stats stats;          /* what the policy removes, by kind; GPS and thumbnail facts */
    bool has_trailer;             /* bytes after EOI */
    es_jpeg_trailer_look trailer; /* what they look like (first ES_JPEG_TRAILER_PEEK bytes) */
} es_jpeg_audit_result;

typedef struct es_jpeg_audit es_jpeg_audit;

/* policy is copied (NULL = default). NULL when out of memory. */
es_jpeg_audit *es_jpeg_audit_new(const es_jpeg_policy *policy);
/* Feeds len bytes. Returns ES_OK or the stripper's refusal (the input is then
 * judged; feeding more is pointless and returns the same error). */
es_err es_jpeg_audit_feed(es_jpeg_audit *a, const uint8_t *data, size_t len);
/* Declares the end of input and fills out (also after a refusal). Returns out->status. */
es_err es_jpeg_audit_finish(es_jpeg_audit *a, es_jpeg_audit_result *out);
/* Accepts NULL. */
void es_jpeg_audit_free(es_jpeg_audit *a);

/* One thing an audited JPEG still carries that the policy removes. */
typedef struct es_jpeg_audit_item {
    const char *name; /* "gps", "exif-thumbnail", "icc-text", or a kind name ("exif", "xmp", "trailer", ...) */
    const char *text;  /* for people: "GPS position", "XMP packet", the trailer's look */
    uint32_t segments; /* segments of that kind removed (0 for gps/exif-thumbnail/trimmed kinds) */
    uint64_t bytes;    /* bytes the policy removes (icc-text: zeroes) for it (0 for gps/exif-thumbnail) */
} es_jpeg_audit_item;

#define ES_JPEG_AUDIT_MAX_ITEMS (ES_JPEG_KIND_COUNT + 3)

/* The items of a successful audit, in a fixed order: "gps" and
 * "exif-thumbnail" (facts of the first Exif segment) first, then every kind
 * with removed bytes in es_jpeg_kind order, then "icc-text" when a kept ICC
 * profile has bytes the scrub changes (stats.scrubbed_bytes: its bytes, 0
 * segments). Returns how many were written to
 * out (room for ES_JPEG_AUDIT_MAX_ITEMS); 0 means clean. A refused input has
 * no items (its status says why). */
size_t es_jpeg_audit_items(const es_jpeg_audit_result *r, es_jpeg_audit_item *out);

#endif
