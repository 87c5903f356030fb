/* stream.c - the CLI's input: a regular file is mapped and fed to the
 * stripper a window at a time as it is read in, so kept runs (the
 * entropy-coded scan) are written straight from the mapping with no copy
 * through a read buffer, and the orientation stripper, lent the mapping,
 * holds and turns a photo from it without copying it; anything else (pipes,
 * terminals, files under 16 KiB, and in a run over several files every file
 * after the first that one read() takes whole) is read in fixed-size chunks.
 * Both feed the same streaming stripper, so the output is identical. Plus the
 * wording of refusals.
 * What mapping costs depends on how the kernel caches the file (session 24,
 * 68 MB photo, the 2-core VM of issue 11, whose host shadows the guest's page
 * tables: a few microseconds per 4 KiB entry): written in large writes, it
 * maps with 2 MiB entries and is stripped in cp's time; read back from disk
 * (readahead's smaller folios) it took 1.8x cp, written 128 KiB at a time
 * 3.6x. read() and write() through one reused buffer took ~1.4x cp whatever
 * the folios (24 ms of CPU before any scanning), and cost more than mapping
 * where page tables are cheap, so mapping stays. `make bench` measures both
 * states (tests/bench/page_cache.py). */
#include "cli/stream.h"

#include <errno.h>
#include <setjmp.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/pages.h"

/* Below this, mapping (mmap, two sigactions, munmap) costs more than one
 * read(); above it, read() faults in (and zeroes) a page of s_chunk per 4 KiB
 * before copying, which mapping the page-cache pages avoids (a 160 KB photo:
 * 40 fewer page faults, ~3% of its `strip` run). */
#define S_MAP_MIN ((size_t)16 * 1024)
/* In a run over several files, a later file that one read() takes whole
 * (fits in s_chunk) is read rather than mapped: the pages of s_chunk that
 * earlier reads faulted in serve every file after them, while each mapping
 * costs mmap, two sigactions, a populate and an munmap, more where the host
 * shadows the guest's page tables. On the 2-core VM of issue 11 (the 90
 * corpus photos of `make bench`, `strip -o DIR`, 11 alternating runs,
 * medians): 35 -> 26 ms of CPU with --orientation keep, 60 -> 52 ms turning.
 * The first file of a process is still mapped (a fresh s_chunk would fault
 * in and zero a page per 4 KiB), and so is any file above 256 KiB: on that VM
 * reading them too was faster still (60 photos of 1-2 MB: 104 -> 41 ms),
 * but only because its host shadows page tables (a few us per 4 KiB entry
 * mapped), and reading copies a photo to turn into the stripper's hold where
 * the mapping is lent to it (see the top). */
static bool s_pumped_before;
/* The mapping is read in (populated, common/pages.h) and fed this much at a
 * time, as the stripper goes: an input refused at its start is refused
 * having read little of it, as a pipe is. Populated whole when mapped
 * (MAP_POPULATE), a 4 GiB file of zeros was read in for 10 s (4.2 GB
 * resident) before "not a JPEG". The pieces are consecutive, so the
 * orientation stripper still holds the input by reference. */
#define S_MAP_WINDOW ((size_t)4 << 20)

/* One buffer for the whole (single-threaded) process. */
static uint8_t s_chunk[ES_CLI_CHUNK];

typedef es_err (*s_feed_fn)(void *s, const uint8_t *data, size_t len);
typedef es_err (*s_finish_fn)(void *s);

typedef struct s_sink {
    void *s;
    s_feed_fn feed;
    s_feed_fn feed_lent; /* for bytes that stay valid until finish has returned (the mapping) */
    s_finish_fn finish;
} s_sink;

static void s_note_head(es_cli_input *in, const uint8_t *data, size_t n)
{
    if (in->head_len < sizeof in->head) {
        size_t take = sizeof in->head - in->head_len;
        if (take > n)
            take = n;
        memcpy(in->head + in->head_len, data, take);
        in->head_len += take;
    }
}

/* A file that shrinks while it is mapped raises SIGBUS on the pages past its
 * new end: that read fails (EIO) instead of killing the process. The jump
 * leaves whichever stripper call was reading (the feed, or the finish and
 * the transform in it); freeing the stripper then releases what that call
 * had allocated (es_orient_stripper_free: the transform's libjpeg-turbo
 * objects are kept in the stripper, not in a frame the jump pops). */
static sigjmp_buf s_bus_jump;

static void s_on_bus(int sig)
{
    (void)sig;
    siglongjmp(s_bus_jump, 1);
}

/* Feeds a mapped regular file, lent, S_MAP_WINDOW at a time; the
 * orientation stripper scans it in 32 KiB pieces only until it has decided,
 * then streams or holds the rest (src/orient/stripper.c, S_PROBE_PIECE;
 * tests/cli checks both with EXIFSTRIP_TEST_HOLD_STATS). The mapping lives until finish has returned,
 * which may turn the photo straight from it, so the SIGBUS guard covers the
 * transform too (a file truncated meanwhile fails the run with EIO, and
 * nothing leaks: tests/orient/abandon_test.c). Returns false (nothing fed)
 * when the file is not worth or not possible to map: then the caller reads
 * it. The file offset (shared with whoever else reads stdin, as in
 * `{ exifstrip strip - out.jpg; cat; } < file`) is left where reading would
 * leave it: past the bytes fed, the end of the file when all of it was. */
