/* huff_encode.h - a faster baseline-sequential Huffman encoder (T.81 F.1.2)
 * put in the place of libjpeg-turbo's encode_mcu_huff (jchuff.c) inside a
 * compressor, for a sequential output coded with the tables it has (not
 * optimised: no statistics pass). It writes exactly the bytes libjpeg-turbo
 * 2.1 writes (the same canonical codes, 0xFF stuffing, padding with 1-bits
 * before each RSTn and at the end, DC predictions reset at each RSTn) for
 * every block whose values the tables can code: a DC difference of at most
 * 11 bits, AC values of at most 10 bits (T.81's limits for 8-bit samples),
 * each symbol it needs present in its table. On any other block (libjpeg-
 * turbo writes bits no decoder reads back there) it calls the give-up
 * function, which must not return: it longjmps out of libjpeg, and the
 * caller compresses again with libjpeg-turbo's encoder. Internal to src/orient. */
#ifndef ES_ORIENT_HUFF_ENCODE_H
#define ES_ORIENT_HUFF_ENCODE_H

#include <stdbool.h>
#include <stdio.h> /* jpeglib.h needs FILE */

#include <jpeglib.h>

typedef void (*es_huff_encode_give_up_fn)(j_compress_ptr c);

typedef enum es_huff_encode_impl {
    ES_HUFF_ENCODE_FAST,     /* AVX-512 (BW and CD) when the CPU has it, else none: libjpeg-turbo's
                                SIMD encoder is faster than this one's C */
    ES_HUFF_ENCODE_PORTABLE, /* C only, on any CPU (tests: the same bytes) */
} es_huff_encode_impl;

/* Replaces c->entropy, libjpeg-turbo's Huffman encoder, with this one
 * (allocated in c's image pool). Call it after jpeg_write_coefficients (or
 * jpeg_start_compress) and before the first pass starts (jpeg_finish_compress
 * / the first write). False (nothing changed) for a progressive,
 * arithmetic-coded, optimised-table or not 8-bit output, when no encoder
 * is set, or for ES_HUFF_ENCODE_FAST on a CPU without AVX-512 BW and CD. The library's start_pass still runs first for every scan (its table
 * checks and errors stay). */
bool es_huff_encode_install(j_compress_ptr c, es_huff_encode_give_up_fn give_up, es_huff_encode_impl impl);

#endif
