/* inspect.c - `exifstrip inspect`: runs the stripper in parse-only mode with a
 * segment observer and reports every segment (offset, length, kind, keep or
 * REMOVE, or TRIM for a kept segment reduced to its header), what the trailer
 * looks like, an EXIF summary (libexif on the Exif segment, read back with
 * pread) and what strip's --orientation mode would do, as text or JSON Lines
 * (jansson). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "cli/commands.h"
#include "cli/exif_summary.h"
#include "cli/orientation.h"
#include "cli/format.h"
#include "cli/stream.h"
#include "exifstrip/jpeg.h"
#include "exifstrip/jpeg_describe.h"

/* Segments listed per file; more are counted but not kept. */
#define S_MAX_SEGMENTS 100000

static const char s_usage_text[] =
    "usage: exifstrip inspect [options] FILE...\n"
    "\n"
    "Lists every segment of each JPEG FILE ('-' = stdin): offset, length, marker,\n"
    "kind, detail and whether 'exifstrip strip' would keep it, REMOVE it, or TRIM\n"
    "it (keep only its header: a JFIF thumbnail, bytes after the Adobe header), or\n"
    "SCRUB it (an ICC profile kept with its text, device data and date zeroed:\n"
    "the detail says which tags), then what the EXIF data reveals (GPS position,\n"
    "orientation, camera make/model, capture time, thumbnail), how many bytes\n"
    "stripping would remove and, apart from them, how many it would zero.\n"
    "\n"
    "options:\n"
    "      --json            one JSON object per file, one per line (JSON Lines)\n"
    "      --keep-icc        judge ICC profiles as kept (default)\n"
    "      --drop-icc        judge ICC profiles as removed\n"
    "      --keep-comments   judge COM segments as kept (default: removed)\n"
    "      --orientation MODE  judge as 'strip --orientation MODE' (apply, the\n"
    "                        default; keep: the Exif holding the tag is reduced\n"
    "                        to that tag; drop)\n"
    "      --max-pixels N    as strip's (default EXIFSTRIP_MAX_PIXELS, else\n"
    "                        100000000): apply keeps the tag for larger photos\n"
    "  -h, --help            show this help\n"
    "\n"
    "exit status: 0 every file is a JPEG strip accepts; 2 at least one file would\n"
    "be refused ('path: reason' on stderr); 1 usage or I/O error.\n";

typedef struct s_segs {
    es_jpeg_segment *v;
    size_t n, cap;
    uint64_t dropped;
} s_segs;

typedef struct s_file {
    const char *path;  /* as given ("<stdin>" for "-"): the JSON's "file" */
    const char *shown; /* as the text report and messages show it (es_cli_shown_path) */
    int fd;
    es_error failure; /* code ES_OK, or why the file was refused or failed */
    es_cli_input info;
    s_segs segs;
    bool have_exif;
    es_cli_exif exif;
    es_cli_orientation orient;
    uint64_t would_remove, would_scrub, trailer;
} s_file;

static void s_collect(void *ctx, const es_jpeg_segment *seg)
{
    s_segs *s = ctx;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        es_jpeg_segment *v = s->n < S_MAX_SEGMENTS ? realloc(s->v, cap * sizeof *v) : NULL;
        if (!v) {
            s->dropped++;
            return;
        }
        s->v = v;
        s->cap = cap;
    }
    s->v[s->n++] = *seg;
}

static bool s_pread(int fd, uint64_t off, void *buf, size_t len)
{
    return pread(fd, buf, len, (off_t)off) == (ssize_t)len;
}

/* Where a marker segment's payload (after the length field) starts and how
 * long it is (src/jpeg decodes the marker and length field). Any number of
 * 0xFF fill bytes may precede the marker, more than the head src/jpeg looks
 * at: they are skipped here first. */
static bool s_payload(int fd, const es_jpeg_segment *g, uint64_t *off, size_t *len)
{
    uint8_t head[ES_JPEG_SEGMENT_HEAD];
    es_jpeg_segment at = *g;
    for (;;) {
        size_t n = at.length < sizeof head ? (size_t)at.length : sizeof head;
        if (!s_pread(fd, at.offset, head, n))
            return false;
        size_t fill = 0;
        while (fill + 1 < n && head[fill] == 0xFF && head[fill + 1] == 0xFF)
            fill++;
        if (fill == 0)
            return es_jpeg_segment_payload(&at, head, n, off, len);
        at.offset += fill;
        at.length -= fill;
    }
}

