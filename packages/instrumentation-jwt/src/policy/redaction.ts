/**
 * Redaction: the audit event → the attributes that may leave the process. Default-deny: only the fields named
 * below and the claims the policy lists are written, strings and arrays are capped, and the token itself is
 * represented by its keyed fingerprint alone. Claims are read as own properties only, so a token cannot
 * smuggle values in through `__proto__` or `constructor`. A structured claim is walked with bounded work
 * (claim-value.ts): a value nested deeper than 32 levels is written as `"[too deep]"`.
 */
import { ownValue, type AuditEvent, type JsonObject } from '../events/audit-event';
import {
  ATTR_ENDUSER_ID,
  ATTR_ENDUSER_PSEUDO_ID,
  ATTR_ERROR_TYPE,
  ATTR_JWT_CLAIMS_SCOPE,
  ATTR_JWT_HEADER_ALG,
  ATTR_JWT_HEADER_KID,
  ATTR_JWT_HEADER_TYP,
  ATTR_JWT_LIBRARY,
  ATTR_JWT_OPERATION,
  ATTR_JWT_TOKEN_FINGERPRINT,
  ATTR_JWT_VALIDATION_CLAIM,
  ATTR_JWT_VALIDATION_OUTCOME,
  ATTR_JWT_VALIDATION_REASON,
  ATTR_USER_ROLES,
  JWT_CLAIMS_PREFIX,
  JWT_PSEUDO_PREFIX,
} from '../semconv';
import { claimText } from './claim-value';
import { claimPseudonym } from './pseudonym';
import { MAX_ARRAY_LENGTH, MAX_STRING_LENGTH, type RedactionPolicy } from './claim-policy';

export type AttributeValue = string | number | boolean | string[];
export type AuditAttributes = Record<string, AttributeValue>;

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value.slice(0, MAX_STRING_LENGTH) : undefined;
}

function seconds(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? Math.trunc(value) : undefined;
}

function strings(value: unknown): string[] | undefined {
  if (typeof value === 'string') return [text(value)!];
  if (!Array.isArray(value)) return undefined;
  const out: string[] = [];
  for (const element of value) {
    if (out.length === MAX_ARRAY_LENGTH) break;
    if (typeof element === 'string') out.push(element.slice(0, MAX_STRING_LENGTH));
    else if (typeof element === 'number' || typeof element === 'boolean') out.push(String(element));
  }
  return out;
}

/** Longest space-separated list read: enough for MAX_ARRAY_LENGTH capped elements, so a huge claim is not split whole. */
const MAX_LIST_LENGTH = MAX_ARRAY_LENGTH * (MAX_STRING_LENGTH + 1);

/** OAuth scopes: a space-separated `scope` string or an `scp` array. */
function scopes(value: unknown): string[] | undefined {
  return typeof value === 'string'
    ? strings(value.slice(0, MAX_LIST_LENGTH).split(' ').filter(Boolean))
    : strings(value);
}

/** A kept claim of no registered meaning: primitives as they are, arrays as strings, objects as capped JSON. */
function anyValue(value: unknown): AttributeValue | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'boolean') return value;
  if (Array.isArray(value)) return strings(value);
  if (value !== null && typeof value === 'object')
    return claimText(value, MAX_STRING_LENGTH, false).text.slice(0, MAX_STRING_LENGTH);
  return text(value);
}

/** The registered claims with a known shape (a Map: claim names are user-chosen and may be `constructor`). */
const KEPT_AS: ReadonlyMap<string, (value: unknown) => AttributeValue | undefined> = new Map<
  string,
  (value: unknown) => AttributeValue | undefined
>([
  ['iss', text],
  ['aud', strings],
  ['exp', seconds],
  ['nbf', seconds],
  ['iat', seconds],
  ['jti', text],
  ['azp', text],
]);

function set(attributes: AuditAttributes, key: string, value: AttributeValue | undefined): void {
  if (value !== undefined) attributes[key] = value;
}

function readPath(claims: JsonObject, path: readonly string[]): unknown {
  let value: unknown = claims;
  for (const key of path) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
    value = ownValue(value as JsonObject, key);
  }
  return value;
}

function writeClaims(attributes: AuditAttributes, claims: JsonObject, policy: RedactionPolicy): void {
  for (const [name, action] of policy.claims) {
    if (action === 'drop') continue;
    const value = ownValue(claims, name);
    if (value === undefined || value === null) continue;
    if (action === 'pseudonymize') {
      attributes[name === 'sub' ? ATTR_ENDUSER_PSEUDO_ID : JWT_PSEUDO_PREFIX + name] = claimPseudonym(
        value,
        policy.pseudonymize,
      );
    } else if (name === 'sub') {
      set(attributes, ATTR_ENDUSER_ID, text(value));
    } else if (name === 'scope' || name === 'scp') {
      if (attributes[ATTR_JWT_CLAIMS_SCOPE] === undefined) set(attributes, ATTR_JWT_CLAIMS_SCOPE, scopes(value));
    } else {
      set(attributes, JWT_CLAIMS_PREFIX + name, (KEPT_AS.get(name) ?? anyValue)(value));
    }
  }
  if (policy.rolesClaim) set(attributes, ATTR_USER_ROLES, scopes(readPath(claims, policy.rolesClaim)));
}

/**
 * The attributes a token's own content gives: its fingerprint, header and claims. The same token always gives
 * the same set, so the pipeline caches it per token (see token-attribute-cache.ts).
 */
export function tokenAttributes(
  token: string | undefined,
  header: JsonObject | undefined,
  claims: JsonObject | undefined,
  policy: RedactionPolicy,
): AuditAttributes {
  const attributes: AuditAttributes = {};
  if (header) {
    set(attributes, ATTR_JWT_HEADER_ALG, text(ownValue(header, 'alg')));
    set(attributes, ATTR_JWT_HEADER_KID, text(ownValue(header, 'kid')));
    set(attributes, ATTR_JWT_HEADER_TYP, text(ownValue(header, 'typ')));
  }
  if (token) attributes[ATTR_JWT_TOKEN_FINGERPRINT] = policy.pseudonymize(token);
  if (claims) writeClaims(attributes, claims, policy);
  return attributes;
}

/** The attributes of the operation itself: what was done, by which library, and how it ended. */
function operationAttributes(event: AuditEvent): AuditAttributes {
  const attributes: AuditAttributes = {
    [ATTR_JWT_OPERATION]: event.operation,
    [ATTR_JWT_LIBRARY]: event.library,
  };
  set(attributes, ATTR_JWT_VALIDATION_OUTCOME, event.outcome);
  if (event.failure) {
    if (event.outcome) {
      attributes[ATTR_JWT_VALIDATION_REASON] = event.failure.reason;
      set(attributes, ATTR_JWT_VALIDATION_CLAIM, text(event.failure.claim));
    }
    attributes[ATTR_ERROR_TYPE] = event.failure.errorType;
  }
  return attributes;
}

/**
 * Everything about the event that may be exported. `token` gives the token's own attributes when they are
 * already known (from a cache); they are computed otherwise.
 */
export function redact(event: AuditEvent, policy: RedactionPolicy, token?: Readonly<AuditAttributes>): AuditAttributes {
  return Object.assign(
    operationAttributes(event),
    token ?? tokenAttributes(event.token, event.header, event.claims, policy),
  );
}
