/* log_test.c - the structured logger: every JSON line parses and carries
 * time/level/event and the typed fields; strings are escaped (quotes,
 * control characters, invalid UTF-8); secret-looking fields and SigV4
 * material are redacted; numbers at their extremes; the timestamp is the
 * current UTC time across seconds; levels filter; the text format; over-long lines are
 * cut at a field boundary; and concurrent writers (through the real stderr
 * path) never interleave lines. */
#include <jansson.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../harness/test.h"
#include "common/log.h"

typedef struct s_capture {
    char buf[1 << 16];
    size_t len;
    int lines;
} s_capture;

static s_capture s_cap;

static void s_sink(void *ctx, const char *line, size_t len)
{
    s_capture *c = ctx;
    if (len < sizeof c->buf - c->len) {
        memcpy(c->buf + c->len, line, len);
        c->len += len;
        c->buf[c->len] = '\0';
    }
    c->lines++;
}

static void s_capture_start(es_log_level level, es_log_format format)
{
    memset(&s_cap, 0, sizeof s_cap);
    es_log_configure(level, format);
    es_log_set_sink(s_sink, &s_cap);
}

static void s_capture_stop(void) { es_log_set_sink(NULL, NULL); }

/* Parses the single captured line as a JSON object (caller decrefs). */
static json_t *s_line_json(void)
{
    if (s_cap.lines != 1 || s_cap.len == 0 || s_cap.buf[s_cap.len - 1] != '\n')
        return NULL;
    json_error_t jerr;
    json_t *j = json_loadb(s_cap.buf, s_cap.len - 1, 0, &jerr);
    if (!j)
        fprintf(stderr, "  invalid JSON (%s): %s", jerr.text, s_cap.buf);
    return j;
}

static void test_json_fields(void)
{
    s_capture_start(ES_LOG_DEBUG, ES_LOG_FORMAT_JSON);
    ES_LOG(ES_LOG_INFO, "job.done", ES_LF_STR("bucket", "src"), ES_LF_UINT("bytes_in", 9007199254740993ull),
           ES_LF_INT("delta", -5), ES_LF_BOOL("ok", true), ES_LF_STR("omitted", NULL));
    s_capture_stop();
    json_t *j = s_line_json();
    REQUIRE(j != NULL);
    CHECK_STR_EQ(json_string_value(json_object_get(j, "level")), "info");
    CHECK_STR_EQ(json_string_value(json_object_get(j, "event")), "job.done");
    CHECK_STR_EQ(json_string_value(json_object_get(j, "bucket")), "src");
    CHECK(json_is_integer(json_object_get(j, "delta")));
    CHECK_INT_EQ(json_integer_value(json_object_get(j, "delta")), -5);
    CHECK(json_is_true(json_object_get(j, "ok")));
    CHECK(json_object_get(j, "omitted") == NULL);
    const char *t = json_string_value(json_object_get(j, "time"));
    REQUIRE(t != NULL);
    /* 2024-05-01T12:34:56.789Z */
    CHECK_INT_EQ(strlen(t), 24);
    CHECK(t[4] == '-' && t[10] == 'T' && t[19] == '.' && t[23] == 'Z');
    CHECK_STR_CONTAINS(s_cap.buf, "\"bytes_in\":9007199254740993");
    /* fields keep their order after the fixed ones */
    CHECK(strstr(s_cap.buf, "\"time\"") < strstr(s_cap.buf, "\"event\""));
    CHECK(strstr(s_cap.buf, "\"event\"") < strstr(s_cap.buf, "\"bucket\""));
    json_decref(j);
}

/* Numbers at their extremes print as "%lld"/"%llu" would; the timestamp is
 * the current UTC time (its seconds are formatted once per second and reused
 * by later lines: they must still be right after the second changes). */
