/* strip.c - the streaming JPEG metadata stripper (es_jpeg_stripper_*): a state
 * machine over a bounded cursor that copies kept segments and entropy-coded
 * data byte for byte and drops metadata, without ever holding the image.
 *
 * Design. Input arrives in chunks of any size. Each state is a "step" that
 * either consumes bytes, changes state, or answers ES_ERR_NEED_MORE without
 * consuming anything. A step needs at most S_HOLD_MAX contiguous bytes (marker
 * + length + a 40-byte identifier peek, or 32 bytes to name a non-JPEG), so
 * when a chunk ends mid-header the leftover bytes go to a small hold buffer
 * that the next chunk tops up. Segment bodies, entropy-coded data and the
 * trailer are processed in whatever runs are available: entropy data is
 * scanned for 0xFF a vector at a time (scan.h), and 0xFF00 stuffing and RSTn
 * are copied as part of the same run, so output callbacks are whole runs. 0xFF bytes whose
 * meaning is not yet known (fill bytes, an FF at the end of a chunk) are only
 * counted and re-emitted later, so the hold never grows. Memory is O(1): the
 * struct, plus an Exif payload (<= 65533 bytes) buffered only while it
 * is being read, for the IFD0 peek (GPS pointer, Orientation), and a kept ICC
 * profile's first chunk (<= 65533 bytes, until its scrub plan is built: icc.h)
 * and that plan. The output and the error (code and message) are the same
 * however the input is split.
 *
 * Rules (the README copies this table)
 *   Input                                     Outcome
 *   ----------------------------------------  ----------------------------------------------
 *   APP0 JFIF, APP14 Adobe                    reduced to the fields the policy names, length
 *                                             rewritten: JFIF to its 14-byte header (version,
 *                                             units, densities) with the thumbnail size set to
 *                                             0x0 and the thumbnail dropped; Adobe to its
 *                                             12-byte payload. Shorter ones (not a valid
 *                                             header, ignored by decoders): dropped
 *   APP2 ICC_PROFILE                          kept scrubbed (policy keep_icc, default on): the
 *                                             same chunks and lengths, colour tags byte for
 *                                             byte, 'desc'/'cprt' empty, other tags and the
 *                                             header's date, device and ID zeroed (icc.h);
 *                                             bytes past the declared size cut. Dropped, with
 *                                             every later ICC chunk: a chunk 1 that is not a
 *                                             profile (header and tag table in it), numbers
 *                                             not 1..count in order with one count, a second
 *                                             profile, a chunk past the declared size that
 *                                             is not the last
 *   other APP0/APP2/APP14, APP1 (Exif, XMP,   dropped
 *   extended XMP, anything), APP3-APP13,
 *   APP15, COM (policy keep_comments)
 *   DNL                                       reduced to its 2-byte line count (length
 *                                             rewritten); a shorter one is dropped
 *   SOFn or DHP whose length is not 8 + 3   ES_ERR_JPEG_BAD_LENGTH (T.81 B.2.2, B.2.3,
 *   x its component count (1..255), SOS    B.2.4.4, B.3.2, B.3.3;
 *   not 6 + 2 x its (1..4), DRI not 4,     s_check_structural_length)
 *   EXP not 3
 *   DQT, DHT, DAC whose tables do not fill ES_ERR_JPEG_BAD_LENGTH; a table no decoder
 *   their length, or name a destination    accepts: ES_ERR_JPEG_BAD_MARKER (B.2.4; as
 *   or bounds no decoder accepts           libjpeg-turbo reads them; tables.h)
 *   JPG, JPGn, RES (0x02-0xBF) segments     ES_ERR_JPEG_BAD_MARKER (reserved: no decoder
 *                                             reads them; s_reserved_segment)
 *   DQT DHT DAC DRI, SOFn, SOS + entropy      kept byte for byte, wherever they appear
 *   data with 0xFF00 and RSTn, EXP,
 *   DHP, TEM and RSTn between segments
 *   fill bytes (extra 0xFF before a marker)   kept before a kept marker, dropped (and counted
 *                                             with it) before a dropped one; 0xFF runs inside
 *                                             entropy data before 0x00/RSTn are scan data
 *   bytes after the first EOI                 dropped whatever they are ("trailer": MPF images,
 *                                             motion-photo MP4, SEFT, gain maps, padding, a
 *                                             truncated or garbled second image)
 *   empty input                               ES_ERR_JPEG_EMPTY
 *   not FF D8 FF at offset 0                  ES_ERR_JPEG_NOT_JPEG, naming what it looks like
 *                                             (es_jpeg_sniff_type); "FF" alone: TRUNCATED
 *   segment length < 2                        ES_ERR_JPEG_BAD_LENGTH (offset, marker, length)
 *   segment (metadata or not) declaring more  ES_ERR_JPEG_OVERRUN at finish: the rest of the
 *   bytes than the input has                  file cannot be told apart from the segment
 *   byte other than 0xFF where a marker must  ES_ERR_JPEG_BAD_MARKER ("data between segments");
 *   start                                     right after SOI: ES_ERR_JPEG_NOT_JPEG
 *   0xFF 0x00 outside a scan                  ES_ERR_JPEG_BAD_MARKER
 *   second SOI before EOI                     ES_ERR_JPEG_BAD_MARKER
 *   SOS before any SOFn                       ES_ERR_JPEG_NO_FRAME
 *   EOI before any SOFn / before any SOS      ES_ERR_JPEG_NO_FRAME / ES_ERR_JPEG_NO_SCAN
 *   end of input before EOI                   inside a segment's declared length: OVERRUN;
 *                                             at a segment boundary with no SOFn: NO_FRAME,
 *                                             with no SOS: NO_SCAN; otherwise (in a marker,
 *                                             a length field or entropy data): TRUNCATED,
 *                                             saying where the data ended and inside what
 *   garbage inside entropy-coded data         copied as is (it is image data to the stripper;
 *                                             a decoder decides what it means)
 * Every Exif segment is peeked at (stats.exif_has_gps and _thumbnail: any
 * of them; stats.exif_orientation: the first one's), one at a time.
 * Segment reports (es_jpeg_segment): offset is the first 0xFF of the marker
 * including its fill bytes, length includes them, so the reported segments
 * plus the trailer tile the input exactly. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "exifstrip/jpeg.h"
#include "jpeg/cursor.h"
#include "jpeg/exif_peek.h"
#include "jpeg/icc.h"
#include "jpeg/markers.h"
#include "jpeg/scan.h"
#include "jpeg/tables.h"

#define S_HOLD_MAX 64
#define S_SNIFF_LEN 32 /* bytes es_jpeg_sniff_type gets, the same however input is split */
#define S_LLU(x) ((unsigned long long)(x))
#define S_FAIL(s, code, ...) es_error_set(&(s)->error, (code), __VA_ARGS__)

