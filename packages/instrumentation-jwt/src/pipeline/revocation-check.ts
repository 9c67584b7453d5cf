/**
 * The asynchronous answers of a configured `isRevoked`, bounded: each waits at most the configured timeout, and
 * at most {@link MAX_PENDING_REVOCATION_CHECKS} wait at once per instrumentation. Past either bound the
 * operation is recorded at once with `jwt.revocation.check` saying why it has no answer, and nothing of it is
 * held by the check that never settled (only a small settled-or-not flag is).
 */
import type { RevocationCheckOutcome } from '../lifecycle/revocation';

export const MAX_PENDING_REVOCATION_CHECKS = 1000;

/** What became of one check: revoked or not, or the check's outcome when it gave no usable answer. */
export type RevocationAnswer = boolean | RevocationCheckOutcome;

/** The pending checks of one instrumentation. */
export class PendingRevocationChecks {
  private pending = 0;

  /** Whether another check may be waited for. */
  hasRoom(): boolean {
    return this.pending < MAX_PENDING_REVOCATION_CHECKS;
  }

  /**
   * Waits for `answer` at most `timeoutMs`; `deliver` runs exactly once, with the answer, `'error'` (after
   * `onError`) or `'timeout'`. Callers ask {@link hasRoom} first.
   */
  wait(
    answer: PromiseLike<unknown>,
    timeoutMs: number,
    deliver: (answer: RevocationAnswer) => void,
    onError: (error: unknown) => void,
  ): void {
    this.pending += 1;
    // The only thing the check's promise keeps once the bound passed: this holder, emptied on the first outcome.
    const holder: { deliver?: (answer: RevocationAnswer) => void } = { deliver };
    const settle = (outcome: RevocationAnswer) => {
      const target = holder.deliver;
      if (!target) return;
      holder.deliver = undefined;
      clearTimeout(timer);
      this.pending -= 1;
      target(outcome);
    };
    const timer = setTimeout(() => settle('timeout'), timeoutMs);
    timer.unref?.();
    Promise.resolve(answer).then(
      (value) => settle(value === true),
      (error: unknown) => {
        if (holder.deliver) onError(error);
        settle('error');
      },
    );
  }
}
