/* stripper.c - es_orient_stripper: the streaming stripper with the EXIF
 * Orientation handled (apply / keep / drop).
 *
 * Phases. DECIDING: input is held while a parse-only stripper (the "probe")
 * looks at it, until the first Exif segment has been seen or the first SOS
 * marker shows up (or S_DECIDE_CAP bytes, for files with huge headers). The
 * tag is then read with libexif from the first Exif segment that ends before
 * the first scan and within S_DECIDE_CAP bytes: the decision depends on the
 * bytes only, never on how the input is split into chunks, so a large feed
 * is probed in pieces (S_PROBE_PIECE) and only up to the decision. No tag,
 * tag 1, a corrupt block, keep and drop continue in
 * STREAMING: the held bytes and everything after go through one ordinary
 * stripper, O(1) memory (keep inserts the minimal tag segment into its
 * output right after JFIF). apply with a tag 2..8 goes to BUFFERING: the
 * input up to EOI is held (the trailer never is), and at finish it is
 * transformed and the result stripped. A frame that cannot be transformed,
 * over EXIFSTRIP_MAX_PIXELS or the shared memory budget, not within
 * S_DECIDE_CAP bytes, or that libjpeg-turbo refuses falls back to keep; it
 * is never refused for that. With a budget that holds (orient.h) and the
 * input's length known, the photo's share is taken when its frame is read,
 * before the rest is held, so a photo waiting for its turn is counted.
 * Refusals of the input are exactly the plain stripper's.
 *
 * Held input is copied into the stripper's own hold, unless the caller lends
 * it (es_orient_stripper_feed_borrowed: a mapped file): then, as long as it
 * is one contiguous range of lent memory, DECIDING and BUFFERING refer to it
 * and the transform (or the fallback to keep) reads it in place. A plain
 * feed is lent for the length of its call: decided within it, its bytes are
 * never copied; what is still held when it returns is.
 *
 * A turned photo's output is not passed on run by run: it is collected and
 * handed over in one call at finish, bytes that stay valid until
 * es_orient_stripper_free (es_orient_stripper_output_stable), so an uploader
 * can send them without copying them: the plain stripper's output is
 * written back into the transformed copy (compact.h) rather than copied. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/block_cache.h"
#include "common/pages.h"
#include "orient/compact.h"
#include "exifstrip/orient.h"

#define S_DECIDE_CAP ((size_t)ES_ORIENT_DECIDE_CAP)
#define S_HDR 6                          /* SOI + marker + length of the output's first segment */
#define S_HOLD_FIRST ((size_t)64 * 1024) /* the hold's first size when the input's length is unknown */
/* The hold's first size at most: a mapping below 2 MiB holds no aligned 2 MiB
 * range, so no transparent huge page is faulted in whole for its first bytes. */
#define S_HOLD_FIRST_MAX ((size_t)1 << 20)
/* While deciding, input is probed (and held) this much at a time: the
 * decision usually comes with the first piece (a header with its Exif and
 * thumbnail), and the rest of a large feed then goes straight to the path
 * decided. Probed whole, a feed was scanned twice when it is streamed (by the
 * probe, then by the output stripper: a whole mapped file of 11 MB took 5.3M
 * instructions instead of 2.8M) and copied into the hold when fed plainly. */
#define S_PROBE_PIECE ((size_t)32 * 1024)

typedef enum s_phase { S_DECIDING, S_STREAMING, S_BUFFERING } s_phase;

