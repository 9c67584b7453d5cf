/**
 * hono 4's JWT helpers: `verify`, `verifyWithJwks`, `sign` and `decode`, defined in one file that hono ships
 * twice (ESM `dist/utils/jwt/jwt.js`, CommonJS `dist/cjs/utils/jwt/jwt.js`). Patching that file covers
 * `hono/jwt` (the middleware and its re-exports), `hono/utils/jwt` and the `Jwt` object, from `import` and
 * `require()` alike, since all of them read the functions from it.
 */
import type { JwtOperation, OperationResult, VerifyChecks } from '../events/audit-event';
import { asJsonObject, readClaims, readHeader } from '../jwt/compact';
import { callAsync, callSync, type Settled } from './call-shapes';
import type { AuditRecorder, LibraryAdapter, PatchedFile, Patcher } from './contract';
import { honoFailure } from './hono-errors';

type Describe = (args: unknown[], settled: Settled<unknown>) => OperationResult;

/** verify(token, key, alg | { alg, iss, aud, … }): the algorithm is always pinned. */
function verifyChecks(options: unknown): VerifyChecks {
  const o = asJsonObject(options) ?? {};
  return { issuer: o.iss !== undefined, audience: o.aud !== undefined, algorithms: true };
}

/** verifyWithJwks(token, { verification: { iss, aud }, allowedAlgorithms, … }). */
function keySetChecks(options: unknown): VerifyChecks {
  const o = (asJsonObject(options) ?? {}) as { verification?: unknown; allowedAlgorithms?: unknown };
  return { ...verifyChecks(o.verification), algorithms: Array.isArray(o.allowedAlgorithms) };
}

function describeVerify(checksOf: (options: unknown) => VerifyChecks, fromKeySet: boolean): Describe {
  return (args, settled) => {
    const token = typeof args[0] === 'string' ? args[0] : undefined;
    const header = readHeader(token);
    const checks = checksOf(fromKeySet ? args[1] : args[2]);
    // verify(token, key, …); verifyWithJwks resolves its key from a set, which is never seen.
    const key = fromKeySet ? undefined : args[1];
    if (settled.ok) return { token, header, claims: asJsonObject(settled.value), checks, key };
    return {
      token,
      header,
      claims: readClaims(token),
      failure: honoFailure(settled.error, header, fromKeySet),
      error: settled.error,
      checks,
      key,
    };
  };
}

/** sign(payload, key, alg?). */
function describeSign(args: unknown[], settled: Settled<unknown>): OperationResult {
  if (!settled.ok) return { failure: honoFailure(settled.error, undefined), error: settled.error, key: args[1] };
  const token = typeof settled.value === 'string' ? settled.value : undefined;
  return { token, header: readHeader(token), claims: readClaims(token), key: args[1] };
}

function describeDecode(args: unknown[], settled: Settled<unknown>): OperationResult {
  const token = typeof args[0] === 'string' ? args[0] : undefined;
  if (!settled.ok) {
    const header = readHeader(token);
    return { token, header, failure: honoFailure(settled.error, header), error: settled.error };
  }
  const value = asJsonObject(settled.value) as { header?: unknown; payload?: unknown } | undefined;
  return { token, header: asJsonObject(value?.header), claims: asJsonObject(value?.payload) };
}

const TARGETS: ReadonlyArray<{
  readonly name: string;
  readonly operation: JwtOperation;
  readonly sync?: boolean;
  readonly describe: Describe;
}> = [
  { name: 'verify', operation: 'verify', describe: describeVerify(verifyChecks, false) },
  { name: 'verifyWithJwks', operation: 'verify', describe: describeVerify(keySetChecks, true) },
  { name: 'sign', operation: 'sign', describe: describeSign },
  { name: 'decode', operation: 'decode', sync: true, describe: describeDecode },
];

function patchedFile(path: string): PatchedFile {
  return {
    path,
    patch(exports: unknown, patcher: Patcher, recorder: AuditRecorder) {
      if (exports === null || typeof exports !== 'object') return;
      for (const target of TARGETS) {
        patcher.wrap(
          exports,
          target.name,
          (original) =>
            function (this: unknown, ...args: unknown[]) {
              const scope = recorder.begin(target.operation, 'hono');
              if (!scope) return original.apply(this, args);
              const describe = (settled: Settled<unknown>) => target.describe(args, settled);
              const call = original as (...a: unknown[]) => Promise<unknown>;
              return target.sync
                ? callSync(scope, this, call, args, describe)
                : callAsync(scope, this, call, args, describe);
            },
        );
      }
    },
    unpatch(exports: unknown, patcher: Patcher) {
      if (exports !== null && typeof exports === 'object')
        for (const { name } of TARGETS) patcher.unwrap(exports, name);
    },
  };
}

export const honoAdapter: LibraryAdapter = {
  library: 'hono',
  option: 'hono',
  packageName: 'hono',
  supportedVersions: ['>=4.0.0 <5'],
  files: ['hono/dist/utils/jwt/jwt.js', 'hono/dist/cjs/utils/jwt/jwt.js'].map(patchedFile),
};
