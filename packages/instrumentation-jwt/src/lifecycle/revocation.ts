/**
 * Revocation: the public `recordRevocation()` and the built-in denylist it feeds. Each instrumentation keeps
 * its own denylist, bounded: at most {@link DENYLIST_SIZE} entries (an LRU cache from `lru-cache`), each kept
 * until the revoked token's `exp` when it is known (else for {@link DEFAULT_DENY_SECONDS}), after which the
 * token could not verify anyway. tokentrail only observes: a denylisted token that the library accepts is still accepted,
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

/**
 * `jwt.revocation.check`: why a configured `isRevoked` gave no answer for an accepted token (absent when it
 * answered): it threw or rejected, did not settle within `revocationCheckTimeoutMs`, or too many checks were
 * pending to start another. The token is then recorded as not revoked.
 */
export const REVOCATION_CHECK_OUTCOMES = ['error', 'timeout', 'overloaded'] as const;
export type RevocationCheckOutcome = (typeof REVOCATION_CHECK_OUTCOMES)[number];

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

/** A revocation as one instrumentation receives it, before it fingerprints the token with its own key. */
export interface CheckedRevocation extends RecordedRevocation {
  /** How long the denylist keeps it, ms. */
  readonly ttl: number;
}

/** One instrumentation's side of a revocation: denylist it and record it. */
export interface RevocationRecorder {
  record(revocation: CheckedRevocation): void;
}

function ttlOf(claims: JsonObject | undefined): number {
  const exp = claims !== undefined && Object.hasOwn(claims, 'exp') ? claims.exp : undefined;
  const seconds = typeof exp === 'number' && Number.isFinite(exp) ? exp - Date.now() / 1000 : DEFAULT_DENY_SECONDS;
  return Math.max(1, Math.min(seconds, 366 * DEFAULT_DENY_SECONDS)) * 1000;
}

/** Checks a revocation as given by the application; throws a TypeError when neither a token nor a jti is given. */
export function checkRevocation(revocation: Revocation): CheckedRevocation {
  const { token, jti, reason, actor } = (revocation ?? {}) as Revocation;
  if ((typeof token !== 'string' || token === '') && (typeof jti !== 'string' || jti === '')) {
    throw new TypeError('@tokentrail/instrumentation-jwt: recordRevocation() needs a token or a jti');
  }
  const claims = typeof token === 'string' ? readClaims(token) : undefined;
  const claimedJti =
    claims !== undefined && typeof claims.jti === 'string' && Object.hasOwn(claims, 'jti') ? claims.jti : undefined;
  return {
    reason: (REVOCATION_REASONS as readonly unknown[]).includes(reason) ? (reason as RevocationReason) : 'other',
    jti: typeof jti === 'string' && jti !== '' ? jti : claimedJti,
    claims,
    token: typeof token === 'string' && token !== '' ? token : undefined,
    actor: typeof actor === 'string' && actor !== '' ? actor : undefined,
    ttl: ttlOf(claims),
  };
}

/**
 * One instrumentation's denylist, bounded: at most {@link DENYLIST_SIZE} entries, each kept until the revoked
 * token's `exp` (else {@link DEFAULT_DENY_SECONDS}). Tokens are held by `jti` and by the instrumentation's own
 * fingerprint, never by value.
 */
export class Denylist {
  private readonly denied = new LRUCache<string, true>({ max: DENYLIST_SIZE, ttlAutopurge: false });

  add(jti: string | undefined, fingerprint: string | undefined, ttl: number): void {
    // A jti longer than any exported string is not held by value (an attacker-sized token would grow the list): the fingerprint still is.
    if (jti !== undefined && jti.length <= MAX_STRING_LENGTH) this.denied.set(`jti:${jti}`, true, { ttl });
    if (fingerprint !== undefined) this.denied.set(`fp:${fingerprint}`, true, { ttl });
  }

  /** Whether it holds this token, by its `jti` or its fingerprint. */
  has(claims: JsonObject | undefined, fingerprint: string | undefined): boolean {
    const { denied } = this;
    if (denied.size === 0) return false;
    const jti = claims !== undefined && Object.hasOwn(claims, 'jti') ? claims.jti : undefined;
    if (typeof jti === 'string' && jti.length <= MAX_STRING_LENGTH && denied.has(`jti:${jti}`)) return true;
    return fingerprint !== undefined && denied.has(`fp:${fingerprint}`);
  }
}

/**
 * The one piece of process-wide state: the enabled instrumentations, so that the module-level
 * {@link recordRevocation} reaches every one of them (and never a disabled one). Kept on `globalThis` under a
 * registered symbol, as `@opentelemetry/api` keeps its globals, so two copies of this package in one process
 * share it.
 */
const REGISTRY = Symbol.for('@tokentrail/instrumentation-jwt.revocation-recorders');

function enabledRecorders(): Set<RevocationRecorder> {
  const global = globalThis as { [REGISTRY]?: Set<RevocationRecorder> };
  global[REGISTRY] ??= new Set();
  return global[REGISTRY];
}

/** Called by an instrumentation as it is enabled and disabled. */
export function setRevocationRecorderEnabled(recorder: RevocationRecorder, enabled: boolean): void {
  if (enabled) enabledRecorders().add(recorder);
  else enabledRecorders().delete(recorder);
}

/**
 * Records that a token was revoked, through every enabled JwtInstrumentation: each emits a `jwt.revoke` log
 * record (and a span event when a span is active) and denylists the token's `jti` and fingerprint, so a later
 * accepted use is flagged. Throws a TypeError when neither a token nor a jti is given; never throws for a
 * failure inside tokentrail. With one instrumentation, `instrumentation.recordRevocation()` does the same.
 */
export function recordRevocation(revocation: Revocation): void {
  const checked = checkRevocation(revocation);
  for (const recorder of enabledRecorders()) recorder.record(checked);
}