static void test_numbers_and_time(void)
{
    s_capture_start(ES_LOG_DEBUG, ES_LOG_FORMAT_JSON);
    ES_LOG(ES_LOG_INFO, "n", ES_LF_INT("min", LLONG_MIN), ES_LF_INT("max", LLONG_MAX), ES_LF_INT("zero", 0),
           ES_LF_UINT("umax", ULLONG_MAX), ES_LF_UINT("uzero", 0));
    s_capture_stop();
    CHECK_STR_CONTAINS(s_cap.buf, "\"min\":-9223372036854775808,\"max\":9223372036854775807,\"zero\":0,"
                                  "\"umax\":18446744073709551615,\"uzero\":0}");
    for (int i = 0; i < 2; i++) {
        char stamp[ES_LOG_TIME_SIZE], want[ES_LOG_TIME_SIZE], after[ES_LOG_TIME_SIZE];
        /* the logger's clock (time() reads a coarser one that may lag it by a tick) */
        struct timespec t0, t1;
        clock_gettime(CLOCK_REALTIME, &t0);
        es_log_timestamp(stamp);
        clock_gettime(CLOCK_REALTIME, &t1);
        time_t before = t0.tv_sec, end = t1.tv_sec;
        struct tm tm;
        gmtime_r(&before, &tm);
        strftime(want, sizeof want, "%Y-%m-%dT%H:%M:%S", &tm);
        gmtime_r(&end, &tm);
        strftime(after, sizeof after, "%Y-%m-%dT%H:%M:%S", &tm);
        CHECK(strncmp(stamp, want, 19) == 0 || strncmp(stamp, after, 19) == 0);
        CHECK_INT_EQ(strlen(stamp), 24);
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        if (i == 0)
            usleep((useconds_t)((1000000000L - now.tv_nsec) / 1000 + 20000)); /* just into the next second */
    }
}

static void test_json_escaping(void)
{
    const char *nasty = "quote\" back\\ nl\n tab\t cr\r bell\x07 del\x7f bad\xff\xfe utf8 \xE6\x97\xA5 "
                        "cut\xE6\x97";
    s_capture_start(ES_LOG_DEBUG, ES_LOG_FORMAT_JSON);
    ES_LOG(ES_LOG_WARN, "ev\"il\n", ES_LF_STR("key", nasty), ES_LF_STR("we\"ird key", "v"));
    s_capture_stop();
    json_t *j = s_line_json();
    REQUIRE(j != NULL);
    CHECK_INT_EQ(s_cap.lines, 1);
    CHECK(strchr(s_cap.buf, '\n') == s_cap.buf + s_cap.len - 1); /* one physical line */
    CHECK_STR_EQ(json_string_value(json_object_get(j, "event")), "ev\"il\n");
    const char *v = json_string_value(json_object_get(j, "key"));
    REQUIRE(v != NULL);
    CHECK_STR_CONTAINS(v, "quote\" back\\ nl\n tab\t cr\r bell\x07 del\x7f bad");
    CHECK_STR_CONTAINS(v, "bad\xEF\xBF\xBD\xEF\xBF\xBD utf8 \xE6\x97\xA5"); /* U+FFFD per bad byte */
    CHECK_STR_EQ(json_string_value(json_object_get(j, "we\"ird key")), "v");
    json_decref(j);
}

static void test_redaction(void)
{
    s_capture_start(ES_LOG_DEBUG, ES_LOG_FORMAT_JSON);
    ES_LOG(ES_LOG_INFO, "aws.request", ES_LF_STR("secret_access_key", "wJalrXUtnFEMI/K7MDENG"),
           ES_LF_STR("session_token", "FQoGZXIvYXdzEBYaD"), ES_LF_STR("Authorization", "AWS4-HMAC"),
           ES_LF_STR("x_password", "hunter2"), ES_LF_INT("token_count", 7),
           ES_LF_STR("url", "https://b.s3.amazonaws.com/k?X-Amz-Credential=AKIA&X-Amz-Signature=abc"),
           ES_LF_STR("header", "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7/2024"), ES_LF_STR("bucket", "fine"));
    s_capture_stop();
    json_t *j = s_line_json();
    REQUIRE(j != NULL);
    static const char *const redacted[] = {
        "secret_access_key", "session_token", "Authorization", "x_password", "token_count", "url", "header"};
    for (size_t i = 0; i < sizeof redacted / sizeof redacted[0]; i++)
        CHECK_STR_EQ(json_string_value(json_object_get(j, redacted[i])), "[redacted]");
    CHECK_STR_EQ(json_string_value(json_object_get(j, "bucket")), "fine");
    static const char *const leaks[] = {"wJalr", "FQoG", "hunter2", "AKIA", "abc"};
    for (size_t i = 0; i < sizeof leaks / sizeof leaks[0]; i++)
        CHECK(strstr(s_cap.buf, leaks[i]) == NULL);
    json_decref(j);
    CHECK(es_log_key_is_secret("AWS_SECRET_ACCESS_KEY"));
    CHECK(es_log_key_is_secret("X-Amz-Security-Token"));
    CHECK(!es_log_key_is_secret("request_id"));
    CHECK(!es_log_key_is_secret("key"));
    CHECK(es_log_key_is_secret("Set-COOKIE"));
    CHECK(es_log_key_is_secret("my_PassWd_2"));
    char long_key[300];
    memset(long_key, 'k', sizeof long_key);
    memcpy(long_key + 200, "SigNature", 9);
    long_key[sizeof long_key - 1] = '\0';
    CHECK(es_log_key_is_secret(long_key)); /* past the short-key copy */
    CHECK(!es_log_key_is_secret(long_key + 210));
}

