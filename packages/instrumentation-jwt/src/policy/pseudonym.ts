/**
 * Keyed pseudonyms: the same input and key give the same value in every process and service, so one user or
 * one token can be followed without the value itself ever leaving the process. Without the key a pseudonym
 * cannot be reversed or recomputed from a guess.
 *
 * Format: the first 32 lowercase hex digits (128 bits) of HMAC-SHA-256(key, UTF-8 bytes of the value).
 */
import { createHmac, createSecretKey } from 'node:crypto';

export type Pseudonymizer = (value: string) => string;

export const PSEUDONYM_HEX_LENGTH = 32;

export function createPseudonymizer(key: Uint8Array): Pseudonymizer {
  // A KeyObject made once: HMAC with a raw key re-imports it on every call, about five times slower.
  const keyObject = createSecretKey(key);
  return (value) => createHmac('sha256', keyObject).update(value, 'utf8').digest('hex').slice(0, PSEUDONYM_HEX_LENGTH);
}
