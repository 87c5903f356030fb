/* icc_plan_fuzz.c - fuzz target for the ICC profile scrub plan
 * (src/jpeg/icc.c).
 *
 * Target Functions: es_icc_plan_build, es_icc_apply.
 *
 * The input is the first chunk of a profile (at most 65519 bytes, as one APP2
 * chunk carries); the profile is the input up to its declared size. Invariants
 * (any violation aborts): a refusal gives a reason; an accepted plan's output
 * is the same applied in one run or in runs cut where the input's last bytes
 * say, with the same count of changed bytes; after the tag table every
 * non-zero output byte is either the input's byte inside the data of a colour
 * tag the input lists, or an empty text written over a 'desc'/'cprt' tag; the
 * header's date, device, creator and ID are zero; a second scrub of the
 * output changes nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jpeg/icc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define S_REQUIRE(cond, what)                             \
    do {                                                  \
        if (!(cond)) {                                    \
            fprintf(stderr, "icc_plan_fuzz: %s\n", what); \
            abort();                                      \
        }                                                 \
    } while (0)

#define S_MAX_CHUNK 65519

static uint32_t s_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Whether profile offset o lies in the data of a colour tag of in's table. */
static bool s_in_colour_tag(const uint8_t *in, uint32_t count, uint32_t o)
{
    for (uint32_t i = 0; i < count; i++) {
        const uint8_t *e = in + 132 + 12 * i;
        uint64_t off = s_be32(e + 4), end = off + s_be32(e + 8);
        if (es_icc_tag_is_colour(s_be32(e)) && o >= off && o < end)
            return true;
    }
    return false;
}

static bool s_in_blank(const es_icc_plan *p, uint32_t o)
{
    for (size_t i = 0; i < p->nblank; i++)
        if (o >= p->blank[i].start && o < p->blank[i].start + p->blank[i].len)
            return true;
    return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static es_icc_plan plan, again;
    const char *why = NULL;
    if (size > S_MAX_CHUNK)
        return 0;
    if (es_icc_plan_build(&plan, data, size, &why) != ES_OK) {
        S_REQUIRE(why != NULL && *why, "a refusal without a reason");
        return 0;
    }
    size_t n = plan.size < size ? plan.size : size;
    uint8_t *one = malloc(n ? n : 1), *runs = malloc(n ? n : 1);
    S_REQUIRE(one && runs, "out of memory");
    size_t changed = es_icc_apply(&plan, 0, data, one, n), changed_runs = 0;
    size_t step = 1 + (size > 0 ? data[size - 1] : 0) * 7u;
    for (size_t at = 0; at < n; at += step) {
        size_t k = n - at < step ? n - at : step;
        changed_runs += es_icc_apply(&plan, (uint32_t)at, data + at, runs + at, k);
    }
    S_REQUIRE(memcmp(one, runs, n) == 0, "the output depends on how the profile is cut into runs");
    S_REQUIRE(changed == changed_runs, "the changed-byte count depends on the runs");
    size_t diff = 0;
    for (size_t i = 0; i < n; i++)
        diff += one[i] != data[i];
    S_REQUIRE(diff == changed, "the changed-byte count is wrong");
    static const uint8_t zero[20] = {0};
    S_REQUIRE(memcmp(one + 24, zero, 12) == 0 && memcmp(one + 48, zero, 8) == 0 &&
                  memcmp(one + 80, zero, 20) == 0,
              "a header field naming a date, device or creator survives");
    uint32_t count = s_be32(data + 128);
    for (size_t o = plan.table_end; o < n; o++) {
        if (one[o] == 0 || s_in_blank(&plan, (uint32_t)o))
            continue;
        S_REQUIRE(one[o] == data[o] && s_in_colour_tag(data, count, (uint32_t)o),
                  "a non-zero byte outside the colour tags survives");
    }
    S_REQUIRE(s_be32(one + 128) == plan.kept + plan.blanked, "the tag count is not the kept tags'");
    if (n == plan.size) { /* the whole profile: scrubbing it again changes nothing */
        S_REQUIRE(es_icc_plan_build(&again, one, n, &why) == ES_OK, "the scrubbed profile is refused");
        S_REQUIRE(es_icc_apply(&again, 0, one, runs, n) == 0, "a second scrub changes bytes");
    }
    free(one);
    free(runs);
    return 0;
}