static bool s_pump_mapped(const s_sink *k, int fd, es_cli_input *in, es_err *rc)
{
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < (off_t)S_MAP_MIN ||
        (uint64_t)st.st_size > SIZE_MAX || (s_pumped_before && (uint64_t)st.st_size <= ES_CLI_CHUNK) ||
        lseek(fd, 0, SEEK_CUR) != 0)
        return false;
    size_t size = (size_t)st.st_size;
    uint8_t *map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (map == MAP_FAILED)
        return false;
    struct sigaction bus = {.sa_handler = s_on_bus}, old;
    sigemptyset(&bus.sa_mask);
    sigaction(SIGBUS, &bus, &old);
    volatile size_t fed = 0; /* the end of the bytes handed to the stripper */
    if (sigsetjmp(s_bus_jump, 1) == 0) {
        in->bytes = size;
        *rc = ES_OK;
        for (size_t at = 0; at < size && *rc == ES_OK; at += S_MAP_WINDOW) {
            size_t n = size - at < S_MAP_WINDOW ? size - at : S_MAP_WINDOW;
            (void)es_pages_populate_read(map + at, n);
            if (at == 0)
                s_note_head(in, map, n);
            fed = at + n;
            *rc = k->feed_lent(k->s, map + at, n);
        }
        if (*rc == ES_OK)
            *rc = k->finish(k->s);
    } else {
        in->read_errno = EIO; /* the file was truncated while being read */
        *rc = ES_ERR_IO;
    }
    sigaction(SIGBUS, &old, NULL);
    /* Kept runs are written straight from the mapping: write(2) reading its
     * vanished pages fails with EFAULT (no SIGBUS), which would blame the
     * output. A failure once the file is shorter than mapped is the input's. */
    struct stat now;
    if (*rc != ES_OK && fstat(fd, &now) == 0 && now.st_size < st.st_size) {
        in->read_errno = EIO;
        *rc = ES_ERR_IO;
    }
    munmap(map, size);
    (void)lseek(fd, (off_t)fed, SEEK_SET);
    return true;
}

static es_err s_pump(const s_sink *k, int fd, es_cli_input *in)
{
    memset(in, 0, sizeof *in);
    es_err mapped_rc;
    bool mapped = s_pump_mapped(k, fd, in, &mapped_rc);
    s_pumped_before = true;
    if (mapped)
        return mapped_rc;
    for (;;) {
        ssize_t n = read(fd, s_chunk, sizeof s_chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            in->read_errno = errno;
            return ES_ERR_IO;
        }
        if (n == 0)
            break;
        s_note_head(in, s_chunk, (size_t)n);
        in->bytes += (uint64_t)n;
        es_err rc = k->feed(k->s, s_chunk, (size_t)n);
        if (rc != ES_OK)
            return rc;
    }
    return k->finish(k->s);
}

static es_err s_jpeg_feed(void *s, const uint8_t *d, size_t n) { return es_jpeg_stripper_feed(s, d, n); }
static es_err s_jpeg_finish(void *s) { return es_jpeg_stripper_finish(s); }
static es_err s_orient_feed(void *s, const uint8_t *d, size_t n) { return es_orient_stripper_feed(s, d, n); }
static es_err s_orient_feed_lent(void *s, const uint8_t *d, size_t n)
{
    return es_orient_stripper_feed_borrowed(s, d, n);
}
static es_err s_orient_finish(void *s) { return es_orient_stripper_finish(s); }

es_err es_cli_pump(es_jpeg_stripper *s, int fd, es_cli_input *in)
{
    return s_pump(&(s_sink){s, s_jpeg_feed, s_jpeg_feed, s_jpeg_finish}, fd, in);
}

es_err es_cli_pump_orient(es_orient_stripper *s, int fd, es_cli_input *in)
{
    return s_pump(&(s_sink){s, s_orient_feed, s_orient_feed_lent, s_orient_finish}, fd, in);
}

es_err es_cli_failure_reason(const char *msg, es_err rc, const es_cli_input *in, es_error *err)
{
    if (rc == ES_ERR_IO)
        return es_error_set(err, rc, "read error: %s", strerror(in->read_errno));
    if (!msg || !*msg)
        msg = es_strerror(rc);
    if (rc == ES_ERR_JPEG_NOT_JPEG) {
        const char *kind = es_jpeg_sniff_type(in->head, in->head_len);
        if (!strstr(msg, kind))
            return es_error_set(err, rc, "%s (looks like: %s)", msg, kind);
    }
    return es_error_set(err, rc, "%s", msg);
}
