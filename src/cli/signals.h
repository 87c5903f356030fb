/* signals.h - the stop signals of the long-running subcommands (worker,
 * backfill) and of strip (which removes its temporary file): SIGTERM and
 * SIGINT go to one handler. */
#ifndef ES_CLI_SIGNALS_H
#define ES_CLI_SIGNALS_H

/* Installs handler (or SIG_DFL) for SIGTERM and SIGINT, with SA_RESTART. */
void es_cli_set_stop_handlers(void (*handler)(int));

#endif