struct es_orient_stripper {
    es_jpeg_policy policy;
    es_orient_config cfg;
    es_jpeg_write_fn out_fn;
    void *out_ctx;
    s_phase phase;
    es_jpeg_stripper *probe, *real;
    /* The input held so far (held_len bytes at held): the caller's lent
     * memory while held_lent, else the own hold (hold, hold_cap). */
    const uint8_t *held;
    size_t held_len;
    bool held_lent;
    uint8_t *hold;
    size_t hold_cap;
    uint64_t copied; /* bytes copied into the hold (es_orient_stripper_copied) */
    uint64_t probed; /* bytes fed to the probe (es_orient_stripper_probed) */
    /* Facts from the probe's segment reports (input offsets, fill included). */
    bool exif_done, frame_done, scan_seen, eoi_seen;
    uint64_t exif_off, exif_len, frame_off, frame_len, eoi_end;
    uint64_t last_end; /* end of the last reported segment */
    uint8_t sof_marker;
    /* Output side: the tag segment inserted right after SOI + JFIF. */
    bool insert_pending, insert_known;
    uint64_t insert_at, out_pos;
    uint8_t hdr[S_HDR];
    size_t hdr_len;
    unsigned tag;
    uint64_t expect_len;  /* the whole input's length, 0 = unknown */
    bool frame_checked;   /* apply: the frame allows the transform (checked once) */
    uint64_t budget_held; /* bytes taken from cfg.budget (hold or acquire), given back once */
    bool run_unended;     /* acquired a turn from cfg.budget, end_run not yet called */
    /* The transform running at finish, here so that a finish left by a
     * longjmp (a SIGBUS handler's, when lent input vanishes) leaves what it
     * allocated reachable: es_orient_stripper_free releases it. */
    es_orient_transform_work turning;
    /* The turned photo's output, written back into the hold (the
     * transformed copy) and handed over from there; output_stable while it
     * is being handed over. */
    es_orient_compact turned;
    bool output_stable;
    es_orient_result result;
    es_jpeg_stats stats;
    es_error error;
    es_err status;
};

static void s_on_segment(void *ctx, const es_jpeg_segment *g)
{
    es_orient_stripper *s = ctx;
    s->last_end = g->offset + g->length;
    if (g->kind == ES_JPEG_KIND_EXIF && !s->exif_done && !s->scan_seen && s->last_end <= S_DECIDE_CAP) {
        s->exif_done = true;
        s->exif_off = g->offset;
        s->exif_len = g->length;
    } else if (g->kind == ES_JPEG_KIND_FRAME && !s->frame_done) {
        s->frame_done = true;
        s->frame_off = g->offset;
        s->frame_len = g->length;
        s->sof_marker = g->marker;
    } else if (g->kind == ES_JPEG_KIND_SCAN) {
        s->scan_seen = true;
    } else if (g->kind == ES_JPEG_KIND_EOI && !s->eoi_seen) {
        s->eoi_seen = true;
        s->eoi_end = g->offset + g->length;
    }
}

/* Payload of a held segment [off, off+len): after fill bytes, marker and length. */
static bool s_payload(const es_orient_stripper *s, uint64_t off, uint64_t len, const uint8_t **p, size_t *n)
{
    if (off + len > s->held_len)
        return false;
    uint64_t i = off;
    while (i + 1 < off + len && s->held[i + 1] == 0xFF)
        i++;
    if (i + 4 > off + len)
        return false;
    *p = s->held + i + 4;
    *n = (size_t)(off + len - i - 4);
    return true;
}

/* Whether the held bytes after the last reported segment are an SOS marker:
 * the headers are over, no Exif can come before the first scan any more. */
static bool s_sos_visible(const es_orient_stripper *s)
{
    uint64_t i = s->last_end;
    while (i < s->held_len && s->held[i] == 0xFF)
        i++;
    return i > s->last_end && i < s->held_len && s->held[i] == 0xDA;
}

static bool s_frame(const es_orient_stripper *s, es_orient_frame *f)
{
    const uint8_t *p;
    size_t n;
    return s->frame_done && s_payload(s, s->frame_off, s->frame_len, &p, &n) &&
           es_orient_frame_parse(s->sof_marker, p, n, f);
}

/* --- output: passes bytes on, inserting the tag segment after SOI (+ JFIF) --- */

static es_err s_put(es_orient_stripper *s, const uint8_t *data, size_t len)
{
    if (len == 0)
        return ES_OK;
    s->out_pos += len;
    return s->out_fn ? s->out_fn(s->out_ctx, data, len) : ES_OK;
}

