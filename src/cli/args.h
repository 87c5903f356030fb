/* args.h - option parsing shared by the subcommands that take a few options
 * of their own and hand the rest to the worker's configuration table. */
#ifndef ES_CLI_ARGS_H
#define ES_CLI_ARGS_H

#include <stdbool.h>
#include <stddef.h>

/* The value of option argv[*i] when it is `name` ("--name VALUE", advancing
 * *i, or "--name=VALUE"); NULL when argv[*i] is another argument, or when
 * the value is missing (then *missing is set). */
const char *es_cli_opt_value(int argc, char **argv, int *i, const char *name, bool *missing);

/* Splits "s3://bucket[/prefix]" into bucket (a valid bucket name, copied into
 * bucket_size bytes) and *prefix (pointing into arg; "" when none). False
 * when arg is not of that form. */
bool es_cli_parse_s3_url(const char *arg, char *bucket, size_t bucket_size, const char **prefix);

#endif
