/* aws_setup.c - the AWS start-up checks shared by the subcommands (aws_setup.h). */
#include "cli/aws_setup.h"

#include <stdio.h>

#include "aws/http/curl_dl.h"
#include "aws/sigv4/crypto_dl.h"
#include "cli/commands.h"
#include "cli/exif_dl.h"
#include "cli/format.h"

int es_cli_aws_setup(const char *command, bool uses_sqs, es_aws_config *aws, es_creds_provider **creds)
{
    es_error err;
    es_error_clear(&err);
    *creds = NULL;
    if (es_aws_config_from_env(aws, &err) != ES_OK || es_aws_config_check_endpoint(aws, "s3", &err) != ES_OK ||
        (uses_sqs && es_aws_config_check_endpoint(aws, "sqs", &err) != ES_OK)) {
        es_cli_refuse(command, "", err.msg[0] ? err.msg : "invalid AWS configuration");
        return ES_EXIT_CONFIG;
    }
    /* Fail now, not at the first request (or the first photo with Exif). */
    if (!es_curl_api_get(&err) || !es_crypto_api_get(&err) || !es_cli_exif_check(&err)) {
        es_cli_refuse(command, "", err.msg);
        return ES_EXIT_CONFIG;
    }
    es_creds_provider *chain = es_creds_provider_new_default();
    if (chain && es_err_category(es_creds_check(chain, &err)) == ES_CAT_CONFIG) {
        es_cli_refuse(command, "AWS credentials: ", err.msg);
        es_creds_provider_release(chain);
        return ES_EXIT_CONFIG;
    }
    *creds = chain;
    return ES_EXIT_OK;
}
