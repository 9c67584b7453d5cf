/**
 * Issuance: every token signed or encrypted here is `issued`, with its lifetime; one issued inside a request
 * that a valid token authenticated, for the same subject, is `refreshed` and names the token it replaced, so
 * one session can be followed across rotations. Nothing here knows OpenTelemetry or a JWT library.
 */
import type { AuditEvent, JsonObject } from '../events/audit-event';
import type { AuditAttributes } from '../policy/redaction';
import { ATTR_JWT_LIFECYCLE, ATTR_JWT_TOKEN_LIFETIME, ATTR_JWT_TOKEN_PREVIOUS_FINGERPRINT } from '../semconv';

/** `jwt.lifecycle` */
export const LIFECYCLE_STEPS = ['issued', 'refreshed', 'revoked'] as const;
export type LifecycleStep = (typeof LIFECYCLE_STEPS)[number];

/** The token that authenticated the current request: its claims (in process only) and fingerprint. */
export interface Authenticated {
  readonly claims: JsonObject | undefined;
  readonly fingerprint: string | undefined;
}

function claim(claims: JsonObject | undefined, name: string): unknown {
  return claims !== undefined && Object.hasOwn(claims, name) ? claims[name] : undefined;
}

/** Seconds from `iat` (or from the issuance itself) to `exp`; undefined without a numeric `exp`. */
export function lifetimeOf(claims: JsonObject | undefined, issuedAtMs: number): number | undefined {
  const exp = claim(claims, 'exp');
  if (typeof exp !== 'number' || !Number.isFinite(exp)) return undefined;
  const iat = claim(claims, 'iat');
  const from = typeof iat === 'number' && Number.isFinite(iat) ? iat : issuedAtMs / 1000;
  return Math.round(exp - from);
}

/** The lifecycle attributes of a successful sign or encrypt. */
export function issuanceAttributes(
  event: AuditEvent,
  fingerprint: unknown,
  authenticated: Authenticated | undefined,
): AuditAttributes {
  const attributes: AuditAttributes = {};
  const lifetime = lifetimeOf(event.claims, event.startTime);
  if (lifetime !== undefined) attributes[ATTR_JWT_TOKEN_LIFETIME] = lifetime;
  const sub = claim(event.claims, 'sub');
  const sameSubject = sub !== undefined && authenticated !== undefined && claim(authenticated.claims, 'sub') === sub;
  if (sameSubject && authenticated.fingerprint !== undefined && authenticated.fingerprint !== fingerprint) {
    attributes[ATTR_JWT_LIFECYCLE] = 'refreshed';
    attributes[ATTR_JWT_TOKEN_PREVIOUS_FINGERPRINT] = authenticated.fingerprint;
  } else {
    attributes[ATTR_JWT_LIFECYCLE] = 'issued';
  }
  return attributes;
}
