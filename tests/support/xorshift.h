/* xorshift.h - the tests' deterministic pseudo-random numbers: Marsaglia's
 * xorshift32 (13, 17, 5) on a caller's non-zero state. Header-only. */
#ifndef ES_TEST_XORSHIFT_H
#define ES_TEST_XORSHIFT_H

#include <stdint.h>

static inline uint32_t es_xorshift32(uint32_t *state)
{
    uint32_t x = *state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *state = x;
}

#endif
