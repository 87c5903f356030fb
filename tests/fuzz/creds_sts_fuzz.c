/* creds_sts_fuzz.c - libFuzzer target for the STS AssumeRoleWithWebIdentity
 * response parser and the ISO 8601 expiration parser it relies on.
 *
 * Target Functions: es_creds_parse_sts_xml (src/aws/creds/sts.c),
 * es_creds_parse_iso8601 (src/aws/creds/provider.c).
 *
 * On success the credentials must be complete and terminated; on an STS
 * error the code and message must be terminated inside their buffers; any
 * other outcome must be ES_ERR_PROTOCOL (or ES_ERR_NOMEM). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aws/creds/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    es_creds c;
    char code[64], message[128];
    es_err rc = es_creds_parse_sts_xml((const char *)data, size, &c, code, sizeof code, message,
                                       sizeof message);
    if (!memchr(code, '\0', sizeof code) || !memchr(message, '\0', sizeof message))
        abort();
    if (rc == ES_OK) {
        if (!c.access_key_id[0] || !c.secret_access_key[0] || !c.session_token[0] ||
            !memchr(c.session_token, '\0', sizeof c.session_token) || strcmp(c.source, "web-identity") != 0)
            abort();
    } else if (rc != ES_ERR_AUTH && rc != ES_ERR_PROTOCOL && rc != ES_ERR_NOMEM) {
        abort();
    }

    /* The same bytes as an expiration time. */
    char buf[64];
    size_t n = size < sizeof buf - 1 ? size : sizeof buf - 1;
    memcpy(buf, data, n);
    buf[n] = '\0';
    time_t t = 0;
    if (es_creds_parse_iso8601(buf, &t) && t < -86400)
        abort();
    return 0;
}
