/* jpeg_orient_fuzz.c - fuzz target for the orientation path in front of the
 * stripper (src/orient): the Exif tag read with libexif, SOF parsing and
 * planning, the lossless transform of whatever frame the input claims (the
 * destination rows produced on demand by a wrapped libjpeg memory manager), the re-inserted
 * metadata, the keep-mode tag insertion and the fallbacks.
 *
 * Target Functions: es_orient_stripper_new/feed/feed_borrowed/finish/error/
 * stats/result/copied,
 * es_orient_strip_buffer, es_orient_read_tag, es_orient_frame_parse,
 * es_orient_plan_make, es_orient_transform, es_orient_tag_segment.
 *
 * Every input runs in all three modes (apply/keep/drop) with a small pixel
 * limit (so a fuzzed frame cannot make a transform slow). Invariants (any violation aborts): a refusal is exactly the plain
 * stripper's (code and message); an accepted output is a JPEG from SOI to
 * EOI; without a tag to handle it is byte for byte the plain stripper's; the
 * output is the same when the input is fed in two chunks, and when it is fed
 * in pieces cut where the input's own bytes say, each plain, lent in place or
 * lent from a copy of it elsewhere (refusals too), with the stats of the whole
 * input lent (bytes in and out, what was removed); pieces all lent in place are
 * never copied; apply leaves no APP1 unless it fell back to keep, and keep's
 * one APP1 holds only the tag. The pieces run announces the input's length
 * or not, as one of its bytes says, and freed large blocks are kept for
 * later runs (common/block_cache.h, as in the worker and a CLI batch), so a
 * hold outgrowing its first size may grow into one an earlier run left. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/block_cache.h"
#include "exifstrip/orient.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define S_REQUIRE(cond, what)                                \
    do {                                                     \
        if (!(cond)) {                                       \
            fprintf(stderr, "jpeg_orient_fuzz: %s\n", what); \
            abort();                                         \
        }                                                    \
    } while (0)

/* Output of the chunked run: a fixed buffer (inputs are small; a larger
 * output makes the chunked run fail with ES_ERR_OUTPUT, which is reported). */
static uint8_t s_chunked[1u << 22];
static size_t s_chunked_len;

static es_err s_collect(void *ctx, const uint8_t *data, size_t len)
{
    (void)ctx;
    if (len > sizeof s_chunked - s_chunked_len)
        return ES_ERR_OUTPUT;
    memcpy(s_chunked + s_chunked_len, data, len);
    s_chunked_len += len;
    return ES_OK;
}

/* APP1 segments before the first SOS; *only_tag: each is the minimal tag segment. */
static int s_app1_count(const uint8_t *j, size_t len, bool *only_tag)
{
    size_t pos = 2;
    int n = 0;
    *only_tag = true;
    while (pos + 4 <= len && j[pos] == 0xFF) {
        while (pos + 1 < len && j[pos + 1] == 0xFF)
            pos++;
        if (pos + 4 > len || j[pos + 1] == 0xDA || j[pos + 1] == 0xD9)
            break;
        size_t seglen = 2 + ((size_t)j[pos + 2] << 8 | j[pos + 3]);
        if (j[pos + 1] == 0xE1) {
            n++;
            if (seglen != ES_ORIENT_TAG_SEGMENT_LEN || es_orient_read_tag(j + pos + 4, seglen - 4, NULL) < 2)
                *only_tag = false;
        }
        pos += seglen;
    }
    return n;
}

/* How s_feed_pieces feeds one piece. */
typedef enum s_how { S_PLAIN, S_LENT, S_LENT_ELSEWHERE } s_how;

#define S_PIECES 16

/* Feeds the input in at most S_PIECES pieces, cut where its own bytes say
 * (so the fuzzer chooses), each fed plainly (from a scratch copy overwritten
 * and freed right after the feed: what the stripper keeps of it must be its
 * own copy), lent in place, or lent from a copy of exactly that piece
 * elsewhere (freed by the caller after finish: reading past it, as if it
 * were contiguous with what came before, is caught by ASan). *all_lent:
 * every piece was lent in place. */
static es_err s_feed_pieces(es_orient_stripper *s, const uint8_t *data, size_t size, uint8_t *lent[S_PIECES],
                            bool *all_lent)
{
    uint32_t x = 2166136261u; /* FNV-1a of 16 bytes spread over the input, then xorshift */
    for (size_t j = 0; j < 16 && size; j++)
        x = (x ^ data[size * j / 16]) * 16777619u;
    *all_lent = true;
    for (size_t at = 0, n = 0; at < size; n++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        size_t rest = size - at, len = n == S_PIECES - 1 || x % 8 == 0 ? rest : 1 + (x >> 3) % rest;
        s_how how = (s_how)((x >> 24) % 3);
        uint8_t *piece = how == S_LENT ? NULL : malloc(len);
        S_REQUIRE(how == S_LENT || piece != NULL, "out of memory");
        if (piece)
            memcpy(piece, data + at, len);
        es_err rc = how == S_PLAIN  ? es_orient_stripper_feed(s, piece, len)
                    : how == S_LENT ? es_orient_stripper_feed_borrowed(s, data + at, len)
                                    : es_orient_stripper_feed_borrowed(s, piece, len);
        if (how == S_PLAIN) {
            memset(piece, 0xA5, len);
            free(piece);
        } else {
            lent[n] = piece;
        }
        *all_lent = *all_lent && how == S_LENT;
        if (rc != ES_OK)
            return rc;
        at += len;
    }
    return ES_OK;
}

/* The stats of the whole input lent in one feed (no output kept): false
 * when that run fails. */
