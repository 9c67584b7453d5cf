/**
 * Revocation: the public `recordRevocation()` and the built-in denylist it feeds. The denylist is per process
 * and bounded: at most {@link DENYLIST_SIZE} entries (an LRU cache from `lru-cache`), each kept until the
 * revoked token's `exp` when it is known (else for {@link DEFAULT_DENY_SECONDS}), after which the token could
 * not verify anyway. tokentrail only observes: a denylisted token that the library accepts is still accepted,
 * and is recorded as `revoked_token_accepted`.
 */
import { LRUCache } from 'lru-cache';
import type { JsonObject } from '../events/audit-event';
import { readClaims } from '../jwt/compact';
import { MAX_STRING_LENGTH } from '../policy/claim-policy';

export const DENYLIST_SIZE = 50_000;
export const DEFAULT_DENY_SECONDS = 24 * 60 * 60;

/** `jwt.revocation.reason` */
export const REVOCATION_REASONS = ['logout', 'password_change', 'compromised', 'admin', 'rotation', 'other'] as const;
export type RevocationReason = (typeof REVOCATION_REASONS)[number];

export interface Revocation {
  /** The revoked compact token: its `jti` (if any) and its fingerprint are denylisted. */
  token?: string;
  /** The revoked token's `jti`, when the token itself is not at hand. */
  jti?: string;
  /** Why; any value outside {@link REVOCATION_REASONS} is recorded as `other`. @default 'other' */
  reason?: RevocationReason | string;
  /** Who revoked it (a user or service id): exported only as a keyed pseudonym. */
  actor?: string;
}

/** A revocation as the sinks see it: never the token itself. */
export interface RecordedRevocation {
  readonly reason: RevocationReason;
  readonly jti?: string;
  readonly claims?: JsonObject;
  /** The token, for its fingerprint only. */
  readonly token?: string;
  readonly actor?: string;
}

const denied = new LRUCache<string, true>({ max: DENYLIST_SIZE, ttlAutopurge: false });
let emitter: ((revocation: RecordedRevocation) => void) | undefined;
let fingerprinter: ((token: string) => string) | undefined;

/** Set by the instrumentation: how revocations are recorded and tokens fingerprinted. */
export function setRevocationRecorder(emit: ((revocation: RecordedRevocation) => void) | undefined, fingerprint: ((token: string) => string) | undefined): void {
  emitter = emit;
  fingerprinter = fingerprint;
}

function ttlOf(claims: JsonObject | undefined): number {
  const exp = claims !== undefined && Object.hasOwn(claims, 'exp') ? claims.exp : undefined;
  const seconds = typeof exp === 'number' && Number.isFinite(exp) ? exp - Date.now() / 1000 : DEFAULT_DENY_SECONDS;
  return Math.max(1, Math.min(seconds, 366 * DEFAULT_DENY_SECONDS)) * 1000;
}

/**
 * Records that a token was revoked: emits a `jwt.revoke` log record (and a span event when a span is
 * active) and denylists the token's `jti` and fingerprint, so a later accepted use is flagged. Throws a
 * TypeError when neither a token nor a jti is given; never throws for a failure inside tokentrail.
 */
export function recordRevocation(revocation: Revocation): void {
  const { token, jti, reason, actor } = (revocation ?? {}) as Revocation;
  if ((typeof token !== 'string' || token === '') && (typeof jti !== 'string' || jti === '')) {
    throw new TypeError('@tokentrail/instrumentation-jwt: recordRevocation() needs a token or a jti');
  }
  const claims = typeof token === 'string' ? readClaims(token) : undefined;
  const claimedJti = claims !== undefined && typeof claims.jti === 'string' && Object.hasOwn(claims, 'jti') ? claims.jti : undefined;
  const revokedJti = typeof jti === 'string' && jti !== '' ? jti : claimedJti;
  const ttl = ttlOf(claims);
  // A jti longer than any exported string is not held by value (an attacker-sized token would grow the list): the fingerprint still is.
  if (revokedJti !== undefined && revokedJti.length <= MAX_STRING_LENGTH) denied.set(`jti:${revokedJti}`, true, { ttl });
  const fingerprint = typeof token === 'string' && token !== '' ? fingerprinter?.(token) : undefined;
  if (fingerprint !== undefined) denied.set(`fp:${fingerprint}`, true, { ttl });
  const known = (REVOCATION_REASONS as readonly unknown[]).includes(reason) ? (reason as RevocationReason) : 'other';
  emitter?.({
    reason: known,
    jti: revokedJti,
    claims,
    token: typeof token === 'string' && token !== '' ? token : undefined,
    actor: typeof actor === 'string' && actor !== '' ? actor : undefined,
  });
}

/** Whether the denylist holds this token, by its `jti` or its fingerprint. */
export function isDenylisted(claims: JsonObject | undefined, fingerprint: string | undefined): boolean {
  if (denied.size === 0) return false;
  const jti = claims !== undefined && Object.hasOwn(claims, 'jti') ? claims.jti : undefined;
  if (typeof jti === 'string' && jti.length <= MAX_STRING_LENGTH && denied.has(`jti:${jti}`)) return true;
  return fingerprint !== undefined && denied.has(`fp:${fingerprint}`);
}
