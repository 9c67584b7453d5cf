/**
 * What an operation marks in the context it runs in: that it is running, so a library call nested in it (jose's
 * `jwtVerify` calls `compactVerify`) is not recorded twice, and what happened inside it that its library's error
 * does not tell: a key-set fetch that failed while the verify waited for its key. jsonwebtoken, for one, wraps a
 * key callback's error in its own message, so the verify's reason is corrected from the note rather than guessed
 * from the error.
 */
import { createContextKey, type Context } from '@opentelemetry/api';
import type { Failure } from '../events/audit-event';

export interface OperationNotes {
  /** A remote key set this operation needed could not be fetched. */
  keySetFetchFailed?: boolean;
}

/**
 * How one pipeline tells that a library call is nested in an operation it records: an asynchronous operation
 * sets its notes under this pipeline's key in the context it runs (one context value for both), a synchronous
 * one (which does not enter a context) counts itself on the stack. Each pipeline has its own, so two
 * instrumentations each record every operation once.
 */
export class Nesting {
  private readonly key = createContextKey('tokentrail.jwt.operation');
  syncDepth = 0;

  inside(active: Context): boolean {
    return this.syncDepth > 0 || active.getValue(this.key) !== undefined;
  }

  /** `ctx` with an operation of this pipeline running in it. */
  enter(ctx: Context, notes: OperationNotes): Context {
    return ctx.setValue(this.key, notes);
  }

  /** The notes of this pipeline's operation running in `ctx`, if any. */
  notes(ctx: Context): OperationNotes | undefined {
    return ctx.getValue(this.key) as OperationNotes | undefined;
  }
}

/** The failure to record: a verify that failed after its key set could not be fetched failed for that reason. */
export function notedFailure(failure: Failure | undefined, notes: OperationNotes): Failure | undefined {
  if (!failure || !notes.keySetFetchFailed) return failure;
  return { reason: 'jwks_fetch_failed', errorType: failure.errorType };
}
