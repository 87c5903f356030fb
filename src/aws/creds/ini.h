/* ini.h - the INI dialect of the AWS shared credentials and config
 * files: "[section]" headers, "key = value" lines, '#'/';' comment lines, and
 * lines indented deeper than the key before them (nested settings such as
 * "s3 =\n  key = v", or continuation lines), which are skipped. Key names are
 * reported lower-cased; values are trimmed and lose an inline comment that
 * follows a blank ("key = v  # note"). Lines that fit none of these are
 * counted as malformed and otherwise ignored. A leading UTF-8 byte order mark
 * is skipped. */
#ifndef ES_AWS_CREDS_INI_H
#define ES_AWS_CREDS_INI_H

#include <stdbool.h>
#include <stddef.h>

/* Called for every key in a section (section is the trimmed text between the brackets). */
typedef void (*es_creds_ini_fn)(void *ctx, const char *section, const char *key, const char *value);

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
    bool use_fips, use_dualstack;            /* use_fips_endpoint / use_dualstack_endpoint = true */
    bool has_endpoint_url;                   /* endpoint_url, or services (a services section) */
    bool ignore_endpoint_urls;               /* ignore_configured_endpoint_urls = true */
    char akid[128];
    char secret[128];
    char token[4096];
    char region[64];
} es_creds_profile_data;

/* Collects profile's keys from the text of a credentials file ("[name]") or,
 * with config_file, of a config file ("[profile name]", and "[default]" for
 * the default profile). Later keys override earlier ones. */
void es_creds_profile_scan(const char *text, size_t len, bool config_file, const char *profile,
                           es_creds_profile_data *out, es_creds_ini_stats *stats);

#endif
