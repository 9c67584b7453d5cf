/**
 * jsonwebtoken 9 (CommonJS): `verify`, `sign` and `decode` on the package's exports object. Reached from ESM
 * the same object arrives as the namespace's `default`, so patching it covers `import jwt from 'jsonwebtoken'`.
 */
import { checksOf, type JwtOperation, type OperationResult } from '../events/audit-event';
import { asJsonObject, readClaims, readHeader } from '../jwt/compact';
import { callSync, recordingCallback, type Settled } from './call-shapes';
import type { AuditRecorder, LibraryAdapter, OperationScope, Patcher } from './contract';
import { jsonwebtokenFailure } from './jsonwebtoken-errors';

type AnyFunction = (...args: unknown[]) => unknown;

function failed(token: unknown, error: unknown): OperationResult {
  const compact = typeof token === 'string' ? token : undefined;
  return {
    token: compact,
    header: readHeader(compact),
    claims: readClaims(compact),
    failure: jsonwebtokenFailure(error),
    error,
  };
}

/** verify: as decode, plus the checks its options asked for and the key it was given. */
function describeVerify(token: unknown, key: unknown, options: unknown, settled: Settled<unknown>): OperationResult {
  return { ...describeRead(token, options, settled), checks: checksOf(options), key };
}

/** verify and decode: the payload, or `{ header, payload, signature }` with `complete: true`. */
function describeRead(token: unknown, options: unknown, settled: Settled<unknown>): OperationResult {
  if (!settled.ok) return failed(token, settled.error);
  const compact = typeof token === 'string' ? token : undefined;
  if (settled.value === null || settled.value === undefined) {
    // decode() answers a token it cannot read with null rather than an error.
    return { token: compact, failure: { reason: 'malformed', errorType: '_OTHER' } };
  }
  const complete = (asJsonObject(options) as { complete?: unknown } | undefined)?.complete === true;
  const value = asJsonObject(settled.value) as { header?: unknown; payload?: unknown } | undefined;
  return complete
    ? { token: compact, header: asJsonObject(value?.header), claims: asJsonObject(value?.payload) }
    : { token: compact, header: readHeader(compact), claims: asJsonObject(settled.value) };
}

function describeSign(key: unknown, settled: Settled<unknown>): OperationResult {
  if (!settled.ok) return { failure: jsonwebtokenFailure(settled.error), error: settled.error, key };
  const token = typeof settled.value === 'string' ? settled.value : undefined;
  return { token, header: readHeader(token), claims: readClaims(token), key };
}

/**
 * Index of the callback jsonwebtoken will call, by its own rules: verify takes the third argument when it is a
 * function and the fourth is falsy; sign takes the third whenever it is a function. -1 for a synchronous call.
 */
function callbackIndex(operation: 'verify' | 'sign', args: unknown[]): number {
  if (typeof args[2] === 'function' && (operation === 'sign' || !args[3])) return 2;
  return typeof args[3] === 'function' ? 3 : -1;
}

/** verify and sign: synchronous without a callback, callback-style with one (possibly called later). */
function callMaybeWithCallback(
  scope: OperationScope,
  thisArg: unknown,
  original: AnyFunction,
  args: unknown[],
  index: number,
  describe: (settled: Settled<unknown>) => OperationResult,
): unknown {
  if (index < 0) return callSync(scope, thisArg, original, args, describe);
  const patchedArgs = args.slice();
  patchedArgs[index] = recordingCallback(scope, args[index] as AnyFunction, describe);
  try {
    return scope.run(() => original.apply(thisArg, patchedArgs));
  } catch (error) {
    // Thrown before the callback ran (or by the user's callback, in which case the operation is already recorded).
    scope.end(() => describe({ ok: false, error }));
    throw error;
  }
}

const TARGETS: ReadonlyArray<{
  readonly name: 'verify' | 'sign' | 'decode';
  readonly operation: JwtOperation;
  readonly call: (scope: OperationScope, thisArg: unknown, original: AnyFunction, args: unknown[]) => unknown;
}> = [
  {
    name: 'verify',
    operation: 'verify',
    call: (scope, thisArg, original, args) => {
      const index = callbackIndex('verify', args);
      const options = index === 2 ? undefined : args[2];
      return callMaybeWithCallback(scope, thisArg, original, args, index, (settled) =>
        describeVerify(args[0], args[1], options, settled),
      );
    },
  },
  {
    name: 'sign',
    operation: 'sign',
    call: (scope, thisArg, original, args) =>
      callMaybeWithCallback(scope, thisArg, original, args, callbackIndex('sign', args), (settled) =>
        describeSign(args[1], settled),
      ),
  },
  {
    name: 'decode',
    operation: 'decode',
    call: (scope, thisArg, original, args) =>
      callSync(scope, thisArg, original, args, (settled) => describeRead(args[0], args[1], settled)),
  },
];

/** The CommonJS exports object, whether handed over by `require` or as an ESM namespace's `default`. */
function exportsObject(exports: unknown): Record<string, unknown> | undefined {
  const candidate = exports as { verify?: unknown; default?: { verify?: unknown } } | null;
  if (typeof candidate?.verify === 'function') return candidate as Record<string, unknown>;
  if (typeof candidate?.default?.verify === 'function') return candidate.default as Record<string, unknown>;
  return undefined;
}

export const jsonwebtokenAdapter: LibraryAdapter = {
  library: 'jsonwebtoken',
  option: 'jsonwebtoken',
  packageName: 'jsonwebtoken',
  supportedVersions: ['>=9.0.0 <10'],
  main: {
    patch(exports: unknown, patcher: Patcher, recorder: AuditRecorder) {
      const target = exportsObject(exports);
      if (!target) return;
      for (const { name, operation, call } of TARGETS) {
        if (typeof target[name] !== 'function') continue;
        patcher.wrap(
          target,
          name,
          (original) =>
            function (this: unknown, ...args: unknown[]) {
              const scope = recorder.begin(operation, 'jsonwebtoken');
              return scope ? call(scope, this, original as AnyFunction, args) : original.apply(this, args);
            },
        );
      }
    },
    unpatch(exports: unknown, patcher: Patcher) {
      const target = exportsObject(exports);
      if (target) for (const { name } of TARGETS) patcher.unwrap(target, name);
    },
  },
  files: [],
};
