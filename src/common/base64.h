/* base64.h - base64 encoding (RFC 4648, with padding), the form S3 states
 * checksums in (x-amz-checksum-*: CRCs and SHA digests). */
#ifndef ES_COMMON_BASE64_H
#define ES_COMMON_BASE64_H

#include <stddef.h>

/* Characters es_base64_encode writes for n bytes, its NUL included. */
#define ES_BASE64_SIZE(n) (4 * (((n) + 2) / 3) + 1)

/* Writes the n bytes at in as base64 and a NUL to out (ES_BASE64_SIZE(n) bytes). */
void es_base64_encode(const unsigned char *in, size_t n, char *out);

#endif
