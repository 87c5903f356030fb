/* main.c - entry point of the exifstrip binary: global --help/--version and
 * dispatch to the subcommand table, then the check that what went to stdout
 * was written. Subcommands live one per file in src/cli/. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"

typedef struct s_command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} s_command;

static const s_command s_commands[] = {
    {"strip", es_cmd_strip, "remove privacy-relevant metadata from JPEG files (lossless)"},
    {"inspect", es_cmd_inspect, "list a JPEG's segments and what strip would remove"},
    {"worker", es_cmd_worker, "strip JPEGs announced by S3 events on an SQS queue (daemon)"},
    {"backfill", es_cmd_backfill, "strip the objects already in a bucket (the worker's job, resumable)"},
    {"audit", es_cmd_audit, "report objects in a bucket that still carry metadata (privacy audit)"},
    {"health", es_cmd_health, "exit 0 while the worker's heartbeat file is fresh"},
};

static void s_usage(FILE *out)
{
    fprintf(out, "usage: exifstrip <command> [options] ...\n\ncommands:\n");
    for (size_t i = 0; i < sizeof s_commands / sizeof s_commands[0]; i++)
        fprintf(out, "  %-9s %s\n", s_commands[i].name, s_commands[i].summary);
    fprintf(out, "\n'exifstrip <command> --help' describes a command.\n");
}

/* A standard descriptor the caller closed would be the next file opened (an
 * output's temporary file as fd 1: stdout's bytes written into it, then lost).
 * Each closed one gets /dev/null opened the other way round, so that using it
 * fails with EBADF as a closed one does. */
static void s_hold_closed_std_fds(void)
{
    for (int fd = STDIN_FILENO; fd <= STDERR_FILENO; fd++) {
        if (fcntl(fd, F_GETFD) != -1 || errno != EBADF)
            continue;
        int held = open("/dev/null", (fd == STDIN_FILENO ? O_WRONLY : O_RDONLY) | O_CLOEXEC);
        if (held != fd) { /* cannot happen while lower ones are open; never run with the hole */
            if (held >= 0)
                close(held);
            _exit(ES_EXIT_FAILURE);
        }
    }
}

/* A command's report on stdout (a listing, a summary, --help) must have been
 * written whole, or the run fails: a full disk or a closed stdout must not
 * pass for a report. A command that failed has said why already. */
static int s_stdout_written(int status, const char *command)
{
    int err = fflush(stdout) != 0 ? errno : 0;
    if (status == ES_EXIT_FAILURE || (!err && !ferror(stdout)))
        return status;
    fprintf(stderr, "exifstrip%s%s: cannot write to stdout: %s\n", command ? " " : "", command ? command : "",
            err ? strerror(err) : "a write failed");
    return ES_EXIT_FAILURE;
}

int main(int argc, char **argv)
{
    s_hold_closed_std_fds();
    if (argc < 2) {
        s_usage(stderr);
        return ES_EXIT_FAILURE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        s_usage(stdout);
        return s_stdout_written(ES_EXIT_OK, NULL);
    }
    if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
        printf("exifstrip %s\n", ES_VERSION);
        return s_stdout_written(ES_EXIT_OK, NULL);
    }
    for (size_t i = 0; i < sizeof s_commands / sizeof s_commands[0]; i++)
        if (!strcmp(argv[1], s_commands[i].name))
            return s_stdout_written(s_commands[i].run(argc - 1, argv + 1), s_commands[i].name);
    fprintf(stderr, "exifstrip: unknown command '%s'\n", argv[1]);
    s_usage(stderr);
    return ES_EXIT_FAILURE;
}