static es_err s_put_with_tag(es_orient_stripper *s, const uint8_t *data, size_t len)
{
    if (s->insert_pending && s->out_pos + len >= s->insert_at) {
        size_t before = (size_t)(s->insert_at - s->out_pos);
        uint8_t seg[ES_ORIENT_TAG_SEGMENT_LEN];
        ES_GUARD(s_put(s, data, before));
        es_orient_tag_segment(s->tag, seg);
        ES_GUARD(s_put(s, seg, sizeof seg));
        s->insert_pending = false;
        data += before;
        len -= before;
    }
    return s_put(s, data, len);
}

static es_err s_out_write(void *ctx, const uint8_t *data, size_t len)
{
    es_orient_stripper *s = ctx;
    if (!s->insert_pending || s->insert_known)
        return s_put_with_tag(s, data, len);
    /* Hold the first bytes until it is known whether an APP0 (JFIF) follows SOI. */
    size_t take = S_HDR - s->hdr_len < len ? S_HDR - s->hdr_len : len;
    memcpy(s->hdr + s->hdr_len, data, take);
    s->hdr_len += take;
    if (s->hdr_len >= 4 && !(s->hdr[2] == 0xFF && s->hdr[3] == 0xE0)) {
        s->insert_at = 2;
        s->insert_known = true;
    } else if (s->hdr_len == S_HDR) {
        s->insert_at = 4u + ((unsigned)s->hdr[4] << 8 | s->hdr[5]);
        s->insert_known = true;
    }
    if (!s->insert_known)
        return ES_OK;
    ES_GUARD(s_put_with_tag(s, s->hdr, s->hdr_len));
    return s_put_with_tag(s, data + take, len - take);
}

/* --- phases --- */

static es_err s_fail(es_orient_stripper *s, es_err rc, const char *msg)
{
    if (s->status == ES_OK) {
        s->status = rc;
        es_error_set(&s->error, rc, "%s", msg && *msg ? msg : es_strerror(rc));
    }
    return rc;
}

/* The hold's first size: the input's length when it is known (up to
 * S_HOLD_FIRST_MAX), which is as much as it is ever held when turned, and
 * more than enough while deciding (its pages beyond what is written are
 * never touched, so never resident); else S_HOLD_FIRST. Either doubles as it
 * fills (a block of common/block_cache.h: by mremap, nothing is copied).
 * Rounded up to a power of two: the block cache hands a kept block only to a
 * request it does not pass by half, so holds sized to each photo's length
 * rarely fitted the next photo's, and a worker mapped a hold afresh for most
 * photos and unmapped the kept ones as they aged (a TLB flush reaching the
 * other CPUs each); within a size class every kept hold fits. */
static size_t s_hold_first(const es_orient_stripper *s)
{
    size_t cap = S_HOLD_FIRST;
    while (cap < s->expect_len && cap < S_HOLD_FIRST_MAX)
        cap *= 2;
    return cap;
}

/* Copies to the end of the own hold. It is allocated once for the input when
 * its length is known (s_hold_first), not grown by doubling from 64 KiB,
 * which copied what was held into fresh pages at each step; and the pages
 * the bytes go to are populated in one call (common/pages.h) rather than
 * faulted in one by one by the copy (the hold is a block of
 * common/block_cache.h: a fresh mapping unless the process kept one from an
 * earlier photo; the worker's GET hands over up to 120 KiB at a time). A
 * hold that outgrows its first size (a photo to turn above S_HOLD_FIRST_MAX)
 * grows at once to the size class of the input's known length, into a hold
 * an earlier photo left (es_block_grow: only the bytes held so far are
 * copied) where there is one: grown by doubling and moving its pages, a
 * worker's hold for a 6 MB photo was 6 MB of fresh pages every time, the
 * kept 8 MiB hold of the photo before too large for its 1 MiB start. */
