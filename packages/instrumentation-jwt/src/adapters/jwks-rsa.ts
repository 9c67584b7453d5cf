/**
 * jwks-rsa 4: each `getSigningKey(kid[, callback])` of a client is one lookup in its remote set, `miss` when the
 * client fetched the set during it (its `getKeys`), `hit` when its cache answered. The lookup function is the one
 * jwks-rsa builds last (`wrappers/callbackSupport.js`), so caching, rate limiting and the callback form stay
 * jwks-rsa's own; every integration (`expressJwtSecret`, `passportJwtSecret`, `koaJwtSecret`) goes through it.
 */
import type { KeySetLookupResult } from '../events/key-set-event';
import type { AuditRecorder, LibraryAdapter, PatchedFile, Patcher } from './contract';
import { copyOwnProperties } from './function-properties';
import { callLookup, lookupFailure, type LookupSettled } from './key-set-lookup';

interface FetchLog {
  fetches: number;
  keys?: readonly unknown[];
}

/** Per client: its fetches, read by its lookups. */
const logs = new WeakMap<object, FetchLog>();

function logOf(client: object): FetchLog {
  let log = logs.get(client);
  if (!log) {
    log = { fetches: 0 };
    logs.set(client, log);
  }
  return log;
}

/** `JwksClient#getKeys`: the one place the client fetches its set. */
function wrapGetKeys(original: Function): Function {
  return function (this: object, ...args: unknown[]) {
    const log = logOf(this);
    log.fetches += 1;
    const result = original.apply(this, args) as Promise<unknown>;
    return result.then((keys) => {
      log.keys = Array.isArray(keys) ? keys : undefined;
      return keys;
    });
  };
}

function wrapCallbackSupport(recorder: AuditRecorder): (original: Function) => Function {
  return (original) =>
    function (this: unknown, ...args: unknown[]) {
      const getSigningKey = original.apply(this, args) as unknown;
      const client = args[0] as { options?: { jwksUri?: unknown } } | null;
      if (typeof getSigningKey !== 'function' || client === null || typeof client !== 'object') return getSigningKey;
      const log = logOf(client);
      const lookup = function (this: unknown, ...lookupArgs: unknown[]) {
        const url = client.options?.jwksUri;
        const scope =
          typeof url === 'string' ? recorder.beginKeySetLookup(() => ({ client: 'jwks-rsa', url })) : undefined;
        if (!scope) return getSigningKey.apply(this, lookupArgs);
        const before = log.fetches;
        const describe = (settled: LookupSettled): KeySetLookupResult => ({
          cache: log.fetches > before ? 'miss' : 'hit',
          keys: log.keys,
          failure: settled.ok ? undefined : lookupFailure(settled.error),
        });
        return callLookup(scope, this, getSigningKey, lookupArgs, describe, 1);
      };
      copyOwnProperties(getSigningKey, lookup);
      return lookup;
    };
}

const files: PatchedFile[] = [
  {
    path: 'jwks-rsa/src/JwksClient.js',
    patch(exports: unknown, patcher: Patcher) {
      const prototype = (exports as { JwksClient?: { prototype?: object } } | null)?.JwksClient?.prototype;
      if (prototype) patcher.wrap(prototype, 'getKeys', wrapGetKeys);
    },
    unpatch(exports: unknown, patcher: Patcher) {
      const prototype = (exports as { JwksClient?: { prototype?: object } } | null)?.JwksClient?.prototype;
      if (prototype) patcher.unwrap(prototype, 'getKeys');
    },
  },
  {
    path: 'jwks-rsa/src/wrappers/callbackSupport.js',
    patch(exports: unknown, patcher: Patcher, recorder: AuditRecorder) {
      if (exports !== null && typeof exports === 'object')
        patcher.wrap(exports, 'default', wrapCallbackSupport(recorder));
    },
    unpatch(exports: unknown, patcher: Patcher) {
      if (exports !== null && typeof exports === 'object') patcher.unwrap(exports, 'default');
    },
  },
];

export const jwksRsaAdapter: LibraryAdapter = {
  library: 'jwks-rsa',
  option: 'jwks',
  packageName: 'jwks-rsa',
  supportedVersions: ['>=4.0.0 <5'],
  files,
};
