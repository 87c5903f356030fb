/* log_capture.h - test helper: collects the lines the product logs (through
 * es_log_set_sink) into one NUL-terminated text, so a test can look for an
 * event, a level or a leaked secret. Not for concurrent captures. */
#ifndef ES_TEST_LOG_CAPTURE_H
#define ES_TEST_LOG_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>

/* Starts (or restarts) capturing: earlier text is dropped. */
void es_logcap_start(void);
/* Drops what was captured so far; the capture goes on. */
void es_logcap_clear(void);
/* Everything logged since the start or the last clear (lines past 64 KiB are dropped). */
const char *es_logcap_text(void);
/* Whether the capture holds needle; unlike es_logcap_text, safe while other threads log. */
bool es_logcap_contains(const char *needle);
/* Sends log lines to stderr again. */
void es_logcap_stop(void);

#endif
