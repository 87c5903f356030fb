/* icc_test.c - the ICC scrub plan (src/jpeg/icc.c) on real profiles made
 * with liblcms2 (v2 and v4): the scrubbed profile opens and transforms
 * colours exactly as the original, keeps its length, loses every identifying
 * string and header field, and comes out the same however it is cut into
 * runs; a second scrub changes nothing; tags sharing data with a colour tag
 * keep it; every malformed profile is refused. */
#include <stdlib.h>
#include <string.h>

#include "../harness/test.h"
#include "icc_util.h"
#include "jpeg/icc.h"

static uint32_t s_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void s_put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* The table entry of sig in profile p, or NULL. */
static uint8_t *s_entry(uint8_t *p, uint32_t sig)
{
    uint32_t n = s_be32(p + 128);
    for (uint32_t i = 0; i < n; i++)
        if (s_be32(p + 132 + 12 * i) == sig)
            return p + 132 + 12 * i;
    return NULL;
}

static es_icc_plan s_plan;

/* Scrubs a whole profile in one run into a new buffer; NULL when refused. */
static uint8_t *s_scrub(const uint8_t *in, size_t len, size_t *changed)
{
    const char *why = NULL;
    if (es_icc_plan_build(&s_plan, in, len, &why) != ES_OK)
        return NULL;
    uint8_t *out = malloc(len);
    if (out)
        *changed = es_icc_apply(&s_plan, 0, in, out, len);
    return out;
}

static void s_check_scrub(bool v4)
{
    size_t len = 0, changed = 0, again_changed = 0;
    uint8_t *in = es_ti_profile(v4, &len);
    REQUIRE(in != NULL);
    CHECK(es_ti_has_secret(in, len)); /* the test's own premise */
    CHECK_INT_EQ(s_be32(in), len);
    uint8_t *out = s_scrub(in, len, &changed);
    REQUIRE(out != NULL);
    CHECK(changed > 0);
    CHECK(!es_ti_has_secret(out, len));
    CHECK(es_ti_same_colours(in, len, out, len));
    /* header: what describes the colour data as it was (size, CMM, version,
     * class, colour spaces, 'acsp', platform, the ICC's halves of flags and
     * attributes, intent, illuminant), every other byte zero (date, vendor
     * halves, device, creator, ID, reserved: the profile set each) */
    static const uint8_t kept[][2] = {{0, 10}, {12, 24}, {36, 44}, {46, 48}, {60, 64}, {66, 80}};
    uint8_t want[ES_ICC_HEADER_SIZE] = {0};
    for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++)
        memcpy(want + kept[i][0], in + kept[i][0], (size_t)(kept[i][1] - kept[i][0]));
    CHECK_MEM_EQ(out, ES_ICC_HEADER_SIZE, want, ES_ICC_HEADER_SIZE);
    CHECK(in[44] == 0xAB && memcmp(in + 56, "VNDR", 4) == 0 && memcmp(in + 80, "janD", 4) == 0);
    /* desc and cprt empty, the other text tags gone */
    cmsHPROFILE h = cmsOpenProfileFromMem(out, (cmsUInt32Number)len);
    REQUIRE(h != NULL);
    char text[64] = "";
    CHECK(cmsGetProfileInfoASCII(h, cmsInfoDescription, "en", "US", text, sizeof text) <= 2); /* NULs only */
    CHECK_STR_EQ(text, "");
    CHECK(cmsGetProfileInfoASCII(h, cmsInfoCopyright, "en", "US", text, sizeof text) <= 2);
    CHECK_STR_EQ(text, "");
    CHECK(cmsGetProfileInfoASCII(h, cmsInfoDescription, "en", "US", NULL, 0) <= 2);
    CHECK(cmsIsTag(h, cmsSigProfileDescriptionTag));
    CHECK(cmsIsTag(h, cmsSigCopyrightTag));
    CHECK(!cmsIsTag(h, cmsSigDeviceMfgDescTag));
    CHECK(!cmsIsTag(h, cmsSigDeviceModelDescTag));
    CHECK(!cmsIsTag(h, cmsSigMetaTag));
    CHECK(!cmsIsTag(h, (cmsTagSignature)0x5A5A5A5A));
    CHECK(cmsIsTag(h, cmsSigRedTRCTag));
    CHECK_INT_EQ(cmsGetTagCount(h), (int)(s_plan.kept + s_plan.blanked));
    CHECK_INT_EQ(s_plan.removed, 4);
    CHECK_INT_EQ(s_plan.blanked, 2);
    cmsCloseProfile(h);
    /* the blanked text's type follows the version */
    uint8_t *desc = s_entry(out, 0x64657363);
    REQUIRE(desc != NULL);
    CHECK(memcmp(out + s_be32(desc + 4), v4 ? "mluc" : "desc", 4) == 0);
    CHECK_INT_EQ(s_be32(desc + 8), v4 ? 28 : 91);
    /* any cut into runs gives the same bytes */
    uint8_t *runs = malloc(len);
    REQUIRE(runs != NULL);
    for (size_t step = 1; step <= 257; step += 16) {
        size_t total = 0;
        memset(runs, 0xAA, len);
        for (size_t at = 0; at < len; at += step) {
            size_t n = len - at < step ? len - at : step;
            total += es_icc_apply(&s_plan, (uint32_t)at, in + at, runs + at, n);
        }
        CHECK_MEM_EQ(runs, len, out, len);
        CHECK_INT_EQ(total, changed);
    }
    /* a second scrub changes nothing (strip is idempotent, audit of the output is clean) */
    uint8_t *again = s_scrub(out, len, &again_changed);
    REQUIRE(again != NULL);
    CHECK_INT_EQ(again_changed, 0);
    CHECK_MEM_EQ(again, len, out, len);
    free(again);
    free(runs);
    free(out);
    free(in);
}

