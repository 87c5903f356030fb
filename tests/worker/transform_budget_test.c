/* transform_budget_test.c - the budget concurrent transforms share: a
 * request larger than the whole budget is refused at once, others wait
 * until enough is released, and a waiter gives up when the cancel token is
 * raised; at most as many run at once as the CPUs the worker may use - the
 * cap makes one more wait even when its memory fits, the process-wide
 * budget takes the usable CPU count (the affinity mask, lowered by a cgroup
 * CPU quota) or the EXIFSTRIP_TRANSFORM_CONCURRENCY given, and cpu.max lines and CFS quotas are read as whole CPUs,
 * rounded up. A transform's running slot is given back as soon as it has
 * computed, so the next one starts while the first's output is still being
 * written (uploaded); its memory only once that is done. A photo's share
 * may be reserved ahead (bytes, no slot): a photo waiting for its turn holds
 * that share and is counted, one whose share does not fit is stopped holding
 * nothing, one that can never fit keeps its tag at once. Bytes go first
 * come, first served: a big share waiting is not overtaken by small ones
 * that would fit (no starvation). */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../harness/test.h"
#include "../support/fixture.h"
#include "exifstrip/orient.h"
#include "worker/transform_budget.h"
#include "worker/cgroup_limits.h"

typedef struct s_waiter {
    es_transform_budget *b;
    atomic_int *cancel;
    uint64_t bytes;
    atomic_int got; /* 0 waiting, 1 acquired, 2 refused */
    bool reserve;   /* es_transform_budget_reserve (bytes, no slot) instead of acquire */
} s_waiter;

static void *s_wait(void *arg)
{
    s_waiter *w = arg;
    bool ok = w->reserve ? es_transform_budget_reserve(w->b, w->bytes, w->cancel)
                         : es_transform_budget_acquire(w->b, w->bytes, w->cancel);
    atomic_store(&w->got, ok ? 1 : 2);
    return NULL;
}

/* Starts a waiter and says whether it is still waiting 150 ms later. */
static bool s_still_waiting(s_waiter *w, pthread_t *t)
{
    atomic_store(&w->got, 0);
    if (pthread_create(t, NULL, s_wait, w) != 0)
        return false;
    usleep(150 * 1000);
    return atomic_load(&w->got) == 0;
}

/* Starts w, sees it wait, raises its cancel token: it must give up. */
static void s_check_gives_up_on_cancel(s_waiter *w)
{
    pthread_t t;
    if (!s_still_waiting(w, &t)) {
        CHECK(!"the waiter was admitted at once");
        return;
    }
    atomic_store(w->cancel, 1);
    pthread_join(t, NULL);
    CHECK_INT_EQ(atomic_load(&w->got), 2); /* gave up on cancel, never admitted */
}

static void test_budget_waits_and_refuses(void)
{
    es_transform_budget *b = es_transform_budget_new(100, 0);
    REQUIRE(b);
    atomic_int cancel = 0;
    CHECK(!es_transform_budget_acquire(b, 101, &cancel)); /* can never fit */
    CHECK(es_transform_budget_acquire(b, 50, &cancel));
    s_waiter w = {.b = b, .cancel = &cancel, .bytes = 60};
    pthread_t t;
    REQUIRE(s_still_waiting(&w, &t)); /* 50 + 60 > 100 */
    es_transform_budget_release(b, 50);
    pthread_join(t, NULL);
    CHECK_INT_EQ(atomic_load(&w.got), 1);
    CHECK_INT_EQ(es_transform_budget_in_use(b, NULL), 60);
    s_check_gives_up_on_cancel(&w);
    es_transform_budget_release(b, 60);
    CHECK_INT_EQ(es_transform_budget_in_use(b, NULL), 0);
    es_transform_budget_free(b);
}

