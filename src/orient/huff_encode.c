/* huff_encode.c - the baseline-sequential Huffman encoder of huff_encode.h.
 *
 * A block is first laid out in zigzag order as each coefficient's size (bits
 * of its magnitude) and value bits, with a 64-bit map of the non-zero ones:
 * with AVX-512 (BW: two VPERMT2W put the block in zigzag order, a test gives
 * the map; CD: VPLZCNTD the sizes; chosen at run time, common/cpu.h), or in
 * C for the tests. Then one step per non-zero coefficient found by counting
 * trailing zeros: ZRLs for a run of 16 or more, the (run, size) code and the
 * value's bits put at once, the EOB when the block ends in zeros; two such
 * coefficients go in one put when the second follows a run under 16.
 * Codes: Annex C's canonical codes of the table (jchuff.c's
 * jpeg_make_c_derived_tbl); an AC table lacking a code an 8-bit block may
 * need is left to the library for the pass.
 *
 * Bits: a 64-bit register taking codes from the right; after each code the
 * whole bytes it holds are written, in one 8-byte store when none of them is
 * 0xFF (the pointer moves by the whole bytes only), else byte by byte with a
 * 0 after each 0xFF (jchuff.c's EMIT_BYTE): no branch on the register's
 * fill, which a flush when it is full takes unpredictably. */
#define JPEG_INTERNALS /* jpeglib.h then includes jpegint.h (the encoder modules) and jerror.h */
#include <stdint.h>
#include <string.h>
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define S_X86 1
#define S_AVX512 __attribute__((target("avx512f,avx512bw,avx512cd,avx2,popcnt,bmi,bmi2")))
#endif

#include "common/cpu.h"
#include "orient/huff_encode.h"
#include "orient/zigzag.h"

/* The most a block's codes take in bytes, stuffed (jchuff.c's BUFSIZE). */
#define S_BLOCK_BYTES (DCTSIZE2 * 8)
/* Beyond an MCU's blocks: a flush and an RSTn, the speculative stuffing byte. */
#define S_MARKER_BYTES 32
#define S_MCU_BYTES (C_MAX_BLOCKS_IN_MCU * S_BLOCK_BYTES + S_MARKER_BYTES)

typedef struct s_bits {
    uint64_t acc; /* its low n bits are the ones held (the bits above are stale) */
    int n;        /* 0..7 between puts: whole bytes are written at once */
} s_bits;

/* A block in zigzag order, what the coding loop reads. */
typedef struct s_zz {
    uint16_t bits[DCTSIZE2]; /* the value's bits (T.81 F.1.2.1) */
    uint8_t size[DCTSIZE2];  /* bits of its magnitude, 0 for a zero */
    uint64_t map;            /* bit k: coefficient k is not zero */
} s_zz;

/* Lays blk out in z; false when an AC value needs more than 10 bits. */
typedef bool (*s_prep_fn)(const JCOEF *blk, s_zz *z);

typedef struct s_enc s_enc;
struct s_enc {
    struct jpeg_entropy_encoder pub; /* first: c->entropy points here */
    struct jpeg_entropy_encoder *library;
    es_huff_encode_give_up_fn give_up;
    s_bits bits;
    int last_dc[MAX_COMPS_IN_SCAN];
    unsigned restarts_to_go;
    int next_restart;
    const uint32_t *dc_of[C_MAX_BLOCKS_IN_MCU];
    const uint32_t *ac_of[C_MAX_BLOCKS_IN_MCU];
    int ci_of[C_MAX_BLOCKS_IN_MCU];
    uint32_t dc[NUM_HUFF_TBLS][256]; /* s_codes */
    uint32_t ac[NUM_HUFF_TBLS][256]; /* s_ac_codes */
    bool in_local;                   /* this MCU is written to local, then copied out */
    uint8_t local[S_MCU_BYTES];
};

static void s_give_up(j_compress_ptr c)
{
    ((s_enc *)(void *)c->entropy)->give_up(c);
    ERREXIT(c, JERR_BAD_DCT_COEF); /* a give-up function that returned */
}