/* Reads back the first bytes src/jpeg needs and lets it describe the segment. */
static bool s_describe(int fd, const es_jpeg_segment *g, es_jpeg_description *d)
{
    uint8_t p[ES_JPEG_DESCRIBE_PEEK];
    uint64_t off = g->offset;
    size_t len = g->length < ES_JPEG_TRAILER_PEEK ? (size_t)g->length : ES_JPEG_TRAILER_PEEK;
    if (g->kind != ES_JPEG_KIND_TRAILER && !s_payload(fd, g, &off, &len))
        len = 0;
    if (len > sizeof p)
        len = sizeof p;
    if (len && !s_pread(fd, off, p, len))
        len = 0;
    es_jpeg_describe(g->kind, p, len, d);
    return d->known;
}

/* A human description of a segment beyond its identifier (may be ""). */
static void s_detail(int fd, const es_jpeg_segment *g, char *buf, size_t cap)
{
    es_jpeg_description d;
    bool known = s_describe(fd, g, &d);
    snprintf(buf, cap, "%s", g->ident);
    if (g->kind == ES_JPEG_KIND_XMP)
        snprintf(buf, cap, "XMP packet");
    else if (g->kind == ES_JPEG_KIND_COMMENT)
        snprintf(buf, cap, "comment");
    if (!known)
        return;
    switch (g->kind) {
    case ES_JPEG_KIND_TRAILER: snprintf(buf, cap, "%s", es_jpeg_trailer_look_text(d.trailer)); break;
    case ES_JPEG_KIND_JFIF:
        snprintf(buf, cap, "JFIF %u.%02u, thumbnail %ux%u", d.jfif_major, d.jfif_minor, d.jfif_thumb_width,
                 d.jfif_thumb_height);
        break;
    case ES_JPEG_KIND_ADOBE: snprintf(buf, cap, "Adobe, transform %u", d.adobe_transform); break;
    case ES_JPEG_KIND_ICC: {
        int n = snprintf(buf, cap, "ICC_PROFILE chunk %u/%u", d.icc_chunk, d.icc_chunks);
        size_t at = n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap;
        if (g->icc_note)
            snprintf(buf + at, cap - at, ": %s", g->icc_note);
        else if (g->icc.done)
            snprintf(buf + at, cap - at, ", scrubbed: %u of %u tags kept%s%s; removed %u%s%s%s", g->icc.kept,
                     g->icc.tags, g->icc.blanked ? "; emptied " : "", g->icc.blanked_tags, g->icc.removed,
                     g->icc.removed ? " (" : "", g->icc.removed_tags, g->icc.removed ? ")" : "");
        break;
    }
    case ES_JPEG_KIND_FRAME:
        snprintf(buf, cap, "%ux%u, %u components, %u-bit", d.frame_width, d.frame_height, d.frame_components,
                 d.frame_precision);
        break;
    case ES_JPEG_KIND_SCAN: snprintf(buf, cap, "%u components", d.scan_components); break;
    case ES_JPEG_KIND_XMP_EXT:
        snprintf(buf, cap, "extended XMP @%u of %u", (unsigned)d.xmp_ext_offset, (unsigned)d.xmp_ext_total);
        break;
    default: break;
    }
}

/* Reads a segment's payload into a malloc'd buffer (NULL when unreadable). */
static uint8_t *s_read_payload(int fd, const es_jpeg_segment *g, size_t max, size_t *len)
{
    uint64_t off;
    if (!s_payload(fd, g, &off, len) || *len > max)
        return NULL;
    uint8_t *p = malloc(*len ? *len : 1);
    if (p && !s_pread(fd, off, p, *len)) {
        free(p);
        return NULL;
    }
    return p;
}

/* Adds to base what it lacks and a later Exif segment has: a GPS position,
 * a thumbnail, the camera and time (some readers take them from any Exif
 * segment; the orientation stays the first one's, as strip reads it). */
