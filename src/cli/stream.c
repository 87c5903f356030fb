/* stream.c - the CLI's read loop: fixed-size reads from a descriptor fed to
 * the streaming stripper, plus the wording of refusals. */
#include "cli/stream.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* One buffer for the whole (single-threaded) process. */
static uint8_t s_chunk[ES_CLI_CHUNK];

es_err es_cli_pump(es_jpeg_stripper *s, int fd, es_cli_input *in)
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
        es_err rc = es_jpeg_stripper_feed(s, s_chunk, (size_t)n);
        if (rc != ES_OK)
            return rc;
    }
    return es_jpeg_stripper_finish(s);
}

void es_cli_failure_reason(const es_jpeg_stripper *s, es_err rc, const es_cli_input *in, char *buf,
                           size_t cap)
{
    if (rc == ES_ERR_IO) {
        snprintf(buf, cap, "read error: %s", strerror(in->read_errno));
        return;
    }
    const char *msg = s ? es_jpeg_stripper_error(s) : "";
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
