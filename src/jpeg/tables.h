/* tables.h - the table segments (DQT, DHT, DAC) checked as their bytes pass
 * through the stripper, the way libjpeg-turbo reads them (get_dqt, get_dht,
 * get_dac), so that every byte of a kept one is a table a decoder reads:
 *   DQT  tables of a Pq/Tq byte and 64 values (128 bytes when Pq is not 0;
 *        the last may be shorter); Tq (the destination) 0..3;
 *   DHT  tables of a Tc/Th byte (0x00-0x03 or 0x10-0x13), 16 code counts
 *        (at most 256 codes, no more than the bytes left) and one symbol
 *        value per code (T.81 B.2.4.2); 1 to 16 bytes after the last table
 *        are refused;
 *   DAC  pairs of a Tc/Tb byte (below 0x20) and a value; a DC entry's lower
 *        bound (low nibble) may not exceed its upper one; an odd length is
 *        refused.
 * A segment that breaks them is not a table segment: a metadata segment
 * whose marker was damaged into one (APP12 -> DAC is one bit) would carry
 * its contents into the output, and decoders refuse such a file anyway.
 * Bytes inside valid tables are image data: a crafted table (a destination
 * no scan uses) can carry anything, as the entropy-coded data can; only
 * re-encoding (the orientation turn) drops them. */
#ifndef ES_JPEG_TABLES_H
#define ES_JPEG_TABLES_H

#include <stdbool.h>
#include <stdint.h>

#include "exifstrip/error.h"

#define ES_JPEG_DHT_HEAD 17 /* Tc/Th and 16 code counts */
#define ES_JPEG_DHT_MAX_CODES 256

typedef struct es_jpeg_table_check {
    uint64_t at;          /* the segment's offset, for messages */
    uint8_t marker;       /* DQT, DHT or DAC */
    uint8_t head[2];      /* DQT's Pq/Tq, DHT's Tc/Th, DAC's Tc/Tb and value */
    uint8_t head_got;     /* bytes of the current table's header seen */
    uint16_t codes;       /* DHT: the code counts seen so far summed */
    uint32_t left;        /* body bytes still to come */
    uint32_t values_left; /* the current table's values still to come */
    uint32_t tables;      /* tables complete */
} es_jpeg_table_check;

/* Whether segments of this marker are checked (DQT, DHT, DAC). */
bool es_jpeg_table_marker(uint8_t marker);

/* Starts the check of a body of body bytes; fails at once when no table can
 * fill it (a DHT of 1 to 16 bytes, a DAC of odd length). at is the
 * segment's offset (for the message). */
es_err es_jpeg_table_check_begin(es_jpeg_table_check *t, uint8_t marker, uint32_t body, uint64_t at,
                                 es_error *err);

/* Checks the next n bytes of the body (n <= the bytes still to come);
 * ES_ERR_JPEG_BAD_LENGTH (the tables do not fill the length) or
 * ES_ERR_JPEG_BAD_MARKER (a table libjpeg-turbo refuses), naming the offset
 * and the table, on the first inconsistency. *used is how many of the n
 * bytes were read: all of them, or up to and including the one that showed
 * the inconsistency (so a caller passing bytes on can pass the same ones
 * however the body is split into calls). */
es_err es_jpeg_table_check_feed(es_jpeg_table_check *t, const uint8_t *p, size_t n, size_t *used,
                                es_error *err);

#endif
