/* hex.h - hexadecimal digit decoding shared by the percent-decoders (SigV4
 * canonical paths, S3 listing keys, S3 event keys), lower-case hex encoding
 * of digests (SigV4, SQS's MD5 of a body), and the one decoder of
 * application/x-www-form-urlencoded text that S3 uses for keys. */
#ifndef ES_COMMON_HEX_H
#define ES_COMMON_HEX_H

#include <stddef.h>

/* Value 0-15 of the hex digit c (either case), or -1 when c is not one. */
int es_hex_digit(int c);
/* Value 0-255 of the two hex digits at s, or -1 when fewer than two bytes are
 * available (avail) or either byte is not a hex digit. */
int es_hex_byte(const char *s, size_t avail);
/* Writes the n bytes at in as 2n lower-case hex digits and a NUL to out. */
void es_hex_encode(const unsigned char *in, size_t n, char *out);

typedef enum es_form_status {
    ES_FORM_OK = 0,
    ES_FORM_BAD_ESCAPE, /* a '%' not followed by two hex digits */
    ES_FORM_TOO_LONG    /* the decoded text and its NUL do not fit in out */
} es_form_status;

/* Decodes len bytes of form-URL-encoded text ('+' is a space, %XX a byte) into
 * out, NUL-terminated (out_size >= 1). Stops at the first problem; *at is then
 * the input offset where it happened. On ES_FORM_OK, *out_len (may be NULL) is
 * the decoded length; the result may contain NUL bytes from %00. */
es_form_status es_form_decode(const char *in, size_t len, char *out, size_t out_size, size_t *out_len,
                              size_t *at);

#endif
