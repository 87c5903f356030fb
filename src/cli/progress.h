/* progress.h - the progress display of the long-running commands (`backfill`,
 * `audit`, `strip` of many files): on a terminal one line rewritten in place
 * (and the log routed around it), otherwise a plain "LABEL: ..." line every
 * interval; plus the shared part of their lines (items and bytes done of the
 * total, rates, ETA). What each command counts is its own
 * (backfill_progress.c, audit.c, strip.c). */
#ifndef ES_CLI_PROGRESS_H
#define ES_CLI_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "exifstrip/error.h"

typedef struct es_progress {
    FILE *out;
    const char *label; /* "backfill": starts plain lines and notes ("backfill: ...") */
    bool tty;          /* out is a terminal: one line rewritten in place */
    int interval_s;    /* not a terminal: seconds between lines (0 = none) */
    uint64_t start_ms, last_ms;
    bool line_open; /* a progress line without its newline is on the terminal (under
                       progress.c's output mutex, like every write to out) */
} es_progress;

/* Starts the clock; on a terminal (out is stderr), log lines are routed
 * through the display so they do not land in the middle of its line. */
void es_progress_init(es_progress *p, FILE *out, const char *label, int interval_s);
/* Whether a line is due now (then the interval starts again). final: the
 * last one, shown on a terminal only (a summary follows anyway). */
bool es_progress_due(es_progress *p, bool final);
/* Shows line (without newline): rewritten in place, or "LABEL: line". */
void es_progress_show(es_progress *p, const char *line);
/* Writes text (whole lines) to `to`; when that is the display's terminal
 * too, the progress line is erased first (the next es_progress_show draws it
 * again), so the two never share a line. */
void es_progress_write(es_progress *p, FILE *to, const char *text, size_t len);
/* es_progress_write of formatted text. */
void es_progress_printf(es_progress *p, FILE *to, const char *fmt, ...) ES_PRINTF(3, 4);
/* A message line ("LABEL: MSG") below the progress. */
void es_progress_note(es_progress *p, const char *msg);
/* Ends the line on the terminal; the log goes straight to stderr again. */
void es_progress_end(es_progress *p);
uint64_t es_progress_elapsed_ms(const es_progress *p);

/* How far a run is: done of total items (and bytes); total_known false
 * while the total is still growing (shown as "N+", no ETA). */
typedef struct es_progress_counts {
    uint64_t done, total;
    uint64_t done_bytes, total_bytes;
    bool total_known;
} es_progress_counts;

/* "D/T[+] UNIT, DB/TB[+], R UNIT/s, BR/s, ETA E" into buf (unit: "keys", "objects"). */
void es_progress_format_counts(const es_progress_counts *c, const char *unit, uint64_t elapsed_ms, char *buf,
                               size_t size);
/* A duration in seconds as "42s", "3m07s" or "2h05m". */
void es_progress_duration(uint64_t s, char *buf, size_t size);

#endif