static void test_cap_makes_a_transform_wait_although_memory_fits(void)
{
    es_transform_budget *b = es_transform_budget_new(1000, 2);
    REQUIRE(b);
    atomic_int cancel = 0;
    CHECK(es_transform_budget_acquire(b, 10, &cancel));
    CHECK(es_transform_budget_acquire(b, 10, &cancel));
    unsigned running = 0;
    CHECK_INT_EQ(es_transform_budget_in_use(b, &running), 20);
    CHECK_INT_EQ(running, 2);
    s_waiter w = {.b = b, .cancel = &cancel, .bytes = 10};
    pthread_t t;
    REQUIRE(s_still_waiting(&w, &t)); /* 30 of 1000 bytes would fit: the cap holds it */
    es_transform_budget_end_run(b);   /* the first is done computing, still writing its output */
    pthread_join(t, NULL);
    CHECK_INT_EQ(atomic_load(&w.got), 1);
    CHECK_INT_EQ(es_transform_budget_in_use(b, &running), 30); /* its bytes are still held */
    CHECK_INT_EQ(running, 2);
    es_transform_budget_release(b, 10); /* giving bytes back does not free a running slot */
    s_check_gives_up_on_cancel(&w);
    atomic_store(&cancel, 0);
    for (int i = 0; i < 2; i++) {
        es_transform_budget_end_run(b);
        es_transform_budget_release(b, 10);
    }
    CHECK_INT_EQ(es_transform_budget_in_use(b, &running), 0);
    CHECK_INT_EQ(running, 0);
    es_transform_budget_free(b);

    es_transform_budget *open = es_transform_budget_new(1000, 0); /* 0: no cap */
    REQUIRE(open);
    for (int i = 0; i < 20; i++)
        CHECK(es_transform_budget_acquire(open, 10, &cancel));
    es_transform_budget_free(open);
}

/* A caller that acquires bytes and a slot takes its bytes in turn and then
 * waits for the slot out of the queue: a reservation behind it is not held
 * up by the transform that runs; cancelled, it gives its bytes back. */
static void test_acquire_waits_for_a_slot_out_of_the_queue(void)
{
    es_transform_budget *b = es_transform_budget_new(100, 1);
    REQUIRE(b);
    atomic_int cancel = 0;
    CHECK(es_transform_budget_acquire(b, 0, &cancel)); /* the only slot: a transform runs */
    s_waiter w = {.b = b, .cancel = &cancel, .bytes = 10};
    pthread_t t;
    REQUIRE(s_still_waiting(&w, &t));                      /* its 10 bytes fit: it waits for the slot */
    CHECK_INT_EQ(es_transform_budget_in_use(b, NULL), 10); /* holding them, counted */
    CHECK(es_transform_budget_try_reserve(b, 10));         /* not queued behind a slot wait */
    es_transform_budget_release(b, 10);
    atomic_store(&cancel, 1);
    pthread_join(t, NULL);
    CHECK_INT_EQ(atomic_load(&w.got), 2);
    CHECK_INT_EQ(es_transform_budget_in_use(b, NULL), 0); /* given back on cancel */
    es_transform_budget_end_run(b);
    es_transform_budget_free(b);
}

/* A photo's share reserved ahead of its transform takes bytes but no
 * running slot, and never waits for one; its transform then acquires 0
 * bytes, waiting only for a slot. try_reserve never waits. */
static void test_reserve_takes_bytes_without_a_slot(void)
{
    es_transform_budget *b = es_transform_budget_new(100, 1);
    REQUIRE(b);
    atomic_int cancel = 0;
    unsigned running = 9;
    CHECK(es_transform_budget_acquire(b, 0, &cancel)); /* a transform runs: the only slot */
    CHECK(es_transform_budget_try_reserve(b, 60));     /* taken although no slot is free */
    CHECK_INT_EQ(es_transform_budget_in_use(b, &running), 60);
    CHECK_INT_EQ(running, 1);
    CHECK(!es_transform_budget_try_reserve(b, 50));  /* not now: false at once */
    CHECK(!es_transform_budget_try_reserve(b, 101)); /* never */
    CHECK(!es_transform_budget_reserve(b, 101, &cancel));
    CHECK_INT_EQ(es_transform_budget_in_use(b, NULL), 60);
    s_waiter w = {.b = b, .cancel = &cancel, .bytes = 50, .reserve = true};
    pthread_t t;
    REQUIRE(s_still_waiting(&w, &t)); /* 60 + 50 > 100 */
    s_waiter turn = {.b = b, .cancel = &cancel, .bytes = 0};
    pthread_t tt;
    REQUIRE(s_still_waiting(&turn, &tt)); /* the 60's transform waits for the slot only */
    es_transform_budget_end_run(b);
    pthread_join(tt, NULL);
    CHECK_INT_EQ(atomic_load(&turn.got), 1);
    CHECK_INT_EQ(es_transform_budget_in_use(b, &running), 60); /* it asked for no more bytes */
    CHECK_INT_EQ(running, 1);
    es_transform_budget_end_run(b);
    es_transform_budget_release(b, 60);
    pthread_join(t, NULL);
    CHECK_INT_EQ(atomic_load(&w.got), 1);
    CHECK_INT_EQ(es_transform_budget_in_use(b, &running), 50);
    CHECK_INT_EQ(running, 0);
    w.bytes = 51; /* 50 + 51 > 100 */
    s_check_gives_up_on_cancel(&w);
    es_transform_budget_release(b, 50);
    CHECK_INT_EQ(es_transform_budget_in_use(b, NULL), 0);
    es_transform_budget_free(b);
}

