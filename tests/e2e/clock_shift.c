/* clock_shift.c - an LD_PRELOAD library for tests/e2e/clock_step_test.sh:
 * the wall clock (time, gettimeofday, clock_gettime of CLOCK_REALTIME and
 * CLOCK_REALTIME_COARSE) reads as many seconds later as the file named by
 * ES_CLOCK_SHIFT_FILE says, read again at every call, so writing a new
 * number steps the clock of a running process the way an NTP step does.
 * CLOCK_MONOTONIC is left alone, as a step leaves it. Built by that test
 * with the system compiler; never linked into exifstrip. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/time.h>
#include <time.h>

static long s_shift_s(void)
{
    const char *path = getenv("ES_CLOCK_SHIFT_FILE");
    FILE *f = path ? fopen(path, "re") : NULL;
    long shift = 0;
    if (f) {
        if (fscanf(f, "%ld", &shift) != 1)
            shift = 0;
        fclose(f);
    }
    return shift;
}

int clock_gettime(clockid_t id, struct timespec *ts)
{
    static int (*real)(clockid_t, struct timespec *);
    if (!real)
        real = (int (*)(clockid_t, struct timespec *))dlsym(RTLD_NEXT, "clock_gettime");
    int rc = real(id, ts);
    if (rc == 0 && (id == CLOCK_REALTIME || id == CLOCK_REALTIME_COARSE))
        ts->tv_sec += s_shift_s();
    return rc;
}

int gettimeofday(struct timeval *tv, void *tz)
{
    struct timespec ts;
    int rc = clock_gettime(CLOCK_REALTIME, &ts);
    (void)tz;
    if (rc == 0 && tv) {
        tv->tv_sec = ts.tv_sec;
        tv->tv_usec = ts.tv_nsec / 1000;
    }
    return rc;
}

time_t time(time_t *out)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    if (out)
        *out = ts.tv_sec;
    return ts.tv_sec;
}
