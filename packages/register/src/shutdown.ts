/**
 * Flushing telemetry when the process ends, without changing how it ends:
 * - SIGTERM / SIGINT: flush; then, if the application has no handler of its own for the signal, re-raise it
 *   so the process ends exactly as it would have (killed by the signal). If it has one, it decides.
 * - normal exit (the event loop empties): flush on `beforeExit`, once.
 * `process.exit()` ends the process synchronously and cannot be waited for: call `shutdown()` first.
 */
export function flushOnExit(flush: () => Promise<void>, onError: (error: unknown) => void): void {
  let flushing: Promise<void> | undefined;
  const flushOnce = () => (flushing ??= flush().catch(onError));

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      const applicationHandles = process.listenerCount(signal) > 0;
      void flushOnce().then(() => {
        if (!applicationHandles && process.listenerCount(signal) === 0) process.kill(process.pid, signal);
      });
    });
  }
  process.once('beforeExit', () => void flushOnce());
}
