/* utf8.h - strict UTF-8 validation shared by the logger (escaping), the event
 * parser (S3 keys must be UTF-8) and the DLQ report (JSON strings). Rejects
 * overlong forms, surrogates and code points above U+10FFFF. */
#ifndef ES_COMMON_UTF8_H
#define ES_COMMON_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* Length (1..4) of the well-formed UTF-8 sequence starting at s (n bytes
 * available), or 0 when the bytes there are not valid UTF-8. n must be > 0. */
size_t es_utf8_seq_len(const unsigned char *s, size_t n);
/* True when all n bytes form valid UTF-8 (an empty string is valid). */
bool es_utf8_valid(const char *s, size_t n);

#endif
