/**
 * jose 6's remote JWK set (`createRemoteJWKSet`). The set is created with jose's own fetch hook (its exported
 * `customFetch` option) pointing at a function that calls the application's fetch, or the global one, exactly
 * as jose would, and notes each response's status. Every call of the key function the set returns is one
 * lookup: `miss` when jose fetched the set during it, `hit` otherwise.
 */
import type { KeySetLookupResult } from '../events/key-set-event';
import type { AuditRecorder, PatchedFile, Patcher } from './contract';
import { copyOwnProperties } from './function-properties';
import { callLookup, lookupFailure, type LookupSettled } from './key-set-lookup';

/** What the set's fetches did, shared by all lookups of one set. */
interface FetchLog {
  fetches: number;
  status?: number;
}

function observingFetch(log: FetchLog, userFetch: unknown): (input: unknown, init: unknown) => Promise<unknown> {
  return async (input, init) => {
    log.fetches += 1;
    log.status = undefined;
    const response = (await (typeof userFetch === 'function'
      ? userFetch(input, init)
      : fetch(input as string, init as RequestInit))) as { status?: unknown };
    if (typeof response?.status === 'number') log.status = response.status;
    return response;
  };
}

function recordingKeyFunction(recorder: AuditRecorder, url: string, log: FetchLog, getKey: Function): Function {
  const lookup = function (this: unknown, ...args: unknown[]) {
    const scope = recorder.beginKeySetLookup(() => ({ client: 'jose', url }));
    if (!scope) return getKey.apply(this, args);
    const before = log.fetches;
    const describe = (settled: LookupSettled): KeySetLookupResult => {
      const fetched = log.fetches > before;
      const keys = (getKey as { jwks?: () => { keys?: unknown } | undefined }).jwks?.()?.keys;
      return {
        cache: fetched ? 'miss' : 'hit',
        status: fetched ? log.status : undefined,
        keys: Array.isArray(keys) ? keys : undefined,
        failure: settled.ok ? undefined : lookupFailure(settled.error),
      };
    };
    return callLookup(scope, this, getKey, args, describe);
  };
  copyOwnProperties(getKey, lookup);
  return lookup;
}

function wrapCreate(recorder: AuditRecorder, customFetch: unknown): (original: Function) => Function {
  return (original) =>
    function (this: unknown, ...args: unknown[]) {
      const [url, options] = args;
      const userFetch =
        options !== null && typeof options === 'object'
          ? (options as Record<symbol, unknown>)[customFetch as symbol]
          : undefined;
      // Anything jose would refuse or treat unusually is left to jose, untouched.
      const plain =
        options === undefined ||
        (options !== null && typeof options === 'object' && Object.getPrototypeOf(options) === Object.prototype);
      if (
        typeof customFetch !== 'symbol' ||
        !(url instanceof URL) ||
        !plain ||
        (userFetch !== undefined && typeof userFetch !== 'function')
      ) {
        return original.apply(this, args);
      }
      const log: FetchLog = { fetches: 0 };
      const getKey = original.call(this, url, {
        ...(options as object),
        [customFetch]: observingFetch(log, userFetch),
      }) as unknown;
      return typeof getKey === 'function' ? recordingKeyFunction(recorder, url.href, log, getKey) : getKey;
    };
}

export const joseRemoteJwksFile: PatchedFile = {
  path: 'jose/dist/webapi/jwks/remote.js',
  patch(exports: unknown, patcher: Patcher, recorder: AuditRecorder) {
    const customFetch = (exports as { customFetch?: unknown } | null)?.customFetch;
    if (exports !== null && typeof exports === 'object')
      patcher.wrap(exports, 'createRemoteJWKSet', wrapCreate(recorder, customFetch));
  },
  unpatch(exports: unknown, patcher: Patcher) {
    if (exports !== null && typeof exports === 'object') patcher.unwrap(exports, 'createRemoteJWKSet');
  },
};