static es_err s_copy(es_orient_stripper *s, const uint8_t *data, size_t len)
{
    if (len > s->hold_cap - s->held_len) {
        size_t cap = s->hold_cap ? s->hold_cap : s_hold_first(s);
        while (cap - s->held_len < len) {
            if (cap > SIZE_MAX / 2)
                return s_fail(s, ES_ERR_NOMEM, "out of memory holding the input");
            cap *= 2;
        }
        size_t class_cap = cap; /* the announced length's class (only reserved: pages come as written) */
        while (s->hold_cap && class_cap < s->expect_len && class_cap <= SIZE_MAX / 2)
            class_cap *= 2;
        uint8_t *p = es_block_grow(s->hold, s->held_len, class_cap);
        if (!p && class_cap > cap) { /* too large to reserve: what these bytes need */
            class_cap = cap;
            p = es_block_grow(s->hold, s->held_len, cap);
        }
        if (!p)
            return s_fail(s, ES_ERR_NOMEM, "out of memory holding the input");
        s->hold = p;
        s->hold_cap = class_cap;
    }
    s->held = s->hold;
    (void)es_pages_populate_written(s->hold + s->held_len, len);
    memcpy(s->hold + s->held_len, data, len);
    s->held_len += len;
    s->copied += len;
    return ES_OK;
}

/* Ends the lending: what is held in lent memory is copied into the hold. */
static es_err s_own_held(es_orient_stripper *s)
{
    if (!s->held_lent)
        return ES_OK;
    const uint8_t *lent_bytes = s->held;
    size_t lent_len = s->held_len;
    s->held_lent = false;
    s->held = NULL;
    s->held_len = 0;
    return s_copy(s, lent_bytes, lent_len);
}

/* Holds fed bytes. Lent ones (es_orient_stripper_feed_borrowed, and a plain
 * feed's for the length of its call: s_feed) are only referred to while the
 * input so far is one range of lent memory (the first bytes, or the ones
 * right after it); anything else ends the lending: what is held is copied
 * into the hold, then the bytes appended. */
static es_err s_hold(es_orient_stripper *s, const uint8_t *data, size_t len, bool lent)
{
    if (len == 0)
        return ES_OK;
    if (lent && (s->held_len == 0 || (s->held_lent && s->held + s->held_len == data))) {
        if (s->held_len == 0)
            s->held = data;
        s->held_lent = true;
        s->held_len += len;
        return ES_OK;
    }
    ES_GUARD(s_own_held(s));
    return s_copy(s, data, len);
}

/* Lets go of what is held (own or lent). */
static void s_drop_held(es_orient_stripper *s)
{
    es_block_free(s->hold);
    s->hold = NULL;
    s->held = NULL;
    s->held_len = s->hold_cap = 0;
    s->held_lent = false;
}

/* Hands the collected output of a turned photo over in one call. */
static es_err s_put_turned(es_orient_stripper *s)
{
    es_orient_compact_finish(&s->turned);
    s->output_stable = true;
    es_err rc = s_put(s, s->hold, s->turned.len);
    s->output_stable = false;
    return rc;
}

/* es_orient_compact_write as a callback of this file's (the address of a
 * function of another object would be loaded from the GOT, which the layer
 * check does not allow src/orient). */
static es_err s_compact_write(void *ctx, const uint8_t *data, size_t len)
{
    return es_orient_compact_write(ctx, data, len);
}

/* Starts the output stripper and feeds it what is held; keep_tag inserts the
 * tag; turned (the hold is the transformed copy) writes the output back into
 * the hold (compact.h) instead of passing it on. */
static es_err s_start_real(es_orient_stripper *s, bool keep_tag, bool turned)
{
    s->insert_pending = keep_tag;
    if (turned) {
        es_orient_compact_init(&s->turned, s->hold, s->hold_cap);
        s->real = es_jpeg_stripper_new(&s->policy, s_compact_write, &s->turned);
    } else {
        s->real = es_jpeg_stripper_new(&s->policy, s_out_write, s);
    }
    if (!s->real)
        return s_fail(s, ES_ERR_NOMEM, "out of memory");
    es_err rc = es_jpeg_stripper_feed(s->real, s->held, s->held_len);
    if (rc != ES_OK)
        return s_fail(s, rc, es_jpeg_stripper_error(s->real));
    return ES_OK;
}

