/* part_spare.c - the calling thread's spare upload buffer (internal.h, s3.h).
 *
 * A worker thread uploads one object after another. A fresh part buffer per
 * object costs more than the copy into it: above glibc's mmap threshold every
 * buffer is a new mapping whose pages the kernel faults in and zeroes, then
 * unmaps at the end. So a finished upload leaves its buffer to the thread's
 * next one: at most one spare per thread, up to S_KEEP_MAX (larger buffers
 * are freed as before, so what a thread holds between two jobs stays small
 * whatever it uploaded last), never more than the next upload's part and
 * never less than its first bytes (a spare grown would copy what it held);
 * es_s3_upload_release_spare (a thread going idle) and thread exit free it. */
#include <pthread.h>
#include <stdlib.h>

#include "aws/s3/internal.h"

/* The largest buffer kept as a spare. */
#define S_KEEP_MAX (256u << 10)

static pthread_once_t s_once = PTHREAD_ONCE_INIT;
static pthread_key_t s_key; /* the spare's storage; freed at thread exit */
static bool s_key_ok;
static _Thread_local size_t s_cap; /* its capacity (es_buf cap) */

static void s_key_init(void) { s_key_ok = pthread_key_create(&s_key, free) == 0; }

static char *s_spare(void)
{
    pthread_once(&s_once, s_key_init);
    return s_key_ok ? pthread_getspecific(s_key) : NULL;
}

static void s_set(char *data, size_t cap)
{
    if (pthread_setspecific(s_key, data) != 0) {
        free(data);
        cap = 0;
    }
    s_cap = data ? cap : 0;
}

void es_s3_spare_take(es_buf *b, size_t need)
{
    char *data = s_spare();
    if (!data || b->data)
        return;
    if (s_cap > b->max + 1 || s_cap < need + 1) { /* es_buf keeps a NUL after its bytes */
        /* larger than this upload's part, or too small for its first bytes (a
         * realloc would copy the old ones): give the memory back */
        es_s3_upload_release_spare();
        return;
    }
    b->data = data;
    b->cap = s_cap;
    b->len = 0;
    b->data[0] = '\0';
    s_set(NULL, 0);
}

void es_s3_spare_keep(es_buf *b)
{
    char *data = b->data;
    size_t cap = b->cap;
    b->data = NULL;
    b->len = b->cap = 0;
    if (!data)
        return;
    char *old = s_spare();
    if (!s_key_ok || cap > S_KEEP_MAX + 1 || (old && s_cap >= cap)) { /* one spare per thread: the larger */
        free(data);
        return;
    }
    free(old);
    s_set(data, cap);
}

void es_s3_upload_release_spare(void)
{
    char *data = s_spare();
    if (!data)
        return;
    s_set(NULL, 0);
    free(data);
}

size_t es_s3_upload_spare_bytes(void) { return s_spare() ? s_cap : 0; }
