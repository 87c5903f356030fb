/* format.h - small text formatting helpers shared by the CLI subcommands:
 * human-readable sizes and the "what was removed" list. */
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

#endif
