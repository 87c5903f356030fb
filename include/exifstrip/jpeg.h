/* jpeg.h - the lossless, streaming JPEG metadata stripper (public API).
 *
 * Push model: create a stripper with a policy and an output callback, feed it
 * input bytes in chunks of any size, then finish it. Markers are parsed with a
 * small bounded buffer; entropy-coded data and every kept segment are copied
 * byte for byte, never decoded. Memory is O(1) in the image size. The output
 * is identical however the input is split.
 *
 * Output is emitted as the stream is parsed, so a caller that must not publish
 * a refused image (CLI, worker) writes to a temporary file / multipart upload
 * and discards it when es_jpeg_stripper_finish() (or a feed) fails. */
#ifndef EXIFSTRIP_JPEG_H
#define EXIFSTRIP_JPEG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "exifstrip/error.h"

/* What a segment (or the trailer) is, as far as the policy is concerned. */
typedef enum es_jpeg_kind {
    ES_JPEG_KIND_SOI = 0,
    ES_JPEG_KIND_JFIF,      /* APP0 "JFIF\0"          keep the 14-byte header only */
    ES_JPEG_KIND_JFXX,      /* APP0 "JFXX\0" thumbnail extension             drop */
    ES_JPEG_KIND_EXIF,      /* APP1 "Exif\0\0" (GPS, MakerNotes, thumbnail)  drop */
    ES_JPEG_KIND_XMP,       /* APP1 "http://ns.adobe.com/xap/1.0/\0"         drop */
    ES_JPEG_KIND_XMP_EXT,   /* APP1 "http://ns.adobe.com/xmp/extension/\0"   drop */
    ES_JPEG_KIND_ICC,       /* APP2 "ICC_PROFILE\0"           keep (policy option) */
    ES_JPEG_KIND_MPF,       /* APP2 "MPF\0" multi-picture index              drop */
    ES_JPEG_KIND_PHOTOSHOP, /* APP13 "Photoshop 3.0\0" (IPTC)                drop */
    ES_JPEG_KIND_ADOBE,     /* APP14 "Adobe" (colour transform)  keep 12 bytes only */
    ES_JPEG_KIND_DUCKY,     /* APP12 "Ducky"                                 drop */
    ES_JPEG_KIND_OTHER_APP, /* any other APPn (APP0/APP14 of other ids too)  drop */
    ES_JPEG_KIND_COMMENT,   /* COM                            drop (policy option) */
    ES_JPEG_KIND_TABLE,     /* DQT, DHT, DAC, DRI                            keep */
    ES_JPEG_KIND_FRAME,     /* SOF0..SOF15 (not DHT/JPG/DAC)                 keep */
    ES_JPEG_KIND_SCAN,      /* SOS header + its entropy-coded data and RSTn  keep */
    ES_JPEG_KIND_DNL,       /* DNL                                           keep */
    ES_JPEG_KIND_OTHER,     /* EXP, JPGn, reserved marker segments           keep */
    ES_JPEG_KIND_EOI,       /* EOI                                           keep */
    ES_JPEG_KIND_TRAILER,   /* bytes after EOI (MPF images, MP4, SEFT ...)   drop */
    ES_JPEG_KIND_COUNT
} es_jpeg_kind;

/* Short name of a marker code (the second byte of the marker): "SOF0".."SOF15"
 * (0xC0-0xCF but DHT 0xC4, JPG 0xC8, DAC 0xCC), "RST0".."RST7", "SOI", "EOI",
 * "SOS", "DQT", "DNL", "DRI", "DHP", "EXP", "APP0".."APP15", "JPG0".."JPG13",
 * "COM", "TEM" (0x01), "RES" (reserved, 0x02-0xBF), "invalid" (0x00, 0xFF).
 * Never NULL. The one spelling used by error messages and `inspect`. */
const char *es_jpeg_marker_name(uint8_t code);

/* Short stable name of a kind: "exif", "xmp", "icc", "trailer", ... */
const char *es_jpeg_kind_name(es_jpeg_kind kind);
/* What a kind is, for people: "XMP packet", "Photoshop resources (IPTC)", ... */
const char *es_jpeg_kind_text(es_jpeg_kind kind);
/* Names of what is removed that is not a kind, spelt one way wherever a
 * summary, a report or the audit names it: the GPS position and thumbnail of
 * a removed Exif segment (es_jpeg_stats.exif_has_gps/exif_has_thumbnail), and
 * the zeroed text and device data of a kept ICC profile (scrubbed_bytes). */
