/**
 * Errors of hono's JWT helpers (`hono/utils/jwt`) → `jwt.validation.reason`. Each is an Error subclass with its
 * own `name`; their messages echo the token and are never read.
 */
import type { Failure, JsonObject, ValidationReason } from '../events/audit-event';
import { REGISTERED_ALGORITHMS } from '../jwt/algorithms';
import { errorTypeOf, messageOf } from './error-type';

const BY_NAME: ReadonlyMap<string, { readonly reason: ValidationReason; readonly claim?: string }> = new Map(
  Object.entries({
    JwtAlgorithmNotImplemented: { reason: 'unsupported' },
    JwtAlgorithmMismatch: { reason: 'alg_not_allowed' },
    JwtAlgorithmNotAllowed: { reason: 'alg_not_allowed' },
    JwtSymmetricAlgorithmNotAllowed: { reason: 'alg_not_allowed' },
    JwtTokenInvalid: { reason: 'malformed' },
    JwtTokenNotBefore: { reason: 'not_yet_valid', claim: 'nbf' },
    JwtTokenExpired: { reason: 'expired', claim: 'exp' },
    JwtTokenIssuedAt: { reason: 'claim_invalid', claim: 'iat' },
    JwtTokenIssuer: { reason: 'claim_invalid', claim: 'iss' },
    JwtPayloadRequiresAud: { reason: 'claim_invalid', claim: 'aud' },
    JwtTokenAudience: { reason: 'claim_invalid', claim: 'aud' },
    JwtHeaderRequiresKid: { reason: 'key_not_found' },
    JwtTokenSignatureMismatched: { reason: 'signature_invalid' },
  } satisfies Record<string, { reason: ValidationReason; claim?: string }>),
);

/** `JwtHeaderInvalid` covers three refusals: an unknown `alg` (`none` among them), a `crit` header, a wrong `typ`. */
function headerReason(header: JsonObject | undefined): Failure['reason'] {
  if (header && typeof header.alg === 'string' && (!REGISTERED_ALGORITHMS.has(header.alg) || header.alg === 'none'))
    return 'alg_not_allowed';
  if (header && typeof header.alg !== 'string') return 'alg_not_allowed';
  if (header && 'crit' in header) return 'unsupported';
  return 'malformed';
}

/**
 * `fromKeySet`: the call was `verifyWithJwks`, where a token that decodes but names no key of the set is
 * reported as `JwtTokenInvalid`, and a set that could not be fetched as a plain Error or fetch's TypeError.
 */
export function honoFailure(error: unknown, header: JsonObject | undefined, fromKeySet = false): Failure {
  const errorType = errorTypeOf(error);
  if (errorType === 'JwtHeaderInvalid') return { reason: headerReason(header), errorType };
  if (fromKeySet && errorType === 'JwtTokenInvalid' && header !== undefined)
    return { reason: 'key_not_found', errorType };
  const known = BY_NAME.get(errorType);
  if (known)
    return known.claim ? { reason: known.reason, claim: known.claim, errorType } : { reason: known.reason, errorType };
  if (fromKeySet && (/JWKS/.test(messageOf(error)) || error instanceof TypeError))
    return { reason: 'jwks_fetch_failed', errorType };
  // WebCrypto refusing the key (wrong type, size or usage).
  if (errorType === 'DataError' || errorType === 'InvalidAccessError' || errorType === 'NotSupportedError')
    return { reason: 'key_invalid', errorType };
  return { reason: 'other', errorType };
}
