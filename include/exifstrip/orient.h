/* orient.h - keeping photos upright: the EXIF Orientation tag applied to the
 * DCT coefficients losslessly (libjpeg-turbo's coefficient API), kept as a minimal
 * tag, or dropped, in front of the streaming stripper (exifstrip/jpeg.h).
 *
 * Layer src/orient sits between src/jpeg (the pure marker-level stripper) and
 * src/aws: it is pure too (no I/O, no logging, no environment), but links
 * libexif (reading the tag) and libjpeg-turbo (its jpeglib API). Everything it
 * writes goes through the same stripper, so the privacy policy is enforced in
 * one place.
 *
 * Streaming: es_orient_stripper has the push interface of es_jpeg_stripper.
 * It holds input only until it has seen the first Exif segment or the frame
 * header; an orientation of 1, absent or invalid (and the keep and drop modes)
 * then continue on the plain streaming path with O(1) memory. Only a photo
 * that will really be transformed is buffered (up to EOI, never its trailer). */
#ifndef EXIFSTRIP_ORIENT_H
#define EXIFSTRIP_ORIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "exifstrip/error.h"
#include "exifstrip/jpeg.h"

typedef enum es_orient_mode {
    ES_ORIENT_APPLY = 0, /* transform the pixels so the photo displays upright (default) */
    ES_ORIENT_KEEP,      /* strip, then write back a minimal Exif holding only the tag */
    ES_ORIENT_DROP       /* strip everything (orientation ignored) */
} es_orient_mode;

/* "apply", "keep", "drop"; es_orient_mode_parse returns false for anything else. */
const char *es_orient_mode_name(es_orient_mode mode);
bool es_orient_mode_parse(const char *text, es_orient_mode *mode);

/* The operation that displays a stored picture upright, one per tag value as
 * the Exif specification defines (tag 1 + op). */
typedef enum es_orient_op {
    ES_ORIENT_OP_NONE = 0,   /* tag 1: 0th row top, 0th column left */
    ES_ORIENT_OP_FLIP_H,     /* tag 2: mirror left-right */
    ES_ORIENT_OP_ROT180,     /* tag 3 */
    ES_ORIENT_OP_FLIP_V,     /* tag 4: mirror top-bottom */
    ES_ORIENT_OP_TRANSPOSE,  /* tag 5: mirror across the top-left/bottom-right diagonal */
    ES_ORIENT_OP_ROT90,      /* tag 6: rotate 90 degrees clockwise */
    ES_ORIENT_OP_TRANSVERSE, /* tag 7: mirror across the top-right/bottom-left diagonal */
    ES_ORIENT_OP_ROT270      /* tag 8: rotate 270 degrees clockwise (90 counter-clockwise) */
} es_orient_op;

/* Tag 1..8 -> op; anything else -> NONE. */
es_orient_op es_orient_op_for_tag(unsigned tag);
/* Stable short name for JSON: "none", "flip_h", "rotate180", "flip_v",
 * "transpose", "rotate90", "transverse", "rotate270". */
const char *es_orient_op_name(es_orient_op op);
/* Human text: "rotate 90° cw", "mirror left-right", ... */
const char *es_orient_op_text(es_orient_op op);
/* Whether the op swaps width and height. */
bool es_orient_op_transposes(es_orient_op op);

/* What the frame header (SOFn) says, as far as a transform cares. */
typedef struct es_orient_frame {
    uint8_t sof_marker; /* 0xC0..0xCF */
    uint8_t precision;  /* bits per sample */
    uint32_t width, height;
    uint8_t components;
    uint8_t max_h, max_v; /* largest sampling factors (MCU = 8*max_h x 8*max_v; 8x8 for 1 component) */
    uint8_t samp_h[4], samp_v[4]; /* the first four components' sampling factors */
    uint32_t blocks;              /* 8x8 blocks of all components, padded to whole MCUs */
} es_orient_frame;

