/* stream.c - the CLI's input: a regular file is mapped and fed to the
 * stripper in one piece, so kept runs (the whole entropy-coded scan) are
 * written straight from the mapping with no copy through a read buffer;
 * anything else (pipes, terminals, files under 16 KiB) is read in fixed-size
 * chunks.
 * Both feed the same streaming stripper, so the output is identical. Plus the
 * wording of refusals. */
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

/* Below this, mapping (mmap, two sigactions, munmap) costs more than one
 * read(); above it, read() faults in (and zeroes) a page of s_chunk per 4 KiB
 * before copying, which mapping the page-cache pages avoids (a 160 KB photo:
 * 40 fewer page faults, ~3% of its `strip` run). */
#define S_MAP_MIN ((size_t)16 * 1024)

/* The first piece of a mapping fed while the stripper holds its input. */
#define S_MAP_FIRST_PIECE ((size_t)32 * 1024)

/* One buffer for the whole (single-threaded) process. */
static uint8_t s_chunk[ES_CLI_CHUNK];

typedef es_err (*s_feed_fn)(void *s, const uint8_t *data, size_t len);
typedef es_err (*s_finish_fn)(void *s);
/* Whether the stripper passes input straight through (else it copies what it is fed). */
typedef bool (*s_streaming_fn)(const void *s);

typedef struct s_sink {
    void *s;
    s_feed_fn feed;
    s_finish_fn finish;
    s_streaming_fn streaming;
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
 * new end: that read fails (EIO) instead of killing the process. */
static sigjmp_buf s_bus_jump;

static void s_on_bus(int sig)
{
    (void)sig;
    siglongjmp(s_bus_jump, 1);
}

/* Feeds the mapping in pieces while the stripper holds (copies) its input
 * (deciding on the orientation, or buffering a photo to turn), then the rest
 * in one piece, which the stripper writes out in runs straight from the map.
 * The pieces start at S_MAP_FIRST_PIECE and double up to ES_CLI_CHUNK: the
 * decision usually comes with the first one (a header with its Exif), so
 * little more than the header is copied; a photo being turned is soon fed in
 * whole chunks. */
static es_err s_feed_mapped(const s_sink *k, const uint8_t *map, size_t size)
{
    size_t off = 0, piece = S_MAP_FIRST_PIECE;
    while (off < size && !k->streaming(k->s)) {
        size_t n = size - off < piece ? size - off : piece;
        es_err rc = k->feed(k->s, map + off, n);
        if (rc != ES_OK)
            return rc;
        off += n;
        piece = piece < ES_CLI_CHUNK / 2 ? piece * 2 : ES_CLI_CHUNK;
    }
    if (off < size) {
        es_err rc = k->feed(k->s, map + off, size - off);
        if (rc != ES_OK)
            return rc;
    }
    return k->finish(k->s);
}

/* Feeds a mapped regular file. Returns false (nothing fed) when the file is
 * not worth or not possible to map: then the caller reads it. */
static bool s_pump_mapped(const s_sink *k, int fd, es_cli_input *in, es_err *rc)
{
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < (off_t)S_MAP_MIN ||
        (uint64_t)st.st_size > SIZE_MAX || lseek(fd, 0, SEEK_CUR) != 0)
        return false;
    size_t size = (size_t)st.st_size;
    uint8_t *map = mmap(NULL, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
    if (map == MAP_FAILED)
        return false;
    struct sigaction bus = {.sa_handler = s_on_bus}, old;
    sigemptyset(&bus.sa_mask);
    sigaction(SIGBUS, &bus, &old);
    if (sigsetjmp(s_bus_jump, 1) == 0) {
        s_note_head(in, map, size);
        in->bytes = size;
        *rc = s_feed_mapped(k, map, size);
    } else {
        in->read_errno = EIO; /* the file was truncated while being read */
        *rc = ES_ERR_IO;
    }
    sigaction(SIGBUS, &old, NULL);
    munmap(map, size);
    return true;
}

static es_err s_pump(const s_sink *k, int fd, es_cli_input *in)
{
    memset(in, 0, sizeof *in);
    es_err mapped_rc;
    if (s_pump_mapped(k, fd, in, &mapped_rc))
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
static es_err s_orient_finish(void *s) { return es_orient_stripper_finish(s); }
static bool s_jpeg_streaming(const void *s) { return (void)s, true; }
static bool s_orient_streaming(const void *s) { return es_orient_stripper_streaming(s); }

es_err es_cli_pump(es_jpeg_stripper *s, int fd, es_cli_input *in)
{
    return s_pump(&(s_sink){s, s_jpeg_feed, s_jpeg_finish, s_jpeg_streaming}, fd, in);
}

es_err es_cli_pump_orient(es_orient_stripper *s, int fd, es_cli_input *in)
{
    return s_pump(&(s_sink){s, s_orient_feed, s_orient_finish, s_orient_streaming}, fd, in);
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