#define S_ICC_HEAD 14 /* "ICC_PROFILE\0", chunk number, chunk count */

/* Where the kept ICC profile is (policy keep_icc). */
typedef enum s_icc_state {
    S_ICC_NONE,   /* no ICC chunk yet */
    S_ICC_ACTIVE, /* chunks 1..icc_seq of icc_count passed */
    S_ICC_DONE,   /* the profile is complete: another chunk is a second profile */
    S_ICC_DEAD    /* a chunk was dropped: every later one is too */
} s_icc_state;

typedef enum s_state {
    S_START,   /* expecting SOI */
    S_MARKER,  /* between segments: 0xFF (fill) ... then the marker code */
    S_SEGHDR,  /* marker code read; length field (+ APPn identifier peek) next */
    S_BODY,    /* inside the declared length of a segment */
    S_ENTROPY, /* entropy-coded data after an SOS header */
    S_TRAILER  /* after EOI */
} s_state;

struct es_jpeg_stripper {
    es_jpeg_policy policy;
    es_jpeg_write_fn out_fn;
    void *out_ctx;
    es_jpeg_segment_fn on_segment;
    void *segment_ctx;
    es_jpeg_stats stats;
    es_error error;
    bool finished;

    s_state state;
    uint64_t off;  /* input offset of the next unconsumed byte (= of hold[0]) */
    uint64_t base; /* input offset of the current cursor's first byte, while stepping */
    uint8_t hold[S_HOLD_MAX];
    size_t hold_len;

    /* The segment being parsed; seg.offset/length/marker/kind/kept/ident as reported. */
    es_jpeg_segment seg;
    uint64_t ffs;       /* 0xFF bytes read but not yet emitted or dropped */
    uint16_t declared;  /* its length field */
    uint32_t body_left; /* bytes of the declared length still to come */
    bool trimmed;       /* a kept segment reduced to its header: the rest of the body is dropped */
    bool after_soi;     /* the next marker is the first one after SOI */
    bool table;         /* the segment is a DQT, DHT or DAC, checked as its body passes */
    es_jpeg_table_check table_check;
    uint8_t last_marker; /* the last complete segment, for truncation messages */
    uint64_t last_offset;
    uint64_t trailer_start;

    /* An Exif payload, buffered while it streams past (dropped anyway);
     * exif_seen: one was peeked at already (the orientation is the first's). */
    uint8_t *exif;
    size_t exif_len;
    bool exif_seen, exif_capture;

    /* The kept ICC profile: chunk 1's body buffered until the plan is built,
     * later chunks patched as they stream past. */
    s_icc_state icc_state;
    uint8_t icc_seq, icc_count;
    bool icc_chunk;   /* the current segment is a kept ICC chunk */
    bool icc_capture; /* ... and its body goes to icc_first (chunk 1) */
    uint8_t *icc_first;
    size_t icc_first_len;
    es_icc_plan *icc;
    uint64_t icc_next; /* profile offset of the next chunk's data */
    uint64_t icc_at;   /* ... and of the current chunk's data */
    uint32_t icc_body; /* the current chunk's body length */
};

static uint64_t s_at(const es_jpeg_stripper *s, const es_jpeg_cursor *c) { return s->base + c->pos; }

/* Whether an identifier may appear in a message: a known kind's, or one
 * that looks like a vendor's tag (up to 16 letters, digits, '_', '.', '-'),
 * never free text: a refusal's message reaches logs and reports, and an
 * unknown segment's first bytes may be anything the photo's owner wrote. */
static bool s_ident_shown(const es_jpeg_segment *seg)
{
    if (seg->kind != ES_JPEG_KIND_OTHER_APP && seg->kind != ES_JPEG_KIND_OTHER)
        return true;
    size_t n = strlen(seg->ident);
    if (n > 16)
        return false;
    for (size_t i = 0; i < n; i++) {
        char ch = seg->ident[i];
        if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' ||
              ch == '.' || ch == '-'))
            return false;
    }
    return true;
}

/* "APP1 (Exif)", "DQT": the segment's marker name and APPn identifier. */
static const char *s_describe(const es_jpeg_segment *seg, char out[48])
{
    const char *name = es_jpeg_marker_name(seg->marker);
    size_t n = strlen(name), id = s_ident_shown(seg) ? strlen(seg->ident) : 0;
    memcpy(out, name, n);
    if (id > 0) {
        memcpy(out + n, " (", 2);
        memcpy(out + n + 2, seg->ident, id);
        out[n + 2 + id] = ')';
        n += 3 + id;
    }
    out[n] = '\0';
    return out;
}

static es_err s_emit(es_jpeg_stripper *s, const uint8_t *p, size_t n)
{
    es_err rc;
    if (n == 0)
        return ES_OK;
    s->stats.bytes_out += n;
    if (!s->out_fn)
        return ES_OK;
    rc = s->out_fn(s->out_ctx, p, n);
    if (rc == ES_OK)
        return ES_OK;
    if (rc == ES_ERR_NEED_MORE)
        rc = ES_ERR_OUTPUT;
    return S_FAIL(s, rc, "output callback failed after %llu bytes of output: %s",
                  S_LLU(s->stats.bytes_out - n), es_strerror(rc));
}

