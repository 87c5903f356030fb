/* corpus_test.c - conformance of the stripper over the shared real-file corpus
 * (../shared/corpus/dev, tags in SOURCES.tsv). Valid files must come out with
 * no metadata segment and no trailer, ICC and Adobe kept, the same pixels
 * wherever libjpeg-turbo decodes the input, and be stable under a second
 * strip. Damaged files (truncated, noscan, nonjpeg, corrupt) must be refused,
 * except a "corrupt" file whose only damage lies after the first EOI (the
 * trailer rule in src/jpeg/strip.c). Prints a per-tag table; skipped when the
 * corpus is absent. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../harness/test.h"
#include "../support/fixture.h"
#include "../support/shared_dir.h"
#include "strip_util.h"

#define S_MAX_ROWS 512
#define S_MAX_TAGS 64

typedef struct s_row {
    char file[256];
    char tags[S_MAX_TAGS][32];
    size_t ntags;
    uint64_t damage[16]; /* offsets named in struct_err= */
    size_t ndamage;
    bool damage_unplaced; /* a struct_err item without an offset ("no EOI") */
} s_row;

typedef struct s_tag_stats {
    char tag[32];
    int files, ok, refused, mismatches;
} s_tag_stats;

static s_row s_rows[S_MAX_ROWS];
static size_t s_nrows, s_cur;
static s_tag_stats s_tags[256];
static size_t s_ntags;

static bool s_has_tag(const s_row *row, const char *tag)
{
    for (size_t i = 0; i < row->ntags; i++)
        if (!strcmp(row->tags[i], tag))
            return true;
    return false;
}

/* struct_err=garbage at 294865;FF00 at top level 294907;no EOI */
static void s_parse_damage(s_row *row, const char *val)
{
    char buf[512];
    snprintf(buf, sizeof buf, "%s", val);
    for (char *save = NULL, *item = strtok_r(buf, ";", &save); item; item = strtok_r(NULL, ";", &save)) {
        char *sp = strrchr(item, ' ');
        char *end = NULL;
        unsigned long long v = sp ? strtoull(sp + 1, &end, 10) : 0;
        if (sp && end && *end == '\0' && end != sp + 1 && row->ndamage < 16)
            row->damage[row->ndamage++] = v;
        else
            row->damage_unplaced = true;
    }
}

static void s_parse_notes(s_row *row, char *notes)
{
    char *rest = strstr(notes, " | ");
    if (rest) {
        *rest = '\0';
        rest += 3;
    }
    for (char *save = NULL, *t = strtok_r(notes, ",", &save); t; t = strtok_r(NULL, ",", &save))
        if (row->ntags < S_MAX_TAGS)
            snprintf(row->tags[row->ntags++], sizeof row->tags[0], "%s", t);
    while (rest && *rest) {
        char *next = strstr(rest, " | ");
        if (next) {
            *next = '\0';
            next += 3;
        }
        if (!strncmp(rest, "struct_err=", 11))
            s_parse_damage(row, rest + 11);
        rest = next;
    }
}

static bool s_load_sources(const char *dir)
{
    char path[4096], line[4096];
    snprintf(path, sizeof path, "%s/SOURCES.tsv", dir);
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    while (fgets(line, sizeof line, f) && s_nrows < S_MAX_ROWS) {
        char *cols[8] = {0};
        size_t n = 0;
        line[strcspn(line, "\r\n")] = '\0';
        for (char *p = line; n < 8; n++) {
            cols[n] = p;
            p = strchr(p, '\t');
            if (!p) {
                n++;
                break;
            }
            *p++ = '\0';
        }
        if (n < 7 || strcmp(cols[0], "dev") != 0)
            continue;
        s_row *row = &s_rows[s_nrows++];
        memset(row, 0, sizeof *row);
        snprintf(row->file, sizeof row->file, "%s", cols[1]);
        s_parse_notes(row, cols[6]);
    }
    fclose(f);
    return s_nrows > 0;
}

static s_tag_stats *s_tag(const char *tag)
{
    for (size_t i = 0; i < s_ntags; i++)
        if (!strcmp(s_tags[i].tag, tag))
            return &s_tags[i];
    if (s_ntags == sizeof s_tags / sizeof s_tags[0])
        return NULL;
    snprintf(s_tags[s_ntags].tag, sizeof s_tags[0].tag, "%s", tag);
    return &s_tags[s_ntags++];
}

