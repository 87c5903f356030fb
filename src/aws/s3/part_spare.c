/* part_spare.c - the spare upload buffer each thread keeps between uploads
 * (internal.h, s3.h).
 *
 * A worker thread uploads one object after another. A fresh part buffer per
 * object costs more than the copy into it: above glibc's mmap threshold every
 * buffer is a new mapping whose pages the kernel zeroes and populates (or
 * faults in), and which it unmaps at the end; on the VMs the worker runs on
 * (issue 11's; Fargate's are VMs too) the first write to each fresh page also
 * costs a trip to the hypervisor (~4-5 us a page: ~3.5 ms for a 3 MB photo).
 * So a finished upload leaves its buffer to the thread's next one: one spare
 * per thread, whatever its size up to one part. A fresh buffer is reserved
 * for a whole part (S_FRESH_RESERVE at least, never above the part): only
 * the pages written become resident, and as the spare it then holds any
 * later upload's part without growing. The spare carries how many of its
 * first bytes were written (or populated) before: those pages are resident,
 * so an upload populates only the pages beyond (upload.c).
 *
 * The memory this holds beyond what uploads need is bounded for the whole
 * process: each thread's "excess" is its spare's resident bytes while the
 * spare waits, and the resident bytes past what its upload announced
 * (es_s3_upload_expect) while one runs. When a spare is taken for an
 * announced upload and the excess of all threads would pass
 * ES_S3_SPARE_EXCESS_CAP, its pages past that upload's bytes and the room
 * left under the cap (S_TRIM_SLACK at least) are given back
 * (common/pages.h); the next larger upload populates them again. So photos
 * of similar sizes keep their pages, and a thread that had a large photo
 * does not hold it while small ones follow if others do the same. Session
 * 29's design (a 256 KiB spare per thread and one shared spare up to 8 MiB
 * for the process) mapped a fresh buffer for most photos above 256 KiB once
 * more than one was in flight (src/aws/http/README.md has the numbers).
 *
 * es_s3_upload_release_spare (a thread going idle) frees the thread's spare;
 * thread exit frees it too. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "aws/s3/internal.h"
#include "common/pages.h"

/* A fresh part buffer is reserved for this much at least (or the whole part
 * when that is less): the default part, so one buffer serves every photo. */
#define S_FRESH_RESERVE ((size_t)8 << 20)
/* Resident bytes past an announced upload's that its spare keeps in any case. */
#define S_TRIM_SLACK ((size_t)256 << 10)

static pthread_once_t s_once = PTHREAD_ONCE_INIT;
static pthread_key_t s_key; /* the thread's spare's storage; freed at thread exit */
static bool s_key_ok;
static _Thread_local size_t s_cap;     /* its capacity (es_buf cap) */
static _Thread_local size_t s_touched; /* its first bytes written before: resident */
static _Thread_local size_t s_excess;  /* this thread's share of s_excess_total */

static atomic_size_t s_excess_total; /* es_s3_spare_excess */
static atomic_size_t s_reuses;       /* es_s3_spare_reuses */

/* This thread's excess is now `excess` bytes. */
static void s_set_excess(size_t excess)
{
    if (excess >= s_excess)
        atomic_fetch_add_explicit(&s_excess_total, excess - s_excess, memory_order_relaxed);
    else
        atomic_fetch_sub_explicit(&s_excess_total, s_excess - excess, memory_order_relaxed);
    s_excess = excess;
}

/* Thread exit (the key's destructor): the spare goes, and its excess. */
static void s_exit(void *data)
{
    s_set_excess(0);
    free(data);
}

static void s_key_init(void) { s_key_ok = pthread_key_create(&s_key, s_exit) == 0; }

static char *s_spare(void)
{
    pthread_once(&s_once, s_key_init);
    return s_key_ok ? pthread_getspecific(s_key) : NULL;
}

static void s_set(char *data, size_t cap, size_t touched)
{
    if (pthread_setspecific(s_key, data) != 0) {
        free(data);
        data = NULL;
    }
    s_cap = data ? cap : 0;
    s_touched = data ? touched : 0;
}

static void s_release_own(void)
{
    char *data = s_spare();
    s_set_excess(0);
    if (!data)
        return;
    s_set(NULL, 0, 0);
    free(data);
}

/* b (empty) gets the buffer when it holds need bytes and its NUL and is not
 * above b's part. */
static bool s_fits(const es_buf *b, size_t cap, size_t need) { return cap <= b->max + 1 && cap >= need + 1; }

/* The resident bytes of data (touched of them) once an upload of need bytes
 * has taken it: what lies past need and its NUL stays as far as the room the
 * other threads leave under ES_S3_SPARE_EXCESS_CAP (S_TRIM_SLACK at least)
 * allows; the pages beyond are given back. */
static size_t s_trim(char *data, size_t touched, size_t need)
{
    size_t keep = need + 1;
    if (touched <= keep)
        return touched;
    size_t others = atomic_load_explicit(&s_excess_total, memory_order_relaxed) - s_excess;
    size_t room = others < ES_S3_SPARE_EXCESS_CAP ? ES_S3_SPARE_EXCESS_CAP - others : 0;
    if (room < S_TRIM_SLACK)
        room = S_TRIM_SLACK;
    if (touched - keep <= room)
        return touched;
    keep += room;
    size_t stays = es_pages_discard(data + keep, touched - keep);
    return stays < touched - keep ? keep + stays : touched;
}

size_t es_s3_spare_take(es_buf *b, size_t need, bool announced)
{
    if (b->data)
        return 0;
    char *data = s_spare();
    if (!data)
        return 0;
    if (!s_fits(b, s_cap, need)) {
        s_release_own(); /* growing it would copy nothing useful; kept, it would sit beside the new part */
        return 0;
    }
    size_t touched = announced ? s_trim(data, s_touched, need) : s_touched;
    s_set_excess(announced && touched > need + 1 ? touched - need - 1 : 0);
    atomic_fetch_add_explicit(&s_reuses, 1, memory_order_relaxed);
    b->data = data;
    b->cap = s_cap;
    b->len = 0;
    b->data[0] = '\0';
    s_set(NULL, 0, 0);
    return touched;
}

size_t es_s3_spare_fresh_size(const es_buf *b, size_t need)
{
    /* bytes before es_buf's NUL: a capacity of the reserve, or of need and its NUL when more */
    size_t size = need < S_FRESH_RESERVE - 1 ? S_FRESH_RESERVE - 1 : need;
    return size < b->max ? size : b->max;
}

void es_s3_spare_keep(es_buf *b, size_t touched)
{
    char *data = b->data;
    size_t cap = b->cap;
    if (touched > cap)
        touched = cap;
    b->data = NULL;
    b->len = b->cap = 0;
    if (!data)
        return;
    char *old = s_spare();
    if (s_key_ok && (!old || s_cap < cap)) { /* one spare per thread: the larger */
        free(old);
        s_set(data, cap, touched);
    } else {
        free(data);
    }
    s_set_excess(s_touched); /* waiting: all of it (0 when no spare is kept) */
}

void es_s3_upload_release_spare(void) { s_release_own(); }

size_t es_s3_upload_spare_bytes(void) { return s_spare() ? s_cap : 0; }

size_t es_s3_upload_spare_resident(void) { return s_spare() ? s_touched : 0; }

size_t es_s3_spare_excess(void) { return atomic_load_explicit(&s_excess_total, memory_order_relaxed); }

size_t es_s3_spare_reuses(void) { return atomic_load_explicit(&s_reuses, memory_order_relaxed); }