/* Emits n 0xFF bytes (fill bytes and marker prefixes are counted, not held). */
static es_err s_emit_ff(es_jpeg_stripper *s, uint64_t n)
{
    static const uint8_t ff[64] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
                                   0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
                                   0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
                                   0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
                                   0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
                                   0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
    while (n > 0) {
        size_t k = n < sizeof ff ? (size_t)n : sizeof ff;
        ES_GUARD(s_emit(s, ff, k));
        n -= k;
    }
    return ES_OK;
}

/* Emits the pending 0xFF bytes followed by the given marker bytes, when kept. */
static es_err s_emit_marker(es_jpeg_stripper *s, const uint8_t *tail, size_t n)
{
    uint8_t hdr[S_HOLD_MAX];
    if (!s->seg.kept)
        return ES_OK;
    if (s->ffs + n <= sizeof hdr) { /* the usual case: one callback for the whole header */
        memset(hdr, 0xFF, (size_t)s->ffs);
        memcpy(hdr + s->ffs, tail, n);
        return s_emit(s, hdr, (size_t)s->ffs + n);
    }
    ES_GUARD(s_emit_ff(s, s->ffs));
    return s_emit(s, tail, n);
}

/* Starts a new segment whose first 0xFF is at offset. */
static void s_begin(es_jpeg_stripper *s, uint64_t offset)
{
    memset(&s->seg, 0, sizeof s->seg);
    s->seg.offset = offset;
    s->ffs = 0;
    s->trimmed = false;
}

/* Accounts for and reports the finished segment. */
static void s_end_segment(es_jpeg_stripper *s)
{
    if (!s->seg.kept) {
        s->stats.removed_bytes[s->seg.kind] += s->seg.length;
        s->stats.removed_count[s->seg.kind]++;
    } else {
        s->stats.removed_bytes[s->seg.kind] += s->seg.removed;
        s->stats.scrubbed_bytes += s->seg.scrubbed;
    }
    s->last_marker = s->seg.marker;
    s->last_offset = s->seg.offset;
    if (s->on_segment)
        s->on_segment(s->segment_ctx, &s->seg);
    s->ffs = 0;
}

static es_err s_not_jpeg(es_jpeg_stripper *s, const uint8_t *p, size_t n)
{
    return S_FAIL(s, ES_ERR_JPEG_NOT_JPEG,
                  "offset 0: not a JPEG (no SOI marker FF D8 at the start); the input looks like: %s",
                  es_jpeg_sniff_type(p, n));
}

static es_err s_step_start(es_jpeg_stripper *s, es_jpeg_cursor *c)
{
    static const uint8_t soi[2] = {0xFF, ES_JPEG_M_SOI};
    const uint8_t *p = es_jpeg_cursor_ptr(c);
    size_t n = es_jpeg_cursor_remaining(c);
    bool is_soi_prefix = (n < 1 || p[0] == 0xFF) && (n < 2 || p[1] == ES_JPEG_M_SOI);
    if (!is_soi_prefix) {
        /* Refused; wait for a few bytes (or finish) to say what it looks like. */
        ES_GUARD(es_jpeg_cursor_need(c, S_SNIFF_LEN));
        return s_not_jpeg(s, p, S_SNIFF_LEN);
    }
    ES_GUARD(es_jpeg_cursor_skip(c, 2));
    s_begin(s, 0);
    s->seg.marker = ES_JPEG_M_SOI;
    s->seg.kind = ES_JPEG_KIND_SOI;
    s->seg.kept = true;
    s->seg.length = 2;
    ES_GUARD(s_emit(s, soi, sizeof soi));
    s_end_segment(s);
    s->after_soi = true;
    s->state = S_MARKER;
    return ES_OK;
}

/* Handles marker code (its 0xFF bytes counted in s->ffs, code consumed). */
static es_err s_marker(es_jpeg_stripper *s, uint8_t code)
{
    uint64_t at = s->seg.offset + s->ffs - 1; /* the marker's own 0xFF */
    uint8_t tail[1] = {code};
    s->seg.marker = code;
    s->seg.length = s->ffs + 1;
    s->after_soi = false;
    if (code == 0x00)
        return S_FAIL(s, ES_ERR_JPEG_BAD_MARKER,
                      "offset %llu: 0xFF00 outside a scan is not a marker (after the %s segment at offset %llu)",
                      S_LLU(at), es_jpeg_marker_name(s->last_marker), S_LLU(s->last_offset));
    if (code == ES_JPEG_M_SOI)
        return S_FAIL(s, ES_ERR_JPEG_BAD_MARKER,
                      "offset %llu: unexpected SOI marker (a second image start before EOI)", S_LLU(at));
    if (code == ES_JPEG_M_EOI) {
        if (s->stats.frames == 0)
            return S_FAIL(s, ES_ERR_JPEG_NO_FRAME, "offset %llu: EOI before any frame header (SOFn)",
                          S_LLU(at));
        if (s->stats.scans == 0)
            return S_FAIL(s, ES_ERR_JPEG_NO_SCAN, "offset %llu: EOI before any scan (SOS)", S_LLU(at));
    }
    if (!es_jpeg_marker_is_standalone(code)) {
        s->state = S_SEGHDR;
        return ES_OK;
    }
    s->seg.kind = es_jpeg_classify(code, NULL, 0);
    s->seg.kept = es_jpeg_policy_keeps(&s->policy, s->seg.kind);
    ES_GUARD(s_emit_marker(s, tail, sizeof tail));
    s_end_segment(s);
    if (code == ES_JPEG_M_EOI) {
        s->trailer_start = at + 2;
        s->state = S_TRAILER;
    } else {
        s->state = S_MARKER;
    }
    return ES_OK;
}

