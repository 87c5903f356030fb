/* nomem_test.c - an orientation stripper whose probe (the stripper that
 * reads the EXIF Orientation before the turn is decided) runs out of memory
 * fails with ES_ERR_NOMEM, naming the segment it could not hold. It must not
 * decide as if the photo had no tag: that wrote it stored sideways, without
 * the tag, as a success. The allocation of the Exif segment's size fails
 * once (fail_malloc.h; skipped under the sanitizers). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../harness/test.h"
#include "../support/fail_malloc.h"
#include "orient_util.h"

/* The body length of the first APP1 (Exif) segment of j (0: none). */
static size_t s_exif_body(const uint8_t *j, size_t len)
{
    ot_seg segs[16];
    size_t n = ot_header_segments(j, len, segs, 16);
    for (size_t i = 0; i < n; i++)
        if (segs[i].marker == 0xE1)
            return segs[i].len - 4; /* less the marker and the length field */
    return 0;
}

static void test_probe_out_of_memory_is_an_error(void)
{
    if (!es_test_fail_malloc_available())
        SKIP("the sanitizers' allocators replace malloc");
    es_fixture_opts o = {.width = 64,
                         .height = 48,
                         .components = 3,
                         .quality = 90,
                         .oriented_pixels = true,
                         .orientation = 6,
                         .exif_gps = true};
    uint8_t *jpeg = NULL;
    size_t len = 0;
    REQUIRE(es_fixture_make(&o, &jpeg, &len) == 0);
    size_t body = s_exif_body(jpeg, len);
    REQUIRE(body > 0);
    es_orient_config cfg = {.mode = ES_ORIENT_APPLY};
    es_orient_result res;
    es_error err = {0};
    uint8_t *out = NULL;
    size_t out_len = 0;
    CHECK_OK(es_orient_strip_buffer(NULL, &cfg, jpeg, len, &out, &out_len, &err, &res)); /* as it should */
    CHECK_INT_EQ(res.outcome, ES_ORIENT_TRANSFORMED);
    free(out);
    out = NULL;

    es_test_fail_next_malloc(body);
    es_error_clear(&err);
    CHECK_INT_EQ(es_orient_strip_buffer(NULL, &cfg, jpeg, len, &out, &out_len, &err, &res), ES_ERR_NOMEM);
    CHECK(es_test_malloc_failure_met());
    CHECK(out == NULL);
    CHECK_STR_CONTAINS(err.msg, "no memory to inspect the APP1 (Exif) segment");
    es_test_fail_next_malloc(0);
    free(out);
    free(jpeg);
}

int main(void)
{
    ES_RUN(test_probe_out_of_memory_is_an_error);
    return es_test_finish();
}
