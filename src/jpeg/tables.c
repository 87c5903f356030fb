/* tables.c - the table segments (DQT, DHT, DAC) checked as they pass
 * (tables.h). */
#include "jpeg/tables.h"

#include "jpeg/markers.h"

#define S_LLU(x) ((unsigned long long)(x))

static unsigned s_head_len(uint8_t marker)
{
    return marker == ES_JPEG_M_DHT ? ES_JPEG_DHT_HEAD : marker == ES_JPEG_M_DAC ? 2 : 1;
}

static const char *s_table_name(uint8_t marker)
{
    return marker == ES_JPEG_M_DQT   ? "quantization table"
           : marker == ES_JPEG_M_DHT ? "Huffman table"
                                     : "conditioning table";
}

bool es_jpeg_table_marker(uint8_t marker)
{
    return marker == ES_JPEG_M_DQT || marker == ES_JPEG_M_DHT || marker == ES_JPEG_M_DAC;
}

/* A DHT's rest after a table (or at the start) must be empty or hold at
 * least a whole table header; a DAC's must be whole pairs. */
static es_err s_check_rest(const es_jpeg_table_check *t, es_error *err)
{
    const char *name = es_jpeg_marker_name(t->marker);
    if (t->marker == ES_JPEG_M_DAC && t->tables == 0 && t->left % 2 != 0)
        return es_error_set(err, ES_ERR_JPEG_BAD_LENGTH,
                            "offset %llu: DAC segment declares length %u, but its conditioning tables take 2 "
                            "bytes each",
                            S_LLU(t->at), (unsigned)t->left + 2);
    if (t->marker != ES_JPEG_M_DHT || t->left == 0 || t->left >= ES_JPEG_DHT_HEAD)
        return ES_OK;
    if (t->tables == 0)
        return es_error_set(err, ES_ERR_JPEG_BAD_LENGTH,
                            "offset %llu: %s segment declares length %u, too short for a Huffman table "
                            "(%u bytes + one per code)",
                            S_LLU(t->at), name, (unsigned)t->left + 2, ES_JPEG_DHT_HEAD + 2);
    return es_error_set(err, ES_ERR_JPEG_BAD_LENGTH,
                        "offset %llu: %s segment has %u byte%s after its %u Huffman table%s, fewer than a "
                        "table's %u-byte header: its length does not match its tables",
                        S_LLU(t->at), name, (unsigned)t->left, t->left == 1 ? "" : "s", (unsigned)t->tables,
                        t->tables == 1 ? "" : "s", ES_JPEG_DHT_HEAD);
}

es_err es_jpeg_table_check_begin(es_jpeg_table_check *t, uint8_t marker, uint32_t body, uint64_t at,
                                 es_error *err)
{
    *t = (es_jpeg_table_check){.at = at, .marker = marker, .left = body};
    return s_check_rest(t, err);
}

/* A table's header is complete: checks it and sets how many values follow. */
static es_err s_table_head(es_jpeg_table_check *t, es_error *err)
{
    const char *name = es_jpeg_marker_name(t->marker), *table = s_table_name(t->marker);
    unsigned number = (unsigned)t->tables + 1, id = t->head[0];
    bool bad_id = t->marker == ES_JPEG_M_DQT   ? (id & 0x0F) > 3
                  : t->marker == ES_JPEG_M_DHT ? (id & 0xEF) > 3
                                               : id >= 0x20;
    if (bad_id)
        return es_error_set(err, ES_ERR_JPEG_BAD_MARKER,
                            "offset %llu: %s segment's %s %u has class and destination byte 0x%02X, which no "
                            "decoder accepts (%s)",
                            S_LLU(t->at), name, table, number, id,
                            t->marker == ES_JPEG_M_DQT   ? "destination 0 to 3"
                            : t->marker == ES_JPEG_M_DHT ? "0x00-0x03 or 0x10-0x13"
                                                         : "below 0x20");
    switch (t->marker) {
    case ES_JPEG_M_DQT: { /* 64 values of 1 or 2 bytes; a short last table is read as far as it goes */
        uint32_t size = (id >> 4) ? 128 : 64, left = (id >> 4) ? t->left & ~1u : t->left;
        t->values_left = left < size ? left : size;
        break;
    }
    case ES_JPEG_M_DHT:
        if (t->codes > ES_JPEG_DHT_MAX_CODES || t->codes > t->left)
            return es_error_set(err, ES_ERR_JPEG_BAD_LENGTH,
                                "offset %llu: %s segment's %s %u declares %u codes, but %s", S_LLU(t->at),
                                name, table, number, (unsigned)t->codes,
                                t->codes > ES_JPEG_DHT_MAX_CODES ? "a table has at most 256"
                                                                 : "fewer bytes are left in the segment");
        t->values_left = t->codes;
        break;
    default: /* DAC: a DC table's bounds L (low nibble) <= U (high nibble) */
        if (id < 0x10 && (t->head[1] & 0x0F) > (t->head[1] >> 4))
            return es_error_set(err, ES_ERR_JPEG_BAD_MARKER,
                                "offset %llu: %s segment's %s %u has bounds L %u > U %u, which no decoder accepts",
                                S_LLU(t->at), name, table, number, (unsigned)(t->head[1] & 0x0F),
                                (unsigned)(t->head[1] >> 4));
        break;
    }
    t->codes = 0;
    t->head_got = 0;
    return ES_OK;
}

es_err es_jpeg_table_check_feed(es_jpeg_table_check *t, const uint8_t *p, size_t n, size_t *used, es_error *err)
{
    const uint8_t *start = p;
    unsigned head_len = s_head_len(t->marker);
    *used = 0;
    if (n > t->left)
        return es_error_set(err, ES_ERR_INTERNAL, "table check fed %zu bytes, %u expected", n,
                            (unsigned)t->left);
    while (n > 0) {
        if (t->values_left > 0) {
            uint32_t k = n < t->values_left ? (uint32_t)n : t->values_left;
            t->values_left -= k;
            t->left -= k;
            p += k;
            n -= k;
        } else {
            if (t->head_got < sizeof t->head)
                t->head[t->head_got] = *p;
            if (t->marker == ES_JPEG_M_DHT && t->head_got > 0) /* bytes 1..16 count the codes of each length */
                t->codes = (uint16_t)(t->codes + *p);
            t->head_got++;
            t->left--;
            p++;
            n--;
            *used = (size_t)(p - start);
            if (t->head_got < head_len)
                continue;
            ES_GUARD(s_table_head(t, err));
        }
        *used = (size_t)(p - start);
        if (t->values_left == 0 && t->head_got == 0) {
            t->tables++;
            ES_GUARD(s_check_rest(t, err));
        }
    }
    return ES_OK;
}
