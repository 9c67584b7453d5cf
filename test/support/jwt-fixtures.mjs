/** Throwaway keys and the personal-looking claims every test token carries, all made at run time. */
import { createHmac, randomBytes } from 'node:crypto';

export const PSEUDONYM_KEY = `test-pseudonym-key-${randomBytes(8).toString('hex')}`;

/** The documented pseudonym format: first 32 hex digits of HMAC-SHA-256(key, value). */
export function pseudonym(value, key = PSEUDONYM_KEY) {
  return createHmac('sha256', key).update(value, 'utf8').digest('hex').slice(0, 32);
}

export const ISSUER = 'https://idp.example.test';
export const AUDIENCE = 'orders-api';

/** Claims that must never be exported raw: the subject, and claims outside the allowlist. */
export const PERSONAL = {
  sub: `user-${randomBytes(4).toString('hex')}-alice`,
  email: `alice.${randomBytes(3).toString('hex')}@example.com`,
  name: `Alice Liddell ${randomBytes(3).toString('hex')}`,
};

export const nowSeconds = () => Math.floor(Date.now() / 1000);

/** A throwaway HMAC secret (32 random bytes as hex text), registered with the file's leak scanner; as a Buffer. */
export function registeredSecret(telemetry, label = 'HMAC secret') {
  const text = randomBytes(32).toString('hex');
  telemetry.leaks.register(text, label);
  return Buffer.from(text);
}
