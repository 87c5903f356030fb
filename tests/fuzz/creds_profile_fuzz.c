/* creds_profile_fuzz.c - libFuzzer target for the shared credentials/config
 * file parser.
 *
 * Target Functions: es_creds_ini_parse (src/aws/creds/ini.c),
 * es_creds_profile_scan (src/aws/creds/profile.c).
 *
 * The input is parsed as an INI file; every reported section, key (and a
 * nested key's parent) and value must be NUL-terminated, trimmed, and keys
 * lower-case; the malformed-line
 * statistics must be consistent; the profile scan, as a credentials file and
 * as a config file, must leave every field terminated inside its buffer. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aws/creds/ini.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool s_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }

/* A key name: not empty, trimmed, lower-case, without '='. */
static void s_check_key(const char *key)
{
    size_t kl = strlen(key);
    if (kl == 0 || s_blank(key[0]) || s_blank(key[kl - 1]))
        abort();
    for (const char *k = key; *k; k++)
        if ((*k >= 'A' && *k <= 'Z') || *k == '=')
            abort();
}

static void s_check_kv(void *ctx, const char *section, const char *parent, const char *key, const char *value)
{
    size_t *count = ctx;
    size_t sl = strlen(section), vl = strlen(value);
    (*count)++;
    if (sl == 0 || s_blank(section[0]) || s_blank(section[sl - 1]) ||
        (vl && (s_blank(value[0]) || s_blank(value[vl - 1]))))
        abort();
    s_check_key(key);
    if (parent[0])
        s_check_key(parent);
}

static void s_check_data(const es_creds_profile_data *d, bool config_file)
{
    const es_creds_profile_settings *st = &d->settings;
    if (!memchr(d->akid, '\0', sizeof d->akid) || !memchr(d->secret, '\0', sizeof d->secret) ||
        !memchr(d->token, '\0', sizeof d->token) || !memchr(st->region, '\0', sizeof st->region) ||
        !memchr(st->services, '\0', sizeof st->services) ||
        !memchr(st->endpoint_url, '\0', sizeof st->endpoint_url) ||
        !memchr(st->s3_endpoint_url, '\0', sizeof st->s3_endpoint_url) ||
        !memchr(st->sqs_endpoint_url, '\0', sizeof st->sqs_endpoint_url) ||
        !memchr(st->sts_endpoint_url, '\0', sizeof st->sts_endpoint_url))
        abort();
    if ((d->akid[0] || d->secret[0] || d->token[0] || st->region[0] || st->endpoint_url[0] ||
         st->services[0] || d->has_role_arn || d->has_sso || d->has_process) &&
        !d->found)
        abort();
    /* a services section's endpoints only through a profile naming it, in a config file */
    if ((st->s3_endpoint_url[0] || st->sqs_endpoint_url[0] || st->sts_endpoint_url[0] || st->services_found) &&
        (!config_file || !st->services[0] || !st->services_found))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    es_creds_ini_stats st;
    size_t keys = 0, lines = 1;
    for (size_t i = 0; i < size; i++)
        lines += data[i] == '\n';
    es_creds_ini_parse(text, size, s_check_kv, &keys, &st);
    if (st.malformed > lines || (st.malformed == 0) != (st.first_bad_line == 0) ||
        st.first_bad_line > lines || keys > lines)
        abort();

    static const char *const profiles[] = {"default", "x", "profile x"};
    for (size_t p = 0; p < sizeof profiles / sizeof profiles[0]; p++) {
        for (int config = 0; config < 2; config++) {
            es_creds_profile_data *d = calloc(1, sizeof *d);
            if (!d)
                return 0;
            es_creds_profile_scan(text, size, config != 0, profiles[p], d, NULL);
            s_check_data(d, config != 0);
            free(d);
        }
    }
    return 0;
}
