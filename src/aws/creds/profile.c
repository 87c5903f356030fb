/* profile.c - the shared-files provider: static keys of a named
 * profile from the credentials file, else from the config file, re-read on
 * every fetch (the cache above it decides how often), plus the active
 * profile's other settings (region, endpoints) for creds/settings.c.
 * Malformed lines are skipped and reported (warning log, and in the error
 * message when no credentials result). */
#include "aws/creds/ini.h"
#include "aws/creds/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/env.h"
#include "common/log.h"
#include "common/secure.h"

#define S_MAX_FILE ((size_t)1 << 20)

typedef struct s_scan_ctx {
    const char *profile;
    bool config_file;
    es_creds_profile_data *d;
} s_scan_ctx;

/* "[<kind> name]" (blanks between them), as the config file names its
 * profiles and services sections. */
static bool s_named_section(const char *section, const char *kind, const char *name)
{
    size_t k = strlen(kind);
    if (strncmp(section, kind, k) != 0 || (section[k] != ' ' && section[k] != '\t'))
        return false;
    const char *rest = section + k + 1;
    while (*rest == ' ' || *rest == '\t')
        rest++;
    return strcmp(rest, name) == 0;
}

static bool s_section_matches(const char *section, const char *profile, bool config_file)
{
    if (!config_file)
        return strcmp(section, profile) == 0;
    if (strcmp(profile, "default") == 0 && strcmp(section, "default") == 0)
        return true;
    return s_named_section(section, "profile", profile);
}

static void s_store(char *dst, size_t n, const char *v, bool *too_long)
{
    size_t len = strlen(v);
    if (len >= n) {
        *too_long = true;
        dst[0] = '\0';
        return;
    }
    memcpy(dst, v, len + 1);
}

/* The true/false settings, each a bit of not_boolean_keys. */
enum s_flag_key { S_USE_FIPS, S_USE_DUALSTACK, S_IGNORE_ENDPOINT_URLS, S_FLAG_KEYS };
static const char *const s_flag_keys[S_FLAG_KEYS] = {[S_USE_FIPS] = "use_fips_endpoint",
                                                     [S_USE_DUALSTACK] = "use_dualstack_endpoint",
                                                     [S_IGNORE_ENDPOINT_URLS] = "ignore_configured_endpoint_urls"};

/* A true/false setting (any case, as the SDKs take them); another value sets
 * the key's bit in not_boolean_keys, for the client to refuse, rather than
 * being read as false.
 * The value read last counts, as for every key: the config file's
 * overrides the credentials file's, and a later line an earlier one. */
static bool s_flag(es_creds_profile_settings *st, enum s_flag_key bit, const char *value)
{
    bool is_true = !strcasecmp(value, "true");
    if (is_true || !strcasecmp(value, "false"))
        st->not_boolean_keys &= ~(1u << bit);
    else
        st->not_boolean_keys |= 1u << bit;
    return is_true;
}

const char *es_creds_profile_not_boolean(const es_creds_profile_settings *prof)
{
    for (unsigned i = 0; i < S_FLAG_KEYS; i++)
        if (prof->not_boolean_keys & (1u << i))
            return s_flag_keys[i];
    return NULL;
}

