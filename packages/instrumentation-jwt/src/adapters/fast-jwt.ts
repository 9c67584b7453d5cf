/**
 * fast-jwt 6 (CommonJS): `createVerifier`, `createSigner` and `createDecoder` are factories. The factory is
 * wrapped so that the function it returns records each of its calls, in the shape fast-jwt gives it: a
 * synchronous return when the key is a value, and with a key-fetcher function a promise or, when the caller
 * passes one, a callback.
 */
import type { JsonObject, JwtOperation, OperationResult, VerifyChecks } from '../events/audit-event';
import { asJsonObject, readClaims, readHeader } from '../jwt/compact';
import { callAsync, callSync, recordingCallback, type Settled } from './call-shapes';
import type { AuditRecorder, LibraryAdapter, OperationScope, Patcher } from './contract';
import { fastJwtFailure, type VerifierClock } from './fast-jwt-errors';
import { copyOwnProperties } from './function-properties';

type AnyFunction = (...args: unknown[]) => unknown;
type Options = Readonly<Record<string, unknown>>;

function tokenString(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  return Buffer.isBuffer(value) ? value.toString('utf8') : undefined;
}

/** verify options name the checks `allowedIss`, `allowedAud` and `algorithms`. */
function checksOf(options: Options): VerifyChecks {
  const { allowedIss, allowedAud, algorithms } = options;
  return {
    issuer: allowedIss !== undefined,
    audience: allowedAud !== undefined,
    algorithms: Array.isArray(algorithms) && algorithms.length > 0,
  };
}

/** verify and decode: the payload, or `{ header, payload, signature, input }` with `complete: true`. */
function describeRead(options: Options, token: unknown, settled: Settled<unknown>): OperationResult {
  const compact = tokenString(token);
  const claimsOnFailure = () => readClaims(compact);
  if (!settled.ok) {
    const claims = claimsOnFailure();
    return {
      token: compact,
      header: readHeader(compact),
      claims,
      failure: fastJwtFailure(settled.error, claims, options as VerifierClock),
      error: settled.error,
    };
  }
  const value = asJsonObject(settled.value) as { header?: unknown; payload?: unknown } | undefined;
  return options.complete
    ? { token: compact, header: asJsonObject(value?.header), claims: asJsonObject(value?.payload) }
    : { token: compact, header: readHeader(compact), claims: asJsonObject(settled.value) };
}

function describeSign(settled: Settled<unknown>): OperationResult {
  if (!settled.ok) return { failure: fastJwtFailure(settled.error), error: settled.error };
  const token = tokenString(settled.value);
  return { token, header: readHeader(token), claims: readClaims(token) as JsonObject | undefined };
}

/** Calls the function a factory made, in the shape fast-jwt will use for it. */
function callProduced(
  scope: OperationScope,
  thisArg: unknown,
  original: AnyFunction,
  args: unknown[],
  isAsync: boolean,
  describe: (s: Settled<unknown>) => OperationResult,
): unknown {
  if (!isAsync) return callSync(scope, thisArg, original, args, describe);
  if (typeof args[1] !== 'function')
    return callAsync(scope, thisArg, original as (...a: unknown[]) => Promise<unknown>, args, describe);
  const patchedArgs = args.slice();
  patchedArgs[1] = recordingCallback(scope, args[1] as AnyFunction, describe);
  try {
    return scope.run(() => original.apply(thisArg, patchedArgs));
  } catch (error) {
    // Thrown before the callback ran (a payload fast-jwt refuses), or by the user's callback (already recorded).
    scope.end(() => describe({ ok: false, error }));
    throw error;
  }
}

interface Factory {
  readonly name: 'createVerifier' | 'createSigner' | 'createDecoder';
  readonly operation: JwtOperation;
  readonly describe: (options: Options, args: unknown[], settled: Settled<unknown>) => OperationResult;
}

const FACTORIES: readonly Factory[] = [
  {
    name: 'createVerifier',
    operation: 'verify',
    describe: (o, args, s) => ({ ...describeRead(o, args[0], s), checks: checksOf(o), key: o.key }),
  },
  { name: 'createDecoder', operation: 'decode', describe: (o, args, s) => describeRead(o, args[0], s) },
  { name: 'createSigner', operation: 'sign', describe: (o, _args, s) => ({ ...describeSign(s), key: o.key }) },
];

/** The produced function, recording each call; it keeps the original's name, length and own properties (`cache`). */
function recordingProduct(
  recorder: AuditRecorder,
  factory: Factory,
  options: Options,
  produced: AnyFunction,
): AnyFunction {
  const isAsync = factory.operation !== 'decode' && typeof options.key === 'function';
  const recording = function (this: unknown, ...args: unknown[]) {
    const scope = recorder.begin(factory.operation, 'fast-jwt');
    if (!scope) return produced.apply(this, args);
    return callProduced(scope, this, produced, args, isAsync, (settled) => factory.describe(options, args, settled));
  };
  copyOwnProperties(produced, recording);
  return recording;
}

function wrapFactory(recorder: AuditRecorder, factory: Factory): (original: Function) => Function {
  return (original) =>
    function (this: unknown, ...args: unknown[]) {
      const produced = original.apply(this, args) as unknown;
      if (typeof produced !== 'function') return produced;
      try {
        const options = (asJsonObject(args[0]) ?? {}) as Options;
        return recordingProduct(recorder, factory, options, produced as AnyFunction);
      } catch {
        return produced;
      }
    };
}

/**
 * The objects holding the factories: the CommonJS exports object, and from ESM also the namespace, whose named
 * exports (`import { createVerifier } from 'fast-jwt'`) are copies of the `default` export's.
 */
function holders(exports: unknown): Record<string, unknown>[] {
  const candidate = exports as { createVerifier?: unknown; default?: { createVerifier?: unknown } } | null;
  const found: Record<string, unknown>[] = [];
  if (typeof candidate?.createVerifier === 'function') found.push(candidate as Record<string, unknown>);
  if (typeof candidate?.default?.createVerifier === 'function')
    found.push(candidate.default as Record<string, unknown>);
  return found;
}

/** The exports object is reached both by `require` and as an ESM `default`: it is patched once. */
const patched = new WeakSet<object>();

export const fastJwtAdapter: LibraryAdapter = {
  library: 'fast-jwt',
  option: 'fastJwt',
  packageName: 'fast-jwt',
  supportedVersions: ['>=6.0.0 <7'],
  main: {
    patch(exports: unknown, patcher: Patcher, recorder: AuditRecorder) {
      for (const target of holders(exports)) {
        if (patched.has(target)) continue;
        patched.add(target);
        for (const factory of FACTORIES) patcher.wrap(target, factory.name, wrapFactory(recorder, factory));
      }
    },
    unpatch(exports: unknown, patcher: Patcher) {
      for (const target of holders(exports)) {
        patched.delete(target);
        for (const { name } of FACTORIES) patcher.unwrap(target, name);
      }
    },
  },
  files: [],
};
