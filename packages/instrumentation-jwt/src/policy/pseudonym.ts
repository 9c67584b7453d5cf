/**
 * Keyed pseudonyms: the same input and key give the same value in every process and service, so one user or
 * one token can be followed without the value itself ever leaving the process. Without the key a pseudonym
 * cannot be reversed or recomputed from a guess.
 *
 * Format: the first 32 lowercase hex digits (128 bits) of HMAC-SHA-256(key, bytes), where the bytes are
 * - for a string: its UTF-8 encoding, a lone surrogate encoded as UTF-8 encodes any other code point
 *   (WTF-8), so two strings that differ only there never share a pseudonym;
 * - for any other claim value (a number, a boolean, an array, an object): the byte 0xFF, which no UTF-8 or
 *   WTF-8 text holds, then its canonical JSON ({@link claimText}), so `123456` and `"123456"` differ.
 */
import { createHmac, createSecretKey } from 'node:crypto';
import { MAX_CANONICAL_LENGTH, TOO_DEEP, TOO_LARGE, claimText } from './claim-value';

export type Pseudonymizer = (value: string | Uint8Array) => string;

export const PSEUDONYM_HEX_LENGTH = 32;

/** Whether a string holds no lone surrogate (ES2024 `isWellFormed`, native and fast; Node 20 and later). */
const isWellFormed = (text: string): boolean => (text as unknown as { isWellFormed(): boolean }).isWellFormed();

/** UTF-8, except that a lone surrogate is written as the three bytes UTF-8 would give its code point. */
function wtf8(text: string): Buffer {
  const bytes: number[] = [];
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (code < 0xd800 || code > 0xdfff) {
      for (const byte of Buffer.from(char, 'utf8')) bytes.push(byte);
    } else {
      bytes.push(0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f));
    }
  }
  return Buffer.from(bytes);
}

export function createPseudonymizer(key: Uint8Array): Pseudonymizer {
  // A KeyObject made once: HMAC with a raw key re-imports it on every call, about five times slower.
  const keyObject = createSecretKey(key);
  return (value) => {
    const hmac = createHmac('sha256', keyObject);
    if (typeof value !== 'string') hmac.update(value);
    else if (isWellFormed(value)) hmac.update(value, 'utf8');
    else hmac.update(wtf8(value));
    return hmac.digest('hex').slice(0, PSEUDONYM_HEX_LENGTH);
  };
}

const TYPED = Buffer.from([0xff]);

/**
 * The pseudonym of a claim value of any type: strings as {@link createPseudonymizer} says, anything else over
 * its typed canonical form. A value nested deeper than the canonical form goes, or longer than it writes,
 * gets the marker {@link TOO_DEEP} or {@link TOO_LARGE} instead of a pseudonym.
 */
export function claimPseudonym(value: unknown, pseudonymize: Pseudonymizer): string {
  if (typeof value === 'string') return pseudonymize(value);
  const { text, deep, cut } = claimText(value, MAX_CANONICAL_LENGTH, true);
  if (deep) return TOO_DEEP;
  if (cut) return TOO_LARGE;
  return pseudonymize(Buffer.concat([TYPED, Buffer.from(text, 'utf8')]));
}
