/* huff_decode.c - the baseline-sequential Huffman decoder of huff_decode.h.
 *
 * Bits: a 64-bit register filled from the left. Where the next 8 input bytes
 * hold no 0xFF it takes all of them at once (the whole bytes it counts, plus
 * the top bits of the next one, which the next fill writes again unchanged);
 * otherwise byte by byte, an FF 00 pair giving a data FF and any other FF
 * (a marker) stopping the fills of the interval. Past a stop the register
 * yields zero bits and the bit count goes negative: that block is given up.
 *
 * Codes: lookahead tables made from the same canonical codes as jdhuff.c's
 * (Annex C, after its start_pass validated the table). An AC symbol whose
 * code and magnitude bits fit 11 bits together is one entry of the "full"
 * table: the run, the total length and the extended value. The others go
 * through a 10-bit AC (9-bit DC) table of codes whose entry says where the
 * magnitude is. Longer codes are decoded with jdhuff.c's maxcode / valoffset
 * (Figure F.16); a code longer than 16 bits, which libjpeg-turbo reads as
 * symbol 0 (silently on its fast path, with a warning on its slow one), is
 * given up. Runs that reach past the 64th coefficient store at 63 like
 * jpeg_natural_order's extra entries; the DC predictor wraps like jdhuff.c's
 * int.
 * Not taken (session 34): one fill for every two AC symbols, unchecked (two
 * fast entries take at most the 57 bits a fill leaves), instead of the check
 * before each symbol: huff_decode_bench on a 12 MP quality-92 photo, 4
 * alternating runs, 48.1-49.3 ms against this loop's 47.4-48.8.
 * Not taken (session 36), the same bench on the same photo: a full table of
 * 12 bits (16 KiB) or of 9 or 10 instead of 11, all slower; two symbols in
 * one full entry where both fit its bits (with a branch, or branch-free),
 * 42.3-43.4 ms against the single symbol's 38.9-40.0.
 * Not taken (session 38), the same bench and photo: the interval's data
 * copied without its stuffing first, so that every AC symbol refills the
 * register without a branch (no count check, no FF check): its time / the
 * library decoder's in the same run, 6 alternating pairs, 0.753-0.785
 * against this loop's 0.747-0.767. The loop waits on each table entry's
 * load and shift, not on the refill's branch. */
#define JPEG_INTERNALS /* jpeglib.h then includes jpegint.h (the decoder modules) and jerror.h */
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#include "orient/huff_decode.h"
#include "orient/zigzag.h"

#define S_DC_BITS 9
#define S_AC_BITS 10
#define S_FULL_BITS 11
/* An AC table entry: every field the loop needs is a load, not a shift and
 * a mask. step 0 stops the loop: an end of block (r 0..14 with s 0, which
 * ends the block like libjpeg's; shift is the code's length; the loop reads
 * one this short from the full table first) or, with shift 0, a code
 * longer than the table. */
typedef struct s_ac_entry {
    uint8_t shift;     /* the code's length + s: what the register drops */
    uint8_t code_len;  /* where the magnitude starts */
    uint8_t step;      /* r + 1: the coefficient's zigzag index after the previous one's */
    uint8_t mag_shift; /* 32 - s (32 for ZRL: magnitude and value 0) */
    uint32_t bias;     /* added to a magnitude whose top bit is 0 (Figure F.12: 1 - 2^s, 0 when s is 0) */
} s_ac_entry;

/* A full table entry: a code and its magnitude bits that fit S_FULL_BITS
 * together, decoded at once. step 0: an end of block (shift is the code's
 * length) or, with shift 0, a symbol the s_ac_entry path must decode. */
typedef struct s_full_entry {
    int16_t value; /* the coefficient (0 for ZRL) */
    uint8_t step;  /* r + 1 */
    uint8_t shift; /* the code's length + s */
} s_full_entry;