static es_err s_step_marker(es_jpeg_stripper *s, es_jpeg_cursor *c)
{
    const uint8_t *p = es_jpeg_cursor_ptr(c);
    size_t n = es_jpeg_cursor_remaining(c), k = 0;
    uint8_t code;
    ES_GUARD(es_jpeg_cursor_need(c, 1));
    if (s->ffs == 0) {
        if (p[0] != 0xFF) {
            if (s->after_soi)
                return S_FAIL(s, ES_ERR_JPEG_NOT_JPEG,
                              "offset %llu: not a JPEG (SOI is followed by byte 0x%02X, not a marker)",
                              S_LLU(s_at(s, c)), p[0]);
            return S_FAIL(
                s, ES_ERR_JPEG_BAD_MARKER,
                "offset %llu: expected a marker after the %s segment at offset %llu, found byte 0x%02X (data between segments)",
                S_LLU(s_at(s, c)), es_jpeg_marker_name(s->last_marker), S_LLU(s->last_offset), p[0]);
        }
        s_begin(s, s_at(s, c));
    }
    while (k < n && p[k] == 0xFF)
        k++;
    s->ffs += k;
    ES_GUARD(es_jpeg_cursor_skip(c, k));
    if (k == n)
        return ES_OK; /* the code byte is in a later chunk */
    ES_GUARD(es_jpeg_cursor_read_u8(c, &code));
    return s_marker(s, code);
}

/* A kept segment that the policy reduces to a fixed header (JFIF, Adobe,
 * DNL): emits the marker, the rewritten length and the header (the JFIF
 * thumbnail size as 0x0), and drops the rest of the body. A segment too
 * short to hold the header is dropped, as decoders ignore it. */
static es_err s_trim_header(es_jpeg_stripper *s, es_jpeg_cursor *c, size_t body)
{
    size_t keep = es_jpeg_policy_payload_limit(s->seg.kind);
    uint8_t out[3 + ES_JPEG_IDENT_PEEK];
    const uint8_t *p; /* the length field and the header */
    ES_GUARD(es_jpeg_cursor_peek(c, 0, 2 + (body < keep ? body : keep), &p));
    if (body < keep || keep > ES_JPEG_IDENT_PEEK) {
        s->seg.kept = false;
        keep = 0;
    } else {
        out[0] = s->seg.marker;
        out[1] = (uint8_t)((keep + 2) >> 8);
        out[2] = (uint8_t)(keep + 2);
        memcpy(out + 3, p + 2, keep);
        if (s->seg.kind == ES_JPEG_KIND_JFIF)
            out[3 + 12] = out[3 + 13] = 0; /* no thumbnail */
        ES_GUARD(s_emit_marker(s, out, 3 + keep));
        s->seg.removed = body - keep;
        s->trimmed = true;
    }
    ES_GUARD(es_jpeg_cursor_skip(c, 2 + keep));
    s->seg.length += 2 + keep;
    s->body_left = (uint32_t)(body - keep);
    s->state = S_BODY;
    return ES_OK;
}

/* Why an ICC chunk (body bytes, its payload starting at p) cannot be kept
 * after the chunks before it, or NULL. */
static const char *s_icc_refusal(const es_jpeg_stripper *s, const uint8_t *p, size_t body)
{
    if (s->icc_state == S_ICC_DEAD)
        return "after an ICC chunk that was dropped";
    if (s->icc_state == S_ICC_DONE || (s->icc_state == S_ICC_ACTIVE && body >= S_ICC_HEAD && p[12] == 1))
        return "a second ICC profile";
    if (body < S_ICC_HEAD)
        return "ICC chunk header cut short";
    if (p[12] == 0 || p[12] > p[13])
        return "invalid ICC chunk number";
    if (s->icc_state == S_ICC_NONE)
        return p[12] == 1 ? NULL : "ICC chunk before chunk 1";
    if (p[13] != s->icc_count)
        return "ICC chunk count differs from chunk 1's";
    return p[12] == s->icc_seq + 1 ? NULL : "ICC chunk out of order";
}

/* Drops the current ICC chunk and every later one, saying why. */
static void s_icc_drop(es_jpeg_stripper *s, const char *why)
{
    s->seg.kept = false;
    s->seg.icc_note = why;
    s->icc_state = S_ICC_DEAD;
    s->icc_chunk = s->icc_capture = false;
}

/* How many of the current chunk's data bytes lie within the profile's
 * declared size, or -1 when the chunk runs past it without being the last. */
static int64_t s_icc_data_kept(const es_jpeg_stripper *s)
{
    uint64_t data = s->icc_body - S_ICC_HEAD, size = s->icc->size;
    uint64_t fit = s->icc_at >= size ? 0 : size - s->icc_at < data ? size - s->icc_at : data;
    if (fit < data && s->icc_seq != s->icc_count)
        return -1;
    return (int64_t)fit;
}

/* Emits the marker and length field of a kept ICC chunk, cut to the data
 * within the declared size; false when the chunk must be dropped instead. */
static es_err s_icc_emit_header(es_jpeg_stripper *s, bool *kept)
{
    int64_t fit = s_icc_data_kept(s);
    *kept = fit >= 0;
    if (!*kept) {
        s_icc_drop(s, "ICC chunk runs past the profile's declared size");
        return ES_OK;
    }
    uint32_t len = 2 + S_ICC_HEAD + (uint32_t)fit;
    uint8_t tail[3] = {s->seg.marker, (uint8_t)(len >> 8), (uint8_t)len};
    s->seg.removed += s->icc_body - S_ICC_HEAD - (uint64_t)fit;
    return s_emit_marker(s, tail, sizeof tail);
}

/* A kept ICC chunk's header (p: length field and identifier peek): checks
 * its number; chunk 1 is buffered (the plan needs its table), a later one's
 * marker and (maybe cut) length are emitted now and its body is patched as
 * it streams. */
