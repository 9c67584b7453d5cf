/** The Ed25519 public key given with `--public-key`: an SPKI PEM, or a JWK (a private one is reduced to its public half). */
import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ed25519KeyId } from '@tokentrail/instrumentation-jwt/audit-trail';
import { InputError } from '../cli-errors';
import type { PublicKey } from './checkpoint-check';

export function readPublicKey(file: string): PublicKey {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new InputError(`cannot read --public-key ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  let key: KeyObject;
  try {
    const { d: _private, ...jwk } = text.trim().startsWith('{') ? (JSON.parse(text) as JsonWebKey) : {};
    key = text.trim().startsWith('{') ? createPublicKey({ key: jwk, format: 'jwk' }) : createPublicKey(text);
  } catch {
    throw new InputError(`--public-key ${file}: not a public key (expected an Ed25519 key as SPKI PEM or JWK)`);
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new InputError(`--public-key ${file}: an ${key.asymmetricKeyType} key; checkpoints are signed with Ed25519`);
  return { key, keyId: ed25519KeyId(key) };
}
