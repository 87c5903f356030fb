/* fail_malloc.h - makes the next malloc of one size fail, for tests of what
 * running out of memory does. A test that calls these links fail_malloc.c's
 * malloc into its binary (glibc's __libc_malloc serves every other call);
 * under the sanitizers, whose allocators replace malloc, there is none and
 * es_test_fail_malloc_available() is false: such tests skip. */
#ifndef ES_TEST_FAIL_MALLOC_H
#define ES_TEST_FAIL_MALLOC_H

#include <stdbool.h>
#include <stddef.h>

bool es_test_fail_malloc_available(void);
/* The next malloc(size) returns NULL (size 0: none). */
void es_test_fail_next_malloc(size_t size);
/* Whether the failure asked for has happened (and none is pending). */
bool es_test_malloc_failure_met(void);

#endif
