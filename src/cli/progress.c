/* progress.c - the progress display of the long-running commands
 * (progress.h). Output to the terminal goes through one mutex, so a line from
 * one thread (a finding, an error, the log) never lands inside another's. */
#include "cli/progress.h"

#include <pthread.h>
#include <stdarg.h>
#include <unistd.h>

#include "cli/format.h"
#include "common/log.h"
#include "worker/clock.h"

#define S_TTY_EVERY_MS 500

static pthread_mutex_t s_mu = PTHREAD_MUTEX_INITIALIZER; /* writes to a display's stream */
static es_progress *s_tty_progress;                      /* the display the log sink clears */

/* Ends an open progress line on the terminal (s_mu held). */
static void s_erase(es_progress *p)
{
    if (p->line_open)
        fputs("\r\033[K", p->out);
    p->line_open = false;
}

/* Log sink on a terminal: ends the progress line before a log line. Called
 * with the log's mutex held. */
static void s_log_sink(void *ctx, const char *line, size_t len)
{
    es_progress *p = ctx;
    es_progress_write(p, p->out, line, len);
}

void es_progress_init(es_progress *p, FILE *out, const char *label, int interval_s)
{
    p->out = out;
    p->label = label;
    p->tty = isatty(fileno(out)) == 1;
    p->interval_s = interval_s;
    p->start_ms = p->last_ms = es_clock_ms();
    p->line_open = false;
    if (p->tty && out == stderr) {
        s_tty_progress = p;
        es_log_set_sink(s_log_sink, p);
    }
}

uint64_t es_progress_elapsed_ms(const es_progress *p) { return es_clock_ms() - p->start_ms; }

bool es_progress_due(es_progress *p, bool final)
{
    uint64_t now = es_clock_ms();
    uint64_t every = p->tty ? S_TTY_EVERY_MS : (uint64_t)p->interval_s * 1000u;
    bool due = final || (every > 0 && now - p->last_ms >= every);
    if (!p->tty && (p->interval_s == 0 || final))
        due = false; /* the summary follows at the end */
    if (due)
        p->last_ms = now;
    return due;
}

void es_progress_show(es_progress *p, const char *line)
{
    pthread_mutex_lock(&s_mu);
    if (p->tty) {
        fprintf(p->out, "\r\033[K%s", line);
        p->line_open = true;
    } else {
        fprintf(p->out, "%s: %s\n", p->label, line);
    }
    fflush(p->out);
    pthread_mutex_unlock(&s_mu);
}

/* Takes the output mutex for a write to `to`, ending the progress line
 * first when `to` is the display's terminal too; s_write_done releases it. */
static void s_write_begin(es_progress *p, FILE *to)
{
    pthread_mutex_lock(&s_mu);
    if (p->tty && (to == p->out || isatty(fileno(to)) == 1))
        s_erase(p);
}

static void s_write_done(FILE *to)
{
    fflush(to);
    pthread_mutex_unlock(&s_mu);
}

void es_progress_write(es_progress *p, FILE *to, const char *text, size_t len)
{
    s_write_begin(p, to);
    fwrite(text, 1, len, to);
    s_write_done(to);
}

void es_progress_printf(es_progress *p, FILE *to, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    s_write_begin(p, to);
    vfprintf(to, fmt, ap);
    s_write_done(to);
    va_end(ap);
}

void es_progress_note(es_progress *p, const char *msg)
{
    pthread_mutex_lock(&s_mu);
    s_erase(p);
    fprintf(p->out, "%s: %s\n", p->label, msg);
    fflush(p->out);
    pthread_mutex_unlock(&s_mu);
}

void es_progress_end(es_progress *p)
{
    if (!p->tty)
        return;
    if (s_tty_progress == p) {
        es_log_set_sink(NULL, NULL);
        s_tty_progress = NULL;
    }
    pthread_mutex_lock(&s_mu);
    if (p->line_open)
        fputc('\n', p->out);
    p->line_open = false;
    fflush(p->out);
    pthread_mutex_unlock(&s_mu);
}

void es_progress_duration(uint64_t s, char *buf, size_t size)
{
    if (s >= 3600)
        snprintf(buf, size, "%lluh%02llum", (unsigned long long)(s / 3600),
                 (unsigned long long)(s % 3600 / 60));
    else if (s >= 60)
        snprintf(buf, size, "%llum%02llus", (unsigned long long)(s / 60), (unsigned long long)(s % 60));
    else
        snprintf(buf, size, "%llus", (unsigned long long)s);
}

void es_progress_format_counts(const es_progress_counts *c, const char *unit, uint64_t elapsed_ms, char *buf,
                               size_t size)
{
    double secs = elapsed_ms > 0 ? (double)elapsed_ms / 1000.0 : 0.001;
    char done_b[32], total_b[32], rate_b[32], eta[32];
    es_cli_human_size(c->done_bytes, done_b, sizeof done_b);
    es_cli_human_size(c->total_bytes, total_b, sizeof total_b);
    es_cli_human_size((uint64_t)((double)c->done_bytes / secs), rate_b, sizeof rate_b);
    double rate = (double)c->done / secs;
    if (!c->total_known) {
        snprintf(eta, sizeof eta, "when counted");
    } else if (c->done >= c->total) {
        snprintf(eta, sizeof eta, "0s");
    } else if (c->done == 0) {
        snprintf(eta, sizeof eta, "?");
    } else {
        /* By bytes when sizes are known (time goes with bytes), else by items. */
        double left = c->total_bytes > c->done_bytes && c->done_bytes > 0
                          ? (double)(c->total_bytes - c->done_bytes) / ((double)c->done_bytes / secs)
                          : (double)(c->total - c->done) / rate;
        es_progress_duration((uint64_t)(left + 0.5), eta, sizeof eta);
    }
    const char *more = c->total_known ? "" : "+";
    snprintf(buf, size, "%llu/%llu%s %s, %s/%s%s, %.1f %s/s, %s/s, ETA %s", (unsigned long long)c->done,
             (unsigned long long)c->total, more, unit, done_b, total_b, more, rate, unit, rate_b, eta);
}
