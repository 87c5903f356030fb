/* health.h - the liveness heartbeat shared by `exifstrip worker` (whose
 * receiver loop rewrites a small state file) and `exifstrip health` (which
 * judges it). The file is key=value lines, replaced atomically (a temporary
 * file in the same directory, then rename), so a reader never sees half of
 * it and only the heartbeat's directory needs to be writable:
 *   exifstrip-heartbeat 1
 *   pid=...               the worker's process id
 *   updated=T             when this state was written (unix seconds)
 *   started=T             when the worker started
 *   last_receive_ok=T     last successful ReceiveMessage (0: none yet)
 *   receive_failures=N    failed receives in a row (0 after a success)
 *   last_error=...        of the last failed receive: error name, HTTP status, AWS code
 *   slots=N               job slots (EXIFSTRIP_CONCURRENCY)
 *   busy=N                slots running a job
 *   oldest_job_started=T  start of the longest-running job (0: none)
 *   newest_job_started=T  start of the most recently started running job (0: none)
 *   job_limit=S           the longest age limit a job can have (es_job_age_limit of
 *                         the largest object): past it every job is abandoned
 * The times are wall-clock seconds, but the worker writes each as `updated`
 * less its age on the monotonic clock, and `health` ages them from
 * `updated` (plus the heartbeat's own age, judged either way: one dated
 * ahead was written before the clock was set back), so a step of the wall
 * clock while jobs run neither makes them look stuck nor hides them.
 * Unknown keys are ignored, so the format can grow. */
#ifndef ES_WORKER_HEALTH_H
#define ES_WORKER_HEALTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "exifstrip/error.h"

typedef struct es_health_state {
    long pid;
    int64_t updated, started;
    int64_t last_receive_ok;
    unsigned receive_failures;
    char last_error[128]; /* one line, printable ASCII */
    int slots, busy;
    int64_t oldest_job_started, newest_job_started;
    int64_t job_limit; /* seconds; 0 when not recorded */
} es_health_state;

typedef enum es_health_verdict {
    ES_HEALTH_OK = 0,
    ES_HEALTH_MISSING,    /* no heartbeat file, unreadable, or not a regular file */
    ES_HEALTH_STALE,      /* not rewritten within max_age: the receiver loop is not running */
    ES_HEALTH_NO_RECEIVE, /* receives keep failing and none succeeded within max_age */
    ES_HEALTH_STUCK       /* every job slot has run the same jobs for longer than stuck_after */
} es_health_verdict;

/* Writes st to path atomically (path.tmp, created exclusively without
 * following symlinks, then renamed over path). ES_ERR_IO with the reason in
 * err on failure; the temporary file is removed. */
ES_MUST_USE es_err es_health_write(const char *path, const es_health_state *st, es_error *err);

/* Checks, before the worker starts, that es_health_write can write path:
 * creates and removes a uniquely named file beside it (the directory must be
 * writable) and refuses a path that is a directory. ES_ERR_CONFIG with the
 * reason in err otherwise. Leaves an existing heartbeat file alone. */
ES_MUST_USE es_err es_health_check_writable(const char *path, es_error *err);

/* The process id of another worker that writes path now (its state names
 * a live process other than this one and was updated within the last few
 * seconds), or 0: two workers sharing one heartbeat file hide each other's
 * death from `exifstrip health`. */
long es_health_other_writer(const char *path);

/* Reads the state back. *has_state is false when the file holds no state
 * (e.g. made by `touch`): only its age can then be judged. */
ES_MUST_USE es_err es_health_read(const char *path, es_health_state *st, bool *has_state, es_error *err);

/* Default --max-age of `exifstrip health` for a given long-poll wait:
 * 3 × wait_seconds + 30. */
long es_health_default_max_age(int wait_seconds);

/* Default --stuck-after of `exifstrip health` (seconds), raised to the
 * state's job_limit + ES_HEALTH_STUCK_GRACE when jobs may run longer (a job
 * past its limit is abandoned, so slots busy past it are stuck). */
#define ES_HEALTH_DEFAULT_STUCK_AFTER 900L
#define ES_HEALTH_STUCK_GRACE 60L
/* stuck_after_s of es_health_judge: the default above. */
#define ES_HEALTH_STUCK_AFTER_AUTO (-1L)

/* Judges the heartbeat file at path at time now (unix seconds): missing when
 * absent or not a regular file (a directory, a FIFO); stale when
 * its mtime is more than max_age_s old; no receive when receive_failures > 0
 * and no receive succeeded for more than max_age_s (since start when none
 * ever did); stuck when every slot is busy and even the most recently
 * started job has run for more than stuck_after_s (0 = never stuck;
 * ES_HEALTH_STUCK_AFTER_AUTO = the default, judged with the state's job_limit).
 * Writes a one-line explanation (healthy or not) to summary. */
es_health_verdict es_health_judge(const char *path, int64_t now, long max_age_s, long stuck_after_s,
                                  char *summary, size_t size);

#endif
