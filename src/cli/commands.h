/* commands.h - the subcommands of the exifstrip binary, dispatched by main.c.
 * Each takes argc/argv starting at the subcommand name and returns the exit status. */
#ifndef ES_CLI_COMMANDS_H
#define ES_CLI_COMMANDS_H

/* Exit statuses shared by the subcommands. */
enum {
    ES_EXIT_OK = 0,
    ES_EXIT_FAILURE = 1, /* usage errors and operational failures */
    ES_EXIT_REFUSED = 2, /* strip, backfill: at least one input was refused; audit: findings */
    ES_EXIT_CONFIG = 78  /* EX_CONFIG: bad or missing configuration */
};

int es_cmd_strip(int argc, char **argv);
int es_cmd_inspect(int argc, char **argv);
int es_cmd_worker(int argc, char **argv);
int es_cmd_health(int argc, char **argv);
int es_cmd_backfill(int argc, char **argv);
int es_cmd_audit(int argc, char **argv);

#endif