static void test_v2_profile_scrubbed(void) { s_check_scrub(false); }
static void test_v4_profile_scrubbed(void) { s_check_scrub(true); }

/* An iccMAX (version 5) header's spectral PCS, ranges, MCS and subclass
 * (bytes 100..123) are kept; its last reserved bytes, and a v4 header's
 * 100..127, are zeroed. */
static void test_icc_max_header_fields_kept(void)
{
    size_t len = 0, changed = 0;
    uint8_t *in = es_ti_profile(true, &len);
    REQUIRE(in != NULL);
    static const uint8_t zero[28] = {0};
    for (int v5 = 0; v5 < 2; v5++) {
        in[8] = v5 ? 5 : 4;
        uint8_t *out = s_scrub(in, len, &changed);
        REQUIRE(out != NULL);
        if (v5)
            CHECK_MEM_EQ(out + 100, 24, in + 100, 24);
        else
            CHECK_MEM_EQ(out + 100, 24, zero, 24);
        CHECK_MEM_EQ(out + 124, 4, zero, 4);
        free(out);
    }
    free(in);
}

/* A removed tag that shares its data with a colour tag leaves that data alone. */
static void test_shared_data_kept(void)
{
    size_t len = 0, changed = 0;
    uint8_t *in = es_ti_profile(false, &len);
    REQUIRE(in != NULL);
    uint8_t *dmdd = s_entry(in, 0x646D6464), *wtpt = s_entry(in, 0x77747074);
    REQUIRE(dmdd && wtpt);
    memcpy(dmdd + 4, wtpt + 4, 8); /* dmdd now points at the white point */
    uint8_t *out = s_scrub(in, len, &changed);
    REQUIRE(out != NULL);
    uint32_t off = s_be32(wtpt + 4), size = s_be32(wtpt + 8);
    CHECK_MEM_EQ(out + off, size, in + off, size);
    CHECK(s_entry(out, 0x646D6464) == NULL);
    CHECK(es_ti_same_colours(in, len, out, len));
    free(out);
    free(in);
}

/* A text tag too short for the empty text, or overlapping a colour tag, is removed. */
static void test_unfit_text_removed(void)
{
    size_t len = 0, changed = 0;
    uint8_t *in = es_ti_profile(false, &len);
    REQUIRE(in != NULL);
    uint8_t *desc = s_entry(in, 0x64657363), *cprt = s_entry(in, 0x63707274), *rxyz = s_entry(in, 0x7258595A);
    REQUIRE(desc && cprt && rxyz);
    s_put32(desc + 8, 90);         /* one byte short of a v2 textDescriptionType */
    memcpy(cprt + 4, rxyz + 4, 4); /* cprt over rXYZ */
    s_put32(cprt + 8, 20);
    uint8_t *out = s_scrub(in, len, &changed);
    REQUIRE(out != NULL);
    CHECK_INT_EQ(s_plan.blanked, 0);
    CHECK(s_entry(out, 0x64657363) == NULL);
    CHECK(s_entry(out, 0x63707274) == NULL);
    CHECK(!es_ti_has_secret(out, len));
    CHECK(es_ti_same_colours(in, len, out, len));
    free(out);
    free(in);
}

/* Unreferenced bytes (a gap between tags, padding) are zeroed too. */
static void test_gap_zeroed(void)
{
    size_t len = 0, changed = 0;
    uint8_t *in = es_ti_profile(false, &len);
    REQUIRE(in != NULL);
    uint8_t *big = realloc(in, len + 64);
    REQUIRE(big != NULL);
    in = big;
    memcpy(in + len, "PrivateNote hidden after the last tag, Jane Doe", 47);
    memset(in + len + 47, 0, 17);
    s_put32(in, (uint32_t)len + 64);
    uint8_t *out = s_scrub(in, len + 64, &changed);
    REQUIRE(out != NULL);
    CHECK(!es_ti_has_secret(out, len + 64));
    free(out);
    free(in);
}

