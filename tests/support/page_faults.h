/* page_faults.h - counting the calling thread's page faults as the CPU takes
 * them (perf's software event), for tests that assert none happen.
 * getrusage's ru_minflt cannot tell: it also counts each page that
 * madvise(MADV_POPULATE_WRITE) fills in (the kernel accounts those as faults
 * of the thread), which is exactly what such tests expect to replace faults. */
#ifndef ES_TEST_PAGE_FAULTS_H
#define ES_TEST_PAGE_FAULTS_H

/* Opens a counter of the calling thread's page faults in user space; -1 when
 * the kernel refuses (perf_event_paranoid, seccomp): the caller skips. */
int es_test_faults_open(void);
/* The faults counted so far (-1 on error). */
long es_test_faults_read(int counter);
void es_test_faults_close(int counter);

#endif
