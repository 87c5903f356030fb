/* backfill_progress.h - what `exifstrip backfill` shows while it runs (keys
 * and bytes done, rates, ETA, counts by outcome, on the display of
 * cli/progress.h) and the summary it ends with. */
#ifndef ES_CLI_BACKFILL_PROGRESS_H
#define ES_CLI_BACKFILL_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "cli/progress.h"
#include "worker/backfill.h"

/* Shows b's progress on p when it is due (final: now, on a terminal, and
 * ends the display). */
void es_backfill_progress_tick(es_progress *p, es_backfill *b, bool final);

/* Formats one progress line (without newline) into buf. */
void es_backfill_progress_format(const es_backfill_stats *st, uint64_t elapsed_ms, char *buf, size_t size);

/* Prints the summary and returns the exit status: 0 all done, 2 some
 * refused, 1 errors (listing failed, keys to retry, interrupted). rewrite:
 * the run was a --rewrite (a rerun reads every done key again). */
int es_backfill_summary(FILE *out, const es_backfill_stats *st, const char *source, const char *dest,
                        bool dry_run, bool rewrite, bool interrupted, uint64_t elapsed_ms);

#endif
