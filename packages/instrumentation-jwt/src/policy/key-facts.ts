/**
 * Key facts: what a signing or verification key is (a secret, RSA, EC, OKP) and how big, measured at run time
 * from whatever the application passed to the library — a `KeyObject`, a WebCrypto `CryptoKey`, a secret as a
 * `Uint8Array` or string, a PEM string or buffer, a JWK, or jsonwebtoken's `{ key, passphrase }`. Only the
 * facts and the findings they raise leave this module, and a keyed fingerprint of the key (the public key for
 * a key pair, so a private key and its public key share one fingerprint); never the key or anything from
 * which it could be recomputed without the pseudonym key. A function (jose's key resolvers, a remote JWKS)
 * is not measured: the key it resolves is never seen.
 */
import { KeyObject, createPrivateKey, createPublicKey, createSecretKey, hash, type webcrypto } from 'node:crypto';
import type { Finding } from './findings';

export interface KeyFacts {
  /** `oct` for a shared secret; the asymmetric key type otherwise (`rsa`, `rsa-pss`, `ec`, `ed25519`, …). */
  readonly kind: string;
  /** Size in bits: the secret's length, or the RSA modulus. Absent for curve keys (their size is their curve). */
  readonly bits?: number;
}

/** A measured key: its facts, and a digest of its (public) material kept in process for the fingerprint. */
export interface MeasuredKey {
  readonly facts: KeyFacts;
  /**
   * SHA-256 of the secret or of the public key's SPKI DER, absent for a non-extractable WebCrypto key. Never
   * exported: it is only ever pseudonymized.
   */
  readonly digest?: string;
}

/** RSA modulus below this is `rsa_key_small` (NIST SP 800-131A, RFC 7518 §3.3). */
export const MIN_RSA_BITS = 2048;

/** The hash output of each HMAC algorithm: a shorter secret is `hmac_key_weak` (RFC 7518 §3.2). */
const HMAC_HASH_BITS: ReadonlyMap<string, number> = new Map([
  ['HS256', 256],
  ['HS384', 384],
  ['HS512', 512],
]);

const PEM = '-----BEGIN';
const PEM_BYTES = Buffer.from(PEM);
/** Bytes that open as PEM text (a key file read as a Buffer) rather than a raw secret. */
const isPemBytes = (bytes: Buffer): boolean => bytes.subarray(0, 64).includes(PEM_BYTES);
/** What the digest of a key's material starts with: its kind, so a secret and a public key never share one. */
const OCT = Buffer.from('oct:');
const SPKI = Buffer.from('spki:');

function fromPem(pem: string | Buffer, passphrase?: string): KeyObject {
  const text = typeof pem === 'string' ? pem : pem.toString('utf8');
  if (text.includes('PRIVATE KEY'))
    return createPrivateKey(passphrase === undefined ? text : { key: text, passphrase });
  return createPublicKey(text);
}

function fromJwk(jwk: { kty?: unknown; k?: unknown }): KeyObject | undefined {
  if (jwk.kty === 'oct')
    return typeof jwk.k === 'string' ? createSecretKey(Buffer.from(jwk.k, 'base64url')) : undefined;
  if (typeof jwk.kty !== 'string') return undefined;
  return 'd' in jwk
    ? createPrivateKey({ key: jwk as never, format: 'jwk' })
    : createPublicKey({ key: jwk as never, format: 'jwk' });
}

/** A WebCrypto key that cannot be exported: measured from its algorithm, without a digest (so no fingerprint). */
function measureCryptoKey({ algorithm }: webcrypto.CryptoKey): MeasuredKey {
  const a = algorithm as { name: string; length?: number; modulusLength?: number };
  if (a.name === 'HMAC') return { facts: { kind: 'oct', bits: a.length } };
  if (a.name.startsWith('RSA'))
    return { facts: { kind: a.name === 'RSA-PSS' ? 'rsa-pss' : 'rsa', bits: a.modulusLength } };
  return { facts: { kind: a.name === 'ECDSA' || a.name === 'ECDH' ? 'ec' : a.name.toLowerCase() } };
}

