/* format.h - small text formatting helpers shared by the CLI subcommands:
 * human-readable sizes, the "what was removed" list, and file names and S3
 * keys made safe to print or to paste into a shell. */
#ifndef ES_CLI_FORMAT_H
#define ES_CLI_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "exifstrip/jpeg.h"

/* "512 B", "12.3 KiB", "1.2 MiB", "3.4 GiB". */
void es_cli_human_size(uint64_t bytes, char *buf, size_t cap);
/* The removed kinds with their sizes, e.g. "exif(gps) 12.3 KiB, xmp 2.1 KiB,
 * trailer 1.2 MiB", or "nothing". */
void es_cli_removed_summary(const es_jpeg_stats *st, char *buf, size_t cap);

/* Room for a file name as es_cli_shown_path shows it. */
#define ES_CLI_SHOWN_SIZE 1024
/* Room for any S3 key (at most 1024 bytes) as es_cli_shown_path or
 * es_cli_shell_word writes it, every byte escaped. */
#define ES_CLI_KEY_SHOWN_SIZE (4 * 1024 + 4)
/* path as a message or a text report shows it: path itself when it holds
 * nothing unsafe, else a copy in buf (cap bytes, cut at a whole character to
 * fit) with each byte of an unsafe character written as \xNN. Unsafe: control
 * characters (C0, DEL and U+0080..U+009F), the line and paragraph separators
 * U+2028 and U+2029, the bidi embeddings, overrides and isolates
 * U+202A..U+202E and U+2066..U+2069, and bytes that are not valid UTF-8; so a
 * name chosen by whoever filled a directory or a bucket cannot start a line
 * of its own, send terminal escapes, or display reordered (x\u202Egpj.exe
 * as xexe.jpg). */
const char *es_cli_shown_path(const char *path, char *buf, size_t cap);

/* s as one bash word that reads back as exactly s: 's' (each ' as '\'') when
 * it holds nothing es_cli_shown_path would escape, else $'s' with those bytes
 * as \xNN and \ and ' as \\ and \'. False when it does not fit in buf (cap
 * bytes; ES_CLI_KEY_SHOWN_SIZE holds any S3 key). */
bool es_cli_shell_word(const char *s, char *buf, size_t cap);

/* Prints "exifstrip COMMAND: PREFIXmsg" on stderr with msg as
 * es_cli_shown_path shows it: the refusals of settings quote their values,
 * which may hold a carriage return (an env file saved with CRLF line ends:
 * "us-east-1\r" would print as a valid-looking value with the line's start
 * overwritten) or terminal escapes; those are shown as \xNN. */
void es_cli_refuse(const char *command, const char *prefix, const char *msg);

#endif
