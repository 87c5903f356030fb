/* hex.c - hexadecimal digit decoding (hex.h). */
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
