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
export { KEY_SET_CACHE_RESULTS, KEY_SET_CLIENTS } from './key-set-event';
export { PSEUDONYM_KEY_ENV } from './settings';
