/* tiff.c - the TIFF header reader of tiff.h. */
#include "jpeg/tiff.h"

es_err es_jpeg_tiff_header(es_jpeg_cursor *tiff, bool *le, uint32_t *ifd0)
{
    uint8_t b0, b1;
    uint16_t magic;
    ES_GUARD(es_jpeg_cursor_read_u8(tiff, &b0));
    ES_GUARD(es_jpeg_cursor_read_u8(tiff, &b1));
    ES_ENSURE(b0 == b1 && (b0 == 'I' || b0 == 'M'), ES_ERR_INVALID_ARG);
    *le = b0 == 'I';
    ES_GUARD(es_jpeg_cursor_read_u16(tiff, *le, &magic));
    ES_ENSURE(magic == 42, ES_ERR_INVALID_ARG);
    return es_jpeg_cursor_read_u32(tiff, *le, ifd0);
}