static es_err s_icc_begin(es_jpeg_stripper *s, es_jpeg_cursor *c, const uint8_t *p, size_t body)
{
    const char *why = s_icc_refusal(s, p + 2, body);
    ES_GUARD(es_jpeg_cursor_skip(c, 2));
    s->seg.length += 2;
    s->body_left = (uint32_t)body;
    s->state = S_BODY;
    if (why) {
        s_icc_drop(s, why);
        return ES_OK;
    }
    s->icc_seq = p[2 + 12];
    s->icc_count = p[2 + 13];
    s->icc_body = (uint32_t)body;
    s->icc_at = s->icc_next;
    s->icc_next += body - S_ICC_HEAD;
    s->icc_chunk = true;
    s->icc_state = s->icc_seq == s->icc_count ? S_ICC_DONE : S_ICC_ACTIVE;
    if (s->icc_seq == 1) {
        s->icc_first = malloc(body);
        if (!s->icc_first)
            return S_FAIL(s, ES_ERR_NOMEM, "offset %llu: no memory to scrub the ICC profile",
                          S_LLU(s->seg.offset));
        s->icc_first_len = 0;
        s->icc_capture = true;
        return ES_OK;
    }
    bool kept;
    return s_icc_emit_header(s, &kept);
}

/* Emits n body bytes of a kept ICC chunk that start pos bytes into its
 * body: the chunk header as is, the profile data scrubbed, nothing past the
 * declared size. */
static es_err s_icc_emit(es_jpeg_stripper *s, const uint8_t *p, size_t n, size_t pos)
{
    uint8_t buf[4096];
    if (pos < S_ICC_HEAD) {
        size_t k = n < S_ICC_HEAD - pos ? n : S_ICC_HEAD - pos;
        ES_GUARD(s_emit(s, p, k));
        p += k;
        n -= k;
        pos += k;
    }
    while (n > 0) {
        uint64_t at = s->icc_at + (pos - S_ICC_HEAD);
        if (at >= s->icc->size)
            return ES_OK; /* cut: counted when the header was emitted */
        size_t k = n < sizeof buf ? n : sizeof buf;
        if (k > s->icc->size - at)
            k = (size_t)(s->icc->size - at);
        s->seg.scrubbed += es_icc_apply(s->icc, (uint32_t)at, p, buf, k);
        ES_GUARD(s_emit(s, buf, k));
        p += k;
        n -= k;
        pos += k;
    }
    return ES_OK;
}

/* Chunk 1 is complete: builds the plan from its data, then emits the chunk
 * scrubbed, or drops it (and every later chunk) when it is not a profile. */
static es_err s_icc_finish_first(es_jpeg_stripper *s)
{
    const char *why = NULL;
    s->icc_capture = false;
    if (!s->icc)
        s->icc = malloc(sizeof *s->icc);
    if (!s->icc)
        return S_FAIL(s, ES_ERR_NOMEM, "offset %llu: no memory to scrub the ICC profile", S_LLU(s->seg.offset));
    if (es_icc_plan_build(s->icc, s->icc_first + S_ICC_HEAD, s->icc_first_len - S_ICC_HEAD, &why) != ES_OK) {
        s_icc_drop(s, why);
    } else {
        bool kept;
        ES_GUARD(s_icc_emit_header(s, &kept));
        if (kept) {
            es_jpeg_icc_scrub *r = &s->seg.icc;
            r->done = true;
            r->tags = (uint16_t)s->icc->tags;
            r->kept = (uint16_t)s->icc->kept;
            r->blanked = (uint16_t)s->icc->blanked;
            r->removed = (uint16_t)s->icc->removed;
            for (size_t i = 0; i < s->icc->nblank; i++)
                es_icc_sig_text(s->icc->blank[i].sig, r->blanked_tags + 5 * i);
            for (size_t i = 1; i < s->icc->nblank; i++)
                r->blanked_tags[5 * i - 1] = ' ';
            for (uint32_t i = 0; i < s->icc->removed && i < ES_ICC_REPORT_SIGS; i++) {
                es_icc_sig_text(s->icc->removed_sigs[i], r->removed_tags + 5 * i);
                if (i > 0)
                    r->removed_tags[5 * i - 1] = ' ';
            }
            if (s->icc->removed > ES_ICC_REPORT_SIGS)
                memcpy(r->removed_tags + 5 * ES_ICC_REPORT_SIGS - 1, " ...", 5);
            ES_GUARD(s_icc_emit(s, s->icc_first, s->icc_first_len, 0));
        }
    }
    free(s->icc_first);
    s->icc_first = NULL;
    return ES_OK;
}

/* The segments kept byte for byte whose length T.81 fixes must have it
 * (B.2.2, B.2.3, B.2.4.4, B.3.2, B.3.3): a frame header (SOFn, and DHP's
 * of the same form) is 6 bytes and 3 per component after its length field
 * (at least one component), a scan header 4 and 2 per component (1 to 4),
 * DRI 2 and EXP 1 (table segments: tables.h). Anything else is not that segment and is no longer kept
 * as one: a metadata segment whose marker was damaged into one of these
 * (APP1 -> SOF1 is one bit) would carry its contents, GPS included, into the
 * output. Decoders refuse such a file too. */
static es_err s_check_structural_length(es_jpeg_stripper *s, es_jpeg_cursor *c, uint64_t at, uint8_t code,
                                        size_t body)
{
    const char *name = es_jpeg_marker_name(code);
    bool frame = s->seg.kind == ES_JPEG_KIND_FRAME || code == ES_JPEG_M_DHP;
    if (code == ES_JPEG_M_DRI || code == ES_JPEG_M_EXP) {
        unsigned want = code == ES_JPEG_M_DRI ? 4 : 3;
        if (body + 2 == want)
            return ES_OK;
        return S_FAIL(s, ES_ERR_JPEG_BAD_LENGTH, "offset %llu: %s segment declares length %u, but one has %u",
                      S_LLU(at), name, (unsigned)s->declared, want);
    }
    if (!frame && code != ES_JPEG_M_SOS)
        return ES_OK;
    size_t head = frame ? 6 : 1; /* where the component count is, and what precedes the components */
    unsigned per = frame ? 3 : 2, max = frame ? 255 : 4;
    const char *what = frame ? "frame header" : "scan header";
    if (body < head)
        return S_FAIL(s, ES_ERR_JPEG_BAD_LENGTH,
                      "offset %llu: %s %s is too short (length %u; one has %u bytes + %u per component)",
                      S_LLU(at), name, what, (unsigned)s->declared, frame ? 8u : 6u, per);
    const uint8_t *p;
    ES_GUARD(es_jpeg_cursor_peek(c, 0, 2 + head, &p));
    unsigned components = p[2 + head - 1];
    if (components == 0 || components > max)
        return S_FAIL(s, ES_ERR_JPEG_BAD_LENGTH, "offset %llu: %s %s declares %u components (1 to %u)",
                      S_LLU(at), name, what, components, max);
    size_t want = (frame ? 6 : 4) + (size_t)per * components;
    if (body != want)
        return S_FAIL(s, ES_ERR_JPEG_BAD_LENGTH,
                      "offset %llu: %s %s declares length %u, but one of %u component%s has %zu (%u bytes + "
                      "%u per component)",
                      S_LLU(at), name, what, (unsigned)s->declared, components, components == 1 ? "" : "s",
                      want + 2, frame ? 8u : 6u, per);
    return ES_OK;
}