static void s_on_key(void *ctx, const char *section, const char *parent, const char *key, const char *value)
{
    s_scan_ctx *c = ctx;
    es_creds_profile_data *d = c->d;
    if (parent[0] || !s_section_matches(section, c->profile, c->config_file))
        return; /* nested settings ("s3 =\n  addressing_style = ...") are not read */
    d->found = true;
    if (!strcmp(key, "aws_access_key_id"))
        s_store(d->akid, sizeof d->akid, value, &d->too_long);
    else if (!strcmp(key, "aws_secret_access_key"))
        s_store(d->secret, sizeof d->secret, value, &d->too_long);
    else if (!strcmp(key, "aws_session_token") || !strcmp(key, "aws_security_token"))
        s_store(d->token, sizeof d->token, value, &d->too_long);
    else if (!strcmp(key, "region")) {
        d->settings.region_too_long = false; /* a later region replaces one too long */
        s_store(d->settings.region, sizeof d->settings.region, value, &d->settings.region_too_long);
    } else if (!strcmp(key, "role_arn"))
        d->has_role_arn = true;
    else if (!strncmp(key, "sso_", 4))
        d->has_sso = true;
    else if (!strcmp(key, "credential_process"))
        d->has_process = true;
    else if (!strcmp(key, s_flag_keys[S_USE_FIPS]))
        d->settings.use_fips = s_flag(&d->settings, S_USE_FIPS, value);
    else if (!strcmp(key, s_flag_keys[S_USE_DUALSTACK]))
        d->settings.use_dualstack = s_flag(&d->settings, S_USE_DUALSTACK, value);
    else if (!strcmp(key, "endpoint_url"))
        s_store(d->settings.endpoint_url, sizeof d->settings.endpoint_url, value,
                &d->settings.setting_too_long);
    else if (!strcmp(key, "services"))
        s_store(d->settings.services, sizeof d->settings.services, value, &d->settings.setting_too_long);
    else if (!strcmp(key, s_flag_keys[S_IGNORE_ENDPOINT_URLS]))
        d->settings.ignore_endpoint_urls = s_flag(&d->settings, S_IGNORE_ENDPOINT_URLS, value);
}

/* A key of the services section the profile names: "s3 =" then "  endpoint_url = ..." */
static void s_on_services_key(void *ctx, const char *section, const char *parent, const char *key,
                              const char *value)
{
    es_creds_profile_data *d = ctx;
    if (!s_named_section(section, "services", d->settings.services))
        return;
    d->settings.services_found = true;
    char *dst = !strcmp(parent, "s3")    ? d->settings.s3_endpoint_url
                : !strcmp(parent, "sqs") ? d->settings.sqs_endpoint_url
                : !strcmp(parent, "sts") ? d->settings.sts_endpoint_url
                                         : NULL;
    if (dst && !strcmp(key, "endpoint_url"))
        s_store(dst, sizeof d->settings.s3_endpoint_url, /* the three are alike */ value,
                &d->settings.setting_too_long);
}

void es_creds_profile_scan(const char *text, size_t len, bool config_file, const char *profile,
                           es_creds_profile_data *out, es_creds_ini_stats *stats)
{
    s_scan_ctx c = {profile, config_file, out};
    es_creds_ini_parse(text, len, s_on_key, &c, stats);
    if (config_file && out->settings.services[0])
        es_creds_ini_parse(text, len, s_on_services_key, out, NULL);
}

/* ---- locating the files ------------------------------------------------- */

typedef struct s_paths {
    char profile[128];
    const char *chosen_by; /* what named the profile ("AWS_PROFILE", ...); NULL for the default */
    char creds[1024];
    char config[1024];
} s_paths;

static void s_path(char *out, size_t n, const char *env, const char *home_rel)
{
    const char *v = es_env(env);
    const char *home = es_env("HOME");
    if (v && v[0] == '~' && v[1] == '/' && home)
        snprintf(out, n, "%s/%s", home, v + 2);
    else if (v)
        snprintf(out, n, "%s", v);
    else if (home)
        snprintf(out, n, "%s/%s", home, home_rel);
    else
        out[0] = '\0';
}

static void s_resolve(s_paths *p, const char *profile)
{
    p->chosen_by = profile ? "the caller" : NULL;
    if (!profile && (profile = es_env("AWS_PROFILE")) != NULL)
        p->chosen_by = "AWS_PROFILE";
    if (!profile && (profile = es_env("AWS_DEFAULT_PROFILE")) != NULL)
        p->chosen_by = "AWS_DEFAULT_PROFILE";
    snprintf(p->profile, sizeof p->profile, "%s", profile ? profile : "default");
    s_path(p->creds, sizeof p->creds, "AWS_SHARED_CREDENTIALS_FILE", ".aws/credentials");
    s_path(p->config, sizeof p->config, "AWS_CONFIG_FILE", ".aws/config");
}

