/* part_spare.c - spare upload buffers kept between uploads (internal.h, s3.h).
 *
 * A worker thread uploads one object after another. A fresh part buffer per
 * object costs more than the copy into it: above glibc's mmap threshold every
 * buffer is a new mapping whose pages the kernel faults in and zeroes, then
 * unmaps at the end. So a finished upload leaves its buffer to a later one:
 * - up to S_KEEP_MAX, as the calling thread's spare (at most one per thread);
 * - a larger one, up to S_SHARED_MAX, as the process's one shared spare,
 *   which any thread's next upload that fits takes. One for all threads, not
 *   one each: photos that large are the minority, rarely several in flight
 *   at once, and what the process holds beyond its transfers in flight stays
 *   one buffer whatever the concurrency.
 * Each slot keeps the larger of two candidates; a spare is taken only when it
 * holds the upload's first bytes (a spare grown would copy what it held) and
 * is not above its part. A shared spare that does not fit the upload that
 * looks at it is freed; a thread's is freed by a small upload it does not
 * fit (which allocates its own, kept instead), but stays while a large one
 * goes by: that one's part becomes the shared spare, and the next small
 * photo still finds the thread's (freed, it was mapped and populated afresh
 * after every large photo; unmapping it flushed the TLB of every CPU the
 * process ran on). So what the process holds beyond its uploads in flight
 * is at most the shared spare (one part) and a thread's spare per thread.
 * A part allocated afresh below S_KEEP_MAX is given S_KEEP_MAX at once
 * (es_s3_spare_fresh_size): only its written pages are resident, and as the
 * thread's spare it then fits every later upload up to that size instead of
 * being freed by the first that is larger. Each spare also carries how many
 * of its first bytes were written (or populated) before: those pages are
 * resident, so the upload populates only the pages beyond (upload.c).
 * es_s3_upload_release_spare (a thread going idle) frees the thread's spare,
 * es_s3_upload_release_shared_spare (the process going idle) the shared one;
 * thread exit frees the thread's. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "aws/s3/internal.h"

/* The largest buffer kept as a thread's spare. */
#define S_KEEP_MAX (256u << 10)
/* The largest kept as the shared spare: one part of the worker's default size. */
#define S_SHARED_MAX ((size_t)8 << 20)

static pthread_once_t s_once = PTHREAD_ONCE_INIT;
static pthread_key_t s_key; /* the thread's spare's storage; freed at thread exit */
static bool s_key_ok;
static _Thread_local size_t s_cap;     /* its capacity (es_buf cap) */
static _Thread_local size_t s_touched; /* its first bytes written before: resident */

static pthread_mutex_t s_shared_mu = PTHREAD_MUTEX_INITIALIZER;
static char *s_shared;          /* the shared spare, or NULL (s_shared_mu) */
static size_t s_shared_cap;     /* its capacity (s_shared_mu) */
static size_t s_shared_touched; /* its first bytes written before (s_shared_mu) */

static void s_key_init(void) { s_key_ok = pthread_key_create(&s_key, free) == 0; }

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
    if (!data)
        return;
    s_set(NULL, 0, 0);
    free(data);
}

/* b (empty) gets the buffer when it holds need bytes and its NUL and is not
 * above b's part. */
static bool s_fits(const es_buf *b, size_t cap, size_t need) { return cap <= b->max + 1 && cap >= need + 1; }

static atomic_size_t s_reuses; /* es_s3_spare_reuses */

static void s_give(es_buf *b, char *data, size_t cap)
{
    atomic_fetch_add_explicit(&s_reuses, 1, memory_order_relaxed);
    b->data = data;
    b->cap = cap;
    b->len = 0;
    b->data[0] = '\0';
}

/* Empties the shared slot: its buffer (NULL if none) and, in *cap and
 * *touched, its size and how much of it was written. */
static char *s_pop_shared(size_t *cap, size_t *touched)
{
    pthread_mutex_lock(&s_shared_mu);
    char *data = s_shared;
    *cap = s_shared_cap;
    *touched = s_shared_touched;
    s_shared = NULL;
    s_shared_cap = s_shared_touched = 0;
    pthread_mutex_unlock(&s_shared_mu);
    return data;
}

/* Takes the shared spare out of its slot: b gets it when it fits; one that
 * does not is freed (outside the lock), as the thread's own is: kept, it
 * would sit beside the part b allocates afresh, a second part's memory for
 * nothing (too small now, it is replaced by b's at keep anyway). */
static size_t s_take_shared(es_buf *b, size_t need)
{
    size_t cap, touched;
    char *data = s_pop_shared(&cap, &touched);
    if (data && s_fits(b, cap, need)) {
        s_give(b, data, cap);
        return touched;
    }
    free(data);
    return 0;
}

size_t es_s3_spare_take(es_buf *b, size_t need)
{
    if (b->data)
        return 0;
    char *data = s_spare();
    if (data && s_fits(b, s_cap, need)) {
        size_t touched = s_touched;
        s_give(b, data, s_cap);
        s_set(NULL, 0, 0);
        return touched;
    }
    if (need < S_KEEP_MAX)
        s_release_own(); /* too small for this upload's first bytes: replaced by its part */
    return need >= S_KEEP_MAX ? s_take_shared(b, need) : 0;
}

size_t es_s3_spare_fresh_size(const es_buf *b, size_t need)
{
    /* S_KEEP_MAX - 1 bytes and es_buf's NUL: a capacity of exactly S_KEEP_MAX */
    size_t size = need < S_KEEP_MAX - 1 ? S_KEEP_MAX - 1 : need;
    return size < b->max ? size : b->max;
}

/* data (cap bytes, touched of them written) becomes the shared spare when
 * there is none or a smaller one, which is freed; otherwise data is. */
static void s_keep_shared(char *data, size_t cap, size_t touched)
{
    pthread_mutex_lock(&s_shared_mu);
    if (s_shared_cap < cap) {
        char *old = s_shared;
        s_shared = data;
        s_shared_cap = cap;
        s_shared_touched = touched;
        data = old;
    }
    pthread_mutex_unlock(&s_shared_mu);
    free(data);
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
    if (cap > S_KEEP_MAX + 1) {
        if (cap <= S_SHARED_MAX + 1)
            s_keep_shared(data, cap, touched);
        else
            free(data);
        return;
    }
    char *old = s_spare();
    if (!s_key_ok || (old && s_cap >= cap)) { /* one spare per thread: the larger */
        free(data);
        return;
    }
    free(old);
    s_set(data, cap, touched);
}

void es_s3_upload_release_spare(void) { s_release_own(); }

void es_s3_upload_release_shared_spare(void)
{
    size_t cap, touched;
    free(s_pop_shared(&cap, &touched));
}

size_t es_s3_upload_spare_bytes(void) { return s_spare() ? s_cap : 0; }

size_t es_s3_upload_shared_spare_bytes(void)
{
    pthread_mutex_lock(&s_shared_mu);
    size_t shared = s_shared_cap;
    pthread_mutex_unlock(&s_shared_mu);
    return shared;
}

size_t es_s3_spare_reuses(void) { return atomic_load_explicit(&s_reuses, memory_order_relaxed); }
