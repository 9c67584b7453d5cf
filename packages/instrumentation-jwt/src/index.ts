export { JwtInstrumentation } from './instrumentation';
export { JwtSpanProcessor } from './sinks/scrubbing-span-processor';
export type {
  ClaimAction,
  JwtInstrumentationConfig,
  JwtLibrary,
  JwtOperation,
  JwtOperationInfo,
  JwtSpanHook,
  LibraryConfig,
  TokenSourcesConfig,
  ValidationOutcome,
  ValidationReason,
} from './types';
export { LIBRARIES, OPERATIONS, OUTCOMES, REASONS } from './events/audit-event';
export { AUTHZ_OUTCOMES, REQUEST_FINDINGS, TOKEN_SOURCES } from './events/request-event';
export { KEY_SET_CACHE_RESULTS, KEY_SET_CLIENTS } from './events/key-set-event';
export { DEFAULT_TOKEN_QUERY_PARAMS, PSEUDONYM_KEY_ENV } from './settings';
export { CHECKPOINT_REASONS } from './audit-trail/canonical';
export { FINDINGS, FINDING_SEVERITY, SEVERITIES, DEFAULT_FINDINGS_POLICY, tokenFindings } from './policy/findings';
export type { Finding, FindingSeverity, FindingsPolicy, TokenFindingsInput } from './policy/findings';
export { recordRevocation, REVOCATION_CHECK_OUTCOMES, REVOCATION_REASONS } from './lifecycle/revocation';
export type { Revocation, RevocationReason } from './lifecycle/revocation';
export { LIFECYCLE_STEPS } from './lifecycle/issuance';
export { DETECTORS } from './detectors/vocabulary';
export type { DetectorsConfig, DetectorThresholdConfig, FindingsConfig, RevocationCheck, ScopeRequirement } from './types';
