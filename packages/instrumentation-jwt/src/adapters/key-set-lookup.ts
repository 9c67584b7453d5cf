/**
 * Recording one call of a key function that looks a key up in a remote set (jose's remote JWK set, jwks-rsa's
 * `getSigningKey`) without changing it: the caller gets the same promise value or error, or its callback with
 * the same arguments.
 */
import type { KeySetLookupResult } from '../events/key-set-event';
import type { KeySetScope } from './contract';
import { errorTypeOf } from './error-type';
import { isKeyNotFound } from './key-source-errors';

export type LookupSettled = { readonly ok: true } | { readonly ok: false; readonly error: unknown };

/** A lookup that failed for want of a key for the token is `key_not_found`; any other failure is the fetch's. */
export function lookupFailure(error: unknown): KeySetLookupResult['failure'] {
  return { reason: isKeyNotFound(error) ? 'key_not_found' : 'jwks_fetch_failed', errorType: errorTypeOf(error) };
}

/** Calls a lookup that returns a promise (or, given `callbackIndex`, calls back) and ends the scope when it settles. */
export function callLookup(
  scope: KeySetScope,
  thisArg: unknown,
  original: Function,
  args: unknown[],
  describe: (settled: LookupSettled) => KeySetLookupResult,
  callbackIndex = -1,
): unknown {
  const callback = callbackIndex >= 0 ? args[callbackIndex] : undefined;
  if (typeof callback === 'function') {
    const patched = args.slice();
    patched[callbackIndex] = function (this: unknown, ...cbArgs: unknown[]) {
      scope.end(() => describe(cbArgs[0] ? { ok: false, error: cbArgs[0] } : { ok: true }));
      return (callback as Function).apply(this, cbArgs);
    };
    return original.apply(thisArg, patched);
  }
  let result: unknown;
  try {
    result = original.apply(thisArg, args);
  } catch (error) {
    scope.end(() => describe({ ok: false, error }));
    throw error;
  }
  if (typeof (result as { then?: unknown } | null | undefined)?.then !== 'function') {
    scope.end(() => describe({ ok: true }));
    return result;
  }
  return (result as Promise<unknown>).then(
    (value) => {
      scope.end(() => describe({ ok: true }));
      return value;
    },
    (error: unknown) => {
      scope.end(() => describe({ ok: false, error }));
      throw error;
    },
  );
}
