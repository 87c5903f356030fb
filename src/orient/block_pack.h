/* block_pack.h - one 8x8 block of DCT coefficients to and from the record
 * forms of sparse_coefs.h (a 64-bit mask of the non-zero positions and those
 * coefficients, lowest position first, as 16-bit values or - "narrow" - the
 * DC as 16 bits and the AC values as bytes when they all fit; or nothing, or
 * all 64 values), and moved for a mirror or transposition. Packing also
 * clears the block (the decoder's row buffer is then ready for the next row
 * without a memset). On CPUs with AVX-512 VBMI2 a block's non-zero
 * coefficients are gathered and spread by two compress / expand
 * instructions; with AVX2 (all of which have SSSE3) each row of 8
 * coefficients is moved with one byte shuffle chosen by the row's 8 mask
 * bits instead of one coefficient at a time; elsewhere a portable loop does
 * the same (chosen at run time, block_pack.c). Internal to src/orient (sparse_coefs.c and
 * coef_plane.c). */
#ifndef ES_ORIENT_BLOCK_PACK_H
#define ES_ORIENT_BLOCK_PACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h> /* jpeglib.h needs FILE */

#include <jpeglib.h>

/* JCOEF units past the last value that packing may write and unpacking may
 * read (whole rows of 8 are stored and loaded): a buffer of values needs
 * this much room after its end. */
#define ES_BLOCK_PACK_SLACK 8

/* Bit k set where coefficient k (natural order) is non-zero. */
uint64_t es_block_nonzero(const JCOEF *block);

/* Writes block's record of sparse_coefs.h at record (nothing when every
 * coefficient is zero; the 64 values when ES_SPARSE_DENSE_FROM or more are
 * non-zero, whether they fit a byte or not; otherwise the mask and the
 * non-zero values, narrow when they fit and that is shorter), sets block to
 * zero and returns the record's length in units. record needs room for 64
 * units plus ES_BLOCK_PACK_SLACK. */
size_t es_block_pack(JCOEF *record, JCOEF *block);
typedef size_t (*es_block_pack_fn)(JCOEF *record, JCOEF *block);
/* The length in units of the record es_block_pack would write for block. */
size_t es_block_record_units(const JCOEF *block);
/* The implementation es_block_pack uses here, for a caller's loop over
 * many blocks (one indirect call each instead of a check and two calls). */
es_block_pack_fn es_block_pack_impl(void);

/* The 64 coefficients: values (the record after its mask, units long: the
 * narrow form when that is not the number of bits in mask) at the positions
 * set in mask, lowest first, and zero elsewhere. */
void es_block_unpack(JCOEF *block, uint64_t mask, const JCOEF *values, size_t units);

/* Sign patterns for es_block_move: [0] keeps every sign, [1] negates the
 * odd horizontal frequencies (a left-right mirror), [2] the odd vertical
 * ones (top-bottom), [3] both. Row-major, 0 keeps, -1 negates. */
extern const JCOEF es_block_signs[4][DCTSIZE2];

/* d = s with the signs applied and, when transpose, coefficient (u, v)
 * moved to (v, u): the block's pixels mirrored and/or transposed. */
void es_block_move(JCOEF *d, const JCOEF *s, const JCOEF *signs, bool transpose);

/* es_block_unpack then es_block_move, without the block in between. */
void es_block_unpack_move(JCOEF *d, uint64_t mask, const JCOEF *values, size_t units, const JCOEF *signs,
                          bool transpose);
typedef void (*es_block_unpack_move_fn)(JCOEF *d, uint64_t mask, const JCOEF *values, size_t units,
                                        const JCOEF *signs, bool transpose);
es_block_unpack_move_fn es_block_unpack_move_impl(void); /* as es_block_pack_impl */

/* The portable implementation (the tests' reference). */
size_t es_block_pack_portable(JCOEF *record, JCOEF *block);
void es_block_unpack_portable(JCOEF *block, uint64_t mask, const JCOEF *values, size_t units);
void es_block_unpack_move_portable(JCOEF *d, uint64_t mask, const JCOEF *values, size_t units,
                                   const JCOEF *signs, bool transpose);

typedef void (*es_block_unpack_fn)(JCOEF *block, uint64_t mask, const JCOEF *values, size_t units);
typedef struct es_block_pack_variant {
    const char *name; /* "avx512", "avx2", "portable" */
    es_block_pack_fn pack;
    es_block_unpack_fn unpack;
    es_block_unpack_move_fn unpack_move;
} es_block_pack_variant;

/* Stores the implementations this build has and this CPU runs, fastest
 * (what es_block_pack chooses) first and "portable" last, into out (at most
 * max) and returns how many there are (the tests compare them). */
size_t es_block_pack_variants(es_block_pack_variant *out, size_t max);

/* For tests: makes es_block_pack, es_block_unpack, es_block_unpack_move and
 * their _impl choices use the variant of that name from then on (the whole
 * lossless transform through each implementation); false, nothing changed,
 * for a name es_block_pack_variants does not list. */
bool es_block_pack_use(const char *name);

#endif
