/* secure.c - secret-handling memory helpers (secure.h): glibc's
 * explicit_bzero for zeroing, and an OR-accumulated XOR for comparing, read
 * through volatile pointers so the loop cannot be cut short. */
#include "common/secure.h"

#include <string.h>

void es_secure_zero(void *p, size_t n)
{
    if (p && n)
        explicit_bzero(p, n);
}

bool es_secure_equal(const void *a, const void *b, size_t n)
{
    const volatile unsigned char *pa = a;
    const volatile unsigned char *pb = b;
    unsigned char diff = 0;
    for (size_t i = 0; i < n; i++)
        diff |= (unsigned char)(pa[i] ^ pb[i]);
    return diff == 0;
}
