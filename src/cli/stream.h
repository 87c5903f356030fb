/* stream.h - pushing one input file descriptor through a stripper: a regular
 * file of 16 KiB or more is mapped and fed in place (in a run over several
 * files, only the first, and later ones above 256 KiB), anything else read in
 * fixed 256 KiB chunks
 * (memory stays constant whatever the image size), and turning a failure into
 * the one-line reason the CLI prints. */
#ifndef ES_CLI_STREAM_H
#define ES_CLI_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "exifstrip/jpeg.h"
#include "exifstrip/orient.h"

#define ES_CLI_CHUNK ((size_t)256 * 1024)

typedef struct es_cli_input {
    uint8_t head[16]; /* first bytes, to name what a non-JPEG input is */
    size_t head_len;
    uint64_t bytes; /* bytes read so far */
    int read_errno; /* errno of a failed read (the result is then ES_ERR_IO) */
} es_cli_input;

/* Reads fd to its end, feeding s, then finishes s. Returns ES_OK, the
 * stripper's error (including the write callback's), or ES_ERR_IO when
 * reading failed. Does not close fd. */
es_err es_cli_pump(es_jpeg_stripper *s, int fd, es_cli_input *in);

/* The same for the orientation-aware stripper (exifstrip strip). */
es_err es_cli_pump_orient(es_orient_stripper *s, int fd, es_cli_input *in);

/* Records in err (code rc) the reason a pump failed, for "path: reason": the
 * failing stripper's message (msg may be NULL or empty: rc's description) and,
 * for a non-JPEG, what the input looks like; read errors give strerror.
 * Returns rc. */
es_err es_cli_failure_reason(const char *msg, es_err rc, const es_cli_input *in, es_error *err);

#endif
