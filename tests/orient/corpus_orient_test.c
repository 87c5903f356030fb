/* corpus_orient_test.c - every file of the shared real-photo corpus
 * (../shared/corpus/dev, ES_SHARED_DIR overrides) that carries an EXIF
 * Orientation of 2..8 comes out of `apply` upright: no APP1 left, and its
 * decoded pixels equal the original's decoded pixels displayed as the tag
 * says (written independently from the Exif definitions), less the trimmed
 * edge, and the transform gives tjTransform's bytes (tj_oracle.h; all eight
 * operations on photos up to 1 Mpx, the tag's on larger ones); a file that cannot be transformed keeps exactly the tag. Files with
 * orientation 1 or none come out byte for byte as the plain stripper makes
 * them. Skipped when the corpus is absent (failed with ES_REQUIRE_SHARED=1). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../harness/test.h"
#include "../support/shared_dir.h"
#include "orient_util.h"
#include "tj_oracle.h"

#define S_MAX_MEAN_DIFF 3.0

static char s_dir[4096];
static char *s_files[512];
static size_t s_nfiles, s_cur;
static unsigned s_turned, s_kept, s_plain;

static int s_tag_of(const uint8_t *j, size_t len)
{
    ot_seg segs[64];
    size_t n = ot_header_segments(j, len, segs, 64);
    for (size_t i = 0; i < n; i++)
        if (segs[i].marker == 0xE1 && segs[i].len > 10 && !memcmp(j + segs[i].start + 4, "Exif\0\0", 6))
            return es_orient_read_tag(j + segs[i].start + 4, segs[i].len - 4, NULL);
    return 0;
}

static void s_check_upright(const char *name, const uint8_t *in, size_t len, int tag, const uint8_t *out,
                            size_t out_len, const es_orient_result *res)
{
    uint8_t *pin = NULL, *pout = NULL, *shown = NULL;
    int w, h, c, ow, oh, oc, dw, dh;
    if (es_fixture_decode(in, len, &pin, &w, &h, &c) != 0) {
        printf("#   %s: libjpeg-turbo cannot decode the original; pixels not compared\n", name);
        return;
    }
    if (es_fixture_decode(out, out_len, &pout, &ow, &oh, &oc) != 0) {
        es_test_fail(__FILE__, __LINE__, "%s: the output does not decode", name);
        goto done;
    }
    shown = ot_display(pin, w, h, c, tag, &dw, &dh);
    CHECK_INT_EQ(ow, dw - (int)res->plan.trim_left);
    CHECK_INT_EQ(oh, dh - (int)res->plan.trim_top);
    CHECK_INT_EQ(oc, c);
    if (shown && ow == dw - (int)res->plan.trim_left && oh == dh - (int)res->plan.trim_top && oc == c) {
        size_t off = ((size_t)res->plan.trim_top * (size_t)dw + res->plan.trim_left) * (size_t)c;
        double diff = ot_mean_diff(pout, ow, shown + off, dw, ow, oh, c);
        printf("#   %s: orientation %d, %s; mean difference to the original as displayed %.2f\n", name, tag,
               res->note, diff);
        if (diff > S_MAX_MEAN_DIFF)
            es_test_fail(__FILE__, __LINE__, "%s: not upright (mean difference %.1f)", name, diff);
    }
done:
    free(pin);
    free(pout);
    free(shown);
}

/* Photos up to this size are compared in every operation, larger ones in
 * their tag's only (each comparison transforms twice; it keeps make test short). */
#define S_ORACLE_ALL_OPS_PIXELS 1000000u

/* The transform gives tjTransform's bytes: in every operation, not only the
 * tag's, unless the photo is large. */
static void s_check_oracle(const char *name, const uint8_t *in, size_t len, int tag, const es_orient_plan *plan)
{
    uint8_t sof = ot_sof_marker(in, len);
    bool progressive = sof == 0xC2 || sof == 0xC6 || sof == 0xCA || sof == 0xCE;
    bool all = (uint64_t)plan->out_width * plan->out_height <= S_ORACLE_ALL_OPS_PIXELS;
    int same = 0, ops = 0;
    for (int op = ES_ORIENT_OP_NONE; op <= ES_ORIENT_OP_ROT270; op++) {
        if (!all && op != (int)es_orient_op_for_tag((unsigned)tag))
            continue;
        same += ot_check_same_as_tj(name, in, len, (es_orient_op)op, progressive) == 1;
        ops++;
    }
    CHECK_INT_EQ(same, ops);
}

static void test_corpus_file(void)
{
    const char *name = s_files[s_cur];
    char path[8192];
    uint8_t *in = NULL, *out = NULL, *plain = NULL;
    size_t len = 0, out_len = 0, plain_len = 0;
    snprintf(path, sizeof path, "%s/%s", s_dir, name);
    REQUIRE(es_fixture_read_file(path, &in, &len) == 0);
    es_orient_config cfg = {.mode = ES_ORIENT_APPLY};
    es_orient_result res;
    es_err rc = es_orient_strip_buffer(NULL, &cfg, in, len, &out, &out_len, NULL, &res);
    es_err prc = es_jpeg_strip_buffer(NULL, in, len, &plain, &plain_len, NULL, NULL);
    CHECK_INT_EQ(rc, prc); /* orientation never changes what is refused */
    int tag = rc == ES_OK ? s_tag_of(in, len) : 0;
    if (rc != ES_OK) {
        /* refused by the stripper anyway */
    } else if (tag >= 2) {
        bool only_tag = res.outcome == ES_ORIENT_TAG_KEPT;
        CHECK(res.outcome == ES_ORIENT_TRANSFORMED || only_tag);
        CHECK_INT_EQ(ot_count_marker(out, out_len, 0xE1), only_tag ? 1 : 0);
        if (only_tag) {
            printf("#   %s: %s\n", name, res.note);
            s_check_oracle(name, in, len, tag, &res.plan); /* too small to trim: partial edges kept unmirrored */
            s_kept++;
        } else {
            s_check_upright(name, in, len, tag, out, out_len, &res);
            s_check_oracle(name, in, len, tag, &res.plan);
            s_turned++;
        }
    } else {
        CHECK_MEM_EQ(out, out_len, plain, plain_len);
        s_plain++;
    }
    free(in);
    free(out);
    free(plain);
}

static int s_cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void test_corpus_present(void)
{
    const char *shared = es_fixture_shared_dir();
    if (!shared)
        SKIP_WITHOUT_SHARED("../shared/corpus");
    snprintf(s_dir, sizeof s_dir, "%s/dev", shared);
    DIR *d = opendir(s_dir);
    REQUIRE(d);
    struct dirent *e;
    while ((e = readdir(d)) && s_nfiles < 512)
        if (e->d_name[0] != '.' && strcmp(e->d_name, "SOURCES.tsv"))
            s_files[s_nfiles++] = strdup(e->d_name);
    closedir(d);
    qsort(s_files, s_nfiles, sizeof s_files[0], s_cmp);
    CHECK(s_nfiles > 0);
}

int main(void)
{
    ES_RUN(test_corpus_present);
    for (s_cur = 0; s_cur < s_nfiles; s_cur++)
        es_test_run(s_files[s_cur], test_corpus_file);
    if (s_nfiles)
        printf("# orientation: %u turned upright, %u kept as a tag (cannot be turned), %u plain\n", s_turned,
               s_kept, s_plain);
    for (size_t i = 0; i < s_nfiles; i++)
        free(s_files[i]);
    return es_test_finish();
}
