/**
 * The one audited outcome of an HTTP request that carried a JWT, from the operations that ran for that token
 * during the request and the status the server answered:
 *
 * - `valid` when a verify or decrypt of the request's token succeeded; `invalid` when they ran and none did;
 *   `unverified` when the token was at most decoded (the finding `unverified_bearer` when it was still served
 *   with a 2xx), unless a key-set lookup made for the request failed before any verify ran: then `invalid`,
 *   for that lookup's reason;
 * - `jwt.authz.outcome`: `error` for 5xx, `allowed` for 2xx/3xx, `denied` for a 403 on a valid token,
 *   `rejected` for any other 401/403.
 */
import { isVerification, type AuditEvent, type ValidationReason } from '../events/audit-event';
import type { AuthzOutcome, Credential, RequestEnd, RequestFinding } from '../events/request-event';
import {
  ATTR_ENDUSER_PSEUDO_ID,
  ATTR_JWT_AUTHZ_OUTCOME,
  ATTR_JWT_CLAIMS_ISS,
  ATTR_JWT_FINDINGS,
  ATTR_JWT_TOKEN_FINGERPRINT,
  ATTR_JWT_TOKEN_SOURCE,
  ATTR_JWT_VALIDATION_CLAIM,
  ATTR_JWT_VALIDATION_OUTCOME,
  ATTR_JWT_VALIDATION_REASON,
  ATTR_USER_ROLES,
} from '../semconv';
import type { AuditAttributes } from './redaction';

/** An operation that ran during the request, already redacted. */
export interface RequestOperation {
  readonly event: AuditEvent;
  readonly attributes: AuditAttributes;
}

const FROM_OPERATION = [ATTR_ENDUSER_PSEUDO_ID, ATTR_USER_ROLES, ATTR_JWT_CLAIMS_ISS, ATTR_JWT_TOKEN_FINGERPRINT];
const FROM_INVALID_OPERATION = [...FROM_OPERATION, ATTR_JWT_VALIDATION_REASON, ATTR_JWT_VALIDATION_CLAIM];

function authzOutcome(statusCode: number, valid: boolean): AuthzOutcome | undefined {
  if (statusCode >= 500) return 'error';
  if (statusCode >= 200 && statusCode < 400) return 'allowed';
  if (statusCode === 403 && valid) return 'denied';
  if (statusCode === 401 || statusCode === 403) return 'rejected';
  return undefined;
}

/** The JWT attributes of the request, or an empty set when no credential in it was a JWT. */
export function requestOutcome(
  credentials: readonly Credential[],
  operations: readonly RequestOperation[],
  end: RequestEnd,
  pseudonymize: (value: string) => string,
  keySetFailure?: ValidationReason,
): AuditAttributes {
  const presented = credentials.filter((c) => c.token !== undefined);
  if (presented.length === 0) return {};
  // One pass, in order: the last accepted verify, the last verify, the last decode of a presented token.
  let accepted: RequestOperation | undefined;
  let lastVerification: RequestOperation | undefined;
  let lastDecode: RequestOperation | undefined;
  for (const op of operations) {
    const { token, operation } = op.event;
    if (token === undefined || !presented.some((c) => c.token === token)) continue;
    if (isVerification(operation)) {
      lastVerification = op;
      if (op.event.outcome === 'valid') accepted = op;
    } else if (operation === 'decode') {
      lastDecode = op;
    }
  }
  const outcome = accepted ? 'valid' : lastVerification || keySetFailure ? 'invalid' : 'unverified';
  const chosen = accepted ?? lastVerification ?? lastDecode;

  const attributes: AuditAttributes = { [ATTR_JWT_VALIDATION_OUTCOME]: outcome };
  const copied = outcome === 'invalid' ? FROM_INVALID_OPERATION : FROM_OPERATION;
  for (const key of copied) {
    const value = chosen?.attributes[key];
    if (value !== undefined) attributes[key] = value;
  }
  if (lastVerification === undefined && keySetFailure) attributes[ATTR_JWT_VALIDATION_REASON] = keySetFailure;
  const credential = presented.find((c) => c.token === chosen?.event.token) ?? presented[0]!;
  attributes[ATTR_JWT_TOKEN_SOURCE] = credential.source;
  attributes[ATTR_JWT_TOKEN_FINGERPRINT] ??= pseudonymize(credential.token!);

  if (!end.aborted) {
    const findings: RequestFinding[] = [];
    if (outcome === 'unverified' && end.statusCode >= 200 && end.statusCode < 300) findings.push('unverified_bearer');
    if (findings.length > 0) attributes[ATTR_JWT_FINDINGS] = findings;
    const authz = authzOutcome(end.statusCode, outcome === 'valid');
    if (authz) attributes[ATTR_JWT_AUTHZ_OUTCOME] = authz;
  }
  return attributes;
}

/** Whether the request's audit deserves attention: its token was refused, a finding was raised, or it was rejected or failed. */
export function isConcerning(attributes: AuditAttributes): boolean {
  const authz = attributes[ATTR_JWT_AUTHZ_OUTCOME];
  return (
    attributes[ATTR_JWT_VALIDATION_OUTCOME] === 'invalid' ||
    attributes[ATTR_JWT_FINDINGS] !== undefined ||
    authz === 'rejected' ||
    authz === 'error'
  );
}
