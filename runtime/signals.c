/* Stop requests (see regia/signals.h): the handler only records the signal. */
#include <signal.h>
#include <string.h>

#include "regia/signals.h"

static volatile sig_atomic_t pending_signal = 0;

static void on_signal(int sig) { pending_signal = sig; }

void regia_signals_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

int regia_signal_pending(void) { return (int)pending_signal; }
