/* json_parse_bench.c - what the worker's per-message JSON costs (not a test;
 * run by hand: build/bench/json_parse_bench [--rounds N]). A realistic
 * ReceiveMessage reply of 10 messages, each carrying an S3 ObjectCreated
 * event as its Body (escaped, as SQS sends it; no MD5OfBody, so that only
 * JSON is measured), is parsed with es_sqs_json_parse_receive, then every
 * body with es_event_parse, the way the receiver and the jobs do. Each round
 * does that 200 times; per message it reports the thread's CPU time
 * (CLOCK_THREAD_CPUTIME_ID) of the two steps; the medians over the rounds are
 * printed as "# key value" lines. Instructions: run one round under
 * `valgrind --tool=callgrind` and read the two functions' inclusive counts. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws/sqs/json.h"
#include "worker/event.h"

#define S_MESSAGES 10
#define S_REPEAT 200

#define S_EVENT_FMT                                                                                      \
    "{\"Records\":[{\"eventVersion\":\"2.1\",\"eventSource\":\"aws:s3\",\"awsRegion\":\"eu-west-1\","    \
    "\"eventTime\":\"2026-12-05T01:02:03.456Z\",\"eventName\":\"ObjectCreated:Put\",\"userIdentity\":"   \
    "{\"principalId\":\"AWS:AIDAJDPLRKLG7UEXAMPLE\"},\"requestParameters\":{\"sourceIPAddress\":"        \
    "\"203.0.113.17\"},\"responseElements\":{\"x-amz-request-id\":\"C3D13FE58DE4C810\",\"x-amz-id-2\":"  \
    "\"FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD\"},\"s3\":{\"s3SchemaVersion\":" \
    "\"1.0\",\"configurationId\":\"exifstrip-uploads\",\"bucket\":{\"name\":\"photos-upload\","          \
    "\"ownerIdentity\":{\"principalId\":\"A3NL1KOZZKExample\"},\"arn\":\"arn:aws:s3:::photos-upload\"}," \
    "\"object\":{\"key\":\"phone/2026/12/IMG_%04d+portrait.jpg\",\"size\":3145728,\"eTag\":"             \
    "\"d41d8cd98f00b204e9800998ecf8427e\",\"versionId\":\"096fKKXTRTtl3on89fVO.nfljtsv6qko\","           \
    "\"sequencer\":\"0055AED6DCD90281E5\"}}}]}"

/* s as the contents of a JSON string ('"' and '\\' escaped). */
static size_t s_escape(const char *s, char *out)
{
    size_t o = 0;
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            out[o++] = '\\';
        out[o++] = *s;
    }
    out[o] = '\0';
    return o;
}

static char *s_reply(void)
{
    size_t cap = 64 * 1024, n = 0;
    char *r = malloc(cap);
    if (!r)
        return NULL;
    n += (size_t)snprintf(r + n, cap - n, "{\"Messages\":[");
    for (int i = 0; i < S_MESSAGES; i++) {
        char body[2048], escaped[4096], handle[600];
        snprintf(body, sizeof body, S_EVENT_FMT, i);
        s_escape(body, escaped);
        for (size_t k = 0; k < 400; k++)
            handle[k] =
                "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"[(k * 7 + (size_t)i) % 64];
        handle[400] = '\0';
        n += (size_t)snprintf(r + n, cap - n,
                              "%s{\"MessageId\":\"5fea7756-0ea4-451a-a703-a558b933e2%02d\",\"ReceiptHandle\":\"%s\","
                              "\"Body\":\"%s\",\"Attributes\":{\"ApproximateReceiveCount\":\"1\",\"SentTimestamp\":"
                              "\"1764896523456\",\"SenderId\":\"AIDAIENQZJOLO23YVJ4VO\","
                              "\"ApproximateFirstReceiveTimestamp\":\"1764896523500\"}}",
                              i ? "," : "", i, handle, escaped);
    }
    n += (size_t)snprintf(r + n, cap - n, "]}");
    return r;
}

static double s_cpu_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static int s_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double s_median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, s_cmp);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv)
{
    int rounds = 15;
    if (argc == 3 && !strcmp(argv[1], "--rounds"))
        rounds = atoi(argv[2]);
    if (rounds < 1 || rounds > 1000) {
        fprintf(stderr, "usage: json_parse_bench [--rounds 1..1000]\n");
        return 2;
    }
    char *reply = s_reply();
    if (!reply)
        return 1;
    size_t len = strlen(reply);
    double *recv_ns = calloc((size_t)rounds, sizeof *recv_ns),
           *event_ns = calloc((size_t)rounds, sizeof *event_ns);
    if (!recv_ns || !event_ns)
        return 1;
    for (int r = 0; r < rounds; r++) {
        double t_recv = 0, t_event = 0;
        for (int k = 0; k < S_REPEAT; k++) {
            es_sqs_message *msgs = NULL;
            size_t n = 0;
            double t0 = s_cpu_ns();
            if (es_sqs_json_parse_receive((const uint8_t *)reply, len, &msgs, &n, NULL, NULL) != ES_OK ||
                n != S_MESSAGES) {
                fprintf(stderr, "json_parse_bench: the reply did not parse\n");
                return 1;
            }
            double t1 = s_cpu_ns();
            for (size_t m = 0; m < n; m++) {
                es_event ev;
                es_error err;
                es_error_clear(&err);
                if (es_event_parse(msgs[m].body, strlen(msgs[m].body), &ev, &err) != ES_OK || ev.count != 1 ||
                    ev.records[0].state != ES_EVENT_RECORD_CREATED) {
                    fprintf(stderr, "json_parse_bench: body %zu did not parse: %s\n", m, err.msg);
                    return 1;
                }
                es_event_clear(&ev);
            }
            double t2 = s_cpu_ns();
            es_sqs_messages_free(msgs, n);
            t_recv += t1 - t0;
            t_event += t2 - t1;
        }
        double per = (double)S_REPEAT * S_MESSAGES;
        recv_ns[r] = t_recv / per;
        event_ns[r] = t_event / per;
        printf("round %2d: receive %7.0f ns, event %7.0f ns per message\n", r + 1, recv_ns[r], event_ns[r]);
    }
    printf("# reply_bytes %zu\n", len);
    printf("# receive_ns_per_message %.0f\n", s_median(recv_ns, rounds));
    printf("# event_ns_per_message %.0f\n", s_median(event_ns, rounds));
    free(recv_ns);
    free(event_ns);
    free(reply);
    return 0;
}
