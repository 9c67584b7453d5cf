/**
 * jose 4's remote JWK set (`createRemoteJWKSet` in its Node builds, as express-oauth2-jwt-bearer uses it). jose 4
 * fetches with its own `runtime/fetch_jwks.js`, which resolves only on a 200 answer; each call of the key function
 * is one lookup, and the fetches made while it runs are counted in an AsyncLocalStorage store of that lookup.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { KeySetLookupResult } from '../events/key-set-event';
import type { AuditRecorder, PatchedFile, Patcher } from './contract';
import { copyOwnProperties } from './function-properties';
import { callLookup, lookupFailure, type LookupSettled } from './key-set-lookup';

interface LookupLog {
  fetches: number;
  keys?: readonly unknown[];
}

const currentLookup = new AsyncLocalStorage<LookupLog>();

/** `fetch_jwks.js`'s default export: notes the fetch and the keys it brought in the running lookup, if any. */
function wrapFetch(original: Function): Function {
  return function (this: unknown, ...args: unknown[]) {
    const log = currentLookup.getStore();
    if (!log) return original.apply(this, args);
    log.fetches += 1;
    return (original.apply(this, args) as Promise<unknown>).then((json) => {
      const keys = (json as { keys?: unknown } | null)?.keys;
      if (Array.isArray(keys)) log.keys = keys;
      return json;
    });
  };
}

function wrapCreate(recorder: AuditRecorder): (original: Function) => Function {
  return (original) =>
    function (this: unknown, ...args: unknown[]) {
      const getKey = original.apply(this, args) as unknown;
      const url = args[0];
      if (typeof getKey !== 'function' || !(url instanceof URL)) return getKey;
      const href = url.href;
      let heldKeys: readonly unknown[] | undefined;
      const lookup = function (this: unknown, ...lookupArgs: unknown[]) {
        const scope = recorder.beginKeySetLookup(() => ({ client: 'jose', url: href }));
        if (!scope) return getKey.apply(this, lookupArgs);
        const log: LookupLog = { fetches: 0 };
        const describe = (settled: LookupSettled): KeySetLookupResult => {
          if (log.keys) heldKeys = log.keys;
          const fetched = log.fetches > 0;
          return {
            cache: fetched ? 'miss' : 'hit',
            // jose 4 goes on past a fetch only when it was answered 200.
            status: fetched && log.keys ? 200 : undefined,
            keys: heldKeys,
            failure: settled.ok ? undefined : lookupFailure(settled.error),
          };
        };
        return currentLookup.run(log, () => callLookup(scope, this, getKey, lookupArgs, describe));
      };
      copyOwnProperties(getKey, lookup);
      return lookup;
    };
}

function filesOf(build: string): PatchedFile[] {
  return [
    {
      path: `${build}jwks/remote.js`,
      patch(exports: unknown, patcher: Patcher, recorder: AuditRecorder) {
        if (exports !== null && typeof exports === 'object')
          patcher.wrap(exports, 'createRemoteJWKSet', wrapCreate(recorder));
      },
      unpatch(exports: unknown, patcher: Patcher) {
        if (exports !== null && typeof exports === 'object') patcher.unwrap(exports, 'createRemoteJWKSet');
      },
    },
    {
      path: `${build}runtime/fetch_jwks.js`,
      patch(exports: unknown, patcher: Patcher) {
        if (exports !== null && typeof exports === 'object') patcher.wrap(exports, 'default', wrapFetch);
      },
      unpatch(exports: unknown, patcher: Patcher) {
        if (exports !== null && typeof exports === 'object') patcher.unwrap(exports, 'default');
      },
    },
  ];
}

export const jose4RemoteJwksFiles: readonly PatchedFile[] = ['jose/dist/node/cjs/', 'jose/dist/node/esm/'].flatMap(
  filesOf,
);