/* SigV4 material is found in any case, anywhere in a value, next to other
 * dashes; near misses are not redacted. */
static void test_value_redaction_by_shape(void)
{
    static const char *const secret[] = {
        "x-amz-signature=00ff",        "a-b-c-X-AMZ-CREDENTIAL=AKIA/2024",
        "--X-Amz-Security-Token",      "Authorization: aws4-hmac-sha256 credential=AKIA",
        "AWS4-HMAC-SHA256 Credential",
    };
    static const char *const fine[] = {
        "x-amz-date=20240101",
        "X-Amz-Signatur",
        "AWS4-HMAC-SHA256",
        "in/photo-2024-01-01.jpg",
        "-",
        "",
        "AWS4 HMAC-SHA256 Credential",
    };
    for (size_t i = 0; i < sizeof secret / sizeof secret[0] + sizeof fine / sizeof fine[0]; i++) {
        bool is_secret = i < sizeof secret / sizeof secret[0];
        const char *v = is_secret ? secret[i] : fine[i - sizeof secret / sizeof secret[0]];
        s_capture_start(ES_LOG_DEBUG, ES_LOG_FORMAT_JSON);
        ES_LOG(ES_LOG_INFO, "aws.request", ES_LF_STR("detail", v));
        s_capture_stop();
        json_t *j = s_line_json();
        REQUIRE(j != NULL);
        const char *got = json_string_value(json_object_get(j, "detail"));
        if (!got || strcmp(got, is_secret ? "[redacted]" : v) != 0)
            es_test_fail(__FILE__, __LINE__, "\"%s\" logged as \"%s\", expected %s", v, got ? got : "(none)",
                         is_secret ? "[redacted]" : "as is");
        json_decref(j);
    }
}

static void test_levels(void)
{
    s_capture_start(ES_LOG_WARN, ES_LOG_FORMAT_JSON);
    CHECK(!es_log_enabled(ES_LOG_INFO));
    CHECK(es_log_enabled(ES_LOG_ERROR));
    ES_LOG(ES_LOG_DEBUG, "a", ES_LF_INT("n", 1));
    ES_LOG(ES_LOG_INFO, "b", ES_LF_INT("n", 2));
    ES_LOG(ES_LOG_WARN, "c", ES_LF_INT("n", 3));
    es_log_write(ES_LOG_ERROR, "d", NULL, 0);
    s_capture_stop();
    CHECK_INT_EQ(s_cap.lines, 2);
    CHECK(strstr(s_cap.buf, "\"event\":\"a\"") == NULL);
    CHECK_STR_CONTAINS(s_cap.buf, "\"level\":\"warn\",\"event\":\"c\"");
    CHECK_STR_CONTAINS(s_cap.buf, "\"level\":\"error\",\"event\":\"d\"}");
    es_log_level l;
    CHECK_OK(es_log_parse_level("WARNING", &l));
    CHECK_INT_EQ(l, ES_LOG_WARN);
    CHECK_INT_EQ(es_log_parse_level("trace", &l), ES_ERR_CONFIG);
    es_log_format f;
    CHECK_OK(es_log_parse_format("Json", &f));
    CHECK_INT_EQ(f, ES_LOG_FORMAT_JSON);
    CHECK_INT_EQ(es_log_parse_format("yaml", &f), ES_ERR_CONFIG);
}

static void test_text_format(void)
{
    s_capture_start(ES_LOG_INFO, ES_LOG_FORMAT_TEXT);
    ES_LOG(ES_LOG_INFO, "job.skipped", ES_LF_STR("bucket", "src"), ES_LF_STR("key", "my photo.jpg"),
           ES_LF_STR("empty", ""), ES_LF_UINT("bytes_in", 12), ES_LF_STR("token", "x"));
    s_capture_stop();
    CHECK_INT_EQ(s_cap.lines, 1);
    CHECK_STR_CONTAINS(s_cap.buf, "Z info  job.skipped bucket=src key=\"my photo.jpg\" empty=\"\" "
                                  "bytes_in=12 token=[redacted]\n");
}

