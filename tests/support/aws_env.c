/* aws_env.c - environment and temporary-directory helpers of aws_env.h. */
#include "aws_env.h"

#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const s_vars[] = {"AWS_ACCESS_KEY_ID",
                                     "AWS_ACCESS_KEY",
                                     "AWS_SECRET_ACCESS_KEY",
                                     "AWS_SECRET_KEY",
                                     "AWS_SESSION_TOKEN",
                                     "AWS_SECURITY_TOKEN",
                                     "AWS_PROFILE",
                                     "AWS_DEFAULT_PROFILE",
                                     "AWS_SHARED_CREDENTIALS_FILE",
                                     "AWS_CONFIG_FILE",
                                     "AWS_WEB_IDENTITY_TOKEN_FILE",
                                     "AWS_ROLE_ARN",
                                     "AWS_ROLE_SESSION_NAME",
                                     "AWS_ENDPOINT_URL",
                                     "AWS_ENDPOINT_URL_STS",
                                     "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
                                     "AWS_REGION",
                                     "AWS_DEFAULT_REGION",
                                     "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
                                     "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                                     "AWS_CONTAINER_AUTHORIZATION_TOKEN",
                                     "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
                                     "AWS_EC2_METADATA_SERVICE_ENDPOINT",
                                     "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE",
                                     "AWS_EC2_METADATA_DISABLED",
                                     "AWS_CA_BUNDLE",
                                     "EXIFSTRIP_ECS_ENDPOINT",
                                     "http_proxy",
                                     "https_proxy",
                                     "HTTP_PROXY",
                                     "HTTPS_PROXY",
                                     "ALL_PROXY",
                                     "all_proxy"};

void es_test_aws_env_reset(const char *home)
{
    for (size_t i = 0; i < sizeof s_vars / sizeof s_vars[0]; i++)
        unsetenv(s_vars[i]);
    if (home)
        setenv("HOME", home, 1);
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
}

char *es_test_tmpdir_new(const char *tag)
{
    const char *base = getenv("TMPDIR");
    char tmpl[1024];
    snprintf(tmpl, sizeof tmpl, "%s/es_%s_XXXXXX", base && *base ? base : "/tmp", tag ? tag : "t");
    if (!mkdtemp(tmpl))
        return NULL;
    return strdup(tmpl);
}

static void s_remove_tree(const char *path)
{
    DIR *d = opendir(path);
    struct dirent *e;
    if (d) {
        while ((e = readdir(d)) != NULL) {
            char sub[2048];
            struct stat st;
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                continue;
            if (snprintf(sub, sizeof sub, "%s/%s", path, e->d_name) >= (int)sizeof sub)
                continue;
            if (lstat(sub, &st) == 0 && S_ISDIR(st.st_mode))
                s_remove_tree(sub);
            else
                unlink(sub);
        }
        closedir(d);
    }
    rmdir(path);
}

void es_test_tmpdir_remove(char *path)
{
    if (!path)
        return;
    s_remove_tree(path);
    free(path);
}

char *es_test_write_file(const char *dir, const char *name, const char *text)
{
    char path[2048];
    if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path)
        return NULL;
    char *slash = strrchr(path, '/');
    if (slash && slash > path + strlen(dir)) {
        *slash = '\0';
        mkdir(path, 0700);
        *slash = '/';
    }
    FILE *f = fopen(path, "wb");
    if (!f)
        return NULL;
    size_t n = strlen(text);
    bool ok = fwrite(text, 1, n, f) == n;
    ok = fclose(f) == 0 && ok;
    return ok ? strdup(path) : NULL;
}
