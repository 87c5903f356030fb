/* env.h - reading a setting from the environment as the AWS SDKs read theirs:
 * a variable set to "" is the same as one not set. */
#ifndef ES_COMMON_ENV_H
#define ES_COMMON_ENV_H

/* The value of environment variable name, or NULL when unset or empty. */
const char *es_env(const char *name);

#endif
