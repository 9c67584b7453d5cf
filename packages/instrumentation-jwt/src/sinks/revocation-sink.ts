/**
 * A revocation becomes one `jwt.revoke` log record and, when a span is active, an event of the same name on
 * it. The token is represented by its fingerprint, its `jti` and subject as the claim policy says, the actor
 * by a keyed pseudonym.
 */
import { SeverityNumber, context, trace } from '@opentelemetry/api';
import type { CheckedRevocation, RecordedRevocation } from '../lifecycle/revocation';
import type { PipelineHost } from '../pipeline/pipeline-host';
import type { RedactionPolicy } from '../policy/claim-policy';
import type { AuditAttributes } from '../policy/redaction';
import { MAX_STRING_LENGTH } from '../policy/claim-policy';
import {
  ATTR_ENDUSER_ID,
  ATTR_ENDUSER_PSEUDO_ID,
  ATTR_JWT_LIFECYCLE,
  ATTR_JWT_REVOCATION_ACTOR,
  ATTR_JWT_REVOCATION_REASON,
  ATTR_JWT_TOKEN_FINGERPRINT,
  EVENT_JWT_REVOKE,
  JWT_CLAIMS_PREFIX,
  JWT_PSEUDO_PREFIX,
} from '../semconv';
import type { AuditLog } from './audit-trail';

function claimAttribute(
  attributes: AuditAttributes,
  policy: RedactionPolicy,
  name: 'jti' | 'sub',
  value: unknown,
): void {
  if (typeof value !== 'string') return;
  const action = policy.claims.get(name);
  if (action === 'pseudonymize')
    attributes[name === 'sub' ? ATTR_ENDUSER_PSEUDO_ID : JWT_PSEUDO_PREFIX + name] = policy.pseudonymize(value);
  else if (action === 'keep')
    attributes[name === 'sub' ? ATTR_ENDUSER_ID : JWT_CLAIMS_PREFIX + name] = value.slice(0, MAX_STRING_LENGTH);
}

export function revocationAttributes(revocation: RecordedRevocation, policy: RedactionPolicy): AuditAttributes {
  const attributes: AuditAttributes = {
    [ATTR_JWT_LIFECYCLE]: 'revoked',
    [ATTR_JWT_REVOCATION_REASON]: revocation.reason,
  };
  if (revocation.token !== undefined) attributes[ATTR_JWT_TOKEN_FINGERPRINT] = policy.pseudonymize(revocation.token);
  claimAttribute(attributes, policy, 'jti', revocation.jti);
  const sub =
    revocation.claims !== undefined && Object.hasOwn(revocation.claims, 'sub') ? revocation.claims.sub : undefined;
  claimAttribute(attributes, policy, 'sub', sub);
  if (revocation.actor !== undefined) attributes[ATTR_JWT_REVOCATION_ACTOR] = policy.pseudonymize(revocation.actor);
  return attributes;
}

function emitRevocation(log: AuditLog | undefined, attributes: AuditAttributes, withSpanEvent: boolean): void {
  const active = context.active();
  const span = trace.getSpan(active);
  if (withSpanEvent && span?.isRecording()) span.addEvent(EVENT_JWT_REVOKE, attributes);
  if (log)
    log.emit({
      eventName: EVENT_JWT_REVOKE,
      severityNumber: SeverityNumber.INFO,
      severityText: 'INFO',
      attributes,
      context: active,
    });
}

/**
 * Records a revocation for one instrumentation: denylists it under the instrumentation's own fingerprint, then
 * emits its record; fenced, like every pipeline step. A disabled instrumentation neither denylists nor records.
 */
export function recordRevocationIn(host: PipelineHost, revocation: CheckedRevocation): void {
  try {
    if (!host.enabled) return;
    const { settings } = host;
    const fingerprint = revocation.token !== undefined ? settings.redaction.pseudonymize(revocation.token) : undefined;
    host.denylist.add(revocation.jti, fingerprint, revocation.ttl);
    if (!settings.emitLogRecords && !settings.emitSpans) return;
    emitRevocation(
      settings.emitLogRecords ? host.auditLog : undefined,
      revocationAttributes(revocation, settings.redaction),
      settings.emitSpans,
    );
  } catch (error) {
    host.diag.error('internal error recording a revocation; the token may not be denylisted', error);
  }
}
