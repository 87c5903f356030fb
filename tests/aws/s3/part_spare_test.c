/* part_spare_test.c - the pool of spare part buffers (part_spare.c) under
 * threads: each thread takes a spare (announced or not), owns it while it
 * writes a pattern of its own over the bytes it needs and reads it back, and
 * keeps it again, in sizes from 1000 bytes to 7 MiB, so that spares taken for
 * smaller uploads give back pages past the process's excess cap while other
 * threads hold theirs, and half the threads give back one waiting spare at
 * the end while the others still work. A buffer is never held by two threads
 * at once (the pattern stays), the bytes a spare claims as resident are
 * (mincore) and lie within it, the pool never keeps more spares than uploads
 * ran at once, every buffer kept is counted (es_s3_upload_spares_kept), and
 * once every thread is gone the excess is exactly what the waiting spares
 * hold, and 0 when they are released (LeakSanitizer in the ASan build: none
 * is lost). A full pool keeps the most resident of its spares and the one
 * offered, and counts only a buffer that entered it. */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../harness/test.h"
#include "../../support/resident.h"
#include "../../support/xorshift.h"
#include "aws/s3/internal.h"
#include "common/buf.h"
#include "common/pages.h"

#define S_THREADS 4
#define S_ROUNDS 400
#define S_PART_MAX ((size_t)8 << 20)

/* What one thread found. */
typedef struct s_worker {
    int id;
    uint32_t rng;
    bool release_at_end; /* es_s3_upload_release_spare (one) before exiting */
    unsigned overwritten, not_resident, too_long, taken, kept;
} s_worker;

/* Pages that [p, p + len) reaches into that are not resident (0 when
 * mincore cannot tell: not counted). */
static size_t s_not_resident(const void *p, size_t len)
{
    size_t page = es_page_size();
    if (len == 0 || page == 0)
        return 0;
    uintptr_t first = (uintptr_t)p / page * page, end = ((uintptr_t)p + len + page - 1) / page * page;
    long resident = es_test_resident_pages(first, end);
    return resident < 0 ? 0 : (end - first) / page - (size_t)resident;
}

/* The thread's mark, one byte a page over [0, need) and the last byte. */
static void s_mark(uint8_t *p, size_t need, uint8_t mark)
{
    for (size_t i = 0; i < need; i += 4096)
        p[i] = mark;
    if (need)
        p[need - 1] = mark;
}

static bool s_marked(const uint8_t *p, size_t need, uint8_t mark)
{
    for (size_t i = 0; i < need; i += 4096)
        if (p[i] != mark)
            return false;
    return need == 0 || p[need - 1] == mark;
}

static void *s_work(void *arg)
{
    s_worker *w = arg;
    static const size_t needs[] = {1000,           100000,          (256u << 10) - 1,
                                   300000,         (size_t)1 << 20, (size_t)3 << 20,
                                   (size_t)7 << 20};
    for (int round = 0; round < S_ROUNDS; round++) {
        size_t need = needs[es_xorshift32(&w->rng) % (sizeof needs / sizeof needs[0])];
        es_buf b;
        es_buf_init(&b, S_PART_MAX);
        size_t touched = es_s3_spare_take(&b, need, round % 3 != 0);
        if (b.data) {
            w->taken++;
            if (touched > b.cap)
                w->too_long++;
            if (s_not_resident(b.data, touched < b.cap ? touched : b.cap) != 0)
                w->not_resident++;
        } else if (es_buf_reserve(&b, es_s3_spare_fresh_size(&b, need)) != ES_OK) {
            continue;
        }
        uint8_t mark = (uint8_t)(w->id * 64 + round % 64 + 1);
        s_mark(b.bytes, need, mark);
        sched_yield();
        if (!s_marked(b.bytes, need, mark))
            w->overwritten++;
        es_s3_spare_keep(&b, need);
        w->kept++;
    }
    if (w->release_at_end)
        es_s3_upload_release_spare();
    return NULL;
}

