/* concurrent_test.c - photos turned on several threads at once, as the
 * worker's jobs turn them: every output is the one the same photo gives when
 * turned alone, while the threads share the process-wide state of the turn
 * (the kept blocks of common/block_cache.h, handed from one thread's turn to
 * another's; the block pack's implementation, chosen by the first caller;
 * the CPU features read once). Sequential and progressive sources, restart
 * intervals, every sampling and grayscale. Built for ThreadSanitizer too
 * (make tsan), which reports any data race these turns run into. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../harness/test.h"
#include "common/block_cache.h"
#include "orient_util.h"

#define S_THREADS 4
#define S_ROUNDS 3
#define S_OUT_CAP ((size_t)4 << 20) /* more than any output here */

typedef struct s_photo {
    uint8_t *in;
    size_t in_len;
    ot_out want; /* turned alone, before any thread ran */
} s_photo;

static s_photo s_photos[8];
static size_t s_count;

typedef struct s_thread {
    pthread_t id;
    int first;        /* index of the photo this thread starts with */
    unsigned turns;   /* photos turned */
    unsigned differ;  /* outputs not the photo's alone */
    int first_differ; /* index of the first such photo, -1 if none */
} s_thread;

/* Turns in (one plain feed) into out; ES_OK only when it was turned. */
static es_err s_turn(const uint8_t *in, size_t len, ot_out *out)
{
    static const es_orient_config apply = {.mode = ES_ORIENT_APPLY};
    out->len = 0;
    es_orient_stripper *s = es_orient_stripper_new(NULL, &apply, ot_out_write, out);
    if (!s)
        return ES_ERR_NOMEM;
    es_err rc = es_orient_stripper_feed(s, in, len);
    if (rc == ES_OK)
        rc = es_orient_stripper_finish(s);
    if (rc == ES_OK && es_orient_stripper_result(s)->outcome != ES_ORIENT_TRANSFORMED)
        rc = ES_ERR_INTERNAL;
    es_orient_stripper_free(s);
    return rc;
}

static void *s_thread_main(void *arg)
{
    s_thread *t = arg;
    ot_out out = ot_out_new(S_OUT_CAP);
    t->first_differ = -1;
    for (unsigned round = 0; round < S_ROUNDS && out.data; round++)
        for (size_t k = 0; k < s_count; k++) {
            size_t i = ((size_t)t->first + k) % s_count;
            const s_photo *p = &s_photos[i];
            es_err rc = s_turn(p->in, p->in_len, &out);
            t->turns++;
            if (rc != ES_OK || out.len != p->want.len || memcmp(out.data, p->want.data, out.len) != 0) {
                t->differ++;
                if (t->first_differ < 0)
                    t->first_differ = (int)i;
            }
        }
    free(out.data);
    return NULL;
}

static void s_add(es_fixture_opts o)
{
    REQUIRE(s_count < sizeof s_photos / sizeof s_photos[0]);
    s_photo *p = &s_photos[s_count];
    REQUIRE(es_fixture_make(&o, &p->in, &p->in_len) == 0);
    p->want = ot_out_new(S_OUT_CAP);
    REQUIRE(p->want.data);
    CHECK_INT_EQ(s_turn(p->in, p->in_len, &p->want), ES_OK);
    s_count++;
}

static void s_free_photos(void)
{
    for (size_t i = 0; i < s_count; i++) {
        free(s_photos[i].in);
        free(s_photos[i].want.data);
    }
    s_count = 0;
}

/* Every thread turns every photo S_ROUNDS times, each starting at another
 * photo, with kept blocks allowed: each output equals the photo's turned
 * alone, and the threads did take blocks other turns gave back. */
static void test_threads_turn_as_one_does(void)
{
    s_add((es_fixture_opts){.width = 640, .height = 480, .orientation = 6, .exif_gps = true, .quality = 92});
    s_add((es_fixture_opts){.width = 333, .height = 251, .orientation = 8, .exif = true, .sampling = 422});
    s_add((es_fixture_opts){.width = 400,
                            .height = 300,
                            .orientation = 3,
                            .exif = true,
                            .sampling = 444,
                            .quality = 100});
    s_add((es_fixture_opts){.width = 300, .height = 200, .orientation = 5, .exif = true, .progressive = true});
    s_add((es_fixture_opts){.width = 250,
                            .height = 170,
                            .orientation = 7,
                            .exif = true,
                            .restart_interval = 2,
                            .sampling = 440});
    s_add((es_fixture_opts){.width = 320, .height = 240, .orientation = 6, .exif = true, .components = 1});
    REQUIRE(!es_test_current_failed());

    es_block_cache_limit((size_t)64 << 20, 60000, 0);
    es_block_cache_stats before = es_block_cache_stats_now();
    s_thread threads[S_THREADS] = {{0}};
    int started = 0;
    for (int i = 0; i < S_THREADS; i++) {
        threads[i].first = i;
        if (pthread_create(&threads[i].id, NULL, s_thread_main, &threads[i]) != 0)
            break;
        started++;
    }
    for (int i = 0; i < started; i++)
        pthread_join(threads[i].id, NULL);
    es_block_cache_stats after = es_block_cache_stats_now();
    es_block_cache_release();
    es_block_cache_limit(0, 0, 0);

    CHECK_INT_EQ(started, S_THREADS);
    for (int i = 0; i < started; i++) {
        CHECK_INT_EQ(threads[i].turns, (unsigned)(S_ROUNDS * s_count));
        if (threads[i].differ)
            es_test_fail(__FILE__, __LINE__,
                         "thread %d: %u of %u outputs differ from the photo turned alone "
                         "(first: photo %d)",
                         i, threads[i].differ, threads[i].turns, threads[i].first_differ);
    }
    CHECK(after.reused > before.reused);
    CHECK_INT_EQ(es_block_cache_stats_now().kept_blocks, 0);
    s_free_photos();
}

int main(void)
{
    ES_RUN(test_threads_turn_as_one_does);
    return es_test_finish();
}
