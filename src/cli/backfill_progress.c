/* backfill_progress.c - the progress display and summary of `exifstrip
 * backfill` (backfill_progress.h). */
#include "cli/backfill_progress.h"

#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/format.h"
#include "common/log.h"
#include "worker/clock.h"

#define S_TTY_EVERY_MS 500

static es_backfill_progress *s_tty_progress; /* the display the log sink clears */

/* Log sink on a terminal: ends the progress line before a log line. Called
 * with the log's mutex held. */
static void s_log_sink(void *ctx, const char *line, size_t len)
{
    es_backfill_progress *p = ctx;
    if (atomic_exchange(&p->line_open, false))
        fputs("\r\033[K", p->out);
    fwrite(line, 1, len, p->out);
    fflush(p->out);
}

void es_backfill_progress_init(es_backfill_progress *p, FILE *out, int interval_s)
{
    p->out = out;
    p->tty = isatty(fileno(out)) == 1;
    p->interval_s = interval_s;
    p->start_ms = p->last_ms = es_clock_ms();
    atomic_init(&p->line_open, false);
    if (p->tty && out == stderr) {
        s_tty_progress = p;
        es_log_set_sink(s_log_sink, p);
    }
}

uint64_t es_backfill_progress_elapsed_ms(const es_backfill_progress *p)
{
    return es_clock_ms() - p->start_ms;
}

static void s_duration(uint64_t s, char *buf, size_t size)
{
    if (s >= 3600)
        snprintf(buf, size, "%lluh%02llum", (unsigned long long)(s / 3600),
                 (unsigned long long)(s % 3600 / 60));
    else if (s >= 60)
        snprintf(buf, size, "%llum%02llus", (unsigned long long)(s / 60), (unsigned long long)(s % 60));
    else
        snprintf(buf, size, "%llus", (unsigned long long)s);
}

void es_backfill_progress_format(const es_backfill_stats *st, uint64_t elapsed_ms, char *buf, size_t size)
{
    double secs = elapsed_ms > 0 ? (double)elapsed_ms / 1000.0 : 0.001;
    uint64_t total = st->total_known ? st->total_matched : st->matched;
    uint64_t total_bytes = st->total_known ? st->total_bytes : st->matched_bytes;
    char done_b[32], total_b[32], rate_b[32], eta[32];
    es_cli_human_size(st->settled_bytes, done_b, sizeof done_b);
    es_cli_human_size(total_bytes, total_b, sizeof total_b);
    es_cli_human_size((uint64_t)((double)st->settled_bytes / secs), rate_b, sizeof rate_b);
    double key_rate = (double)st->settled / secs;
    if (!st->total_known) {
        snprintf(eta, sizeof eta, "when counted");
    } else if (st->settled >= total) {
        snprintf(eta, sizeof eta, "0s");
    } else if (st->settled == 0) {
        snprintf(eta, sizeof eta, "?");
    } else {
        /* By bytes when sizes are known (time goes with bytes), else by keys. */
        double left = total_bytes > st->settled_bytes && st->settled_bytes > 0
                          ? (double)(total_bytes - st->settled_bytes) / ((double)st->settled_bytes / secs)
                          : (double)(total - st->settled) / key_rate;
        s_duration((uint64_t)(left + 0.5), eta, sizeof eta);
    }
    const char *more = st->total_known ? "" : "+";
    snprintf(buf, size,
             "%llu/%llu%s keys, %s/%s%s, %.1f keys/s, %s/s, ETA %s (stripped %llu, already done "
             "%llu, refused %llu, failed %llu)",
             (unsigned long long)st->settled, (unsigned long long)total, more, done_b, total_b, more,
             key_rate, rate_b, eta, (unsigned long long)st->outcomes[ES_JOB_STRIPPED],
             (unsigned long long)st->outcomes[ES_JOB_SKIPPED],
             (unsigned long long)st->outcomes[ES_JOB_REFUSED], (unsigned long long)st->outcomes[ES_JOB_RETRY]);
}

