/* backfill_progress.c - the progress line and summary of `exifstrip
 * backfill` (backfill_progress.h). */
#include "cli/backfill_progress.h"

#include <string.h>

#include "cli/commands.h"
#include "cli/format.h"

void es_backfill_progress_format(const es_backfill_stats *st, uint64_t elapsed_ms, char *buf, size_t size)
{
    es_progress_counts c = {
        .done = st->settled,
        .total = st->total_known ? st->total_matched : st->matched,
        .done_bytes = st->settled_bytes,
        .total_bytes = st->total_known ? st->total_bytes : st->matched_bytes,
        .total_known = st->total_known,
    };
    char counts[256];
    es_progress_format_counts(&c, "keys", elapsed_ms, counts, sizeof counts);
    snprintf(buf, size, "%s (stripped %llu, already done %llu, refused %llu, failed %llu)", counts,
             (unsigned long long)st->outcomes[ES_JOB_STRIPPED],
             (unsigned long long)st->outcomes[ES_JOB_SKIPPED],
             (unsigned long long)st->outcomes[ES_JOB_REFUSED], (unsigned long long)st->outcomes[ES_JOB_RETRY]);
}

void es_backfill_progress_tick(es_progress *p, es_backfill *b, bool final)
{
    if (es_progress_due(p, final)) {
        es_backfill_stats st;
        es_backfill_get_stats(b, &st);
        char line[512];
        es_backfill_progress_format(&st, es_progress_elapsed_ms(p), line, sizeof line);
        es_progress_show(p, line);
    }
    if (final)
        es_progress_end(p);
}

int es_backfill_summary(FILE *out, const es_backfill_stats *st, const char *source, const char *dest,
                        bool dry_run, bool rewrite, bool interrupted, uint64_t elapsed_ms)
{
    char total[32], in[32], outb[32], took[32];
    es_cli_human_size(st->matched_bytes, total, sizeof total);
    es_cli_human_size(st->bytes_in, in, sizeof in);
    es_cli_human_size(st->bytes_out, outb, sizeof outb);
    es_progress_duration((elapsed_ms + 500) / 1000, took, sizeof took);
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
        fprintf(out, "  run the same command again to resume (keys already done cost %s)",
                rewrite ? "a HEAD and a GET each: a copy made alike is not written again" : "one HEAD each");
        if (st->resume_after[0]) {
            char word[ES_CLI_KEY_SHOWN_SIZE]; /* pasted into bash, reads back as the key */
            if (es_cli_shell_word(st->resume_after, word, sizeof word))
                fprintf(out, ",\n  or add --start-after %s to skip the keys settled in order", word);
        }
        fputc('\n', out);
        return ES_EXIT_FAILURE;
    }
    return n[ES_JOB_REFUSED] > 0 ? ES_EXIT_REFUSED : ES_EXIT_OK;
}
