/**
 * The Ed25519 public key checkpoints must be signed with: an SPKI PEM or a JWK (a private one is reduced to its
 * public half), given as a file path (`--public-key`), as the key's text, or as a KeyObject.
 */
import { createPublicKey, KeyObject, type JsonWebKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ed25519KeyId } from '@tokentrail/instrumentation-jwt/audit-trail';
import { InputError, unreadable } from '../cli-errors';
import type { PublicKey } from './checkpoint-check';

/** What `publicKey` may be: a KeyObject, PEM or JWK text, a path to a file holding one, or an already read key. */
export type PublicKeyInput = KeyObject | string | Buffer | PublicKey;

function ed25519(key: KeyObject, what: string): PublicKey {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  if (publicKey.type !== 'public' || publicKey.asymmetricKeyType !== 'ed25519') {
    throw new InputError(
      `${what}: ${publicKey.type === 'secret' ? 'a secret' : `an ${publicKey.asymmetricKeyType}`} key; checkpoints are signed with Ed25519`,
    );
  }
  return { key: publicKey, keyId: ed25519KeyId(publicKey) };
}

function fromText(text: string, what: string): PublicKey {
  let key: KeyObject;
  try {
    const { d: _private, ...jwk } = text.trim().startsWith('{') ? (JSON.parse(text) as JsonWebKey) : {};
    key = text.trim().startsWith('{') ? createPublicKey({ key: jwk, format: 'jwk' }) : createPublicKey(text);
  } catch {
    throw new InputError(`${what}: not a public key (expected an Ed25519 key as SPKI PEM or JWK)`);
  }
  return ed25519(key, what);
}

/** Reads the key of `--public-key FILE` (`option` names it in errors). */
export function readPublicKey(file: string, option = '--public-key'): PublicKey {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw unreadable(`${option} ${file}`, error);
  }
  return fromText(text, `${option} ${file}`);
}

const looksLikeKeyText = (text: string) => /-----BEGIN [A-Z ]+-----/.test(text) || text.trim().startsWith('{');

/** The key of the programmatic `publicKey` option; throws an InputError (a `TypeError` for other types) naming what is wrong. */
export function publicKeyOf(input: PublicKeyInput): PublicKey {
  if (input instanceof KeyObject) return ed25519(input, 'publicKey');
  if (typeof input === 'string')
    return looksLikeKeyText(input) ? fromText(input, 'publicKey') : readPublicKey(input, 'publicKey');
  if (Buffer.isBuffer(input)) return fromText(input.toString('utf8'), 'publicKey');
  if (
    input !== null &&
    typeof input === 'object' &&
    (input as PublicKey).key instanceof KeyObject &&
    typeof (input as PublicKey).keyId === 'string'
  )
    return input as PublicKey;
  throw new TypeError('publicKey must be a KeyObject, PEM or JWK text, or the path of a file holding one');
}