static void s_exif_merge(es_cli_exif *base, const es_cli_exif *later)
{
    base->parsed |= later->parsed;
    if (!base->gps && later->gps) {
        base->gps = true;
        base->has_position = later->has_position;
        base->latitude = later->latitude;
        base->longitude = later->longitude;
    }
    if (!base->make[0])
        memcpy(base->make, later->make, sizeof base->make);
    if (!base->model[0])
        memcpy(base->model, later->model, sizeof base->model);
    if (!base->datetime_original[0])
        memcpy(base->datetime_original, later->datetime_original, sizeof base->datetime_original);
    if (!base->thumbnail_bytes)
        base->thumbnail_bytes = later->thumbnail_bytes;
}

/* Reads every Exif segment back and summarises them: the first one's
 * fields, and what it lacks from the later ones (s_exif_merge). One that
 * cannot be read back or summarised (no memory, a read error) fails the
 * file: the report would say less than the photo holds. */
static void s_read_exif(s_file *f)
{
    for (size_t i = 0; i < f->segs.n; i++) {
        const es_jpeg_segment *g = &f->segs.v[i];
        size_t len;
        if (g->kind != ES_JPEG_KIND_EXIF)
            continue;
        uint8_t *p = s_read_payload(f->fd, g, ES_CLI_EXIF_MAX, &len);
        es_cli_exif later;
        if (p)
            es_cli_exif_summarize(p, len, f->have_exif ? &later : &f->exif);
        bool unread = !p || (f->have_exif ? later.unread : f->exif.unread);
        free(p);
        if (unread) {
            if (f->failure.code == ES_OK)
                es_error_set(&f->failure, ES_ERR_NOMEM,
                             "offset %llu: cannot read the Exif segment back (out of memory, or a read error)",
                             (unsigned long long)g->offset);
            return;
        }
        if (f->have_exif)
            s_exif_merge(&f->exif, &later);
        f->have_exif = true;
    }
}

/* What strip --orientation MODE would do: first Exif + frame header. When it
 * keeps the tag, the Exif segment it reads the tag from shows as reduced to
 * the minimal tag segment strip writes back (after JFIF, wherever this one is):
 * a TRIM, or keep when it is no longer than that. */
static void s_read_orientation(const es_orient_config *cfg, s_file *f)
{
    es_jpeg_segment *exif = NULL;
    const es_jpeg_segment *frame = NULL;
    for (size_t i = 0; i < f->segs.n && f->segs.v[i].kind != ES_JPEG_KIND_SCAN; i++) {
        es_jpeg_segment *g = &f->segs.v[i];
        if (g->kind == ES_JPEG_KIND_EXIF && !exif && g->offset + g->length <= ES_ORIENT_DECIDE_CAP)
            exif = g; /* strip reads the tag only within that cap */
        if (f->segs.v[i].kind == ES_JPEG_KIND_FRAME && !frame)
            frame = &f->segs.v[i];
    }
    size_t exif_len = 0, sof_len = 0;
    uint8_t *e = exif ? s_read_payload(f->fd, exif, ES_CLI_EXIF_MAX, &exif_len) : NULL;
    uint8_t *sof = frame ? s_read_payload(f->fd, frame, 1024, &sof_len) : NULL;
    if ((exif && !e) || (frame && !sof)) { /* the plan would say less than the photo holds */
        if (f->failure.code == ES_OK)
            es_error_set(&f->failure, ES_ERR_NOMEM,
                         "offset %llu: cannot read the %s back for the orientation (out of memory, or a read "
                         "error)",
                         (unsigned long long)(exif && !e ? exif->offset : frame->offset),
                         exif && !e ? "Exif segment" : "frame header");
        free(e);
        free(sof);
        return;
    }
    es_cli_orientation_plan(cfg, e, exif_len, frame ? frame->marker : 0, sof, sof_len,
                            frame ? frame->offset + frame->length : 0, f->info.bytes, &f->orient);
    free(e);
    free(sof);
    if (exif && es_cli_orientation_keeps_tag(&f->orient)) {
        exif->kept = true;
        exif->removed = exif->length > ES_ORIENT_TAG_SEGMENT_LEN ? exif->length - ES_ORIENT_TAG_SEGMENT_LEN : 0;
    }
}

