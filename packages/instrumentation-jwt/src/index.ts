export { JwtInstrumentation } from './instrumentation';
export type {
  ClaimAction,
  JwtInstrumentationConfig,
  JwtLibrary,
  JwtOperation,
  JwtOperationInfo,
  JwtSpanHook,
  LibraryConfig,
  ValidationOutcome,
  ValidationReason,
} from './types';
export { LIBRARIES, OPERATIONS, OUTCOMES, REASONS } from './audit-event';
export { PSEUDONYM_KEY_ENV } from './settings';
