/**
 * The public configuration of {@link JwtInstrumentation}. Every option is optional; defaults are given with
 * each one and in the README's options table.
 */
import type { Span } from '@opentelemetry/api';
import type { InstrumentationConfig } from '@opentelemetry/instrumentation';
import type { JwtLibrary, JwtOperation, ValidationOutcome, ValidationReason } from './audit-event';
import type { ClaimAction } from './policy/claim-policy';

export type { ClaimAction, JwtLibrary, JwtOperation, ValidationOutcome, ValidationReason };

/**
 * What a hook learns about one operation. `header` and `claims` are the token's raw, unredacted values: they
 * never leave the process unless the hook itself writes them somewhere.
 */
export interface JwtOperationInfo {
  readonly operation: JwtOperation;
  readonly library: JwtLibrary;
  readonly outcome?: ValidationOutcome;
  readonly reason?: ValidationReason;
  readonly claim?: string;
  readonly header?: Readonly<Record<string, unknown>>;
  readonly claims?: Readonly<Record<string, unknown>>;
  /** The library's error, when the operation failed. */
  readonly error?: unknown;
}

/** Called with the operation's span just before it ends. Exceptions are caught and reported through `diag`. */
export type JwtSpanHook = (span: Span, info: JwtOperationInfo) => void;

export interface LibraryConfig {
  /** Record this library's operations. @default true */
  enabled?: boolean;
}

/** Where requests carry tokens besides `Authorization: Bearer`. */
export interface TokenSourcesConfig {
  /** Request header names holding a token (a `Bearer ` prefix is allowed). @default [] */
  headers?: string[];
  /** Cookie names holding a token. @default [] */
  cookies?: string[];
  /** Query parameter names holding a token; their values are also scrubbed from the server span. @default ['access_token', 'token', 'id_token'] */
  queryParams?: string[];
}

export interface JwtInstrumentationConfig extends InstrumentationConfig {
  /** jose 6: `jwtVerify`, `jwtDecrypt`, `compactVerify`, `flattenedVerify`, `generalVerify`, `SignJWT#sign`, `EncryptJWT#encrypt`, `decodeJwt`. @default { enabled: true } */
  jose?: LibraryConfig;
  /** jsonwebtoken 9: `verify`, `sign`, `decode`. @default { enabled: true } */
  jsonwebtoken?: LibraryConfig;
  /**
   * fast-jwt 6 (`jwt.library` `fast-jwt`): every call of the functions `createVerifier`, `createSigner` and
   * `createDecoder` return, sync, callback or promise. @default { enabled: true }
   */
  fastJwt?: LibraryConfig;
  /** hono 4's JWT helpers (`hono/jwt`, `hono/utils/jwt`): `verify`, `verifyWithJwks`, `sign`, `decode`. @default { enabled: true } */
  hono?: LibraryConfig;
  /**
   * HTTP servers (node:http, node:https and every framework on them): one audited outcome per request that
   * carries a JWT, observed through diagnostics_channel. @default { enabled: true }
   */
  http?: LibraryConfig;
  /**
   * Remote key sets (jose `createRemoteJWKSet`, jwks-rsa): a `jwt.jwks.fetch` span per key lookup and a
   * `jwt.key.rotated` log record when a set's `kid`s change. @default { enabled: true }
   */
  jwks?: LibraryConfig;
  /** Extra places a request's token is found (the Authorization header is always looked at). */
  tokenSources?: TokenSourcesConfig;
  /**
   * What to do with each claim, merged over the defaults. Claims not listed are dropped.
   * @default { iss, aud, exp, nbf, iat, jti, azp, scope, scp: 'keep'; sub: 'pseudonymize' }
   */
  claims?: Record<string, ClaimAction>;
  /**
   * The claim holding the user's roles, written to `user.roles`: a claim name, or a path into nested objects
   * (`['realm_access', 'roles']`); `null` for none. @default 'roles'
   */
  rolesClaim?: string | readonly string[] | null;
  /**
   * Key for the keyed pseudonyms (`enduser.pseudo.id`, `jwt.token.fingerprint`), at least 16 bytes. Give every
   * service the same key to correlate users and tokens across them.
   * @default the `TOKENTRAIL_PSEUDONYM_KEY` environment variable, else a random per-process key (with a warning)
   */
  pseudonymKey?: string | Uint8Array;
  /** Create a `jwt.<operation>` span for each operation. @default true */
  emitSpans?: boolean;
  /** Emit a `jwt.<operation>` log record for each operation through the Logs API. @default true */
  emitLogRecords?: boolean;
  /** Record the `jwt.operation.duration` histogram. @default true */
  emitMetrics?: boolean;
  /** Copy a verify's outcome, reason, pseudonymous user, roles and issuer onto the enclosing HTTP server span. @default true */
  enrichServerSpan?: boolean;
  /** Called for `verify`, `decrypt` and `decode` spans before they end. */
  verifyHook?: JwtSpanHook;
  /** Called for `sign` and `encrypt` spans before they end. */
  signHook?: JwtSpanHook;
}
