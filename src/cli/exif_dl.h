/* exif_dl.h - libexif, loaded at the first call of one of its functions
 * (exif_dl.c) instead of linked: the Exif readers call libexif as usual.
 * Commands that will read Exif later (worker, backfill) check at start that
 * the library loads, without keeping it mapped. */
#ifndef ES_CLI_EXIF_DL_H
#define ES_CLI_EXIF_DL_H

#include <stdbool.h>

#include "exifstrip/error.h"

/* A build may name another file; the error messages name the package. */
#ifndef ES_EXIF_LIBRARY
#define ES_EXIF_LIBRARY "libexif.so.12"
#endif

/* True when ES_EXIF_LIBRARY loads and has every function exifstrip calls;
 * the library is unloaded again (its first real use loads it for good).
 * False with err (may be NULL) set to ES_ERR_CONFIG "cannot load
 * libexif.so.12, which reading Exif needs (install libexif12): ..." or "...
 * lacks SYMBOL". */
bool es_cli_exif_check(es_error *err);

#endif