/* The reviewer's starvation case: while reserve(90) waits, a share of 30
 * that would fit is refused (try_reserve) or queued behind it (acquire),
 * and a release lets the 90 in first. */
static void test_waiting_share_is_served_first(void)
{
    es_transform_budget *b = es_transform_budget_new(100, 0);
    REQUIRE(b);
    atomic_int cancel = 0;
    CHECK(es_transform_budget_try_reserve(b, 30));
    s_waiter big = {.b = b, .cancel = &cancel, .bytes = 90, .reserve = true};
    pthread_t tb;
    REQUIRE(s_still_waiting(&big, &tb));            /* 30 + 90 > 100 */
    CHECK(!es_transform_budget_try_reserve(b, 30)); /* 60 would fit, but the 90 came first */
    s_waiter small = {.b = b, .cancel = &cancel, .bytes = 30};
    pthread_t ts;
    REQUIRE(s_still_waiting(&small, &ts));             /* an acquire waits behind it too */
    CHECK(es_transform_budget_acquire(b, 0, &cancel)); /* a slot alone does not queue for bytes */
    es_transform_budget_end_run(b);
    es_transform_budget_release(b, 30);
    pthread_join(tb, NULL);
    CHECK_INT_EQ(atomic_load(&big.got), 1);
    usleep(150 * 1000);
    CHECK_INT_EQ(atomic_load(&small.got), 0); /* 90 + 30 > 100: still in line */
    es_transform_budget_release(b, 90);
    pthread_join(ts, NULL);
    CHECK_INT_EQ(atomic_load(&small.got), 1);
    es_transform_budget_end_run(b);
    es_transform_budget_release(b, 30);

    /* a waiter that gives up leaves the line: the next is served */
    CHECK(es_transform_budget_try_reserve(b, 30));
    atomic_int quit = 0;
    s_waiter gone = {.b = b, .cancel = &quit, .bytes = 90, .reserve = true};
    REQUIRE(s_still_waiting(&gone, &tb));
    CHECK(!es_transform_budget_try_reserve(b, 30));
    atomic_store(&quit, 1);
    pthread_join(tb, NULL);
    CHECK_INT_EQ(atomic_load(&gone.got), 2);
    CHECK(es_transform_budget_try_reserve(b, 30));
    es_transform_budget_release(b, 60);
    CHECK_INT_EQ(es_transform_budget_in_use(b, NULL), 0);
    es_transform_budget_free(b);
}

typedef struct s_churn {
    es_transform_budget *b;
    atomic_int *stop;
} s_churn;

/* Reserves 30 and gives it back, again and again, until told to stop. */
static void *s_churn_run(void *arg)
{
    s_churn *c = arg;
    while (!atomic_load(c->stop)) {
        if (es_transform_budget_try_reserve(c->b, 30)) {
            usleep(1000); /* a photo read while holding its share */
            es_transform_budget_release(c->b, 30);
        }
    }
    return NULL;
}

/* Four threads churning shares of 30 in a budget of 100 never keep a
 * reserve(90) out: it is served as soon as the shares taken before it are
 * back (before, it could wait forever). */