static void test_threads_share_spares(void)
{
    es_s3_upload_release_spares();
    REQUIRE(es_s3_spare_excess() == 0);
    size_t kept_before = es_s3_upload_spares_kept();
    pthread_t th[S_THREADS];
    s_worker w[S_THREADS];
    for (int i = 0; i < S_THREADS; i++) {
        w[i] = (s_worker){.id = i, .rng = 0x2545F491u * (uint32_t)(i + 1), .release_at_end = i % 2 == 0};
        REQUIRE(pthread_create(&th[i], NULL, s_work, &w[i]) == 0);
    }
    unsigned taken = 0, kept = 0;
    for (int i = 0; i < S_THREADS; i++) {
        REQUIRE(pthread_join(th[i], NULL) == 0);
        CHECK_INT_EQ(w[i].overwritten, 0);
        CHECK_INT_EQ(w[i].not_resident, 0);
        CHECK_INT_EQ(w[i].too_long, 0);
        taken += w[i].taken;
        kept += w[i].kept;
    }
    CHECK(taken > S_THREADS * S_ROUNDS / 2); /* the spares served later rounds */
    /* never more uploads at once than the pool holds: every buffer offered entered it */
    CHECK_INT_EQ(es_s3_upload_spares_kept() - kept_before, kept);
    CHECK(es_s3_upload_spare_bytes() <= S_THREADS * (S_PART_MAX + 1)); /* one per upload at once at most */
    CHECK_INT_EQ(es_s3_spare_excess(), es_s3_upload_spare_resident()); /* no thread holds one */
    es_s3_upload_release_spares();
    CHECK_INT_EQ(es_s3_upload_spare_bytes(), 0);
    CHECK_INT_EQ(es_s3_spare_excess(), 0);
}

/* Offers the pool a buffer reserved for `bytes` whose first touched bytes
 * count as resident (only counted: the test writes none of them); returns
 * its capacity, 0 when it could not be allocated. The pool takes it or
 * frees it: either way b must be left empty, which this checks. */
static size_t s_offer(size_t bytes, size_t touched)
{
    es_buf b;
    es_buf_init(&b, S_PART_MAX);
    if (es_buf_reserve(&b, bytes) != ES_OK)
        return 0;
    size_t cap = b.cap;
    es_s3_spare_keep(&b, touched);
    CHECK(b.data == NULL && b.cap == 0 && b.len == 0); /* keep's contract (internal.h) */
    return cap;
}

/* The pool holds ES_S3_SPARE_POOL_MAX spares at most: offered one more, it
 * keeps the most resident of them and the new one, so a buffer less resident
 * than every waiting spare is freed at once (not counted as kept), and a more
 * resident one takes the place of the least resident. */
static void test_full_pool_keeps_the_most_resident(void)
{
    es_s3_upload_release_spares();
    REQUIRE(es_s3_upload_spare_bytes() == 0);
    const size_t page = 4096, bytes = 64 * page;
    size_t kept0 = es_s3_upload_spares_kept(), resident = 0, capacity = 0;
    for (size_t i = 0; i < ES_S3_SPARE_POOL_MAX; i++) { /* touched 2..65 pages */
        size_t cap = s_offer(bytes, (i + 2) * page);
        REQUIRE(cap > 0);
        resident += (i + 2) * page;
        capacity += cap;
    }
    CHECK_INT_EQ(es_s3_upload_spares_kept() - kept0, ES_S3_SPARE_POOL_MAX);
    CHECK_INT_EQ(es_s3_upload_spare_resident(), resident);
    CHECK_INT_EQ(es_s3_upload_spare_bytes(), capacity);

    REQUIRE(s_offer(bytes, page) > 0); /* less resident than every spare: freed, the pool unchanged */
    CHECK_INT_EQ(es_s3_upload_spares_kept() - kept0, ES_S3_SPARE_POOL_MAX);
    CHECK_INT_EQ(es_s3_upload_spare_resident(), resident);

    REQUIRE(s_offer(bytes, 40 * page) > 0); /* more resident than the least (2 pages): takes its place */
    CHECK_INT_EQ(es_s3_upload_spares_kept() - kept0, ES_S3_SPARE_POOL_MAX + 1);
    CHECK_INT_EQ(es_s3_upload_spare_resident(), resident - 2 * page + 40 * page);
    CHECK_INT_EQ(es_s3_upload_spare_bytes(), capacity); /* the same capacity each */
    CHECK_INT_EQ(es_s3_spare_excess(), es_s3_upload_spare_resident());

    es_s3_upload_release_spares();
    CHECK_INT_EQ(es_s3_upload_spare_bytes(), 0);
    CHECK_INT_EQ(es_s3_spare_excess(), 0);
}

int main(void)
{
    ES_RUN(test_threads_share_spares);
    ES_RUN(test_full_pool_keeps_the_most_resident);
    return es_test_finish();
}
