/* exif_defuse.h - makes the TIFF structure of an Exif APP1 payload safe to
 * hand to libexif, which follows every sub-IFD pointer it meets (the Exif,
 * GPS and Interoperability IFDs, and IFD1 after IFD0) to a few levels deep:
 * pointers that lead back to an IFD already reached, or a pointer tag met
 * a second time, made a 12 KB block cost libexif a minute of CPU (its work
 * grows with the cube of the pointers). Each IFD is then reached once. */
#ifndef ES_JPEG_EXIF_DEFUSE_H
#define ES_JPEG_EXIF_DEFUSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The tag a pointer that must not be followed is renamed to: a tag no IFD
 * defines, which libexif (ignoring unknown tags) neither follows nor keeps. */
#define ES_EXIF_DEFUSED_TAG 0xFFFFu

/* Rewrites payload (an APP1 payload starting with "Exif\0\0", len bytes, a
 * copy the caller owns) in place. ifd0_only: every sub-IFD pointer of IFD0
 * is renamed and the offset of IFD1 zeroed, so libexif reads IFD0 alone
 * (all the orientation needs); otherwise the first pointer of each kind to an
 * IFD not yet reached is kept, each other one renamed, and IFD1's offset
 * zeroed when it leads to an IFD already reached. Touches nothing outside
 * the TIFF data libexif reads; a payload that is no TIFF is left alone.
 * Returns the number of pointers renamed or zeroed. */
unsigned es_jpeg_exif_defuse(uint8_t *payload, size_t len, bool ifd0_only);

#endif
