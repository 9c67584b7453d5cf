/**
 * Attribute and instrument names this instrumentation writes. Stable names come from
 * `@opentelemetry/semantic-conventions`; incubating ones are copied here (as OTel contrib does) so that a
 * minor release of that package cannot rename them under users' dashboards. Every name is documented, with
 * examples and its redaction default, in docs/semantic-conventions.md, which a test keeps in step with this file.
 */
export { ATTR_ERROR_TYPE } from '@opentelemetry/semantic-conventions';

/** `sign` | `verify` | `decode` | `decrypt` | `encrypt` */
export const ATTR_JWT_OPERATION = 'jwt.operation';
/** `jose` | `jsonwebtoken` | `fast-jwt` | `hono` */
export const ATTR_JWT_LIBRARY = 'jwt.library';
/** `valid` | `invalid` | `unverified` */
export const ATTR_JWT_VALIDATION_OUTCOME = 'jwt.validation.outcome';
/** Closed vocabulary, e.g. `expired`, `signature_invalid`. */
export const ATTR_JWT_VALIDATION_REASON = 'jwt.validation.reason';
/** The claim that failed validation, e.g. `aud`. */
export const ATTR_JWT_VALIDATION_CLAIM = 'jwt.validation.claim';
/** e.g. `RS256` */
export const ATTR_JWT_HEADER_ALG = 'jwt.header.alg';
/** e.g. `2026-11-key-a` */
export const ATTR_JWT_HEADER_KID = 'jwt.header.kid';
/** e.g. `JWT`, `at+jwt` */
export const ATTR_JWT_HEADER_TYP = 'jwt.header.typ';
/** Keyed pseudonym of the whole compact token, e.g. `9f86d081884c7d659a2feaa0c55ad015`. */
export const ATTR_JWT_TOKEN_FINGERPRINT = 'jwt.token.fingerprint';
/** Prefix of kept claims: `jwt.claims.iss`, `jwt.claims.aud`, … */
export const JWT_CLAIMS_PREFIX = 'jwt.claims.';
/** Prefix of pseudonymized claims other than `sub`: `jwt.pseudo.email`, … */
export const JWT_PSEUDO_PREFIX = 'jwt.pseudo.';
/** `jwt.claims.scope`: string[] from `scope` (space-separated) or `scp`. */
export const ATTR_JWT_CLAIMS_SCOPE = 'jwt.claims.scope';
/** `jwt.claims.iss` */
export const ATTR_JWT_CLAIMS_ISS = 'jwt.claims.iss';

/** Incubating: keyed pseudonym of `sub`, e.g. `3b5d5c3712955042212316173ccf37be`. */
export const ATTR_ENDUSER_PSEUDO_ID = 'enduser.pseudo.id';
/** Incubating: the raw `sub`, only when the claim policy says `sub: 'keep'`. */
export const ATTR_ENDUSER_ID = 'enduser.id';
/** Incubating: string[] from the configured roles claim, e.g. `["admin","auditor"]`. */
export const ATTR_USER_ROLES = 'user.roles';

/** Histogram of operation durations, in seconds. */
export const METRIC_JWT_OPERATION_DURATION = 'jwt.operation.duration';

/** string[]: what was suspicious about the request or operation, closed vocabulary, e.g. `["unverified_bearer"]`. */
export const ATTR_JWT_FINDINGS = 'jwt.findings';
/** `allowed` | `denied` | `rejected` | `error`: what the server did with an authenticated request. */
export const ATTR_JWT_AUTHZ_OUTCOME = 'jwt.authz.outcome';
/** `authorization` | `cookie` | `header` | `query`: where the request's token was found. */
export const ATTR_JWT_TOKEN_SOURCE = 'jwt.token.source';
/** int: per-process sequence number of every audit log record, 1, 2, 3, … (a gap means a lost record). */
export const ATTR_JWT_AUDIT_SEQ = 'jwt.audit.seq';
/** Random id of one process's audit trail (one per process start), e.g. `5b0c9e0f6a8d4f1e9c3b7a2d1e0f4c6b`. */
export const ATTR_JWT_AUDIT_STREAM = 'jwt.audit.stream';
/** SHA-256 chain value of the record (64 hex digits); see docs/audit-trail.md. */
export const ATTR_JWT_AUDIT_CHAIN = 'jwt.audit.chain';
/** int: on a checkpoint, how many records of the stream it covers (the seq of the last one). */
export const ATTR_JWT_AUDIT_CHECKPOINT_COUNT = 'jwt.audit.checkpoint.count';
/** On a checkpoint, the chain value of the last record it covers. */
export const ATTR_JWT_AUDIT_CHECKPOINT_HEAD = 'jwt.audit.checkpoint.head';
/** On a checkpoint: `interval` | `shutdown`. */
export const ATTR_JWT_AUDIT_CHECKPOINT_REASON = 'jwt.audit.checkpoint.reason';
/** On a signed checkpoint: RFC 7638 thumbprint of the Ed25519 public key. */
export const ATTR_JWT_AUDIT_CHECKPOINT_KEY_ID = 'jwt.audit.checkpoint.key_id';
/** On a signed checkpoint: the Ed25519 signature of the checkpoint statement, base64url. */
export const ATTR_JWT_AUDIT_CHECKPOINT_SIGNATURE = 'jwt.audit.checkpoint.signature';
/** Log record event name of an audit trail checkpoint. */
export const EVENT_JWT_AUDIT_CHECKPOINT = 'jwt.audit.checkpoint';
/** Log record event name of the per-request audit. */
export const EVENT_JWT_REQUEST = 'jwt.request';

