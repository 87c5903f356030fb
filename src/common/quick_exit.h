/* quick_exit.h - ending a process that has finished its work without the
 * exit handlers and destructors of the libraries it loaded.
 *
 * A worker has loaded libcurl's ~30 libraries and OpenSSL; exit() then runs
 * OpenSSL's cleanup (freeing every algorithm, name and provider table) and
 * each library's destructors, which free memory the kernel takes back
 * anyway and touch code that es_worker_release_startup_pages gave up, to be
 * faulted back in: ~60 page faults and ~2-3 ms of CPU on the VM of issue 11,
 * a tenth of the worker's start-up cost. */
#ifndef ES_COMMON_QUICK_EXIT_H
#define ES_COMMON_QUICK_EXIT_H

#include <stdbool.h>

/* True in AddressSanitizer builds, whose leak check runs at exit. */
bool es_quick_exit_checks_leaks(void);

/* Flushes every stdio stream and ends the process with status, running no
 * atexit handler and no library destructor. Call only once the program's
 * own shutdown is done (threads joined, files closed). In sanitizer builds
 * (es_quick_exit_checks_leaks) it is exit(status), so the leak check still
 * runs. */
_Noreturn void es_quick_exit(int status);

#endif
