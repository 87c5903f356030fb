/* worker_stop_itest.c - the real `exifstrip worker` process against the
 * emulator, stopped with SIGTERM: an idle worker sitting in a 20 s SQS long
 * poll (the default EXIFSTRIP_WAIT_SECONDS) exits 0 within a few seconds
 * instead of when the poll returns, and a job whose GET is stalled is
 * cancelled at the grace deadline (its message left for redelivery, nothing
 * written) instead of holding the process. The binary is BUILD/exifstrip,
 * found from this test's own path (BUILD/tests/worker/...), or $EXIFSTRIP. */
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../harness/test.h"
#include "../support/aws_itest.h"
#include "../support/fixture.h"
#include "../support/worker_fixture.h"
#include "../support/wait.h"
#include "worker/clock.h"

#define S_STOP_LIMIT_MS 5000 /* SIGTERM to exit, idle worker with a 20 s long poll */
#define S_GRACE_S 1
#define S_STALL_MS 60000       /* the emulator's delay of the stalled GET */
#define S_CANCEL_LIMIT_MS 4500 /* grace + ~1 s for the abort; was grace + 5 s (threads abandoned) */

static es_wfix s_w;
static char s_bin[PATH_MAX];

static bool s_find_binary(void)
{
    const char *env = getenv("EXIFSTRIP");
    if (env && env[0])
        return snprintf(s_bin, sizeof s_bin, "%s", env) < (int)sizeof s_bin;
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return false;
    exe[n] = '\0';
    for (int up = 0; up < 3; up++) { /* BUILD/tests/worker/worker_stop_itest -> BUILD */
        char *slash = strrchr(exe, '/');
        if (!slash)
            return false;
        *slash = '\0';
    }
    return snprintf(s_bin, sizeof s_bin, "%s/exifstrip", exe) < (int)sizeof s_bin && access(s_bin, X_OK) == 0;
}

typedef struct s_proc {
    pid_t pid;
    char log[128];
} s_proc;

/* Starts the worker on s_w's queue and buckets with a clean environment plus
 * extra ("NAME=value" strings, NULL-terminated); stderr goes to p->log. */
static bool s_spawn(s_proc *p, const char *const *extra)
{
    static int serial;
    snprintf(p->log, sizeof p->log, "/tmp/es_worker_stop_%ld_%d.log", (long)getpid(), serial++);
    char vars[8][600];
    snprintf(vars[0], sizeof vars[0], "AWS_ENDPOINT_URL=%s", es_itest_endpoint());
    snprintf(vars[1], sizeof vars[1], "EXIFSTRIP_QUEUE_URL=%s", s_w.queue_url);
    snprintf(vars[2], sizeof vars[2], "EXIFSTRIP_DEST_BUCKET=%s", s_w.dst);
    snprintf(vars[3], sizeof vars[3], "EXIFSTRIP_SOURCE_BUCKETS=%s", s_w.src);
    snprintf(vars[4], sizeof vars[4], "AWS_ACCESS_KEY_ID=%s", ES_ITEST_AKID);
    snprintf(vars[5], sizeof vars[5], "AWS_SECRET_ACCESS_KEY=%s", ES_ITEST_SECRET);
    char *envp[24];
    size_t ne = 0;
    for (size_t i = 0; i < 6; i++)
        envp[ne++] = vars[i];
    static char fixed[][64] = {"AWS_REGION=us-east-1", "AWS_EC2_METADATA_DISABLED=true", "HOME=/nonexistent",
                               "EXIFSTRIP_WAIT_SECONDS=20"};
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        envp[ne++] = fixed[i];
    const char *asan = getenv("ASAN_OPTIONS");
    char asan_var[256];
    if (asan && snprintf(asan_var, sizeof asan_var, "ASAN_OPTIONS=%s", asan) < (int)sizeof asan_var)
        envp[ne++] = asan_var;
    for (size_t i = 0; extra && extra[i] && ne < sizeof envp / sizeof envp[0] - 1; i++)
        envp[ne++] = (char *)extra[i];
    envp[ne] = NULL;

    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, p->log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    char *argv[] = {s_bin, (char *)"worker", NULL};
    int rc = posix_spawn(&p->pid, s_bin, &fa, NULL, argv, envp);
    posix_spawn_file_actions_destroy(&fa);
    return rc == 0;
}

/* Waits up to limit_ms for the exit; on timeout kills the process (so the
 * test never hangs) and returns false. *status gets the wait status. */
static bool s_wait_exit(const s_proc *p, uint64_t limit_ms, int *status)
{
    uint64_t end = es_clock_ms() + limit_ms;
    for (;;) {
        pid_t r = waitpid(p->pid, status, WNOHANG);
        if (r == p->pid)
            return true;
        if (r < 0 || es_clock_ms() >= end)
            break;
        es_test_sleep_ms(20);
    }
    kill(p->pid, SIGKILL);
    waitpid(p->pid, status, 0);
    return false;
}

/* True when a line of the log contains needle. */
static bool s_log_has(const char *path, const char *needle)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    char line[4096];
    bool found = false;
    while (!found && fgets(line, sizeof line, f))
        found = strstr(line, needle) != NULL;
    fclose(f);
    return found;
}