export {
  ATTR_CLIENT_ADDRESS,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_NETWORK_PEER_ADDRESS,
  ATTR_NETWORK_PEER_PORT,
  ATTR_SERVER_PORT,
  ATTR_URL_PATH,
  ATTR_URL_SCHEME,
  ATTR_USER_AGENT_ORIGINAL,
} from '@opentelemetry/semantic-conventions';

/** Keyed pseudonym of the signing or verification key (the public key of a pair), e.g. `0b9d3e4f…`. */
export const ATTR_JWT_KEY_FINGERPRINT = 'jwt.key.fingerprint';
/** `issued` | `refreshed` | `revoked`: the token's lifecycle step. */
export const ATTR_JWT_LIFECYCLE = 'jwt.lifecycle';
/** int: seconds from `iat` (else now) to `exp` of an issued token. */
export const ATTR_JWT_TOKEN_LIFETIME = 'jwt.token.lifetime';
/** The fingerprint of the token a refresh replaced. */
export const ATTR_JWT_TOKEN_PREVIOUS_FINGERPRINT = 'jwt.token.previous_fingerprint';
/** Closed vocabulary: why a token was revoked, e.g. `logout`. */
export const ATTR_JWT_REVOCATION_REASON = 'jwt.revocation.reason';
/** Closed vocabulary: why the configured `isRevoked` gave no answer for an accepted token, e.g. `timeout`. */
export const ATTR_JWT_REVOCATION_CHECK = 'jwt.revocation.check';
/** Keyed pseudonym of who revoked the token. */
export const ATTR_JWT_REVOCATION_ACTOR = 'jwt.revocation.actor';
/** Log record event name (and span event name) of a revocation. */
export const EVENT_JWT_REVOKE = 'jwt.revoke';
/** Counter of findings raised, by `jwt.finding.name` and `jwt.finding.severity`. */
export const METRIC_JWT_FINDINGS = 'jwt.findings';
/** Metric attribute: one finding name. */
export const ATTR_JWT_FINDING_NAME = 'jwt.finding.name';
/** Metric attribute: `low` | `medium` | `high` | `critical`. */
export const ATTR_JWT_FINDING_SEVERITY = 'jwt.finding.severity';
/** Log record event name (and span event name) of a detector firing. */
export const EVENT_JWT_ALERT = 'jwt.alert';
/** Counter of detector firings, by `jwt.alert.name`. */
export const METRIC_JWT_ALERTS = 'jwt.alerts';
/** The detector that fired, e.g. `token_replay_multi_ip`. */
export const ATTR_JWT_ALERT_NAME = 'jwt.alert.name';
/** int: the evidence count that crossed the threshold (addresses, uses, failures or issuances). */
export const ATTR_JWT_ALERT_COUNT = 'jwt.alert.count';
/** int: the configured threshold the count exceeded. */
export const ATTR_JWT_ALERT_THRESHOLD = 'jwt.alert.threshold';
/** int: the detector's window in seconds. */
export const ATTR_JWT_ALERT_WINDOW = 'jwt.alert.window';
/** double: how many log records a sampled one stands for (1 / `logSampleRatio`). */
export const ATTR_JWT_SAMPLING_WEIGHT = 'jwt.sampling.weight';

/** Span name of one lookup in a remote JSON Web Key Set. */
export const SPAN_JWT_JWKS_FETCH = 'jwt.jwks.fetch';
/** `jose` | `jwks-rsa`: the library holding the remote key set. */
export const ATTR_JWT_JWKS_CLIENT = 'jwt.jwks.client';
/** `hit` | `miss`: whether the lookup was answered from the cached set or the set was fetched. */
export const ATTR_JWT_JWKS_CACHE = 'jwt.jwks.cache';
/** int: number of keys in the set after the lookup, e.g. `2`. */
export const ATTR_JWT_JWKS_KEY_COUNT = 'jwt.jwks.key_count';
/** string[]: `kid`s that appeared in the set, e.g. `["2026-12-key-b"]`. */
export const ATTR_JWT_JWKS_KIDS_ADDED = 'jwt.jwks.kids.added';
/** string[]: `kid`s that left the set, e.g. `["2026-11-key-a"]`. */
export const ATTR_JWT_JWKS_KIDS_REMOVED = 'jwt.jwks.kids.removed';
/** Log record event name when a remote key set's `kid`s changed. */
export const EVENT_JWT_KEY_ROTATED = 'jwt.key.rotated';
export { ATTR_SERVER_ADDRESS } from '@opentelemetry/semantic-conventions';