static void s_keep_fallback_note(es_orient_stripper *s, const char *why)
{
    s->result.outcome = ES_ORIENT_TAG_KEPT;
    s->result.fallback = true;
    snprintf(s->result.note, sizeof s->result.note, "orientation %u kept as a tag: %s", s->tag, why);
}

/* Switches to streaming; the probe is no longer needed. */
static es_err s_stream(es_orient_stripper *s, bool keep_tag)
{
    s->phase = S_STREAMING;
    es_jpeg_stripper_free(s->probe);
    s->probe = NULL;
    ES_GUARD(s_start_real(s, keep_tag, false));
    s_drop_held(s);
    return ES_OK;
}

static void s_over_budget(const es_orient_plan *plan, char *why, size_t size)
{
    snprintf(why, size, "needs %llu MiB, over the transform memory budget",
             (unsigned long long)(plan->memory >> 20) + 1);
}

/* Gives back what this stripper took from the budget (accepts none). */
static void s_give_back(es_orient_stripper *s)
{
    if (s->budget_held && s->cfg.budget && s->cfg.budget->release)
        s->cfg.budget->release(s->cfg.budget->ctx, s->budget_held);
    s->budget_held = 0;
}

/* Ends the budget's run acquired for the transform (once). */
static void s_end_run(es_orient_stripper *s)
{
    if (s->run_unended && s->cfg.budget->end_run)
        s->cfg.budget->end_run(s->cfg.budget->ctx);
    s->run_unended = false;
}

/* apply, the frame allowing the transform: with a budget that can hold
 * (and the input's length known), the photo's share is taken before the
 * rest of it is held; one that can never fit keeps the tag at once, one
 * that does not fit now stops the stripper (the caller waits, starts over). */
static es_err s_hold_share(es_orient_stripper *s, const es_orient_plan *plan)
{
    const es_orient_budget_ops *budget = s->cfg.budget;
    if (!budget || !budget->hold || s->expect_len == 0)
        return ES_OK;
    es_err rc = budget->hold(budget->ctx, plan->memory);
    if (rc == ES_OK) {
        s->budget_held = plan->memory;
        return ES_OK;
    }
    if (rc != ES_ERR_TOO_LARGE)
        return s_fail(s, rc, "the transform memory budget has no room for this photo now");
    s->result.plan = *plan;
    char why[sizeof plan->fallback];
    s_over_budget(plan, why, sizeof why);
    s_keep_fallback_note(s, why);
    return s_stream(s, true);
}

/* apply: falls back to keep as soon as the frame shows a transform is
 * impossible, or when the frame header does not end within S_DECIDE_CAP
 * bytes (what precedes it is held before any budget could count it; fill
 * bytes before a marker count too, though no segment reports them). Judged
 * by the frame's end once it is read, else by what is held: the frame is
 * reported as soon as its last byte is fed, so held_len >= S_DECIDE_CAP
 * without it means it ends beyond - the same answer however the input is
 * split. Otherwise takes the photo's share of the budget (s_hold_share). */
static es_err s_check_frame_early(es_orient_stripper *s)
{
    es_orient_frame f;
    if (s->frame_checked)
        return ES_OK;
    es_orient_plan plan;
    if (s->frame_done ? s->frame_off + s->frame_len > S_DECIDE_CAP : s->held_len >= S_DECIDE_CAP) {
        memset(&plan, 0, sizeof plan);
        es_orient_plan_frame_too_far(&plan);
    } else if (!s_frame(s, &f)) {
        if (!s->frame_done)
            return ES_OK;
        /* read but not parsable: the plan at the end would say the same,
         * after holding the whole photo outside any budget */
        es_orient_plan_make(s->tag, NULL, s->cfg.max_pixels, s->expect_len, &plan);
    } else {
        es_orient_plan_make(s->tag, &f, s->cfg.max_pixels, s->expect_len, &plan);
        if (!plan.fallback[0]) {
            s->frame_checked = true;
            return s_hold_share(s, &plan);
        }
    }
    s->result.plan = plan;
    s_keep_fallback_note(s, plan.fallback);
    return s_stream(s, true);
}

