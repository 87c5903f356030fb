/* http_headers_fuzz.c - libFuzzer target for the response header parser.
 *
 * Target Functions: es_http_headers_feed, es_http_headers_get,
 * es_http_headers_get_nth, es_http_headers_count_of (src/aws/http_headers.c).
 *
 * The input is cut into lines at '\n' (as curl delivers them) and fed in
 * order; afterwards every stored field must lie inside the buffer, be
 * NUL-terminated, and up to S_LOOKUPS of them, spread over the list (first
 * and last included), must be found again by a case-insensitive lookup.
 * Looking every field up made each run quadratic in the number of fields
 * (each lookup scans the list): ~2,000 runs/s once inputs had many headers. */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aws/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define S_LOOKUPS 16

/* A stored field is found again by name, in any case, as often as it occurs. */
static void s_check_lookup(const es_http_headers *h, const es_http_field *f)
{
    const char *name = h->buf + f->name_off;
    char upper[256];
    size_t n = f->name_len < sizeof upper - 1 ? f->name_len : sizeof upper - 1;
    for (size_t k = 0; k < n; k++)
        upper[k] = (char)toupper((unsigned char)name[k]);
    upper[n] = '\0';
    size_t count = es_http_headers_count_of(h, name);
    if (count == 0 || !es_http_headers_get(h, name) || !es_http_headers_get_nth(h, name, count - 1) ||
        es_http_headers_get_nth(h, name, count))
        abort();
    if (n == f->name_len && es_http_headers_count_of(h, upper) != count)
        abort();
}

static void s_check(const es_http_headers *h)
{
    size_t stride = h->count / S_LOOKUPS + 1;
    if (h->count > ES_HTTP_HEADERS_MAX_FIELDS || h->used > sizeof h->buf)
        abort();
    for (size_t i = 0; i < h->count; i++) {
        const es_http_field *f = &h->fields[i];
        if ((size_t)f->name_off + f->name_len >= h->used || (size_t)f->value_off + f->value_len >= h->used)
            abort();
        if (h->buf[f->name_off + f->name_len] != '\0' || h->buf[f->value_off + f->value_len] != '\0')
            abort();
        const char *name = h->buf + f->name_off;
        if (strlen(name) != f->name_len || f->name_len == 0)
            abort();
        if (i % stride == 0 || i + 1 == h->count)
            s_check_lookup(h, f);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    es_http_headers *h = malloc(sizeof *h);
    if (!h)
        return 0;
    es_http_headers_reset(h);
    size_t start = 0;
    for (size_t i = 0; i <= size; i++) {
        if (i == size || data[i] == '\n') {
            size_t end = i < size ? i + 1 : i;
            if (end > start) {
                es_err rc = es_http_headers_feed(h, (const char *)data + start, end - start);
                if (rc != ES_OK && rc != ES_ERR_TOO_LARGE)
                    abort();
            }
            start = end;
        }
    }
    s_check(h);
    free(h);
    return 0;
}