static void test_churning_small_shares_do_not_starve_a_big_one(void)
{
    es_transform_budget *b = es_transform_budget_new(100, 0);
    REQUIRE(b);
    atomic_int stop = 0, cancel = 0;
    s_churn c = {b, &stop};
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        REQUIRE(pthread_create(&t[i], NULL, s_churn_run, &c) == 0);
    usleep(20 * 1000);
    s_waiter big = {.b = b, .cancel = &cancel, .bytes = 90, .reserve = true};
    pthread_t tb;
    REQUIRE(pthread_create(&tb, NULL, s_wait, &big) == 0);
    for (int i = 0; i < 300 && atomic_load(&big.got) == 0; i++)
        usleep(10 * 1000);
    atomic_store(&cancel, 1); /* not served within 3 s: give up (the test fails) */
    pthread_join(tb, NULL);
    CHECK_INT_EQ(atomic_load(&big.got), 1);
    if (atomic_load(&big.got) == 1)
        es_transform_budget_release(b, 90);
    atomic_store(&stop, 1);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    CHECK_INT_EQ(es_transform_budget_in_use(b, NULL), 0);
    es_transform_budget_free(b);
}

static void test_shared_budget_admits_the_usable_cpus(void)
{
    unsigned cpus = es_usable_cpus();
    es_transform_budget *b = es_transform_budget_shared(UINT64_C(1) << 30, 0);
    REQUIRE(b);
    atomic_int cancel = 0;
    for (unsigned i = 0; i < cpus; i++)
        CHECK(es_transform_budget_acquire(b, 10, &cancel));
    s_waiter w = {.b = b, .cancel = &cancel, .bytes = 10};
    s_check_gives_up_on_cancel(&w);
    for (unsigned i = 0; i < cpus; i++) {
        es_transform_budget_end_run(b);
        es_transform_budget_release(b, 10);
    }
    CHECK_INT_EQ(es_transform_budget_in_use(b, NULL), 0);
}

/* In a child (the shared budget is made once per process: this test runs
 * before any other use of it): a setting of one more than the usable CPUs
 * admits exactly that many at once. Exit status 0 when it does. */
static int s_shared_budget_with_a_setting(void)
{
    alarm(10); /* a budget that never admits ends the child instead of hanging the test */
    unsigned setting = es_usable_cpus() + 1;
    es_transform_budget *b = es_transform_budget_shared(UINT64_C(1) << 30, setting);
    if (!b)
        return 1;
    atomic_int cancel = 0;
    for (unsigned i = 0; i < setting; i++)
        if (!es_transform_budget_acquire(b, 10, &cancel))
            return 2;
    s_waiter w = {.b = b, .cancel = &cancel, .bytes = 10};
    pthread_t t;
    if (!s_still_waiting(&w, &t))
        return 3; /* one more was admitted */
    es_transform_budget_end_run(b);
    pthread_join(t, NULL);
    return atomic_load(&w.got) == 1 ? 0 : 4;
}

static void test_shared_budget_takes_the_setting(void)
{
    fflush(NULL);
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0)
        _exit(s_shared_budget_with_a_setting());
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status));
    CHECK_INT_EQ(WEXITSTATUS(status), 0);
}

static void test_usable_cpus_follow_the_affinity_mask(void)
{
    cpu_set_t all;
    REQUIRE(sched_getaffinity(0, sizeof all, &all) == 0);
    unsigned cpus = es_usable_cpus();
    CHECK(cpus >= 1);
    CHECK(cpus <= (unsigned)CPU_COUNT(&all));
    int first = 0;
    while (!CPU_ISSET(first, &all))
        first++;
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(first, &one);
    REQUIRE(sched_setaffinity(0, sizeof one, &one) == 0);
    CHECK_INT_EQ(es_usable_cpus(), 1);
    REQUIRE(sched_setaffinity(0, sizeof all, &all) == 0);
}

