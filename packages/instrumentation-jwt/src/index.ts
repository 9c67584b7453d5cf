export { JwtInstrumentation } from './instrumentation';
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
export { LIBRARIES, OPERATIONS, OUTCOMES, REASONS } from './audit-event';
export { AUTHZ_OUTCOMES, REQUEST_FINDINGS, TOKEN_SOURCES } from './request-event';
export { PSEUDONYM_KEY_ENV } from './settings';
