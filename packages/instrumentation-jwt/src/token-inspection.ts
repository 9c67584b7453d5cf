/**
 * `@tokentrail/instrumentation-jwt/inspection`: what an offline reader of tokens (the `tokentrail inspect`
 * command) needs to say exactly what the instrumentation would — the same token reading, redaction, findings
 * and `jwt.validation.reason` mapping, and the policies resolved from the same configuration — and the closed
 * vocabularies an offline reader of exported records (`tokentrail report`) tallies by. A stable, documented entry
 * point (the package README): its API report, api/inspection.api.md, is checked by a test.
 */
import type { JwtInstrumentationConfig } from './types';
import { FallbackKey, resolveSettings } from './settings';
import type { RedactionPolicy } from './policy/claim-policy';
import type { FindingsPolicy } from './policy/findings';

export { readClaims, readHeader } from './jwt/compact';
export { redact, type AttributeValue, type AuditAttributes } from './policy/redaction';
export {
  DEFAULT_FINDINGS_POLICY,
  FINDINGS,
  FINDING_SEVERITY,
  SEVERITIES,
  tokenFindings,
  type Finding,
  type FindingSeverity,
  type FindingsPolicy,
  type TokenFindingsInput,
} from './policy/findings';
export type { RedactionPolicy } from './policy/claim-policy';
export { joseFailure } from './adapters/jose-errors';
export { lookupFailure } from './adapters/key-set-lookup';
// The event shape `redact` reads. Vocabulary and configuration types (JwtOperation, ClaimAction,
// JwtInstrumentationConfig, …) belong to the main entry point and are imported from there.
export type { AuditEvent, Failure, JsonObject, OperationResult, VerifyChecks } from './events/audit-event';
export { REASONS } from './events/audit-event';
export { DETECTORS } from './detectors/vocabulary';
export { REVOCATION_REASONS } from './lifecycle/revocation';

/** The redaction and findings policies the instrumentation would use with this configuration. */
export function inspectionPolicies(
  config: JwtInstrumentationConfig,
  warn: (message: string) => void,
): { redaction: RedactionPolicy; findings: FindingsPolicy } {
  const settings = resolveSettings(config, new FallbackKey(), warn);
  return { redaction: settings.redaction, findings: settings.insight.findings };
}
