/**
 * What happened inside an operation that its library's error does not tell: a key-set fetch that failed while
 * the verify waited for its key. jsonwebtoken, for one, wraps a key callback's error in its own message, so the
 * verify's reason is corrected from the note rather than guessed from the error.
 */
import { context, createContextKey, type Context } from '@opentelemetry/api';
import type { Failure } from '../events/audit-event';

const NOTES = createContextKey('tokentrail.jwt.operation.notes');

export interface OperationNotes {
  /** A remote key set this operation needed could not be fetched. */
  keySetFetchFailed?: boolean;
}

export function withNotes(ctx: Context, notes: OperationNotes): Context {
  return ctx.setValue(NOTES, notes);
}

/** The notes of the operation running in `ctx` (the active context by default), if any. */
export function operationNotes(ctx: Context = context.active()): OperationNotes | undefined {
  return ctx.getValue(NOTES) as OperationNotes | undefined;
}

/** The failure to record: a verify that failed after its key set could not be fetched failed for that reason. */
export function notedFailure(failure: Failure | undefined, notes: OperationNotes): Failure | undefined {
  if (!failure || !notes.keySetFetchFailed) return failure;
  return { reason: 'jwks_fetch_failed', errorType: failure.errorType };
}