/** The key as a KeyObject, or undefined when it is not a key this module can read. Throws on a malformed key. */
function asKeyObject(key: unknown): KeyObject | undefined {
  if (key instanceof KeyObject) return key;
  if (typeof CryptoKey !== 'undefined' && key instanceof CryptoKey) return KeyObject.from(key);
  if (typeof key === 'string') return key.includes(PEM) ? fromPem(key) : createSecretKey(Buffer.from(key, 'utf8'));
  if (key instanceof Uint8Array) {
    const bytes = Buffer.from(key.buffer, key.byteOffset, key.byteLength);
    return isPemBytes(bytes) ? fromPem(bytes) : createSecretKey(bytes);
  }
  if (key !== null && typeof key === 'object') {
    const o = key as { kty?: unknown; key?: unknown; passphrase?: unknown };
    if (o.kty !== undefined) return fromJwk(o as { kty?: unknown });
    // jsonwebtoken's { key, passphrase } for an encrypted private key.
    if (typeof o.key === 'string' || o.key instanceof Uint8Array) {
      return fromPem(o.key as string | Buffer, typeof o.passphrase === 'string' ? o.passphrase : undefined);
    }
  }
  return undefined;
}

/** Measures a key; undefined when the key cannot be read (a resolver function, a malformed or unknown shape). */
export function measureKey(key: unknown): MeasuredKey | undefined {
  try {
    // KeyObject.from() of a non-extractable CryptoKey prints a deprecation warning on Node 24: never call it then.
    if (typeof CryptoKey !== 'undefined' && key instanceof CryptoKey && !key.extractable) return measureCryptoKey(key);
    // A secret as text or bytes (not PEM) is measured as it is: no KeyObject to make and export again.
    if (typeof key === 'string' && !key.includes(PEM)) return measureSecret(Buffer.from(key, 'utf8'));
    if (key instanceof Uint8Array) {
      const bytes = Buffer.from(key.buffer, key.byteOffset, key.byteLength);
      if (!isPemBytes(bytes)) return measureSecret(bytes);
    }
    const object = asKeyObject(key);
    return object && measureKeyObject(object);
  } catch {
    // A key the library itself will refuse (malformed PEM or JWK, wrong passphrase): nothing to measure.
    return undefined;
  }
}

function measureSecret(secret: Buffer): MeasuredKey | undefined {
  // An empty secret is refused by every library (and by createSecretKey): nothing to measure.
  if (secret.byteLength === 0) return undefined;
  const digest = hash('sha256', Buffer.concat([OCT, secret]), 'hex');
  return { facts: { kind: 'oct', bits: secret.byteLength * 8 }, digest };
}

function measureKeyObject(object: KeyObject): MeasuredKey {
  if (object.type === 'secret') return measureSecret(object.export()) ?? { facts: { kind: 'oct', bits: 0 } };
  const publicKey = object.type === 'private' ? createPublicKey(object) : object;
  const kind = publicKey.asymmetricKeyType ?? 'other';
  const modulus = publicKey.asymmetricKeyDetails?.modulusLength;
  const digest = hash('sha256', Buffer.concat([SPKI, publicKey.export({ type: 'spki', format: 'der' })]), 'hex');
  return { facts: modulus !== undefined ? { kind, bits: modulus } : { kind }, digest };
}

/** `hmac_key_weak` for an HMAC secret shorter than the hash of the header's `alg`; `rsa_key_small` below 2048 bits. */
export function keyFindings(facts: KeyFacts | undefined, alg: unknown): Finding[] {
  if (facts === undefined || facts.bits === undefined) return [];
  if (facts.kind === 'oct') {
    const hashBits = typeof alg === 'string' ? HMAC_HASH_BITS.get(alg) : undefined;
    return hashBits !== undefined && facts.bits < hashBits ? ['hmac_key_weak'] : [];
  }
  return (facts.kind === 'rsa' || facts.kind === 'rsa-pss') && facts.bits < MIN_RSA_BITS ? ['rsa_key_small'] : [];
}
