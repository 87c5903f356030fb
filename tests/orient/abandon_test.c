/* abandon_test.c - a turn abandoned by a jump out of it: the orientation
 * stripper is lent a photo to turn from a mapped file (feed_borrowed), the
 * file is truncated before finish, so reading the vanished pages raises
 * SIGBUS and the handler siglongjmps out of es_orient_stripper_finish - what
 * `exifstrip strip` does (src/cli/stream.c). Freeing the stripper then
 * releases everything the transform had allocated (libjpeg-turbo's objects,
 * the sparse source, the output): the bytes malloc has in use are what they
 * were before (glibc's counts; under AddressSanitizer, whose allocator
 * replaces glibc's, LeakSanitizer checks the same at exit), and a shared
 * budget's run is ended and its bytes given back. A sequential photo (the
 * sparse source) and a progressive one (the full array), cut at the frame
 * (before the transform), in the first scan, halfway and near the end.
 * And a photo whose tag only libexif can read, cut the moment libexif is
 * asked to parse its Exif: what libexif allocates must not be left behind
 * (this test stands in for libexif's exif_data_new, exif_data_unref and
 * exif_data_load_data, counting and cutting, then calling libexif's). */
#include <dlfcn.h>
#include <fcntl.h>
#include <malloc.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <libexif/exif-data.h>

#include "../harness/test.h"
#include "jpeg/exif_orient_plain.h"
#include "orient_util.h"

/* The file exif_data_load_data cuts to nothing before libexif parses (-1: none). */
static int s_cut_at_exif_load = -1;
static int s_exif_loads;     /* exif_data_load_data calls that cut the file */
static int s_exif_data_live; /* ExifData made by exif_data_new and not unref'd */

static void *s_libexif(const char *name)
{
    void *f = dlsym(RTLD_NEXT, name);
    if (!f) {
        fprintf(stderr, "libexif's %s not found\n", name);
        abort();
    }
    return f;
}

ExifData *exif_data_new(void)
{
    ExifData *d = ((ExifData * (*)(void)) s_libexif("exif_data_new"))();
    s_exif_data_live += d != NULL;
    return d;
}

void exif_data_unref(ExifData *d)
{
    s_exif_data_live -= d != NULL;
    ((void (*)(ExifData *))s_libexif("exif_data_unref"))(d);
}

void exif_data_load_data(ExifData *d, const unsigned char *bytes, unsigned int size)
{
    if (s_cut_at_exif_load >= 0) {
        REQUIRE(ftruncate(s_cut_at_exif_load, 0) == 0);
        s_exif_loads++;
    }
    ((void (*)(ExifData *, const unsigned char *, unsigned int))s_libexif("exif_data_load_data"))(d, bytes,
                                                                                                  size);
}

/* A budget that counts what the stripper asks of it. */
typedef struct s_tally {
    int acquired, ended;
    uint64_t taken, given_back;
} s_tally;

static bool s_acquire(void *ctx, uint64_t bytes)
{
    s_tally *t = ctx;
    t->acquired++;
    t->taken += bytes;
    return true;
}

static void s_release(void *ctx, uint64_t bytes) { ((s_tally *)ctx)->given_back += bytes; }

static void s_end_run(void *ctx) { ((s_tally *)ctx)->ended++; }

static es_err s_discard(void *ctx, const uint8_t *data, size_t len)
{
    (void)ctx, (void)data, (void)len;
    return ES_OK;
}

static sigjmp_buf s_bus_jump;

static void s_on_bus(int sig)
{
    (void)sig;
    siglongjmp(s_bus_jump, 1);
}

/* s_in_use counts chunks freed into glibc's per-thread cache (1 KiB at most
 * each, a few a size) as in use, so a few KiB differ from run to run; what a
 * transform allocates starts with libjpeg-turbo's first pools and its job
 * (over 20 KiB), then its buffers (megabytes here). */
#define S_SLACK ((size_t)16 << 10)

/* Bytes malloc has handed out and not got back (glibc, main arena). */
static size_t s_in_use(void)
{
    struct mallinfo2 m = mallinfo2();
    return m.uordblks + m.hblkhd;
}

