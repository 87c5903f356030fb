/* huff_decode.h - a faster baseline-sequential Huffman decoder (T.81 F.2.2)
 * put in the place of libjpeg-turbo's (jdhuff.c) inside a decompressor that
 * reads a memory source (jpeg_mem_src) with jpeg_read_coefficients. It
 * decodes only what it fully supports - every code valid, every needed bit
 * before the next marker, each restart interval ending in its expected RSTn
 * right after the data, the scan ending right before a marker - and then
 * produces exactly the coefficients libjpeg-turbo's decoder would, without a
 * warning from either. On anything else (a bad code, data cut short by a
 * marker or the end, bytes between the data and a marker, FF FF 00, a wrong
 * RSTn) it calls the give-up function (the MCU's blocks may hold part of
 * their coefficients then), which must not return: it longjmps out of
 * libjpeg, and the caller decodes again with libjpeg-turbo's decoder.
 * Internal to src/orient. */
#ifndef ES_ORIENT_HUFF_DECODE_H
#define ES_ORIENT_HUFF_DECODE_H

#include <stdbool.h>
#include <stdio.h> /* jpeglib.h needs FILE */

#include <jpeglib.h>

typedef void (*es_huff_give_up_fn)(j_decompress_ptr d);

/* Replaces d->entropy, libjpeg-turbo's sequential Huffman decoder, with this
 * one (allocated in d's image pool). Call it where jpeg_read_coefficients
 * has set the entropy decoder and not yet started the first scan: from a
 * wrapped request_virt_barray (jinit_d_coef_controller runs after
 * jinit_huff_decoder, jdtrans.c). False (nothing changed) for a progressive,
 * arithmetic-coded or not 8-bit source, or when no decoder is set. The
 * library's start_pass still runs first for every scan (its checks and
 * warnings stay). d's source must hold the rest of the input in memory. */
bool es_huff_decode_install(j_decompress_ptr d, es_huff_give_up_fn give_up);

/* How many times es_huff_decode_install has put the decoder in since the
 * process started (any thread): lets tests tell which decoder a transform
 * ran, which its output cannot. */
unsigned long es_huff_decode_installs(void);

#endif
