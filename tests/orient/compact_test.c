/* compact_test.c - a turned photo's output written back into the
 * transformed copy (src/orient/compact.c) and handed over in one call that
 * stays valid until the stripper is freed (es_orient_stripper_output_stable):
 * runs that point into the buffer are moved, a header rebuilt as it stands
 * right after the previous run continues that run, anything else (other
 * bytes, a run behind the output's end) is copied aside; the output never
 * passes the buffer. Through the stripper: a turned photo's output comes in
 * one stable call, equal to the whole-buffer strip's and clean (the plain
 * stripper leaves it as it is); a photo not turned streams as before, never
 * stable. (The corpus's turned photos against references: corpus_orient_test.) */
#include <stdlib.h>
#include <string.h>

#include "../harness/test.h"
#include "../support/fixture.h"
#include "exifstrip/orient.h"
#include "orient/compact.h"

static void test_runs_moved_continued_and_aside(void)
{
    uint8_t buf[32];
    memcpy(buf, "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345", 32);
    es_orient_compact k;
    es_orient_compact_init(&k, buf, sizeof buf);
    CHECK_OK(es_orient_compact_write(&k, buf, 3));                   /* ABC in place */
    CHECK_OK(es_orient_compact_write(&k, buf + 6, 4));               /* GHIJ: DEF dropped */
    CHECK_OK(es_orient_compact_write(&k, (const uint8_t *)"KL", 2)); /* rebuilt as it stands */
    CHECK_OK(es_orient_compact_write(&k, (const uint8_t *)"xy", 2)); /* other bytes: aside */
    CHECK_OK(es_orient_compact_write(&k, buf + 1, 2));               /* behind the output: aside */
    CHECK_OK(es_orient_compact_write(&k, buf + 20, 0));              /* nothing */
    CHECK_OK(es_orient_compact_write(&k, buf + 20, 6));              /* UVWXYZ */
    CHECK_INT_EQ(es_orient_compact_runs(&k), 5);                     /* ABC, GHIJKL, xy, BC, UVWXYZ */
    CHECK_INT_EQ(es_orient_compact_aside(&k), 4);                    /* xy, BC */
    CHECK_INT_EQ(es_orient_compact_write(&k, buf, sizeof buf), ES_ERR_INTERNAL); /* past the buffer */
    size_t len = k.len;
    es_orient_compact_finish(&k);
    CHECK_MEM_EQ(buf, len, "ABCGHIJKLxyBCUVWXYZ", 19);
    es_orient_compact_clean(&k); /* again: nothing left */
}

typedef struct s_calls {
    const es_orient_stripper *s;
    int calls, stable_calls;
    const uint8_t *data; /* the last call's */
    size_t len, total;
} s_calls;

static es_err s_count(void *ctx, const uint8_t *data, size_t len)
{
    s_calls *c = ctx;
    c->calls++;
    c->stable_calls += es_orient_stripper_output_stable(c->s);
    c->data = data;
    c->len = len;
    c->total += len;
    return ES_OK;
}

/* A photo with metadata before and after its frame (Exif with GPS, XMP, a
 * comment, a trailer), stored turned by tag or not. */
static uint8_t *s_photo(int orientation, size_t *len)
{
    es_fixture_opts o = {.width = 320, .height = 240, .seed = 3, .orientation = orientation, .exif_gps = true};
    o.oriented_pixels = o.xmp = o.comment = true;
    o.icc_chunks = 2;
    uint8_t *jpeg = NULL;
    return es_fixture_make(&o, &jpeg, len) == 0 ? jpeg : NULL;
}

static void test_turned_output_is_one_stable_call(void)
{
    for (int orientation = 1; orientation <= 8; orientation++) {
        size_t len = 0;
        uint8_t *jpeg = s_photo(orientation, &len);
        REQUIRE(jpeg);
        es_orient_config oc = {ES_ORIENT_APPLY, 0, NULL};
        s_calls c = {0};
        es_orient_stripper *s = es_orient_stripper_new(NULL, &oc, s_count, &c);
        REQUIRE(s);
        c.s = s;
        CHECK_OK(es_orient_stripper_feed(s, jpeg, len));
        CHECK_OK(es_orient_stripper_finish(s));
        CHECK(!es_orient_stripper_output_stable(s));
        bool turned = es_orient_stripper_result(s)->outcome == ES_ORIENT_TRANSFORMED;
        CHECK_INT_EQ(turned, orientation > 1);
        if (turned) {
            CHECK_INT_EQ(c.calls, 1);
            CHECK_INT_EQ(c.stable_calls, 1);
            /* what the whole-buffer strip makes, and already clean: the plain
             * stripper leaves it as it is */
            uint8_t *whole = NULL, *again = NULL;
            size_t whole_len = 0, again_len = 0;
            es_error err;
            REQUIRE(es_orient_strip_buffer(NULL, &oc, jpeg, len, &whole, &whole_len, &err, NULL) == ES_OK);
            CHECK_MEM_EQ(c.data, c.len, whole, whole_len); /* still valid after finish */
            REQUIRE(es_jpeg_strip_buffer(NULL, whole, whole_len, &again, &again_len, &err, NULL) == ES_OK);
            CHECK_MEM_EQ(again, again_len, whole, whole_len);
            free(again);
            free(whole);
        } else {
            CHECK_INT_EQ(c.stable_calls, 0);
            CHECK(c.calls > 1);
        }
        CHECK_INT_EQ(c.total, es_orient_stripper_stats(s)->bytes_out);
        es_orient_stripper_free(s);
        free(jpeg);
    }
}

int main(void)
{
    ES_RUN(test_runs_moved_continued_and_aside);
    ES_RUN(test_turned_output_is_one_stable_call);
    return es_test_finish();
}