/* JPG, JPGn and RES: marker segments T.81 reserves for extensions and
 * defines nothing of. Decoders refuse them (libjpeg-turbo: unknown marker),
 * and some readers (Pillow) take them for markers without a length and read
 * on into their bytes, so one kept would carry whatever it holds: an APPn
 * marker one bit away from it (APP1 0xE1, JPG1 0xF1) would keep its Exif. */
static bool s_reserved_segment(uint8_t code)
{
    return code == ES_JPEG_M_JPG || (code >= 0xF0 && code <= 0xFD) || (code >= 0x02 && code <= 0xBF);
}

static es_err s_step_seghdr(es_jpeg_stripper *s, es_jpeg_cursor *c)
{
    uint64_t at = s->seg.offset + s->ffs - 1;
    uint8_t code = s->seg.marker, lenb[2];
    const uint8_t *p;
    size_t body, peek = 0;
    char desc[48];
    if (s_reserved_segment(code))
        return S_FAIL(s, ES_ERR_JPEG_BAD_MARKER,
                      "offset %llu: %s marker (0xFF%02X) is reserved for JPEG extensions: no decoder reads "
                      "its segment, and a file with one is not supported",
                      S_LLU(at), es_jpeg_marker_name(code), (unsigned)code);
    ES_GUARD(es_jpeg_cursor_peek(c, 0, 2, &p));
    s->declared = (uint16_t)(p[0] << 8 | p[1]);
    if (s->declared < 2)
        return S_FAIL(s, ES_ERR_JPEG_BAD_LENGTH, "offset %llu: %s segment length %u is invalid (minimum 2)",
                      S_LLU(at), es_jpeg_marker_name(code), (unsigned)s->declared);
    body = s->declared - 2u;
    if (es_jpeg_marker_is_app(code))
        peek = body < ES_JPEG_IDENT_PEEK ? body : ES_JPEG_IDENT_PEEK;
    ES_GUARD(es_jpeg_cursor_peek(c, 0, 2 + peek, &p));
    s->seg.kind = es_jpeg_classify(code, p + 2, peek);
    es_jpeg_ident(p + 2, peek, s->seg.ident);
    ES_GUARD(s_check_structural_length(s, c, at, code, body));
    s->table = es_jpeg_table_marker(code);
    if (s->table)
        ES_GUARD(es_jpeg_table_check_begin(&s->table_check, code, (uint32_t)body, at, &s->error));
    s->seg.kept = es_jpeg_policy_keeps(&s->policy, s->seg.kind);
    if (code == ES_JPEG_M_SOS && s->stats.frames == 0)
        return S_FAIL(s, ES_ERR_JPEG_NO_FRAME, "offset %llu: SOS (scan) before any frame header (SOFn)",
                      S_LLU(at));
    if (s->seg.kind == ES_JPEG_KIND_FRAME && s->stats.frames++ == 0)
        s->stats.sof_marker = code;
    if (code == ES_JPEG_M_SOS)
        s->stats.scans++;
    if (s->seg.kind == ES_JPEG_KIND_EXIF && body > 0) {
        s->exif = malloc(body);
        if (!s->exif)
            return S_FAIL(s, ES_ERR_NOMEM, "offset %llu: no memory to inspect the %s segment", S_LLU(at),
                          s_describe(&s->seg, desc));
        s->exif_len = 0;
        s->exif_capture = true;
    }
    if (s->seg.kept && es_jpeg_policy_payload_limit(s->seg.kind) != SIZE_MAX)
        return s_trim_header(s, c, body);
    if (s->seg.kept && s->seg.kind == ES_JPEG_KIND_ICC)
        return s_icc_begin(s, c, p, body);
    lenb[0] = p[0];
    lenb[1] = p[1];
    ES_GUARD(es_jpeg_cursor_skip(c, 2));
    {
        uint8_t tail[3] = {code, lenb[0], lenb[1]};
        ES_GUARD(s_emit_marker(s, tail, sizeof tail));
    }
    s->seg.length += 2;
    s->body_left = (uint32_t)body;
    s->state = S_BODY;
    return ES_OK;
}

static void s_finish_exif(es_jpeg_stripper *s)
{
    es_jpeg_exif_facts facts;
    es_jpeg_exif_peek(s->exif, s->exif_len, &facts);
    s->stats.exif_has_gps |= facts.has_gps;
    s->stats.exif_has_thumbnail |= facts.has_thumbnail;
    if (!s->exif_seen)
        s->stats.exif_orientation = facts.orientation;
    s->exif_seen = true;
    free(s->exif);
    s->exif = NULL;
    s->exif_capture = false;
}