/* Whether libjpeg-turbo's transform takes these sampling factors (n
 * components, h[i] x v[i]): the samplings TurboJPEG names - gray; 4:4:4,
 * 4:2:2, 4:2:0, 4:4:0 or 4:1:1, also with 2x2 luma and 1x2 or 2x1 chroma, or
 * 4:4:4 spelled with equal factors of at most 3 blocks; 4 components (CMYK or
 * YCCK) with the K channel sampled like the first. */
bool es_orient_sampling_named(unsigned n, const uint8_t *h, const uint8_t *v);

/* Parses the SOFn payload (after the length field, len bytes). false when it
 * is cut short or inconsistent (no components, a zero width or factor). A
 * height of 0 (given later by a DNL marker) parses; a plan for it falls back. */
bool es_orient_frame_parse(uint8_t sof_marker, const uint8_t *payload, size_t len, es_orient_frame *out);

/* The Orientation tag of an APP1 payload starting with "Exif\0\0", read with
 * libexif (without "fixing" the data). Returns 1..8, 0 when there is no
 * Orientation entry, -1 when libexif cannot parse the block (corrupt) or
 * the value is not 1..8, or ES_ORIENT_TAG_UNREAD when it could not be read at
 * all (no memory for libexif's objects): *why names which, else it is set to
 * NULL. The plain,
 * well-formed cases are answered without libexif (so without loading it in
 * the CLI): es_jpeg_exif_orient_plain, which answers only when the result is
 * certainly es_orient_read_tag_libexif's. */
#define ES_ORIENT_TAG_UNREAD (-2)
int es_orient_read_tag(const uint8_t *payload, size_t len, const char **why);
/* The same, always asking libexif (the reference the tests compare with). */
int es_orient_read_tag_libexif(const uint8_t *payload, size_t len, const char **why);

/* Size of the minimal APP1 segment es_orient_tag_segment writes. */
#define ES_ORIENT_TAG_SEGMENT_LEN 36
/* Writes FF E1, the length and "Exif\0\0" + a big-endian TIFF header + IFD0
 * with the single entry Orientation = tag (no other IFD). */
void es_orient_tag_segment(unsigned tag, uint8_t out[ES_ORIENT_TAG_SEGMENT_LEN]);

#define ES_ORIENT_DEFAULT_MAX_PIXELS 100000000ull

/* apply reads the tag only from an Exif segment ending within the first
 * ES_ORIENT_DECIDE_CAP bytes, and turns a photo only when its frame header
 * ends within them too (fill bytes before a marker count); otherwise the tag
 * is kept (es_orient_stripper, and what inspect says). */
#define ES_ORIENT_DECIDE_CAP ((uint64_t)16 << 20)

/* A pixel count: "100000000" or "100M" (millions); false for 0 or anything else. */
bool es_orient_parse_pixels(const char *text, uint64_t *out);

/* What apply would do with a photo. */
typedef struct es_orient_plan {
    unsigned tag; /* 1..8; 1 also for absent/invalid */
    es_orient_op op;
    uint32_t out_width, out_height; /* after the transform and the trim */
    /* Pixels dropped (the partial MCUs at the stored picture's right/bottom
     * edge that the operation would move), named by the edge of the upright
     * picture they are missing from: always its left and/or top edge. */
    uint32_t trim_left, trim_top;
    uint64_t memory; /* estimated peak bytes of the transform */
    /* NULL when the transform can be done; otherwise why the tag is kept instead
     * ("12-bit samples", "lossless frame", "50000x40000 is over the limit of ..."). */
    char fallback[160];
} es_orient_plan;

/* Plans the transform of tag for frame (NULL frame: unknown, fallback).
 * max_pixels 0 means the default. input_len is the JPEG's size (memory,
 * UINT64_MAX when it would not fit in 64 bits). */
void es_orient_plan_make(unsigned tag, const es_orient_frame *frame, uint64_t max_pixels, uint64_t input_len,
                         es_orient_plan *plan);
/* Sets plan's fallback to why a frame header that does not end within
 * ES_ORIENT_DECIDE_CAP bytes keeps the tag (strip and inspect say the same). */