typedef struct s_slow {
    int32_t maxcode[18]; /* largest code of each length, -1 if none; [17] ends every search */
    int32_t valoffset[18];
    uint8_t huffval[256];
} s_slow;

typedef struct s_dc_table {
    uint16_t fast[1u << S_DC_BITS]; /* length << 8 | symbol; 0: a longer code */
    s_slow slow;
} s_dc_table;

typedef struct s_ac_table {
    s_full_entry full[1u << S_FULL_BITS];
    s_ac_entry fast[1u << S_AC_BITS];
    s_slow slow;
} s_ac_table;

typedef struct s_bits {
    const uint8_t *pos, *end;
    uint64_t acc; /* the next bits, first at the top */
    int n;        /* valid bits in acc (negative: some were made up) */
    bool stopped; /* at a marker or the end: no more fills in this interval */
} s_bits;

typedef struct s_dec {
    struct jpeg_entropy_decoder pub; /* first: d->entropy points here */
    struct jpeg_entropy_decoder *library;
    es_huff_give_up_fn give_up;
    s_bits bits;
    uint32_t last_dc[MAX_COMPS_IN_SCAN];
    unsigned restarts_to_go;
    uint64_t mcus_left; /* in this scan */
    const s_dc_table *dc_of[D_MAX_BLOCKS_IN_MCU];
    const s_ac_table *ac_of[D_MAX_BLOCKS_IN_MCU];
    int ci_of[D_MAX_BLOCKS_IN_MCU];
    s_dc_table dc[NUM_HUFF_TBLS];
    s_ac_table ac[NUM_HUFF_TBLS];
} s_dec;

static void s_give_up(j_decompress_ptr d)
{
    ((s_dec *)(void *)d->entropy)->give_up(d);
    ERREXIT(d, JWRN_HUFF_BAD_CODE); /* a give-up function that returned */
}

/* Figure F.12: the s-bit magnitude x as a signed value. */
static inline int s_extend(uint32_t x, int s) { return x < (1u << (s - 1)) ? (int)x - (1 << s) + 1 : (int)x; }

/* Annex C's canonical codes of t, and jdhuff.c's maxcode / valoffset;
 * codes[] and sizes[] get the codes in symbol order, the count is returned. */
static int s_codes(const JHUFF_TBL *t, s_slow *slow, uint16_t *codes, uint8_t *sizes)
{
    int n = 0;
    uint32_t code = 0;
    for (int l = 1; l <= 16; l++) {
        slow->maxcode[l] = -1;
        slow->valoffset[l] = 0;
        if (t->bits[l]) {
            slow->valoffset[l] = n - (int32_t)code;
            for (int i = 0; i < t->bits[l] && n < 256; i++, n++) {
                codes[n] = (uint16_t)code++;
                sizes[n] = (uint8_t)l;
            }
            slow->maxcode[l] = (int32_t)code - 1;
        }
        code <<= 1;
    }
    slow->maxcode[17] = 0xFFFFF;
    slow->valoffset[17] = 0;
    memcpy(slow->huffval, t->huffval, sizeof slow->huffval);
    return n;
}

static s_ac_entry s_ac_entry_of(int len, int rs)
{
    int r = rs >> 4, s = rs & 15;
    s_ac_entry e = {(uint8_t)(len + s), (uint8_t)len, (uint8_t)(!s && r != 15 ? 0 : r + 1), (uint8_t)(32 - s),
                    1u - (1u << s)};
    return e;
}

