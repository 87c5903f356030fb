/* zigzag.h - T.81's zigzag order (Figure A.6) as the natural (row-major)
 * position of each zigzag index, shared by the Huffman decoder and encoder.
 * 16-bit entries: the encoder's AVX-512 permutes read its halves as index
 * vectors. Internal to src/orient. */
#ifndef ES_ORIENT_ZIGZAG_H
#define ES_ORIENT_ZIGZAG_H

#include <stdint.h>

/* 64 entries, then 16 more of 63 as jpeg_natural_order has: a decoder that
 * reads past a corrupt block's 64th coefficient stores at 63. */
extern const uint16_t es_zigzag_natural[64 + 16];

#endif
