/* tables.c - a DHT body checked against its declared length as it passes
 * (tables.h). */
#include "jpeg/tables.h"

#define S_LLU(x) ((unsigned long long)(x))

/* After a table (or at the start): what is left must be empty or hold at
 * least a whole table header. */
static es_err s_check_rest(const es_jpeg_dht_check *d, es_error *err)
{
    if (d->left == 0 || d->left >= ES_JPEG_DHT_HEAD)
        return ES_OK;
    if (d->tables == 0)
        return es_error_set(err, ES_ERR_JPEG_BAD_LENGTH,
                            "offset %llu: DHT segment declares length %u, too short for a Huffman table "
                            "(%u bytes + one per code)",
                            S_LLU(d->at), (unsigned)d->left + 2, ES_JPEG_DHT_HEAD + 2);
    return es_error_set(err, ES_ERR_JPEG_BAD_LENGTH,
                        "offset %llu: DHT segment has %u byte%s after its %u Huffman table%s, fewer than a "
                        "table's %u-byte header: its length does not match its tables",
                        S_LLU(d->at), (unsigned)d->left, d->left == 1 ? "" : "s", (unsigned)d->tables,
                        d->tables == 1 ? "" : "s", ES_JPEG_DHT_HEAD);
}

es_err es_jpeg_dht_check_begin(es_jpeg_dht_check *d, uint32_t body, uint64_t at, es_error *err)
{
    *d = (es_jpeg_dht_check){.at = at, .left = body};
    return s_check_rest(d, err);
}

es_err es_jpeg_dht_check_feed(es_jpeg_dht_check *d, const uint8_t *p, size_t n, size_t *used, es_error *err)
{
    const uint8_t *start = p;
    *used = 0;
    if (n > d->left)
        return es_error_set(err, ES_ERR_INTERNAL, "DHT check fed %zu bytes, %u expected", n, (unsigned)d->left);
    while (n > 0) {
        if (d->values_left > 0) {
            uint32_t k = n < d->values_left ? (uint32_t)n : d->values_left;
            d->values_left -= k;
            d->left -= k;
            p += k;
            n -= k;
            *used = (size_t)(p - start);
        } else {
            if (d->head_got > 0) /* byte 0 is Tc/Th; 1..16 count the codes of each length */
                d->codes = (uint16_t)(d->codes + *p);
            d->head_got++;
            d->left--;
            p++;
            n--;
            *used = (size_t)(p - start);
            if (d->head_got < ES_JPEG_DHT_HEAD)
                continue;
            if (d->codes > ES_JPEG_DHT_MAX_CODES || d->codes > d->left)
                return es_error_set(err, ES_ERR_JPEG_BAD_LENGTH,
                                    "offset %llu: DHT segment's Huffman table %u declares %u codes, but %s",
                                    S_LLU(d->at), (unsigned)d->tables + 1, (unsigned)d->codes,
                                    d->codes > ES_JPEG_DHT_MAX_CODES ? "a table has at most 256"
                                                                     : "fewer bytes are left in the segment");
            d->values_left = d->codes;
            d->codes = 0;
            d->head_got = 0;
        }
        if (d->values_left == 0 && d->head_got == 0) {
            d->tables++;
            ES_GUARD(s_check_rest(d, err));
        }
    }
    return ES_OK;
}
