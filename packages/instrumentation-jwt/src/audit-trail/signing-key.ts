/**
 * The Ed25519 key that signs checkpoints. Accepted as a PKCS#8 PEM (text or bytes), a private JWK (`{"kty":"OKP","crv":"Ed25519","d":…,"x":…}`,
 * as an object or JSON text) or a KeyObject. Only its public half's thumbprint is ever exported.
 */
import { createHash, createPrivateKey, createPublicKey, sign, type JsonWebKey, type KeyObject } from 'node:crypto';

export interface CheckpointSigner {
  /** RFC 7638 JWK thumbprint (SHA-256, base64url) of the public key: names the key without revealing anything. */
  readonly keyId: string;
  /** Ed25519 signature of `statement`, base64url. */
  sign(statement: Uint8Array): string;
}

function toPrivateKey(key: unknown): KeyObject {
  if (typeof key === 'object' && key !== null && (key as KeyObject).type === 'private') return key as KeyObject;
  if (typeof key === 'string' && key.trim().startsWith('{'))
    return createPrivateKey({ key: JSON.parse(key), format: 'jwk' });
  if (typeof key === 'string') return createPrivateKey(key);
  if (key instanceof Uint8Array) return createPrivateKey(Buffer.from(key));
  if (typeof key === 'object' && key !== null) return createPrivateKey({ key: key as JsonWebKey, format: 'jwk' });
  throw new TypeError('not a key');
}

/** RFC 7638 thumbprint of an Ed25519 public key. */
export function ed25519KeyId(publicKey: KeyObject): string {
  const { crv, kty, x } = publicKey.export({ format: 'jwk' });
  return createHash('sha256').update(JSON.stringify({ crv, kty, x }), 'utf8').digest('base64url');
}

/** Throws a TypeError (naming no key material) when `key` is not an Ed25519 private key. */
export function createCheckpointSigner(key: unknown, option: string): CheckpointSigner {
  let privateKey: KeyObject;
  try {
    privateKey = toPrivateKey(key);
  } catch {
    throw new TypeError(`${option} must be an Ed25519 private key (PKCS#8 PEM or private JWK)`);
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') {
    throw new TypeError(
      `${option} must be an Ed25519 private key (got a ${privateKey.asymmetricKeyType ?? privateKey.type} key)`,
    );
  }
  const keyId = ed25519KeyId(createPublicKey(privateKey));
  return { keyId, sign: (statement) => sign(null, statement, privateKey).toString('base64url') };
}