void es_backfill_progress_tick(es_backfill_progress *p, es_backfill *b, bool final)
{
    uint64_t now = es_clock_ms();
    uint64_t every = p->tty ? S_TTY_EVERY_MS : (uint64_t)p->interval_s * 1000u;
    bool due = final || (every > 0 && now - p->last_ms >= every);
    if (!p->tty && (p->interval_s == 0 || final))
        due = false; /* the summary follows at the end */
    if (due) {
        p->last_ms = now;
        es_backfill_stats st;
        es_backfill_get_stats(b, &st);
        char line[512];
        es_backfill_progress_format(&st, now - p->start_ms, line, sizeof line);
        if (p->tty) {
            fprintf(p->out, "\r\033[K%s", line);
            atomic_store(&p->line_open, true);
        } else {
            fprintf(p->out, "backfill: %s\n", line);
        }
        fflush(p->out);
    }
    if (final && p->tty) {
        if (atomic_exchange(&p->line_open, false))
            fputc('\n', p->out);
        if (s_tty_progress == p) {
            es_log_set_sink(NULL, NULL);
            s_tty_progress = NULL;
        }
    }
}

void es_backfill_progress_note(es_backfill_progress *p, const char *msg)
{
    if (p->tty && atomic_exchange(&p->line_open, false))
        fputs("\r\033[K", p->out);
    fprintf(p->out, "backfill: %s\n", msg);
    fflush(p->out);
}

int es_backfill_summary(FILE *out, const es_backfill_stats *st, const char *source, const char *dest,
                        bool dry_run, bool interrupted, uint64_t elapsed_ms)
{
    char total[32], in[32], outb[32], took[32];
    es_cli_human_size(st->matched_bytes, total, sizeof total);
    es_cli_human_size(st->bytes_in, in, sizeof in);
    es_cli_human_size(st->bytes_out, outb, sizeof outb);
    s_duration((elapsed_ms + 500) / 1000, took, sizeof took);
    const uint64_t *n = st->outcomes;
    fprintf(out, "backfill %s -> %s%s: %llu keys listed, %llu with a configured suffix (%s)\n", source, dest,
            dry_run ? " (dry run)" : "", (unsigned long long)st->listed, (unsigned long long)st->matched,
            total);
    if (dry_run)
        fprintf(out, "  would strip %llu, skipped %llu, would refuse %llu, failed %llu\n",
                (unsigned long long)n[ES_JOB_STRIPPED], (unsigned long long)n[ES_JOB_SKIPPED],
                (unsigned long long)n[ES_JOB_REFUSED], (unsigned long long)n[ES_JOB_RETRY]);
    else
        fprintf(out,
                "  stripped %llu, already done %llu, refused %llu, gone %llu, failed %llu; read %s, "
                "wrote %s in %s\n",
                (unsigned long long)n[ES_JOB_STRIPPED], (unsigned long long)n[ES_JOB_SKIPPED],
                (unsigned long long)n[ES_JOB_REFUSED], (unsigned long long)n[ES_JOB_GONE],
                (unsigned long long)n[ES_JOB_RETRY], in, outb, took);
    if (st->list_error != ES_OK)
        fprintf(out, "  error: %s\n", st->list_reason);
    uint64_t not_started = st->matched > st->settled ? st->matched - st->settled : 0;
    if (interrupted)
        fprintf(out, "  interrupted: %llu listed keys not started%s\n", (unsigned long long)not_started,
                st->listing_done ? "" : ", the listing not finished");
    bool incomplete = interrupted || st->list_error != ES_OK || n[ES_JOB_RETRY] > 0;
    if (incomplete) {
        fprintf(out, "  run the same command again to resume (keys already done cost one HEAD each)");
        if (st->resume_after[0]) {
            fprintf(out, ",\n  or add --start-after '");
            for (const char *c = st->resume_after; *c; c++) { /* shell-quoted: ' becomes '\'' */
                if (*c == '\'')
                    fputs("'\\''", out);
                else
                    fputc(*c, out);
            }
            fprintf(out, "' to skip the keys settled in order");
        }
        fputc('\n', out);
        return ES_EXIT_FAILURE;
    }
    return n[ES_JOB_REFUSED] > 0 ? ES_EXIT_REFUSED : ES_EXIT_OK;
}