static es_err s_decide(es_orient_stripper *s)
{
    int tag = 0;
    const char *why = NULL;
    const uint8_t *p;
    size_t n;
    if (s->exif_done && s_payload(s, s->exif_off, s->exif_len, &p, &n))
        tag = es_orient_read_tag(p, n, &why);
    if (tag == ES_ORIENT_TAG_UNREAD) /* unknown, not absent: assuming 1 would drop it */
        return s_fail(s, ES_ERR_NOMEM, why);
    if (tag < 0) {
        snprintf(s->result.note, sizeof s->result.note, "%s: orientation 1 assumed", why);
        tag = 0;
    }
    s->tag = (unsigned)tag;
    s->result.tag = s->tag;
    if (s->tag <= 1)
        return s_stream(s, false);
    if (s->cfg.mode == ES_ORIENT_KEEP) {
        s->result.outcome = ES_ORIENT_TAG_KEPT;
        snprintf(s->result.note, sizeof s->result.note, "orientation %u kept as a tag", s->tag);
        return s_stream(s, true);
    }
    s->phase = S_BUFFERING;
    return s_check_frame_early(s);
}

es_orient_stripper *es_orient_stripper_new(const es_jpeg_policy *policy, const es_orient_config *config,
                                           es_jpeg_write_fn write, void *write_ctx)
{
    es_orient_stripper *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    es_jpeg_policy_default(&s->policy); /* NULL policy: the default, as the stripper does */
    s->policy = policy ? *policy : s->policy;
    if (config)
        s->cfg = *config;
    s->out_fn = write;
    s->out_ctx = write_ctx;
    if (s->cfg.mode == ES_ORIENT_DROP) {
        s->phase = S_STREAMING;
        s->real = es_jpeg_stripper_new(&s->policy, s_out_write, s);
        if (!s->real)
            goto fail;
        return s;
    }
    s->probe = es_jpeg_stripper_new(&s->policy, NULL, NULL);
    if (!s->probe)
        goto fail;
    es_jpeg_stripper_on_segment(s->probe, s_on_segment, s);
    return s;
fail:
    es_orient_stripper_free(s);
    return NULL;
}

/* Feeds one piece to the path of the phase (s_feed cuts the pieces). */
static es_err s_feed_piece(es_orient_stripper *s, const uint8_t *data, size_t len, bool lent)
{
    if (s->status != ES_OK)
        return s->status;
    if (s->phase == S_STREAMING) {
        es_err rc = es_jpeg_stripper_feed(s->real, data, len);
        return rc == ES_OK ? ES_OK : s_fail(s, rc, es_jpeg_stripper_error(s->real));
    }
    /* While buffering for a transform only what precedes EOI is kept: the
     * trailer is never transformed (and is dropped by the policy anyway). */
    size_t keep = len;
    if (s->phase == S_BUFFERING && s->eoi_seen)
        keep = 0;
    es_err prc = es_jpeg_stripper_feed(s->probe, data, len);
    s->probed += len;
    if (s->phase == S_BUFFERING && s->eoi_seen && s->eoi_end < s->held_len + keep)
        keep = s->eoi_end > s->held_len ? (size_t)(s->eoi_end - s->held_len) : 0;
    ES_GUARD(s_hold(s, data, keep, lent));
    /* The probe ran out of memory (or failed in itself): nothing is known of
     * the orientation, and deciding would drop it. Only an input's fault is
     * reproduced by the output stripper. */
    if (prc != ES_OK && es_err_category(prc) != ES_CAT_INPUT)
        return s_fail(s, prc, es_jpeg_stripper_error(s->probe));
    if (s->phase == S_DECIDING) {
        if (prc != ES_OK || s->exif_done || s->scan_seen || s_sos_visible(s) || s->held_len > S_DECIDE_CAP) {
            ES_GUARD(s_decide(s)); /* a refusal is then reproduced by the output stripper */
            if (s->phase == S_BUFFERING && s->eoi_seen && s->eoi_end < s->held_len)
                s->held_len = (size_t)s->eoi_end;
        }
        return ES_OK;
    }
    if (prc != ES_OK)
        return s_fail(s, prc, es_jpeg_stripper_error(s->probe));
    ES_GUARD(s_check_frame_early(s));
    /* Fell back to keep within this piece: what it brought after EOI, not
     * held, goes to the output stripper too (as it would have in a later
     * piece), so that the trailer is counted and reported as removed. */
    if (s->phase == S_STREAMING && keep < len) {
        es_err rc = es_jpeg_stripper_feed(s->real, data + keep, len - keep);
        return rc == ES_OK ? ES_OK : s_fail(s, rc, es_jpeg_stripper_error(s->real));
    }
    return ES_OK;
}

