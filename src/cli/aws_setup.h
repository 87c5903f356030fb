/* aws_setup.h - what every subcommand that talks to AWS (worker, backfill,
 * audit) checks before its first request: the AWS settings from the
 * environment, that libcurl, libcrypto and libexif load (they are opened
 * lazily; libexif is unloaded again until a photo's Exif is read), and that
 * the credential sources read locally are not set up wrongly. */
#ifndef ES_CLI_AWS_SETUP_H
#define ES_CLI_AWS_SETUP_H

#include <stdbool.h>

#include "aws/client/config.h"
#include "aws/creds/creds.h"

/* Fills aws from the environment (refusing an endpoint setting exifstrip
 * does not honour for S3, and for SQS when uses_sqs), loads libcurl and libcrypto now rather
 * than at the first request, checks that libexif loads, and makes the
 * default credentials chain (*creds; NULL when out of memory) after checking
 * what it can tell without a request (es_creds_check: half a key pair in the
 * environment or a profile is a configuration error; credentials only absent
 * are not, as a file or an endpoint may still provide them). Returns
 * ES_EXIT_OK, or ES_EXIT_CONFIG after printing "exifstrip COMMAND: reason" on
 * stderr (*creds NULL then). */
int es_cli_aws_setup(const char *command, bool uses_sqs, es_aws_config *aws, es_creds_provider **creds);

#endif
