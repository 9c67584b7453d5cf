/**
 * jsonwebtoken 9 errors → `jwt.validation.reason`. jsonwebtoken has three error classes and tells failures
 * apart only by message, so the message is read here to classify; it is never exported.
 */
import type { Failure, ValidationReason } from '../events/audit-event';
import { errorTypeOf, messageOf } from './error-type';

interface Rule {
  readonly pattern: RegExp;
  readonly reason: ValidationReason;
  readonly claim?: string;
}

/** First match wins; anchored on jsonwebtoken's own messages (lib/verify.js, lib/validateAsymmetricKey.js). */
const RULES: readonly Rule[] = [
  { pattern: /^invalid signature$/, reason: 'signature_invalid' },
  { pattern: /^jwt signature is required$/, reason: 'signature_invalid' },
  { pattern: /^invalid algorithm$/, reason: 'alg_not_allowed' },
  { pattern: /^please specify "none" in "algorithms"/, reason: 'alg_not_allowed' },
  { pattern: /^(jwt malformed|invalid token|jwt must be provided|jwt must be a string)$/, reason: 'malformed' },
  { pattern: /^jwt audience invalid/, reason: 'claim_invalid', claim: 'aud' },
  { pattern: /^jwt issuer invalid/, reason: 'claim_invalid', claim: 'iss' },
  { pattern: /^jwt subject invalid/, reason: 'claim_invalid', claim: 'sub' },
  { pattern: /^jwt jwtid invalid/, reason: 'claim_invalid', claim: 'jti' },
  { pattern: /^jwt nonce invalid/, reason: 'claim_invalid', claim: 'nonce' },
  { pattern: /^invalid nbf value$/, reason: 'claim_invalid', claim: 'nbf' },
  { pattern: /^invalid exp value$/, reason: 'claim_invalid', claim: 'exp' },
  { pattern: /^iat required when maxAge is specified$/, reason: 'claim_invalid', claim: 'iat' },
  {
    pattern: /^(error in secret or public key callback|secret or public key must be provided)/,
    reason: 'key_not_found',
  },
  { pattern: /^secretOr(Public|Private)Key /, reason: 'key_invalid' },
  { pattern: /key|curve/i, reason: 'key_invalid' },
];

export function jsonwebtokenFailure(error: unknown): Failure {
  const errorType = errorTypeOf(error);
  if (errorType === 'TokenExpiredError') {
    // "maxAge exceeded" is measured from `iat`; everything else from `exp`.
    return { reason: 'expired', claim: messageOf(error) === 'maxAge exceeded' ? 'iat' : 'exp', errorType };
  }
  if (errorType === 'NotBeforeError') return { reason: 'not_yet_valid', claim: 'nbf', errorType };
  // A token whose JSON does not parse surfaces as the parser's own error.
  if (error instanceof SyntaxError) return { reason: 'malformed', errorType };
  const message = messageOf(error);
  const rule = RULES.find((candidate) => candidate.pattern.test(message));
  if (!rule) return { reason: 'other', errorType };
  return rule.claim ? { reason: rule.reason, claim: rule.claim, errorType } : { reason: rule.reason, errorType };
}
