/* ini.h - the INI dialect of the AWS shared credentials and config
 * files: "[section]" headers, "key = value" lines, '#'/';' comment lines, and
 * lines indented deeper than the key before them: nested settings when that
 * key's value is empty ("s3 =\n  endpoint_url = v", reported under the
 * parent "s3"), else continuation lines, which are skipped. Key names are
 * reported lower-cased; values are trimmed and lose an inline comment that
 * follows a blank ("key = v  # note"). Lines that fit none of these are
 * counted as malformed and otherwise ignored. A leading UTF-8 byte order mark
 * is skipped. */
#ifndef ES_AWS_CREDS_INI_H
#define ES_AWS_CREDS_INI_H

#include <stdbool.h>
#include <stddef.h>

#include "aws/creds/creds.h"

/* Called for every key in a section (section is the trimmed text between the
 * brackets); parent is "" for a key of the section itself, else the key whose
 * nested block this one is in. */
typedef void (*es_creds_ini_fn)(void *ctx, const char *section, const char *parent, const char *key,
                                const char *value);

typedef struct es_creds_ini_stats {
    size_t malformed;      /* lines ignored as malformed */
    size_t first_bad_line; /* 1-based line number of the first, 0 = none */
} es_creds_ini_stats;

/* Parses text[0..len) (need not be NUL-terminated; NUL bytes end a line's
 * content). Lines longer than 8 KiB are malformed. stats may be NULL. */
void es_creds_ini_parse(const char *text, size_t len, es_creds_ini_fn fn, void *ctx, es_creds_ini_stats *stats);

/* What one file says about one profile. */
typedef struct es_creds_profile_data {
    bool found;                              /* the profile's section exists */
    bool too_long;                           /* a credential value did not fit (it is then left empty) */
    bool has_role_arn, has_sso, has_process; /* unsupported ways to get credentials */
    char akid[128];
    char secret[128];
    char token[4096];
    es_creds_profile_settings settings; /* region, endpoints */
} es_creds_profile_data;

/* Collects profile's keys from the text of a credentials file ("[name]") or,
 * with config_file, of a config file ("[profile name]", and "[default]" for
 * the default profile), and there, the endpoints of the services section the
 * profile names. Later keys override earlier ones. */
void es_creds_profile_scan(const char *text, size_t len, bool config_file, const char *profile,
                           es_creds_profile_data *out, es_creds_ini_stats *stats);

#endif