static void test_quotas_round_up_to_whole_cpus(void)
{
    CHECK_INT_EQ(es_cpu_max_parse("max 100000\n"), 0);
    CHECK_INT_EQ(es_cpu_max_parse("200000 100000\n"), 2);
    CHECK_INT_EQ(es_cpu_max_parse("150000 100000"), 2);
    CHECK_INT_EQ(es_cpu_max_parse("25000 100000\n"), 1); /* a quarter vCPU (Fargate's smallest) */
    CHECK_INT_EQ(es_cpu_max_parse(""), 0);
    CHECK_INT_EQ(es_cpu_max_parse("100000"), 0);
    CHECK_INT_EQ(es_cpu_quota_cpus(-1, 100000), 0); /* cgroup v1: -1 is no quota */
    CHECK_INT_EQ(es_cpu_quota_cpus(400000, 100000), 4);
    CHECK_INT_EQ(es_cpu_quota_cpus(100000, 0), 0);
}

/* The budget seen through the orientation stripper's callbacks. */
typedef struct s_shared_budget {
    es_transform_budget *b;
    atomic_int cancel;
    uint64_t total;     /* the budget's: a hold of more can never fit */
    uint64_t last_hold; /* bytes the last hold asked for */
} s_shared_budget;

/* As the worker's job holds a photo's share: now, never, or not now. */
static es_err s_ops_hold(void *ctx, uint64_t bytes)
{
    s_shared_budget *sb = ctx;
    sb->last_hold = bytes;
    if (bytes > sb->total)
        return ES_ERR_TOO_LARGE;
    return es_transform_budget_try_reserve(sb->b, bytes) ? ES_OK : ES_ERR_CANCELLED;
}

static bool s_ops_acquire(void *ctx, uint64_t bytes)
{
    s_shared_budget *sb = ctx;
    return es_transform_budget_acquire(sb->b, bytes, &sb->cancel);
}
static void s_ops_end_run(void *ctx) { es_transform_budget_end_run(((s_shared_budget *)ctx)->b); }
static void s_ops_release(void *ctx, uint64_t bytes)
{
    es_transform_budget_release(((s_shared_budget *)ctx)->b, bytes);
}

/* One photo through an orientation stripper whose output may be held up. */
typedef struct s_turn {
    const uint8_t *in;
    size_t len;
    const es_orient_config *cfg;
    atomic_int writing; /* 1 once the output has started */
    atomic_int *hold;   /* while nonzero, writing the output waits (an upload in flight); NULL: never */
    atomic_int done;
    es_orient_outcome outcome;
    bool announce; /* the input's length is given before it is fed (as the worker's GET does) */
} s_turn;

static es_err s_slow_write(void *ctx, const uint8_t *data, size_t len)
{
    (void)data, (void)len;
    s_turn *t = ctx;
    atomic_store(&t->writing, 1);
    while (t->hold && atomic_load(t->hold))
        usleep(2000);
    return ES_OK;
}

static void *s_turn_run(void *arg)
{
    s_turn *t = arg;
    es_jpeg_policy policy;
    es_jpeg_policy_default(&policy);
    es_orient_stripper *s = es_orient_stripper_new(&policy, t->cfg, s_slow_write, t);
    if (s && t->announce)
        es_orient_stripper_expect_input(s, t->len);
    if (s && es_orient_stripper_feed(s, t->in, t->len) == ES_OK && es_orient_stripper_finish(s) == ES_OK)
        t->outcome = es_orient_stripper_result(s)->outcome;
    es_orient_stripper_free(s);
    atomic_store(&t->done, 1);
    return NULL;
}

/* Waits up to ms for *flag to become nonzero. */
static bool s_wait_flag(atomic_int *flag, int ms)
{
    for (int i = 0; i < ms / 2 && !atomic_load(flag); i++)
        usleep(2000);
    return atomic_load(flag) != 0;
}