static bool s_whole_lent_stats(const uint8_t *data, size_t size, const es_orient_config *cfg, es_jpeg_stats *st)
{
    es_orient_stripper *s = es_orient_stripper_new(NULL, cfg, NULL, NULL);
    S_REQUIRE(s != NULL, "out of memory");
    bool ok = es_orient_stripper_feed_borrowed(s, data, size) == ES_OK && es_orient_stripper_finish(s) == ES_OK;
    *st = *es_orient_stripper_stats(s);
    es_orient_stripper_free(s);
    return ok;
}

/* The third run: the input in pieces (s_feed_pieces) gives the one-shot run's
 * result (rc, message) and bytes, and the stats (bytes in and out, what was
 * removed) of the whole input lent in one feed. */
static void s_pieces_run(const uint8_t *data, size_t size, const es_orient_config *cfg, es_err rc,
                         const es_error *err, const uint8_t *out, size_t out_len)
{
    uint8_t *lent[S_PIECES] = {NULL};
    s_chunked_len = 0;
    es_orient_stripper *s = es_orient_stripper_new(NULL, cfg, s_collect, NULL);
    S_REQUIRE(s != NULL, "out of memory");
    if (size && data[size / 3] & 1)
        es_orient_stripper_expect_input(s, size);
    bool all_lent;
    es_err r3 = s_feed_pieces(s, data, size, lent, &all_lent);
    if (r3 == ES_OK)
        r3 = es_orient_stripper_finish(s);
    S_REQUIRE(r3 == rc, "pieces lent and plain: result differs");
    if (rc == ES_OK)
        S_REQUIRE(s_chunked_len == out_len && memcmp(s_chunked, out, out_len) == 0,
                  "pieces lent and plain: output differs");
    else
        S_REQUIRE(strcmp(es_orient_stripper_error(s), err->msg) == 0, "pieces lent and plain: refusal differs");
    S_REQUIRE(!all_lent || es_orient_stripper_copied(s) == 0,
              "pieces all lent in place, yet bytes were copied");
    es_jpeg_stats whole;
    if (rc == ES_OK && s_whole_lent_stats(data, size, cfg, &whole)) {
        const es_jpeg_stats *st = es_orient_stripper_stats(s);
        S_REQUIRE(st->bytes_in == whole.bytes_in && st->bytes_out == whole.bytes_out &&
                      memcmp(st->removed_bytes, whole.removed_bytes, sizeof whole.removed_bytes) == 0 &&
                      memcmp(st->removed_count, whole.removed_count, sizeof whole.removed_count) == 0,
                  "pieces lent and plain: stats differ from the whole input lent");
    }
    es_orient_stripper_free(s);
    for (size_t i = 0; i < S_PIECES; i++)
        free(lent[i]);
}

static void s_one_mode(const uint8_t *data, size_t size, es_orient_mode mode)
{
    es_orient_config cfg = {.mode = mode, .max_pixels = 1u << 18};
    uint8_t *out = NULL, *plain = NULL;
    size_t out_len = 0, plain_len = 0;
    es_error err = {0}, perr = {0};
    es_orient_result res;
    es_err rc = es_orient_strip_buffer(NULL, &cfg, data, size, &out, &out_len, &err, &res);
    es_err prc = es_jpeg_strip_buffer(NULL, data, size, &plain, &plain_len, &perr, NULL);
    S_REQUIRE(rc == prc && strcmp(err.msg, perr.msg) == 0, "a refusal differs from the plain stripper's");
    if (rc == ES_OK) {
        S_REQUIRE(out_len >= 4 && out[0] == 0xFF && out[1] == 0xD8 && out[out_len - 2] == 0xFF &&
                      out[out_len - 1] == 0xD9,
                  "output is not SOI..EOI");
        S_REQUIRE((res.outcome != ES_ORIENT_NONE && res.outcome != ES_ORIENT_DROPPED) ||
                      (out_len == plain_len && memcmp(out, plain, out_len) == 0),
                  "nothing to turn, yet the output differs from the plain stripper's");
        bool only_tag;
        int app1 = s_app1_count(out, out_len, &only_tag);
        S_REQUIRE(res.outcome == ES_ORIENT_TAG_KEPT ? app1 == 1 && only_tag : app1 == 0,
                  "APP1 segments do not match the outcome");
        /* Two plain (copied) chunks, cut where the middle byte says, give the
         * bytes of the whole buffer lent to the stripper (strip_buffer). */
        s_chunked_len = 0;
        es_orient_stripper *s = es_orient_stripper_new(NULL, &cfg, s_collect, NULL);
        S_REQUIRE(s != NULL, "out of memory");
        size_t cut = size ? (size_t)data[size / 2] * size / 256 : 0;
        es_err r2 = es_orient_stripper_feed(s, data, cut);
        if (r2 == ES_OK)
            r2 = es_orient_stripper_feed(s, data + cut, size - cut);
        if (r2 == ES_OK)
            r2 = es_orient_stripper_finish(s);
        S_REQUIRE(r2 == ES_OK && s_chunked_len == out_len && memcmp(s_chunked, out, out_len) == 0,
                  "chunked output differs");
        es_orient_stripper_free(s);
    }
    s_pieces_run(data, size, &cfg, rc, &err, out, out_len);
    free(out);
    free(plain);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool cache_on;
    if (!cache_on) { /* kept without a time or job limit: any later run may take a block */
        es_block_cache_limit((size_t)32 << 20, 0, 0);
        cache_on = true;
    }
    for (int mode = ES_ORIENT_APPLY; mode <= ES_ORIENT_DROP; mode++)
        s_one_mode(data, size, (es_orient_mode)mode);
    return 0;
}
