/* relay_bench.c - the floor under the worker's CPU per MB on this machine
 * (not a test): the least a process can do that receives an object over
 * loopback TCP and sends it on over loopback TCP, as the worker does against
 * a local endpoint. A source thread sends --mb megabytes to 127.0.0.1, the
 * relay (the main thread) recv()s them in chunks of the worker's curl buffer
 * size (ES_HTTP_STREAM_BUFFER), copies them into a part buffer of --part
 * bytes (prefaulted, as upload.c does) and send()s each full part in one go
 * to a sink thread, which discards them. No HTTP, no stripping, no checksums:
 * only the kernel's work for both sockets (including, as with a local
 * endpoint, the receiving socket's TCP processing that loopback runs in the
 * sender's system call) and one copy into the part. The relay thread's
 * user+sys CPU (RUSAGE_THREAD) per 10^6 bytes is reported for each of
 * --runs runs, then their median.
 * Lines starting with "# " are key/value results for scripts. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../support/wait.h"
#include "aws/http/http.h"

#define SOURCE_CHUNK ((size_t)1 << 20)

typedef struct peer {
    int listener;
    size_t bytes; /* the source: how many to send; 0 for the sink */
} peer;

static void die(const char *what)
{
    perror(what);
    exit(1);
}

/* A listening socket on 127.0.0.1, port chosen by the kernel. */
static int listen_local(int *port)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) != 0 || listen(s, 1) != 0 ||
        getsockname(s, (struct sockaddr *)&a, &len) != 0)
        die("listen on 127.0.0.1");
    *port = ntohs(a.sin_port);
    return s;
}

static int connect_local(int port)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof a) != 0)
        die("connect to 127.0.0.1");
    return s;
}

static void send_all(int s, const uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(s, p, n, 0);
        if (w <= 0)
            die("send");
        p += w;
        n -= (size_t)w;
    }
}

/* The source (pe->bytes > 0: sends that many) or the sink (reads until the
 * relay closes) of one run: one accepted connection, one 1 MiB buffer. */
static void *peer_run(void *arg)
{
    peer *pe = arg;
    int c = accept(pe->listener, NULL, NULL);
    uint8_t *buf = malloc(SOURCE_CHUNK);
    if (c < 0 || !buf)
        die(pe->bytes ? "source" : "sink");
    memset(buf, 0xab, SOURCE_CHUNK);
    for (size_t left = pe->bytes; left > 0;) {
        size_t n = left < SOURCE_CHUNK ? left : SOURCE_CHUNK;
        send_all(c, buf, n);
        left -= n;
    }
    while (!pe->bytes && recv(c, buf, SOURCE_CHUNK, 0) > 0) {
    }
    free(buf);
    close(c);
    return NULL;
}

/* One run: CPU ms of the relay thread per 10^6 bytes. */
static double relay_once(size_t bytes, size_t part_size)
{
    int in_port, out_port;
    peer src = {.listener = listen_local(&in_port), .bytes = bytes};
    peer dst = {.listener = listen_local(&out_port)};
    pthread_t ts, td;
    if (pthread_create(&ts, NULL, peer_run, &src) != 0 || pthread_create(&td, NULL, peer_run, &dst) != 0)
        die("pthread_create");
    uint8_t *chunk = malloc((size_t)ES_HTTP_STREAM_BUFFER);
    uint8_t *part = malloc(part_size);
    if (!chunk || !part)
        die("malloc");
    double t0 = es_test_cpu_ms(RUSAGE_THREAD);
#ifdef MADV_POPULATE_WRITE
    long page = sysconf(_SC_PAGESIZE);
    uintptr_t lo = ((uintptr_t)part + (uintptr_t)page - 1) & ~((uintptr_t)page - 1);
    uintptr_t hi = ((uintptr_t)part + part_size) & ~((uintptr_t)page - 1);
    if (hi > lo)
        (void)madvise((void *)lo, hi - lo, MADV_POPULATE_WRITE); // NOLINT(performance-no-int-to-ptr)
#endif
    int in = connect_local(in_port), out = connect_local(out_port);
    size_t fill = 0, got = 0;
    ssize_t n;
    while ((n = recv(in, chunk, (size_t)ES_HTTP_STREAM_BUFFER, 0)) > 0) {
        got += (size_t)n;
        for (size_t off = 0; off < (size_t)n;) {
            size_t k = part_size - fill < (size_t)n - off ? part_size - fill : (size_t)n - off;
            memcpy(part + fill, chunk + off, k);
            fill += k;
            off += k;
            if (fill == part_size) {
                send_all(out, part, fill);
                fill = 0;
            }
        }
    }
    send_all(out, part, fill);
    close(out);
    double ms = es_test_cpu_ms(RUSAGE_THREAD) - t0;
    close(in);
    pthread_join(ts, NULL);
    pthread_join(td, NULL);
    close(src.listener);
    close(dst.listener);
    free(chunk);
    free(part);
    if (got != bytes) {
        fprintf(stderr, "relay_bench: received %zu of %zu bytes\n", got, bytes);
        exit(1);
    }
    return ms / ((double)bytes / 1e6);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    size_t mb = 512, part = (size_t)8 << 20;
    int runs = 3;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--mb") && i + 1 < argc)
            mb = (size_t)strtoul(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--part") && i + 1 < argc)
            part = (size_t)strtoul(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--runs") && i + 1 < argc)
            runs = atoi(argv[++i]);
        else {
            fprintf(stderr, "usage: relay_bench [--mb MB] [--part BYTES] [--runs N]\n");
            return 2;
        }
    }
    if (mb == 0 || part == 0 || runs < 1 || runs > 99)
        return 2;
    double v[99];
    for (int r = 0; r < runs; r++) {
        v[r] = relay_once(mb * 1000000u, part);
        printf("run %d: %.3f ms/MB\n", r + 1, v[r]);
    }
    qsort(v, (size_t)runs, sizeof v[0], cmp_double);
    printf("# relay_ms_per_mb %.4f\n# relay_mb %zu\n# relay_part_bytes %zu\n# relay_runs %d\n", v[runs / 2],
           mb, part, runs);
    return 0;
}
