/**
 * Errors of the key resolvers applications plug into a library's key callback (jose's remote JWK set,
 * jwks-rsa), so that a verify that failed because its key set could not be fetched, or had no matching key,
 * says so whichever library did the verifying.
 */
import type { ValidationReason } from '../events/audit-event';

const REASON_BY_IDENTITY: ReadonlyMap<string, ValidationReason> = new Map(
  Object.entries({
    // jose (any major): the stable codes of its JWKS errors.
    ERR_JWKS_NO_MATCHING_KEY: 'key_not_found',
    ERR_JWKS_MULTIPLE_MATCHING_KEYS: 'key_not_found',
    ERR_JWKS_TIMEOUT: 'jwks_fetch_failed',
    ERR_JWKS_INVALID: 'jwks_fetch_failed',
    // jwks-rsa: its error classes, told apart by name.
    SigningKeyNotFoundError: 'key_not_found',
    JwksError: 'jwks_fetch_failed',
    JwksRateLimitError: 'jwks_fetch_failed',
  } satisfies Record<string, ValidationReason>),
);

/** The reason a key resolver's error stands for, or undefined when it is not a known key-set error. */
export function keySourceReason(error: unknown): ValidationReason | undefined {
  if (error === null || typeof error !== 'object') return undefined;
  const { code, name } = error as { code?: unknown; name?: unknown };
  return (
    (typeof code === 'string' && REASON_BY_IDENTITY.get(code)) ||
    (typeof name === 'string' && REASON_BY_IDENTITY.get(name)) ||
    undefined
  );
}

/** Whether a key resolver's error means no key in the set matched the token. */
export const isKeyNotFound = (error: unknown): boolean => keySourceReason(error) === 'key_not_found';