/* Scans one file: ES_OK, ES_ERR_NOT_FOUND when there is none, else the
 * failure to read it, with why[] saying what (strerror). A note about
 * malformed lines goes to the log and, when note is given, into note[]. */
static es_err s_scan_file(const char *path, bool config_file, const char *profile, es_creds_profile_data *d,
                          char *note, size_t note_n, char *why, size_t why_n)
{
    char *text = NULL;
    size_t len = 0;
    int sys_err = 0;
    es_creds_ini_stats st;
    es_err rc = path[0] ? es_creds_read_file(path, S_MAX_FILE, &text, &len, &sys_err) : ES_ERR_NOT_FOUND;
    if (rc != ES_OK) {
        if (why)
            snprintf(why, why_n, "%s", es_creds_read_error(rc, sys_err));
        return rc;
    }
    es_creds_profile_scan(text, len, config_file, profile, d, &st);
    if (st.malformed) {
        ES_LOG(ES_LOG_WARN, "creds.profile.malformed", ES_LF_STR("file", path),
               ES_LF_UINT("lines", st.malformed), ES_LF_UINT("first_line", st.first_bad_line));
        if (note && !note[0])
            snprintf(note, note_n, " (%zu malformed line(s) ignored, first at %.80s:%zu)", st.malformed, path,
                     st.first_bad_line);
    }
    es_secure_zero(text, len);
    free(text);
    return ES_OK;
}

/* ---- the provider --------------------------------------------------------- */

typedef struct s_profile {
    s_paths paths;
} s_profile;

static es_err s_from_data(const es_creds_profile_data *d, const char *file, const s_paths *p,
                          const char *note, es_creds *out, es_error *err)
{
    if (d->too_long)
        return es_error_set(err, ES_ERR_CONFIG, "profile '%s' in %s: a credential value is too long",
                            p->profile, file);
    if (!d->akid[0] || !d->secret[0])
        return es_error_set(err, ES_ERR_CONFIG, "profile '%s' in %s has %s but no %s%s", p->profile, file,
                            d->akid[0] ? "aws_access_key_id" : "aws_secret_access_key",
                            d->akid[0] ? "aws_secret_access_key" : "aws_access_key_id", note);
    es_error fill_err;
    es_error_clear(&fill_err);
    /* Keys that cannot be used (a control character) are the file's fault, as in the environment. */
    if (es_creds_fill(out, d->akid, d->secret, d->token, 0, "profile", &fill_err) != ES_OK)
        return es_error_set(err, ES_ERR_CONFIG, "profile '%s' in %.100s: %s", p->profile, file, fill_err.msg);
    return ES_OK;
}