/* at's full table from the n canonical codes of its symbols. */
static void s_build_full(s_ac_table *at, const uint16_t *codes, const uint8_t *sizes, int n,
                         const uint8_t *huffval)
{
    memset(at->full, 0, sizeof at->full);
    for (int p = 0; p < n && sizes[p] <= S_FULL_BITS; p++) {
        int r = huffval[p] >> 4, s = huffval[p] & 15, len = sizes[p];
        bool eob = !s && r != 15;
        if (!eob && len + s > S_FULL_BITS)
            continue;
        int spare = S_FULL_BITS - len;
        for (uint32_t i = 0; i < 1u << spare; i++) {
            uint32_t x = (uint32_t)codes[p] << spare | i;
            s_full_entry *f = &at->full[x];
            if (eob) {
                f->shift = (uint8_t)len;
                continue;
            }
            uint32_t mag = s ? (i >> (spare - s)) & ((1u << s) - 1) : 0;
            f->value = (int16_t)(s ? s_extend(mag, s) : 0);
            f->step = (uint8_t)(r + 1);
            f->shift = (uint8_t)(len + s);
        }
    }
}

/* t's lookahead table: dt's (a DC table) or at's (AC), every entry whose
 * first bits are a code of at most its bits; the other entries zero. */
static void s_build(s_dc_table *dt, s_ac_table *at, const JHUFF_TBL *t)
{
    uint16_t codes[256];
    uint8_t sizes[256];
    int n = s_codes(t, dt ? &dt->slow : &at->slow, codes, sizes), bits = dt ? S_DC_BITS : S_AC_BITS;
    if (dt)
        memset(dt->fast, 0, sizeof dt->fast);
    else
        memset(at->fast, 0, sizeof at->fast);
    for (int p = 0; p < n && sizes[p] <= bits; p++) {
        int spare = bits - sizes[p];
        for (uint32_t i = 0; i < 1u << spare; i++) {
            uint32_t x = (uint32_t)codes[p] << spare | i;
            if (dt)
                dt->fast[x] = (uint16_t)(sizes[p] << 8 | t->huffval[p]);
            else
                at->fast[x] = s_ac_entry_of(sizes[p], t->huffval[p]);
        }
    }
    if (at)
        s_build_full(at, codes, sizes, n, t->huffval);
}

/* A code longer than the lookahead (Figure F.16 from there); -1 for none. */
static int s_long_code(const s_slow *slow, uint64_t acc, int from, int *len)
{
    uint32_t top = (uint32_t)(acc >> 48);
    for (int l = from; l <= 16; l++) {
        int32_t code = (int32_t)(top >> (16 - l));
        if (code <= slow->maxcode[l]) {
            *len = l;
            return slow->huffval[(code + slow->valoffset[l]) & 0xFF];
        }
    }
    return -1;
}

/* One load and a byte swap: gcc makes the portable loop that at -O3 only. */
static inline uint64_t s_load_be64(const uint8_t *p)
{
#if defined(__GNUC__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    uint64_t w;
    memcpy(&w, p, 8);
    return __builtin_bswap64(w);
#else
    uint64_t w = 0;
    for (int i = 0; i < 8; i++)
        w = w << 8 | p[i];
    return w;
#endif
}

static void s_fill_slow(s_bits *b)
{
    while (b->n <= 56) {
        if (b->pos >= b->end) {
            b->stopped = true;
            return;
        }
        unsigned c = *b->pos;
        if (c == 0xFF) {
            if (b->end - b->pos < 2 || b->pos[1] != 0) {
                b->stopped = true;
                return;
            }
            b->pos += 2;
        } else {
            b->pos++;
        }
        b->acc |= (uint64_t)c << (56 - b->n);
        b->n += 8;
    }
}

/* At least 57 bits in the register, or a stop. */
static inline void s_fill(s_bits *b)
{
    if (b->stopped)
        return;
    if (b->end - b->pos >= 8) {
        uint64_t w = s_load_be64(b->pos), x = ~w;
        if (!((x - UINT64_C(0x0101010101010101)) & ~x & UINT64_C(0x8080808080808080))) { /* no FF byte */
            b->acc |= w >> b->n;
            b->pos += (63 - b->n) >> 3;
            b->n |= 56;
            return;
        }
    }
    s_fill_slow(b);
}

static inline void s_drop(s_bits *b, int n)
{
    b->acc <<= n;
    b->n -= n;
}

