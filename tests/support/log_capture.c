/* log_capture.c - the log capture of log_capture.h. */
#include "log_capture.h"

#include <string.h>

#include "common/log.h"

static char s_text[64 * 1024];
static size_t s_len;

static void s_sink(void *ctx, const char *line, size_t len)
{
    (void)ctx;
    if (len >= sizeof s_text - s_len)
        return; /* full: later lines are dropped whole */
    memcpy(s_text + s_len, line, len);
    s_len += len;
    s_text[s_len] = '\0';
}

void es_logcap_clear(void)
{
    s_len = 0;
    s_text[0] = '\0';
}

void es_logcap_start(void)
{
    es_logcap_clear();
    es_log_set_sink(s_sink, NULL);
}

const char *es_logcap_text(void) { return s_text; }

void es_logcap_stop(void) { es_log_set_sink(NULL, NULL); }
