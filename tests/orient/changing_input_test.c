/* changing_input_test.c - a lent photo rewritten while it is turned.
 * `exifstrip strip` lends the orientation stripper a mapped file
 * (MAP_PRIVATE, src/cli/stream.c), and another process may write to that
 * file meanwhile: on Linux its writes show through the pages the process has
 * not written. es_orient_transform reads the input's header twice - once to
 * count the APPn/COM bytes to put back (and size its output by them), then to
 * copy them - so a segment length rewritten between the two reads must not
 * make the copy write more (or fewer) bytes than were counted.
 *
 * Deterministic: the page in the middle of a large APP10 payload is made
 * inaccessible, so only the copying read touches it (the count reads the
 * segment headers, libjpeg-turbo skips APPn payloads it does not keep). The
 * SIGSEGV that copy raises plays the other writer: it rewrites, in the file,
 * the length of the COM segment that follows so that it covers the rest of
 * the photo, then lets the copy go on. The input has a restart marker every
 * MCU and a width the turn trims, so its bytes after the metadata are more
 * than the output's: copied whole, the grown COM runs past the output
 * buffer (AddressSanitizer: heap-buffer-overflow in s_copy_metadata). */
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../harness/test.h"
#include "orient_util.h"
#include "common/block_cache.h"

#define S_PAGE 4096u
#define S_APP10_PAYLOAD (3 * S_PAGE) /* holds the whole page [S_PAGE, 2 * S_PAGE) */
#define S_COM_AT (2 + 4 + S_APP10_PAYLOAD)

static uint8_t *s_trap;        /* the inaccessible page */
static int s_fd;               /* the mapped file, rewritten by the "other writer" */
static uint8_t s_grown_len[2]; /* the COM length it writes */
static volatile sig_atomic_t s_rewritten;

/* The other writer: rewrites the COM length in the file, then lets the read go on. */
static void s_on_segv(int sig, siginfo_t *info, void *uctx)
{
    (void)uctx;
    uint8_t *at = info->si_addr;
    if (s_rewritten || at < s_trap || at >= s_trap + S_PAGE) {
        signal(sig, SIG_DFL); /* a real fault: crash on return */
        return;
    }
    if (pwrite(s_fd, s_grown_len, 2, S_COM_AT + 2) == 2 && mprotect(s_trap, S_PAGE, PROT_READ) == 0)
        s_rewritten = 1;
    else
        signal(sig, SIG_DFL);
}

/* SOI, an APP10 of S_APP10_PAYLOAD zero bytes, a COM of 8 bytes, then the
 * fixture's segments after its SOI. */
static uint8_t *s_with_segments(const uint8_t *jpeg, size_t len, size_t *out_len)
{
    static const uint8_t app10[4] = {0xFF, 0xEA, (S_APP10_PAYLOAD + 2) >> 8, (S_APP10_PAYLOAD + 2) & 0xFF};
    static const uint8_t com[12] = {0xFF, 0xFE, 0x00, 0x0A, 'c', 'h', 'a', 'n', 'g', 'i', 'n', 'g'};
    *out_len = 2 + sizeof app10 + S_APP10_PAYLOAD + sizeof com + (len - 2);
    uint8_t *p = calloc(1, *out_len);
    if (!p)
        return NULL;
    memcpy(p, jpeg, 2);
    memcpy(p + 2, app10, sizeof app10);
    memcpy(p + S_COM_AT, com, sizeof com);
    memcpy(p + S_COM_AT + sizeof com, jpeg + 2, len - 2);
    return p;
}

/* The frame of a JPEG and the plan of turning it by tag 6. */
static bool s_plan(const uint8_t *j, size_t len, es_orient_frame *f, es_orient_plan *plan)
{
    ot_seg segs[64];
    size_t n = ot_header_segments(j, len, segs, 64);
    uint8_t sof = ot_sof_marker(j, len);
    for (size_t i = 0; i < n; i++)
        if (segs[i].marker == sof && es_orient_frame_parse(sof, j + segs[i].start + 4, segs[i].len - 4, f)) {
            es_orient_plan_make(6, f, 0, len, plan);
            return !plan->fallback[0];
        }
    return false;
}

static void test_header_rewritten_between_count_and_copy(void)
{
    es_fixture_opts opts = {.width = 250, .height = 200, .quality = 90, .restart_interval = 1, .seed = 5};
    uint8_t *fixture = NULL, *jpeg = NULL, *out = NULL;
    size_t fixture_len = 0, len = 0, out_len = 0;
    REQUIRE(es_fixture_make(&opts, &fixture, &fixture_len) == 0);
    jpeg = s_with_segments(fixture, fixture_len, &len);
    free(fixture);
    REQUIRE(jpeg);
    es_orient_frame f;
    es_orient_plan plan;
    REQUIRE(s_plan(jpeg, len, &f, &plan));
    es_orient_transform_work work = {0};
    es_error err = {0};

    /* Unchanged, it turns; its output is the buffer the rewritten copy would overrun. */
    REQUIRE(es_orient_transform(&work, jpeg, len, &f, &plan, &out, &out_len, &err) == ES_OK);
    es_block_free(out);
    out = NULL;
    size_t grown = len - S_COM_AT - 2;
    REQUIRE(grown <= 0xFFFF); /* the COM can cover the rest of the photo */
    size_t copied = 2 + 4 + S_APP10_PAYLOAD + (len - S_COM_AT) - 2; /* APP10 and the COM grown */
    if (copied <= out_len - 2)
        es_test_fail(__FILE__, __LINE__, "the grown COM (%zu bytes copied) would fit the output (%zu)",
                     copied, out_len);
    s_grown_len[0] = (uint8_t)(grown >> 8);
    s_grown_len[1] = (uint8_t)grown;

    char path[] = "/tmp/es_changing_XXXXXX";
    s_fd = mkstemp(path);
    REQUIRE(s_fd >= 0);
    unlink(path);
    REQUIRE(pwrite(s_fd, jpeg, len, 0) == (ssize_t)len);
    uint8_t *map = mmap(NULL, len, PROT_READ, MAP_PRIVATE, s_fd, 0);
    REQUIRE(map != MAP_FAILED);
    s_trap = map + S_PAGE;
    s_rewritten = 0;
    REQUIRE(mprotect(s_trap, S_PAGE, PROT_NONE) == 0);
    struct sigaction segv = {.sa_sigaction = s_on_segv, .sa_flags = SA_SIGINFO}, old;
    sigemptyset(&segv.sa_mask);
    sigaction(SIGSEGV, &segv, &old);
    es_err rc = es_orient_transform(&work, map, len, &f, &plan, &out, &out_len, &err);
    sigaction(SIGSEGV, &old, NULL);

    CHECK(s_rewritten); /* the file did change between the two reads */
    CHECK(map[S_COM_AT + 2] == s_grown_len[0] && map[S_COM_AT + 3] == s_grown_len[1]);
    CHECK(rc != ES_OK);
    CHECK(out == NULL);
    CHECK_STR_CONTAINS(err.msg, "changed while it was being turned");
    CHECK(work.job == NULL && work.out == NULL);
    es_block_free(out);
    munmap(map, len);
    close(s_fd);
    free(jpeg);
}

int main(void)
{
    ES_RUN(test_header_rewritten_between_count_and_copy);
    return es_test_finish();
}
