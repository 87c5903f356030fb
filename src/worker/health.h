/* health.h - the liveness heartbeat shared by `exifstrip worker` (which
 * refreshes a file's mtime on every receiver-loop iteration) and
 * `exifstrip health` (which reports whether that mtime is recent). */
#ifndef ES_WORKER_HEALTH_H
#define ES_WORKER_HEALTH_H

#include "exifstrip/error.h"

/* Creates path if needed (mode 0644, never following a symlink) and sets its
 * mtime to now. ES_ERR_IO with the reason in err on failure. */
ES_MUST_USE es_err es_health_touch(const char *path, es_error *err);

/* Default --max-age of `exifstrip health` for a given long-poll wait:
 * 3 × wait_seconds + 30. */
long es_health_default_max_age(int wait_seconds);

/* ES_OK when path's mtime is at most max_age_s seconds old; otherwise
 * ES_ERR_NOT_FOUND (missing/unreadable) or ES_ERR_TIMEOUT (stale), with a
 * message in err. *age_s receives the age when the file exists (may be NULL). */
ES_MUST_USE es_err es_health_check(const char *path, long max_age_s, long *age_s, es_error *err);

#endif
