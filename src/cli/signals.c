/* signals.c - SIGTERM/SIGINT handler installation (signals.h). */
#include "cli/signals.h"

#include <signal.h>
#include <string.h>

void es_cli_set_stop_handlers(void (*handler)(int))
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
}