/* While deciding, a feed is probed S_PROBE_PIECE bytes at a time, and the
 * rest of it, once decided, goes to the path decided in one piece. */
static es_err s_feed(es_orient_stripper *s, const uint8_t *data, size_t len, bool lent)
{
    for (;;) {
        size_t n = s->phase == S_DECIDING && len > S_PROBE_PIECE ? S_PROBE_PIECE : len;
        ES_GUARD(s_feed_piece(s, data, n, lent));
        if (n == len)
            return ES_OK;
        data += n;
        len -= n;
    }
}

/* A plain feed's bytes are the caller's only until it returns, but while
 * deciding they are referred to in place as lent ones are: the decision
 * mostly comes within the call that brings the header (the worker's first
 * GET chunk), and the bytes then go to the output stripper without a copy,
 * a hold being mapped and populated, or freed. What is still held when the
 * call returns (undecided, or buffered for a turn) is copied into the hold
 * then, as it was piece by piece before. */
es_err es_orient_stripper_feed(es_orient_stripper *s, const uint8_t *data, size_t len)
{
    bool in_place = !s->held_lent && s->phase != S_STREAMING; /* (held borrowed bytes: copied, as before) */
    es_err rc = s_feed(s, data, len, in_place);
    if (in_place && s->held_lent) {
        es_err own = s_own_held(s); /* never left referring to the caller's bytes */
        if (own != ES_OK && rc == ES_OK)
            rc = own;
    }
    return rc;
}

es_err es_orient_stripper_feed_borrowed(es_orient_stripper *s, const uint8_t *data, size_t len)
{
    return s_feed(s, data, len, true);
}

/* apply at the end of a buffered photo: transform and strip, or keep the tag. */
static es_err s_finish_buffered(es_orient_stripper *s)
{
    es_orient_frame f;
    es_orient_plan plan;
    bool have_frame = s_frame(s, &f);
    es_orient_plan_make(s->tag, have_frame ? &f : NULL, s->cfg.max_pixels, s->held_len, &plan);
    s->result.plan = plan;
    const es_orient_budget_ops *budget = s->cfg.budget;
    if (!plan.fallback[0] && budget && budget->acquire) {
        /* A share taken ahead (s_hold_share) covers the whole input: only
         * the turn to run is waited for, holding no more than that share. */
        bool ahead = s->budget_held > 0;
        if (ahead && plan.memory > s->budget_held)
            snprintf(plan.fallback, sizeof plan.fallback, "needs %llu MiB, more than the share taken ahead",
                     (unsigned long long)(plan.memory >> 20) + 1);
        else if (!(s->run_unended = budget->acquire(budget->ctx, ahead ? 0 : plan.memory)))
            s_over_budget(&plan, plan.fallback, sizeof plan.fallback);
        else if (!ahead)
            s->budget_held = plan.memory;
    }
    uint8_t *img = NULL;
    size_t img_len = 0;
    es_error terr = {0};
    if (!plan.fallback[0] &&
        es_orient_transform(&s->turning, s->held, s->held_len, &f, &plan, &img, &img_len, &terr) != ES_OK)
        snprintf(plan.fallback, sizeof plan.fallback, "%.150s", terr.msg);
    s_end_run(s); /* the CPU work is done: writing the result out is not */
    if (plan.fallback[0])
        s_give_back(s);
    es_err rc;
    if (plan.fallback[0]) {
        s_keep_fallback_note(s, plan.fallback);
        rc = s_start_real(s, true, false);
    } else {
        char what[128];
        es_orient_plan_describe(&plan, what, sizeof what);
        s->result.outcome = ES_ORIENT_TRANSFORMED;
        snprintf(s->result.note, sizeof s->result.note, "orientation %u: %s", s->tag, what);
        s_drop_held(s); /* the transformed copy replaces the input */
        s->held = s->hold = img;
        s->held_len = s->hold_cap = img_len;
        rc = s_start_real(s, false, true);
    }
    if (rc == ES_OK && (rc = es_jpeg_stripper_finish(s->real)) != ES_OK)
        s_fail(s, rc, es_jpeg_stripper_error(s->real));
    if (rc == ES_OK && !plan.fallback[0])
        rc = s_put_turned(s);
    s_give_back(s); /* the turned copy's share, once its output is written */
    return rc;
}

