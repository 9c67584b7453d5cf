/**
 * The normalized audit event: what every adapter produces for one JWT operation, whatever the library,
 * and the closed vocabularies its low-cardinality fields are drawn from.
 *
 * Adapters fill an {@link OperationResult}; the pipeline adds operation, library and timing to make the
 * {@link AuditEvent} that policy and sinks read. Nothing here knows a JWT library or OpenTelemetry.
 */

/** `jwt.operation` */
export const OPERATIONS = ['sign', 'verify', 'decode', 'decrypt', 'encrypt'] as const;
export type JwtOperation = (typeof OPERATIONS)[number];

/** `jwt.library` */
export const LIBRARIES = ['jose', 'jsonwebtoken', 'fast-jwt', 'hono'] as const;
export type JwtLibrary = (typeof LIBRARIES)[number];

/** `jwt.validation.outcome` */
export const OUTCOMES = ['valid', 'invalid', 'unverified'] as const;
export type ValidationOutcome = (typeof OUTCOMES)[number];

/** `jwt.validation.reason`: why a token was not accepted (or could not be produced). */
export const REASONS = [
  'expired',
  'not_yet_valid',
  'signature_invalid',
  'malformed',
  'alg_not_allowed',
  'claim_invalid',
  'key_not_found',
  'key_invalid',
  'jwks_fetch_failed',
  'unsupported',
  'other',
] as const;
export type ValidationReason = (typeof REASONS)[number];

/** Why an operation failed, as the adapter classified the library's error. */
export interface Failure {
  readonly reason: ValidationReason;
  /** The claim that failed validation (`aud`, `iss`, `exp`, …), when the library names one. */
  readonly claim?: string;
  /** The library's own identity for the error: its stable `code`, else its class name. */
  readonly errorType: string;
}

/** A decoded JOSE header or JWT claims set, as read from the token. Never exported as is. */
export type JsonObject = Readonly<Record<string, unknown>>;

/** A claim or header member the object holds itself (never one inherited, such as `constructor` or `__proto__`). */
export function ownValue(object: JsonObject | undefined, key: string): unknown {
  return object !== undefined && Object.hasOwn(object, key) ? object[key] : undefined;
}

/** What an adapter knows once the library call has settled. */
export interface OperationResult {
  /** Set when the operation failed: a thrown error, a rejected promise, an error passed to a callback, or a `null` decode. */
  readonly failure?: Failure;
  /** The compact token that was verified, decoded, decrypted or produced. Used for the fingerprint only. */
  readonly token?: string;
  readonly header?: JsonObject;
  readonly claims?: JsonObject;
  /** The library's error object, for user hooks. Never exported. */
  readonly error?: unknown;
  /** For verify and decrypt: which checks the caller's options asked the library to make. */
  readonly checks?: VerifyChecks;
  /** The key the library was given (sign, verify, encrypt, decrypt), measured for key findings only. Never exported. */
  readonly key?: unknown;
}

/** Whether a verify or decrypt call pinned the issuer, the audience and the algorithms. */
export interface VerifyChecks {
  readonly issuer: boolean;
  readonly audience: boolean;
  readonly algorithms: boolean;
}

/** The checks named by verify options shaped `{ issuer, audience, algorithms }`, as jose and jsonwebtoken both take them. */
export function checksOf(options: unknown): VerifyChecks {
  const o = (options !== null && typeof options === 'object' ? options : {}) as {
    issuer?: unknown;
    audience?: unknown;
    algorithms?: unknown;
  };
  return {
    issuer: o.issuer !== undefined,
    audience: o.audience !== undefined,
    algorithms: Array.isArray(o.algorithms),
  };
}

/** One JWT operation, normalized: the only thing policy and sinks ever see. */
export interface AuditEvent extends OperationResult {
  readonly operation: JwtOperation;
  readonly library: JwtLibrary;
  /** Absent for `sign` and `encrypt`. */
  readonly outcome?: ValidationOutcome;
  /** Wall-clock start, milliseconds since the epoch. */
  readonly startTime: number;
  /** Duration of the library call in seconds, including the time a promise or callback took to settle. */
  readonly duration: number;
}

/** Whether the operation checks a token (a verify or a decrypt), as opposed to reading, signing or encrypting one. */
export const isVerification = (operation: JwtOperation): boolean => operation === 'verify' || operation === 'decrypt';

/** The outcome an operation of this kind reaches, given whether it failed. */
export function outcomeOf(operation: JwtOperation, failed: boolean): ValidationOutcome | undefined {
  if (operation === 'sign' || operation === 'encrypt') return undefined;
  if (failed) return 'invalid';
  return operation === 'decode' ? 'unverified' : 'valid';
}
