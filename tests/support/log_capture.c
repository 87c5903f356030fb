/* log_capture.c - the log capture of log_capture.h. */
#include "log_capture.h"

#include <pthread.h>
#include <string.h>

#include "common/log.h"

static pthread_mutex_t s_mu = PTHREAD_MUTEX_INITIALIZER; /* the text, for es_logcap_contains */
static char s_text[64 * 1024];
static size_t s_len;

static void s_sink(void *ctx, const char *line, size_t len)
{
    (void)ctx;
    pthread_mutex_lock(&s_mu);
    if (len < sizeof s_text - s_len) { /* full: later lines are dropped whole */
        memcpy(s_text + s_len, line, len);
        s_len += len;
        s_text[s_len] = '\0';
    }
    pthread_mutex_unlock(&s_mu);
}

void es_logcap_clear(void)
{
    pthread_mutex_lock(&s_mu);
    s_len = 0;
    s_text[0] = '\0';
    pthread_mutex_unlock(&s_mu);
}

void es_logcap_start(void)
{
    es_logcap_clear();
    es_log_set_sink(s_sink, NULL);
}

const char *es_logcap_text(void) { return s_text; }

bool es_logcap_contains(const char *needle)
{
    pthread_mutex_lock(&s_mu);
    bool found = strstr(s_text, needle) != NULL;
    pthread_mutex_unlock(&s_mu);
    return found;
}

void es_logcap_stop(void) { es_log_set_sink(NULL, NULL); }
