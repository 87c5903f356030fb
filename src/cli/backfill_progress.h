/* backfill_progress.h - what `exifstrip backfill` shows while it runs (keys
 * and bytes done, rates, ETA: one line updated in place on a terminal, plain
 * periodic lines otherwise) and the summary it ends with. */
#ifndef ES_CLI_BACKFILL_PROGRESS_H
#define ES_CLI_BACKFILL_PROGRESS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "worker/backfill.h"

typedef struct es_backfill_progress {
    FILE *out;
    bool tty;       /* out is a terminal: one line rewritten in place */
    int interval_s; /* not a terminal: seconds between lines (0 = none) */
    uint64_t start_ms, last_ms;
    atomic_bool line_open; /* a progress line without its newline is on the terminal */
} es_backfill_progress;

/* Starts the clock; on a terminal, log lines are routed through the
 * progress display so they do not land in the middle of its line. */
void es_backfill_progress_init(es_backfill_progress *p, FILE *out, int interval_s);
/* Shows the progress when it is due (final: now, and ends the line; the log
 * goes straight to stderr again). */
void es_backfill_progress_tick(es_backfill_progress *p, es_backfill *b, bool final);
/* A message line ("backfill: MSG") below the progress. */
void es_backfill_progress_note(es_backfill_progress *p, const char *msg);
uint64_t es_backfill_progress_elapsed_ms(const es_backfill_progress *p);

/* Formats one progress line (without newline) into buf. */
void es_backfill_progress_format(const es_backfill_stats *st, uint64_t elapsed_ms, char *buf, size_t size);

/* Prints the summary and returns the exit status: 0 all done, 2 some
 * refused, 1 errors (listing failed, keys to retry, interrupted). */
int es_backfill_summary(FILE *out, const es_backfill_stats *st, const char *source, const char *dest,
                        bool dry_run, bool interrupted, uint64_t elapsed_ms);

#endif