/* Where the interval's data ends (the register holds only the padding of
 * its last byte, b->n 0..7), the next bytes must be FF..FF and a marker
 * (not a stuffed zero): the position of its first FF, or NULL. */
static const uint8_t *s_marker_next(const s_bits *b, int *code)
{
    if (b->n < 0 || b->n >= 8)
        return NULL;
    const uint8_t *p = b->pos, *q = p;
    while (q < b->end && *q == 0xFF)
        q++;
    if (q == p || q >= b->end || *q == 0)
        return NULL;
    *code = *q;
    return p;
}

/* A new interval's data from the source's position: empty register, DC predictions 0. */
static void s_interval(j_decompress_ptr d, s_dec *h)
{
    h->bits.pos = d->src->next_input_byte;
    h->bits.end = h->bits.pos + d->src->bytes_in_buffer;
    h->bits.acc = 0;
    h->bits.n = 0;
    h->bits.stopped = false;
    memset(h->last_dc, 0, sizeof h->last_dc);
    h->restarts_to_go = d->restart_interval;
}

/* The MCU starts a new restart interval: its RSTn must come right after the
 * data (the number libjpeg's marker reader expects, which reads it). */
static void s_restart(j_decompress_ptr d, s_dec *h)
{
    int code = 0;
    const uint8_t *p = s_marker_next(&h->bits, &code);
    if (!p || code != (int)JPEG_RST0 + d->marker->next_restart_num || d->unread_marker)
        s_give_up(d);
    d->src->next_input_byte = p;
    d->src->bytes_in_buffer = (size_t)(h->bits.end - p);
    if (!(*d->marker->read_restart_marker)(d))
        s_give_up(d);
    s_interval(d, h);
}

static void s_start_pass(j_decompress_ptr d)
{
    s_dec *h = (s_dec *)(void *)d->entropy;
    d->entropy = h->library; /* its checks, warnings and table validation */
    (*h->library->start_pass)(d);
    d->entropy = &h->pub;
    bool dc_done[NUM_HUFF_TBLS] = {false}, ac_done[NUM_HUFF_TBLS] = {false};
    for (int ci = 0; ci < d->comps_in_scan; ci++) {
        const jpeg_component_info *c = d->cur_comp_info[ci];
        int dt = c->dc_tbl_no, at = c->ac_tbl_no; /* 0..3, or the library's start_pass failed */
        if (!dc_done[dt])
            s_build(&h->dc[dt], NULL, d->dc_huff_tbl_ptrs[dt]);
        if (!ac_done[at])
            s_build(NULL, &h->ac[at], d->ac_huff_tbl_ptrs[at]);
        dc_done[dt] = ac_done[at] = true;
    }
    for (int b = 0; b < d->blocks_in_MCU; b++) {
        int ci = d->MCU_membership[b];
        h->ci_of[b] = ci;
        h->dc_of[b] = &h->dc[d->cur_comp_info[ci]->dc_tbl_no];
        h->ac_of[b] = &h->ac[d->cur_comp_info[ci]->ac_tbl_no];
    }
    s_interval(d, h);
    h->mcus_left = (uint64_t)d->MCUs_per_row * d->MCU_rows_in_scan;
    h->pub.insufficient_data = FALSE;
}

