/**
 * The public configuration of {@link JwtInstrumentation}. Every option is optional; defaults are given with
 * each one and in the README's options table.
 */
import type { Span } from '@opentelemetry/api';
import type { InstrumentationConfig } from '@opentelemetry/instrumentation';
import type { JwtLibrary, JwtOperation, ValidationOutcome, ValidationReason } from './events/audit-event';
import type { ClaimAction } from './policy/claim-policy';
import type { ScopeRequirement } from './policy/scope-policy';

export type { ClaimAction, ScopeRequirement, JwtLibrary, JwtOperation, ValidationOutcome, ValidationReason };

/**
 * What a hook learns about one operation. `header` and `claims` are the token's raw, unredacted values: they
 * never leave the process unless the hook itself writes them somewhere. Treat them as read-only: the
 * operation's record was made from them before the hook ran, and the request's later steps (its scope policy,
 * its refresh detection) read the same claims.
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
  /**
   * Query parameter names holding a token, matched case-insensitively and with or without a `[]` suffix; this
   * list replaces the default. Their values are also scrubbed from every span of the request (`spanProcessor()`).
   * @default ['access_token', 'token', 'id_token', 'id_token_hint', 'logout_token', 'request']
   */
  queryParams?: string[];
}

/** What policy findings are judged against (docs/findings.md). */
export interface FindingsConfig {
  /** Longest acceptable token lifetime (`exp − iat`) before `lifetime_too_long`, in seconds. @default 86400 */
  maxLifetimeSeconds?: number;
  /** The algorithms this deployment uses, e.g. `['RS256', 'ES256']`; any other `alg` is `alg_unexpected`. @default undefined (not judged) */
  expectedAlgorithms?: string[];
  /** How far in the future `iat` may be before `clock_skew_large`, in seconds. @default 60 */
  clockToleranceSeconds?: number;
}

/** Called with the claims of every successfully verified or decrypted token; `true` means the token was revoked. */
export type RevocationCheck = (claims: Readonly<Record<string, unknown>>) => boolean | Promise<boolean>;

/** One detector's threshold: it fires when the evidence count exceeds `threshold` within `windowSeconds`. */
export interface DetectorThresholdConfig {
  threshold?: number;
  windowSeconds?: number;
}

/** Misuse detectors (docs/detectors.md). */
export interface DetectorsConfig {
  /** @default true */
  enabled?: boolean;
  /** Most keys (tokens, addresses, subjects) each detector tracks at once; the least recently seen is forgotten. @default 20000 */
  maxKeys?: number;
  /** One token from more than `threshold` client addresses. @default { threshold: 5, windowSeconds: 300 } */
  token_replay_multi_ip?: DetectorThresholdConfig;
  /** One token used more than `threshold` times. @default { threshold: 100, windowSeconds: 60 } */
  token_hammering?: DetectorThresholdConfig;
  /** More than `threshold` invalid tokens from one client address. @default { threshold: 20, windowSeconds: 60 } */
  failure_burst?: DetectorThresholdConfig;
  /** More than `threshold` tokens issued for one subject. @default { threshold: 10, windowSeconds: 60 } */
  reissue_storm?: DetectorThresholdConfig;
  /** A revoked token used (more than `threshold` times). @default { threshold: 0, windowSeconds: 300 } */
  revoked_token_used?: DetectorThresholdConfig;
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
   * The proxies whose `X-Forwarded-For` is believed for tokentrail's `client.address` and the detectors' keys,
   * as express's `trust proxy`: a hop count (the nearest N hops, the socket's peer being the first), or a list
   * of IP addresses, CIDR ranges (`10.0.0.0/8`) and `loopback`, `linklocal`, `uniquelocal`. Without it the
   * client address is the socket's peer: a client can write `X-Forwarded-For` itself.
   * instrumentation-http's own attributes are as it writes them.
   * @default 0 (none)
   */
  trustedProxies?: number | string[];
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
  /**
   * Create `jwt.<operation>` spans: one for each operation outside HTTP requests, and inside a request for every
   * operation except the successful verify or decode of the request's own token, whose facts are on the server
   * span (see `requestVerifySpans`). @default true
   */
  emitSpans?: boolean;
  /**
   * Also create a `jwt.verify` (`jwt.decrypt`, `jwt.decode`) span for the successful verify (decrypt, decode)
   * of the token an HTTP request presented, beside the facts on the server span. A failed one always has its
   * span, and so does every verify and decode when a `verifyHook` is set. @default false
   */
  requestVerifySpans?: boolean;
  /**
   * Emit audit log records through the Logs API: a `jwt.<operation>` record for each operation, except the
   * verify or decode of an HTTP request's own token that the request's `jwt.request` record carries. @default true
   */
  emitLogRecords?: boolean;
  /** Record tokentrail's metrics: the `jwt.operation.duration` histogram and the `jwt.findings` and `jwt.alerts` counters. @default true */
  emitMetrics?: boolean;
  /** Copy a verify's outcome, reason, pseudonymous user, roles and issuer onto the enclosing HTTP server span. @default true */
  enrichServerSpan?: boolean;
  /** Called for `verify`, `decrypt` and `decode` spans before they end. */
  verifyHook?: JwtSpanHook;
  /** Called for `sign` and `encrypt` spans before they end. */
  signHook?: JwtSpanHook;
  /**
   * A `jwt.audit.checkpoint` record after every this many audit records; 0 for checkpoints only when
   * {@link JwtInstrumentation.closeAuditTrail} is called. See docs/audit-trail.md.
   * @default the `TOKENTRAIL_AUDIT_CHECKPOINT_INTERVAL` environment variable, else 1000
   */
  auditCheckpointInterval?: number;
  /**
   * Ed25519 private key that signs checkpoints (PKCS#8 PEM, private JWK as object or JSON text, or a KeyObject),
   * so that rewriting the whole chain is detectable. Never exported: checkpoints carry its public thumbprint.
   * @default the `TOKENTRAIL_AUDIT_SIGNING_KEY` environment variable, else unsigned checkpoints
   */
  auditSigningKey?: string | object;
  /** Thresholds of the policy findings (`jwt.findings`). @default { maxLifetimeSeconds: 86400, clockToleranceSeconds: 60 } */
  findings?: FindingsConfig;
  /**
   * Consulted after every successful verify or decrypt, besides the denylist fed by `recordRevocation()`; a
   * revoked token the library accepted gets the finding `revoked_token_accepted`. Never changes the verify result.
   */
  isRevoked?: RevocationCheck;
  /**
   * How long an asynchronous `isRevoked` answer is waited for, in ms (1 to 60000); past it the operation is
   * recorded as not revoked with `jwt.revocation.check: timeout`. At most 1000 answers are waited for at once;
   * beyond that `isRevoked` is still called but not waited for (`jwt.revocation.check: overloaded`). @default 2000
   */
  revocationCheckTimeoutMs?: number;
  /** Routes (`'/admin'`, `'GET /orders/:id'`) → the scopes or roles a token needs there, for `scope_insufficient` and `scope_denied_despite_grant`. @default {} */
  scopePolicy?: Record<string, ScopeRequirement>;
  /** Misuse detectors and their thresholds. @default all enabled, thresholds in docs/detectors.md */
  detectors?: DetectorsConfig;
  /**
   * Share of log records of successful operations and requests kept (failures, new findings and alerts always
   * are; a token's own findings are kept on its first record and sampled on its later ones). @default 1
   */
  logSampleRatio?: number;
}
