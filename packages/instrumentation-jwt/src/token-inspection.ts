/**
 * `@tokentrail/instrumentation-jwt/inspection`: what an offline reader of tokens (the `tokentrail inspect`
 * command) needs to say exactly what the instrumentation would — the same token reading, redaction, findings
 * and `jwt.validation.reason` mapping, and the policies resolved from the same configuration — and the closed
 * vocabularies an offline reader of exported records (`tokentrail report`) tallies by.
 */
import type { JwtInstrumentationConfig } from './types';
import { resolveSettings } from './settings';
import type { RedactionPolicy } from './policy/claim-policy';
import type { FindingsPolicy } from './policy/findings';

export { readClaims, readHeader } from './jwt/compact';
export { redact, type AttributeValue, type AuditAttributes } from './policy/redaction';
export { FINDINGS, FINDING_SEVERITY, SEVERITIES, tokenFindings, type Finding, type FindingSeverity, type FindingsPolicy } from './policy/findings';
export { joseFailure } from './adapters/jose-errors';
export { REASONS } from './events/audit-event';
export { DETECTORS } from './detectors/vocabulary';
export { REVOCATION_REASONS } from './lifecycle/revocation';
export type { AuditEvent, Failure, JsonObject } from './events/audit-event';

/** The redaction and findings policies the instrumentation would use with this configuration. */
export function inspectionPolicies(config: JwtInstrumentationConfig, warn: (message: string) => void): { redaction: RedactionPolicy; findings: FindingsPolicy } {
  const settings = resolveSettings(config, warn);
  return { redaction: settings.redaction, findings: settings.insight.findings };
}
