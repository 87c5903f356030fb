/* output_file.h - an output that never exists half-written: bytes go to a
 * temporary file in the target's directory which is fsync'ed and renamed over
 * the target on commit, or unlinked on abort. For "-" (stdout) the temporary
 * file is anonymous and copied to stdout only on commit, so a refused input
 * writes nothing there; a target that is a device or FIFO (/dev/null, a named
 * pipe) is treated the same way, written on commit and never replaced. Writes
 * are buffered (ES_CLI_CHUNK), runs of
 * 64 KiB or more written directly. */
#ifndef ES_CLI_OUTPUT_FILE_H
#define ES_CLI_OUTPUT_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "exifstrip/error.h"

typedef struct es_cli_out es_cli_out;

/* Creates the temporary file for path ("-" = stdout). A symlink target is
 * resolved so the link survives; the mode (and, as root, the owner) of an
 * existing target is kept, a new file gets 0666 & ~umask. Returns NULL with
 * the reason in err on failure (ES_ERR_OUTPUT, ES_ERR_NOMEM, or
 * ES_ERR_INVALID_ARG for a path that names no file). */
es_cli_out *es_cli_out_open(const char *path, es_error *err);
/* Same for path, a regular file or a new name (never a symlink followed) in
 * the open directory dir_fd, which the output takes over (closed with it, or
 * on failure): the output goes into that directory even if path's directory
 * part leads elsewhere by now. --in-place -r hands over the directory the
 * input was opened in. */
es_cli_out *es_cli_out_open_in(int dir_fd, const char *path, es_error *err);
/* Makes commit refuse to publish unless the target (not following a symlink)
 * is still the file described by st: same device, inode, size and
 * modification time. --in-place passes the input's fstat so a file replaced
 * or rewritten while it was being stripped is left alone. */
void es_cli_out_expect(es_cli_out *o, const struct stat *st);
/* Whether two stats describe the same, unmodified file (device, inode, size, mtime). */
bool es_cli_same_file(const struct stat *a, const struct stat *b);
/* es_jpeg_write_fn-compatible sink (ctx is the es_cli_out). Returns
 * ES_ERR_OUTPUT when writing fails (see es_cli_out_errno). */
es_err es_cli_out_write(void *ctx, const uint8_t *data, size_t len);
int es_cli_out_errno(const es_cli_out *o);
/* Flushes, optionally fsyncs (file and directory) and publishes the output.
 * Always frees o. Returns ES_OK, or the error recorded in err with its reason
 * (nothing published): ES_ERR_OUTPUT, or ES_ERR_PRECONDITION when the
 * es_cli_out_expect check failed (then *changed is set too; may be NULL). */
es_err es_cli_out_commit(es_cli_out *o, bool sync, es_error *err, bool *changed);
/* Discards the output and frees o; accepts NULL. */
void es_cli_out_abort(es_cli_out *o);
/* Removes the temporary file of the output being written, if any: for a stop
 * signal's handler (async-signal-safe), which then ends the process. */
void es_cli_out_remove_pending(void);

#endif
