/* jpeg_audit_fuzz.c - fuzz target for the streaming privacy audit.
 *
 * Target Functions: es_jpeg_audit_new, es_jpeg_audit_feed, es_jpeg_audit_finish,
 * es_jpeg_audit_items, es_jpeg_exif_peek (IFD0 and the IFD1 link, through
 * Exif segments), es_jpeg_describe (the trailer look).
 *
 * Each input is audited in one piece and once more in three chunks cut at
 * points derived from the input (each chunk a private heap copy, so a read
 * past it or a pointer kept after the feed trips ASan); both must agree on
 * status, reason, stats and the trailer look. The trailer look must equal
 * es_jpeg_describe on the bytes after EOI as the stripper's segment report
 * locates them, and the items must be consistent with the stats (each kind
 * item has bytes, a refused input has none). Any disagreement aborts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../jpeg/strip_util.h"
#include "exifstrip/jpeg_audit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void s_die(const char *what)
{
    fprintf(stderr, "jpeg_audit_fuzz: %s\n", what);
    abort();
}

static uint32_t s_hash(const uint8_t *data, size_t size)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < size; i++)
        h = (h ^ data[i]) * 16777619u;
    return h;
}

static void s_audit(const uint8_t *data, size_t size, const size_t *cuts, size_t ncuts, es_jpeg_audit_result *r)
{
    es_jpeg_audit *a = es_jpeg_audit_new(NULL);
    if (!a)
        s_die("out of memory");
    size_t pos = 0;
    for (size_t i = 0; i <= ncuts; i++) {
        size_t end = i < ncuts ? cuts[i] : size;
        if (end < pos)
            end = pos;
        uint8_t *chunk = malloc(end - pos ? end - pos : 1);
        if (!chunk)
            s_die("out of memory");
        memcpy(chunk, data + pos, end - pos);
        (void)es_jpeg_audit_feed(a, chunk, end - pos);
        free(chunk);
        pos = end;
    }
    (void)es_jpeg_audit_finish(a, r);
    es_jpeg_audit_free(a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint32_t h = s_hash(data, size);
    es_jpeg_audit_result one, split;
    s_audit(data, size, NULL, 0, &one);
    size_t cuts[2] = {size ? h % (size + 1) : 0, size ? (h >> 16) % (size + 1) : 0};
    if (cuts[1] < cuts[0]) {
        size_t t = cuts[0];
        cuts[0] = cuts[1];
        cuts[1] = t;
    }
    s_audit(data, size, cuts, 2, &split);
    if (one.status != split.status || strcmp(one.reason, split.reason) != 0)
        s_die("split feeding changes the verdict");
    if (!es_tj_same_stats(&one.stats, &split.stats, one.status != ES_OK))
        s_die("split feeding changes the stats");
    if (one.has_trailer != split.has_trailer || one.trailer != split.trailer)
        s_die("split feeding changes the trailer look");

    /* The trailer look, from the bytes the stripper reports as the trailer. */
    es_tj_result strip;
    uint64_t trailer = 0;
    es_tj_strip(NULL, data, size, es_tj_oneshot(), &strip);
    bool seen = es_tj_trailer_offset(&strip, &trailer);
    if (strip.rc != one.status || (one.status == ES_OK && seen != one.has_trailer))
        s_die("the audit and the stripper disagree");
    es_tj_result_free(&strip);
    if (one.has_trailer) {
        if (trailer > size)
            s_die("a trailer outside the input");
        es_jpeg_description d;
        es_jpeg_describe(ES_JPEG_KIND_TRAILER, data + trailer, size - (size_t)trailer, &d);
        if (d.trailer != one.trailer)
            s_die("the trailer look differs from es_jpeg_describe's");
    }

    es_jpeg_audit_item items[ES_JPEG_AUDIT_MAX_ITEMS];
    size_t n = es_jpeg_audit_items(&one, items);
    if (one.status != ES_OK && n != 0)
        s_die("items for a refused input");
    for (size_t i = 0; i < n; i++)
        if (!items[i].name || !items[i].text ||
            (strcmp(items[i].name, "gps") && strcmp(items[i].name, "exif-thumbnail") && items[i].bytes == 0))
            s_die("an item without its name, text or bytes");
    return 0;
}
