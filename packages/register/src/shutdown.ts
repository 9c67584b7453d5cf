/**
 * Flushing telemetry when the process ends, without changing how it ends:
 * - SIGTERM / SIGINT with no handler of the application's: shut the SDK down (flushing everything), then
 *   re-raise the signal so the process ends exactly as it would have, killed by it;
 * - SIGTERM / SIGINT that the application handles: flush at once, keep recording while the application winds
 *   down, and shut down when the event loop empties or after `graceMs`, whichever comes first (an unreachable
 *   collector keeps retry timers alive, which would otherwise keep the process from ever exiting);
 * - normal exit (the event loop empties): shut down on `beforeExit`, once.
 * `process.exit()` ends the process synchronously and cannot be waited for: call `shutdown()` before it.
 */
export interface Lifecycle {
  /** Exports everything recorded so far; the SDK keeps running. */
  flush(): Promise<void>;
  /** Exports everything and stops the SDK. */
  shutdown(): Promise<void>;
}

export function flushOnExit(lifecycle: Lifecycle, graceMs: number, onError: (error: unknown) => void): void {
  let stopping: Promise<void> | undefined;
  const shutdownOnce = () => (stopping ??= lifecycle.shutdown().catch(onError));

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      if (process.listenerCount(signal) > 0) {
        void lifecycle.flush().catch(onError);
        setTimeout(() => void shutdownOnce(), graceMs).unref();
        return;
      }
      void shutdownOnce().then(() => {
        if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
      });
    });
  }
  process.once('beforeExit', () => void shutdownOnce());
}
