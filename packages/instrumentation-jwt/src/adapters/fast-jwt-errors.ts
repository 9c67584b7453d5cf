/**
 * fast-jwt 6 errors → `jwt.validation.reason`. Every fast-jwt error is a `TokenError` with a stable `code`;
 * the claim is read from fast-jwt's own message and kept only when it is a registered claim name.
 */
import type { Failure, JsonObject, ValidationReason } from '../events/audit-event';
import { errorTypeOf, messageOf } from './error-type';
import { keySourceReason } from './key-source-errors';

const REASON_BY_CODE: ReadonlyMap<string, ValidationReason> = new Map(
  Object.entries({
    FAST_JWT_INVALID_TYPE: 'malformed',
    FAST_JWT_INVALID_OPTION: 'other',
    FAST_JWT_INVALID_ALGORITHM: 'alg_not_allowed',
    FAST_JWT_INVALID_CLAIM_TYPE: 'claim_invalid',
    FAST_JWT_INVALID_CLAIM_VALUE: 'claim_invalid',
    FAST_JWT_INVALID_KEY: 'key_invalid',
    FAST_JWT_INVALID_SIGNATURE: 'signature_invalid',
    FAST_JWT_INVALID_PAYLOAD: 'malformed',
    FAST_JWT_MALFORMED: 'malformed',
    FAST_JWT_INACTIVE: 'not_yet_valid',
    FAST_JWT_EXPIRED: 'expired',
    FAST_JWT_MISSING_KEY: 'key_not_found',
    FAST_JWT_KEY_FETCHING_ERROR: 'key_not_found',
    FAST_JWT_SIGN_ERROR: 'key_invalid',
    FAST_JWT_VERIFY_ERROR: 'key_invalid',
    FAST_JWT_MISSING_REQUIRED_CLAIM: 'claim_invalid',
    FAST_JWT_MISSING_SIGNATURE: 'signature_invalid',
    FAST_JWT_INVALID_CRIT_HEADER: 'malformed',
  } satisfies Record<string, ValidationReason>),
);

/** Claims fast-jwt validates by name; a claim outside this list (a `requiredClaims` entry) is not exported. */
const REGISTERED_CLAIMS = new Set(['exp', 'nbf', 'iat', 'jti', 'aud', 'iss', 'sub', 'nonce']);

/** What the verifier was created with, for telling an `exp` expiry from a `maxAge` (`iat`) one. */
export interface VerifierClock {
  readonly clockTolerance?: unknown;
}

function claimInMessage(message: string): string | undefined {
  const named = /^(?:The |None of )(\w+) claim/.exec(message)?.[1];
  return named && REGISTERED_CLAIMS.has(named) ? named : undefined;
}

/** fast-jwt reports both with "The token has expired at <exp + tolerance>": compare the date with `exp`. */
function expiredClaim(message: string, claims: JsonObject | undefined, clock: VerifierClock | undefined): string {
  const exp = claims?.exp;
  if (typeof exp !== 'number') return 'iat';
  const tolerance = typeof clock?.clockTolerance === 'number' ? clock.clockTolerance : 0;
  const at = new Date(exp * 1000 + tolerance);
  return Number.isNaN(at.getTime()) || message.endsWith(` ${at.toISOString()}.`) ? 'exp' : 'iat';
}

export function fastJwtFailure(error: unknown, claims?: JsonObject, clock?: VerifierClock): Failure {
  const errorType = errorTypeOf(error);
  const code = (error as { code?: unknown } | null)?.code;
  const message = messageOf(error);
  let reason: ValidationReason = (typeof code === 'string' && REASON_BY_CODE.get(code)) || 'other';
  if (code === 'FAST_JWT_KEY_FETCHING_ERROR') {
    reason = keySourceReason((error as { originalError?: unknown }).originalError) ?? reason;
  }
  if (code === 'FAST_JWT_INVALID_CRIT_HEADER' && / is not supported\.$/.test(message)) reason = 'unsupported';
  if (code === 'FAST_JWT_INVALID_TYPE' && (message === 'Invalid typ.' || message.startsWith('The type must be'))) {
    return { reason: 'claim_invalid', claim: 'typ', errorType };
  }
  if (reason === 'expired') return { reason, claim: expiredClaim(message, claims, clock), errorType };
  if (reason === 'not_yet_valid') return { reason, claim: 'nbf', errorType };
  const claim = reason === 'claim_invalid' ? claimInMessage(message) : undefined;
  return claim ? { reason, claim, errorType } : { reason, errorType };
}
