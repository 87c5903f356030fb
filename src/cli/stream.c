/* stream.c - the CLI's read loop: fixed-size reads from a descriptor fed to
 * the streaming stripper, plus the wording of refusals. */
#include "cli/stream.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* One buffer for the whole (single-threaded) process. */
static uint8_t s_chunk[ES_CLI_CHUNK];

typedef es_err (*s_feed_fn)(void *s, const uint8_t *data, size_t len);
typedef es_err (*s_finish_fn)(void *s);

static es_err s_pump(void *s, s_feed_fn feed, s_finish_fn finish, int fd, es_cli_input *in)
{
    memset(in, 0, sizeof *in);
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
        if (in->head_len < sizeof in->head) {
            size_t take = sizeof in->head - in->head_len;
            if (take > (size_t)n)
                take = (size_t)n;
            memcpy(in->head + in->head_len, s_chunk, take);
            in->head_len += take;
        }
        in->bytes += (uint64_t)n;
        es_err rc = feed(s, s_chunk, (size_t)n);
        if (rc != ES_OK)
            return rc;
    }
    return finish(s);
}

static es_err s_jpeg_feed(void *s, const uint8_t *d, size_t n) { return es_jpeg_stripper_feed(s, d, n); }
static es_err s_jpeg_finish(void *s) { return es_jpeg_stripper_finish(s); }
static es_err s_orient_feed(void *s, const uint8_t *d, size_t n) { return es_orient_stripper_feed(s, d, n); }
static es_err s_orient_finish(void *s) { return es_orient_stripper_finish(s); }

es_err es_cli_pump(es_jpeg_stripper *s, int fd, es_cli_input *in)
{
    return s_pump(s, s_jpeg_feed, s_jpeg_finish, fd, in);
}

es_err es_cli_pump_orient(es_orient_stripper *s, int fd, es_cli_input *in)
{
    return s_pump(s, s_orient_feed, s_orient_finish, fd, in);
}

void es_cli_failure_reason(const es_jpeg_stripper *s, es_err rc, const es_cli_input *in, char *buf,
                           size_t cap)
{
    es_cli_failure_reason_msg(s ? es_jpeg_stripper_error(s) : "", rc, in, buf, cap);
}

void es_cli_failure_reason_msg(const char *msg, es_err rc, const es_cli_input *in, char *buf, size_t cap)
{
    if (rc == ES_ERR_IO) {
        snprintf(buf, cap, "read error: %s", strerror(in->read_errno));
        return;
    }
    if (!msg || !*msg)
        msg = es_strerror(rc);
    if (rc == ES_ERR_JPEG_NOT_JPEG) {
        const char *kind = es_jpeg_sniff_type(in->head, in->head_len);
        if (!strstr(msg, kind)) {
            snprintf(buf, cap, "%s (looks like: %s)", msg, kind);
            return;
        }
    }
    snprintf(buf, cap, "%s", msg);
}
