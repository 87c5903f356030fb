/* coef_util.h - random DCT blocks for the coefficient store tests
 * (header-only, static): a block with exactly n non-zero coefficients at
 * random positions, values from -1000..1000 and the extremes (-32768,
 * 32767, +-1, +-2048), from a deterministic xorshift32 state. */
#ifndef ES_TESTS_ORIENT_COEF_UTIL_H
#define ES_TESTS_ORIENT_COEF_UTIL_H

#include <stdint.h>
#include <stdio.h> /* jpeglib.h needs FILE */
#include <string.h>

#include <jpeglib.h>

static inline uint32_t ot_coef_rand(uint32_t *state)
{
    uint32_t x = *state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *state = x;
}

/* A non-zero coefficient. */
static inline JCOEF ot_coef_value(uint32_t *state)
{
    static const JCOEF extremes[] = {-32768, 32767, -1, 1, -2048, 2047};
    uint32_t r = ot_coef_rand(state);
    JCOEF v = r % 4 == 0 ? extremes[(r >> 8) % 6] : (JCOEF)((int)((r >> 8) % 2001) - 1000);
    return v ? v : 1;
}

/* b: exactly n (0..64) non-zero coefficients at random positions. */
static inline void ot_coef_block(JCOEF *b, int n, uint32_t *state)
{
    memset(b, 0, DCTSIZE2 * sizeof(JCOEF));
    for (int set = 0; set < n;) {
        unsigned k = ot_coef_rand(state) % DCTSIZE2;
        if (!b[k]) {
            b[k] = ot_coef_value(state);
            set++;
        }
    }
}

#endif
