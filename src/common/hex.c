/* hex.c - hexadecimal digit decoding and encoding, form-URL decoding (hex.h). */
#include "common/hex.h"

int es_hex_digit(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int es_hex_byte(const char *s, size_t avail)
{
    if (avail < 2)
        return -1;
    int hi = es_hex_digit((unsigned char)s[0]);
    int lo = hi >= 0 ? es_hex_digit((unsigned char)s[1]) : -1;
    return lo >= 0 ? hi << 4 | lo : -1;
}

void es_hex_encode(const unsigned char *in, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = '\0';
}

es_form_status es_form_decode(const char *in, size_t len, char *out, size_t out_size, size_t *out_len,
                              size_t *at)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        if (o + 1 >= out_size) {
            *at = i;
            return ES_FORM_TOO_LONG;
        }
        char c = in[i];
        if (c == '+') {
            c = ' ';
        } else if (c == '%') {
            int byte = es_hex_byte(in + i + 1, len - i - 1);
            if (byte < 0) {
                *at = i;
                return ES_FORM_BAD_ESCAPE;
            }
            c = (char)byte;
            i += 2;
        }
        out[o++] = c;
    }
    out[o] = '\0';
    if (out_len)
        *out_len = o;
    return ES_FORM_OK;
}