static void s_dump_log(const char *path)
{
    if (!es_test_current_failed() || !getenv("ES_TEST_VERBOSE"))
        return;
    FILE *f = fopen(path, "r");
    char line[4096];
    while (f && fgets(line, sizeof line, f))
        fputs(line, stderr);
    if (f)
        fclose(f);
}

#define SETUP()                                                                        \
    do {                                                                               \
        REQUIRE(es_itest_endpoint() != NULL && "ES_TEST_ENDPOINT names the emulator"); \
        REQUIRE(s_bin[0] && "the exifstrip binary next to the tests");                 \
        REQUIRE(es_wfix_setup(&s_w, 1) == 0);                                          \
    } while (0)

static void test_sigterm_ends_idle_long_poll(void)
{
    SETUP();
    const char *queue = strrchr(s_w.queue_url, '/');
    REQUIRE(queue);
    long seq = es_wfix_last_seq();
    s_proc p;
    REQUIRE(s_spawn(&p, NULL));
    es_test_sleep_ms(2000);
    /* The receiver is inside its 20 s ReceiveMessage on the empty queue (the
     * emulator logs a request when it answers it: none yet). */
    CHECK(es_wfix_count(seq, "ReceiveMessage", queue + 1) == 0);
    uint64_t start = es_clock_ms();
    CHECK(kill(p.pid, SIGTERM) == 0);
    int status = 0;
    bool exited = s_wait_exit(&p, S_STOP_LIMIT_MS, &status);
    uint64_t took = es_clock_ms() - start;
    CHECK(exited);
    CHECK(took < S_STOP_LIMIT_MS);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK(s_log_has(p.log, "\"event\":\"sqs.receive_cancelled\""));
    CHECK(s_log_has(p.log, "\"event\":\"worker.stop\""));
    CHECK(!s_log_has(p.log, "\"event\":\"sqs.receive_failed\""));
    CHECK(s_log_has(p.log, "\"abandoned_threads\":0"));
    s_dump_log(p.log);
    unlink(p.log);
    es_wfix_teardown(&s_w);
}

static void test_sigterm_cancels_stalled_get_at_grace(void)
{
    SETUP();
    size_t len = 0;
    uint8_t *jpeg = NULL;
    es_fixture_opts o = {.exif_gps = true, .seed = 5};
    REQUIRE(es_fixture_make(&o, &jpeg, &len) == 0);
    const char *key = "stalled.jpg";
    char rule[256];
    snprintf(rule, sizeof rule,
             "{\"service\":\"s3\",\"action\":\"GetObject\",\"key\":\"%s\","
             "\"delay_ms\":%d,\"times\":1}",
             key, S_STALL_MS);
    REQUIRE(es_itest_fault(rule) == 0);
    REQUIRE(es_wfix_put(&s_w, s_w.src, key, jpeg, len) == ES_OK);
    char body[4096];
    es_wfix_s3_event(body, sizeof body, s_w.src, key, NULL, NULL, (long long)len);
    es_aws_result res;
    es_aws_result_clear(&res);
    REQUIRE(es_sqs_send(s_w.sqs, s_w.queue_url, body, NULL, 0, &res) == ES_OK);

    char grace[64];
    snprintf(grace, sizeof grace, "EXIFSTRIP_SHUTDOWN_GRACE=%d", S_GRACE_S);
    const char *extra[] = {grace, "EXIFSTRIP_CONCURRENCY=1", NULL};
    s_proc p;
    REQUIRE(s_spawn(&p, extra));
    es_test_sleep_ms(2000); /* received at once; the GET now waits on the emulator */
    uint64_t start = es_clock_ms();
    CHECK(kill(p.pid, SIGTERM) == 0);
    int status = 0;
    bool exited = s_wait_exit(&p, 20000, &status);
    uint64_t took = es_clock_ms() - start;
    CHECK(exited);
    CHECK(took >= S_GRACE_S * 1000u); /* the job did get its grace period */
    CHECK(took < S_CANCEL_LIMIT_MS);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK(s_log_has(p.log, "\"event\":\"worker.grace_expired\""));
    CHECK(s_log_has(p.log, "\"event\":\"job.retry\""));
    CHECK(s_log_has(p.log, "shutting down: transfer abandoned"));
    CHECK(s_log_has(p.log, "\"abandoned_threads\":0"));
    CHECK(s_log_has(p.log, "\"deleted\":0"));
    CHECK_INT_EQ(es_wfix_queue_attr(&s_w, "ApproximateNumberOfMessagesNotVisible"), 1); /* left, not deleted */
    char etag[128];
    CHECK(es_wfix_etag(&s_w, s_w.dst, key, etag, sizeof etag) != ES_OK); /* nothing written */
    s_dump_log(p.log);
    unlink(p.log);
    free(jpeg);
    es_wfix_teardown(&s_w);
}

int main(void)
{
    if (!s_find_binary()) {
        fprintf(stderr, "worker_stop_itest: no exifstrip binary found (set EXIFSTRIP)\n");
        s_bin[0] = '\0';
    }
    ES_RUN(test_sigterm_ends_idle_long_poll);
    ES_RUN(test_sigterm_cancels_stalled_get_at_grace);
    return es_test_finish();
}
