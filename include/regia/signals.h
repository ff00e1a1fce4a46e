/* regia/signals.h - stop requests for batch jobs.
 *
 * SIGUSR1 (SLURM's warning before the time limit, --signal=B:USR1@120, forwarded by the
 * batch script) and SIGTERM (preemption, scancel, the time limit) are recorded by a
 * handler; drivers poll them between blocks of work, save a checkpoint and stop.
 * Host-only; process-wide state (a signal is delivered to the process).
 */
#ifndef REGIA_SIGNALS_H
#define REGIA_SIGNALS_H

#ifdef __cplusplus
extern "C" {
#endif

/* Install the handlers (idempotent). */
void regia_signals_install(void);
/* The signal received (SIGUSR1 or SIGTERM), or 0. */
int regia_signal_pending(void);

#ifdef __cplusplus
}
#endif
#endif
