/* part_spare.c - the idle upload buffers the process keeps between uploads
 * (internal.h, s3.h).
 *
 * A worker thread uploads one object after another. A fresh part buffer per
 * object costs more than the copy into it: above glibc's mmap threshold every
 * buffer is a new mapping whose pages the kernel zeroes and populates (or
 * faults in), and which it unmaps at the end; on the VMs the worker runs on
 * (issue 11's; Fargate's are VMs too) the first write to each fresh page also
 * costs a trip to the hypervisor (~4-5 us a page: ~3.5 ms for a 3 MB photo).
 * So a finished upload leaves its buffer to a later one. A fresh buffer is
 * reserved for a whole part (S_FRESH_RESERVE at least, never above the
 * part): only the pages written become resident, and as a spare it then
 * holds any later upload's part without growing. Each spare carries how
 * many of its first bytes were written (or populated) before: those pages
 * are resident, so an upload populates only the pages beyond (upload.c).
 *
 * The spares are one process-wide pool, not one per thread: an upload takes
 * the spare that fits it best, the least resident of those whose resident
 * bytes hold all of its announced bytes, else the most resident one. So the
 * one photo of 2 MB among small ones finds the spare an earlier large photo
 * left, whichever thread had it, and a small photo does not take (and trim)
 * that spare while a smaller one waits. With one spare per thread (session
 * 30) each thread's spare followed whatever photo the thread got next: a
 * small one trimmed it, and the next large one on that thread populated its
 * pages again (on the corpus run of issue 11, about 8 of the 22.6 page
 * faults per photo: the pool takes 14.4). The pool holds at most as many
 * spares as uploads ever ran at once (ES_S3_SPARE_POOL_MAX at most: the
 * least resident goes).
 *
 * The memory this holds beyond what uploads need is bounded for the whole
 * process: the "excess" is every waiting spare's resident bytes and, for
 * each upload running on a spare, its resident bytes past what the upload
 * announced (es_s3_upload_expect). When a spare is taken for an announced
 * upload and the excess would pass ES_S3_SPARE_EXCESS_CAP, its pages past
 * that upload's bytes and the room left under the cap (S_TRIM_SLACK at
 * least) are given back (common/pages.h); a later larger upload populates
 * them again.
 *
 * es_s3_upload_release_spare (a thread that went idle while others work)
 * frees the most resident waiting spare, es_s3_upload_release_spares (the
 * process went idle) every one. One mutex guards the pool: two short
 * critical sections per upload. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

#include "aws/s3/internal.h"
#include "common/pages.h"

/* A fresh part buffer is reserved for this much at least (or the whole part
 * when that is less): the default part, so one buffer serves every photo. */
#define S_FRESH_RESERVE ((size_t)8 << 20)
/* Resident bytes past an announced upload's that its spare keeps in any case. */
#define S_TRIM_SLACK ((size_t)256 << 10)

typedef struct s_spare {
    char *data;
    size_t cap;     /* its capacity (es_buf cap) */
    size_t touched; /* its first bytes written before: resident */
} s_spare;

static pthread_mutex_t s_mu = PTHREAD_MUTEX_INITIALIZER;
static s_spare s_pool[ES_S3_SPARE_POOL_MAX]; /* the waiting spares, s_count of them (s_mu) */
static size_t s_count;

static _Thread_local size_t s_excess; /* the excess of the spare this thread's upload runs on */
static atomic_size_t s_excess_total;  /* es_s3_spare_excess: the waiting spares' and every s_excess */
static atomic_size_t s_reuses;        /* es_s3_spare_reuses */
static atomic_size_t s_kept;          /* es_s3_upload_spares_kept */

static void s_excess_add(size_t n) { atomic_fetch_add_explicit(&s_excess_total, n, memory_order_relaxed); }
static void s_excess_sub(size_t n) { atomic_fetch_sub_explicit(&s_excess_total, n, memory_order_relaxed); }

/* This thread's upload's excess is now `excess` bytes. */
static void s_set_excess(size_t excess)
{
    if (excess >= s_excess)
        s_excess_add(excess - s_excess);
    else
        s_excess_sub(s_excess - excess);
    s_excess = excess;
}

/* Takes pool entry i out (s_mu held); its resident bytes stop counting. */
static s_spare s_remove(size_t i)
{
    s_spare sp = s_pool[i];
    s_pool[i] = s_pool[--s_count];
    s_excess_sub(sp.touched);
    return sp;
}

/* The index of the most resident waiting spare, or of the least (s_mu
 * held, the pool not empty). */
static size_t s_by_residence(bool most)
{
    size_t at = 0;
    for (size_t i = 1; i < s_count; i++)
        if (most ? s_pool[i].touched > s_pool[at].touched : s_pool[i].touched < s_pool[at].touched)
            at = i;
    return at;
}