/* Annex C's canonical codes of t (validated by the library's start_pass):
 * code << 8 | length per symbol, 0 for none. */
static void s_codes(const JHUFF_TBL *t, uint32_t *out)
{
    memset(out, 0, 256 * sizeof *out);
    uint32_t code = 0;
    for (int l = 1, p = 0; l <= 16; l++) {
        for (int i = 0; i < t->bits[l] && p < 256; i++, p++)
            out[t->huffval[p]] = code++ << 8 | (uint32_t)l;
        code <<= 1;
    }
}

/* An AC table as the coding loop reads it: for each (run, size) symbol its
 * code shifted over the size's value bits, << 6 | the length of both
 * (16 + 10 + 6 bits at most). False when a symbol an 8-bit block may need
 * (EOB, ZRL, sizes 1..10 after any run) has no code. */
static bool s_ac_codes(const JHUFF_TBL *t, uint32_t *out)
{
    uint32_t codes[256];
    s_codes(t, codes);
    bool complete = codes[0] && codes[0xF0];
    for (int rs = 0; rs < 256; rs++) {
        int s = rs & 15;
        uint32_t code = codes[rs] >> 8, len = codes[rs] & 0xFF;
        out[rs] = codes[rs] && s <= 10 ? (code << s) << 6 | (len + (uint32_t)s) : 0;
        complete &= s == 0 || s > 10 || codes[rs] != 0;
    }
    return complete;
}

static inline void s_store_be64(uint8_t *p, uint64_t w)
{
#if defined(__GNUC__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    w = __builtin_bswap64(w);
    memcpy(p, &w, 8);
#else
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(w >> (56 - 8 * i));
#endif
}

/* Byte b, and a 0 after it when it is 0xFF (p[1] is written either way). */
static inline uint8_t *s_byte(uint8_t *p, unsigned b)
{
    p[0] = (uint8_t)b;
    p[1] = 0;
    return p + 1 + (b == 0xFF);
}

/* The top `bytes` bytes of w, each 0xFF followed by a 0. */
static uint8_t *s_stuffed(uint8_t *p, uint64_t w, int bytes)
{
    for (int i = 0; i < bytes; i++)
        p = s_byte(p, (unsigned)(w >> (56 - 8 * i)) & 0xFF);
    return p;
}

/* Puts the low len (1..56) bits of v (nothing above them) and writes the
 * whole bytes held: 8 bytes are stored, the pointer moves by those, with no
 * branch but the rare one for a 0xFF among them. */
static inline uint8_t *s_put(s_bits *b, uint8_t *p, uint64_t v, int len)
{
    uint64_t acc = b->acc << len | v;
    int n = b->n + len;
    uint64_t w = acc << (64 - n); /* the held bits at the top, zeros below */
    b->acc = acc;
    b->n = n & 7;
    if (w & UINT64_C(0x8080808080808080) & ~(w + UINT64_C(0x0101010101010101))) /* a whole 0xFF byte */
        return s_stuffed(p, w, n >> 3);
    s_store_be64(p, w);
    return p + (n >> 3);
}

/* The held bits, padded with 1-bits to a byte (jchuff.c's flush_bits). */
static uint8_t *s_flush_bits(s_bits *b, uint8_t *p)
{
    if (b->n)
        p = s_byte(p, ((unsigned)(b->acc << (8 - b->n)) | (0xFFu >> b->n)) & 0xFF);
    b->acc = 0;
    b->n = 0;
    return p;
}

/* Bits needed for |v| (v not 0), and in *bits v's bits as T.81 F.1.2.1 puts them. */
static inline int s_size(int v, uint32_t *bits)
{
    int sign = v >> 31; /* 0 or -1 */
    uint32_t a = (uint32_t)((v ^ sign) - sign);
    int n = 32 - __builtin_clz(a);
    *bits = (uint32_t)(v + sign) & ((1u << n) - 1);
    return n;
}

