/* quick_exit_test.c - src/common/quick_exit.h: the process ends with the
 * status given and its stdio buffers flushed, but without running the atexit
 * handlers (nor, by the same _exit, library destructors), except in
 * AddressSanitizer builds, where exit() runs them and the leak check. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../harness/test.h"
#include "common/quick_exit.h"

static int s_pipe[2];

static void s_handler(void)
{
    static const char ran[] = "H";
    (void)!write(s_pipe[1], ran, 1);
}

static void test_ends_without_exit_handlers(void)
{
    REQUIRE(pipe(s_pipe) == 0);
    fflush(NULL);
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        close(s_pipe[0]);
        atexit(s_handler);
        FILE *out = fdopen(dup(s_pipe[1]), "w");
        if (!out)
            _exit(99);
        fputs("buffered", out); /* only a flush writes it */
        es_quick_exit(7);
    }
    close(s_pipe[1]);
    char got[64] = "";
    size_t len = 0;
    ssize_t n;
    while (len < sizeof got - 1 && (n = read(s_pipe[0], got + len, sizeof got - 1 - len)) > 0)
        len += (size_t)n;
    close(s_pipe[0]);
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 7);
    CHECK(strstr(got, "buffered") != NULL);
    if (es_quick_exit_checks_leaks())
        CHECK(strchr(got, 'H') != NULL); /* exit(): handlers and the leak check run */
    else
        CHECK(strchr(got, 'H') == NULL);
}

int main(void)
{
    ES_RUN(test_ends_without_exit_handlers);
    return es_test_finish();
}