static void s_record(const s_row *row, bool refused, bool mismatch)
{
    for (size_t i = 0; i < row->ntags; i++) {
        s_tag_stats *t = s_tag(row->tags[i]);
        if (!t)
            continue;
        t->files++;
        t->refused += refused;
        t->ok += !mismatch;
        t->mismatches += mismatch;
    }
}

/* Offset just past the first EOI, or UINT64_MAX when none was reported. */
static uint64_t s_eoi_end(const es_tj_result *r)
{
    for (size_t i = 0; i < r->nsegs; i++)
        if (r->segs[i].kind == ES_JPEG_KIND_EOI)
            return r->segs[i].offset + r->segs[i].length;
    return UINT64_MAX;
}

/* Failures of a valid file's output; returns true when it conforms. */
static bool s_check_output(const s_row *row, const uint8_t *in, size_t in_len, const es_tj_result *r)
{
    bool ok = true;
    es_tj_result again;
    es_tj_strip(NULL, r->out.data, r->out.len, es_tj_oneshot(), &again);
    if (again.rc != ES_OK) {
        es_test_fail(__FILE__, __LINE__, "%s: output is refused: %s", row->file, again.msg);
        ok = false;
    }
    for (size_t i = 0; i < again.nsegs; i++)
        if (es_tj_is_metadata(again.segs[i].kind)) {
            es_test_fail(__FILE__, __LINE__, "%s: output still has a %s segment at %llu", row->file,
                         es_jpeg_kind_name(again.segs[i].kind), (unsigned long long)again.segs[i].offset);
            ok = false;
        }
    if (es_test_first_diff(again.out.data, again.out.len, r->out.data, r->out.len) != (size_t)-1) {
        es_test_fail(__FILE__, __LINE__, "%s: stripping the output again changes it", row->file);
        ok = false;
    }
    static const es_jpeg_kind kept[] = {ES_JPEG_KIND_ICC,   ES_JPEG_KIND_ADOBE, ES_JPEG_KIND_JFIF,
                                        ES_JPEG_KIND_FRAME, ES_JPEG_KIND_SCAN,  ES_JPEG_KIND_TABLE};
    for (size_t k = 0; k < sizeof kept / sizeof kept[0]; k++)
        if (es_tj_count(r, kept[k], true) != es_tj_count(&again, kept[k], false)) {
            es_test_fail(__FILE__, __LINE__, "%s: %zu %s segments kept, %zu out", row->file,
                         es_tj_count(r, kept[k], true), es_jpeg_kind_name(kept[k]),
                         es_tj_count(&again, kept[k], false));
            ok = false;
        }
    /* ICC chunks that are not a valid profile (icc_note says why) are dropped. */
    const char *icc_refused = NULL;
    for (size_t i = 0; i < r->nsegs && !icc_refused; i++)
        if (r->segs[i].kind == ES_JPEG_KIND_ICC && r->segs[i].icc_note)
            icc_refused = r->segs[i].icc_note;
    if (icc_refused)
        printf("#   %s: ICC chunk dropped: %s\n", row->file, icc_refused);
    if ((s_has_tag(row, "ICC") && !icc_refused && es_tj_count(&again, ES_JPEG_KIND_ICC, false) == 0) ||
        (s_has_tag(row, "APP14") && es_tj_count(&again, ES_JPEG_KIND_ADOBE, false) == 0)) {
        es_test_fail(__FILE__, __LINE__, "%s: ICC/Adobe APP14 lost", row->file);
        ok = false;
    }
    if (!s_has_tag(row, "GPS") && r->stats.exif_has_gps)
        printf("#   %s: non-empty GPS IFD found though not tagged GPS (no latitude)\n", row->file);
    if (s_has_tag(row, "GPS") && !r->stats.exif_has_gps) {
        es_test_fail(__FILE__, __LINE__, "%s: GPS not detected", row->file);
        ok = false;
    }
    es_tj_result_free(&again);

    uint8_t *pa = NULL, *pb = NULL;
    int wa, ha, ca, wb, hb, cb;
    if (es_fixture_decode(in, in_len, &pa, &wa, &ha, &ca) == 0) {
        if (es_fixture_decode(r->out.data, r->out.len, &pb, &wb, &hb, &cb) != 0) {
            es_test_fail(__FILE__, __LINE__, "%s: input decodes, output does not", row->file);
            ok = false;
        } else if (wa != wb || ha != hb || ca != cb ||
                   memcmp(pa, pb, (size_t)wa * (size_t)ha * (size_t)ca) != 0) {
            es_test_fail(__FILE__, __LINE__, "%s: pixels differ", row->file);
            ok = false;
        }
    } else {
        printf("#   %s: libjpeg-turbo cannot decode the input; pixels not compared\n", row->file);
    }
    free(pa);
    free(pb);
    return ok;
}