static void test_next_transform_starts_while_output_is_written(void)
{
    es_fixture_opts o = {.width = 64, .height = 48, .orientation = 6};
    uint8_t *in = NULL;
    size_t len = 0;
    REQUIRE(es_fixture_make(&o, &in, &len) == 0);
    s_shared_budget sb = {.b = es_transform_budget_new(UINT64_C(1) << 30, 1)};
    REQUIRE(sb.b);
    es_orient_budget_ops ops = {.acquire = s_ops_acquire,
                                .release = s_ops_release,
                                .ctx = &sb,
                                .end_run = s_ops_end_run};
    es_orient_config cfg = {.mode = ES_ORIENT_APPLY, .budget = &ops};
    atomic_int hold = 1;
    s_turn first = {.in = in, .len = len, .cfg = &cfg, .hold = &hold};
    s_turn second = {.in = in, .len = len, .cfg = &cfg};
    pthread_t t1, t2;
    REQUIRE(pthread_create(&t1, NULL, s_turn_run, &first) == 0);
    CHECK(s_wait_flag(&first.writing, 10000)); /* the first is transformed and writing its output */
    REQUIRE(pthread_create(&t2, NULL, s_turn_run, &second) == 0);
    bool second_done = s_wait_flag(&second.done, 5000);
    CHECK(second_done); /* its transform was admitted although the first's output is not written yet */
    atomic_store(&sb.cancel, 1); /* before the fix it waits: let it give up instead of hanging */
    pthread_join(t2, NULL);
    CHECK_INT_EQ(second.outcome, ES_ORIENT_TRANSFORMED);
    CHECK(!atomic_load(&first.done));
    unsigned running = 9;
    CHECK(es_transform_budget_in_use(sb.b, &running) > 0); /* the first's memory is still held */
    CHECK_INT_EQ(running, 0);
    atomic_store(&hold, 0);
    pthread_join(t1, NULL);
    CHECK_INT_EQ(first.outcome, ES_ORIENT_TRANSFORMED);
    CHECK_INT_EQ(es_transform_budget_in_use(sb.b, &running), 0);
    CHECK_INT_EQ(running, 0);
    es_transform_budget_free(sb.b);
    free(in);
}

/* A stripper for a photo of len bytes on sb's budget, its length announced. */
static es_orient_stripper *s_turner(const es_orient_config *cfg, size_t len)
{
    es_orient_stripper *s = es_orient_stripper_new(NULL, cfg, NULL, NULL);
    if (s)
        es_orient_stripper_expect_input(s, len);
    return s;
}

/* With one slot, taken: a photo to be turned takes its share (which covers
 * its input) as soon as its frame is read, and waiting for the slot it
 * holds that share and no more, so the budget counts it; a second photo
 * whose share does not fit now is stopped holding nothing; one whose share
 * could never fit keeps its tag at once; a stripper freed with a share
 * gives it back. */
static void test_waiting_photo_is_counted_by_the_budget(void)
{
    es_fixture_opts o = {.width = 256, .height = 192, .orientation = 6};
    uint8_t *in = NULL;
    size_t len = 0;
    REQUIRE(es_fixture_make(&o, &in, &len) == 0);
    s_shared_budget sb = {.b = es_transform_budget_new(UINT64_C(1) << 30, 1), .total = UINT64_C(1) << 30};
    REQUIRE(sb.b);
    es_orient_budget_ops ops = {.acquire = s_ops_acquire,
                                .release = s_ops_release,
                                .ctx = &sb,
                                .end_run = s_ops_end_run,
                                .hold = s_ops_hold};
    es_orient_config cfg = {.mode = ES_ORIENT_APPLY, .budget = &ops};
    es_orient_stripper *probe = s_turner(&cfg, len); /* learns one photo's share */
    REQUIRE(probe);
    CHECK_OK(es_orient_stripper_feed(probe, in, 64)); /* no frame yet: nothing taken */
    CHECK_INT_EQ(es_transform_budget_in_use(sb.b, NULL), 0);
    CHECK_OK(es_orient_stripper_feed(probe, in + 64, len - 64));
    uint64_t share = sb.last_hold;
    CHECK(share >= 3 * (uint64_t)len); /* the input held, its copy and the output */
    CHECK_INT_EQ(es_transform_budget_in_use(sb.b, NULL), share);
    es_orient_stripper_free(probe); /* never finished: its share comes back */
    CHECK_INT_EQ(es_transform_budget_in_use(sb.b, NULL), 0);
    es_transform_budget_free(sb.b);

    sb.total = share + share / 2; /* room for one share */
    sb.b = es_transform_budget_new(sb.total, 1);
    REQUIRE(sb.b);
    REQUIRE(es_transform_budget_acquire(sb.b, 0, &sb.cancel)); /* the slot is busy */
    s_turn first = {.in = in, .len = len, .cfg = &cfg, .announce = true};
    pthread_t t1;
    REQUIRE(pthread_create(&t1, NULL, s_turn_run, &first) == 0);
    usleep(150 * 1000);
    CHECK(!atomic_load(&first.done)); /* waits for the slot... */
    unsigned running = 9;
    CHECK_INT_EQ(es_transform_budget_in_use(sb.b, &running), share); /* ...counted, holding its share */
    CHECK_INT_EQ(running, 1);
    es_orient_stripper *second = s_turner(&cfg, len);
    REQUIRE(second);
    CHECK(es_orient_stripper_feed(second, in, len) == ES_ERR_CANCELLED); /* no room now: stopped */
    CHECK_INT_EQ(es_transform_budget_in_use(sb.b, NULL), share);         /* holding nothing */
    es_orient_stripper_free(second);
    es_transform_budget_end_run(sb.b); /* the slot's transform is done */
    pthread_join(t1, NULL);
    CHECK_INT_EQ(first.outcome, ES_ORIENT_TRANSFORMED);
    CHECK_INT_EQ(es_transform_budget_in_use(sb.b, &running), 0);
    CHECK_INT_EQ(running, 0);

    sb.total = share - 1; /* as the job answers a share over the whole budget */
    es_orient_stripper *big = s_turner(&cfg, len);
    REQUIRE(big);
    CHECK_OK(es_orient_stripper_feed(big, in, len));
    CHECK_OK(es_orient_stripper_finish(big));
    CHECK_INT_EQ(es_orient_stripper_result(big)->outcome, ES_ORIENT_TAG_KEPT);
    CHECK_STR_CONTAINS(es_orient_stripper_result(big)->note, "over the transform memory budget");
    CHECK(es_orient_stripper_streaming(big)); /* decided at the frame, not held to the end */
    es_orient_stripper_free(big);
    CHECK_INT_EQ(es_transform_budget_in_use(sb.b, NULL), 0);
    es_transform_budget_free(sb.b);
    free(in);
}