void es_orient_plan_frame_too_far(es_orient_plan *plan);
/* "rotate 90° cw, trim 7 px left" / "rotate 180°" / "none". */
void es_orient_plan_describe(const es_orient_plan *plan, char *buf, size_t cap);

/* What es_orient_transform has allocated while it runs (libjpeg-turbo's
 * objects, the output being made): zeroed before the first transform, and
 * empty again whenever it returns. A caller that may leave a transform by a
 * longjmp past it (a SIGBUS handler's: the input is a mapped file, truncated
 * meanwhile) keeps it where the jump does not pop it and afterwards releases
 * it with es_orient_transform_abandon (es_orient_stripper does, when freed). */
typedef struct es_orient_transform_work {
    struct es_orient_lossless_job *job; /* src/orient/lossless.h */
    uint8_t *out;
} es_orient_transform_work;

/* Transforms jpeg (a complete JPEG, SOI..EOI) by plan->op with trimming,
 * progressive output when the frame is progressive, and the original's APPn
 * and COM segments (before its first scan, in order) put back right after
 * SOI in place of libjpeg-turbo's own: JFIF (density swapped when the op
 * transposes), ICC chunks, Adobe. Metadata is not filtered here: the caller
 * runs the result through the stripper. *out is a block of the library's
 * src/common/block_cache.h, freed with es_block_free. work: see above. */
es_err es_orient_transform(es_orient_transform_work *work, const uint8_t *jpeg, size_t len,
                           const es_orient_frame *frame, const es_orient_plan *plan, uint8_t **out,
                           size_t *out_len, es_error *err);
/* Releases what a transform left by a longjmp past it had allocated; work is
 * empty afterwards (nothing happens when it already was). */
void es_orient_transform_abandon(es_orient_transform_work *work);

/* A shared memory budget that transforms wait for (the worker's); optional. */
typedef struct es_orient_budget_ops {
    /* Blocks until bytes are available and takes them: true. false when bytes
     * can never fit (over the whole budget) or waiting was cancelled. */
    bool (*acquire)(void *ctx, uint64_t bytes);
    /* Gives the bytes back, once the transformed photo has been written out. */
    void (*release)(void *ctx, uint64_t bytes);
    void *ctx;
    /* Optional: called once after each successful acquire, as soon as the
     * transform itself has returned (its CPU work is done) and before its
     * output is written, which may wait on the network; release follows later. */
    void (*end_run)(void *ctx);
    /* Optional, used once the input's length is known
     * (es_orient_stripper_expect_input): called once a photo is known to be
     * turned (its frame header read), before the rest of it is held, with what
     * turning the whole input will take at most. ES_OK: taken now; the photo
     * is held within it, acquire then asks for 0 bytes (only waits for its
     * turn) and release gives these bytes back (also when the stripper is
     * freed before it finished). ES_ERR_TOO_LARGE: can never fit (the tag is
     * kept, nothing more is held). Any other code does not fit now: the
     * stripper stops with that code, holding nothing (the caller may wait
     * for room and start over). Never blocks. */
    es_err (*hold)(void *ctx, uint64_t bytes);
} es_orient_budget_ops;

typedef struct es_orient_config {
    es_orient_mode mode;
    uint64_t max_pixels;                /* 0 = ES_ORIENT_DEFAULT_MAX_PIXELS */
    const es_orient_budget_ops *budget; /* NULL = no shared budget */
} es_orient_config;

/* What happened to the orientation of one photo. */
typedef enum es_orient_outcome {
    ES_ORIENT_NONE = 0,    /* no tag, tag 1, invalid or corrupt: plain strip */
    ES_ORIENT_TRANSFORMED, /* apply: pixels transformed, no Exif left */
    ES_ORIENT_TAG_KEPT,    /* keep mode, or apply's fallback: minimal Exif with the tag */
    ES_ORIENT_DROPPED      /* drop mode with a tag != 1 */
} es_orient_outcome;