static void test_corpus_file(void)
{
    const s_row *row = &s_rows[s_cur];
    char path[4096];
    uint8_t *in = NULL;
    size_t in_len = 0;
    es_tj_result r;
    bool damaged = s_has_tag(row, "truncated") || s_has_tag(row, "noscan") || s_has_tag(row, "nonjpeg") ||
                   s_has_tag(row, "corrupt");
    snprintf(path, sizeof path, "%s/dev/%s", es_fixture_shared_dir(), row->file);
    if (es_fixture_read_file(path, &in, &in_len) != 0) {
        es_test_fail(__FILE__, __LINE__, "cannot read %s", path);
        return;
    }
    es_tj_strip(NULL, in, in_len, es_tj_oneshot(), &r);
    bool refused = r.rc != ES_OK, mismatch = false;
    if (!damaged) {
        if (refused) {
            es_test_fail(__FILE__, __LINE__, "%s: valid file refused: %s", row->file, r.msg);
            mismatch = true;
        } else {
            mismatch = !s_check_output(row, in, in_len, &r);
        }
    } else if (!refused) {
        /* Documented exception: damage only after the first EOI goes with the trailer. */
        uint64_t eoi_end = s_eoi_end(&r);
        bool after_eoi = !s_has_tag(row, "truncated") && !s_has_tag(row, "noscan") &&
                         !s_has_tag(row, "nonjpeg") && !row->damage_unplaced && row->ndamage > 0;
        for (size_t i = 0; i < row->ndamage; i++)
            after_eoi = after_eoi && row->damage[i] >= eoi_end;
        if (after_eoi) {
            printf("#   %s: accepted, damage at/after offset %llu lies in the dropped trailer (EOI ends at %llu)\n",
                   row->file, (unsigned long long)row->damage[0], (unsigned long long)eoi_end);
            mismatch = !s_check_output(row, in, in_len, &r);
        } else {
            es_test_fail(__FILE__, __LINE__, "%s: damaged file accepted", row->file);
            mismatch = true;
        }
    } else {
        printf("#   %s: refused (%s): %s\n", row->file, es_errname(r.rc), r.msg);
        if (s_has_tag(row, "nonjpeg") && r.rc != ES_ERR_JPEG_NOT_JPEG) {
            es_test_fail(__FILE__, __LINE__, "%s: non-JPEG refused with %s", row->file, es_errname(r.rc));
            mismatch = true;
        }
    }
    /* The same outcome when fed in random pieces. */
    es_tj_result split;
    es_tj_strip(NULL, in, in_len, es_tj_random(0xC0FFEEu + (uint32_t)s_cur), &split);
    if (split.rc != r.rc || strcmp(split.msg, r.msg) != 0 ||
        es_test_first_diff(split.out.data, split.out.len, r.out.data, r.out.len) != (size_t)-1) {
        es_test_fail(__FILE__, __LINE__, "%s: split feeding gives a different result", row->file);
        mismatch = true;
    }
    es_tj_result_free(&split);
    s_record(row, refused, mismatch);
    es_tj_result_free(&r);
    free(in);
}

static int s_cmp_tag(const void *a, const void *b)
{
    return strcmp(((const s_tag_stats *)a)->tag, ((const s_tag_stats *)b)->tag);
}

static void test_corpus_present(void)
{
    if (!es_fixture_shared_dir())
        SKIP_WITHOUT_SHARED("../shared/corpus");
    REQUIRE(s_load_sources(es_fixture_shared_dir()));
}

int main(void)
{
    ES_RUN(test_corpus_present);
    for (s_cur = 0; s_cur < s_nrows; s_cur++)
        es_test_run(s_rows[s_cur].file, test_corpus_file);
    if (s_ntags > 0) {
        qsort(s_tags, s_ntags, sizeof s_tags[0], s_cmp_tag);
        printf("# %-22s %6s %6s %8s %11s\n", "tag", "files", "ok", "refused", "mismatches");
        for (size_t i = 0; i < s_ntags; i++)
            printf("# %-22s %6d %6d %8d %11d\n", s_tags[i].tag, s_tags[i].files, s_tags[i].ok,
                   s_tags[i].refused, s_tags[i].mismatches);
    }
    return es_test_finish();
}