static bool s_prep_c(const JCOEF *blk, s_zz *z)
{
    uint64_t map = 0;
    bool ok = true;
    for (int k = 0; k < DCTSIZE2; k++) {
        int v = blk[es_zigzag_natural[k]];
        uint32_t bits = 0;
        int n = v ? s_size(v, &bits) : 0;
        z->bits[k] = (uint16_t)bits;
        z->size[k] = (uint8_t)n;
        map |= (uint64_t)(v != 0) << k;
        ok &= k == 0 || n <= 10;
    }
    z->map = map;
    return ok;
}

#ifdef S_X86
S_AVX512 static inline bool s_prep_avx512(const JCOEF *blk, s_zz *z)
{
    __m512i a = _mm512_loadu_si512((const void *)blk), b = _mm512_loadu_si512((const void *)(blk + 32));
    __m512i z0 = _mm512_permutex2var_epi16(a, _mm512_loadu_si512((const void *)es_zigzag_natural), b),
            z1 = _mm512_permutex2var_epi16(a, _mm512_loadu_si512((const void *)(es_zigzag_natural + 32)), b);
    z->map = (uint64_t)_mm512_test_epi16_mask(z0, z0) | (uint64_t)_mm512_test_epi16_mask(z1, z1) << 32;
    __m512i m0 = _mm512_abs_epi16(z0), m1 = _mm512_abs_epi16(z1); /* -32768: 0x8000, read unsigned */
    const __m512i limit = _mm512_set1_epi16(1023);
    uint64_t big = (uint64_t)_mm512_cmpgt_epu16_mask(m0, limit) | (uint64_t)_mm512_cmpgt_epu16_mask(m1, limit)
                                                                      << 32;
    /* sizes: 32 - lzcnt of each magnitude widened to 32 bits */
    const __m512i n32 = _mm512_set1_epi32(32);
    __m512i s0 = _mm512_sub_epi32(n32, _mm512_lzcnt_epi32(_mm512_cvtepu16_epi32(_mm512_castsi512_si256(m0)))),
            s1 = _mm512_sub_epi32(n32,
                                  _mm512_lzcnt_epi32(_mm512_cvtepu16_epi32(_mm512_extracti64x4_epi64(m0, 1)))),
            s2 = _mm512_sub_epi32(n32, _mm512_lzcnt_epi32(_mm512_cvtepu16_epi32(_mm512_castsi512_si256(m1)))),
            s3 = _mm512_sub_epi32(n32,
                                  _mm512_lzcnt_epi32(_mm512_cvtepu16_epi32(_mm512_extracti64x4_epi64(m1, 1))));
    _mm_storeu_si128((__m128i *)(void *)z->size, _mm512_cvtepi32_epi8(s0));
    _mm_storeu_si128((__m128i *)(void *)(z->size + 16), _mm512_cvtepi32_epi8(s1));
    _mm_storeu_si128((__m128i *)(void *)(z->size + 32), _mm512_cvtepi32_epi8(s2));
    _mm_storeu_si128((__m128i *)(void *)(z->size + 48), _mm512_cvtepi32_epi8(s3));
    /* bits: v, or v - 1 when negative, to its size (a size of 16 keeps all) */
    __m512i w0 = _mm512_inserti64x4(_mm512_castsi256_si512(_mm512_cvtepi32_epi16(s0)),
                                    _mm512_cvtepi32_epi16(s1), 1),
            w1 = _mm512_inserti64x4(_mm512_castsi256_si512(_mm512_cvtepi32_epi16(s2)),
                                    _mm512_cvtepi32_epi16(s3), 1);
    const __m512i ones = _mm512_set1_epi16(-1);
    __m512i v0 = _mm512_add_epi16(z0, _mm512_srai_epi16(z0, 15)),
            v1 = _mm512_add_epi16(z1, _mm512_srai_epi16(z1, 15));
    _mm512_storeu_si512((void *)z->bits, _mm512_andnot_si512(_mm512_sllv_epi16(ones, w0), v0));
    _mm512_storeu_si512((void *)(z->bits + 32), _mm512_andnot_si512(_mm512_sllv_epi16(ones, w1), v1));
    return !(big & ~UINT64_C(1));
}
#endif

/* One block; false for a value or symbol the tables cannot code. Inlined
 * into each implementation's encode_mcu, compiled for its instructions. */