static es_err s_step_body(es_jpeg_stripper *s, es_jpeg_cursor *c)
{
    if (s->body_left > 0) {
        const uint8_t *p;
        size_t n;
        ES_GUARD(es_jpeg_cursor_need(c, 1));
        n = es_jpeg_cursor_take(c, s->body_left, &p);
        if (s->table) {
            size_t used;
            es_err rc = es_jpeg_table_check_feed(&s->table_check, p, n, &used, &s->error);
            if (rc != ES_OK) { /* what was read before the refusal, as when split there */
                if (s->seg.kept)
                    ES_GUARD(s_emit(s, p, used));
                return rc;
            }
        }
        if (s->icc_capture) {
            memcpy(s->icc_first + s->icc_first_len, p, n);
            s->icc_first_len += n;
        } else if (s->icc_chunk) {
            ES_GUARD(s_icc_emit(s, p, n, s->icc_body - s->body_left));
        } else if (s->seg.kept && !s->trimmed) {
            ES_GUARD(s_emit(s, p, n));
        }
        if (s->exif_capture) {
            memcpy(s->exif + s->exif_len, p, n);
            s->exif_len += n;
        }
        s->body_left -= (uint32_t)n;
        s->seg.length += n;
        if (s->body_left > 0)
            return ES_OK;
    }
    if (s->exif_capture)
        s_finish_exif(s);
    if (s->icc_capture)
        ES_GUARD(s_icc_finish_first(s));
    s->icc_chunk = false;
    if (s->seg.marker == ES_JPEG_M_SOS) {
        s->ffs = 0;
        s->state = S_ENTROPY; /* the scan is reported when its data ends */
        return ES_OK;
    }
    s_end_segment(s);
    s->state = S_MARKER;
    return ES_OK;
}

/* Copies entropy-coded data up to the next 0xFF that does not continue it
 * (0xFF00 stuffing and RSTn do), in one run per call. */
static es_err s_entropy_run(es_jpeg_stripper *s, es_jpeg_cursor *c)
{
    const uint8_t *start = es_jpeg_cursor_ptr(c);
    size_t left = es_jpeg_cursor_remaining(c), n;
    ES_GUARD(es_jpeg_cursor_need(c, 1));
    n = es_jpeg_scan_entropy(start, left);
    ES_GUARD(s_emit(s, start, n));
    s->seg.length += n;
    ES_GUARD(es_jpeg_cursor_skip(c, n));
    if (n < left) { /* a marker, fill bytes, or an 0xFF at the end of the chunk */
        ES_GUARD(es_jpeg_cursor_skip(c, 1));
        s->ffs = 1;
    }
    return ES_OK;
}

static es_err s_step_entropy(es_jpeg_stripper *s, es_jpeg_cursor *c)
{
    const uint8_t *p = es_jpeg_cursor_ptr(c);
    size_t n = es_jpeg_cursor_remaining(c), k = 0;
    uint8_t b;
    if (s->ffs == 0)
        return s_entropy_run(s, c);
    while (k < n && p[k] == 0xFF) /* a run of 0xFF: fill bytes, or more to come */
        k++;
    if (k > 0) {
        s->ffs += k;
        return es_jpeg_cursor_skip(c, k);
    }
    ES_GUARD(es_jpeg_cursor_read_u8(c, &b));
    if (b == 0x00 || es_jpeg_marker_is_rst(b)) {
        ES_GUARD(s_emit_ff(s, s->ffs));
        ES_GUARD(s_emit(s, &b, 1));
        s->seg.length += s->ffs + 1;
        s->ffs = 0;
        return ES_OK;
    }
    /* A marker ends the scan: report it, then handle the marker. */
    {
        uint64_t ffs = s->ffs, first = s_at(s, c) - 1 - ffs;
        s_end_segment(s);
        s_begin(s, first);
        s->ffs = ffs;
        s->state = S_MARKER;
        return s_marker(s, b);
    }
}

static es_err s_step_trailer(es_jpeg_stripper *s, es_jpeg_cursor *c)
{
    const uint8_t *p;
    (void)s; /* counted at finish from bytes_in */
    ES_GUARD(es_jpeg_cursor_need(c, 1));
    (void)es_jpeg_cursor_take(c, es_jpeg_cursor_remaining(c), &p);
    return ES_OK;
}

static es_err s_step(es_jpeg_stripper *s, es_jpeg_cursor *c)
{
    switch (s->state) {
    case S_START: return s_step_start(s, c);
    case S_MARKER: return s_step_marker(s, c);
    case S_SEGHDR: return s_step_seghdr(s, c);
    case S_BODY: return s_step_body(s, c);
    case S_ENTROPY: return s_step_entropy(s, c);
    case S_TRAILER: return s_step_trailer(s, c);
    }
    return ES_ERR_INTERNAL;
}

/* Runs steps over c (whose first byte is at input offset base) until one
 * needs more bytes than c has. */
static es_err s_run(es_jpeg_stripper *s, es_jpeg_cursor *c, uint64_t base)
{
    s->base = base;
    for (;;) {
        es_err rc = s_step(s, c);
        if (rc == ES_ERR_NEED_MORE)
            return ES_OK;
        if (rc != ES_OK)
            return S_FAIL(s, rc, "offset %llu: %s", S_LLU(s_at(s, c)), es_strerror(rc));
    }
}

es_jpeg_stripper *es_jpeg_stripper_new(const es_jpeg_policy *policy, es_jpeg_write_fn write, void *write_ctx)
{
    es_jpeg_stripper *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    if (policy)
        s->policy = *policy;
    else
        es_jpeg_policy_default(&s->policy);
    s->out_fn = write;
    s->out_ctx = write_ctx;
    es_error_clear(&s->error);
    s->state = S_START;
    return s;
}

void es_jpeg_stripper_on_segment(es_jpeg_stripper *s, es_jpeg_segment_fn fn, void *ctx)
{
    if (!s)
        return;
    s->on_segment = fn;
    s->segment_ctx = ctx;
}

/* Feeds through the hold buffer until it is empty or the input is used up. */
static es_err s_feed_hold(es_jpeg_stripper *s, const uint8_t **data, size_t *len)
{
    while (s->hold_len > 0 && *len > 0) {
        size_t old = s->hold_len, add = S_HOLD_MAX - old < *len ? S_HOLD_MAX - old : *len;
        es_jpeg_cursor c;
        memcpy(s->hold + old, *data, add);
        es_jpeg_cursor_init(&c, s->hold, old + add);
        ES_GUARD(s_run(s, &c, s->off));
        s->off += c.pos;
        if (c.pos >= old) { /* the held bytes are used; continue straight from the input */
            *data += c.pos - old;
            *len -= c.pos - old;
            s->hold_len = 0;
        } else {
            ES_ENSURE(add > 0 || c.pos > 0, S_FAIL(s, ES_ERR_INTERNAL, "hold buffer overflow"));
            memmove(s->hold, s->hold + c.pos, old + add - c.pos);
            s->hold_len = old + add - c.pos;
            *data += add;
            *len -= add;
        }
    }
    return ES_OK;
}

