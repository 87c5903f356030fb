/* args.c - option parsing shared by the subcommands (args.h). */
#include "cli/args.h"

#include <string.h>

#include "worker/config.h"

const char *es_cli_opt_value(int argc, char **argv, int *i, const char *name, bool *missing)
{
    size_t n = strlen(name);
    if (strncmp(argv[*i], name, n) != 0)
        return NULL;
    if (argv[*i][n] == '=')
        return argv[*i] + n + 1;
    if (argv[*i][n] != '\0')
        return NULL;
    if (*i + 1 >= argc) {
        *missing = true;
        return NULL;
    }
    return argv[++*i];
}

bool es_cli_parse_s3_url(const char *arg, char *bucket, size_t bucket_size, const char **prefix)
{
    if (strncmp(arg, "s3://", 5) != 0)
        return false;
    const char *b = arg + 5, *slash = strchr(b, '/');
    size_t len = slash ? (size_t)(slash - b) : strlen(b);
    if (len == 0 || len >= bucket_size || !es_cfg_bucket_name_valid(b, len))
        return false;
    memcpy(bucket, b, len);
    bucket[len] = '\0';
    *prefix = slash ? slash + 1 : "";
    return true;
}
