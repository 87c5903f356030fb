/* redact.h - the one place that removes secrets (secret keys, session
 * tokens, web identity tokens) from text built from what a server sent back:
 * error messages, codes, request ids, whole error bodies. A server may echo a
 * secret whole or cut short (a truncated message, a length-limited field),
 * so any run of ES_REDACT_MIN_PREFIX or more characters found in a secret
 * (its start above all) is removed too. Run it before text is truncated, and again on the result. */
#ifndef ES_COMMON_REDACT_H
#define ES_COMMON_REDACT_H

#include <stddef.h>

#define ES_REDACT_MIN_PREFIX 16
/* Shorter "secrets" (a test's "test") are ignored: removing them would mangle
 * ordinary words, and no real AWS secret is that short. */
#define ES_REDACT_MIN_SECRET 8
#define ES_REDACT_MARK "[redacted]"

/* Replaces, in the NUL-terminated text held in a buffer of size bytes, every
 * occurrence of a whole secret and every run of at least ES_REDACT_MIN_PREFIX
 * characters that also occurs in a secret, by ES_REDACT_MARK. One pass from
 * left to right (a mark is never matched again); the result is cut to fit
 * size. NULL secrets and those shorter than ES_REDACT_MIN_SECRET are ignored. If no scratch memory can be had,
 * the text is emptied: it cannot be proved clean. */
void es_redact(char *text, size_t size, const char *const *secrets, size_t count);

#endif
