/**
 * Delivering telemetry when the process ends, without changing how it ends:
 * - SIGTERM / SIGINT that the application handles: nothing changes — the application winds down, recording
 *   and exporting as usual, and whatever is left is delivered when it exits (below); an immediate flush here
 *   would only race `server.close(() => process.exit(0))` and have the exit path send its batch a second time;
 * - SIGTERM / SIGINT with no handler of the application's: seal, flush (bounded), deliver the rest
 *   synchronously, then re-raise the signal so the process ends exactly as it would have, killed by it;
 * - the event loop empties (`beforeExit`): seal and flush, bounded;
 * - `exit` (under `process.exit()`, after an uncaught exception, or after the above): the synchronous last
 *   delivery of everything not acknowledged (installed by {@link exitSafeTelemetry}).
 */
export interface Lifecycle {
  /** Seals the audit trail and exports everything, holding the process open for a bounded time. */
  finish(): Promise<void>;
  /** The synchronous last delivery. */
  deliverNow(): void;
}

export function deliverOnExit(lifecycle: Lifecycle, onError: (error: unknown) => void): void {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      if (process.listenerCount(signal) > 0) return;
      void lifecycle
        .finish()
        .catch(onError)
        .then(() => {
          lifecycle.deliverNow();
          if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
        });
    });
  }
  process.once('beforeExit', () => void lifecycle.finish().catch(onError));
}
