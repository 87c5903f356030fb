/* format.h - small text formatting helpers shared by the CLI subcommands:
 * human-readable sizes, the "what was removed" list, and file names made
 * safe to print. */
#ifndef ES_CLI_FORMAT_H
#define ES_CLI_FORMAT_H

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
/* path as a message or a text report shows it: path itself when it holds no
 * control character, else a copy in buf (cap bytes, cut to fit) with each
 * control byte written as \xNN, so that a name chosen by whoever filled a
 * directory cannot start a line of its own or send terminal escapes. */
const char *es_cli_shown_path(const char *path, char *buf, size_t cap);

#endif