typedef struct es_orient_result {
    es_orient_outcome outcome;
    unsigned tag;        /* 0 none/invalid, else 1..8 */
    es_orient_plan plan; /* valid when outcome is TRANSFORMED (or a fallback) */
    bool fallback;       /* apply fell back to keeping the tag (plan.fallback says why) */
    /* One line for logs: "orientation 6: rotate 90° cw, trim 7 px left",
     * "orientation 6 kept as a tag: lossless frame cannot be transformed",
     * "corrupt Exif (libexif cannot parse it): orientation 1". Empty: nothing to say. */
    char note[256];
} es_orient_result;

typedef struct es_orient_stripper es_orient_stripper;

es_orient_stripper *es_orient_stripper_new(const es_jpeg_policy *policy, const es_orient_config *config,
                                           es_jpeg_write_fn write, void *write_ctx);
/* The whole input's length, when known before it is fed (a Content-Length):
 * lets a budget's hold take a photo's share before the photo is held. */
void es_orient_stripper_expect_input(es_orient_stripper *s, uint64_t len);
ES_MUST_USE es_err es_orient_stripper_feed(es_orient_stripper *s, const uint8_t *data, size_t len);
/* es_orient_stripper_feed with data lent by the caller: its bytes stay valid
 * and unchanged until es_orient_stripper_finish has returned or the stripper
 * is freed (a mapped file, a whole buffer). While the input so far is one
 * contiguous range of lent memory (this is the first feed, or each one starts
 * where the previous lent one ended), what the stripper holds while deciding
 * and buffering is a reference to it, not a copy, and a transform (or its
 * fallback to keep) reads it in place. Anything else (a plain feed, a gap)
 * copies what is held and goes on as es_orient_stripper_feed would: the
 * output, stats and result are the same as feeding the bytes plainly. */
ES_MUST_USE es_err es_orient_stripper_feed_borrowed(es_orient_stripper *s, const uint8_t *data, size_t len);
ES_MUST_USE es_err es_orient_stripper_finish(es_orient_stripper *s);
const char *es_orient_stripper_error(const es_orient_stripper *s);
/* Statistics of the original input (what was removed), with bytes_out the
 * bytes actually written. */
const es_jpeg_stats *es_orient_stripper_stats(const es_orient_stripper *s);
const es_orient_result *es_orient_stripper_result(const es_orient_stripper *s);
/* Whether input now passes straight through (the plain streaming path): until
 * then everything fed is held (copied, unless lent: feed_borrowed). */
bool es_orient_stripper_streaming(const es_orient_stripper *s);
/* True while the write callback is being given bytes that stay valid and
 * unchanged until es_orient_stripper_free: a turned photo's output, handed
 * over in one call at finish (the caller may send it without copying it;
 * it then frees the stripper only once they are no longer needed). */
bool es_orient_stripper_output_stable(const es_orient_stripper *s);
/* Bytes of input copied into the stripper's own hold so far (0 while all it
 * held was lent). */
uint64_t es_orient_stripper_copied(const es_orient_stripper *s);
/* Bytes of input scanned so far by the parse-only stripper that decides (and
 * finds the end of a photo held to be turned). A feed made while deciding is
 * scanned in pieces of 32 KiB, only up to the piece that decides: the rest
 * goes straight to the path decided. */
uint64_t es_orient_stripper_probed(const es_orient_stripper *s);
/* Frees s, also after a finish that never returned, left by a longjmp (a
 * SIGBUS handler's, when lent memory vanished under it: src/cli/stream.c):
 * what its transform had allocated is released, the budget's run ended and
 * its bytes given back. */
void es_orient_stripper_free(es_orient_stripper *s);

/* Whole-buffer convenience (tests, fuzzing): like es_jpeg_strip_buffer; in is
 * lent (es_orient_stripper_feed_borrowed), never copied. */
ES_MUST_USE es_err es_orient_strip_buffer(const es_jpeg_policy *policy, const es_orient_config *config,
                                          const uint8_t *in, size_t in_len, uint8_t **out, size_t *out_len,
                                          es_error *err, es_orient_result *result);

#endif