es_err es_jpeg_stripper_feed(es_jpeg_stripper *s, const uint8_t *data, size_t len)
{
    es_jpeg_cursor c;
    size_t left;
    ES_ENSURE_REF(s);
    if (s->error.code != ES_OK)
        return s->error.code;
    ES_ENSURE(!s->finished, ES_ERR_JPEG_STATE);
    if (len == 0)
        return ES_OK;
    ES_ENSURE(data != NULL, ES_ERR_INVALID_ARG);
    s->stats.bytes_in += len;
    ES_GUARD(s_feed_hold(s, &data, &len));
    if (len == 0)
        return ES_OK;
    es_jpeg_cursor_init(&c, data, len);
    ES_GUARD(s_run(s, &c, s->off));
    s->off += c.pos;
    left = len - c.pos;
    ES_ENSURE(left <= S_HOLD_MAX, S_FAIL(s, ES_ERR_INTERNAL, "hold buffer overflow"));
    memcpy(s->hold, data + c.pos, left);
    s->hold_len = left;
    return ES_OK;
}

static es_err s_overrun(es_jpeg_stripper *s, uint64_t at, uint64_t end)
{
    char desc[48];
    return S_FAIL(s, ES_ERR_JPEG_OVERRUN,
                  "offset %llu: %s segment declares length %u but input ends after %llu bytes", S_LLU(at),
                  s_describe(&s->seg, desc), (unsigned)s->declared, S_LLU(end));
}

/* The refusal for input that ended before EOI, by where it ended. */
static es_err s_finish_early(es_jpeg_stripper *s)
{
    uint64_t end = s->stats.bytes_in, at = s->seg.offset + (s->ffs ? s->ffs - 1 : 0);
    switch (s->state) {
    case S_START:
        if (end == 0)
            return S_FAIL(s, ES_ERR_JPEG_EMPTY, "offset 0: empty input (0 bytes), not a JPEG");
        if (s->hold_len == 1 && s->hold[0] == 0xFF)
            return S_FAIL(s, ES_ERR_JPEG_TRUNCATED, "offset 1: input ends inside the SOI marker");
        return s_not_jpeg(s, s->hold, s->hold_len);
    case S_MARKER:
        if (s->ffs > 0)
            return S_FAIL(s, ES_ERR_JPEG_TRUNCATED,
                          "offset %llu: input ends inside a marker (0xFF without a marker code); no EOI",
                          S_LLU(end));
        if (s->stats.frames == 0)
            return S_FAIL(
                s, ES_ERR_JPEG_NO_FRAME,
                "offset %llu: input ends after the %s segment at offset %llu without any frame header (SOFn) or EOI",
                S_LLU(end), es_jpeg_marker_name(s->last_marker), S_LLU(s->last_offset));
        if (s->stats.scans == 0)
            return S_FAIL(s, ES_ERR_JPEG_NO_SCAN,
                          "offset %llu: input ends after the %s segment at offset %llu without any scan (SOS) or EOI",
                          S_LLU(end), es_jpeg_marker_name(s->last_marker), S_LLU(s->last_offset));
        return S_FAIL(s, ES_ERR_JPEG_TRUNCATED,
                      "offset %llu: input ends after the %s segment at offset %llu; no EOI", S_LLU(end),
                      es_jpeg_marker_name(s->last_marker), S_LLU(s->last_offset));
    case S_SEGHDR:
        if (s->hold_len < 2)
            return S_FAIL(s, ES_ERR_JPEG_TRUNCATED,
                          "offset %llu: input ends inside the length field of the %s marker at offset %llu",
                          S_LLU(end), es_jpeg_marker_name(s->seg.marker), S_LLU(at));
        /* The identifier peek was cut short: the segment overruns. */
        s->declared = (uint16_t)(s->hold[0] << 8 | s->hold[1]);
        return s_overrun(s, at, end);
    case S_BODY: return s_overrun(s, at, end);
    case S_ENTROPY:
        return S_FAIL(s, ES_ERR_JPEG_TRUNCATED,
                      "offset %llu: input ends inside the entropy-coded data of scan %u (SOS at offset %llu); no EOI",
                      S_LLU(end), (unsigned)s->stats.scans, S_LLU(s->seg.offset));
    case S_TRAILER: break;
    }
    return ES_OK;
}

es_err es_jpeg_stripper_finish(es_jpeg_stripper *s)
{
    uint64_t trailer;
    ES_ENSURE_REF(s);
    if (s->error.code != ES_OK)
        return s->error.code;
    ES_ENSURE(!s->finished, ES_ERR_JPEG_STATE);
    s->finished = true;
    if (s->state != S_TRAILER)
        return s_finish_early(s);
    trailer = s->stats.bytes_in - s->trailer_start;
    if (trailer > 0) {
        s_begin(s, s->trailer_start);
        s->seg.kind = ES_JPEG_KIND_TRAILER;
        s->seg.length = trailer;
        s_end_segment(s);
    }
    return ES_OK;
}

const char *es_jpeg_stripper_error(const es_jpeg_stripper *s) { return s ? s->error.msg : ""; }

es_err es_jpeg_stripper_status(const es_jpeg_stripper *s) { return s ? s->error.code : ES_ERR_INVALID_ARG; }

const es_jpeg_stats *es_jpeg_stripper_stats(const es_jpeg_stripper *s) { return s ? &s->stats : NULL; }

void es_jpeg_stripper_free(es_jpeg_stripper *s)
{
    if (!s)
        return;
    free(s->exif);
    free(s->icc_first);
    free(s->icc);
    free(s);
}
