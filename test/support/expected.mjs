/**
 * The attributes a test expects, derived from the token's own header and claims by the mapping documented in
 * docs/semantic-conventions.md (default claim policy, `roles` as the roles claim).
 */
import { pseudonym } from './jwt-fixtures.mjs';

export function expectedAttributes({ operation, library, outcome, reason, claim, errorType, header, payload, token }) {
  const a = { 'jwt.operation': operation, 'jwt.library': library };
  if (outcome) a['jwt.validation.outcome'] = outcome;
  if (reason) a['jwt.validation.reason'] = reason;
  if (claim) a['jwt.validation.claim'] = claim;
  if (errorType) a['error.type'] = errorType;
  for (const key of ['alg', 'kid', 'typ']) if (header?.[key] !== undefined) a[`jwt.header.${key}`] = header[key];
  if (token) a['jwt.token.fingerprint'] = pseudonym(token);
  if (payload) {
    if (payload.iss !== undefined) a['jwt.claims.iss'] = payload.iss;
    if (payload.aud !== undefined) a['jwt.claims.aud'] = [payload.aud].flat();
    for (const key of ['exp', 'nbf', 'iat'])
      if (payload[key] !== undefined) a[`jwt.claims.${key}`] = Math.trunc(payload[key]);
    if (payload.jti !== undefined) a['jwt.claims.jti'] = payload.jti;
    if (payload.sub !== undefined) a['enduser.pseudo.id'] = pseudonym(payload.sub);
    if (payload.roles !== undefined) a['user.roles'] = [payload.roles].flat();
  }
  return a;
}
