/* env.c - environment settings with "" read as unset (env.h). */
#include "common/env.h"

#include <stdlib.h>

const char *es_env(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}