static inline __attribute__((always_inline)) bool s_block(s_prep_fn prep, s_bits *b, uint8_t **pp,
                                                          const JCOEF *blk, int *last_dc, const uint32_t *dc,
                                                          const uint32_t *ac)
{
    s_zz z;
    if (!prep(blk, &z))
        return false;
    uint8_t *p = *pp;
    int diff = blk[0] - *last_dc, n = 0;
    uint32_t bits = 0;
    *last_dc = blk[0];
    if (diff)
        n = s_size(diff, &bits);
    uint32_t e = n <= 11 ? dc[n] : 0;
    if (!e)
        return false;
    p = s_put(b, p, (uint64_t)(e >> 8) << n | bits, (int)(e & 0xFF) + n);
    /* two coefficients a put where the second one follows a run under 16 */
    uint64_t map = z.map & ~UINT64_C(1);
    int last = 0;
    while (map) {
        int k = __builtin_ctzll(map), run = k - last - 1;
        for (; run >= 16; run -= 16)
            p = s_put(b, p, ac[0xF0] >> 6, (int)(ac[0xF0] & 63));
        e = ac[run << 4 | z.size[k]];
        uint64_t v = e >> 6 | z.bits[k];
        int len = (int)(e & 63);
        map &= map - 1;
        last = k;
        if (map) {
            int k2 = __builtin_ctzll(map), run2 = k2 - k - 1;
            if (run2 < 16) {
                e = ac[run2 << 4 | z.size[k2]];
                v = v << (e & 63) | e >> 6 | z.bits[k2];
                len += (int)(e & 63);
                map &= map - 1;
                last = k2;
            }
        }
        p = s_put(b, p, v, len);
    }
    if (last != DCTSIZE2 - 1)
        p = s_put(b, p, ac[0] >> 6, (int)(ac[0] & 63));
    *pp = p;
    return true;
}

/* Hands n bytes of buf to the destination, window by window. */
static void s_write_out(j_compress_ptr c, const uint8_t *buf, size_t n)
{
    struct jpeg_destination_mgr *d = c->dest;
    while (n) {
        size_t k = n < d->free_in_buffer ? n : d->free_in_buffer;
        memcpy(d->next_output_byte, buf, k);
        d->next_output_byte += k;
        d->free_in_buffer -= k;
        buf += k;
        n -= k;
        if (!d->free_in_buffer && !(*d->empty_output_buffer)(c))
            ERREXIT(c, JERR_CANT_SUSPEND);
    }
}

/* Where to write `need` bytes at most: the destination, or the local buffer. */
static uint8_t *s_out_begin(j_compress_ptr c, s_enc *h, size_t need)
{
    h->in_local = c->dest->free_in_buffer < need;
    return h->in_local ? h->local : c->dest->next_output_byte;
}

static void s_out_end(j_compress_ptr c, s_enc *h, uint8_t *p)
{
    struct jpeg_destination_mgr *d = c->dest;
    if (h->in_local) {
        s_write_out(c, h->local, (size_t)(p - h->local));
        return;
    }
    d->free_in_buffer -= (size_t)(p - d->next_output_byte);
    d->next_output_byte = p;
}

static inline __attribute__((always_inline)) boolean s_encode_mcu(j_compress_ptr c, JBLOCKROW *mcu,
                                                                  s_prep_fn prep)
{
    s_enc *h = (s_enc *)(void *)c->entropy;
    uint8_t *p = s_out_begin(c, h, (size_t)c->blocks_in_MCU * S_BLOCK_BYTES + S_MARKER_BYTES);
    s_bits b = h->bits;
    if (c->restart_interval && !h->restarts_to_go) {
        p = s_flush_bits(&b, p);
        p[0] = 0xFF;
        p[1] = (uint8_t)(JPEG_RST0 + h->next_restart);
        p += 2;
        memset(h->last_dc, 0, sizeof h->last_dc);
    }
    int last_dc[MAX_COMPS_IN_SCAN];
    memcpy(last_dc, h->last_dc, sizeof last_dc);
    for (int k = 0; k < c->blocks_in_MCU; k++)
        if (!s_block(prep, &b, &p, mcu[k][0], &last_dc[h->ci_of[k]], h->dc_of[k], h->ac_of[k]))
            s_give_up(c);
    h->bits = b;
    memcpy(h->last_dc, last_dc, sizeof last_dc);
    s_out_end(c, h, p);
    if (c->restart_interval) {
        if (!h->restarts_to_go) {
            h->restarts_to_go = c->restart_interval;
            h->next_restart = (h->next_restart + 1) & 7;
        }
        h->restarts_to_go--;
    }
    return TRUE;
}

