/* fail_malloc.c - the test binary's own malloc of fail_malloc.h: fails the
 * next call of the size asked for once, and passes every other call to
 * glibc's allocator. Not built under the sanitizers. */
#include "fail_malloc.h"

#include <stdatomic.h>

#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define S_SANITIZED 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define S_SANITIZED 1
#endif

static _Atomic size_t s_fail_size; /* 0: none pending */

#ifndef S_SANITIZED
extern void *__libc_malloc(size_t size);
void *malloc(size_t size); /* declared by <stdlib.h>, which this file leaves out */

void *malloc(size_t size)
{
    size_t want = atomic_load(&s_fail_size);
    if (want && size == want && atomic_compare_exchange_strong(&s_fail_size, &want, 0))
        return NULL;
    return __libc_malloc(size);
}

bool es_test_fail_malloc_available(void) { return true; }
#else
bool es_test_fail_malloc_available(void) { return false; }
#endif

void es_test_fail_next_malloc(size_t size) { atomic_store(&s_fail_size, size); }

bool es_test_malloc_failure_met(void) { return atomic_load(&s_fail_size) == 0; }
