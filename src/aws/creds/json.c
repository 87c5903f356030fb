/* json.c - the JSON credential document served by the ECS container
 * endpoint and by IMDS ({"AccessKeyId", "SecretAccessKey", "Token",
 * "Expiration", and for IMDS "Code": "Success"}), parsed with jansson. */
#include "aws/creds/internal.h"

#include <string.h>

#include <jansson.h>

static const char *s_str(json_t *o, const char *key) { return json_string_value(json_object_get(o, key)); }

es_err es_creds_parse_json(const char *body, size_t len, const char *source, es_creds *out, es_error *err)
{
    json_error_t jerr;
    json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
    es_err rc = ES_OK;
    if (!root || !json_is_object(root)) {
        rc = es_error_set(err, ES_ERR_PROTOCOL, "%s: credentials response is not a JSON object", source);
        goto done;
    }
    const char *code = s_str(root, "Code");
    if (code && strcmp(code, "Success") != 0) {
        rc = es_error_set(err, ES_ERR_AUTH, "%s: credentials response has Code \"%.64s\"", source, code);
        goto done;
    }
    /* Absent: credentials that do not expire. Present, it must be an ISO 8601
     * string: a number or anything else would otherwise read as "never expires". */
    json_t *exp_j = json_object_get(root, "Expiration");
    const char *exp_s = json_string_value(exp_j);
    time_t exp = 0;
    if (exp_j && !exp_s) {
        rc = es_error_set(err, ES_ERR_PROTOCOL, "%s: Expiration is not a string", source);
        goto done;
    }
    if (exp_s && !es_creds_parse_iso8601(exp_s, &exp)) {
        rc = es_error_set(err, ES_ERR_PROTOCOL, "%s: unparsable Expiration \"%.40s\"", source, exp_s);
        goto done;
    }
    rc = es_creds_fill(out, s_str(root, "AccessKeyId"), s_str(root, "SecretAccessKey"), s_str(root, "Token"),
                       exp, source, err);
done:
    json_decref(root);
    return rc;
}