/* Copies in (stdin, a FIFO, a device) into an unlinked temporary file so
 * segments can be read back; the temporary file's descriptor, or -1. */
static int s_spool(int in)
{
    const char *tmpdir = getenv("TMPDIR");
    char path[4096];
    static uint8_t buf[64 * 1024];
    snprintf(path, sizeof path, "%s/exifstrip-inspect-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
    int fd = mkostemp(path, O_CLOEXEC);
    if (fd < 0)
        return -1;
    unlink(path);
    for (;;) {
        ssize_t n = read(in, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0 || write(fd, buf, (size_t)n) != n) {
            if (n == 0 && lseek(fd, 0, SEEK_SET) == 0)
                return fd;
            close(fd);
            return -1;
        }
    }
}

/* The file to inspect, readable at any offset: a regular file as it is, stdin
 * ("-") and any other kind (a FIFO, a process substitution) spooled first. */
static int s_open(const char *path, es_error *err)
{
    int fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : s_spool(STDIN_FILENO);
    struct stat st;
    if (fd < 0) {
        es_error_set(err, ES_ERR_IO, "cannot open: %s", strerror(errno));
        return -1;
    }
    bool stat_ok = fstat(fd, &st) == 0;
    if (!stat_ok || S_ISDIR(st.st_mode)) {
        es_error_set(err, ES_ERR_INVALID_ARG, "%s", stat_ok ? "is a directory" : strerror(errno));
        close(fd);
        return -1;
    }
    if (strcmp(path, "-") && !S_ISREG(st.st_mode)) {
        int spooled = s_spool(fd);
        int saved = errno;
        close(fd);
        if (spooled < 0) {
            es_error_set(err, ES_ERR_IO, "cannot read: %s", strerror(saved));
            return -1;
        }
        fd = spooled;
    }
    return fd;
}

static void s_analyse(const es_jpeg_policy *policy, const es_orient_config *orient, s_file *f)
{
    es_jpeg_stripper *s = es_jpeg_stripper_new(policy, NULL, NULL);
    if (!s) {
        es_cli_failure_reason(NULL, ES_ERR_NOMEM, &f->info, &f->failure);
        return;
    }
    es_jpeg_stripper_on_segment(s, s_collect, &f->segs);
    es_err rc = es_cli_pump(s, f->fd, &f->info);
    if (rc != ES_OK)
        es_cli_failure_reason(es_jpeg_stripper_error(s), rc, &f->info, &f->failure);
    es_jpeg_stripper_free(s);
    s_read_exif(f);
    s_read_orientation(orient, f);
    for (size_t i = 0; i < f->segs.n; i++) {
        const es_jpeg_segment *g = &f->segs.v[i];
        f->would_remove += g->kept ? g->removed : g->length;
        f->would_scrub += g->kept ? g->scrubbed : 0;
        if (g->kind == ES_JPEG_KIND_TRAILER)
            f->trailer += g->length;
    }
}

static void s_print_exif(const es_cli_exif *e)
{
    printf("  exif:");
    if (!e->parsed) {
        printf(" unreadable by libexif\n");
        return;
    }
    if (e->has_position)
        printf(" GPS %.6f, %.6f;", e->latitude, e->longitude);
    else
        printf(" GPS %s;", e->gps ? "present (no position)" : "none");
    if (e->orientation)
        printf(" orientation %d;", e->orientation);
    if (e->make[0])
        printf(" make \"%s\";", e->make);
    if (e->model[0])
        printf(" model \"%s\";", e->model);
    if (e->datetime_original[0])
        printf(" taken %s;", e->datetime_original);
    char size[32];
    es_cli_human_size(e->thumbnail_bytes, size, sizeof size);
    printf(" thumbnail %s\n", e->thumbnail_bytes ? size : "none");
}

/* The MARKER column: the marker's name, or `none` for the trailer (no marker). */
static const char *s_marker(const es_jpeg_segment *g, const char *none)
{
    return g->kind == ES_JPEG_KIND_TRAILER ? none : es_jpeg_marker_name(g->marker);
}

/* keep, REMOVE, TRIM (kept, reduced to its header, or an ICC chunk cut at
 * the profile's end), or SCRUB (kept with the same length, bytes zeroed: ICC). */
static const char *s_action(const es_jpeg_segment *g, bool upper)
{
    if (!g->kept)
        return upper ? "REMOVE" : "remove";
    if (g->removed)
        return upper ? "TRIM" : "trim";
    return g->scrubbed ? (upper ? "SCRUB" : "scrub") : "keep";
}

static void s_print_text(const s_file *f)
{
    char detail[192], size[32];
    printf("%s: %llu bytes\n", f->shown, (unsigned long long)f->info.bytes);
    printf("  %10s %10s  %-7s %-10s %-34s %s\n", "OFFSET", "LENGTH", "MARKER", "KIND", "DETAIL", "ACTION");
    for (size_t i = 0; i < f->segs.n; i++) {
        const es_jpeg_segment *g = &f->segs.v[i];
        s_detail(f->fd, g, detail, sizeof detail);
        printf("  %10llu %10llu  %-7s %-10s %-34s %s", (unsigned long long)g->offset,
               (unsigned long long)g->length, s_marker(g, "-"), es_jpeg_kind_name(g->kind), detail,
               s_action(g, true));
        if (g->kept && g->removed)
            printf(" (remove %llu bytes)", (unsigned long long)g->removed);
        if (g->kept && g->scrubbed)
            printf(" (zero %llu bytes)", (unsigned long long)g->scrubbed);
        putchar('\n');
    }
    if (f->segs.dropped)
        printf("  ... %llu more segments not listed\n", (unsigned long long)f->segs.dropped);
    if (f->have_exif)
        s_print_exif(&f->exif);
    char orient[256];
    es_cli_orientation_text(&f->orient, orient, sizeof orient);
    printf("  orientation: %s\n", orient);
    es_cli_human_size(f->would_remove, size, sizeof size);
    printf("  would remove: %s (%llu bytes", size, (unsigned long long)f->would_remove);
    if (f->info.bytes)
        printf(", %.1f%%", 100.0 * (double)f->would_remove / (double)f->info.bytes);
    printf(")%s\n", f->trailer ? ", including the trailer" : "");
    if (f->would_scrub)
        printf("  would zero: %llu bytes of ICC profile text and device data (kept, same length)\n",
               (unsigned long long)f->would_scrub);
    if (f->failure.code != ES_OK)
        printf("  REFUSED: %s\n", f->failure.msg);
}

/* A JSON string from arbitrary bytes (non-UTF-8 input becomes '?'). */
static json_t *s_jstr(const char *s)
{
    json_t *j = json_string(s);
    if (j)
        return j;
    char *copy = strdup(s);
    if (!copy)
        return json_null();
    for (char *p = copy; *p; p++)
        if ((unsigned char)*p >= 0x80 || (unsigned char)*p < 0x20)
            *p = '?';
    j = json_string(copy);
    free(copy);
    return j ? j : json_null();
}

static json_t *s_jstr_or_null(const char *s) { return *s ? s_jstr(s) : json_null(); }

static json_t *s_exif_json(const es_cli_exif *e)
{
    json_t *o = json_object();
    json_object_set_new(o, "parsed", json_boolean(e->parsed));
    json_object_set_new(o, "gps", json_boolean(e->gps));
    if (e->has_position) {
        json_object_set_new(o, "latitude", json_real(e->latitude));
        json_object_set_new(o, "longitude", json_real(e->longitude));
    }
    json_object_set_new(o, "orientation", e->orientation ? json_integer(e->orientation) : json_null());
    json_object_set_new(o, "make", s_jstr_or_null(e->make));
    json_object_set_new(o, "model", s_jstr_or_null(e->model));
    json_object_set_new(o, "datetime_original", s_jstr_or_null(e->datetime_original));
    json_object_set_new(o, "thumbnail_bytes", json_integer(e->thumbnail_bytes));
    return o;
}

/* The action strip would take: the operation, keep_tag, drop_tag or none. */
static const char *s_orientation_action(const es_cli_orientation *o)
{
    if (es_cli_orientation_turns(o))
        return es_orient_op_name(o->plan.op);
    if (es_cli_orientation_keeps_tag(o))
        return "keep_tag";
    return o->tag >= 2 && o->mode == ES_ORIENT_DROP ? "drop_tag" : "none";
}

/* {"tag": 6, "action": "rotate90", "trim": {"left": 5, "top": 0, "width": .., "height": ..}} */
static json_t *s_orientation_json(const es_cli_orientation *o)
{
    json_t *j = json_object();
    const es_orient_plan *p = &o->plan;
    bool turn = es_cli_orientation_turns(o);
    json_object_set_new(j, "tag", o->tag > 0 ? json_integer(o->tag) : json_null());
    json_object_set_new(j, "action", json_string(s_orientation_action(o)));
    if (turn) {
        json_t *t = json_object();
        json_object_set_new(t, "left", json_integer(p->trim_left));
        json_object_set_new(t, "top", json_integer(p->trim_top));
        json_object_set_new(t, "width", json_integer(p->out_width));
        json_object_set_new(t, "height", json_integer(p->out_height));
        json_object_set_new(j, "trim", t);
    } else {
        json_object_set_new(j, "trim", json_null());
    }
    const char *why = o->tag < 0 ? o->why : o->tag >= 2 && p->fallback[0] ? p->fallback : NULL;
    json_object_set_new(j, "reason", why ? s_jstr(why) : json_null());
    return j;
}

static void s_print_json(const s_file *f)
{
    json_t *o = json_object(), *segs = json_array();
    char detail[192];
    json_object_set_new(o, "file", s_jstr(f->path));
    json_object_set_new(o, "ok", json_boolean(f->failure.code == ES_OK));
    json_object_set_new(o, "error", f->failure.code == ES_OK ? json_null() : s_jstr(f->failure.msg));
    json_object_set_new(o, "error_code",
                        f->failure.code == ES_OK ? json_null() : json_string(es_errname(f->failure.code)));
    json_object_set_new(o, "bytes", json_integer((json_int_t)f->info.bytes));
    for (size_t i = 0; i < f->segs.n; i++) {
        const es_jpeg_segment *g = &f->segs.v[i];
        json_t *s = json_object();
        s_detail(f->fd, g, detail, sizeof detail);
        json_object_set_new(s, "marker", json_string(s_marker(g, "trailer")));
        json_object_set_new(s, "offset", json_integer((json_int_t)g->offset));
        json_object_set_new(s, "length", json_integer((json_int_t)g->length));
        json_object_set_new(s, "kind", json_string(es_jpeg_kind_name(g->kind)));
        json_object_set_new(s, "ident", s_jstr(g->ident));
        json_object_set_new(s, "detail", s_jstr(detail));
        json_object_set_new(s, "action", json_string(s_action(g, false)));
        json_object_set_new(s, "removed_bytes", json_integer((json_int_t)(g->kept ? g->removed : g->length)));
        json_object_set_new(s, "scrubbed_bytes", json_integer((json_int_t)(g->kept ? g->scrubbed : 0)));
        if (g->icc_note)
            json_object_set_new(s, "icc_note", json_string(g->icc_note));
        if (g->icc.done)
            json_object_set_new(s, "icc_scrub",
                                json_pack("{s:i, s:i, s:s, s:i, s:s}", "tags", (int)g->icc.tags, "kept",
                                          (int)g->icc.kept, "emptied", g->icc.blanked_tags, "removed",
                                          (int)g->icc.removed, "removed_tags", g->icc.removed_tags));
        json_array_append_new(segs, s);
    }
    json_object_set_new(o, "segments", segs);
    if (f->segs.dropped)
        json_object_set_new(o, "segments_not_listed", json_integer((json_int_t)f->segs.dropped));
    json_object_set_new(o, "exif", f->have_exif ? s_exif_json(&f->exif) : json_null());
    json_object_set_new(o, "orientation", s_orientation_json(&f->orient));
    json_object_set_new(o, "would_remove_bytes", json_integer((json_int_t)f->would_remove));
    json_object_set_new(o, "would_scrub_bytes", json_integer((json_int_t)f->would_scrub));
    json_object_set_new(o, "trailer_bytes", json_integer((json_int_t)f->trailer));
    json_dumpf(o, stdout, JSON_COMPACT | JSON_ENSURE_ASCII);
    fputc('\n', stdout);
    json_decref(o);
}

/* How inspect judges: as strip with the same options would. */
typedef struct s_opts {
    es_jpeg_policy policy;
    es_orient_config orient;
    bool json;
} s_opts;

/* Returns the file's exit status contribution (OK, REFUSED or FAILURE). */
static int s_inspect_one(const s_opts *o, const char *path)
{
    char buf[ES_CLI_SHOWN_SIZE];
    s_file f = {.path = strcmp(path, "-") ? path : "<stdin>"};
    const char *shown = es_cli_shown_path(f.path, buf, sizeof buf);
    f.shown = shown;
    es_error err;
    es_error_clear(&err);
    f.fd = s_open(path, &err);
    if (f.fd < 0) {
        fprintf(stderr, "%s: %s\n", shown, err.msg);
        return ES_EXIT_FAILURE;
    }
    s_analyse(&o->policy, &o->orient, &f);
    if (o->json)
        s_print_json(&f);
    else
        s_print_text(&f);
    fflush(stdout);
    close(f.fd);
    free(f.segs.v);
    if (f.failure.code == ES_OK)
        return ES_EXIT_OK;
    fprintf(stderr, "%s: %s\n", shown, f.failure.msg);
    return es_err_category(f.failure.code) == ES_CAT_INPUT ? ES_EXIT_REFUSED : ES_EXIT_FAILURE;
}

enum {
    S_OPT_JSON = 256,
    S_OPT_KEEP_ICC,
    S_OPT_DROP_ICC,
    S_OPT_KEEP_COMMENTS,
    S_OPT_ORIENTATION,
    S_OPT_MAX_PIXELS
};

int es_cmd_inspect(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"json", no_argument, NULL, S_OPT_JSON},
        {"keep-icc", no_argument, NULL, S_OPT_KEEP_ICC},
        {"drop-icc", no_argument, NULL, S_OPT_DROP_ICC},
        {"keep-comments", no_argument, NULL, S_OPT_KEEP_COMMENTS},
        {"orientation", required_argument, NULL, S_OPT_ORIENTATION},
        {"max-pixels", required_argument, NULL, S_OPT_MAX_PIXELS},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    s_opts o = {0};
    int c;
    es_jpeg_policy_default(&o.policy);
    if (!es_cli_orientation_env("inspect", &o.orient))
        return ES_EXIT_FAILURE;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case S_OPT_JSON: o.json = true; break;
        case S_OPT_KEEP_ICC: o.policy.keep_icc = true; break;
        case S_OPT_DROP_ICC: o.policy.keep_icc = false; break;
        case S_OPT_KEEP_COMMENTS: o.policy.keep_comments = true; break;
        case S_OPT_ORIENTATION:
            if (!es_cli_orientation_mode_arg("inspect", optarg, &o.orient))
                return ES_EXIT_FAILURE;
            break;
        case S_OPT_MAX_PIXELS:
            if (!es_cli_orientation_pixels_arg("inspect", optarg, &o.orient))
                return ES_EXIT_FAILURE;
            break;
        case 'h': fputs(s_usage_text, stdout); return ES_EXIT_OK;
        default: fprintf(stderr, "(see 'exifstrip inspect --help')\n"); return ES_EXIT_FAILURE;
        }
    }
    if (optind >= argc) {
        fprintf(stderr, "exifstrip inspect: no files given\n(see 'exifstrip inspect --help')\n");
        return ES_EXIT_FAILURE;
    }
    bool refused = false, failed = false;
    for (int i = optind; i < argc; i++) {
        int rc = s_inspect_one(&o, argv[i]);
        if (fflush(stdout) != 0 || ferror(stdout)) { /* a full disk, a closed stdout: the report is cut */
            fprintf(stderr, "exifstrip inspect: cannot write to stdout: %s\n", strerror(errno));
            return ES_EXIT_FAILURE;
        }
        refused = refused || rc == ES_EXIT_REFUSED;
        failed = failed || rc == ES_EXIT_FAILURE;
    }
    return failed ? ES_EXIT_FAILURE : refused ? ES_EXIT_REFUSED : ES_EXIT_OK;
}