#define ES_JPEG_ITEM_GPS "gps"
#define ES_JPEG_ITEM_EXIF_THUMBNAIL "exif-thumbnail"
#define ES_JPEG_ITEM_ICC_TEXT "icc-text"

/* The policy the stripper applies. Obtain defaults from es_jpeg_policy_default()
 * and change fields; new fields are always added with a default that keeps the
 * "privacy" behaviour. */
typedef struct es_jpeg_policy {
    bool keep_icc;      /* keep APP2 ICC_PROFILE chunks (default true) */
    bool keep_comments; /* keep COM segments (default false) */
} es_jpeg_policy;

void es_jpeg_policy_default(es_jpeg_policy *policy);
/* Whether a segment of this kind is copied to the output under policy. */
bool es_jpeg_policy_keeps(const es_jpeg_policy *policy, es_jpeg_kind kind);
/* How many payload bytes (after the length field) of a kept segment of this
 * kind are the fields the policy names: 14 for JFIF (identifier, version,
 * units, densities, thumbnail size - written as 0x0), 12 for Adobe
 * (identifier, version, flags, transform). A shorter segment of that kind is
 * not a valid header (decoders ignore it) and is dropped; the bytes after the
 * limit are dropped. SIZE_MAX (copy it all) for every other kind. */
size_t es_jpeg_policy_payload_limit(es_jpeg_kind kind);

/* What the stripper does to a kept ICC profile (reported with its chunk 1):
 * the colour tags are kept byte for byte, 'desc' and 'cprt' get an empty
 * text, every other tag is removed from the table and every byte no kept tag
 * references is zeroed, and so are the header's creation date, device
 * manufacturer and model and profile ID. */
typedef struct es_jpeg_icc_scrub {
    bool done;     /* set on chunk 1 of a kept profile */
    uint16_t tags; /* tags the profile lists */
    uint16_t kept, blanked, removed;
    char blanked_tags[12]; /* "desc cprt" */
    char removed_tags[48]; /* the first removed tags, "dmnd dmdd meta" (" ..." when more) */
} es_jpeg_icc_scrub;

/* One parsed segment, reported through the optional segment callback (used by
 * `exifstrip inspect`). offset is the position of the marker's 0xFF in the
 * input (of the first 0xFF fill byte before it, if any); length is the whole
 * segment in bytes including the marker and fill bytes (for SCAN: header plus
 * entropy-coded data up to the next non-RST marker; for TRAILER: every byte
 * after EOI, reported once at finish). The reports tile the input. */
typedef struct es_jpeg_segment {
    uint64_t offset;
    uint64_t length;
    uint8_t marker; /* second byte of the marker (0xE1 for APP1); 0 for TRAILER */
    es_jpeg_kind kind;
    bool kept;
    /* Bytes of a kept segment that were not copied: a kept segment is reduced
     * to the fields the policy names (JFIF: the 14-byte header, thumbnail
     * dropped and its size written as 0x0; Adobe: the 12-byte payload), with
     * its length field rewritten. For a kept ICC chunk: the bytes cut after
     * the profile's declared size. 0 for every other segment. */
    uint64_t removed;
    /* Bytes of a kept segment copied with another value: the identifying
     * parts of a kept ICC profile, zeroed or replaced by an empty text (the
     * segment keeps its length; not counted in removed). */
    uint64_t scrubbed;
    /* APP2 ICC_PROFILE under keep_icc: why this chunk was dropped (static
     * text: not a profile, bad numbering, a second profile ...), else NULL;
     * and for chunk 1 of a kept profile, what the scrub did to it. */
    const char *icc_note;
    es_jpeg_icc_scrub icc;
    /* For APPn: the identifier at the start of the payload, printable, NUL-terminated. */
    char ident[32];
} es_jpeg_segment;