static boolean s_encode_mcu_c(j_compress_ptr c, JBLOCKROW *mcu) { return s_encode_mcu(c, mcu, s_prep_c); }

#ifdef S_X86
S_AVX512 static boolean s_encode_mcu_avx512(j_compress_ptr c, JBLOCKROW *mcu)
{
    return s_encode_mcu(c, mcu, s_prep_avx512);
}
#endif

static void s_finish_pass(j_compress_ptr c)
{
    s_enc *h = (s_enc *)(void *)c->entropy;
    uint8_t *p = s_out_begin(c, h, S_MARKER_BYTES);
    s_out_end(c, h, s_flush_bits(&h->bits, p));
}

static void s_start_pass(j_compress_ptr c, boolean gather_statistics)
{
    s_enc *h = (s_enc *)(void *)c->entropy;
    c->entropy = h->library; /* its checks, errors and tables */
    (*h->library->start_pass)(c, gather_statistics);
    if (gather_statistics) /* not ours: the library's for good */
        return;
    bool dc_done[NUM_HUFF_TBLS] = {false}, ac_done[NUM_HUFF_TBLS] = {false}, complete = true;
    for (int ci = 0; ci < c->comps_in_scan; ci++) {
        const jpeg_component_info *comp = c->cur_comp_info[ci];
        int dt = comp->dc_tbl_no, at = comp->ac_tbl_no; /* 0..3 and present, or the library failed */
        if (!dc_done[dt])
            s_codes(c->dc_huff_tbl_ptrs[dt], h->dc[dt]);
        if (!ac_done[at])
            complete &= s_ac_codes(c->ac_huff_tbl_ptrs[at], h->ac[at]);
        dc_done[dt] = ac_done[at] = true;
    }
    if (!complete) /* the coding loop does not look for missing codes: the library's for good */
        return;
    c->entropy = &h->pub;
    for (int k = 0; k < c->blocks_in_MCU; k++) {
        int ci = c->MCU_membership[k];
        h->ci_of[k] = ci;
        h->dc_of[k] = h->dc[c->cur_comp_info[ci]->dc_tbl_no];
        h->ac_of[k] = h->ac[c->cur_comp_info[ci]->ac_tbl_no];
    }
    memset(h->last_dc, 0, sizeof h->last_dc);
    h->bits.acc = 0;
    h->bits.n = 0;
    h->restarts_to_go = c->restart_interval;
    h->next_restart = 0;
}

bool es_huff_encode_install(j_compress_ptr c, es_huff_encode_give_up_fn give_up, es_huff_encode_impl impl)
{
    boolean (*encode)(j_compress_ptr, JBLOCKROW *) = impl == ES_HUFF_ENCODE_PORTABLE ? s_encode_mcu_c : NULL;
#ifdef S_X86
    if (impl == ES_HUFF_ENCODE_FAST && es_cpu_has(ES_CPU_AVX512_BW_CD))
        encode = s_encode_mcu_avx512;
#endif
    if (!encode || !c->entropy || c->progressive_mode || c->arith_code || c->optimize_coding ||
        c->data_precision != 8 || !give_up)
        return false;
    s_enc *h = (*c->mem->alloc_large)((j_common_ptr)c, JPOOL_IMAGE, sizeof *h);
    memset(h, 0, sizeof *h);
    h->library = c->entropy;
    h->give_up = give_up;
    h->pub.start_pass = s_start_pass;
    h->pub.encode_mcu = encode;
    h->pub.finish_pass = s_finish_pass;
    c->entropy = &h->pub;
    return true;
}