static void s_refused(const uint8_t *p, size_t len, const char *reason)
{
    const char *why = NULL;
    CHECK_INT_EQ(es_icc_plan_build(&s_plan, p, len, &why), ES_ERR_INVALID_ARG);
    CHECK_STR_CONTAINS(why, reason);
}

static void test_malformed_refused(void)
{
    size_t len = 0;
    uint8_t *in = es_ti_profile(true, &len);
    REQUIRE(in != NULL);
    uint8_t *p = malloc(len);
    REQUIRE(p != NULL);
    uint32_t count = s_be32(in + 128);
    s_refused(in, 131, "header");
    s_refused(in, 132 + 12 * count - 1, "not in the first chunk");
#define S_EDIT(stmt, reason)       \
    do {                           \
        memcpy(p, in, len);        \
        stmt;                      \
        s_refused(p, len, reason); \
    } while (0)
    S_EDIT(memcpy(p + 36, "acsq", 4), "acsp");
    S_EDIT(s_put32(p, 131), "below 132");
    S_EDIT(s_put32(p, 132 + 12 * count - 1), "past the declared");
    S_EDIT(s_put32(p + 128, ES_ICC_MAX_TAGS + 1), "too many");
    S_EDIT(s_put32(p + 128, 0xFFFFFFFFu), "too many");
    S_EDIT(s_put32(s_entry(p, 0x7258595A) + 8, 0xFFFFFFF0u), "colour tag");   /* size wraps */
    S_EDIT(s_put32(s_entry(p, 0x7258595A) + 4, 0xFFFFFFF0u), "colour tag");   /* offset past the end */
    S_EDIT(s_put32(s_entry(p, 0x7258595A) + 4, 0), "colour tag");             /* over the header */
    S_EDIT(s_put32(s_entry(p, 0x7258595A) + 8, (uint32_t)len), "colour tag"); /* past the size */
#undef S_EDIT
    /* a removed tag out of range is just removed */
    const char *why = NULL;
    memcpy(p, in, len);
    s_put32(s_entry(p, 0x6D657461) + 4, 0xFFFFFFF0u);
    CHECK_INT_EQ(es_icc_plan_build(&s_plan, p, len, &why), ES_OK);
    CHECK_INT_EQ(es_icc_plan_build(&s_plan, NULL, 0, &why), ES_ERR_INVALID_ARG);
    free(p);
    free(in);
}

/* Bytes asked for past the declared size come out zero (the stripper never asks). */
static void test_apply_past_size(void)
{
    size_t len = 0;
    uint8_t *in = es_ti_profile(false, &len);
    REQUIRE(in != NULL);
    REQUIRE(es_icc_plan_build(&s_plan, in, len, NULL) == ES_OK);
    uint8_t tail[8] = {1, 2, 3, 4, 5, 6, 7, 8}, zero[8] = {0};
    CHECK_INT_EQ(es_icc_apply(&s_plan, (uint32_t)len, tail, tail, sizeof tail), 8);
    CHECK_MEM_EQ(tail, 8, zero, 8);
    CHECK_INT_EQ(es_icc_apply(&s_plan, 0xFFFFFFFCu, tail, tail, sizeof tail), 0);
    free(in);
}

static void test_colour_table(void)
{
    CHECK(es_icc_tag_is_colour(0x41324230));  /* A2B0 */
    CHECK(es_icc_tag_is_colour(0x76636774));  /* vcgt */
    CHECK(es_icc_tag_is_colour(0x636C7274));  /* clrt */
    CHECK(!es_icc_tag_is_colour(0x64657363)); /* desc */
    CHECK(!es_icc_tag_is_colour(0x6D657461)); /* meta */
    CHECK(!es_icc_tag_is_colour(0x646D6E64)); /* dmnd */
    char t[5];
    es_icc_sig_text(0x64657363, t);
    CHECK_STR_EQ(t, "desc");
    es_icc_sig_text(0x00410A7F, t);
    CHECK_STR_EQ(t, "?A??");
}

int main(void)
{
    ES_RUN(test_v2_profile_scrubbed);
    ES_RUN(test_v4_profile_scrubbed);
    ES_RUN(test_icc_max_header_fields_kept);
    ES_RUN(test_shared_data_kept);
    ES_RUN(test_unfit_text_removed);
    ES_RUN(test_gap_zeroed);
    ES_RUN(test_malformed_refused);
    ES_RUN(test_apply_past_size);
    ES_RUN(test_colour_table);
    return es_test_finish();
}
