/**
 * The key `inspect` verifies with: a secret from an environment variable (`--secret-env`), a key file
 * (`--key`: PEM public key or certificate, or a JWK; a JWK Set is taken as `--jwks`), or a JWK Set from a
 * file or URL (`--jwks`). Key material is read, never printed.
 */
import { createPublicKey, createSecretKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createLocalJWKSet, createRemoteJWKSet, importJWK, type JWTVerifyGetKey } from 'jose';
import { lookupFailure, type Failure } from '@tokentrail/instrumentation-jwt/inspection';
import { InputError, UsageError, unreadable } from '../cli-errors';

export type VerificationKey = KeyObject | Uint8Array | JWTVerifyGetKey;

export interface KeyOptions {
  readonly secretEnv?: string;
  readonly key?: string;
  readonly jwks?: string;
}

function readText(option: string, file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw unreadable(`${option} ${file}`, error);
  }
}

function parseJson(option: string, where: string, text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new InputError(`${option} ${where}: not a JSON object`);
}

function localJwks(option: string, where: string, set: Record<string, unknown>): JWTVerifyGetKey {
  try {
    return createLocalJWKSet(set as unknown as Parameters<typeof createLocalJWKSet>[0]);
  } catch {
    throw new InputError(`${option} ${where}: not a JWK Set ({"keys": [...]})`);
  }
}

async function fromKeyFile(file: string, alg: string | undefined): Promise<VerificationKey> {
  const text = readText('--key', file);
  if (text.trim().startsWith('{')) {
    const jwk = parseJson('--key', file, text);
    if (Array.isArray(jwk.keys)) return localJwks('--key', file, jwk);
    const { d: _private, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicJwk } = jwk;
    try {
      return (await importJWK(jwk.kty === 'oct' ? jwk : publicJwk, (jwk.alg as string | undefined) ?? alg)) as
        | KeyObject
        | Uint8Array;
    } catch (error) {
      throw new InputError(`--key ${file}: not a usable JWK (${(error as Error).message})`);
    }
  }
  try {
    return createPublicKey(text);
  } catch {
    throw new InputError(`--key ${file}: not a PEM public key, certificate or JWK`);
  }
}

/** The lookup failure of a remote key set, as the instrumentation records it (a fetch failure is `jwks_fetch_failed`). */
export const keySetFailures = new WeakMap<JWTVerifyGetKey, Failure>();

/** jose's remote JWK Set, with the reason of a failed lookup kept for the verification to report. */
function remoteKeySet(url: URL): JWTVerifyGetKey {
  const remote = createRemoteJWKSet(url);
  const lookup: JWTVerifyGetKey = async (...args) => {
    try {
      return await remote(...args);
    } catch (error) {
      const failure = lookupFailure(error);
      if (failure) keySetFailures.set(lookup, failure);
      throw error;
    }
  };
  return lookup;
}

/** The key to verify with, or undefined when no key source was given. */
export async function verificationKey(
  options: KeyOptions,
  alg: string | undefined,
): Promise<VerificationKey | undefined> {
  const given = [options.secretEnv, options.key, options.jwks].filter((value) => value !== undefined);
  if (given.length > 1) throw new UsageError('give one of --secret-env, --key and --jwks');
  if (options.secretEnv !== undefined) {
    const secret = process.env[options.secretEnv];
    if (!secret) throw new InputError(`--secret-env ${options.secretEnv}: the variable is not set or empty`);
    return createSecretKey(Buffer.from(secret, 'utf8'));
  }
  if (options.key !== undefined) return fromKeyFile(options.key, alg);
  if (options.jwks !== undefined) {
    if (/^https?:\/\//i.test(options.jwks)) return remoteKeySet(new URL(options.jwks));
    return localJwks('--jwks', options.jwks, parseJson('--jwks', options.jwks, readText('--jwks', options.jwks)));
  }
  return undefined;
}

export type { JsonWebKey };
