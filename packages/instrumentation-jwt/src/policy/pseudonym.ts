/**
 * Keyed pseudonyms: the same input and key give the same value in every process and service, so one user or
 * one token can be followed without the value itself ever leaving the process. Without the key a pseudonym
 * cannot be reversed or recomputed from a guess.
 *
 * Format: the first 32 lowercase hex digits (128 bits) of HMAC-SHA-256(key, UTF-8 bytes of the value).
 */
import { createHmac, createSecretKey, scryptSync } from 'node:crypto';
import { LRUCache } from 'lru-cache';

export type Pseudonymizer = (value: string) => string;

export const PSEUDONYM_HEX_LENGTH = 32;

export function createPseudonymizer(key: Uint8Array): Pseudonymizer {
  // A KeyObject made once: HMAC with a raw key re-imports it on every call, about five times slower.
  const keyObject = createSecretKey(key);
  return (value) => createHmac('sha256', keyObject).update(value, 'utf8').digest('hex').slice(0, PSEUDONYM_HEX_LENGTH);
}

/** scrypt cost of {@link secretFingerprint}: about 10 ms and 4 MiB per secret on a current core. */
const SECRET_FINGERPRINT_COST = { N: 2 ** 12, r: 8, p: 1 };
/** Stretched fingerprints kept per pseudonym key, by digest: a service rotating through more secrets than this re-stretches. */
export const SECRET_FINGERPRINT_CACHE_SIZE = 4096;
const stretched = new WeakMap<Pseudonymizer, LRUCache<string, string>>();

/**
 * The fingerprint of a shared secret (an HMAC or `dir` key), from a digest of it: keyed like every pseudonym
 * (the salt is the pseudonym of a fixed label, so it is the same in every service sharing the key), and
 * stretched with scrypt, because a shared secret may be weak: should the pseudonym key ever leak, testing a
 * guessed secret against its fingerprint costs milliseconds instead of nanoseconds. Computed once per secret
 * (kept by digest, {@link SECRET_FINGERPRINT_CACHE_SIZE} at most). Format: 32 lowercase hex digits, as the
 * other pseudonyms.
 */
export function secretFingerprint(digest: string, pseudonymize: Pseudonymizer): string {
  let cache = stretched.get(pseudonymize);
  if (!cache) {
    cache = new LRUCache<string, string>({ max: SECRET_FINGERPRINT_CACHE_SIZE });
    stretched.set(pseudonymize, cache);
  }
  let fingerprint = cache.get(digest);
  if (fingerprint === undefined) {
    const salt = pseudonymize('tokentrail.jwt.key.fingerprint');
    fingerprint = scryptSync(digest, salt, PSEUDONYM_HEX_LENGTH / 2, SECRET_FINGERPRINT_COST).toString('hex');
    cache.set(digest, fingerprint);
  }
  return fingerprint;
}
