/* quick_exit.c - ending a process without its exit handlers (quick_exit.h). */
#include "common/quick_exit.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define S_LEAK_CHECK 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define S_LEAK_CHECK 1
#endif
#endif

bool es_quick_exit_checks_leaks(void)
{
#ifdef S_LEAK_CHECK
    return true;
#else
    return false;
#endif
}

_Noreturn void es_quick_exit(int status)
{
    if (es_quick_exit_checks_leaks())
        exit(status);
    fflush(NULL);
    _exit(status);
}