/* One block's coefficients into the zeroed block c; false to give up. */
static inline bool s_block(s_bits *b, const s_dc_table *dt, const s_ac_table *at, uint32_t *last_dc, JCOEF *c)
{
    if (b->n < 32)
        s_fill(b);
    int len = 0, s;
    uint32_t e = dt->fast[b->acc >> (64 - S_DC_BITS)];
    if (e) {
        len = (int)(e >> 8);
        s = (int)(e & 0xFF);
    } else if ((s = s_long_code(&dt->slow, b->acc, S_DC_BITS + 1, &len)) < 0) {
        return false;
    }
    s_drop(b, len);
    int diff = 0;
    if (s) {
        diff = s_extend((uint32_t)(b->acc >> (64 - s)), s);
        s_drop(b, s);
    }
    *last_dc += (uint32_t)diff;
    c[0] = (JCOEF)(int16_t)(uint16_t)*last_dc;
    /* Each symbol the same way, without a branch on its kind: a zero run
     * of 16 (ZRL) stores a zero where the next coefficient goes (the block
     * is zero there), then moves on. */
    for (int k = 1; k < DCTSIZE2;) {
        if (b->n < S_AC_BITS + 15) /* what a table entry takes at most */
            s_fill(b);
        s_full_entry f = at->full[b->acc >> (64 - S_FULL_BITS)];
        if (f.step) {
            s_drop(b, f.shift);
            k += f.step;
            c[es_zigzag_natural[k - 1]] = f.value;
            continue;
        }
        if (f.shift) { /* an end of block */
            s_drop(b, f.shift);
            break;
        }
        s_ac_entry a = at->fast[b->acc >> (64 - S_AC_BITS)];
        /* step 0 here is a code longer than the table: an end of block as short is a full entry */
        if (!a.step) {
            if (b->n < 32) /* 16 + 15 */
                s_fill(b);
            int rs = s_long_code(&at->slow, b->acc, S_AC_BITS + 1, &len);
            if (rs < 0)
                return false;
            a = s_ac_entry_of(len, rs);
            if (!a.step) {
                s_drop(b, len);
                break;
            }
        }
        uint64_t mag_at = b->acc << a.code_len;
        uint32_t mag = (uint32_t)((mag_at >> 32) >> a.mag_shift); /* 0 when s is 0 */
        uint32_t v = mag + (a.bias & ((uint32_t)(mag_at >> 63) - 1u));
        s_drop(b, a.shift);
        k += a.step;
        c[es_zigzag_natural[k - 1]] = (JCOEF)(int16_t)(uint16_t)v;
    }
    return b->n >= 0;
}

static boolean s_decode_mcu(j_decompress_ptr d, JBLOCKROW *mcu)
{
    s_dec *h = (s_dec *)(void *)d->entropy;
    if (!h->mcus_left)
        s_give_up(d);
    if (d->restart_interval) {
        if (!h->restarts_to_go)
            s_restart(d, h);
        h->restarts_to_go--;
    }
    s_bits b = h->bits;
    uint32_t last_dc[MAX_COMPS_IN_SCAN];
    memcpy(last_dc, h->last_dc, sizeof last_dc);
    for (int k = 0; k < d->blocks_in_MCU; k++)
        if (!s_block(&b, h->dc_of[k], h->ac_of[k], &last_dc[h->ci_of[k]], mcu[k][0]))
            s_give_up(d);
    h->bits = b;
    memcpy(h->last_dc, last_dc, sizeof last_dc);
    if (--h->mcus_left == 0) { /* the scan's data must end right before a marker */
        int code = 0;
        const uint8_t *p = s_marker_next(&h->bits, &code);
        if (!p)
            s_give_up(d);
        d->src->next_input_byte = p;
        d->src->bytes_in_buffer = (size_t)(h->bits.end - p);
    }
    return TRUE;
}

static atomic_ulong s_installs;

unsigned long es_huff_decode_installs(void)
{
    return atomic_load_explicit(&s_installs, memory_order_relaxed);
}

bool es_huff_decode_install(j_decompress_ptr d, es_huff_give_up_fn give_up)
{
    if (!d->entropy || d->progressive_mode || d->arith_code || d->data_precision != 8 || !give_up)
        return false;
    s_dec *h = (*d->mem->alloc_small)((j_common_ptr)d, JPOOL_IMAGE, sizeof *h);
    memset(h, 0, sizeof *h);
    h->library = d->entropy;
    h->give_up = give_up;
    h->pub.start_pass = s_start_pass;
    h->pub.decode_mcu = s_decode_mcu;
    d->entropy = &h->pub;
    atomic_fetch_add_explicit(&s_installs, 1, memory_order_relaxed);
    return true;
}
