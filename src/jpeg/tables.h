/* tables.h - the Huffman table segment (DHT) checked against its declared
 * length as its bytes pass through the stripper. Every byte of a DHT body
 * belongs to a table: a 17-byte header (class and destination, then the
 * number of codes of each length 1..16) and one symbol value per code
 * (T.81 B.2.4.2). A body whose tables do not fill it exactly has bytes no
 * decoder reads, which could carry anything through the stripper, so such a
 * segment is refused the way libjpeg-turbo refuses it (get_dht: a table
 * with more than 256 codes or more codes than bytes left, or 1 to 16 bytes
 * after the last table). The DAC check is a length parity, in strip.c. */
#ifndef ES_JPEG_TABLES_H
#define ES_JPEG_TABLES_H

#include <stdint.h>

#include "exifstrip/error.h"

#define ES_JPEG_DHT_HEAD 17 /* Tc/Th and 16 code counts */
#define ES_JPEG_DHT_MAX_CODES 256

typedef struct es_jpeg_dht_check {
    uint64_t at;          /* the segment's offset, for messages */
    uint32_t left;        /* body bytes still to come */
    uint32_t values_left; /* the current table's symbol values still to come */
    uint16_t codes;       /* the code counts of the current table's header summed so far */
    uint8_t head_got;     /* bytes of the current table's header seen (0..16) */
    uint16_t tables;      /* tables complete */
} es_jpeg_dht_check;

/* Starts the check of a DHT body of body bytes; fails at once for a body
 * too short to hold a table (1 to 16 bytes). at is the segment's offset
 * (for the message). */
es_err es_jpeg_dht_check_begin(es_jpeg_dht_check *d, uint32_t body, uint64_t at, es_error *err);

/* Checks the next n bytes of the body (n <= the bytes still to come);
 * ES_ERR_JPEG_BAD_LENGTH, naming the offset and the table, on the first
 * inconsistency. *used is how many of the n bytes were read: all of them,
 * or up to and including the one that showed the inconsistency (so a
 * caller passing bytes on can pass the same ones however the body is split
 * into calls). */
es_err es_jpeg_dht_check_feed(es_jpeg_dht_check *d, const uint8_t *p, size_t n, size_t *used, es_error *err);

#endif
