/* nomem_test.c - an orientation stripper whose probe (the stripper that
 * reads the EXIF Orientation before the turn is decided) runs out of memory
 * fails with ES_ERR_NOMEM, naming the segment it could not hold. It must not
 * decide as if the photo had no tag: that wrote it stored sideways, without
 * the tag, as a success. The allocation of the Exif segment's size fails
 * once (fail_malloc.h; skipped under the sanitizers). Nor when libexif cannot
 * make its objects (this test stands in for exif_data_new): the tag is
 * unread, not absent. */

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libexif/exif-data.h>

#include "../harness/test.h"
#include "../support/fail_malloc.h"
#include "orient_util.h"

static bool s_exif_data_new_fails; /* the next exif_data_new returns NULL */

ExifData *exif_data_new(void)
{
    if (s_exif_data_new_fails) {
        s_exif_data_new_fails = false;
        return NULL;
    }
    ExifData *(*real)(void) = (ExifData * (*)(void)) dlsym(RTLD_NEXT, "exif_data_new");
    if (!real)
        abort();
    return real();
}

static void test_probe_out_of_memory_is_an_error(void)
{
    if (!es_test_fail_malloc_available())
        SKIP("the sanitizers' allocators replace malloc");
    size_t len = 0, body = 0;
    uint8_t *jpeg = es_fixture_turned_with_exif(&len, &body);
    REQUIRE(jpeg != NULL);
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

/* A photo whose Orientation entry is left to libexif (its type SSHORT, not
 * SHORT: the plain reader is unsure) while libexif has no memory: an error,
 * never "orientation 1 assumed". */
static void test_exif_unread_is_an_error(void)
{
    es_fixture_opts o = {.width = 64, .height = 48, .components = 3, .quality = 90, .orientation = 1};
    uint8_t *jpeg = NULL;
    size_t len = 0;
    REQUIRE(es_fixture_make(&o, &jpeg, &len) == 0);
    uint8_t *entry = NULL; /* tag 0x0112, type 3, little-endian as the fixture writes it */
    for (size_t i = 0; i + 4 <= len && !entry; i++)
        if (!memcmp(jpeg + i, "\x12\x01\x03\x00", 4))
            entry = jpeg + i;
    REQUIRE(entry != NULL);
    entry[2] = 0x08; /* SSHORT */
    s_exif_data_new_fails = true;
    es_orient_config cfg = {.mode = ES_ORIENT_APPLY};
    es_orient_result res;
    es_error err = {0};
    uint8_t *out = NULL;
    size_t out_len = 0;
    CHECK_INT_EQ(es_orient_strip_buffer(NULL, &cfg, jpeg, len, &out, &out_len, &err, &res), ES_ERR_NOMEM);
    CHECK(!s_exif_data_new_fails); /* it was asked */
    CHECK(out == NULL);
    CHECK_STR_CONTAINS(err.msg, "no memory to read the Exif");
    es_error_clear(&err);
    CHECK_OK(es_orient_strip_buffer(NULL, &cfg, jpeg, len, &out, &out_len, &err, &res)); /* as before */
    CHECK_STR_CONTAINS(res.note, "orientation 1 assumed");
    free(out);
    free(jpeg);
}

int main(void)
{
    ES_RUN(test_probe_out_of_memory_is_an_error);
    ES_RUN(test_exif_unread_is_an_error);
    return es_test_finish();
}