/* es_orient_stripper_feed_borrowed of lent (unless NULL), then
 * es_orient_stripper_finish, left by a siglongjmp if they raise SIGBUS:
 * whether they did (else *rc is what they returned). */
static bool s_finish_jumped(es_orient_stripper *s, const uint8_t *lent, size_t len, es_err *rc)
{
    struct sigaction bus = {.sa_handler = s_on_bus}, old;
    sigemptyset(&bus.sa_mask);
    sigaction(SIGBUS, &bus, &old);
    volatile bool jumped = false;
    if (sigsetjmp(s_bus_jump, 1) == 0) {
        *rc = lent ? es_orient_stripper_feed_borrowed(s, lent, len) : ES_OK;
        if (*rc == ES_OK)
            *rc = es_orient_stripper_finish(s);
    } else
        jumped = true;
    sigaction(SIGBUS, &old, NULL);
    return jumped;
}

/* Writes jpeg (a photo to turn) to the file fd, lends it mapped to a
 * stripper, cuts the file to cut bytes, finishes (which jumps), frees. */
static void s_abandon(const char *what, int fd, const uint8_t *jpeg, size_t len, off_t cut)
{
    s_tally tally = {0};
    es_orient_budget_ops budget = {.acquire = s_acquire,
                                   .release = s_release,
                                   .end_run = s_end_run,
                                   .ctx = &tally};
    es_orient_config cfg = {.mode = ES_ORIENT_APPLY, .budget = &budget};
    REQUIRE(pwrite(fd, jpeg, len, 0) == (ssize_t)len);
    size_t before = s_in_use();
    uint8_t *map = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
    REQUIRE(map != MAP_FAILED);
    es_orient_stripper *s = es_orient_stripper_new(NULL, &cfg, s_discard, NULL);
    REQUIRE(s);
    CHECK_INT_EQ(es_orient_stripper_feed_borrowed(s, map, len), ES_OK);
    CHECK(!es_orient_stripper_streaming(s)); /* held, to be turned at finish */
    REQUIRE(ftruncate(fd, cut) == 0);
    es_err rc = ES_OK;
    bool jumped = s_finish_jumped(s, NULL, 0, &rc);
    es_orient_stripper_free(s);
    munmap(map, len);
    if (!jumped)
        es_test_fail(__FILE__, __LINE__, "%s cut at %lld: finish returned %d, raised no SIGBUS", what,
                     (long long)cut, (int)rc);
    if (!ES_TEST_SANITIZED && s_in_use() > before + S_SLACK)
        es_test_fail(__FILE__, __LINE__, "%s cut at %lld: %zu bytes still allocated after free", what,
                     (long long)cut, s_in_use() - before);
    CHECK_INT_EQ(tally.ended, tally.acquired);
    CHECK_INT_EQ(tally.given_back, tally.taken);
}

static void s_check_photo(const char *what, const es_fixture_opts *opts)
{
    uint8_t *jpeg = NULL;
    size_t len = 0;
    REQUIRE(es_fixture_make(opts, &jpeg, &len) == 0);
    char path[] = "/tmp/es_abandon_XXXXXX";
    int fd = mkstemp(path);
    REQUIRE(fd >= 0);
    unlink(path);
    /* A whole turn first, so nothing allocated once per process (and kept)
     * is counted as left behind by the abandoned ones. */
    uint8_t *out = NULL;
    size_t out_len = 0;
    es_orient_result res;
    es_error err;
    CHECK_INT_EQ(es_orient_strip_buffer(NULL, &(es_orient_config){.mode = ES_ORIENT_APPLY}, jpeg, len, &out,
                                        &out_len, &err, &res),
                 ES_OK);
    CHECK_INT_EQ(res.outcome, ES_ORIENT_TRANSFORMED);
    free(out);
    long page = sysconf(_SC_PAGESIZE);
    s_abandon(what, fd, jpeg, len, 0);                                     /* in the frame header */
    s_abandon(what, fd, jpeg, len, 4 * page);                              /* the first scan */
    s_abandon(what, fd, jpeg, len, (off_t)len / 2 / page * page);          /* halfway */
    s_abandon(what, fd, jpeg, len, ((off_t)len - 1) / page * page - page); /* near the end */
    free(jpeg);
    close(fd);
}