/* What the stripper learned while removing metadata, filled progressively and
 * complete after a successful finish. The EXIF facts come from a bounded look
 * into IFD0 of each Exif segment (the stripper does not need libexif): GPS
 * and thumbnail when any segment has them, the orientation of the first. */
typedef struct es_jpeg_stats {
    uint64_t bytes_in;
    uint64_t bytes_out;
    uint64_t removed_bytes[ES_JPEG_KIND_COUNT]; /* bytes dropped, by kind (incl. trimmed tails) */
    /* Bytes of kept segments written with another value (ICC profile text and
     * device data zeroed: es_jpeg_segment.scrubbed); bytes_in = bytes_out + the
     * removed bytes still holds. */
    uint64_t scrubbed_bytes;
    uint32_t removed_count[ES_JPEG_KIND_COUNT]; /* segments dropped, by kind (trailer: 0/1) */
    bool exif_has_gps; /* IFD0 has a GPSInfo pointer (tag 0x8825) to a non-empty (or unreadable) IFD */
    uint16_t exif_orientation; /* IFD0 Orientation (1..8), 0 if absent */
    bool exif_has_thumbnail;   /* IFD0 links to a non-empty (or unreadable) IFD1 (the thumbnail) */
    uint32_t frames;           /* SOFn segments seen */
    uint32_t scans;            /* SOS segments seen */
    uint8_t sof_marker;        /* marker of the (first) frame header, 0 if none */
} es_jpeg_stats;

/* Output sink: called with each run of bytes to write. Return ES_OK, or an error
 * that aborts the stripper (it is then returned by feed/finish). */
typedef es_err (*es_jpeg_write_fn)(void *ctx, const uint8_t *data, size_t len);
/* Optional per-segment observer (may be NULL). */
typedef void (*es_jpeg_segment_fn)(void *ctx, const es_jpeg_segment *segment);

typedef struct es_jpeg_stripper es_jpeg_stripper;

/* Creates a stripper. policy is copied (NULL = default). write may be NULL to
 * only parse (inspect). Returns NULL when out of memory. */
es_jpeg_stripper *es_jpeg_stripper_new(const es_jpeg_policy *policy, es_jpeg_write_fn write, void *write_ctx);
/* Installs a segment observer; call before the first feed. */
void es_jpeg_stripper_on_segment(es_jpeg_stripper *s, es_jpeg_segment_fn fn, void *ctx);

/* Feeds len bytes. Returns ES_OK or the first error; after an error every later
 * call returns that same error. */
ES_MUST_USE es_err es_jpeg_stripper_feed(es_jpeg_stripper *s, const uint8_t *data, size_t len);
/* Declares the end of input: checks that a frame, a scan and EOI were seen and
 * accounts for the trailer. Returns ES_OK or the reason the input is refused. */
ES_MUST_USE es_err es_jpeg_stripper_finish(es_jpeg_stripper *s);

/* Human-readable reason of the failure, naming the offset and marker, e.g.
 * "offset 1234: APP1 segment length 70000 runs past the end of input (5000 bytes)".
 * Empty string when no error occurred. */
const char *es_jpeg_stripper_error(const es_jpeg_stripper *s);
es_err es_jpeg_stripper_status(const es_jpeg_stripper *s);
const es_jpeg_stats *es_jpeg_stripper_stats(const es_jpeg_stripper *s);
/* Frees s; accepts NULL. */
void es_jpeg_stripper_free(es_jpeg_stripper *s);

/* Convenience for whole buffers (tests, fuzzing, small objects): strips in into
 * a newly malloc'd *out (*out_len bytes; caller frees) or returns the error with
 * its reason copied into err (may be NULL). *out is NULL on failure. */
ES_MUST_USE es_err es_jpeg_strip_buffer(const es_jpeg_policy *policy, const uint8_t *in, size_t in_len,
                                        uint8_t **out, size_t *out_len, es_error *err, es_jpeg_stats *stats);

/* Names what a non-JPEG input looks like from its first bytes ("PNG image",
 * "GIF image", "HEIF/ISO-BMFF file", "WebP image", "TIFF image", "PDF document",
 * "ZIP archive", "text", "empty file", "unknown data"). */
const char *es_jpeg_sniff_type(const uint8_t *data, size_t len);

#endif