static es_err s_profile_get(void *impl, es_creds *out, es_error *err)
{
    s_profile *pr = impl;
    const s_paths *p = &pr->paths;
    es_creds_profile_data *cd = calloc(2, sizeof *cd);
    es_creds_profile_data *fd = cd + 1;
    char creds_why[100], config_why[100];
    char note[200] = "";
    es_err rc;
    if (!cd)
        return es_error_set(err, ES_ERR_NOMEM, "out of memory");
    es_err creds_rc = s_scan_file(p->creds, false, p->profile, cd, note, sizeof note, creds_why,
                                  sizeof creds_why);
    es_err config_rc = s_scan_file(p->config, true, p->profile, fd, note, sizeof note, config_why,
                                   sizeof config_why);
    /* The AWS SDKs would use these (role_arn and sso_* even before static keys):
     * neither the keys nor the next source may stand in for them. */
    const char *unsupported = cd->has_role_arn || fd->has_role_arn ? "role_arn"
                              : cd->has_sso || fd->has_sso         ? "sso_* settings"
                              : cd->has_process || fd->has_process ? "credential_process"
                                                                   : NULL;
    /* A profile that was asked for by name must exist; only the default may be absent. */
    es_err absent = p->chosen_by ? ES_ERR_CONFIG : ES_ERR_NO_CREDENTIALS;
    char by[40] = "";
    if (p->chosen_by)
        snprintf(by, sizeof by, " (named by %s)", p->chosen_by);
    /* A file that is there but cannot be read may hold the profile: guessing on would pick another source. */
    if (creds_rc != ES_OK && creds_rc != ES_ERR_NOT_FOUND)
        rc = es_error_set(err, ES_ERR_CONFIG,
                          "profile '%s': cannot read the shared credentials file %.100s: %s", p->profile,
                          p->creds, creds_why);
    else if (config_rc != ES_OK && config_rc != ES_ERR_NOT_FOUND)
        rc = es_error_set(err, ES_ERR_CONFIG, "profile '%s': cannot read the config file %.100s: %s",
                          p->profile, p->config, config_why);
    else if (unsupported)
        rc = es_error_set(err, ES_ERR_CONFIG,
                          "profile '%s'%s uses %s, which exifstrip does not support; give it only static "
                          "keys or use another source",
                          p->profile, by, unsupported);
    else if (cd->akid[0] || cd->secret[0] || cd->too_long)
        rc = s_from_data(cd, p->creds, p, note, out, err);
    else if (fd->akid[0] || fd->secret[0] || fd->too_long)
        rc = s_from_data(fd, p->config, p, note, out, err);
    else if (creds_rc != ES_OK && config_rc != ES_OK)
        rc = es_error_set(err, absent,
                          "profile '%s'%s: no shared credentials file (%.100s) or config file (%.100s)",
                          p->profile, by, p->creds[0] ? p->creds : "HOME not set",
                          p->config[0] ? p->config : "HOME not set");
    else if (!cd->found && !fd->found)
        rc = es_error_set(err, absent, "profile '%s'%s not found in %.100s or %.100s%s", p->profile, by,
                          p->creds, p->config, note);
    else
        rc = es_error_set(err, ES_ERR_NO_CREDENTIALS, "profile '%s' has no aws_access_key_id%s", p->profile,
                          note);
    es_secure_zero(cd, 2 * sizeof *cd);
    free(cd);
    return rc;
}

/* The files are read at each fetch: a check is a fetch whose keys are wiped. */
static es_err s_profile_check(void *impl, es_error *err)
{
    es_creds scratch;
    memset(&scratch, 0, sizeof scratch);
    es_err rc = s_profile_get(impl, &scratch, err);
    es_creds_clear(&scratch);
    return rc;
}

static void s_profile_destroy(void *impl) { free(impl); }

static const es_creds_provider_vtable s_profile_vtable = {.get = s_profile_get,
                                                          .destroy = s_profile_destroy,
                                                          .check = s_profile_check};

es_creds_provider *es_creds_provider_new_profile(const char *profile)
{
    s_profile *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    s_resolve(&p->paths, profile);
    return es_creds_provider_wrap(&s_profile_vtable, p);
}

es_err es_creds_profile_settings_read(es_creds_profile_settings *out)
{
    ES_ENSURE(out, ES_ERR_INVALID_ARG);
    memset(out, 0, sizeof *out);
    es_creds_profile_data *d = calloc(1, sizeof *d);
    if (!d)
        return ES_ERR_NOMEM;
    s_paths p;
    s_resolve(&p, NULL);
    /* As the SDKs merge the profile (@smithy's fromSharedConfigFiles): the
     * credentials file's settings count, the config file's override them key by key. */
    (void)s_scan_file(p.creds, false, p.profile, d, NULL, 0, NULL, 0);
    (void)s_scan_file(p.config, true, p.profile, d, NULL, 0, NULL, 0);
    *out = d->settings;
    es_secure_zero(d, sizeof *d);
    free(d);
    return ES_OK;
}