static void test_sequential_turn_abandoned(void)
{
    s_check_photo("sequential", &(es_fixture_opts){.width = 1600,
                                                   .height = 1200,
                                                   .quality = 95,
                                                   .orientation = 6,
                                                   .oriented_pixels = true,
                                                   .exif_gps = true});
}

static void test_progressive_turn_abandoned(void)
{
    s_check_photo("progressive", &(es_fixture_opts){.width = 1600,
                                                    .height = 1200,
                                                    .quality = 95,
                                                    .progressive = true,
                                                    .orientation = 3,
                                                    .oriented_pixels = true,
                                                    .exif_gps = true});
}

/* A tag the plain reader is unsure of (Orientation's count 2): libexif reads it. */
static void s_make_libexif_only(uint8_t *jpeg, size_t len)
{
    static const uint8_t mm[] = {0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01};
    static const uint8_t ii[] = {0x12, 0x01, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00};
    uint8_t *at = memmem(jpeg, len, mm, sizeof mm);
    if (at) {
        at[7] = 2;
    } else {
        REQUIRE((at = memmem(jpeg, len, ii, sizeof ii)) != NULL);
        at[4] = 2;
    }
    ot_seg segs[16];
    size_t n = ot_header_segments(jpeg, len, segs, 16), i = 0;
    while (i < n && segs[i].marker != 0xE1)
        i++;
    REQUIRE(i < n);
    REQUIRE(es_jpeg_exif_orient_plain(jpeg + segs[i].start + 4, segs[i].len - 4) == ES_JPEG_ORIENT_UNSURE);
    CHECK_INT_EQ(es_orient_read_tag_libexif(jpeg + segs[i].start + 4, segs[i].len - 4, NULL), 6);
}

/* The file is cut while libexif is asked to parse the Exif lent from it (the
 * photo was probed whole before): whatever jumps out, and wherever, libexif's
 * objects are all given back, and so is the rest. */
static void test_exif_read_abandoned(void)
{
    uint8_t *jpeg = NULL;
    size_t len = 0;
    REQUIRE(es_fixture_make(&(es_fixture_opts){.width = 640,
                                               .height = 480,
                                               .orientation = 6,
                                               .oriented_pixels = true,
                                               .exif_thumbnail = true},
                            &jpeg, &len) == 0);
    s_make_libexif_only(jpeg, len);
    char path[] = "/tmp/es_abandon_XXXXXX";
    int fd = mkstemp(path);
    REQUIRE(fd >= 0);
    unlink(path);
    REQUIRE(pwrite(fd, jpeg, len, 0) == (ssize_t)len);
    s_tally tally = {0};
    es_orient_budget_ops budget = {.acquire = s_acquire,
                                   .release = s_release,
                                   .end_run = s_end_run,
                                   .ctx = &tally};
    size_t before = s_in_use();
    uint8_t *map = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
    REQUIRE(map != MAP_FAILED);
    es_orient_stripper *s = es_orient_stripper_new(
        NULL, &(es_orient_config){.mode = ES_ORIENT_APPLY, .budget = &budget}, s_discard, NULL);
    REQUIRE(s);
    s_cut_at_exif_load = fd;
    es_err rc = ES_OK;
    bool jumped = s_finish_jumped(s, map, len, &rc);
    s_cut_at_exif_load = -1;
    es_orient_stripper_free(s);
    munmap(map, len);
    CHECK_INT_EQ(s_exif_loads, 1); /* libexif was asked, and the file cut then */
    if (!jumped)
        es_test_fail(__FILE__, __LINE__, "the cut raised no SIGBUS (the run returned %d)", (int)rc);
    CHECK_INT_EQ(s_exif_data_live, 0);
    if (!ES_TEST_SANITIZED && s_in_use() > before + S_SLACK)
        es_test_fail(__FILE__, __LINE__, "%zu bytes still allocated after free", s_in_use() - before);
    CHECK_INT_EQ(tally.ended, tally.acquired);
    CHECK_INT_EQ(tally.given_back, tally.taken);
    free(jpeg);
    close(fd);
}

int main(void)
{
    ES_RUN(test_sequential_turn_abandoned);
    ES_RUN(test_progressive_turn_abandoned);
    ES_RUN(test_exif_read_abandoned);
    return es_test_finish();
}
