/* secure.h - memory helpers for secrets: zeroing that the compiler may not
 * elide, and a comparison whose time does not depend on where the inputs
 * differ. */
#ifndef ES_COMMON_SECURE_H
#define ES_COMMON_SECURE_H

#include <stdbool.h>
#include <stddef.h>

/* Overwrites n bytes at p with zeros even if p is never read again. p may be
 * NULL when n is 0. */
void es_secure_zero(void *p, size_t n);

/* True when the n bytes at a and b are equal; the time taken depends only on
 * n, not on the contents. */
bool es_secure_equal(const void *a, const void *b, size_t n);

#endif