/* b (empty) can use a spare of cap bytes when it holds need bytes and its
 * NUL and is not above b's part. */
static bool s_fits(const es_buf *b, size_t cap, size_t need) { return cap <= b->max + 1 && cap >= need + 1; }

/* Whether spare a serves an upload of need bytes better than b: one whose
 * resident bytes hold need and its NUL beats one whose do not; of two that
 * do the less resident, of two that do not the more resident. */
static bool s_better(const s_spare *a, const s_spare *b, size_t need)
{
    bool a_holds = a->touched > need, b_holds = b->touched > need;
    if (a_holds != b_holds)
        return a_holds;
    return a_holds ? a->touched < b->touched : a->touched > b->touched;
}

/* The spare an upload of need bytes gets (s_mu held), out of the pool;
 * data NULL when none fits. Spares that cannot serve b are freed: a buffer
 * too small for its first bytes would be grown by copying bytes nobody
 * needs, and one larger than its part serves no upload of its kind. An
 * unannounced upload's need is its first write only: it gets the most
 * resident spare. */
static s_spare s_choose(const es_buf *b, size_t need, bool announced)
{
    size_t best = s_count;
    for (size_t i = 0; i < s_count;) {
        if (!s_fits(b, s_pool[i].cap, need)) {
            free(s_remove(i).data); /* entry i is now the last one: looked at next */
            continue;
        }
        if (best == s_count || s_better(&s_pool[i], &s_pool[best], announced ? need : SIZE_MAX - 1))
            best = i;
        i++;
    }
    return best < s_count ? s_remove(best) : (s_spare){0};
}

/* The resident bytes of data (touched of them) once an upload of need bytes
 * has taken it: what lies past need and its NUL stays as far as the room the
 * other spares leave under ES_S3_SPARE_EXCESS_CAP (S_TRIM_SLACK at least)
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
    pthread_mutex_lock(&s_mu);
    s_spare sp = s_choose(b, need, announced);
    pthread_mutex_unlock(&s_mu);
    if (!sp.data)
        return 0;
    size_t touched = announced ? s_trim(sp.data, sp.touched, need) : sp.touched;
    s_set_excess(announced && touched > need + 1 ? touched - need - 1 : 0);
    atomic_fetch_add_explicit(&s_reuses, 1, memory_order_relaxed);
    b->data = sp.data;
    b->cap = sp.cap;
    b->len = 0;
    b->data[0] = '\0';
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
    s_spare sp = {b->data, b->cap, touched > b->cap ? b->cap : touched};
    b->data = NULL;
    b->len = b->cap = 0;
    s_set_excess(0); /* the upload is over: its spare's bytes count below, whole */
    if (!sp.data)
        return;
    pthread_mutex_lock(&s_mu);
    if (s_count == ES_S3_SPARE_POOL_MAX) { /* full: of the pool and sp, the least resident goes */
        size_t least = s_by_residence(false);
        if (s_pool[least].touched < sp.touched) {
            free(s_remove(least).data);
        } else {
            pthread_mutex_unlock(&s_mu);
            free(sp.data);
            return;
        }
    }
    s_pool[s_count++] = sp;
    s_excess_add(sp.touched);
    pthread_mutex_unlock(&s_mu);
    atomic_fetch_add_explicit(&s_kept, 1, memory_order_relaxed);
}

void es_s3_upload_release_spare(void)
{
    pthread_mutex_lock(&s_mu);
    if (s_count)
        free(s_remove(s_by_residence(true)).data);
    pthread_mutex_unlock(&s_mu);
}

void es_s3_upload_release_spares(void)
{
    pthread_mutex_lock(&s_mu);
    while (s_count)
        free(s_remove(s_count - 1).data);
    pthread_mutex_unlock(&s_mu);
}

/* The sum of one field over the waiting spares. */
static size_t s_pool_sum(bool resident)
{
    size_t sum = 0;
    pthread_mutex_lock(&s_mu);
    for (size_t i = 0; i < s_count; i++)
        sum += resident ? s_pool[i].touched : s_pool[i].cap;
    pthread_mutex_unlock(&s_mu);
    return sum;
}

size_t es_s3_upload_spare_bytes(void) { return s_pool_sum(false); }

size_t es_s3_upload_spare_resident(void) { return s_pool_sum(true); }

size_t es_s3_spare_excess(void) { return atomic_load_explicit(&s_excess_total, memory_order_relaxed); }

size_t es_s3_spare_reuses(void) { return atomic_load_explicit(&s_reuses, memory_order_relaxed); }

size_t es_s3_upload_spares_kept(void) { return atomic_load_explicit(&s_kept, memory_order_relaxed); }
