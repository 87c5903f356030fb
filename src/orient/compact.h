/* compact.h - an output written back into its own input buffer: the plain
 * stripper's output of a turned photo is a subsequence of the transformed
 * copy it reads (kept segments and entropy-coded data as they are, metadata
 * dropped, never longer), so instead of being copied out run by run it is
 * recorded while the stripper runs (es_orient_compact_write, its write
 * callback) and then moved into place at the front of the same buffer
 * (es_orient_compact_finish), where it stays as long as the buffer does: an
 * uploader can send it from there. A run that points into the buffer at or
 * after its place in the output is recorded by position; anything else (a
 * header the stripper rebuilt in its own memory) is copied aside, unless it
 * repeats the buffer's bytes right after the previous run (then it is that
 * run's continuation). Each move then only reads bytes that no earlier move
 * has written over: a run's source is never before its place in the output,
 * which is never before the end of the runs placed before it. Internal to
 * src/orient. */
#ifndef ES_ORIENT_COMPACT_H
#define ES_ORIENT_COMPACT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "exifstrip/error.h"

typedef struct es_orient_compact_run {
    size_t src, len; /* in the buffer, or in side when aside */
    bool aside;
} es_orient_compact_run;

typedef struct es_orient_compact {
    uint8_t *buf; /* the input, cap bytes; its first len bytes become the output */
    size_t cap, len;
    size_t src_end; /* where the last run recorded by position ends in buf */
    es_orient_compact_run *runs;
    size_t run_count, run_cap;
    uint8_t *side; /* the bytes copied aside, side_len of side_cap */
    size_t side_len, side_cap;
} es_orient_compact;

void es_orient_compact_init(es_orient_compact *k, uint8_t *buf, size_t cap);
/* An es_jpeg_write_fn (ctx: the es_orient_compact): records one run of
 * output. ES_ERR_INTERNAL when the output would pass the buffer's size. */
ES_MUST_USE es_err es_orient_compact_write(void *ctx, const uint8_t *data, size_t len);
/* Moves the recorded runs into place: the output is then buf's first len
 * bytes. Frees the record. */
void es_orient_compact_finish(es_orient_compact *k);
/* Frees the record (not buf); accepts one finished or never used. */
void es_orient_compact_clean(es_orient_compact *k);
/* How many runs were recorded, and how many bytes copied aside (tests). */
size_t es_orient_compact_runs(const es_orient_compact *k);
size_t es_orient_compact_aside(const es_orient_compact *k);

#endif
