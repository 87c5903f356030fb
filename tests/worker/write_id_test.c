/* write_id_test.c - the write id of a job's writes (src/worker/write_id.c):
 * 32 lower-case hex digits of the random bytes, whatever mix of interrupted
 * calls and short reads delivers them; no id at all ("" and false) when the
 * source fails or gives nothing, never a stand-in; two ids from the kernel
 * differ. */
#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "../harness/test.h"
#include "worker/write_id.h"

/* A scripted random source: each call plays the next step, either an error
 * (errno err, -1) or up to `bytes` more of 0x00, 0x11, 0x22, ... */
typedef struct s_step {
    int err;
    size_t bytes;
} s_step;

static const s_step *s_script;
static size_t s_calls, s_next_byte;

static ssize_t s_fill(void *buf, size_t len, unsigned int flags)
{
    CHECK_INT_EQ(flags, 0); /* blocking: never GRND_NONBLOCK or GRND_RANDOM */
    s_step step = s_script[s_calls++];
    if (step.err) {
        errno = step.err;
        return -1;
    }
    size_t n = step.bytes < len ? step.bytes : len;
    for (size_t i = 0; i < n; i++)
        ((unsigned char *)buf)[i] = (unsigned char)(0x11 * ((s_next_byte + i) & 0xf));
    s_next_byte += n;
    return (ssize_t)n;
}

static bool s_run(const s_step *script, char out[ES_WRITE_ID_SIZE])
{
    s_script = script;
    s_calls = s_next_byte = 0;
    memset(out, 'x', ES_WRITE_ID_SIZE);
    return es_write_id_from(s_fill, out);
}

static void test_interrupted_and_short_reads_are_retried(void)
{
    const s_step script[] = {{EINTR, 0}, {0, 5}, {EINTR, 0}, {0, 3}, {0, 64}};
    char id[ES_WRITE_ID_SIZE];
    CHECK(s_run(script, id));
    CHECK_STR_EQ(id, "00112233445566778899aabbccddeeff");
    CHECK_INT_EQ(s_calls, 5);
}

static void test_failure_gives_no_id(void)
{
    const s_step nosys[] = {{0, 4}, {ENOSYS, 0}};
    char id[ES_WRITE_ID_SIZE];
    CHECK(!s_run(nosys, id));
    CHECK_STR_EQ(id, "");
    CHECK_INT_EQ(errno, ENOSYS);
    const s_step nothing[] = {{0, 0}};
    CHECK(!s_run(nothing, id));
    CHECK_STR_EQ(id, "");
    CHECK_INT_EQ(s_calls, 1);
}

static bool s_is_id(const char *id)
{
    if (strlen(id) != ES_WRITE_ID_SIZE - 1)
        return false;
    for (const char *p = id; *p; p++)
        if (!isxdigit((unsigned char)*p) || isupper((unsigned char)*p))
            return false;
    return true;
}

static void test_kernel_ids_differ(void)
{
    char a[ES_WRITE_ID_SIZE], b[ES_WRITE_ID_SIZE];
    REQUIRE(es_write_id_new(a));
    REQUIRE(es_write_id_new(b));
    CHECK(s_is_id(a));
    CHECK(s_is_id(b));
    CHECK(strcmp(a, b) != 0);
}

int main(void)
{
    ES_RUN(test_interrupted_and_short_reads_are_retried);
    ES_RUN(test_failure_gives_no_id);
    ES_RUN(test_kernel_ids_differ);
    return es_test_finish();
}