static void test_env_configuration(void)
{
    es_error err;
    es_error_clear(&err);
    setenv("EXIFSTRIP_LOG_LEVEL", "loud", 1);
    CHECK_INT_EQ(es_log_configure_from_env(&err), ES_ERR_CONFIG);
    CHECK_STR_CONTAINS(err.msg, "EXIFSTRIP_LOG_LEVEL");
    setenv("EXIFSTRIP_LOG_LEVEL", "error", 1);
    setenv("EXIFSTRIP_LOG_FORMAT", "text", 1);
    es_error_clear(&err);
    CHECK_OK(es_log_configure_from_env(&err));
    CHECK(!es_log_enabled(ES_LOG_WARN));
    setenv("EXIFSTRIP_LOG_FORMAT", "csv", 1);
    es_error_clear(&err);
    CHECK_INT_EQ(es_log_configure_from_env(&err), ES_ERR_CONFIG);
    CHECK_STR_CONTAINS(err.msg, "EXIFSTRIP_LOG_FORMAT");
    unsetenv("EXIFSTRIP_LOG_LEVEL");
    unsetenv("EXIFSTRIP_LOG_FORMAT");
    es_log_configure(ES_LOG_INFO, ES_LOG_FORMAT_JSON);
}

static void test_truncation(void)
{
    char big[5000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    s_capture_start(ES_LOG_INFO, ES_LOG_FORMAT_JSON);
    ES_LOG(ES_LOG_INFO, "big", ES_LF_STR("a", big), ES_LF_STR("b", big), ES_LF_STR("c", big),
           ES_LF_STR("d", big), ES_LF_STR("e", big), ES_LF_STR("f", big));
    s_capture_stop();
    json_t *j = s_line_json();
    REQUIRE(j != NULL);
    CHECK(s_cap.len <= 16384);
    CHECK(json_is_true(json_object_get(j, "log_truncated")));
    /* each value is capped at 4096 bytes plus "..." */
    const char *a = json_string_value(json_object_get(j, "a"));
    REQUIRE(a != NULL);
    CHECK_INT_EQ(strlen(a), 4096 + 3);
    CHECK(json_object_get(j, "f") == NULL);
    json_decref(j);
}

#define S_THREADS 8
#define S_LINES 400

static void *s_writer(void *arg)
{
    long id = (long)arg;
    char pad[300];
    memset(pad, 'a' + (int)id, sizeof pad - 1);
    pad[sizeof pad - 1] = '\0';
    for (int i = 0; i < S_LINES; i++)
        ES_LOG(ES_LOG_INFO, "thread.line", ES_LF_INT("thread", id), ES_LF_INT("i", i), ES_LF_STR("pad", pad));
    return NULL;
}

/* Lines written concurrently to the real stderr (a file here) stay whole. */
static void test_concurrent_lines_do_not_interleave(void)
{
    char path[] = "/tmp/es_log_test_XXXXXX";
    int fd = mkstemp(path);
    REQUIRE(fd >= 0);
    fflush(stderr);
    int saved = dup(STDERR_FILENO);
    REQUIRE(saved >= 0);
    dup2(fd, STDERR_FILENO);
    es_log_configure(ES_LOG_INFO, ES_LOG_FORMAT_JSON);
    pthread_t th[S_THREADS];
    for (long t = 0; t < S_THREADS; t++)
        pthread_create(&th[t], NULL, s_writer, (void *)t);
    for (int t = 0; t < S_THREADS; t++)
        pthread_join(th[t], NULL);
    dup2(saved, STDERR_FILENO);
    close(saved);
    FILE *f = fopen(path, "r");
    REQUIRE(f != NULL);
    char line[1024];
    int count[S_THREADS] = {0}, bad = 0;
    while (fgets(line, sizeof line, f)) {
        json_t *j = json_loads(line, 0, NULL);
        json_int_t t = j ? json_integer_value(json_object_get(j, "thread")) : -1;
        const char *pad = j ? json_string_value(json_object_get(j, "pad")) : NULL;
        if (!j || t < 0 || t >= S_THREADS || !pad || strlen(pad) != 299 || pad[0] != 'a' + t ||
            pad[298] != 'a' + t)
            bad++;
        else
            count[t]++;
        json_decref(j);
    }
    fclose(f);
    close(fd);
    unlink(path);
    CHECK_INT_EQ(bad, 0);
    for (int t = 0; t < S_THREADS; t++)
        CHECK_INT_EQ(count[t], S_LINES);
}

int main(void)
{
    ES_RUN(test_json_fields);
    ES_RUN(test_numbers_and_time);
    ES_RUN(test_json_escaping);
    ES_RUN(test_redaction);
    ES_RUN(test_value_redaction_by_shape);
    ES_RUN(test_levels);
    ES_RUN(test_text_format);
    ES_RUN(test_env_configuration);
    ES_RUN(test_truncation);
    ES_RUN(test_concurrent_lines_do_not_interleave);
    return es_test_finish();
}
