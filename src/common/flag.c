/* flag.c - boolean setting words (flag.h). */
#include "common/flag.h"

#include <stddef.h>
#include <strings.h>

bool es_flag_parse(const char *text, bool *out)
{
    static const char *const yes[] = {"1", "true", "yes", "on"};
    static const char *const no[] = {"0", "false", "no", "off"};
    for (size_t i = 0; text && i < sizeof yes / sizeof yes[0]; i++) {
        if (!strcasecmp(text, yes[i]) || !strcasecmp(text, no[i])) {
            *out = !strcasecmp(text, yes[i]);
            return true;
        }
    }
    return false;
}