es_err es_orient_stripper_finish(es_orient_stripper *s)
{
    if (s->status != ES_OK)
        return s->status;
    if (s->phase == S_DECIDING)
        ES_GUARD(s_decide(s));
    es_err rc;
    if (s->phase == S_BUFFERING) {
        rc = es_jpeg_stripper_finish(s->probe);
        if (rc != ES_OK)
            return s_fail(s, rc, es_jpeg_stripper_error(s->probe));
        s->stats = *es_jpeg_stripper_stats(s->probe);
        rc = s_finish_buffered(s);
    } else {
        rc = es_jpeg_stripper_finish(s->real);
        if (rc != ES_OK)
            return s_fail(s, rc, es_jpeg_stripper_error(s->real));
        s->stats = *es_jpeg_stripper_stats(s->real);
        if (s->cfg.mode == ES_ORIENT_DROP && s->stats.exif_orientation > 1) {
            s->tag = s->result.tag = s->stats.exif_orientation;
            s->result.outcome = ES_ORIENT_DROPPED;
        }
    }
    if (rc == ES_OK && s->insert_pending && !s->insert_known &&
        s->hdr_len) /* output shorter than SOI + one segment */
        rc = s_put(s, s->hdr, s->hdr_len);
    s->stats.bytes_out = s->out_pos;
    return rc == ES_OK ? ES_OK : s_fail(s, rc, NULL);
}

const char *es_orient_stripper_error(const es_orient_stripper *s) { return s->error.msg; }

const es_jpeg_stats *es_orient_stripper_stats(const es_orient_stripper *s)
{
    if (s->status == ES_OK && s->stats.bytes_in == 0) {
        const es_jpeg_stripper *src = s->real ? s->real : s->probe;
        return src ? es_jpeg_stripper_stats(src) : &s->stats;
    }
    return &s->stats;
}

const es_orient_result *es_orient_stripper_result(const es_orient_stripper *s) { return &s->result; }

bool es_orient_stripper_streaming(const es_orient_stripper *s) { return s->phase == S_STREAMING; }

uint64_t es_orient_stripper_copied(const es_orient_stripper *s) { return s->copied; }

bool es_orient_stripper_output_stable(const es_orient_stripper *s) { return s->output_stable; }

uint64_t es_orient_stripper_probed(const es_orient_stripper *s) { return s->probed; }

void es_orient_stripper_expect_input(es_orient_stripper *s, uint64_t len) { s->expect_len = len; }

void es_orient_stripper_free(es_orient_stripper *s)
{
    if (!s)
        return;
    /* a finish left by a longjmp: its transform, its run, its share */
    es_orient_transform_abandon(&s->turning);
    s_end_run(s);
    s_give_back(s); /* a share taken ahead for a photo never finished */
    es_jpeg_stripper_free(s->probe);
    es_jpeg_stripper_free(s->real);
    es_block_free(s->hold);
    es_orient_compact_clean(&s->turned);
    free(s);
}
