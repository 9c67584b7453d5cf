/**
 * jose 6: the files that define each operation are patched, not the package entry point, so that every
 * way of reaching them is seen: `import { jwtVerify } from 'jose'`, `import … from 'jose/jwt/verify'`,
 * dynamic `import()`, and `require('jose')` (require(esm)).
 *
 * jose 4 (still the dependency of middlewares such as express-oauth2-jwt-bearer) has the same files and
 * exports under `dist/node/cjs/` and `dist/node/esm/`, so the same targets cover it.
 */
import { checksOf, type JsonObject, type JwtOperation, type OperationResult } from '../events/audit-event';
import { asJsonObject, claimsFromBytes, readClaims, readHeader, readSegment } from '../jwt/compact';
import { callAsync, callSync, type Settled } from './call-shapes';
import type { AuditRecorder, LibraryAdapter, PatchedFile, Patcher } from './contract';
import { joseFailure } from './jose-errors';
import { joseRemoteJwksFile } from './jose-remote-jwks';
import { jose4RemoteJwksFiles } from './jose4-remote-jwks';

type Describe = (args: unknown[], settled: Settled<unknown>) => OperationResult;

function tokenString(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array)
    return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('latin1');
  return undefined;
}

/** Results shaped `{ payload, protectedHeader }`; claims come from the library when it parsed them. */
function describeVerified(claimsOf: (payload: unknown) => JsonObject | undefined): Describe {
  return (args, settled) => {
    const token = tokenString(args[0]);
    const checks = checksOf(args[2]);
    if (settled.ok) {
      const { payload, protectedHeader } = settled.value as { payload?: unknown; protectedHeader?: unknown };
      return { token, header: asJsonObject(protectedHeader), claims: claimsOf(payload), checks, key: args[1] };
    }
    const { error } = settled;
    const claims = asJsonObject((error as { payload?: unknown } | null)?.payload) ?? readClaims(token);
    return { token, header: readHeader(token), claims, failure: joseFailure(error), error, checks, key: args[1] };
  };
}

/** Flattened and general JWS are objects, not strings: no fingerprint, header from the protected member. */
function describeJsonSerialization(args: unknown[], settled: Settled<unknown>): OperationResult {
  if (settled.ok) {
    const { payload, protectedHeader } = settled.value as { payload?: unknown; protectedHeader?: unknown };
    return {
      header: asJsonObject(protectedHeader),
      claims: claimsFromBytes(payload),
      checks: checksOf(args[2]),
      key: args[1],
    };
  }
  const jws = asJsonObject(args[0]) as { protected?: unknown; signatures?: Array<{ protected?: unknown }> } | undefined;
  const header = readSegment(jws?.protected ?? jws?.signatures?.[0]?.protected);
  return { header, failure: joseFailure(settled.error), error: settled.error, checks: checksOf(args[2]) };
}

/** `SignJWT#sign(key)` and `EncryptJWT#encrypt(key)` resolve to the new token. */
function describeIssued(args: unknown[], settled: Settled<unknown>): OperationResult {
  if (!settled.ok) return { failure: joseFailure(settled.error), error: settled.error, key: args[0] };
  const token = tokenString(settled.value);
  return { token, header: readHeader(token), claims: readClaims(token), key: args[0] };
}

function describeDecoded(args: unknown[], settled: Settled<unknown>): OperationResult {
  const token = tokenString(args[0]);
  if (settled.ok) return { token, header: readHeader(token), claims: asJsonObject(settled.value) };
  return { token, header: readHeader(token), failure: joseFailure(settled.error), error: settled.error };
}

interface Target {
  readonly file: string;
  readonly operation: JwtOperation;
  /** The export holding the function, and for class methods the method on its prototype. */
  readonly exportName: string;
  readonly method?: string;
  readonly sync?: boolean;
  readonly describe: Describe;
}

const TARGETS: readonly Target[] = [
  { file: 'jwt/verify.js', exportName: 'jwtVerify', operation: 'verify', describe: describeVerified(asJsonObject) },
  { file: 'jwt/decrypt.js', exportName: 'jwtDecrypt', operation: 'decrypt', describe: describeVerified(asJsonObject) },
  {
    file: 'jws/compact/verify.js',
    exportName: 'compactVerify',
    operation: 'verify',
    describe: describeVerified(claimsFromBytes),
  },
  {
    file: 'jws/flattened/verify.js',
    exportName: 'flattenedVerify',
    operation: 'verify',
    describe: describeJsonSerialization,
  },
  {
    file: 'jws/general/verify.js',
    exportName: 'generalVerify',
    operation: 'verify',
    describe: describeJsonSerialization,
  },
  { file: 'jwt/sign.js', exportName: 'SignJWT', method: 'sign', operation: 'sign', describe: describeIssued },
  {
    file: 'jwt/encrypt.js',
    exportName: 'EncryptJWT',
    method: 'encrypt',
    operation: 'encrypt',
    describe: describeIssued,
  },
  { file: 'util/decode_jwt.js', exportName: 'decodeJwt', operation: 'decode', sync: true, describe: describeDecoded },
];

function holderOf(exports: unknown, target: Target): object | undefined {
  const value = (exports as Record<string, unknown> | null)?.[target.exportName];
  if (target.method === undefined) return typeof value === 'function' ? (exports as object) : undefined;
  const prototype = (value as { prototype?: unknown } | undefined)?.prototype;
  return typeof prototype === 'object' && prototype !== null ? prototype : undefined;
}

/** Where the files live: jose 6's single build, jose 4's Node builds. */
const BUILDS = ['jose/dist/webapi/', 'jose/dist/node/cjs/', 'jose/dist/node/esm/'];

function patchedFile(build: string, target: Target): PatchedFile {
  const name = target.method ?? target.exportName;
  return {
    path: `${build}${target.file}`,
    patch(exports: unknown, patcher: Patcher, recorder: AuditRecorder) {
      const holder = holderOf(exports, target);
      if (!holder) return;
      patcher.wrap(
        holder,
        name,
        (original) =>
          function (this: unknown, ...args: unknown[]) {
            const scope = recorder.begin(target.operation, 'jose');
            if (!scope) return original.apply(this, args);
            const describe = (settled: Settled<unknown>) => target.describe(args, settled);
            const call = original as (...a: unknown[]) => Promise<unknown>;
            return target.sync
              ? callSync(scope, this, call, args, describe)
              : callAsync(scope, this, call, args, describe);
          },
      );
    },
    unpatch(exports: unknown, patcher: Patcher) {
      const holder = holderOf(exports, target);
      if (holder) patcher.unwrap(holder, name);
    },
  };
}

export const joseAdapter: LibraryAdapter = {
  library: 'jose',
  option: 'jose',
  packageName: 'jose',
  supportedVersions: ['>=4.15.0 <5', '>=6.0.0 <7'],
  files: [
    ...BUILDS.flatMap((build) => TARGETS.map((target) => patchedFile(build, target))),
    joseRemoteJwksFile,
    ...jose4RemoteJwksFiles,
  ],
};
