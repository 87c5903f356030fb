/* aws_setup.h - what every subcommand that talks to AWS (worker, backfill,
 * audit) checks before its first request: the AWS settings from the
 * environment, and that libcurl, libcrypto and libexif load (they are opened
 * lazily; libexif is unloaded again until a photo's Exif is read). */
#ifndef ES_CLI_AWS_SETUP_H
#define ES_CLI_AWS_SETUP_H

#include "aws/client/config.h"

/* Fills aws from the environment, loads libcurl and libcrypto now rather
 * than at the first request and checks that libexif loads. Returns
 * ES_EXIT_OK, or ES_EXIT_CONFIG after printing "exifstrip COMMAND: reason" on
 * stderr. */
int es_cli_aws_setup(const char *command, es_aws_config *aws);

#endif
