/* hex.h - hexadecimal digit decoding shared by the percent-decoders (SigV4
 * canonical paths, S3 listing keys, S3 event keys). */
#ifndef ES_COMMON_HEX_H
#define ES_COMMON_HEX_H

#include <stddef.h>

/* Value 0-15 of the hex digit c (either case), or -1 when c is not one. */
int es_hex_digit(int c);
/* Value 0-255 of the two hex digits at s, or -1 when fewer than two bytes are
 * available (avail) or either byte is not a hex digit. */
int es_hex_byte(const char *s, size_t avail);

#endif