/* EXIFSTRIP_TRANSFORM_MEMORY=auto: half the memory limit, from 1 MiB to
 * 512 MiB; 512 MiB without a limit. The limit is never above the RAM. */
static void test_transform_memory_follows_the_limit(void)
{
    const uint64_t mib = 1024 * 1024;
    CHECK_INT_EQ(es_transform_memory_for_limit(0), 512 * mib);
    CHECK_INT_EQ(es_transform_memory_for_limit(64 * mib), 32 * mib);
    CHECK_INT_EQ(es_transform_memory_for_limit(512 * mib), 256 * mib);
    CHECK_INT_EQ(es_transform_memory_for_limit(1024 * mib), 512 * mib);
    CHECK_INT_EQ(es_transform_memory_for_limit(64ull << 30), 512 * mib);
    CHECK_INT_EQ(es_transform_memory_for_limit(1 * mib), 1 * mib);
    CHECK_INT_EQ(es_transform_memory_for_limit(3 * mib + 1), 3 * mib / 2);
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    uint64_t limit = es_transform_memory_limit();
    CHECK(limit > 0);
    if (pages > 0 && page > 0)
        CHECK(limit <= (uint64_t)pages * (uint64_t)page);
}

int main(void)
{
    ES_RUN(test_budget_waits_and_refuses);
    ES_RUN(test_cap_makes_a_transform_wait_although_memory_fits);
    ES_RUN(test_reserve_takes_bytes_without_a_slot);
    ES_RUN(test_acquire_waits_for_a_slot_out_of_the_queue);
    ES_RUN(test_waiting_share_is_served_first);
    ES_RUN(test_churning_small_shares_do_not_starve_a_big_one);
    ES_RUN(test_shared_budget_takes_the_setting); /* forks before the shared budget exists */
    ES_RUN(test_shared_budget_admits_the_usable_cpus);
    ES_RUN(test_usable_cpus_follow_the_affinity_mask);
    ES_RUN(test_quotas_round_up_to_whole_cpus);
    ES_RUN(test_transform_memory_follows_the_limit);
    ES_RUN(test_next_transform_starts_while_output_is_written);
    ES_RUN(test_waiting_photo_is_counted_by_the_budget);
    return es_test_finish();
}
