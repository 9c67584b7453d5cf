/**
 * Recording a library call without changing it, for the three shapes JWT libraries use: a synchronous
 * return, a promise, and a Node-style callback. The caller always gets the library's own value, the very
 * error object it threw or rejected with, and its callback with the original arguments.
 */
import type { OperationResult } from '../events/audit-event';
import type { OperationScope } from './contract';

export type Settled<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: unknown };

export type Describe<T> = (settled: Settled<T>) => OperationResult;

/** Calls `original` synchronously and records how it returned or threw. */
export function callSync<T>(
  scope: OperationScope,
  thisArg: unknown,
  original: (...args: unknown[]) => T,
  args: unknown[],
  describe: Describe<T>,
): T {
  let value: T;
  try {
    value = scope.runSync(() => original.apply(thisArg, args));
  } catch (error) {
    scope.end(() => describe({ ok: false, error }));
    throw error;
  }
  scope.end(() => describe({ ok: true, value }));
  return value;
}

/** Calls an async `original` and records how its promise settled; the caller gets a promise of the same value. */
export function callAsync<T>(
  scope: OperationScope,
  thisArg: unknown,
  original: (...args: unknown[]) => Promise<T>,
  args: unknown[],
  describe: Describe<T>,
): Promise<T> {
  let promise: Promise<T>;
  try {
    promise = scope.run(() => original.apply(thisArg, args));
  } catch (error) {
    scope.end(() => describe({ ok: false, error }));
    throw error;
  }
  if (typeof (promise as { then?: unknown } | null | undefined)?.then !== 'function') {
    scope.end(() => describe({ ok: true, value: promise as unknown as T }));
    return promise;
  }
  return promise.then(
    (value) => {
      scope.end(() => describe({ ok: true, value }));
      return value;
    },
    (error: unknown) => {
      scope.end(() => describe({ ok: false, error }));
      throw error;
    },
  );
}

/**
 * Wraps a Node-style callback `(err, value)`: the operation is recorded when the library calls it, then the
 * user's callback runs with the same `this` and arguments, as the caller would have run it.
 */
export function recordingCallback<T>(
  scope: OperationScope,
  callback: (...args: unknown[]) => unknown,
  describe: Describe<T>,
): (...args: unknown[]) => unknown {
  return function (this: unknown, ...cbArgs: unknown[]) {
    const [error, value] = cbArgs;
    scope.end(() => describe(error ? { ok: false, error } : { ok: true, value: value as T }));
    return scope.runAsCaller(() => callback.apply(this, cbArgs));
  };
}
