/* redact.c - secret removal from server-provided text (redact.h). */
#include "common/redact.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/secure.h"

/* Length of the secret-looking run at p: a whole secret, or the longest run
 * of at least ES_REDACT_MIN_PREFIX characters that also appears in a secret
 * (its start, when a message was cut; any part, when a field was). */
static size_t s_hit(const char *p, const char *const *secrets, size_t count)
{
    size_t hit = 0;
    bool long_enough = strnlen(p, ES_REDACT_MIN_PREFIX) == ES_REDACT_MIN_PREFIX;
    for (size_t i = 0; i < count; i++) {
        const char *s = secrets[i];
        size_t slen = s ? strlen(s) : 0;
        if (slen < ES_REDACT_MIN_SECRET)
            continue;
        if (strncmp(p, s, slen) == 0) {
            hit = slen > hit ? slen : hit;
            continue;
        }
        const char *at = long_enough ? memmem(s, slen, p, ES_REDACT_MIN_PREFIX) : NULL;
        for (; at; at = memmem(at + 1, slen - (size_t)(at + 1 - s), p, ES_REDACT_MIN_PREFIX)) {
            size_t n = ES_REDACT_MIN_PREFIX;
            while (at[n] && p[n] == at[n])
                n++;
            hit = n > hit ? n : hit;
        }
    }
    return hit;
}

void es_redact(char *text, size_t size, const char *const *secrets, size_t count)
{
    static const char mark[] = ES_REDACT_MARK;
    if (!text || size == 0)
        return;
    char *out = malloc(size);
    if (!out) {
        es_secure_zero(text, strnlen(text, size));
        text[0] = '\0';
        return;
    }
    size_t o = 0;
    for (const char *p = text; *p && o + 1 < size;) {
        size_t hit = s_hit(p, secrets, count);
        if (hit) {
            size_t m = sizeof mark - 1;
            if (m > size - 1 - o)
                m = size - 1 - o;
            memcpy(out + o, mark, m);
            o += m;
            p += hit;
        } else {
            out[o++] = *p++;
        }
    }
    out[o] = '\0';
    es_secure_zero(text, strnlen(text, size));
    memcpy(text, out, o + 1);
    es_secure_zero(out, size);
    free(out);
}
