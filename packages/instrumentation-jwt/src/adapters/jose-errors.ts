/** jose 6 errors → `jwt.validation.reason`, keyed by the stable `code` every jose error carries. */
import type { Failure, ValidationReason } from '../events/audit-event';
import { errorTypeOf, messageOf } from './error-type';

const REASON_BY_CODE: ReadonlyMap<string, ValidationReason> = new Map(
  Object.entries({
    ERR_JWT_EXPIRED: 'expired',
    ERR_JWT_CLAIM_VALIDATION_FAILED: 'claim_invalid',
    ERR_JOSE_ALG_NOT_ALLOWED: 'alg_not_allowed',
    ERR_JWS_SIGNATURE_VERIFICATION_FAILED: 'signature_invalid',
    // A JWE whose authentication tag does not match is the encrypted twin of a bad signature.
    ERR_JWE_DECRYPTION_FAILED: 'signature_invalid',
    ERR_JWS_INVALID: 'malformed',
    ERR_JWT_INVALID: 'malformed',
    ERR_JWE_INVALID: 'malformed',
    ERR_JWKS_NO_MATCHING_KEY: 'key_not_found',
    ERR_JWKS_MULTIPLE_MATCHING_KEYS: 'key_not_found',
    ERR_JWKS_TIMEOUT: 'jwks_fetch_failed',
    ERR_JWKS_INVALID: 'jwks_fetch_failed',
    ERR_JWK_INVALID: 'key_invalid',
    ERR_JOSE_NOT_SUPPORTED: 'unsupported',
  } satisfies Record<string, ValidationReason>),
);

export function joseFailure(error: unknown): Failure {
  const errorType = errorTypeOf(error);
  const { code, claim, reason: claimReason } = (error ?? {}) as { code?: unknown; claim?: unknown; reason?: unknown };
  let reason: ValidationReason = (typeof code === 'string' && REASON_BY_CODE.get(code)) || 'other';
  // jose signals misuse of keys and arguments with a plain TypeError whose message names the key.
  if (reason === 'other' && error instanceof TypeError && /key/i.test(messageOf(error))) reason = 'key_invalid';
  // "alg none is not supported …": the token's algorithm was refused (alg: none, or one jose does not verify).
  if (reason === 'unsupported' && /^alg .* is not supported/.test(messageOf(error))) reason = 'alg_not_allowed';
  const claimName = typeof claim === 'string' && claim !== 'unspecified' ? claim : undefined;
  if (reason === 'claim_invalid' && claimName === 'nbf' && claimReason === 'check_failed') reason = 'not_yet_valid';
  return claimName && (reason === 'claim_invalid' || reason === 'expired' || reason === 'not_yet_valid')
    ? { reason, claim: claimName, errorType }
    : { reason, errorType };
}
