/**
 * `@tokentrail/instrumentation-jwt`: the instrumentation class, its configuration types and the closed
 * vocabularies of the values it exports. Offline readers of tokens use `./inspection`, verifiers of the audit
 * trail `./audit-trail`; everything else is internal. The API reports in `api/` are checked by a test.
 */
export { JwtInstrumentation } from './instrumentation';
export type { JwtSpanProcessor } from './sinks/scrubbing-span-processor';
export type {
  ClaimAction,
  DetectorsConfig,
  DetectorThresholdConfig,
  FindingsConfig,
  JwtInstrumentationConfig,
  JwtLibrary,
  JwtOperation,
  JwtOperationInfo,
  JwtSpanHook,
  LibraryConfig,
  RevocationCheck,
  ScopeRequirement,
  TokenSourcesConfig,
  ValidationOutcome,
  ValidationReason,
} from './types';
export { CLAIM_ACTIONS } from './policy/claim-policy';
export { LIBRARIES, OPERATIONS, OUTCOMES, REASONS } from './events/audit-event';
export { AUTHZ_OUTCOMES, REQUEST_FINDINGS, TOKEN_SOURCES } from './events/request-event';
export { KEY_SET_CACHE_RESULTS, KEY_SET_CLIENTS } from './events/key-set-event';
export { DEFAULT_TOKEN_QUERY_PARAMS, PSEUDONYM_KEY_ENV } from './settings';
export { CHECKPOINT_REASONS } from './audit-trail/canonical';
export { FINDINGS, FINDING_SEVERITY, SEVERITIES } from './policy/findings';
export type { Finding, FindingSeverity } from './policy/findings';
export { recordRevocation, REVOCATION_CHECK_OUTCOMES, REVOCATION_REASONS } from './lifecycle/revocation';
export type { Revocation, RevocationReason } from './lifecycle/revocation';
export { LIFECYCLE_STEPS } from './lifecycle/issuance';
export { DETECTORS } from './detectors/vocabulary';
