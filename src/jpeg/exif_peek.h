/* exif_peek.h - a bounded look into IFD0 of an APP1 Exif payload for the
 * facts the stripper reports: is there GPS data, the Orientation, and whether
 * a thumbnail directory (IFD1) follows. */
#ifndef ES_JPEG_EXIF_PEEK_H
#define ES_JPEG_EXIF_PEEK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct es_jpeg_exif_facts {
    bool has_gps;         /* IFD0 has a GPSInfo (0x8825) pointer to a non-empty IFD */
    uint16_t orientation; /* IFD0 Orientation (0x0112) in 1..8, else 0 */
    bool has_thumbnail;   /* IFD0 links to a non-empty (or unreadable) IFD1, the thumbnail's */
} es_jpeg_exif_facts;

/* payload is the APP1 payload starting with "Exif\0\0" (len bytes, may be cut
 * short). Every offset is checked against len; both byte orders are handled;
 * anything malformed just yields fewer facts. Never fails. */
void es_jpeg_exif_peek(const uint8_t *payload, size_t len, es_jpeg_exif_facts *out);

#endif
